// The ECS and OCSF writers render a process's texts once per process and the kernel's
// texts of a task once per change (format/json_fields: ProcessJson,
// TaskJson).  Each event must still carry its own: these alternate events
// whose texts differ in one place only, more processes than the cache has
// entries, and processes whose details are replaced (late user names).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "support/line_documents.hpp"
#include "pipeline/event_decode.hpp"
#include "siem_test_events.hpp"

using namespace tl;

namespace {

Event with_args(Event e, std::string_view args)
{
    std::memcpy(e.model.task.args, args.data(), args.size());
    e.model.task.args_len = static_cast<__u16>(args.size());
    e.model.task.flags = 0;
    complete_model(e.model);
    return e;
}

std::shared_ptr<const ProcessDetails> details(const std::string &user, std::vector<std::string> args)
{
    auto d = std::make_shared<ProcessDetails>();
    d->user_name = user;
    d->group_name = user + "-group";
    d->executable = "/usr/bin/" + user;
    d->entity_id = "id-" + user;
    d->args = std::move(args);
    d->source = EnrichmentSource::Proc;
    mark_valid_texts(*d);
    return d;
}

} // namespace

TEST_CASE("events whose captured texts differ in one byte each carry their own")
{
    Event a = with_args(test::siem_event(EventKind::Listen, 80, "server"), std::string_view("srv\0-a", 6));
    Event b = with_args(test::siem_event(EventKind::Listen, 80, "server"), std::string_view("srv\0-b", 6));
    Event c = with_args(test::siem_event(EventKind::Listen, 80, "servex"), std::string_view("srv\0-b", 6));
    std::strcpy(c.model.task.cgroup_name, "other.scope");
    complete_model(c.model);
    for (int round = 0; round < 2; ++round) {
        auto da = ecs_document(a), db = ecs_document(b), dc = ecs_document(c);
        CHECK(da["process"]["args"] == nlohmann::json::array({"srv", "-a"}));
        CHECK(da["process"]["command_line"] == "srv -a");
        CHECK(db["process"]["args"] == nlohmann::json::array({"srv", "-b"}));
        CHECK(db["process"]["name"] == "server");
        CHECK(dc["process"]["name"] == "servex");
        CHECK(dc["trace_listen"]["cgroup_name"] == "other.scope");
        CHECK_FALSE(db["trace_listen"].contains("cgroup_name"));
        auto oa = ocsf_document(a), oc = ocsf_document(c);
        CHECK(oa["actor"]["process"]["cmd_line"] == "srv -a");
        CHECK(oa["actor"]["process"]["name"] == "server");
        CHECK(oc["actor"]["process"]["name"] == "servex");
    }
}

TEST_CASE("more processes than the rendered-once cache holds each show their own details")
{
    std::vector<Event> events;
    std::vector<std::shared_ptr<const ProcessDetails>> processes;
    for (int i = 0; i < 150; ++i) {
        auto p = details("user" + std::to_string(i), {"prog" + std::to_string(i), "--flag"});
        processes.push_back(p);
        Event e = test::siem_event(EventKind::Listen, static_cast<std::uint16_t>(1000 + i));
        e.process = p;
        events.push_back(e);
    }
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 150; i += 1 + round) { // different orders each round
            auto doc = ecs_document(events[static_cast<std::size_t>(i)]);
            const std::string n = std::to_string(i);
            INFO("process " << i << " round " << round);
            CHECK(doc["user"]["name"] == "user" + n);
            CHECK(doc["group"]["name"] == "user" + n + "-group");
            CHECK(doc["process"]["executable"] == "/usr/bin/user" + n);
            CHECK(doc["process"]["entity_id"] == "id-user" + n);
            CHECK(doc["process"]["command_line"] == "prog" + n + " --flag");
            auto ocsf = ocsf_document(events[static_cast<std::size_t>(i)]);
            CHECK(ocsf["actor"]["process"]["user"]["name"] == "user" + n);
            CHECK(ocsf["actor"]["process"]["uid"] == "id-user" + n);
            CHECK(ocsf["actor"]["process"]["cmd_line"] == "prog" + n + " --flag");
            CHECK(ocsf["actor"]["process"]["file"]["path"] == "/usr/bin/user" + n);
        }
    }
}

TEST_CASE("a process whose details were replaced (a late user name) shows the new ones")
{
    auto before = details("", {"prog"});
    Event e = test::siem_event(EventKind::Listen, 80);
    e.process = before;
    CHECK_FALSE(ecs_document(e)["user"].contains("name"));
    auto after = std::make_shared<ProcessDetails>(*before);
    after->user_name = "alice";
    mark_valid_texts(*after);
    e.process = after;
    CHECK(ecs_document(e)["user"]["name"] == "alice");
}

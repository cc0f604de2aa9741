// What the table, ECS and OCSF show for sockets without a process, UDP
// sockets, cookies and the machine id; how the table aligns and colours (issue 12).
#include <catch2/catch.hpp>

#include <netinet/in.h>

#include <cstring>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "support/line_documents.hpp"
#include "host/host_metadata.hpp"
#include "format/table_format.hpp"
#include "siem_test_events.hpp"

using namespace tl;
using tl::test::siem_event;

namespace {

Event existing(int protocol)
{
    Event e = siem_event(EventKind::Listen, 5353);
    e.kind = EventKind::Existing;
    e.model.socket.protocol = static_cast<__u16>(protocol);
    e.model.socket.type = protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
    e.model.socket.backlog = 0;
    return e;
}

// What precedes `column` in `line`, in terminal cells (the test's own count:
// CJK = 2 cells, every other character 1).
std::size_t cells_before(const std::string &line, const std::string &column)
{
    std::string head = line.substr(0, line.find(column));
    std::size_t cells = 0;
    for (std::size_t i = 0; i < head.size();) {
        unsigned char c = static_cast<unsigned char>(head[i]);
        std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        cells += len == 3 ? 2 : 1; // the names below use CJK for their 3-byte characters
        i += len;
    }
    return cells;
}

} // namespace

TEST_CASE("a socket without a process has no process fields in ECS nor actor.process in OCSF")
{
    Event e = existing(IPPROTO_TCP);
    e.model.task = {};
    nlohmann::json ecs = ecs_document(e);
    INFO(ecs.dump());
    CHECK_FALSE(ecs.contains("process"));
    CHECK_FALSE(ecs.contains("user"));
    CHECK_FALSE(ecs.contains("group"));
    CHECK(ecs["trace_listen"]["no_process"] == true);
    CHECK(ecs["server"]["port"] == 5353);

    nlohmann::json ocsf = nlohmann::json::parse(OcsfFormat().event(e));
    INFO(ocsf.dump());
    CHECK_FALSE(ocsf.contains("actor"));
    CHECK(ocsf["unmapped"]["trace_listen"]["no_process"] == true);

    // With a process, both are there as before.
    Event owned = existing(IPPROTO_TCP);
    CHECK(ecs_document(owned)["process"]["pid"] == 4242);
    CHECK(nlohmann::json::parse(OcsfFormat().event(owned))["actor"]["process"]["pid"] == 4242);
}

TEST_CASE("UDP sockets show no backlog - TCP listeners do")
{
    Event udp = existing(IPPROTO_UDP);
    CHECK(table_detail(udp).find("backlog") == std::string::npos);
    CHECK_FALSE(ecs_document(udp)["trace_listen"].contains("backlog"));
    CHECK_FALSE(nlohmann::json::parse(OcsfFormat().event(udp))["unmapped"]["trace_listen"].contains("backlog"));

    Event tcp = existing(IPPROTO_TCP);
    tcp.model.socket.backlog = 128;
    CHECK(table_detail(tcp).find("backlog=128") != std::string::npos);
    CHECK(ecs_document(tcp)["trace_listen"]["backlog"] == 128);
}

TEST_CASE("the table shows the socket cookie as ss -e does: sk:HEX")
{
    Event e = existing(IPPROTO_TCP);
    e.model.socket.cookie = 0x1f2e;
    CHECK(table_detail(e).find("sk:1f2e") != std::string::npos);
    CHECK(ecs_document(e)["trace_listen"]["socket_cookie"] == 0x1f2e);
    // All 64 bits, no leading zeros (as ss prints it).
    e.model.socket.cookie = 0xfedcba9876543210ULL;
    CHECK(table_detail(e).find("sk:fedcba9876543210") != std::string::npos);
    e.model.socket.cookie = 0x0100;
    CHECK(table_detail(e).find("sk:100") != std::string::npos);
    CHECK(table_detail(e).find("sk:0") == std::string::npos);
}

TEST_CASE("host.id and agent.id are both the machine id, as it is")
{
    std::string machine_id;
    std::getline(std::ifstream("/etc/machine-id"), machine_id);
    nlohmann::json doc = ecs_document(siem_event(EventKind::Listen, 80));
    if (machine_id.empty()) {
        CHECK_FALSE(doc["host"].contains("id"));
        CHECK_FALSE(doc["agent"].contains("id"));
        return;
    }
    CHECK(doc["host"]["id"] == machine_id);
    CHECK(doc["agent"]["id"] == machine_id);
    CHECK(nlohmann::json::parse(OcsfFormat().event(siem_event(EventKind::Listen, 80)))["device"]["uid"] ==
          machine_id);
}

TEST_CASE("table columns line up by display width, with wide and escaped names")
{
    TableFormat table;
    std::string header = table.header();
    for (std::string name : {"\xe3\x82\xb5\xe3\x83\xbc\xe3\x83\x90", // サーバ: 9 bytes, 6 cells
                             "plain", "\xe6\x9d\xb1\xe4\xba\xac\xe6\x9d\xb1\xe4\xba\xac\xe6\x9d\xb1"}) {
        std::string row = table.event(siem_event(EventKind::Listen, 8080, name));
        INFO(row);
        CHECK(cells_before(row, " - ") + 1 == cells_before(header, "CONTAINER"));
        CHECK(cells_before(row, "tcp") == cells_before(header, "PROTO"));
    }
    CHECK(display_width("\xe3\x82\xb5") == 2);
    CHECK(display_width("abc") == 3);
}

TEST_CASE("table: the header names the time zone - dates when asked - colours only when asked")
{
    setenv("TZ", "UTC", 1);
    tzset();
    Event e = siem_event(EventKind::Listen, 8080); // 2023-11-14 22:13:20.123 UTC
    CHECK(TableFormat().header().rfind("TIME(UTC)", 0) == 0);
    CHECK(TableFormat().event(e).rfind("22:13:20.123 ", 0) == 0);
    TableFormat dated(TableStyle{.color = false, .dates = true});
    CHECK(dated.header().rfind("DATE       TIME(UTC)", 0) == 0);
    CHECK(dated.event(e).rfind("2023-11-14 22:13:20.123 ", 0) == 0);
    setenv("TZ", "Asia/Tokyo", 1); // tzdata's JST, +9
    tzset();
    if (TableFormat().header().rfind("TIME(JST)", 0) == 0)
        CHECK(TableFormat().event(e).rfind("07:13:20.123 ", 0) == 0);
    unsetenv("TZ");
    tzset();

    Event exposed = siem_event(EventKind::Listen, 8080);
    exposed.model.socket.local = test::ip_address("0.0.0.0");
    Event failed = siem_event(EventKind::Bind, 8080, "server", 98);
    TableFormat plain, colored(TableStyle{.color = true, .dates = false});
    CHECK(plain.event(exposed).find('\x1b') == std::string::npos);
    CHECK(plain.event(failed).find('\x1b') == std::string::npos);
    CHECK(colored.event(exposed).find("\x1b[") != std::string::npos);
    CHECK(colored.event(failed).find("\x1b[") != std::string::npos);
    CHECK(colored.event(siem_event(EventKind::Listen, 8080)).find('\x1b') == std::string::npos);
    // Colours do not move the columns: without its escapes the row is the plain one.
    std::string stripped = std::regex_replace(colored.event(exposed), std::regex("\x1b\\[[0-9;]*m"), "");
    CHECK(stripped == plain.event(exposed));
}

// Enrichment works out once whether a process's and a container's names are
// valid UTF-8 (mark_valid_texts); the lines must come out as when the
// formats checked every name themselves: the same *_base64 originals.
TEST_CASE("names whose validity was worked out at enrichment give the same lines as names checked per event")
{
    Event e = siem_event(EventKind::Listen, 8080);
    auto p = std::make_shared<ProcessDetails>();
    p->executable = "/opt/bad\xff" "exe";
    p->args = {"bad\xfe", "ok"};
    p->user_name = "us\xff" "r";
    p->group_name = "gr\xfe";
    p->ancestors.push_back({1, "init", "/sbin/in\xff" "it"});
    p->source = EnrichmentSource::Proc;
    auto c = std::make_shared<ContainerDetails>();
    c->id = "0123456789ab";
    c->cgroup_path = "/sys/fs/cgroup/x\xff";
    e.process = p;
    e.container = c;
    const nlohmann::json checked_ecs = ecs_document(e), checked_ocsf = ocsf_document(e);
    const std::string raw = checked_ecs["trace_listen"]["raw"].dump();
    for (const char *key : {"process.executable_base64", "process.args_base64", "user.name_base64",
                            "group.name_base64", "process.parent.executable_base64",
                            "trace_listen.cgroup_path_base64"})
        CHECK(raw.find(key) != std::string::npos);
    CHECK(checked_ocsf.dump().find("actor.process.user.name_base64") != std::string::npos);
    CHECK(checked_ocsf.dump().find("actor.process.file.path_base64") != std::string::npos);

    auto marked = std::make_shared<ProcessDetails>(*p);
    mark_valid_texts(*marked);
    auto marked_container = std::make_shared<ContainerDetails>(*c);
    mark_valid_texts(*marked_container);
    CHECK_FALSE(marked->valid.user_name);
    CHECK_FALSE(marked_container->valid.cgroup_path);
    e.process = marked;
    e.container = marked_container;
    CHECK(ecs_document(e) == checked_ecs);
    CHECK(ocsf_document(e) == checked_ocsf);

    // And valid names are not reported as repaired.
    auto clean = std::make_shared<ProcessDetails>();
    clean->executable = "/usr/sbin/nginx";
    clean->args = {"nginx"};
    clean->user_name = "www-data";
    clean->group_name = "www-data";
    clean->source = EnrichmentSource::Proc;
    mark_valid_texts(*clean);
    CHECK(clean->valid.executable);
    e.process = clean;
    e.container = nullptr;
    const nlohmann::json clean_ecs = ecs_document(e);
    const std::string clean_raw = clean_ecs["trace_listen"].value("raw", nlohmann::json::object()).dump();
    CHECK(clean_raw.find("process.") == std::string::npos);
    CHECK(clean_raw.find("user.") == std::string::npos);
}

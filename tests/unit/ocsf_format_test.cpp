// OCSF Network Activity documents: class, activity mapping, endpoints,
// failures, and hostile names kept recoverable.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "format/ocsf_format.hpp"
#include "siem_test_events.hpp"
#include "util/text_escape.hpp"

using namespace tl;
using tl::test::siem_event;
using nlohmann::json;

TEST_CASE("OCSF: listen is Network Activity 'Listen' with the local end as dst_endpoint")
{
    json doc = json::parse(OcsfFormat().event(siem_event(EventKind::Listen, 8443)));
    CHECK(doc["class_uid"] == 4001);
    CHECK(doc["category_uid"] == 4);
    CHECK(doc["activity_id"] == 7);
    CHECK(doc["activity_name"] == "Listen");
    CHECK(doc["type_uid"] == 400107);
    CHECK(doc["status_id"] == 1);
    CHECK(doc["time"] == 1'700'000'000'123LL);
    CHECK(doc["dst_endpoint"]["ip"] == "127.0.0.1");
    CHECK(doc["dst_endpoint"]["port"] == 8443);
    CHECK(doc["connection_info"]["protocol_name"] == "tcp");
    CHECK(doc["actor"]["process"]["pid"] == 4242);
    CHECK(doc["actor"]["process"]["name"] == "server");
    CHECK(doc["actor"]["process"]["parent_process"]["name"] == "init");
    CHECK(doc["metadata"]["product"]["name"] == "trace-listen");
    CHECK(doc["metadata"]["version"] == "1.8.0");
    CHECK(doc["metadata"]["profiles"] == json::array({"host", "container", "datetime"}));
    CHECK(doc["connection_info"]["direction_id"] == 1); // a listener faces inbound
    CHECK(doc["actor"]["process"]["ptid"] == 4242);
    CHECK_FALSE(doc["actor"]["process"].contains("tid")); // deprecated since OCSF 1.6.0
    CHECK(doc["metadata"]["sequence"] == 7);
    CHECK(doc["device"]["hostname"].is_string());
    CHECK(doc["device"]["os"]["type"] == "Linux");
    CHECK(doc["device"]["os"]["type_id"] == 200); // 100 would be Windows
    CHECK_FALSE(doc.contains("src_endpoint"));
}

TEST_CASE("OCSF: close is 'Close' - bind is 'Other' named Bind - failures carry status and errno")
{
    json close = json::parse(OcsfFormat().event(siem_event(EventKind::Close, 80)));
    CHECK(close["activity_id"] == 2);
    CHECK(close["activity_name"] == "Close");
    json bind = json::parse(OcsfFormat().event(siem_event(EventKind::Bind, 80, "x", 98)));
    CHECK(bind["activity_id"] == 99);
    CHECK(bind["activity_name"] == "Bind");
    CHECK(bind["type_uid"] == 400199);
    CHECK(bind["status_id"] == 2);
    CHECK(bind["status"] == "Failure");
    CHECK(bind["status_code"] == "EADDRINUSE");
    CHECK(bind["status_detail"].get<std::string>().find("in use") != std::string::npos);
}

TEST_CASE("OCSF: invalid UTF-8 in a name is replaced and kept as base64 under unmapped.raw")
{
    std::string name = "ev\xff\nil\x1b[0m";
    std::string line = OcsfFormat().event(siem_event(EventKind::Listen, 1, name));
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(line.find('\x1b') == std::string::npos);
    json doc = json::parse(line);
    CHECK(doc["actor"]["process"]["name"] == to_valid_utf8(name));
    CHECK(doc["unmapped"]["raw"]["actor.process.name_base64"] == base64_encode(name));
}

TEST_CASE("OCSF: a drop report is a Base Event with the counts")
{
    DropReport r;
    r.total = 5;
    r.per_cpu = {2, 3};
    r.userspace_dropped = 4;
    r.sequence = 9;
    json doc = json::parse(OcsfFormat().drops(r));
    CHECK(doc["class_uid"] == 0);
    CHECK(doc["unmapped"]["trace_listen"]["drops"]["ringbuf_total"] == 5);
    CHECK(doc["unmapped"]["trace_listen"]["drops"]["userspace_total"] == 4);
}

TEST_CASE("OCSF: a connection this host opened has the local end as src_endpoint (the initiator)")
{
    Event e = siem_event(EventKind::StateChange, 40000);
    e.model.socket.peer_known = e.model.socket.outgoing = true;
    e.model.socket.peer_port = 443;
    e.model.socket.peer = test::ip_address("127.0.0.2");
    json out = json::parse(OcsfFormat().event(e));
    CHECK(out["src_endpoint"]["port"] == 40000);
    CHECK(out["dst_endpoint"]["port"] == 443);
    CHECK(out["connection_info"]["direction_id"] == 2);

    e.model.socket.outgoing = false;
    e.model.socket.accepted = true;
    json in = json::parse(OcsfFormat().event(e));
    CHECK(in["dst_endpoint"]["port"] == 40000);
    CHECK(in["src_endpoint"]["port"] == 443);
    CHECK(in["connection_info"]["direction_id"] == 1);
}

TEST_CASE("OCSF: a container is the process's (container profile), never top-level")
{
    Event e = siem_event(EventKind::Listen, 8080);
    auto c = std::make_shared<ContainerDetails>();
    c->id = std::string(64, 'a');
    c->runtime = "podman";
    e.container = c;
    json doc = json::parse(OcsfFormat().event(e));
    CHECK_FALSE(doc.contains("container"));
    CHECK(doc["actor"]["process"]["container"]["uid"] == std::string(64, 'a'));
    CHECK(doc["actor"]["process"]["container"]["runtime"] == "podman");
}

TEST_CASE("OCSF: a socket no process holds has no actor.process")
{
    Event e = siem_event(EventKind::Existing, 4789);
    e.model.task = {};
    json doc = json::parse(OcsfFormat().event(e));
    CHECK_FALSE(doc.contains("actor"));
    CHECK(doc["dst_endpoint"]["port"] == 4789);
}

// The snapshot builds its events' model from sock_diag and /proc directly;
// it must say what a ring-buffer event of the same socket says.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include <catch2/catch.hpp>

#include "golden/golden_events.hpp"
#include "pipeline/event_decode.hpp"
#include "snapshot/socket_snapshot.hpp"
#include "support/event_models.hpp"
#include "support/line_documents.hpp"

using namespace tl;

namespace {

constexpr std::uint8_t tcp_listen = 10; // TCP_LISTEN

// The golden set's TCP record on 0.0.0.0:port (nginx's task), listening
// with a backlog and SO_REUSEADDR.
tl_event listen_record(std::uint16_t port)
{
    tl_event r = golden::base_record(TL_EVENT_LISTEN, port);
    r.sock.backlog = 511;
    r.sock.options = TL_OPT_REUSEADDR;
    return r;
}

} // namespace

TEST_CASE("a socket the snapshot found has the model a ring-buffer event of it has")
{
    const tl_event record = listen_record(22);
    auto live = decode_event(&record, sizeof record);
    REQUIRE(live);

    DiagSocket d;
    d.family = AF_INET;
    d.protocol = IPPROTO_TCP;
    d.state = tcp_listen;
    d.port = 22;
    d.cookie = record.sock.cookie;
    d.backlog = 511;
    d.options = TL_OPT_REUSEADDR;
    const TaskModel holder(record.task);
    Event found = existing_socket_event(d, 4026531840u, &holder);

    CHECK(found.kind == EventKind::Existing);
    REQUIRE(found.model.complete);
    const SocketModel &a = found.model.socket, &b = live->model.socket;
    CHECK(a.local.text() == "0.0.0.0");
    CHECK(a.exposure == b.exposure);
    CHECK(a.transport == b.transport);
    CHECK(a.family_name == b.family_name);
    CHECK(a.service == b.service);
    CHECK(a.dual_stack == b.dual_stack);
    CHECK(a.old_state == tcp_listen);
    CHECK(a.new_state == tcp_listen);
    CHECK(found.model.hook == "snapshot");
    CHECK(test::model_facts(found.model).find("names nginx") != std::string::npos);

    // What a SIEM reads of the socket and its process is the same, but the action.
    auto existing_doc = ecs_document(found), live_doc = ecs_document(*live);
    for (const char *field : {"server", "process", "network", "user"})
        CHECK(existing_doc[field] == live_doc[field]);
    CHECK(existing_doc["trace_listen"]["socket_cookie"] == record.sock.cookie);
    CHECK(existing_doc["trace_listen"]["backlog"] == 511);
    CHECK(existing_doc["trace_listen"]["options"] == live_doc["trace_listen"]["options"]);
    CHECK(existing_doc["event"]["action"] == "socket-existing");
}

TEST_CASE("a socket no visible process holds is reported with the socket's owner and cgroup only")
{
    DiagSocket d;
    d.family = AF_INET6; // ::, without IPV6_V6ONLY: IPv4 too
    d.protocol = IPPROTO_UDP;
    d.state = 7; // TCP_CLOSE: an unconnected UDP socket
    d.port = 5353;
    d.uid = 101;
    d.cgroup_id = 555;
    Event e = existing_socket_event(d, 4026531840u, nullptr);

    const EventModel &m = e.model;
    CHECK(m.complete);
    CHECK(m.task.pid == 0);
    CHECK(m.task.uid == 101);
    CHECK(m.task.cgroup_id == 555);
    CHECK(m.task.loginuid == UINT32_MAX);
    CHECK(m.task.flags == TL_TASK_NO_ARGS);
    CHECK(m.socket.local.text() == "::");
    CHECK(m.socket.exposure == Exposure::AllInterfaces);
    CHECK(m.socket.dual_stack);
    CHECK(m.socket.transport == "udp");
    CHECK(m.socket.family_name == "ipv6");
    CHECK_FALSE(m.socket.requested_ip_known);

    auto doc = ecs_document(e);
    CHECK_FALSE(doc.contains("process"));
    CHECK(doc["server"]["ip"] == "::");
    CHECK(doc["server"]["port"] == 5353);
    CHECK(doc["trace_listen"]["dual_stack"] == true);
}

TEST_CASE("a task model goes back into the kernel's layout unchanged - as the owner map of listeners older than the tracer needs it")
{
    const tl_event record = listen_record(22);
    const TaskModel task(record.task);
    const tl_task back = task.kernel_record();
    CHECK(test::model_facts(EventModel(back)) == test::model_facts(EventModel(record.task)));
    CHECK(std::memcmp(&back, &record.task, sizeof back) == 0);
}

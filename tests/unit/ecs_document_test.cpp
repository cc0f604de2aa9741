#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include <catch2/catch.hpp>

#include "support/event_models.hpp"
#include "pipeline/event_decode.hpp"
#include "support/line_documents.hpp"
#include "format/table_format.hpp"

using namespace tl;

namespace {
Event listen_on(const char *ip, std::uint16_t port)
{
    Event e;
    e.kind = EventKind::Listen;
    e.model.socket.protocol = IPPROTO_TCP;
    e.model.socket.type = SOCK_STREAM;
    e.model.socket.port = port;
    e.model.socket.local = test::ip_address(ip);
    e.model.task.pid = 42;
    std::strcpy(e.model.task.comm, "sshd");
    return e;
}
} // namespace

TEST_CASE("well-known ports carry their service name in JSON and in the table")
{
    Event e = listen_on("0.0.0.0", 22);
    auto doc = ecs_document(e);
    CHECK(doc["trace_listen"]["service"] == "ssh");
    CHECK(table_detail(e).find("service=ssh") != std::string::npos);

    Event unnamed = listen_on("0.0.0.0", 47913);
    CHECK_FALSE(ecs_document(unnamed)["trace_listen"].contains("service"));
}

TEST_CASE("a listener is the server and the destination of what it accepts")
{
    auto doc = ecs_document(listen_on("127.0.0.1", 8080));
    CHECK(doc["server"]["ip"] == "127.0.0.1");
    CHECK(doc["destination"]["port"] == 8080);
    CHECK(doc["related"]["ip"] == nlohmann::json::array({"127.0.0.1"}));
    CHECK(doc["event"]["action"] == "socket-listen");
    CHECK(doc["process"]["name"] == "sshd");
}

TEST_CASE("the table names every other process that holds a snapshot socket")
{
    Event e = listen_on("0.0.0.0", 8080);
    e.kind = EventKind::Existing;
    SocketHolder worker;
    worker.task.pid = 43;
    e.extra_holders.push_back(worker);
    worker.task.pid = 44;
    e.extra_holders.push_back(worker);
    CHECK(table_detail(e).find("also-held-by=43,44") != std::string::npos);
}

TEST_CASE("an outgoing connection without a known peer still makes a document")
{
    // A crafted or damaged record: ACTIVE_OPEN, but no peer port.  The writer
    // threw nlohmann type_error.305 here before.
    Event e = listen_on("10.0.0.1", 40000);
    e.kind = EventKind::StateChange;
    e.model.socket.outgoing = true;
    nlohmann::json doc;
    REQUIRE_NOTHROW(doc = ecs_document(e));
    CHECK(doc["client"]["port"] == 40000);
    CHECK_FALSE(doc.contains("server"));
    CHECK_FALSE(doc.contains("destination"));
    CHECK(doc["related"]["ip"] == nlohmann::json::array({"10.0.0.1"}));
}

TEST_CASE("a kernel timestamp near 2^63 does not overflow into the past")
{
    // Signed overflow here is undefined behaviour (UBSan); the result wrapped negative.
    CHECK(monotonic_to_wall_ns(0x7fffffffffffffffULL) == INT64_MAX);
    CHECK(monotonic_to_wall_ns(~0ULL) == INT64_MAX);
    CHECK(monotonic_to_wall_ns(0) > 0);
}

TEST_CASE("a state change says how its process was found and names none it does not know")
{
    Event e = listen_on("127.0.0.1", 8080);
    e.kind = EventKind::StateChange;
    e.model.socket.accepted = true; // the kernel said it has a peer, but no port: none known
    CHECK(ecs_document(e)["trace_listen"]["attribution"] == "task");
    CHECK(ecs_document(e)["network"]["direction"] == "ingress");

    e.model.task.flags = TL_TASK_FROM_OWNER | TL_TASK_NO_ARGS;
    CHECK(ecs_document(e)["trace_listen"]["attribution"] == "owner");

    // Softirq, no owner known: the socket's uid, no process at all.
    e.model.task = {};
    e.model.task.uid = 1000;
    e.model.task.flags = TL_TASK_FROM_SOCKET | TL_TASK_NO_ARGS;
    auto doc = ecs_document(e);
    CHECK(doc["trace_listen"]["attribution"] == "socket");
    CHECK_FALSE(doc.contains("process"));
    CHECK(doc["user"]["id"] == "1000");
}

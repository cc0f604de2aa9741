// The tracer core against the real kernel: each test drives real sockets and
// checks what trace-listen printed, as a user reading its JSON would.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <catch2/catch.hpp>

#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

const std::vector<std::string> json_trace = {"-o", "json", "--no-snapshot"};

std::vector<std::string> with(std::vector<std::string> extra)
{
    std::vector<std::string> args = json_trace;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// Waits for one event of `action` from this test process on `port`.
Json expect_event(const TracerProcess &tracer, const std::string &action, int port)
{
    auto event = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == action &&
               j.value("/process/pid"_json_pointer, -1) == getpid() &&
               j.value("/server/port"_json_pointer, -1) == port;
    });
    INFO("stdout so far:\n" << tracer.out() << "\nstderr:\n" << tracer.err());
    REQUIRE(event.has_value());
    return *event;
}

} // namespace

TEST_CASE("TCP IPv4 listen after bind is reported with address, port and backlog")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    Fd fd = tcp_listener("127.0.0.1", 0, 7);
    int port = local_port(fd.get());

    Json bind = expect_event(tracer, "socket-bind", port);
    CHECK(bind["event"]["outcome"] == "success");
    CHECK(bind["server"]["ip"] == "127.0.0.1");
    CHECK(bind["trace_listen"]["requested_port"] == 0);
    CHECK(bind["network"]["transport"] == "tcp");
    CHECK(bind["network"]["type"] == "ipv4");
    CHECK(bind["trace_listen"]["exposure"] == "loopback");

    Json listen = expect_event(tracer, "socket-listen", port);
    CHECK(listen["trace_listen"]["backlog"] == 7);
    CHECK(listen["process"]["thread"]["id"] == gettid());
    CHECK(listen["user"]["id"] == std::to_string(getuid()));
    CHECK(listen["trace_listen"]["netns"] == current_netns_inode());
    CHECK(listen["trace_listen"]["socket_cookie"] == bind["trace_listen"]["socket_cookie"]);
    CHECK(listen["event"]["sequence"].get<int>() > bind["event"]["sequence"].get<int>());
}

TEST_CASE("TCP IPv6 listen is reported, and :: without V6ONLY is dual-stack")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    Fd fd = tcp_listener("::", 0);
    int port = local_port(fd.get());

    Json listen = expect_event(tracer, "socket-listen", port);
    CHECK(listen["network"]["type"] == "ipv6");
    CHECK(listen["server"]["ip"] == "::");
    CHECK(listen["trace_listen"]["exposure"] == "all-interfaces");
    CHECK(listen["trace_listen"]["dual_stack"] == true);

    Fd v6only(socket(AF_INET6, SOCK_STREAM, 0));
    int one = 1;
    REQUIRE(setsockopt(v6only.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0);
    REQUIRE(::listen(v6only.get(), 1) == 0);
    Json second = expect_event(tracer, "socket-listen", local_port(v6only.get()));
    CHECK(second["trace_listen"]["dual_stack"] == false);
    CHECK(second["trace_listen"]["options"] == Json::array({"IPV6_V6ONLY"}));
}

TEST_CASE("listen() on a never-bound socket reports the port the kernel picked")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    Fd fd(socket(AF_INET, SOCK_STREAM, 0));
    REQUIRE(::listen(fd.get(), 3) == 0);
    int port = local_port(fd.get());
    REQUIRE(port != 0);

    Json listen = expect_event(tracer, "socket-listen", port);
    CHECK(listen["server"]["ip"] == "0.0.0.0");
    CHECK(listen["trace_listen"]["exposure"] == "all-interfaces");
}

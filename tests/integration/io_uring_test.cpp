// Listeners made without the bind()/listen() syscalls (issue 10): io_uring's
// IORING_OP_BIND / IORING_OP_LISTEN must be reported like the syscalls, with
// the submitting process, the real port and trace_listen.via = io_uring.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "support/skip.hpp"

#include "support/sockets.hpp"
#include "support/tracer_process.hpp"
#include "support/uring_ops.hpp"

using namespace tl::test;

namespace {

const std::vector<std::string> json_trace = {"-o", "json", "--no-snapshot"};

#define TL_REQUIRE_URING()                                                                     \
    do {                                                                                       \
        if (const char *why = uring_unavailable_reason(); *why) {                              \
            TL_SKIP(why);                                                                      \
        }                                                                                      \
    } while (0)

sockaddr_in any_v4(std::uint16_t port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    a.sin_port = htons(port);
    return a;
}

std::string own_comm()
{
    std::ifstream in("/proc/self/comm");
    std::string comm;
    std::getline(in, comm);
    return comm;
}

// Lets the tracer print what is still on its way, then stops it.
std::vector<Json> stop_and_read(TracerProcess &tracer)
{
    std::this_thread::sleep_for(300ms);
    REQUIRE(tracer.stop() == 0);
    return tracer.json_lines();
}

std::vector<Json> on_port(const std::vector<Json> &events, int port)
{
    std::vector<Json> found;
    for (const auto &e : events)
        if (e.value("/server/port"_json_pointer, -1) == port)
            found.push_back(e);
    return found;
}

} // namespace

TEST_CASE("io_uring bind and listen on 0.0.0.0 are reported as io_uring - once each")
{
    TL_REQUIRE_BPF();
    TL_REQUIRE_URING();
    TracerProcess tracer(json_trace);
    Fd fd(socket(AF_INET, SOCK_STREAM, 0));
    REQUIRE(fd.get() >= 0);
    sockaddr_in a = any_v4(0);
    REQUIRE(uring_bind(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
    REQUIRE(uring_listen(fd.get(), 9) == 0);
    int port = local_port(fd.get());
    REQUIRE(port > 0);

    Json bind = expect_event(tracer, "socket-bind", port);
    CHECK(bind["event"]["outcome"] == "success");
    CHECK(bind["trace_listen"]["via"] == "io_uring");
    CHECK(bind["trace_listen"]["exposure"] == "all-interfaces");
    CHECK(bind["server"]["ip"] == "0.0.0.0");
    CHECK(bind["trace_listen"]["requested_port"] == 0);
    CHECK(bind["network"]["transport"] == "tcp");
    CHECK(bind["process"]["name"] == own_comm());
    CHECK(bind["process"]["thread"]["id"] == gettid());

    Json listen = expect_event(tracer, "socket-listen", port);
    CHECK(listen["event"]["outcome"] == "success");
    CHECK(listen["trace_listen"]["via"] == "io_uring");
    CHECK(listen["trace_listen"]["exposure"] == "all-interfaces");
    CHECK(listen["trace_listen"]["backlog"] == 9);
    CHECK(listen["process"]["name"] == own_comm());
    CHECK(listen["trace_listen"]["socket_cookie"] == bind["trace_listen"]["socket_cookie"]);

    fd.reset();
    expect_event(tracer, "socket-close", port);
    auto events = on_port(events_of(stop_and_read(tracer), "socket-listen", getpid()), port);
    CHECK(events.size() == 1); // not also reported as a kernel-made listen
}

TEST_CASE("a failed io_uring bind carries its error code - and UDP binds are reported too")
{
    TL_REQUIRE_BPF();
    TL_REQUIRE_URING();
    TracerProcess tracer(json_trace);
    Fd holder = tcp_listener("0.0.0.0", 0);
    int port = local_port(holder.get());

    Fd fd(socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a = any_v4(static_cast<std::uint16_t>(port));
    REQUIRE(uring_bind(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof a) == -EADDRINUSE);
    auto failed = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-bind" &&
               j.value("/process/pid"_json_pointer, -1) == getpid() &&
               j.value("/server/port"_json_pointer, -1) == port &&
               j.value("/event/outcome"_json_pointer, "") == "failure";
    });
    INFO(tracer.out() << tracer.err());
    REQUIRE(failed.has_value());
    CHECK((*failed)["error"]["code"] == "EADDRINUSE");
    CHECK((*failed)["trace_listen"]["via"] == "io_uring");
    CHECK((*failed)["trace_listen"]["exposure"] == "all-interfaces");

    Fd udp(socket(AF_INET6, SOCK_DGRAM, 0));
    sockaddr_in6 six{};
    six.sin6_family = AF_INET6;
    six.sin6_addr = in6addr_loopback;
    REQUIRE(uring_bind(udp.get(), reinterpret_cast<sockaddr *>(&six), sizeof six) == 0);
    int udp_port = local_port(udp.get());
    Json bound = expect_event(tracer, "socket-bind", udp_port);
    CHECK(bound["network"]["transport"] == "udp");
    CHECK(bound["server"]["ip"] == "::1");
    CHECK(bound["trace_listen"]["exposure"] == "loopback");
    CHECK(bound["trace_listen"]["via"] == "io_uring");
}

TEST_CASE("io_uring listen on a never-bound socket reports the port getsockname returns")
{
    TL_REQUIRE_BPF();
    TL_REQUIRE_URING();
    TracerProcess tracer(json_trace);
    Fd fd(socket(AF_INET6, SOCK_STREAM, 0));
    REQUIRE(uring_listen(fd.get(), 3) == 0);
    int port = local_port(fd.get());
    REQUIRE(port > 0);

    Json listen = expect_event(tracer, "socket-listen", port);
    CHECK(listen["trace_listen"]["via"] == "io_uring");
    CHECK(listen["server"]["ip"] == "::");
    CHECK(listen["trace_listen"]["exposure"] == "all-interfaces");
    CHECK(listen["trace_listen"]["backlog"] == 3);
}

TEST_CASE("a listen() syscall is reported once - as syscall")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    Fd fd = tcp_listener("127.0.0.1", 0);
    int port = local_port(fd.get());
    Json listen = expect_event(tracer, "socket-listen", port);
    CHECK(listen["trace_listen"]["via"] == "syscall");
    Json bind = expect_event(tracer, "socket-bind", port);
    CHECK(bind["trace_listen"]["via"] == "syscall");
    auto events = on_port(events_of(stop_and_read(tracer), "socket-listen", getpid()), port);
    CHECK(events.size() == 1);
}

TEST_CASE("the start-up line lists io_uring as unseen only when its hooks are missing")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    std::string err = tracer.err();
    INFO(err);
    std::smatch m;
    REQUIRE(std::regex_search(err, m,
                              std::regex("hooks: bind/listen=(\\S+) [^\n]*io_uring=(\\S+)")));
    // fexit and kprobes on inet_bind/inet_listen see io_uring's calls too.
    const bool hooked = m[2] != "none" || m[1] != "syscall-tracepoints";
    auto blind_at = err.find("cannot see:");
    std::string blind = blind_at == std::string::npos ? "" : err.substr(blind_at, err.find('\n', blind_at) - blind_at);
    CHECK((blind.find("io_uring") == std::string::npos) == hooked);
    // The TCP state catch-all reports kernel-made listeners: only binds stay unseen.
    CHECK(blind.find("listens") == std::string::npos);
}

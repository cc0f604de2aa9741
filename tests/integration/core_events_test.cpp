// The tracer core against the real kernel: each test drives real sockets and
// checks what trace-listen printed, as a user reading its JSON would.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <catch2/catch.hpp>

#include "support/gate.hpp"
#include "support/kernel_hooks.hpp"
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

// A hook this kernel lacks, forced: exit 1 naming the problem, never a trace.
void expect_refused(const std::vector<std::string> &args)
{
    TracerProcess tracer(args, false);
    int status = tracer.wait(60s);
    INFO(tracer.err());
    CHECK(status == 1);
    CHECK(tracer.err().find("the forced hook does not work on this kernel") != std::string::npos);
}

} // namespace

TEST_CASE("TCP IPv4 listen after bind is reported with address - port and backlog")
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

TEST_CASE("TCP IPv6 listen is reported - and :: without V6ONLY is dual-stack")
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

TEST_CASE("UDP bind on 0.0.0.0 port 0 reports the requested and the given port")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    Fd fd = udp_bound("0.0.0.0", 0);
    int port = local_port(fd.get());

    Json bind = expect_event(tracer, "socket-bind", port);
    CHECK(bind["network"]["transport"] == "udp");
    CHECK(bind["network"]["iana_number"] == "17");
    CHECK(bind["server"]["ip"] == "0.0.0.0");
    CHECK(bind["trace_listen"]["requested_port"] == 0);
    CHECK(bind["trace_listen"]["requested_ip"] == "0.0.0.0");
    CHECK(bind["trace_listen"]["exposure"] == "all-interfaces");
    CHECK(bind["event"]["outcome"] == "success");
}

TEST_CASE("a bind that fails with EADDRINUSE is reported as a failure with its errno")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    Fd holder = tcp_listener("127.0.0.1", 0);
    int port = local_port(holder.get());
    REQUIRE(bind_errno(SOCK_STREAM, "127.0.0.1", port) == EADDRINUSE);

    auto failed = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-bind" &&
               j.value("/event/outcome"_json_pointer, "") == "failure" &&
               j.value("/process/pid"_json_pointer, -1) == getpid();
    });
    INFO(tracer.out());
    REQUIRE(failed);
    CHECK((*failed)["error"]["code"] == "EADDRINUSE");
    CHECK((*failed)["server"]["port"] == port);
    CHECK((*failed)["trace_listen"]["requested_port"] == port);
}

TEST_CASE("a failed listen() is reported with its errno")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    // listen() on a UDP socket is EOPNOTSUPP; on a connected TCP socket EINVAL.
    Fd holder = tcp_listener("127.0.0.1", 0);
    Fd client(socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(local_port(holder.get()));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(client.get(), reinterpret_cast<sockaddr *>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(client.get(), 1) == -1);
    int expected = errno;

    auto failed = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
               j.value("/event/outcome"_json_pointer, "") == "failure" &&
               j.value("/process/pid"_json_pointer, -1) == getpid();
    });
    INFO(tracer.out());
    REQUIRE(failed);
    CHECK((*failed)["error"]["code"] == (expected == EINVAL ? "EINVAL" : "EOPNOTSUPP"));
}

TEST_CASE("a listener closed after a known delay reports its lifetime")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    Fd fd = tcp_listener("127.0.0.1", 0);
    int port = local_port(fd.get());
    Json listen = expect_event(tracer, "socket-listen", port);
    std::this_thread::sleep_for(300ms);
    fd.reset();

    Json close = expect_event(tracer, "socket-close", port);
    auto lifetime_ms = close["trace_listen"]["lifetime_ns"].get<std::uint64_t>() / 1'000'000;
    CHECK(lifetime_ms >= 300);
    CHECK(lifetime_ms < 300 + 5000); // generous: only says it is this listener's lifetime
    CHECK(close["trace_listen"]["socket_cookie"] == listen["trace_listen"]["socket_cookie"]);
    CHECK(close["server"]["ip"] == "127.0.0.1");
}

TEST_CASE("a listener in another network namespace carries that namespace")
{
    TL_REQUIRE_BPF();
    NetNamespace ns("tl-test-core");
    TracerProcess tracer(json_trace);
    Gate done;
    pid_t child = ns.spawn_inside([&] {
        Fd fd = tcp_listener("0.0.0.0", 4242);
        done.wait();
        return 0;
    });
    auto listen = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
               j.value("/process/pid"_json_pointer, -1) == child;
    });
    done.open();
    CHECK(wait_child(child) == 0);
    INFO(tracer.out());
    REQUIRE(listen);
    CHECK((*listen)["trace_listen"]["netns"] == ns.inode());
    CHECK((*listen)["trace_listen"]["netns"] != current_netns_inode());
    CHECK((*listen)["server"]["port"] == 4242);
}

TEST_CASE("a process named with a newline and quotes still gives one valid JSON line")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    const std::string hostile = "ev\"il\nna\\me\x1b[";
    pid_t child = spawn([&] {
        prctl(PR_SET_NAME, hostile.c_str());
        Fd fd = tcp_listener("127.0.0.1", 0);
        return 0;
    });
    REQUIRE(wait_child(child) == 0);
    auto listen = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
               j.value("/process/pid"_json_pointer, -1) == child;
    });
    REQUIRE(listen);
    CHECK((*listen)["process"]["name"] == hostile.substr(0, 15));
    tracer.stop();
    // Every line parses (json_lines fails the test otherwise) and the name
    // never split a record in two.
    auto lines = tracer.json_lines();
    CHECK(events_of(lines, "socket-listen", child).size() == 1);
}

TEST_CASE("table output escapes control characters in process names")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer({"--no-snapshot"});
    pid_t child = spawn([&] {
        prctl(PR_SET_NAME, "red\x1b[31mX");
        Fd fd = tcp_listener("127.0.0.1", 0);
        return 0;
    });
    REQUIRE(wait_child(child) == 0);
    std::this_thread::sleep_for(500ms);
    tracer.stop();
    std::string out = tracer.out();
    INFO(out);
    CHECK(out.find("red\\x1b[31mX") != std::string::npos);
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.rfind("TIME", 0) == 0); // column titles first
}

TEST_CASE("every state-change hook variant reports the same listener close")
{
    TL_REQUIRE_BPF();
    for (std::string hook : {"tp_btf", "raw_tp", "tracepoint"}) {
        INFO("state hook " << hook);
        if (!hook_expected(hook)) {
            expect_refused(with({"--state-hook", hook}));
            continue;
        }
        TracerProcess tracer(with({"--state-hook", hook}));
        CHECK(tracer.err().find("tcp-state=" + hook) != std::string::npos);
        Fd fd = tcp_listener("127.0.0.1", 0);
        int port = local_port(fd.get());
        expect_event(tracer, "socket-listen", port);
        fd.reset();
        Json close = expect_event(tracer, "socket-close", port);
        CHECK(close["trace_listen"]["hook"] == hook);
        CHECK(close["trace_listen"].contains("lifetime_ns"));
    }
}

TEST_CASE("the start-up log names the active hooks and what they cannot see")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(json_trace);
    std::string err = tracer.err();
    INFO(err);
    // auto picks the best hook this kernel has (in the VM: fexit and tp_btf).
    CHECK(err.find("hooks: bind/listen=" + best_bind_hook() + " ") != std::string::npos);
    CHECK(err.find("tcp-state=tp_btf") != std::string::npos);
    // Here kprobes and fentry are unavailable: the syscall tracepoints are
    // the fallback, and the log must say what that misses.
    if (err.find("bind/listen=syscall-tracepoints") != std::string::npos)
        CHECK(err.find("cannot see: binds made inside the kernel") != std::string::npos);
}

TEST_CASE("the --count flag stops after N events and prints a summary to stderr")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(with({"--count", "2", "--pid", std::to_string(getpid())}));
    Fd a = tcp_listener("127.0.0.1", 0);
    Fd b = tcp_listener("127.0.0.1", 0);
    REQUIRE(tracer.wait(20s) == 0);
    CHECK(tracer.json_lines().size() == 2);
    CHECK(tracer.err().find("events: socket-bind=1 socket-listen=1 (total 2); drops: "
                            "ring-buffer=0 sinks=0") != std::string::npos);
}

TEST_CASE("state changes are attributed to the socket's owner - opt-in with --events")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(with({"--events", "listen,state"}));
    Fd server = tcp_listener("127.0.0.1", 0);
    int port = local_port(server.get());
    pid_t client = spawn([&] {
        Fd c(socket(AF_INET, SOCK_STREAM, 0));
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return connect(c.get(), reinterpret_cast<sockaddr *>(&sa), sizeof sa) == 0 ? 0 : 1;
    });
    REQUIRE(wait_child(client) == 0);
    // The accepted side becomes ESTABLISHED in softirq: it must still name
    // the listener's owner (this process), not whoever was running.
    auto accepted = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "tcp-state-change" &&
               j.value("/server/port"_json_pointer, -1) == port &&
               j.value("/trace_listen/new_state"_json_pointer, "") == "ESTABLISHED" &&
               j.value("/trace_listen/old_state"_json_pointer, "") == "SYN_RECV";
    });
    INFO(tracer.out());
    REQUIRE(accepted);
    CHECK((*accepted)["process"]["pid"] == getpid());
    CHECK((*accepted)["client"]["ip"] == "127.0.0.1");
    CHECK((*accepted)["network"]["direction"] == "ingress");
    // The connecting side: this host is the client, the listener the server.
    auto connected = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "tcp-state-change" &&
               j.value("/trace_listen/new_state"_json_pointer, "") == "ESTABLISHED" &&
               j.value("/trace_listen/old_state"_json_pointer, "") == "SYN_SENT" &&
               j.value("/server/port"_json_pointer, -1) == port;
    });
    REQUIRE(connected);
    CHECK((*connected)["process"]["pid"] == client);
    CHECK((*connected)["network"]["direction"] == "egress");
    CHECK((*connected)["client"]["ip"] == "127.0.0.1");
}

TEST_CASE("a forced bind hook traces where this kernel has it and is refused where not")
{
    TL_REQUIRE_BPF();
    for (std::string hook : {"fexit", "kprobe", "syscall"}) {
        INFO("bind hook " << hook);
        if (!hook_expected(hook)) {
            expect_refused(with({"--bind-hook", hook}));
            continue;
        }
        TracerProcess tracer(with({"--bind-hook", hook}), false);
        bool tracing = tracer.wait_for_stderr("tracing;", 60s);
        INFO(tracer.err());
        REQUIRE(tracing);
        Fd fd = tcp_listener("127.0.0.1", 0);
        Json listen = expect_event(tracer, "socket-listen", local_port(fd.get()));
        CHECK(listen["trace_listen"]["hook"] == (hook == "syscall" ? "syscall-tracepoint" : hook));
    }
}

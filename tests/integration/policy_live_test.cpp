// `trace-listen --policy`: live events carry the verdict; --alerts-only
// shows only findings; SIGHUP rereads the policy and keeps a good one.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "policy_test_helpers.hpp"
#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

std::string port_text(int port) { return std::to_string(port); }

std::vector<std::string> live_args(const std::string &policy, const std::vector<int> &ports,
                                   std::vector<std::string> extra = {})
{
    std::vector<std::string> args{"-o", "json", "--no-snapshot", "--policy", policy};
    for (auto &a : port_filters(ports))
        args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

} // namespace

TEST_CASE("live: every event carries the policy verdict - rule id and severity")
{
    TL_REQUIRE_BPF();
    Fd ok = tcp_listener("127.0.0.1", 0, -1);
    Fd exposed = tcp_listener("0.0.0.0", 0, -1);
    Fd stray = tcp_listener("127.0.0.1", 0, -1);
    int ok_port = local_port(ok.get()), exposed_port = local_port(exposed.get()),
        stray_port = local_port(stray.get());
    TempFile policy("defaults: {severity: medium}\nexpected:\n  - {id: app, severity: low, port: " +
                    port_text(ok_port) +
                    ", exposure: loopback}\nforbidden:\n  - {id: nothing-exposed, severity: "
                    "critical, exposure: all-interfaces, port: " +
                    port_text(exposed_port) + "}\n");
    TracerProcess tracer(live_args(policy.path(), {ok_port, exposed_port, stray_port}));
    for (auto *fd : {&ok, &exposed, &stray})
        REQUIRE(::listen(fd->get(), 4) == 0);

    Json a = expect_event(tracer, "socket-listen", ok_port);
    CHECK(a["trace_listen"]["policy"]["verdict"] == "expected");
    CHECK(a["trace_listen"]["policy"]["rule_id"] == "app");
    CHECK(a["trace_listen"]["policy"]["severity"] == "low");
    Json b = expect_event(tracer, "socket-listen", exposed_port);
    CHECK(b["trace_listen"]["policy"]["verdict"] == "forbidden");
    CHECK(b["trace_listen"]["policy"]["rule_id"] == "nothing-exposed");
    CHECK(b["trace_listen"]["policy"]["severity"] == "critical");
    Json c = expect_event(tracer, "socket-listen", stray_port);
    CHECK(c["trace_listen"]["policy"]["verdict"] == "unexpected");
    CHECK(c["trace_listen"]["policy"]["severity"] == "medium");
}

TEST_CASE("live: a dual-stack :: listener is judged as exposed on IPv4")
{
    TL_REQUIRE_BPF();
    Fd dual = tcp_listener("::", 0, -1);
    int port = local_port(dual.get());
    TempFile policy("forbidden:\n  - {id: no-ipv4-any, severity: high, family: ipv4, exposure: "
                    "all-interfaces}\ndefaults: {verdict: expected}\n");
    TracerProcess tracer(live_args(policy.path(), {port}));
    REQUIRE(::listen(dual.get(), 4) == 0);
    Json e = expect_event(tracer, "socket-listen", port);
    CHECK(e["trace_listen"]["dual_stack"] == true);
    CHECK(e["trace_listen"]["policy"]["verdict"] == "forbidden");
    CHECK(e["trace_listen"]["policy"]["rule_id"] == "no-ipv4-any");
}

TEST_CASE("live: --alerts-only shows findings and hides expected listeners")
{
    TL_REQUIRE_BPF();
    Fd ok = tcp_listener("127.0.0.1", 0, -1);
    Fd stray = tcp_listener("127.0.0.1", 0, -1);
    int ok_port = local_port(ok.get()), stray_port = local_port(stray.get());
    TempFile policy("expected:\n  - {id: app, severity: low, port: " + port_text(ok_port) + "}\n");
    TracerProcess tracer(live_args(policy.path(), {ok_port, stray_port}, {"--alerts-only"}));
    // In this order: once the stray listen is out, the expected one was judged.
    REQUIRE(::listen(ok.get(), 4) == 0);
    REQUIRE(::listen(stray.get(), 4) == 0);
    Json alert = expect_event(tracer, "socket-listen", stray_port);
    CHECK(alert["trace_listen"]["policy"]["verdict"] == "unexpected");
    REQUIRE(tracer.stop() == 0);
    auto lines = tracer.json_lines();
    for (const auto &l : lines) {
        INFO(l.dump());
        CHECK(l.value("/server/port"_json_pointer, -1) != ok_port);
        // TCP binds are not alerts: their listen is.
        CHECK(l.value("/event/action"_json_pointer, "") != "socket-bind");
    }
}

TEST_CASE("live: SIGHUP rereads the policy and keeps the old one when the new is broken")
{
    TL_REQUIRE_BPF();
    std::vector<Fd> fds;
    std::vector<int> ports;
    for (int i = 0; i < 3; ++i) {
        fds.push_back(tcp_listener("127.0.0.1", 0, -1));
        ports.push_back(local_port(fds.back().get()));
    }
    const std::string range = port_text(ports[0]) + ", " + port_text(ports[1]) + ", " +
                              port_text(ports[2]);
    TempFile policy("expected:\n  - {id: first, severity: low, port: [" + range + "]}\n");
    TracerProcess tracer(live_args(policy.path(), ports));

    REQUIRE(::listen(fds[0].get(), 4) == 0);
    CHECK(expect_event(tracer, "socket-listen", ports[0])["trace_listen"]["policy"]["rule_id"] == "first");

    policy.write("expected:\n  - {id: second, severity: low, port: [" + range +
                 "], colour: red}\n");
    tracer.signal(SIGHUP);
    REQUIRE(tracer.wait_for_stderr("keeping the previous policy"));
    CHECK_THAT(tracer.err(), Catch::Contains(policy.path() + ":2:"));
    REQUIRE(::listen(fds[1].get(), 4) == 0);
    CHECK(expect_event(tracer, "socket-listen", ports[1])["trace_listen"]["policy"]["rule_id"] == "first");

    policy.write("forbidden:\n  - {id: third, severity: high, port: [" + range + "]}\n");
    tracer.signal(SIGHUP);
    REQUIRE(tracer.wait_for_stderr("policy reloaded"));
    REQUIRE(::listen(fds[2].get(), 4) == 0);
    Json e = expect_event(tracer, "socket-listen", ports[2]);
    CHECK(e["trace_listen"]["policy"]["verdict"] == "forbidden");
    CHECK(e["trace_listen"]["policy"]["rule_id"] == "third");
}

TEST_CASE("live: a broken policy at start is a usage error with file:line:column")
{
    TempFile policy("forbidden:\n  - {id: x, severity: high, port: sshh}\n");
    CommandResult r = run_command({"-o", "json", "--policy", policy.path()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(policy.path() + ":2:"));
    CHECK_THAT(r.err, Catch::Contains("known service name"));
}

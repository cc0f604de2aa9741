// `trace-listen check` and `baseline save` against real listeners and real
// policy files, judged by exit code and JSON report as a CI job would.
// Every check is scoped with --port to this test's own ports.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <catch2/catch.hpp>

#include "support/skip.hpp"

#include "policy_test_helpers.hpp"
#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

std::string port_text(int port) { return std::to_string(port); }

// Fails the test with what the command printed.
void require_exit(const CommandResult &r, int code)
{
    INFO("exit " << r.exit_code << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
    REQUIRE(r.exit_code == code);
}

} // namespace

TEST_CASE("check: an expected listener is compliant and exits 0")
{
    Fd fd = tcp_listener("127.0.0.1", 0);
    int port = local_port(fd.get());
    TempFile policy("expected:\n  - id: mine\n    severity: low\n    protocol: tcp\n    port: " +
                    port_text(port) + "\n    exposure: loopback\n    required: true\n");
    CommandResult r = run_check(policy.path(), {port});
    require_exit(r, 0);
    CHECK(r.report["compliant"] == true);
    CHECK(r.report["listeners"]["total"] == 1);
    CHECK(r.report["findings"].empty());
}

TEST_CASE("check: an unexpected listener is a finding and exits 1")
{
    Fd expected = tcp_listener("127.0.0.1", 0);
    Fd stray = tcp_listener("127.0.0.1", 0);
    int ok_port = local_port(expected.get()), stray_port = local_port(stray.get());
    TempFile policy("expected:\n  - {id: mine, severity: low, port: " + port_text(ok_port) +
                    "}\ndefaults: {severity: high}\n");
    CommandResult r = run_check(policy.path(), {ok_port, stray_port});
    require_exit(r, 1);
    CHECK(r.report["compliant"] == false);
    CHECK(r.report["listeners"]["total"] == 2);
    CHECK(findings_on(r.report, ok_port).empty());
    auto found = findings_on(r.report, stray_port);
    REQUIRE(found.size() == 1);
    CHECK(found[0]["finding"] == "unexpected");
    CHECK(found[0]["severity"] == "high");
    CHECK(found[0]["process"]["pid"] == getpid());
    CHECK(found[0]["trace_listen"]["seen"] == "snapshot");
}

TEST_CASE("check: 0.0.0.0 where the policy requires loopback is a finding")
{
    Fd fd = tcp_listener("0.0.0.0", 0);
    int port = local_port(fd.get());
    TempFile policy(
        "expected:\n  - {id: admin-loopback, severity: high, port: " + port_text(port) +
        ", exposure: loopback}\nforbidden:\n  - {id: admin-exposed, severity: critical, port: " +
        port_text(port) + ", exposure: all-interfaces}\n");
    CommandResult r = run_check(policy.path(), {port});
    require_exit(r, 1);
    auto found = findings_on(r.report, port);
    REQUIRE(found.size() == 1);
    CHECK(found[0]["finding"] == "forbidden");
    CHECK(found[0]["rule"]["id"] == "admin-exposed");
    CHECK(found[0]["trace_listen"]["exposure"] == "all-interfaces");

    // The same listener on loopback passes the same policy.
    Fd local = tcp_listener("127.0.0.1", 0);
    int local_port_number = local_port(local.get());
    TempFile loopback_policy("expected:\n  - {id: admin-loopback, severity: high, port: " +
                             port_text(local_port_number) + ", exposure: loopback}\n");
    require_exit(run_check(loopback_policy.path(), {local_port_number}), 0);
}

TEST_CASE("check: a dual-stack :: listener is exposed on IPv4 - a V6ONLY one is not")
{
    Fd dual = tcp_listener("::", 0);
    Fd v6only(socket(AF_INET6, SOCK_STREAM, 0));
    int one = 1;
    REQUIRE(setsockopt(v6only.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0);
    REQUIRE(::listen(v6only.get(), 4) == 0);
    int dual_port = local_port(dual.get()), v6_port = local_port(v6only.get());
    TempFile policy("forbidden:\n  - {id: no-ipv4-exposure, severity: critical, family: ipv4, "
                    "exposure: all-interfaces, port: [" +
                    port_text(dual_port) + ", " + port_text(v6_port) +
                    "]}\ndefaults: {verdict: expected}\n");
    CommandResult r = run_check(policy.path(), {dual_port, v6_port});
    require_exit(r, 1);
    CHECK(r.report["listeners"]["total"] == 2);
    auto found = findings_on(r.report, dual_port);
    REQUIRE(found.size() == 1);
    CHECK(found[0]["finding"] == "forbidden");
    CHECK(found[0]["trace_listen"]["dual_stack"] == true);
    CHECK(findings_on(r.report, v6_port).empty());
}

TEST_CASE("check --watch catches a short-lived listener that a snapshot misses")
{
    TL_REQUIRE_BPF();
    // Bound now (so the port is known), listening only during the watch.
    Fd fd = tcp_listener("127.0.0.1", 0, -1);
    int port = local_port(fd.get());
    // Not inherited by trace-listen: closing it here must close the socket.
    REQUIRE(fcntl(fd.get(), F_SETFD, FD_CLOEXEC) == 0);
    TempFile policy("defaults: {severity: high}\n");

    // --pid too: once closed, the port is free for other tests' listeners.
    const std::string pid = std::to_string(getpid());
    TracerProcess check({"check", "--policy", policy.path(), "--watch", "2", "-o", "json",
                         "--port", port_text(port), "--pid", pid});
    REQUIRE(::listen(fd.get(), 4) == 0);
    fd.reset(); // gone again well before the watch ends
    int code = check.wait(60s);
    INFO("stdout:\n" << check.out() << "\nstderr:\n" << check.err());
    REQUIRE(code == 1);
    Json report = Json::parse(check.out());
    auto found = findings_on(report, port);
    REQUIRE(found.size() == 1);
    CHECK(found[0]["finding"] == "unexpected");
    CHECK(found[0]["trace_listen"]["seen"] == "watch");
    CHECK(found[0]["trace_listen"]["closed_during_watch"] == true);
    CHECK(found[0]["process"]["pid"] == getpid());
    CHECK(report["watch_seconds"] == 2);

    // Without --watch the same check, now, sees nothing wrong.
    require_exit(run_check(policy.path(), {port}, {"--pid", pid}), 0);
}

TEST_CASE("check: a missing expected service is a finding and exits 1")
{
    // Bound but not listening: nothing else can listen on this port meanwhile.
    Fd reserved = tcp_listener("127.0.0.1", 0, -1);
    int port = local_port(reserved.get());
    TempFile policy("expected:\n  - id: payments-api\n    severity: critical\n    description: "
                    "the payments API must be up\n    required: true\n    protocol: tcp\n    port: " +
                    port_text(port) + "\n");
    CommandResult r = run_check(policy.path(), {port});
    require_exit(r, 1);
    REQUIRE(r.report["findings"].size() == 1);
    const Json &f = r.report["findings"][0];
    CHECK(f["finding"] == "missing");
    CHECK(f["rule"]["id"] == "payments-api");
    CHECK(f["rule"]["description"] == "the payments API must be up");
    CHECK(f["severity"] == "critical");

    // Once it listens, the same check passes.
    REQUIRE(::listen(reserved.get(), 4) == 0);
    require_exit(run_check(policy.path(), {port}), 0);
}

TEST_CASE("check: a table report names the finding - the service and the summary")
{
    Fd fd = tcp_listener("127.0.0.1", 0);
    int port = local_port(fd.get());
    TempFile policy("defaults: {severity: low}\n");
    CommandResult r = run_command({"check", "--policy", policy.path(), "--port", port_text(port)});
    require_exit(r, 1);
    CHECK_THAT(r.out, Catch::Contains("FINDING"));
    CHECK_THAT(r.out, Catch::Contains("unexpected"));
    CHECK_THAT(r.out, Catch::Contains(" " + port_text(port) + " "));
    CHECK_THAT(r.out, Catch::Contains("NOT compliant: 1 findings (1 unexpected)"));
}

TEST_CASE("check: a malformed policy or bad usage exits 2 and says where")
{
    TempFile policy("expected:\n  - id: a\n    severity: low\n    prot: tcp\n");
    CommandResult r = run_command({"check", "--policy", policy.path()});
    require_exit(r, 2);
    CHECK_THAT(r.err, Catch::Contains(policy.path() + ":4:5: unknown key 'prot'"));
    CHECK(r.out.empty());

    TempFile bad_yaml("expected: [\n  - {id: a\n");
    CommandResult yaml = run_command({"check", "--policy", bad_yaml.path()});
    require_exit(yaml, 2);
    CHECK_THAT(yaml.err, Catch::Contains(bad_yaml.path() + ":"));
    CHECK_THAT(yaml.err, Catch::Contains("not valid YAML"));

    require_exit(run_command({"check"}), 2);                                  // no --policy
    require_exit(run_command({"check", "--policy", "/nonexistent.yaml"}), 2); // unreadable
    require_exit(run_command({"check", "--policy", policy.path(), "--watch", "-1"}), 2);
    require_exit(run_command({"check", "--policy", policy.path(), "-o", "xml"}), 2);
    require_exit(run_command({"baseline"}), 2); // needs 'save'
}

TEST_CASE("baseline save then check reports no findings")
{
    Fd loopback = tcp_listener("127.0.0.1", 0);
    Fd dual = tcp_listener("::", 0);
    Fd udp = udp_bound("0.0.0.0", 0);
    std::vector<int> ports{local_port(loopback.get()), local_port(dual.get()),
                           local_port(udp.get())};
    TempFile baseline;
    std::vector<std::string> save{"baseline", "save", baseline.path(), "--required"};
    for (auto &a : port_filters(ports))
        save.push_back(a);
    CommandResult saved = run_command(save);
    require_exit(saved, 0);
    std::string yaml = baseline.read();
    INFO(yaml);
    for (int p : ports)
        CHECK_THAT(yaml, Catch::Contains("port: " + port_text(p)));
    CHECK_THAT(yaml, Catch::Contains("exposure: loopback"));
    CHECK_THAT(yaml, Catch::Contains("protocol: udp"));

    CommandResult r = run_check(baseline.path(), ports);
    require_exit(r, 0);
    CHECK(r.report["listeners"]["total"] == 3);

    // The baseline marks listeners required: one going away is a finding.
    loopback.reset();
    // --pid: the freed port may be taken by another test's listener meanwhile.
    CommandResult after = run_check(baseline.path(), ports, {"--pid", std::to_string(getpid())});
    require_exit(after, 1);
    REQUIRE(after.report["findings"].size() == 1);
    CHECK(after.report["findings"][0]["finding"] == "missing");
}

namespace {

// A listener no process holds: its only reference is in flight in an
// SCM_RIGHTS message on a unix socket pair, as a kernel-owned socket (VXLAN,
// nfsd) or one held by an unreadable pid 1 looks to the snapshot.
struct OwnerlessListener {
    Fd pair[2];
    int port = 0;
    OwnerlessListener()
    {
        int sv[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        pair[0] = Fd(sv[0]);
        pair[1] = Fd(sv[1]);
        Fd listener = tcp_listener("127.0.0.1", 0);
        port = local_port(listener.get());
        char byte = 0;
        iovec iov{&byte, 1};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        int fd = listener.get();
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
        REQUIRE(sendmsg(pair[0].get(), &msg, 0) == 1);
        // listener's fd closes here: the socket lives on, held by no fd table.
    }
};

std::string binary() { return tracer_binary(); }

} // namespace

TEST_CASE("baseline save accepts listeners no visible process holds - check is then compliant")
{
    OwnerlessListener kernel_like;
    TempFile baseline;
    std::vector<int> ports{kernel_like.port};
    std::vector<std::string> save{"baseline", "save", baseline.path()};
    for (auto &a : port_filters(ports))
        save.push_back(a);
    CommandResult saved = run_command(save);
    std::string yaml = baseline.read();
    INFO(yaml);
    require_exit(saved, 0); // "process must not be empty", exit 2 and no file before
    CHECK_THAT(yaml, Catch::Contains("owner: none"));
    CHECK_THAT(yaml, Catch::Contains("port: " + port_text(kernel_like.port)));

    CommandResult r = run_check(baseline.path(), ports);
    require_exit(r, 0);
    CHECK(r.report["listeners"]["total"] == 1);
}

TEST_CASE("check without CAP_SYS_ADMIN is never compliant on what it could not see")
{
    if (geteuid() != 0 || !try_shell("command -v setpriv")) {
        TL_SKIP("needs root and setpriv to drop CAP_SYS_ADMIN");
    }
    // A namespace that cannot be entered without CAP_SYS_ADMIN, whatever
    // else runs on this machine.
    NetNamespace other("tl-nosysadmin-" + std::to_string(getpid()));
    Fd forbidden = tcp_listener("127.0.0.1", 0);
    int port = local_port(forbidden.get());
    TempFile policy("forbidden:\n  - {id: no-loopback, severity: high, exposure: loopback, port: " +
                    port_text(port) + "}\n");
    auto check_without_sys_admin = [&](const std::string &extra) {
        return try_shell("setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin " + binary() +
                         " check --policy " + policy.path() + " -o json --port " +
                         port_text(port) + " " + extra + " 2>&1; echo rc=$?")
            .value_or("");
    };

    // All namespaces: the other one cannot be entered, so no verdict: exit 2
    // naming it and the capability (exit 0, "compliant: 0 listeners" before).
    std::string all = check_without_sys_admin("");
    INFO(all);
    CHECK(all.find("rc=2\n") != std::string::npos);
    CHECK(all.find("CAP_SYS_ADMIN") != std::string::npos);
    CHECK(all.find(std::to_string(other.inode())) != std::string::npos);
    CHECK(all.find("\"compliant\":true") == std::string::npos);

    // Its own namespace is read without setns(): the forbidden listener is found.
    std::string own = check_without_sys_admin("--netns " + std::to_string(current_netns_inode()));
    INFO(own);
    CHECK(own.find("rc=1\n") != std::string::npos);
    CHECK(own.find("no-loopback") != std::string::npos);
}

// Judging listeners: which rule wins, and what each criterion means
// (exposure, dual-stack, CIDR, process, user, container, netns).
#include <catch2/catch.hpp>

#include "policy/policy_parser.hpp"
#include "policy_test_events.hpp"

using namespace tl;
using tl::test::ListenerSpec;
using tl::test::listener_event;

namespace {

PolicyVerdict judge(const std::string &yaml, const ListenerSpec &spec)
{
    return parse_policy(yaml, "p.yaml").judge(listener_event(spec));
}

ListenerSpec on(std::string address, std::uint16_t port)
{
    ListenerSpec s;
    s.address = std::move(address);
    s.port = port;
    return s;
}

} // namespace

TEST_CASE("expected - unexpected and forbidden verdicts carry rule id and severity")
{
    const std::string policy = R"(
defaults: {severity: high}
forbidden:
  - {id: no-telnet, severity: critical, port: telnet}
expected:
  - {id: web, severity: low, port: 8080, exposure: loopback}
)";
    PolicyVerdict ok = judge(policy, on("127.0.0.1", 8080));
    CHECK(ok.verdict == "expected");
    CHECK(ok.rule_id == "web");
    CHECK(ok.severity == "low");

    PolicyVerdict other = judge(policy, on("127.0.0.1", 9090));
    CHECK(other.verdict == "unexpected");
    CHECK(other.rule_id.empty());
    CHECK(other.severity == "high");

    PolicyVerdict telnet = judge(policy, on("127.0.0.1", 23));
    CHECK(telnet.verdict == "forbidden");
    CHECK(telnet.rule_id == "no-telnet");
    CHECK(telnet.severity == "critical");
}

TEST_CASE("0.0.0.0 where the policy requires loopback is not expected")
{
    const std::string policy =
        "expected:\n  - {id: admin, severity: high, port: 9000, exposure: loopback}\n";
    CHECK(judge(policy, on("127.0.0.1", 9000)).verdict == "expected");
    CHECK(judge(policy, on("::1", 9000)).verdict == "expected");
    CHECK(judge(policy, on("0.0.0.0", 9000)).verdict == "unexpected");
    CHECK(judge(policy, on("192.168.1.5", 9000)).verdict == "unexpected");
}

TEST_CASE("forbidden wins over expected - and except lifts a ban")
{
    const std::string policy = R"(
forbidden:
  - id: low-ports-only-sshd
    severity: high
    port: 1-1023
    except: {process: sshd}
expected:
  - {id: anything, severity: info}
)";
    ListenerSpec nginx = on("0.0.0.0", 80);
    nginx.comm = "nginx";
    CHECK(judge(policy, nginx).verdict == "forbidden");
    ListenerSpec sshd = on("0.0.0.0", 22);
    sshd.comm = "sshd";
    CHECK(judge(policy, sshd).verdict == "expected");
    CHECK(judge(policy, on("0.0.0.0", 1024)).verdict == "expected");
}

TEST_CASE("a dual-stack :: listener counts as exposed on IPv4 all-interfaces")
{
    const std::string policy = R"(
forbidden:
  - {id: no-v4-redis, severity: critical, port: 6379, family: ipv4, exposure: all-interfaces}
  - {id: no-v4-any-pg, severity: high, port: 5432, address: 0.0.0.0/32}
)";
    ListenerSpec dual = on("::", 6379);
    CHECK(judge(policy, dual).verdict == "forbidden");
    dual.v6only = true; // IPv6 only: no IPv4 exposure
    CHECK(judge(policy, dual).verdict == "unexpected");

    ListenerSpec pg = on("::", 5432);
    CHECK(judge(policy, pg).rule_id == "no-v4-any-pg");
    pg.v6only = true;
    CHECK(judge(policy, pg).verdict == "unexpected");
    CHECK(judge(policy, on("0.0.0.0", 5432)).rule_id == "no-v4-any-pg");
    CHECK(judge(policy, on("::ffff:0.0.0.0", 5432)).rule_id == "no-v4-any-pg");
}

TEST_CASE("address takes CIDR blocks - IPv4-mapped addresses match as IPv4")
{
    const std::string policy =
        "expected:\n  - {id: lan, severity: low, address: [10.0.0.0/8, 'fd00::/8']}\n";
    CHECK(judge(policy, on("10.1.2.3", 1)).verdict == "expected");
    CHECK(judge(policy, on("11.1.2.3", 1)).verdict == "unexpected");
    CHECK(judge(policy, on("::ffff:10.9.9.9", 1)).verdict == "expected");
    CHECK(judge(policy, on("fd12::1", 1)).verdict == "expected");
    CHECK(judge(policy, on("fe80::1", 1)).verdict == "unexpected");
    CHECK(judge(policy, on("0.0.0.0", 1)).verdict == "unexpected");
}

TEST_CASE("process matches comm - the full executable or its basename - with globs")
{
    ListenerSpec s = on("127.0.0.1", 5000);
    s.comm = "python3";
    s.executable = "/usr/bin/python3.11";
    auto with = [&](const std::string &process) {
        return judge("expected:\n  - {id: p, severity: low, process: '" + process + "'}\n", s)
            .verdict;
    };
    CHECK(with("python3") == "expected");
    CHECK(with("/usr/bin/python3.11") == "expected");
    CHECK(with("python3.11") == "expected");
    CHECK(with("/usr/bin/*") == "expected");
    CHECK(with("python2") == "unexpected");
    CHECK(with("/usr/local/bin/python3.11") == "unexpected");
}

TEST_CASE("user matches a uid or a name - protocol and port ranges narrow a rule")
{
    ListenerSpec s = on("127.0.0.1", 53);
    s.protocol = "udp";
    s.uid = 0;
    CHECK(judge("expected:\n  - {id: u, severity: low, user: root}\n", s).verdict == "expected");
    CHECK(judge("expected:\n  - {id: u, severity: low, user: 0}\n", s).verdict == "expected");
    CHECK(judge("expected:\n  - {id: u, severity: low, user: 1000}\n", s).verdict == "unexpected");
    s.uid = 5555;
    s.user_name = "svc-only-in-container";
    CHECK(judge("expected:\n  - {id: u, severity: low, user: svc-only-in-container}\n", s)
              .verdict == "expected");
    CHECK(judge("expected:\n  - {id: d, severity: low, protocol: udp, port: domain}\n", s)
              .verdict == "expected");
    CHECK(judge("expected:\n  - {id: d, severity: low, protocol: tcp, port: domain}\n", s)
              .verdict == "unexpected");
    CHECK(judge("expected:\n  - {id: d, severity: low, port: 50-60}\n", s).verdict ==
          "expected");
}

TEST_CASE("container matches an id prefix - or a pattern on the id or the cgroup leaf")
{
    const std::string id(64, 'a');
    ListenerSpec named = on("0.0.0.0", 80);
    named.container_id = "3f" + id.substr(2);
    auto with = [](const std::string &pattern, const ListenerSpec &s) {
        return judge("expected:\n  - {id: c, severity: low, container: '" + pattern + "'}\n", s)
            .verdict;
    };
    CHECK(with("3faaaa", named) == "expected");
    CHECK(with("3f*", named) == "expected");
    CHECK(with("4f", named) == "unexpected");

    // No attribution: the id still comes from the runtime's cgroup leaf.
    ListenerSpec podman = on("0.0.0.0", 80);
    podman.cgroup_name = "libpod-" + std::string(64, 'b');
    CHECK(with("bbbbbbbbbbbb", podman) == "expected");
    CHECK(with("libpod-*", podman) == "expected");
    ListenerSpec host = on("0.0.0.0", 80);
    host.cgroup_name = "nginx.service";
    CHECK(with("bbbb", host) == "unexpected");
    CHECK(with("nginx.*", host) == "expected");
}

TEST_CASE("netns matches the network namespace inode and defaults may accept the rest")
{
    ListenerSpec s = on("0.0.0.0", 80);
    s.netns = 4026532999u;
    CHECK(judge("expected:\n  - {id: n, severity: low, netns: 4026532999}\n", s).verdict ==
          "expected");
    CHECK(judge("expected:\n  - {id: n, severity: low, netns: 4026531840}\n", s).verdict ==
          "unexpected");
    PolicyVerdict v = judge("defaults: {verdict: expected}\n", s);
    CHECK(v.verdict == "expected");
    CHECK(v.rule_id.empty());
}

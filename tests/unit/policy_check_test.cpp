// Compliance checks, baselines and the live enricher, on hand-made events.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "policy/baseline.hpp"
#include "policy/compliance_check.hpp"
#include "policy/compliance_output.hpp"
#include "policy/policy_enricher.hpp"
#include "policy/policy_parser.hpp"
#include "policy_test_events.hpp"
#include "support/temp_dir.hpp"

using namespace tl;
using tl::test::ListenerSpec;
using tl::test::listener_event;

namespace {

ListenerSpec spec(std::string address, std::uint16_t port, std::uint64_t cookie)
{
    ListenerSpec s;
    s.address = std::move(address);
    s.port = port;
    s.cookie = cookie;
    return s;
}

// A policy file that is removed again.
} // namespace

TEST_CASE("check: unexpected - forbidden and missing listeners are findings - most severe first")
{
    Policy p = parse_policy(R"(
forbidden:
  - {id: no-db-out, severity: critical, port: 5432, exposure: all-interfaces}
expected:
  - {id: ssh, severity: high, port: 22, required: true}
  - {id: web, severity: low, port: 8080, required: true}
  - {id: pg, severity: low, port: 5432}
)",
                            "p.yaml");
    ComplianceCheck check(p);
    check.observe(listener_event(spec("0.0.0.0", 8080, 1)));
    check.observe(listener_event(spec("0.0.0.0", 5432, 2)));
    check.observe(listener_event(spec("127.0.0.1", 9999, 3)));
    ComplianceReport r = check.report(0);
    CHECK(r.listeners == 3);
    CHECK_FALSE(r.compliant());
    REQUIRE(r.findings.size() == 3);
    CHECK(r.findings[0].kind == "forbidden");
    CHECK(r.findings[0].rule_id == "no-db-out");
    CHECK(r.findings[1].kind == "missing");
    CHECK(r.findings[1].rule_id == "ssh");
    CHECK_FALSE(r.findings[1].listener.has_value());
    CHECK(r.findings[2].kind == "unexpected");
    CHECK(r.findings[2].listener->model.socket.port == 9999);
    CHECK(r.findings_by_kind() ==
          std::map<std::string, std::size_t>{{"forbidden", 1}, {"missing", 1}, {"unexpected", 1}});

    nlohmann::json j = compliance_json(r);
    CHECK(j["compliant"] == false);
    CHECK(j["findings"][0]["service"] == "postgresql");
    CHECK(j["findings"][0]["server"]["port"] == 5432);
    CHECK(j["findings"][1]["finding"] == "missing");
    CHECK_THAT(compliance_table(r), Catch::Contains("NOT compliant: 3 findings"));
}

TEST_CASE("check: a listener seen twice counts once and a watched close is noted")
{
    Policy p = parse_policy("defaults: {severity: low}\n", "p.yaml");
    ComplianceCheck check(p);
    ListenerSpec s = spec("0.0.0.0", 7000, 77);
    s.kind = EventKind::Existing;
    check.observe(listener_event(s));
    s.kind = EventKind::Listen; // also seen by the trace that started first
    check.observe(listener_event(s));
    ListenerSpec brief = spec("127.0.0.1", 7001, 78);
    check.observe(listener_event(brief));
    brief.kind = EventKind::Close;
    check.observe(listener_event(brief));
    ListenerSpec tcp_bind = spec("127.0.0.1", 7002, 79);
    tcp_bind.kind = EventKind::Bind; // not listening (yet)
    check.observe(listener_event(tcp_bind));
    ComplianceReport r = check.report(3);
    CHECK(r.listeners == 2);
    CHECK(r.from_snapshot == 1);
    CHECK(r.from_watch == 1);
    REQUIRE(r.findings.size() == 2);
    CHECK(r.findings[0].seen == "snapshot");
    CHECK_FALSE(r.findings[0].closed);
    CHECK(r.findings[1].seen == "watch");
    CHECK(r.findings[1].closed);
}

TEST_CASE("check: a compliant host has no findings")
{
    Policy p = parse_policy("expected:\n  - {id: any, severity: low, port: 1-65535}\n", "p.yaml");
    ComplianceCheck check(p);
    check.observe(listener_event(spec("0.0.0.0", 80, 1)));
    ComplianceReport r = check.report(0);
    CHECK(r.compliant());
    CHECK_THAT(compliance_table(r), Catch::StartsWith("compliant: 1 listeners"));
}

TEST_CASE("baseline: the saved policy parses and accepts exactly what it was made from")
{
    std::vector<Event> now;
    ListenerSpec ssh = spec("0.0.0.0", 22, 1);
    ssh.comm = "sshd";
    ssh.executable = "/usr/sbin/sshd";
    ssh.uid = 0;
    ssh.user_name = "root";
    now.push_back(listener_event(ssh));
    ListenerSpec dual = spec("::", 8443, 2);
    dual.comm = "weird[name]*";
    now.push_back(listener_event(dual));
    ListenerSpec dns = spec("10.0.0.53", 53, 3);
    dns.protocol = "udp";
    dns.kind = EventKind::Bind;
    dns.container_id = std::string(64, 'c');
    dns.netns = 4026533000u;
    now.push_back(listener_event(dns));
    now.push_back(listener_event(spec("0.0.0.0", 22, 4))); // same rule as ssh? no: other process
    now.push_back(now.front());                              // a duplicate collapses

    BaselineOptions options;
    options.required = true;
    options.generated_by = "trace-listen baseline save x";
    options.host_netns = 4026531840u;
    std::string yaml = baseline_yaml(now, options);
    INFO(yaml);
    CHECK_THAT(yaml, Catch::Contains("# ssh"));
    CHECK_THAT(yaml, Catch::Contains("trace-listen baseline save x"));
    Policy p = parse_policy(yaml, "baseline.yaml");
    CHECK(p.expected.size() == 4);
    for (const auto &rule : p.expected)
        CHECK(rule.required);

    ComplianceCheck check(p);
    for (const auto &e : now)
        check.observe(e);
    ComplianceReport r = check.report(0);
    CHECK(r.compliant());

    // Anything else is not accepted: another port, exposure, process or namespace.
    ListenerSpec moved = ssh;
    moved.address = "127.0.0.1";
    CHECK(p.judge(listener_event(moved)).verdict == "unexpected");
    ListenerSpec other_ns = dns;
    other_ns.netns = 4026531840u;
    CHECK(p.judge(listener_event(other_ns)).verdict == "unexpected");
    ListenerSpec other_name = dual;
    other_name.comm = "weirdXname";
    CHECK(p.judge(listener_event(other_name)).verdict == "unexpected");
}

TEST_CASE("enricher: verdicts on events - alerts-only hides expected ones")
{
    tl::test::TempFile file("expected:\n  - {id: web, severity: low, port: 8080}\n");
    PolicyEnricher all(file.path(), false);
    Event ok = listener_event(spec("0.0.0.0", 8080, 1));
    all.enrich(ok);
    REQUIRE(ok.verdict);
    CHECK(ok.verdict->verdict == "expected");
    CHECK_FALSE(ok.suppressed);

    PolicyEnricher alerts(file.path(), true);
    Event expected = listener_event(spec("0.0.0.0", 8080, 1));
    alerts.enrich(expected);
    CHECK(expected.suppressed);
    Event finding = listener_event(spec("0.0.0.0", 9090, 2));
    alerts.enrich(finding);
    CHECK_FALSE(finding.suppressed);
    CHECK(finding.verdict->verdict == "unexpected");
    ListenerSpec bind = spec("0.0.0.0", 9090, 2);
    bind.kind = EventKind::Bind; // TCP bind: the listen that follows is the alert
    Event bind_event = listener_event(bind);
    alerts.enrich(bind_event);
    CHECK(bind_event.suppressed);
    ListenerSpec udp = bind;
    udp.protocol = "udp"; // a bound UDP socket already receives
    Event udp_event = listener_event(udp);
    alerts.enrich(udp_event);
    CHECK_FALSE(udp_event.suppressed);
}

TEST_CASE("enricher: reload keeps the old policy when the new file is broken")
{
    tl::test::TempFile file("expected:\n  - {id: web, severity: low, port: 8080}\n");
    PolicyEnricher enricher(file.path(), false);
    auto verdict_for = [&](std::uint16_t port) {
        Event e = listener_event(spec("0.0.0.0", port, 1));
        enricher.enrich(e);
        return e.verdict->verdict;
    };
    CHECK(verdict_for(8080) == "expected");
    file.write("expected:\n  - {id: web, severity: low, port: 8080, colour: red}\n");
    enricher.reload();
    CHECK(verdict_for(8080) == "expected");
    CHECK(enricher.policy().expected.size() == 1);
    file.write("forbidden:\n  - {id: no-web, severity: high, port: 8080}\n");
    enricher.reload();
    CHECK(verdict_for(8080) == "forbidden");
}

TEST_CASE("make_policy_enricher refuses a broken policy with file:line:column")
{
    tl::test::TempFile file("expected:\n  - {id: web, severity: low, port: 99999}\n");
    CHECK_THROWS_WITH(make_policy_enricher(file.path(), false),
                      Catch::StartsWith(file.path() + ":2:"));
    CHECK_THROWS_AS(make_policy_enricher(file.path(), false), std::invalid_argument);
}

TEST_CASE("baseline: a socket no visible process holds is baselined with owner: none")
{
    // Kernel-owned (VXLAN, nfsd), or held by a pid 1 whose fds cannot be read:
    // the snapshot reports pid 0 and no process name.
    ListenerSpec kernel = spec("0.0.0.0", 4789, 11);
    kernel.pid = 0;
    kernel.protocol = "udp";
    kernel.kind = EventKind::Existing;
    kernel.comm = "";
    kernel.uid = 0;
    std::vector<Event> now{listener_event(kernel), listener_event(spec("127.0.0.1", 8080, 7))};

    BaselineOptions options;
    options.host_netns = 4026531840u;
    std::string yaml = baseline_yaml(now, options);
    INFO(yaml);
    CHECK_THAT(yaml, Catch::Contains("owner: none"));
    CHECK_THAT(yaml, !Catch::Contains("process: \"\""));
    Policy p = parse_policy(yaml, "baseline.yaml"); // threw "process must not be empty" before
    ComplianceCheck check(p);
    for (const auto &e : now)
        check.observe(e);
    CHECK(check.report(0).compliant());

    // The rule does not accept a process that takes the port later.
    ListenerSpec taken = kernel;
    taken.pid = 99;
    taken.comm = "intruder";
    CHECK(p.judge(listener_event(taken)).verdict == "unexpected");
}

TEST_CASE("owner: none matches sockets without a process - and is not combined with process")
{
    ListenerSpec kernel = spec("0.0.0.0", 2049, 12);
    kernel.pid = 0;
    kernel.comm = "";
    ListenerSpec daemon = spec("0.0.0.0", 2049, 5);
    Policy p = parse_policy("expected:\n  - {id: nfsd, severity: low, port: 2049, owner: none}\n"
                            "  - {id: rpc, severity: low, port: 111, owner: process}\n",
                            "p.yaml");
    CHECK(p.judge(listener_event(kernel)).verdict == "expected");
    CHECK(p.judge(listener_event(daemon)).verdict == "unexpected");
    CHECK(p.judge(listener_event(spec("0.0.0.0", 111, 6))).verdict == "expected");
    CHECK_THROWS_WITH(parse_policy("expected:\n  - {id: x, severity: low, owner: none, "
                                   "process: sshd}\n",
                                   "p.yaml"),
                      Catch::Contains("owner: none cannot be combined"));
    CHECK_THROWS_WITH(parse_policy("expected:\n  - {id: x, severity: low, owner: kernel}\n",
                                   "p.yaml"),
                      Catch::Contains("owner"));
}

TEST_CASE("a check that could not see everything is never compliant")
{
    Policy p = parse_policy("expected:\n  - {id: any, severity: low, port: 1-65535}\n", "p.yaml");
    ComplianceCheck check(p);
    ComplianceReport r = check.report(0); // nothing seen
    r.unseen.push_back("network namespace 4026532999 (/run/netns/x): cannot enter: Operation "
                       "not permitted (needs CAP_SYS_ADMIN)");
    CHECK_FALSE(r.compliant());
    std::string table = compliance_table(r);
    CHECK_THAT(table, Catch::StartsWith("INCOMPLETE"));
    CHECK_THAT(table, Catch::Contains("CAP_SYS_ADMIN"));
    CHECK(compliance_json(r)["compliant"] == false);
    CHECK(compliance_json(r)["unseen"].size() == 1);
}

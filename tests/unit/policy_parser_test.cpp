// The policy parser: what a valid file means, and that every kind of bad
// input is refused with file:line:column and what was expected.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy/policy_parser.hpp"
#include "support/temp_dir.hpp"

using namespace tl;

namespace {

// The error message for `yaml`, or "" when it parsed.
std::string error_of(const std::string &yaml)
{
    try {
        parse_policy(yaml, "p.yaml");
    } catch (const PolicyError &e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("a complete policy parses into rules with their criteria")
{
    Policy p = parse_policy(R"(
version: 1
defaults:
  verdict: unexpected
  severity: high
forbidden:
  - id: no-db-everywhere
    severity: critical
    description: databases stay inside
    port: [mysql, postgresql, 6379, 27017]
    exposure: all-interfaces
  - id: privileged-only-sshd
    severity: high
    port: 1-1023
    except:
      - process: sshd
expected:
  - id: ssh
    severity: high
    required: true
    protocol: tcp
    port: ssh
    process: [sshd, /usr/sbin/sshd]
    user: root
  - id: app
    severity: low
    address: 10.0.0.0/8
    container: web-*
    netns: host
    family: ipv4
)",
                            "p.yaml");
    CHECK(p.default_severity == "high");
    REQUIRE(p.forbidden.size() == 2);
    REQUIRE(p.expected.size() == 2);
    const Rule &db = p.forbidden[0];
    CHECK(db.id == "no-db-everywhere");
    CHECK(db.severity == "critical");
    CHECK(db.description == "databases stay inside");
    REQUIRE(db.match.ports.size() == 4);
    CHECK(db.match.ports[0].first == 3306);
    CHECK(db.match.ports[1].first == 5432);
    CHECK(db.match.ports[2].first == 6379);
    REQUIRE(db.match.exposures.size() == 1);
    CHECK(db.match.exposures[0] == Exposure::AllInterfaces);
    CHECK(p.forbidden[1].match.ports[0].first == 1);
    CHECK(p.forbidden[1].match.ports[0].last == 1023);
    REQUIRE(p.forbidden[1].except.size() == 1);
    CHECK(p.forbidden[1].except[0].processes == std::vector<std::string>{"sshd"});
    const Rule &ssh = p.expected[0];
    CHECK(ssh.required);
    CHECK(ssh.match.ports[0].first == 22);
    CHECK(ssh.match.uids == std::vector<std::uint32_t>{0});
    CHECK(p.expected[1].match.families == std::vector<std::uint16_t>{AF_INET});
    CHECK(p.expected[1].match.netns.size() == 1);
    CHECK(p.expected[1].location == "p.yaml:25:5");
}

TEST_CASE("service names resolve from the built-in table when /etc/services lacks them")
{
    ServiceNames services = ServiceNames::from_services_text("ssh 2222/tcp\n# comment\nbogus\n");
    CHECK(services.port_of("ssh", "tcp") == 2222);
    CHECK(services.port_of("postgresql") == 5432);   // built in
    CHECK(services.name_of(2222, "tcp") == "ssh");
    CHECK(services.name_of(5432, "tcp") == "postgresql");
    CHECK(services.name_of(5432, "udp").empty());
    CHECK_FALSE(services.port_of("no-such-service").has_value());

    Policy p = parse_policy("expected:\n  - {id: s, severity: low, port: ssh}\n", "p.yaml",
                            services);
    CHECK(p.expected[0].match.ports[0].first == 2222);
    // The system table knows the usual names either way.
    CHECK(system_service_names().port_of("https", "tcp") == 443);
}

TEST_CASE("service names found by port agree with the table after the file and after add")
{
    ServiceNames services = ServiceNames::from_services_text("ssh 2222/tcp\nsvc-u 2222/udp\nwww 80/tcp\n");
    CHECK(services.find(2222, "tcp") == "ssh");
    CHECK(services.find(2222, "udp") == "svc-u");
    CHECK(services.find(80, "tcp") == "www");      // the file's name replaces the built-in one
    CHECK(services.find(80, "udp") == "http");     // built in
    CHECK(services.find(5432, "tcp") == "postgresql");
    CHECK(services.find(5432, "udp").empty());
    CHECK(services.find(1, "tcp").empty());
    CHECK(services.find(65535, "udp").empty());
    CHECK(services.find(22, "sctp").empty());
    // A name added later is found too (the by-port index is not stale).
    services.add("late", 7, "tcp");
    CHECK(services.find(7, "tcp") == "late");
    CHECK(services.find(22, "tcp") == "ssh");
}

TEST_CASE("malformed YAML is reported with line and column")
{
    std::string e = error_of("expected:\n  - id: a\n    severity: [low\n");
    CHECK_THAT(e, Catch::StartsWith("p.yaml:"));
    CHECK_THAT(e, Catch::Contains("not valid YAML"));
    CHECK(error_of("expected: [\n") != "");
}

TEST_CASE("unknown keys are errors that point at the key and list the allowed ones")
{
    std::string e = error_of("expected:\n  - id: a\n    severity: low\n    prot: tcp\n");
    CHECK_THAT(e, Catch::StartsWith("p.yaml:4:5: unknown key 'prot'"));
    CHECK_THAT(e, Catch::Contains("protocol"));
    CHECK_THAT(error_of("version: 1\nexpectd: []\n"),
               Catch::StartsWith("p.yaml:2:1: unknown key 'expectd' in the policy"));
    CHECK_THAT(error_of("defaults:\n  verdict: expected\n  color: red\n"),
               Catch::StartsWith("p.yaml:3:3: unknown key 'color' in defaults"));
    // 'required' makes sense only for expected listeners.
    CHECK_THAT(error_of("forbidden:\n  - {id: a, severity: low, port: 1, required: true}\n"),
               Catch::Contains("unknown key 'required'"));
    CHECK_THAT(error_of("forbidden:\n  - id: a\n    severity: low\n    port: 1\n    except:\n"
                        "      - {process: sshd, colour: 1}\n"),
               Catch::StartsWith("p.yaml:6:25: unknown key 'colour' in except"));
}

TEST_CASE("bad values say what was expected")
{
    auto rule = [](const std::string &body) {
        return error_of("expected:\n  - id: r\n    severity: low\n    " + body + "\n");
    };
    CHECK_THAT(rule("port: 70000"), Catch::StartsWith("p.yaml:4:11: port '70000' is out of range"));
    CHECK_THAT(rule("port: 0"), Catch::Contains("out of range"));
    CHECK_THAT(rule("port: 90-80"), Catch::Contains("backwards"));
    CHECK_THAT(rule("port: nosuchservice"),
               Catch::Contains("not a port, a range (LOW-HIGH) or a known service name"));
    CHECK_THAT(rule("port: [22, {a: b}]"), Catch::Contains("each port must be a single value"));
    CHECK_THAT(rule("port: []"), Catch::Contains("empty list"));
    CHECK_THAT(rule("protocol: icmp"), Catch::Contains("unknown protocol 'icmp'; expected one of tcp"));
    CHECK_THAT(rule("exposure: public"),
               Catch::Contains("expected one of loopback, all-interfaces, address"));
    CHECK_THAT(rule("address: 10.0.0.0/33"), Catch::Contains("not an address or CIDR block"));
    CHECK_THAT(rule("address: example.com"), Catch::Contains("not an address or CIDR block"));
    CHECK_THAT(rule("family: ipx"), Catch::Contains("expected one of ipv4, ipv6"));
    CHECK_THAT(rule("required: maybe"), Catch::Contains("required must be true or false"));
    CHECK_THAT(rule("netns: /no/such/ns"), Catch::Contains("netns '/no/such/ns'"));
    CHECK_THAT(rule("user: 99999999999"), Catch::Contains("out of range"));
    CHECK_THAT(error_of("expected:\n  - id: r\n    severity: urgent\n"),
               Catch::StartsWith("p.yaml:3:15: unknown severity 'urgent'"));
    CHECK_THAT(error_of("version: 2\n"), Catch::Contains("unsupported version '2'; expected 1"));
    CHECK_THAT(error_of("defaults:\n  verdict: maybe\n"), Catch::Contains("expected one of unexpected, expected"));
}

TEST_CASE("every rule needs an id and a severity - ids are unique - and shapes are checked")
{
    CHECK_THAT(error_of("expected:\n  - severity: low\n"), Catch::Contains("has no id"));
    CHECK_THAT(error_of("expected:\n  - id: a\n"), Catch::Contains("has no severity"));
    CHECK_THAT(error_of("expected:\n  - {id: 'a b', severity: low}\n"),
               Catch::Contains("must be letters, digits"));
    CHECK_THAT(error_of("expected:\n  - {id: a, severity: low}\nforbidden:\n"
                        "  - {id: a, severity: low, port: 1}\n"),
               Catch::Matches("p\\.yaml:[24]:[0-9]+: duplicate rule id 'a'.*"));
    CHECK_THAT(error_of("expected:\n  id: a\n"), Catch::Contains("expected must be a list of rules"));
    CHECK_THAT(error_of("expected:\n  - ssh\n"), Catch::Contains("an expected rule must be a mapping"));
    CHECK_THAT(error_of("forbidden:\n  - {id: all, severity: low}\n"),
               Catch::Contains("would forbid every listener"));
    CHECK_THAT(error_of("- a\n- b\n"), Catch::Contains("the policy must be a mapping"));
    CHECK_THAT(error_of(""), Catch::Contains("the policy is empty"));
    CHECK_THAT(error_of("expected:\n  - {id: a, severity: low}\nexpected: []\n"),
               Catch::Contains("appears twice"));
}

TEST_CASE("an unreadable or oversized policy file is a clear error")
{
    CHECK_THROWS_WITH(load_policy_file("/nonexistent/policy.yaml"),
                      Catch::Contains("/nonexistent/policy.yaml: cannot read the policy file"));
    std::string huge(max_policy_bytes + 1, '#');
    CHECK_THAT(error_of(huge), Catch::Contains("at most"));
}

TEST_CASE("a policy file over the limit is refused naming its real size")
{
    tl::test::TempFile big;
    // 50 MB without writing them: a sparse file.
    REQUIRE(truncate(big.path().c_str(), 50 * 1024 * 1024) == 0);
    CHECK_THROWS_WITH(load_policy_file(big.path()),
                      Catch::Contains("is 52428800 bytes") && Catch::Contains("at most"));
}

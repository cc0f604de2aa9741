// A listening policy: which listeners are expected, which are forbidden, and
// how to judge one.  Parsed from YAML by policy_parser.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/event.hpp"
#include "policy/address_range.hpp"
#include "pipeline/socket_facts.hpp"

namespace tl {

// What a rule can look at, taken once from an event.
struct ListenerFacts {
    std::string protocol;        // tcp, udp, ...
    std::uint16_t family = 0;    // AF_INET / AF_INET6
    std::uint8_t addr[16] = {};
    std::uint16_t port = 0;
    Exposure exposure = Exposure::Address;
    bool dual_stack = false;     // IPv6 :: without V6ONLY: also IPv4 0.0.0.0
    std::string comm;
    std::string executable;      // full path when /proc gave it, else the kernel's basename
    std::uint32_t uid = 0;
    std::string user_name;       // empty when unknown
    std::string container_id;    // empty for host processes
    std::string cgroup_name;     // v2 leaf, e.g. libpod-<id> or sshd.service
    std::uint32_t netns = 0;
    bool has_process = true;     // false: no visible process holds the socket (pid 0)

    static ListenerFacts of(const Event &event);
    bool accepts_ipv4() const;
    bool accepts_ipv6() const;
};

struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
};

// All given criteria must hold; within one criterion any listed value may.
struct Matcher {
    std::vector<std::string> protocols;
    std::vector<std::uint16_t> families;          // AF_INET / AF_INET6
    std::vector<PortRange> ports;
    std::vector<Exposure> exposures;
    std::vector<AddressRange> addresses;
    std::vector<std::string> processes;           // globs on comm, executable, its basename
    std::vector<std::uint32_t> uids;
    std::vector<std::string> user_names;          // names not in the local passwd
    std::vector<std::string> containers;          // id prefixes or globs on id / cgroup leaf
    std::vector<std::uint32_t> netns;
    enum class Owner { Any, None, Process };
    Owner owner = Owner::Any;                     // owner: none | process

    bool empty() const;
    bool matches(const ListenerFacts &facts) const;
};

enum class RuleKind { Expected, Forbidden };

struct Rule {
    RuleKind kind = RuleKind::Expected;
    std::string id;
    std::string severity;
    std::string description;
    bool required = false;        // expected: a finding when nothing matches it
    Matcher match;
    std::vector<Matcher> except;  // listeners the rule does not apply to
    std::string location;         // file:line, for messages

    bool matches(const ListenerFacts &facts) const;
};

inline constexpr const char *verdict_expected = "expected";
inline constexpr const char *verdict_unexpected = "unexpected";
inline constexpr const char *verdict_forbidden = "forbidden";

struct Policy {
    std::string source;                              // file name
    std::string default_verdict = verdict_unexpected; // for listeners no rule matches
    std::string default_severity = "medium";
    std::vector<Rule> forbidden;
    std::vector<Rule> expected;

    // Forbidden rules win over expected ones; then the first matching rule.
    PolicyVerdict judge(const ListenerFacts &facts) const;
    PolicyVerdict judge(const Event &event) const { return judge(ListenerFacts::of(event)); }
    std::size_t rule_count() const { return forbidden.size() + expected.size(); }
};

// Severities from least to most severe; rank() orders findings.
const std::vector<std::string> &severity_names();
int severity_rank(const std::string &severity);

// The host's network namespace: PID 1's, or ours when /proc/1 is hidden
// from us (as in some containers); 0 if neither can be read.
std::uint32_t host_netns_inode();

// Does this event put a socket in a state where it accepts traffic from
// others (TCP listen, UDP bind, or a socket found listening)?
bool opens_listener(const Event &event);

} // namespace tl

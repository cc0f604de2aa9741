// `trace-listen check`: what listens (snapshot, then what opened during the
// watch window) against a policy -> findings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline/event.hpp"
#include "policy/policy.hpp"

namespace tl {

inline constexpr const char *finding_missing = "missing";

struct Finding {
    std::string kind;             // unexpected / forbidden / missing
    std::string rule_id;          // empty: no rule expected this listener
    std::string severity;
    std::string description;      // the rule's description, or why
    std::optional<Event> listener; // none for a missing expected listener
    std::string seen;             // snapshot / watch
    bool closed = false;          // stopped listening during the watch
};

struct ComplianceReport {
    std::string policy_source;
    std::size_t listeners = 0;    // distinct listeners judged
    std::size_t from_snapshot = 0;
    std::size_t from_watch = 0;   // first seen during the watch window
    double watch_seconds = 0;
    std::uint64_t lost_events = 0; // ring buffer or sink drops: the watch saw less
    std::vector<Finding> findings; // most severe first
    // What the check could not see (a network namespace it could not enter,
    // and the capability that would let it): never compliant then.
    std::vector<std::string> unseen;
    bool compliant() const { return findings.empty() && unseen.empty(); }
    std::map<std::string, std::size_t> findings_by_kind() const;
};

class ComplianceCheck {
public:
    explicit ComplianceCheck(const Policy &policy) : policy_(policy) {}
    // Snapshot events first, then live ones in order.
    void observe(const Event &event);
    ComplianceReport report(double watch_seconds) const;

private:
    struct Seen {
        Event event;
        bool closed = false;
    };
    // A listener's identity: its socket cookie, or where it listens and who
    // holds it when the kernel gave no cookie.
    using Key = std::tuple<std::uint64_t, std::uint32_t, std::uint16_t, std::uint16_t,
                           std::string, std::uint16_t, std::uint32_t>;
    static Key key_of(const Event &event);

    const Policy &policy_;
    std::vector<Seen> listeners_;
    std::map<Key, std::size_t> index_;
};

} // namespace tl

#include "policy/compliance_check.hpp"

#include <algorithm>

#include "pipeline/socket_facts.hpp"

namespace tl {

std::map<std::string, std::size_t> ComplianceReport::findings_by_kind() const
{
    std::map<std::string, std::size_t> counts;
    for (const auto &f : findings)
        ++counts[f.kind];
    return counts;
}

ComplianceCheck::Key ComplianceCheck::key_of(const Event &e)
{
    const SocketModel &s = model_of(e).socket;
    if (s.cookie)
        return {s.cookie, 0, 0, 0, {}, 0, 0};
    return {0, s.netns, s.protocol, s.local.family, std::string(s.local.text()), s.port,
            e.model.task.pid};
}

void ComplianceCheck::observe(const Event &event)
{
    if (event.kind == EventKind::Close) {
        if (auto it = index_.find(key_of(event)); it != index_.end())
            listeners_[it->second].closed = true;
        return;
    }
    if (!opens_listener(event))
        return;
    auto [it, inserted] = index_.try_emplace(key_of(event), listeners_.size());
    if (inserted)
        listeners_.push_back({event, false});
    else
        listeners_[it->second].closed = false; // listening (again)
}

ComplianceReport ComplianceCheck::report(double watch_seconds) const
{
    ComplianceReport report;
    report.policy_source = policy_.source;
    report.watch_seconds = watch_seconds;
    report.listeners = listeners_.size();
    std::vector<ListenerFacts> facts;
    facts.reserve(listeners_.size());
    for (const auto &seen : listeners_) {
        const Event &e = seen.event;
        bool from_snapshot = e.kind == EventKind::Existing;
        ++(from_snapshot ? report.from_snapshot : report.from_watch);
        facts.push_back(ListenerFacts::of(e));
        PolicyVerdict v = policy_.judge(facts.back());
        if (v.verdict == verdict_expected)
            continue;
        Finding f;
        f.kind = v.verdict;
        f.rule_id = v.rule_id;
        f.severity = v.severity;
        if (!v.rule_id.empty()) {
            auto rule = std::find_if(policy_.forbidden.begin(), policy_.forbidden.end(),
                                     [&](const Rule &r) { return r.id == v.rule_id; });
            if (rule != policy_.forbidden.end())
                f.description = rule->description;
        } else {
            f.description = "no expected rule matches this listener";
        }
        f.listener = e;
        f.seen = from_snapshot ? "snapshot" : "watch";
        f.closed = seen.closed;
        report.findings.push_back(std::move(f));
    }
    for (const auto &rule : policy_.expected) {
        if (!rule.required)
            continue;
        bool present = std::any_of(facts.begin(), facts.end(),
                                   [&](const ListenerFacts &f) { return rule.matches(f); });
        if (present)
            continue;
        Finding f;
        f.kind = finding_missing;
        f.rule_id = rule.id;
        f.severity = rule.severity;
        f.description = rule.description.empty() ? "nothing listens as this rule expects"
                                                 : rule.description;
        report.findings.push_back(std::move(f));
    }
    std::stable_sort(report.findings.begin(), report.findings.end(),
                     [](const Finding &a, const Finding &b) {
                         return severity_rank(a.severity) > severity_rank(b.severity);
                     });
    return report;
}

} // namespace tl

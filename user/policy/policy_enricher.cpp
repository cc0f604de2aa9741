#include "policy/policy_enricher.hpp"

#include <spdlog/spdlog.h>

#include "policy/policy_parser.hpp"

namespace tl {

std::unique_ptr<Enricher> make_policy_enricher(const std::string &policy_file, bool alerts_only)
{
    return std::make_unique<PolicyEnricher>(policy_file, alerts_only);
}

PolicyEnricher::PolicyEnricher(std::string policy_file, bool alerts_only)
    : file_(std::move(policy_file)), alerts_only_(alerts_only), policy_(load_policy_file(file_))
{
    spdlog::info("policy {}: {} rules ({} expected, {} forbidden)", file_, policy_.rule_count(),
                 policy_.expected.size(), policy_.forbidden.size());
}

void PolicyEnricher::enrich(Event &event)
{
    event.verdict = policy_.judge(event);
    if (alerts_only_ && !is_alert(event))
        event.suppressed = true;
}

void PolicyEnricher::reload()
{
    try {
        Policy fresh = load_policy_file(file_);
        policy_ = std::move(fresh);
        spdlog::info("policy reloaded from {}: {} rules ({} expected, {} forbidden)", file_,
                     policy_.rule_count(), policy_.expected.size(), policy_.forbidden.size());
    } catch (const std::exception &e) {
        spdlog::error("policy reload failed, keeping the previous policy: {}", e.what());
    }
}

bool is_alert(const Event &event)
{
    if (!event.verdict || event.verdict->verdict == verdict_expected)
        return false;
    return opens_listener(event) || (event.kind == EventKind::Close && !event.raw.error);
}

} // namespace tl

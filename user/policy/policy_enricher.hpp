// Judges every event against a policy file (expected / unexpected / forbidden).
#pragma once

#include <memory>
#include <string>

#include "enricher.hpp"
#include "policy/policy.hpp"

namespace tl {

// Throws std::invalid_argument with file:line:column on a malformed policy.
std::unique_ptr<Enricher> make_policy_enricher(const std::string &policy_file, bool alerts_only);

// The live stage: sets Event::verdict; with alerts_only, suppresses what is
// not a finding.  reload() (SIGHUP) rereads the file and keeps the policy in
// force when the new one is broken.
class PolicyEnricher final : public Enricher {
public:
    PolicyEnricher(std::string policy_file, bool alerts_only);
    void enrich(Event &event) override;
    void reload() override;
    const Policy &policy() const { return policy_; }

private:
    std::string file_;
    bool alerts_only_;
    Policy policy_;
};

// With --alerts-only: is this event worth showing?  Findings (unexpected or
// forbidden listeners) and the close of such a listener are; expected
// listeners, TCP binds (their listen follows) and failed calls are not.
bool is_alert(const Event &event);

} // namespace tl

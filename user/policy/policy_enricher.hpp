// Judges every event against a policy file (expected / unexpected / forbidden).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "pipeline/enricher.hpp"
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
    // Rereads the file when its inode, size or mtime changed and then stayed
    // the same for one more check (checks at most once a second): ConfigMap
    // volumes swap a symlink, editors rename or truncate and write.
    void poll_changes() override;
    const Policy &policy() const { return policy_; }

private:
    std::string file_;
    bool alerts_only_;
    Policy policy_;
    struct FileStamp {
        unsigned long long inode = 0, size = 0;
        long long mtime_ns = 0;
        bool operator==(const FileStamp &) const = default;
    };
    FileStamp current_stamp() const;
    FileStamp stamp_;
    std::optional<FileStamp> pending_; // changed, waiting to be seen unchanged once more
    std::chrono::steady_clock::time_point next_check_{};
};

// With --alerts-only: is this event worth showing?  Findings (unexpected or
// forbidden listeners) and the close of such a listener are; expected
// listeners, TCP binds (their listen follows) and failed calls are not.
bool is_alert(const Event &event);

} // namespace tl

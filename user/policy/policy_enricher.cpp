#include "policy/policy_enricher.hpp"

#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include "policy/policy_parser.hpp"

namespace tl {

namespace {
// stat() follows the ConfigMap's ..data symlink, so a swap shows as a new inode.
auto stamp_of(const std::string &file)
{
    struct stat st {};
    struct {
        unsigned long long inode = 0, size = 0;
        long long mtime_ns = 0;
    } s;
    if (stat(file.c_str(), &st) == 0) {
        s.inode = st.st_ino;
        s.size = static_cast<unsigned long long>(st.st_size);
        s.mtime_ns = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    }
    return s;
}
} // namespace

std::unique_ptr<Enricher> make_policy_enricher(const std::string &policy_file, bool alerts_only)
{
    return std::make_unique<PolicyEnricher>(policy_file, alerts_only);
}

PolicyEnricher::PolicyEnricher(std::string policy_file, bool alerts_only)
    : file_(std::move(policy_file)), alerts_only_(alerts_only), policy_(load_policy_file(file_))
{
    stamp_ = current_stamp();
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
    stamp_ = current_stamp(); // this version is read now: no second reload from the poll
    try {
        Policy fresh = load_policy_file(file_);
        policy_ = std::move(fresh);
        spdlog::info("policy reloaded from {}: {} rules ({} expected, {} forbidden)", file_,
                     policy_.rule_count(), policy_.expected.size(), policy_.forbidden.size());
    } catch (const std::exception &e) {
        spdlog::error("policy reload failed, keeping the previous policy: {}", e.what());
    }
}

PolicyEnricher::FileStamp PolicyEnricher::current_stamp() const
{
    auto s = stamp_of(file_);
    return {s.inode, s.size, s.mtime_ns};
}

void PolicyEnricher::poll_changes()
{
    auto now = std::chrono::steady_clock::now();
    if (now < next_check_)
        return;
    next_check_ = now + std::chrono::seconds(1);
    FileStamp fresh = current_stamp();
    if (fresh == stamp_ || fresh.inode == 0) { // unchanged, or gone for a moment mid-update
        pending_.reset();
        return;
    }
    // Reread only once the file has stayed the same for a whole check: an
    // editor or `echo >` truncates, then writes; a half-written policy would
    // only log an error.
    if (!pending_ || !(*pending_ == fresh)) {
        pending_ = fresh;
        return;
    }
    pending_.reset();
    spdlog::info("policy file {} changed on disk", file_);
    reload();
}

bool is_alert(const Event &event)
{
    if (!event.verdict || event.verdict->verdict == verdict_expected)
        return false;
    return opens_listener(event) || (event.kind == EventKind::Close && !event.model.error);
}

} // namespace tl

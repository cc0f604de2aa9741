// Userspace completion of a kernel task record, cached by (pid, start time)
// so that a reused pid never inherits another process's details, and bounded
// so that millions of short processes cannot grow the tracer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_set>

#include "util/lru_cache.hpp"
#include "host/user_names.hpp"
#include "pipeline/event.hpp"

namespace tl {

struct ProcessKey {
    std::uint32_t pid = 0;
    std::uint64_t start_ns = 0;
    bool operator==(const ProcessKey &) const = default;
};

struct ProcessKeyHash {
    std::size_t operator()(const ProcessKey &k) const
    {
        return std::hash<std::uint64_t>()(k.start_ns * 0x9E3779B97F4A7C15ULL ^ k.pid);
    }
};

class ProcessCache {
public:
    // names_source / name_lookups: how user and group names are looked up,
    // and how long an event waits for one (tests inject a slow database).
    ProcessCache(std::size_t capacity, unsigned ancestor_depth, UserNames::Source names_source = {},
                 BoundedLookupOptions name_lookups = {});

    // Never blocks on the process: when /proc no longer has it (or has a
    // different process under that pid) the details come from the kernel
    // record alone and say so (source Kernel).  nullptr for pid 0.
    std::shared_ptr<const ProcessDetails> details_for(const TaskModel &task);

    std::size_t size() const { return cache_.size(); }
    std::size_t capacity() const { return cache_.capacity(); }
    std::uint64_t evictions() const { return cache_.evictions(); }
    void clear_names() { names_.clear(); }
    // Events that went out without a user or group name because the lookup
    // had not answered within its wait.
    std::uint64_t names_timed_out() const { return names_.timed_out(); }

private:
    std::shared_ptr<const ProcessDetails> build(const TaskModel &task);
    // Details cached before their names came: the names now, if they came.
    std::shared_ptr<const ProcessDetails> with_late_names(const ProcessKey &key, const TaskModel &task,
                                                          std::shared_ptr<const ProcessDetails> d);

    LruCache<ProcessKey, std::shared_ptr<const ProcessDetails>, ProcessKeyHash> cache_;
    UserNames names_;
    unsigned ancestor_depth_;
    // Cached details still missing a name (its lookup was slow), bounded.
    std::unordered_set<ProcessKey, ProcessKeyHash> names_pending_;
};

} // namespace tl

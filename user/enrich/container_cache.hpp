// Container (or host unit) of a task, cached by cgroup v2 id.  When the
// cgroup is already gone the kernel-captured leaf name still names the
// container (libpod-<id>, docker-<id>.scope, ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "host/cgroup_paths.hpp"
#include "util/lru_cache.hpp"
#include "enrich/process_cache.hpp"
#include "pipeline/event.hpp"

namespace tl {

class ContainerCache {
public:
    explicit ContainerCache(std::size_t capacity);

    // nullptr only when nothing at all is known (no cgroup id, no leaf name,
    // process gone).
    std::shared_ptr<const ContainerDetails> details_for(const TaskModel &task);

    std::size_t size() const { return cache_.size() + by_process_.size(); }
    std::size_t capacity() const { return cache_.capacity() + by_process_.capacity(); }
    const CgroupPaths &paths() const { return paths_; }

private:
    std::shared_ptr<const ContainerDetails> from_v1(const TaskModel &task) const;

    CgroupPaths paths_;
    LruCache<std::uint64_t, std::shared_ptr<const ContainerDetails>> cache_;
    // Processes without a v2 cgroup of their own (v1-only hosts, the v2
    // root) share one cgroup id, so their v1 answer is kept per process.
    LruCache<ProcessKey, std::shared_ptr<const ContainerDetails>, ProcessKeyHash> by_process_;
};

} // namespace tl

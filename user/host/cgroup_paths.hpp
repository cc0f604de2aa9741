// cgroup v2 id (what the kernel records) -> cgroup path, through the kernel's
// file handles for kernfs: O(1), and works for processes that already exited
// as long as their cgroup still exists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/unique_fd.hpp"

namespace tl {

class CgroupPaths {
public:
    CgroupPaths(); // finds the v2 hierarchy (also on hybrid layouts)

    // Path relative to the v2 root ("/libpod_parent/libpod-..."); nullopt when
    // the cgroup is gone, there is no v2 hierarchy, or handles are refused
    // (they need CAP_DAC_READ_SEARCH).
    std::optional<std::string> path_of(std::uint64_t cgroup_id) const;
    // The v2 root's id: on hosts that put processes only in v1 hierarchies
    // every process reports this one, which says nothing.
    std::uint64_t root_id() const { return root_id_; }
    // Id of the v2 cgroup at `path` (relative to the root); 0 if unknown.
    std::uint64_t id_of(const std::string &path) const;
    const std::string &mount_point() const { return mount_point_; }

private:
    std::string mount_point_;
    UniqueFd mount_fd_;
    std::uint64_t root_id_ = 0;
};

} // namespace tl

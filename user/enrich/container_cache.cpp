#include "enrich/container_cache.hpp"

#include "enrich/container_naming.hpp"
#include "host/proc_reader.hpp"
#include "util/text_escape.hpp"

namespace tl {

namespace {

// What the cache hands out, its texts' validity worked out once.
std::shared_ptr<const ContainerDetails> shared_details(ContainerDetails details)
{
    mark_valid_texts(details);
    return std::make_shared<const ContainerDetails>(std::move(details));
}

} // namespace

ContainerCache::ContainerCache(std::size_t capacity) : cache_(capacity), by_process_(capacity) {}

std::shared_ptr<const ContainerDetails> ContainerCache::from_v1(const TaskModel &task) const
{
    // Only while the same process lives: a reused pid is someone else.
    auto st = read_proc_stat(task.pid);
    if (task.pid == 0 || !st || !same_start(task.start_ns, st->start_ticks))
        return nullptr;
    std::string path = choose_cgroup_path(read_proc_cgroup(task.pid));
    if (path.empty())
        return nullptr;
    return shared_details(container_from_cgroup_path(path));
}

std::shared_ptr<const ContainerDetails> ContainerCache::details_for(const TaskModel &task)
{
    // No v2 cgroup of its own (v1-only host, or the v2 root): every process
    // shares the id, so it cannot be a cache key; ask /proc for v1 paths.
    if (task.cgroup_id == 0 || task.cgroup_id == paths_.root_id()) {
        ProcessKey key{task.pid, task.start_ns};
        if (auto cached = by_process_.get(key))
            return *cached;
        auto details = from_v1(task);
        if (details) // a process already gone may be asked about again later
            by_process_.put(key, details);
        return details;
    }

    if (auto cached = cache_.get(task.cgroup_id))
        return *cached;

    std::shared_ptr<const ContainerDetails> details;
    if (auto path = paths_.path_of(task.cgroup_id)) {
        details = shared_details(container_from_cgroup_path(*path));
    } else {
        std::string_view leaf = c_field(task.cgroup_name, sizeof task.cgroup_name);
        if (leaf.empty())
            return from_v1(task);
        // The cgroup is gone: the leaf alone still names the container.
        auto c = container_from_cgroup_path(std::string(leaf));
        c.cgroup_path.clear();
        details = shared_details(std::move(c));
    }
    cache_.put(task.cgroup_id, details);
    return details;
}

} // namespace tl

#include "snapshot/socket_snapshot.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <ctime>
#include <cstring>
#include <optional>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "host/cgroup_paths.hpp"
#include "enrich/proc_task.hpp"
#include "enrich/process_cache.hpp"
#include "pipeline/event_decode.hpp"
#include "pipeline/event_model.hpp"
#include "kernel/privileges.hpp"
#include "host/net_namespaces.hpp"
#include "host/sock_diag.hpp"
#include "host/socket_owners.hpp"

namespace tl {

namespace {

struct FoundSocket {
    std::uint32_t netns;
    DiagSocket socket;
};

// TCP listeners and unconnected bound UDP sockets (what `ss -ltu` lists).
std::vector<FoundSocket> dump_all_namespaces(const std::vector<NetNamespaceRef> &namespaces,
                                             SnapshotGaps &gaps)
{
    std::vector<FoundSocket> found;
    auto failures = for_each_net_namespace(namespaces, [&](const NetNamespaceRef &ns) {
        for (std::uint8_t family : {AF_INET, AF_INET6}) {
            for (auto &s : dump_inet_sockets(family, IPPROTO_TCP, state_bit(TCP_LISTEN)))
                found.push_back({ns.inode, s});
            for (auto &s : dump_inet_sockets(family, IPPROTO_UDP, state_bit(TCP_CLOSE)))
                found.push_back({ns.inode, s});
        }
    });
    for (auto &f : failures) {
        spdlog::warn("snapshot: network namespace {} ({}) skipped: {}", f.ns.inode, f.ns.path,
                     f.error);
        gaps.push_back(
            fmt::format("network namespace {} ({}): {}", f.ns.inode, f.ns.path, f.error));
    }
    return found;
}

} // namespace

Event existing_socket_event(const DiagSocket &d, std::uint32_t netns, const TaskModel *holder)
{
    Event e;
    e.kind = EventKind::Existing;
    // What sock_diag says of the socket.  Nothing changed it: its state is
    // the old state and the new, and no bind asked for an address.
    SocketModel &s = e.model.socket;
    s.cookie = d.cookie;
    s.netns = netns;
    s.bound_dev_if = d.bound_dev_if;
    set_ip_address(s.local, d.family, d.addr);
    s.port = d.port;
    s.requested_port = d.port;
    s.protocol = d.protocol;
    s.type = d.protocol == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
    s.options = d.options;
    s.backlog = d.backlog;
    s.old_state = d.state;
    s.new_state = d.state;
    if (holder) {
        e.model.task = *holder;
    } else {
        // Held by no process we can see (kernel socket, exited meanwhile, or
        // fds we may not read): still reported, with what the socket knows.
        TaskModel &t = e.model.task;
        t.cgroup_id = d.cgroup_id;
        t.uid = d.uid;
        t.loginuid = UINT32_MAX;
        t.flags = TL_TASK_NO_ARGS;
    }
    complete_model(e.model);
    return e;
}

std::vector<Event> take_socket_snapshot(const EventFilter &filter, SnapshotGaps *gaps_out)
{
    SnapshotGaps gaps;
    std::size_t denied = 0;
    auto namespaces = list_net_namespaces(&denied);
    if (filter.netns) {
        // Only that namespace: others need not (and must not) be entered.
        std::erase_if(namespaces, [&](const NetNamespaceRef &ns) { return ns.inode != filter.netns; });
        if (!namespaces.empty())
            denied = 0; // found it: other processes' namespaces do not matter
    }
    // Without CAP_SYS_PTRACE the namespaces of other users' (and more
    // privileged) processes cannot be looked up: they may hold unseen
    // namespaces.  With it, what is still refused (here: a pid 1 holding
    // capabilities this process lacks, as in some sandboxes) is no capability's
    // to fix: logged, not a gap.
    if (denied) {
        bool fixable = !has_effective_capability(cap_sys_ptrace);
        std::string line = fmt::format(
            "the network namespaces of {} process(es) could not be looked up (permission denied)",
            denied);
        if (fixable) {
            spdlog::warn("snapshot: {}; needs CAP_SYS_PTRACE", line);
            gaps.push_back(line + "; needs CAP_SYS_PTRACE");
        } else {
            spdlog::info("snapshot: {}", line);
        }
    }
    auto found = dump_all_namespaces(namespaces, gaps);
    if (gaps_out)
        *gaps_out = std::move(gaps);

    std::unordered_set<std::uint64_t> inodes;
    for (auto &f : found)
        inodes.insert(f.socket.inode);
    SocketOwners owners = find_socket_owners(inodes);
    if (owners.unreadable_processes)
        spdlog::warn("snapshot: {} processes' open files could not be read; sockets they hold "
                     "are reported without a process",
                     owners.unreadable_processes);

    CgroupPaths cgroups;
    ProcessCache processes(256, 4);
    timespec mono{};
    clock_gettime(CLOCK_MONOTONIC, &mono); // the kernel's clock for ts_ns
    const std::uint64_t now_mono = static_cast<std::uint64_t>(mono.tv_sec) * 1'000'000'000ULL +
                                   static_cast<std::uint64_t>(mono.tv_nsec);
    const std::int64_t now_wall = wall_now_ns();

    // One /proc read per process, however many sockets it holds.
    std::unordered_map<std::uint32_t, std::optional<TaskModel>> tasks_by_pid;
    auto task_of = [&](std::uint32_t pid) -> const std::optional<TaskModel> & {
        auto [it, fresh] = tasks_by_pid.try_emplace(pid);
        if (fresh)
            it->second = task_from_proc(pid, cgroups);
        return it->second;
    };

    std::vector<Event> events;
    events.reserve(found.size());
    std::size_t unowned = 0;
    for (auto &f : found) {
        const TaskModel *holder = nullptr;
        std::vector<SocketHolder> others;
        if (auto it = owners.by_inode.find(f.socket.inode); it != owners.by_inode.end()) {
            for (std::uint32_t pid : it->second) {
                const auto &task = task_of(pid);
                if (!task)
                    continue; // exited since the scan
                if (!holder)
                    holder = &*task;
                else
                    others.push_back({*task, processes.details_for(*task)});
            }
        }
        unowned += !holder;
        Event e = existing_socket_event(f.socket, f.netns, holder);
        e.model.ts_ns = now_mono;
        e.wall_time_ns = now_wall;
        e.extra_holders = std::move(others);
        if (filter.matches(e))
            events.push_back(std::move(e));
    }
    std::sort(events.begin(), events.end(), [](const Event &a, const Event &b) {
        const SocketModel &x = a.model.socket, &y = b.model.socket;
        return std::tie(x.netns, x.protocol, x.local.family, x.port, x.cookie) <
               std::tie(y.netns, y.protocol, y.local.family, y.port, y.cookie);
    });
    spdlog::info("snapshot: {} sockets listening or bound in {} network namespaces ({} without "
                 "a visible process); {} match the filters",
                 found.size(), namespaces.size(), unowned, events.size());
    return events;
}

} // namespace tl

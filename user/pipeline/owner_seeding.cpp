#include "pipeline/owner_seeding.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "util/unique_fd.hpp"
#include "kernel/kernel_tracer.hpp"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

namespace tl {

namespace {

// Every socket of `pid`, borrowed into this process, by cookie.
std::unordered_map<std::uint64_t, UniqueFd> borrow_sockets(std::uint32_t pid)
{
    std::unordered_map<std::uint64_t, UniqueFd> out;
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    if (pidfd.get() < 0)
        return out;
    std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    std::unique_ptr<DIR, int (*)(DIR *)> d(opendir(dir.c_str()), closedir);
    if (!d)
        return out;
    while (dirent *entry = readdir(d.get())) {
        char target[64];
        std::string link = dir + "/" + entry->d_name;
        ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
        if (n <= 0 || std::strncmp(target, "socket:", 7) != 0)
            continue;
        int remote = std::atoi(entry->d_name);
        UniqueFd fd(static_cast<int>(syscall(SYS_pidfd_getfd, pidfd.get(), remote, 0)));
        if (fd.get() < 0)
            continue;
        std::uint64_t cookie = 0;
        socklen_t len = sizeof cookie;
        if (getsockopt(fd.get(), SOL_SOCKET, SO_COOKIE, &cookie, &len) == 0 && cookie)
            out.emplace(cookie, std::move(fd));
    }
    return out;
}

} // namespace

SeedResult seed_listener_owners(KernelTracer &kernel, const std::vector<Event> &snapshot)
{
    SeedResult result;
    std::unordered_map<std::uint32_t, std::unordered_map<std::uint64_t, UniqueFd>> by_pid;
    for (const Event &e : snapshot) {
        const SocketModel &s = model_of(e).socket;
        const TaskModel &t = e.model.task;
        if (e.kind != EventKind::Existing || s.protocol != IPPROTO_TCP || !s.cookie || !t.pid)
            continue;
        auto [it, fresh] = by_pid.try_emplace(t.pid);
        if (fresh)
            it->second = borrow_sockets(t.pid);
        auto fd = it->second.find(s.cookie);
        // The owner map keeps what a listen records: the task without its
        // arguments (the map's value ends before them).
        tl_task owner = t.kernel_record();
        owner.flags &= ~TL_TASK_FROM_SOCKET;
        if (kernel.seed_listener_owner(s.cookie, owner, fd == it->second.end() ? -1 : fd->second.get())) {
            ++result.listeners;
            result.marked += fd != it->second.end();
        } else {
            ++result.failed;
        }
    }
    spdlog::debug("listener owners from the snapshot: {} written, {} marked on the socket, {} failed",
                  result.listeners, result.marked, result.failed);
    if (result.failed)
        spdlog::warn("{} listeners older than the tracer could not be given their owner (kernel map "
                     "full): their connections' state changes are attributed to the socket",
                     result.failed);
    return result;
}

} // namespace tl

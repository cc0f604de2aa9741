#include "host/socket_owners.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "host/proc_reader.hpp"

namespace tl {

namespace {

using DirPtr = std::unique_ptr<DIR, int (*)(DIR *)>;

void scan_process(std::uint32_t pid, const std::unordered_set<std::uint64_t> &wanted,
                  SocketOwners &owners)
{
    std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
    DirPtr dir(opendir(fd_dir.c_str()), closedir);
    if (!dir) {
        if (errno != ENOENT) // gone meanwhile: nothing to report
            ++owners.unreadable_processes;
        return;
    }
    int dfd = dirfd(dir.get());
    char link[64];
    bool denied = false;
    while (dirent *e = readdir(dir.get())) {
        if (e->d_name[0] == '.')
            continue;
        ssize_t n = readlinkat(dfd, e->d_name, link, sizeof link - 1);
        if (n < 0 && (errno == EACCES || errno == EPERM))
            denied = true; // listing allowed, links not (e.g. a sandbox's init)
        if (n <= 8)
            continue;
        link[n] = '\0';
        if (std::strncmp(link, "socket:[", 8) != 0)
            continue;
        std::uint64_t inode = std::strtoull(link + 8, nullptr, 10);
        if (!wanted.count(inode))
            continue;
        auto &pids = owners.by_inode[inode];
        if (pids.empty() || pids.back() != pid)
            pids.push_back(pid); // one entry per process, however many fds
    }
    if (denied)
        ++owners.unreadable_processes;
}

SocketOwners scan(const std::unordered_set<std::uint64_t> &wanted, std::uint32_t netns)
{
    SocketOwners owners;
    if (wanted.empty())
        return owners;
    DirPtr proc(opendir("/proc"), closedir);
    if (!proc)
        return owners;
    std::vector<std::uint32_t> pids;
    while (dirent *e = readdir(proc.get()))
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
            pids.push_back(static_cast<std::uint32_t>(std::strtoul(e->d_name, nullptr, 10)));
    std::sort(pids.begin(), pids.end());
    for (std::uint32_t pid : pids) {
        // Can miss a holder in another namespace (socket passed over a unix
        // socket, or setns() after socket()); callers fall back to a full scan.
        if (netns) {
            std::uint32_t own = read_proc_ns_inode(pid, "net");
            if (own && own != netns)
                continue;
        }
        scan_process(pid, wanted, owners);
    }
    return owners;
}

} // namespace

SocketOwners find_socket_owners(const std::unordered_set<std::uint64_t> &wanted)
{
    return scan(wanted, 0);
}

SocketOwners find_socket_owners_in(const std::unordered_set<std::uint64_t> &wanted,
                                   std::uint32_t netns)
{
    return scan(wanted, netns);
}

} // namespace tl

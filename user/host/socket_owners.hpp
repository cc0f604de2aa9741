// Which processes hold a socket: sockets are files, so /proc/<pid>/fd links
// of every process name their inodes ("socket:[12345]").
#pragma once

#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tl {

struct SocketOwners {
    // socket inode -> pids (tgids, ascending) with an fd on it
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_inode;
    std::uint64_t unreadable_processes = 0; // fd directory could not be read
};

// Scans every process once; only inodes in `wanted` are recorded.
SocketOwners find_socket_owners(const std::unordered_set<std::uint64_t> &wanted);

// The same, limited to processes in network namespace `netns` (cheaper).
SocketOwners find_socket_owners_in(const std::unordered_set<std::uint64_t> &wanted,
                                   std::uint32_t netns);

} // namespace tl

// Who holds a port in a network namespace: for an EADDRINUSE bind, name the
// process in the way.
#pragma once

#include <cstdint>
#include <vector>

namespace tl {

struct PortQuery {
    std::uint32_t netns = 0;       // namespace inode of the failed bind
    std::uint32_t asking_pid = 0;  // its process: its /proc/<pid>/ns/net opens the namespace
    std::uint8_t protocol = 0;     // IPPROTO_TCP / IPPROTO_UDP
    std::uint16_t port = 0;
};

struct PortHolder {
    std::uint32_t pid = 0;     // 0: the socket exists but no process holds it
    std::uint64_t cgroup_id = 0; // the socket's cgroup (its creator's), from sock_diag
    bool listening = false;
};

// Holders, listening sockets first, then by pid; empty when the namespace
// cannot be entered or nothing holds the port any more.  The asking process
// is a holder too when another of its sockets has the port.
std::vector<PortHolder> find_port_holders(const PortQuery &query);

} // namespace tl

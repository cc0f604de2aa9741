// The kernel's socket-diagnostics netlink interface (NETLINK_SOCK_DIAG,
// inet_diag): the same source `ss` reads.  Queries the network namespace of
// the calling thread.
#pragma once

#include <cstdint>
#include <vector>

namespace tl {

// One inet socket as sock_diag reports it.
struct DiagSocket {
    std::uint8_t family = 0;   // AF_INET / AF_INET6
    std::uint8_t protocol = 0; // IPPROTO_TCP / IPPROTO_UDP
    std::uint8_t state = 0;    // TCP_* (UDP: TCP_CLOSE unconnected, TCP_ESTABLISHED connected)
    std::uint8_t addr[16]{};   // network order
    std::uint16_t port = 0;    // host order
    std::uint32_t bound_dev_if = 0;
    std::uint64_t cookie = 0;
    std::uint64_t inode = 0;
    std::uint32_t uid = 0;
    std::uint32_t backlog = 0;  // LISTEN: the maximum accept queue
    std::uint64_t cgroup_id = 0; // cgroup v2 of the creator (0 if not reported)
    std::uint16_t options = 0;  // enum tl_sock_option bits sock_diag exposes
};

// TCP_LISTEN etc. as a bit mask for `states`.
constexpr std::uint32_t state_bit(int tcp_state) { return 1U << tcp_state; }

// Every socket of family/protocol in one of `states`.  Throws
// std::system_error when the netlink query fails.
std::vector<DiagSocket> dump_inet_sockets(std::uint8_t family, std::uint8_t protocol,
                                          std::uint32_t states);

} // namespace tl

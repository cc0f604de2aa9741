// What a kernel record says, decoded once: typed addresses, exposure,
// service, transport, kind and hook names, and which captured names were not
// valid UTF-8.  Every format, the snapshot and the replay read this instead
// of interpreting the raw record again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "trace_listen/event.h"

namespace tl {

enum class Exposure { Loopback, AllInterfaces, Address };

// An IPv4 or IPv6 address and its text, made once.
struct IpAddress {
    std::uint16_t family = 0; // AF_INET / AF_INET6
    std::uint8_t bytes[16] = {};
    char text_buffer[46]; // INET6_ADDRSTRLEN; only the first text_length bytes are set
    std::uint8_t text_length = 0;

    std::string_view text() const { return {text_buffer, text_length}; }
    bool same_as(const IpAddress &other) const { return text() == other.text(); }
};

// `bytes` as an address of `family`, written over `a` (decode fills the
// event's model in place).
void set_ip_address(IpAddress &a, std::uint16_t family, const std::uint8_t (&bytes)[16]);

// The socket part of a record, named.
struct SocketModel {
    IpAddress local;
    IpAddress peer;      // meaningful when peer_known
    IpAddress requested; // bind: the address asked for, when requested_ip_known
    std::uint16_t port = 0;
    std::uint16_t peer_port = 0;
    std::uint16_t requested_port = 0;
    bool peer_known = false;         // the record carries a peer with a port
    bool requested_ip_known = false; // a bind that asked for an AF_INET/AF_INET6 address
    bool outgoing = false;           // a connection this host opened (active open)
    bool accepted = false;           // a connection a listener accepted (passive open)
    Exposure exposure = Exposure::Address;
    bool dual_stack = false;     // IPv6 :: without IPV6_V6ONLY: IPv4 too
    std::string_view transport;  // tcp, udp, ...
    std::string_view family;     // ipv4 / ipv6
    std::string_view service;    // /etc/services name of (port, transport), or empty
    std::string_view hook;       // which kernel hook saw it
    std::string_view via;        // syscall / io_uring / kernel, or empty
    std::uint16_t options = 0;   // enum tl_sock_option bits (option_name())
};

// Names a process chose (comm, executable, cgroup, arguments), as captured
// by the kernel: whether each was valid UTF-8.  Invalid ones are written
// repaired, with the original bytes kept beside them (base64).
struct TaskTextChecks {
    bool comm_invalid = false;
    bool parent_comm_invalid = false;
    bool exe_invalid = false;
    bool cgroup_name_invalid = false;
    bool args_invalid = false;
};

// The texts a task record captured lie one after the other in tl_task:
// comm, parent_comm, exe, cgroup_name, then args.  Whole-region views let a
// check or a comparison be one pass instead of one per field.
static_assert(offsetof(tl_task, parent_comm) == offsetof(tl_task, comm) + TL_COMM_LEN &&
                  offsetof(tl_task, exe) == offsetof(tl_task, parent_comm) + TL_COMM_LEN &&
                  offsetof(tl_task, cgroup_name) == offsetof(tl_task, exe) + TL_EXE_LEN &&
                  offsetof(tl_task, args) == offsetof(tl_task, cgroup_name) + TL_CGROUP_NAME_LEN,
              "the text fields of tl_task moved: use them one by one");
// comm to the end of cgroup_name (fixed size).
inline std::string_view task_names(const tl_task &t)
{
    return {reinterpret_cast<const char *>(&t) + offsetof(tl_task, comm),
            offsetof(tl_task, args) - offsetof(tl_task, comm)};
}
// The captured arguments, NUL separated: args_len bytes, at most TL_ARGS_LEN
// (a crafted or damaged record may say more).
inline std::string_view task_args(const tl_task &t)
{
    return {t.args, t.args_len > TL_ARGS_LEN ? std::size_t{TL_ARGS_LEN} : std::size_t{t.args_len}};
}
// The names and the captured arguments.
inline std::string_view task_texts(const tl_task &t)
{
    return {task_names(t).data(), task_names(t).size() + task_args(t).size()};
}

struct EventModel {
    bool decoded = false; // false: built by hand (tests), decode on use
    SocketModel socket;
    TaskTextChecks task;
};

// The options set in `bits`, in a fixed order (SO_REUSEADDR, ...); visits
// each name.
template <typename Visit> void for_each_option_name(std::uint16_t bits, Visit &&visit)
{
    static constexpr std::pair<std::uint16_t, std::string_view> names[] = {
        {TL_OPT_REUSEADDR, "SO_REUSEADDR"},
        {TL_OPT_REUSEPORT, "SO_REUSEPORT"},
        {TL_OPT_V6ONLY, "IPV6_V6ONLY"},
        {TL_OPT_FREEBIND, "IP_FREEBIND"},
        {TL_OPT_TRANSPARENT, "IP_TRANSPARENT"},
        {TL_OPT_BIND_ADDRESS_NO_PORT, "IP_BIND_ADDRESS_NO_PORT"},
    };
    for (auto [bit, name] : names)
        if (bits & bit)
            visit(name);
}

} // namespace tl

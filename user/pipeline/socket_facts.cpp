#include "pipeline/socket_facts.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace tl {

std::string address_text(std::uint16_t family, const std::uint8_t (&addr)[16])
{
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET6)
        inet_ntop(AF_INET6, addr, buf, sizeof buf);
    else
        inet_ntop(AF_INET, addr, buf, sizeof buf);
    return buf;
}

namespace {
bool all_zero(const std::uint8_t *p, std::size_t n)
{
    return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}

bool is_v4_mapped(const std::uint8_t (&a)[16])
{
    return all_zero(a, 10) && a[10] == 0xff && a[11] == 0xff;
}
} // namespace

Exposure exposure_of(std::uint16_t family, const std::uint8_t (&addr)[16])
{
    if (family == AF_INET6) {
        if (all_zero(addr, 16))
            return Exposure::AllInterfaces;
        if (all_zero(addr, 15) && addr[15] == 1)
            return Exposure::Loopback;
        if (is_v4_mapped(addr))
            return addr[12] == 127 ? Exposure::Loopback
                   : all_zero(addr + 12, 4) ? Exposure::AllInterfaces
                                            : Exposure::Address;
        return Exposure::Address;
    }
    if (all_zero(addr, 4))
        return Exposure::AllInterfaces;
    return addr[0] == 127 ? Exposure::Loopback : Exposure::Address;
}

std::string_view exposure_name(Exposure exposure)
{
    switch (exposure) {
    case Exposure::Loopback: return "loopback";
    case Exposure::AllInterfaces: return "all-interfaces";
    case Exposure::Address: return "address";
    }
    return "address";
}

bool is_dual_stack(const SocketModel &socket)
{
    return socket.local.family == AF_INET6 && !(socket.options & TL_OPT_V6ONLY) &&
           all_zero(socket.local.bytes, 16);
}

std::vector<std::string> option_names(std::uint16_t options)
{
    std::vector<std::string> out;
    for_each_option_name(options, [&](std::string_view name) { out.emplace_back(name); });
    return out;
}

std::string_view tcp_state_name(unsigned state)
{
    static constexpr std::array<const char *, 13> names{
        "UNKNOWN",    "ESTABLISHED", "SYN_SENT", "SYN_RECV",  "FIN_WAIT1",
        "FIN_WAIT2",  "TIME_WAIT",   "CLOSE",    "CLOSE_WAIT", "LAST_ACK",
        "LISTEN",     "CLOSING",     "NEW_SYN_RECV"};
    return state < names.size() ? names[state] : "UNKNOWN";
}

std::string_view transport_name(std::uint16_t protocol, std::uint16_t sock_type)
{
    switch (protocol) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_UDPLITE: return "udplite";
    case IPPROTO_SCTP: return "sctp";
    case IPPROTO_MPTCP: return "mptcp";
    case IPPROTO_ICMP: return "icmp";
    case IPPROTO_ICMPV6: return "ipv6-icmp";
    case IPPROTO_RAW: return "raw";
    default: break;
    }
    if (sock_type == SOCK_RAW)
        return "raw";
    return "unknown";
}

std::string_view family_name(std::uint16_t family)
{
    return family == AF_INET6 ? "ipv6" : family == AF_INET ? "ipv4" : "unknown";
}

std::string errno_name(int error)
{
    if (error == 0)
        return "";
    if (const char *name = strerrorname_np(error))
        return name;
    return "E" + std::to_string(error);
}

std::string_view hook_name(std::uint16_t hook)
{
    switch (hook) {
    case TL_HOOK_SYSCALL_TP: return "syscall-tracepoint";
    case TL_HOOK_FEXIT: return "fexit";
    case TL_HOOK_KPROBE: return "kprobe";
    case TL_HOOK_STATE_TP_BTF: return "tp_btf";
    case TL_HOOK_STATE_RAW_TP: return "raw_tp";
    case TL_HOOK_STATE_TP: return "tracepoint";
    case TL_HOOK_IO_URING: return "io_uring-tracepoint";
    default: return "snapshot";
    }
}

std::string_view via_name(std::uint8_t via)
{
    switch (via) {
    case TL_VIA_SYSCALL: return "syscall";
    case TL_VIA_IO_URING: return "io_uring";
    case TL_VIA_KERNEL: return "kernel";
    default: return "";
    }
}

std::string_view ring_class_name(unsigned ring_class)
{
    return ring_class == TL_CLASS_PRIORITY ? "priority" : "routine";
}

} // namespace tl

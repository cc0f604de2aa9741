// The event model: what happened, to which socket, by whom, as facts plus
// the names worked out from them once (typed addresses, exposure, service,
// transport, hook, and which captured texts were not valid UTF-8).  A kernel
// record is decoded into it, the snapshot builds it from sock_diag and /proc,
// a replay from a record file; every format, filter and policy reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
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

// The socket an event is about.  The facts come from a kernel record
// (decode), a sock_diag answer (the snapshot) or a record file (replay); the
// names below them are worked out from the facts by complete_model, the same
// way for all three.
struct SocketModel {
    std::uint64_t cookie = 0;       // socket cookie; 0 if unknown
    std::uint32_t netns = 0;        // network namespace inode
    std::uint32_t bound_dev_if = 0; // SO_BINDTODEVICE ifindex; 0 if none
    IpAddress local;                // its family is the socket's (AF_INET / AF_INET6)
    IpAddress peer;      // set when peer_port is (a connection)
    IpAddress requested; // bind: the address asked for, when requested_ip_known
    std::uint16_t port = 0;
    std::uint16_t peer_port = 0;
    std::uint16_t requested_port = 0; // bind: the port asked for (0: any)
    std::uint16_t protocol = 0;       // IPPROTO_*
    std::uint16_t type = 0;           // SOCK_STREAM, SOCK_DGRAM, ...
    std::uint16_t options = 0;        // enum tl_sock_option bits (for_each_option_name)
    std::uint32_t backlog = 0;        // listen
    std::uint8_t old_state = 0;       // TCP_*: state changes; the snapshot's state twice
    std::uint8_t new_state = 0;
    bool peer_known = false;         // the event carries a peer with a port
    bool requested_ip_known = false; // a bind that asked for an AF_INET/AF_INET6 address
    bool outgoing = false;           // a connection this host opened (active open)
    bool accepted = false;           // a connection a listener accepted (passive open)

    // Named from the facts above (complete_model).
    Exposure exposure = Exposure::Address;
    bool dual_stack = false;       // IPv6 :: without IPV6_V6ONLY: IPv4 too
    std::string_view transport;    // tcp, udp, ...
    std::string_view family_name;  // ipv4 / ipv6
    std::string_view service;      // /etc/services name of (port, transport), or empty
};

// Names a process chose (comm, executable, cgroup, arguments): whether each
// was valid UTF-8.  Invalid ones are written repaired, with the original
// bytes kept beside them (base64).
struct TaskTextChecks {
    bool comm_invalid = false;
    bool parent_comm_invalid = false;
    bool exe_invalid = false;
    bool cgroup_name_invalid = false;
    bool args_invalid = false;
};

// Who did it: captured in the kernel at event time (a ring-buffer event, or
// one replayed from a record file), or read from /proc (the snapshot).  The
// texts have the sizes the kernel captures, NUL padded.
struct TaskModel {
    TaskModel() { std::memset(texts_start(), 0, texts_size); }
    // The kernel's capture, as it is (the texts written once, not zeroed first).
    explicit TaskModel(const tl_task &captured);
    // Back in the kernel's layout (for a kernel map).
    tl_task kernel_record() const;

    std::uint64_t start_ns = 0;        // CLOCK_MONOTONIC ns (the kernel's task start_time)
    std::uint64_t parent_start_ns = 0;
    std::uint64_t cgroup_id = 0;       // cgroup v2 id
    std::uint32_t pid = 0;             // 0: no process (a socket nobody visible holds)
    std::uint32_t tid = 0;
    std::uint32_t ppid = 0;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::uint32_t loginuid = 0;        // (u32)-1 when unset
    std::uint32_t sessionid = 0;
    std::uint32_t pidns = 0;
    std::uint32_t mntns = 0;
    std::uint16_t args_len = 0;        // bytes of args in use, at most TL_ARGS_LEN
    std::uint16_t flags = 0;           // enum tl_task_flag
    char comm[TL_COMM_LEN];
    char parent_comm[TL_COMM_LEN];
    char exe[TL_EXE_LEN];              // basename of the executable
    char cgroup_name[TL_CGROUP_NAME_LEN]; // leaf of the v2 cgroup
    char args[TL_ARGS_LEN];            // NUL separated

    TaskTextChecks checks; // complete_model

private:
    static constexpr std::size_t texts_size = TL_COMM_LEN * 2 + TL_EXE_LEN + TL_CGROUP_NAME_LEN + TL_ARGS_LEN;
    char *texts_start() { return reinterpret_cast<char *>(this) + offsetof(TaskModel, comm); }
};

// The texts lie one after the other: comm, parent_comm, exe, cgroup_name,
// then args, as in the kernel's tl_task.  Whole-region views let a check, a
// copy or a comparison be one pass instead of one per field.
static_assert(offsetof(TaskModel, parent_comm) == offsetof(TaskModel, comm) + TL_COMM_LEN &&
                  offsetof(TaskModel, exe) == offsetof(TaskModel, parent_comm) + TL_COMM_LEN &&
                  offsetof(TaskModel, cgroup_name) == offsetof(TaskModel, exe) + TL_EXE_LEN &&
                  offsetof(TaskModel, args) == offsetof(TaskModel, cgroup_name) + TL_CGROUP_NAME_LEN,
              "the text fields of TaskModel moved: use them one by one");
static_assert(offsetof(tl_task, parent_comm) == offsetof(tl_task, comm) + TL_COMM_LEN &&
                  offsetof(tl_task, exe) == offsetof(tl_task, parent_comm) + TL_COMM_LEN &&
                  offsetof(tl_task, cgroup_name) == offsetof(tl_task, exe) + TL_EXE_LEN &&
                  offsetof(tl_task, args) == offsetof(tl_task, cgroup_name) + TL_CGROUP_NAME_LEN,
              "the text fields of tl_task moved: copy them one by one");
// comm to the end of cgroup_name (fixed size).
inline std::string_view task_names(const TaskModel &t)
{
    return {t.comm, offsetof(TaskModel, args) - offsetof(TaskModel, comm)};
}
// The arguments, NUL separated: args_len bytes, at most TL_ARGS_LEN (a
// crafted or damaged record may say more).
inline std::string_view task_args(const TaskModel &t)
{
    return {t.args, t.args_len > TL_ARGS_LEN ? std::size_t{TL_ARGS_LEN} : std::size_t{t.args_len}};
}
// The names and the arguments.
inline std::string_view task_texts(const TaskModel &t)
{
    return {t.comm, task_names(t).size() + task_args(t).size()};
}

// What happened, to which socket, by whom.
struct EventModel {
    EventModel() = default;
    explicit EventModel(const tl_task &captured) : task(captured) {}

    std::uint64_t ts_ns = 0;       // CLOCK_MONOTONIC ns: the kernel's clock
    std::int32_t error = 0;        // 0: it worked; else the errno it failed with
    std::uint64_t lifetime_ns = 0; // close: time spent in LISTEN, when lifetime_known
    bool lifetime_known = false;
    bool priority = false;         // came through the priority ring buffer
    std::uint16_t hook_id = 0;     // enum tl_hook; 0: no kernel hook (the snapshot)
    std::uint8_t via_id = 0;       // enum tl_via
    SocketModel socket;
    TaskModel task;

    // Named from the facts (complete_model).
    bool complete = false;         // false: facts set by hand (tests); named on use (model_of)
    std::string_view hook;         // which kernel hook saw it
    std::string_view via;          // syscall / io_uring / kernel, or empty
};

// Works out the names from the facts (exposure, dual stack, transport,
// family, service, hook, via, text checks); again after a fact changed.
void complete_model(EventModel &model);

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

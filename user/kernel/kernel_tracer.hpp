// Loads the kernel programs, picks the best hooks this kernel offers and
// owns every libbpf object behind them.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernel/hook_probe.hpp"
#include "trace_listen/event.h"

struct trace_listen_bpf;
struct tl_task;
struct bpf_link;

namespace tl {

enum class BindHook { Auto, Fexit, Kprobe, SyscallTracepoint };
enum class StateHook { Auto, TpBtf, RawTp, Tracepoint };
// io_uring's submit/complete tracepoints (IORING_OP_BIND/LISTEN, issue 10).
enum class UringHook { TpBtf, RawTp, None };

// In-kernel filters and settings, fixed before load.
// A hook of a job (BindHook, StateHook, UringHook) and its programs' family.
template <typename Hook> struct Choice {
    Hook hook;
    HookFamily family;
};

struct KernelSettings {
    bool bind = true;
    bool listen = true;
    bool close = true;
    bool state_changes = false;
    bool capture_args = true;
    std::uint32_t pid = 0;
    std::uint32_t netns = 0;
    std::uint64_t cgroup_id = 0;
    std::uint16_t family = 0;   // AF_INET / AF_INET6 / 0
    std::uint16_t protocol = 0; // IPPROTO_TCP / IPPROTO_UDP / 0
    std::vector<std::uint16_t> ports;
    std::uint32_t ringbuf_bytes = 4u << 20;
    std::uint32_t wakeup_batch = 0; // records per reader wake-up; 0: wake for each
    std::uint32_t pending_map_entries = 0; // bind/listen calls in flight; 0: default (tests)
    BindHook bind_hook = BindHook::Auto;
    StateHook state_hook = StateHook::Auto;
};

struct ActiveHooks {
    BindHook bind = BindHook::SyscallTracepoint;
    StateHook state = StateHook::TpBtf;
    UringHook uring = UringHook::None;
    bool cookies_at_create = false; // cgroup/sock_create gives sockets cookies
    bool tracefs_mounted_by_us = false;
    std::string describe() const;   // one line: what is active, what it misses
};

std::string_view bind_hook_name(BindHook hook);
std::string_view state_hook_name(StateHook hook);
std::string_view uring_hook_name(UringHook hook);

struct LinkDeleter {
    void operator()(bpf_link *link) const;
};
using LinkPtr = std::unique_ptr<bpf_link, LinkDeleter>;

// Bits of inet_sock::inet_flags (v6.6+); the defaults are v6.6's values,
// used where the kernel has no such enum (it then has bit-fields instead).
struct InetFlagBits {
    std::uint32_t freebind = 11, transparent = 15, bind_address_no_port = 18;
};

// Failed reservations: per possible CPU (both buffers), and per ring class.
struct RingDrops {
    std::vector<std::uint64_t> per_cpu;
    std::array<std::uint64_t, TL_CLASS_COUNT> by_class{};
};

struct SkeletonDeleter {
    void operator()(trace_listen_bpf *skel) const;
};

class KernelTracer {
public:
    // Throws std::runtime_error naming what failed and what to do.
    explicit KernelTracer(const KernelSettings &settings);
    KernelTracer(const KernelTracer &) = delete;
    KernelTracer &operator=(const KernelTracer &) = delete;
    ~KernelTracer();

    const ActiveHooks &hooks() const { return hooks_; }
    int ringbuf_fd() const;          // routine records
    int priority_ringbuf_fd() const; // exposure-relevant records (enum tl_ring_class)
    // Stops the programs (the maps stay readable): at exit, so that what the
    // rings hold is all there will be, and is read to the end.
    void detach() { links_.clear(); }
    // Failed ring-buffer reservations so far.
    RingDrops ringbuf_drops() const;
    // Events lost because a kernel map was full (pending calls, listeners).
    std::uint64_t map_full_drops() const;
    // Makes a listener older than the tracer own the connections it accepts:
    // its owner by cookie and, given a socket fd of it, its mark on the
    // socket (copied by the kernel into each accepted socket).
    bool seed_listener_owner(std::uint64_t cookie, const tl_task &owner, int socket_fd);

private:
    // Probes one family (logged at debug level); false when refused.
    bool probe(HookFamily family);
    // The first family of `choices` that probes fine, or the forced one; throws.
    template <typename Hook, std::size_t N>
    Hook pick(const Choice<Hook> (&choices)[N], Hook forced, Hook auto_hook, const char *option);
    // Loads and attaches the chosen families' programs; throws saying why not.
    void load(const KernelSettings &settings);

    std::unique_ptr<trace_listen_bpf, SkeletonDeleter> skel_;
    std::vector<LinkPtr> links_; // declared after skel_: destroyed first
    ActiveHooks hooks_;
    int cgroup_fd_ = -1;
    InetFlagBits inet_flag_bits_;
    std::string probe_failures_; // "family: why" of every refused probe
};

} // namespace tl

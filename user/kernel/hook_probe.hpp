// Which hook families the running kernel lets us load and attach, asked with
// empty programs (bpf/hook_probe.bpf.c) on the very attach points of the real
// ones, one family at a time, before the real (slow: verifier) load.  The
// families and their programs are one table (hook_probe.cpp) of typed
// skeleton members: nothing is matched by name, nothing read from a log.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct bpf_program;
struct trace_listen_bpf;

namespace tl {

// Programs doing one job through one kind of kernel hook; per job, exactly
// one family is loaded.
enum class HookFamily {
    Fexit,              // bind/listen
    Kprobe,             // bind/listen
    SyscallTracepoints, // bind/listen (needs tracefs)
    StateTpBtf,         // TCP state changes
    StateRawTp,
    StateTracepoint,    // (needs tracefs)
    UringTpBtf,         // io_uring's bind/listen requests
    UringRawTp,
    CookieCgroupBind,   // socket cookies at bind time (cgroup/bind4, bind6)
};

std::string_view hook_family_name(HookFamily family);
bool hook_family_needs_tracefs(HookFamily family);

// The real programs of `family` in the trace_listen skeleton.
std::vector<bpf_program *> family_programs(const trace_listen_bpf &skel, HookFamily family);

struct ProbeResult {
    bool works = false;
    std::string detail; // when refused: which step, which program, the errno
};

// Loads and attaches `family`'s empty probe programs (alone), then drops
// them.  The cookie family is attached to `cgroup_fd` (the cgroup v2 root).
// Tracepoint families need tracefs mounted first.
ProbeResult probe_hook_family(HookFamily family, int cgroup_fd);

// Per-program verifier logs for one load: libbpf fills a program's buffer
// only when that program failed (it retries with logging on), so after a
// failed load the program with a log is the one the kernel rejected.
class ProgramLogs {
public:
    explicit ProgramLogs(std::span<bpf_program *const> programs);
    ProgramLogs(const ProgramLogs &) = delete;
    ProgramLogs &operator=(const ProgramLogs &) = delete;
    // The rejected program, or nullptr when no program got that far.
    bpf_program *rejected() const;
    std::string log_of(const bpf_program *program) const;

private:
    static constexpr std::size_t log_size = 1u << 20;
    std::vector<bpf_program *> programs_;
    std::vector<std::unique_ptr<char[]>> logs_;
};

// A kprobe PMU or tracefs kprobe_events exists (CONFIG_KPROBE_EVENTS).
bool kernel_has_kprobes();

} // namespace tl

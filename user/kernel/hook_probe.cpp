#include "kernel/hook_probe.hpp"

#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "hook_probe.skel.h"
#include "trace_listen.skel.h"

namespace tl {

namespace {

// One row per family: its empty probes and its real programs, as typed
// skeleton members (a program renamed in bpf/ fails to compile here).
struct FamilyRow {
    HookFamily family;
    std::string_view name;
    bool needs_tracefs;
    std::vector<bpf_program *> (*probes)(const hook_probe_bpf &);
    std::vector<bpf_program *> (*programs)(const trace_listen_bpf &);
};

// clang-format off
const FamilyRow family_table[] = {
    {HookFamily::Fexit, "fexit", false,
     [](const hook_probe_bpf &p) { return std::vector{p.progs.probe_fexit_inet_bind, p.progs.probe_fexit_inet6_bind,
                                                      p.progs.probe_fentry_inet_listen, p.progs.probe_fexit_inet_listen}; },
     [](const trace_listen_bpf &s) { return std::vector{s.progs.fexit_inet_bind, s.progs.fexit_inet6_bind,
                                                        s.progs.fentry_inet_listen, s.progs.fexit_inet_listen}; }},
    {HookFamily::Kprobe, "kprobe", false,
     [](const hook_probe_bpf &p) { return std::vector{p.progs.probe_kprobe_inet_bind, p.progs.probe_kprobe_inet6_bind,
                                                      p.progs.probe_kretprobe_inet_bind, p.progs.probe_kretprobe_inet6_bind,
                                                      p.progs.probe_kprobe_inet_listen, p.progs.probe_kretprobe_inet_listen}; },
     [](const trace_listen_bpf &s) { return std::vector{s.progs.kprobe_inet_bind, s.progs.kprobe_inet6_bind,
                                                        s.progs.kretprobe_inet_bind, s.progs.kretprobe_inet6_bind,
                                                        s.progs.kprobe_inet_listen, s.progs.kretprobe_inet_listen}; }},
    {HookFamily::SyscallTracepoints, "syscall-tracepoints", true,
     [](const hook_probe_bpf &p) { return std::vector{p.progs.probe_tp_sys_enter_bind, p.progs.probe_tp_sys_exit_bind,
                                                      p.progs.probe_tp_sys_enter_listen, p.progs.probe_tp_sys_exit_listen}; },
     [](const trace_listen_bpf &s) { return std::vector{s.progs.tp_sys_enter_bind, s.progs.tp_sys_exit_bind,
                                                        s.progs.tp_sys_enter_listen, s.progs.tp_sys_exit_listen}; }},
    {HookFamily::StateTpBtf, "tcp-state tp_btf", false,
     [](const hook_probe_bpf &p) { return std::vector{p.progs.probe_tp_btf_state}; },
     [](const trace_listen_bpf &s) { return std::vector{s.progs.tp_btf_state}; }},
    {HookFamily::StateRawTp, "tcp-state raw_tp", false,
     [](const hook_probe_bpf &p) { return std::vector{p.progs.probe_raw_tp_state}; },
     [](const trace_listen_bpf &s) { return std::vector{s.progs.raw_tp_state}; }},
    {HookFamily::StateTracepoint, "tcp-state tracepoint", true,
     [](const hook_probe_bpf &p) { return std::vector{p.progs.probe_tp_state}; },
     [](const trace_listen_bpf &s) { return std::vector{s.progs.tp_state}; }},
    {HookFamily::UringTpBtf, "io_uring tp_btf", false,
     [](const hook_probe_bpf &p) { return std::vector{p.progs.probe_tp_btf_uring_submit, p.progs.probe_tp_btf_uring_complete}; },
     [](const trace_listen_bpf &s) { return std::vector{s.progs.tp_btf_uring_submit, s.progs.tp_btf_uring_complete}; }},
    {HookFamily::UringRawTp, "io_uring raw_tp", false,
     [](const hook_probe_bpf &p) { return std::vector{p.progs.probe_raw_tp_uring_submit, p.progs.probe_raw_tp_uring_complete}; },
     [](const trace_listen_bpf &s) { return std::vector{s.progs.raw_tp_uring_submit, s.progs.raw_tp_uring_complete}; }},
    {HookFamily::CookieCgroupBind, "cookies cgroup/bind", false,
     [](const hook_probe_bpf &p) { return std::vector{p.progs.probe_cookie_bind4, p.progs.probe_cookie_bind6}; },
     [](const trace_listen_bpf &s) { return std::vector{s.progs.cookie_bind4, s.progs.cookie_bind6}; }},
};
// clang-format on

const FamilyRow &row(HookFamily family)
{
    for (const auto &r : family_table)
        if (r.family == family)
            return r;
    std::abort(); // every enumerator has a row
}

struct ProbeSkeletonDeleter {
    void operator()(hook_probe_bpf *skel) const { hook_probe_bpf__destroy(skel); }
};

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

} // namespace

std::string_view hook_family_name(HookFamily family) { return row(family).name; }
bool hook_family_needs_tracefs(HookFamily family) { return row(family).needs_tracefs; }

std::vector<bpf_program *> family_programs(const trace_listen_bpf &skel, HookFamily family)
{
    return row(family).programs(skel);
}

ProbeResult probe_hook_family(HookFamily family, int cgroup_fd)
{
    std::unique_ptr<hook_probe_bpf, ProbeSkeletonDeleter> skel(hook_probe_bpf__open());
    if (!skel)
        return {false, "open: " + errno_text(errno)};
    const auto probes = row(family).probes(*skel);
    bpf_program *prog;
    bpf_object__for_each_program(prog, skel->obj)
        bpf_program__set_autoload(prog, false);
    for (auto *p : probes)
        bpf_program__set_autoload(p, true);
    ProgramLogs logs(probes);
    if (int err = hook_probe_bpf__load(skel.get()); err) {
        const bpf_program *refused = logs.rejected();
        return {false, "load" + (refused ? " " + std::string(bpf_program__section_name(refused)) : "") +
                           ": " + errno_text(err)};
    }
    // Loading is not attaching: trampolines and kprobes can still be refused.
    for (auto *p : probes) {
        bpf_link *link = family == HookFamily::CookieCgroupBind
                             ? (cgroup_fd >= 0 ? bpf_program__attach_cgroup(p, cgroup_fd) : nullptr)
                             : bpf_program__attach(p);
        if (!link)
            return {false, "attach " + std::string(bpf_program__section_name(p)) + ": " +
                               (cgroup_fd < 0 && family == HookFamily::CookieCgroupBind
                                    ? std::string("no cgroup v2 hierarchy")
                                    : errno_text(errno))};
        bpf_link__destroy(link);
    }
    return {true, {}};
}

ProgramLogs::ProgramLogs(std::span<bpf_program *const> programs)
    : programs_(programs.begin(), programs.end())
{
    // The verifier's log of a rejected program ends with the reason, and a
    // kernel before 6.4 keeps only the start of a log too long for its
    // buffer: 1 MiB each, of which only what the kernel writes is touched.
    for (auto *p : programs_) {
        auto &log = logs_.emplace_back(std::make_unique_for_overwrite<char[]>(log_size));
        log[0] = '\0';
        bpf_program__set_log_buf(p, log.get(), log_size);
    }
}

bpf_program *ProgramLogs::rejected() const
{
    for (std::size_t i = 0; i < programs_.size(); ++i)
        if (logs_[i][0] != '\0')
            return programs_[i];
    return nullptr;
}

std::string ProgramLogs::log_of(const bpf_program *program) const
{
    for (std::size_t i = 0; i < programs_.size(); ++i)
        if (programs_[i] == program)
            return std::string(logs_[i].get(), strnlen(logs_[i].get(), log_size));
    return {};
}

bool kernel_has_kprobes()
{
    return access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0 ||
           access("/sys/kernel/tracing/kprobe_events", W_OK) == 0 ||
           access("/sys/kernel/debug/tracing/kprobe_events", W_OK) == 0;
}

} // namespace tl

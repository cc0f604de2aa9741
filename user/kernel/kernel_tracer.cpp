#include "kernel/kernel_tracer.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "kernel/hook_probe.hpp"
#include "host/kernel_mounts.hpp"
#include "trace_listen/event.h"
#include "trace_listen.skel.h"

namespace tl {

namespace {

// Per job, the families in order of preference (fastest, most complete first).
const Choice<BindHook> bind_choices[] = {{BindHook::Fexit, HookFamily::Fexit},
                                         {BindHook::Kprobe, HookFamily::Kprobe},
                                         {BindHook::SyscallTracepoint, HookFamily::SyscallTracepoints}};
const Choice<StateHook> state_choices[] = {{StateHook::TpBtf, HookFamily::StateTpBtf},
                                           {StateHook::RawTp, HookFamily::StateRawTp},
                                           {StateHook::Tracepoint, HookFamily::StateTracepoint}};
const Choice<UringHook> uring_choices[] = {{UringHook::TpBtf, HookFamily::UringTpBtf},
                                           {UringHook::RawTp, HookFamily::UringRawTp}};

// The priority ring buffer: an eighth of the routine one, 256 KiB to 1 MiB
// (a power of two, as the routine size is).  256 KiB holds about 390 events:
// what exposed listeners make while a flood keeps the reader off the CPU
// (measured under QEMU, where 64 KiB lost 40 of 150 to a starved reader).
std::uint32_t priority_ringbuf_bytes(std::uint32_t routine_bytes)
{
    const std::uint32_t page = static_cast<std::uint32_t>(sysconf(_SC_PAGESIZE));
    return std::clamp<std::uint32_t>(routine_bytes / 8, std::max<std::uint32_t>(page, 256u << 10),
                                     1u << 20);
}

int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    int size = vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    std::string line(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
    vsnprintf(line.data(), line.size() + 1, fmt, args);
    while (!line.empty() && line.back() == '\n')
        line.pop_back();
    // Probes of families the kernel refuses fail on purpose: debug detail.
    if (level == LIBBPF_DEBUG)
        spdlog::trace("libbpf: {}", line);
    else
        spdlog::debug("libbpf: {}", line);
    return 0;
}

// The end of a verifier log: where it says why (the whole is at debug level).
std::string last_lines(const std::string &text, std::size_t count)
{
    std::size_t pos = text.size();
    while (pos > 0 && text[pos - 1] == '\n')
        --pos;
    for (std::size_t n = 0; n < count && pos != std::string::npos && pos > 0; ++n)
        pos = text.rfind('\n', pos - 1);
    return pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
}

// Bit numbers of the anonymous INET_FLAGS_* enum, from the running kernel.
InetFlagBits read_inet_flag_bits(const btf *btf)
{
    InetFlagBits bits;
    if (!btf)
        return bits;
    const std::pair<const char *, std::uint32_t *> wanted[] = {
        {"INET_FLAGS_FREEBIND", &bits.freebind},
        {"INET_FLAGS_TRANSPARENT", &bits.transparent},
        {"INET_FLAGS_BIND_ADDRESS_NO_PORT", &bits.bind_address_no_port},
    };
    for (__u32 id = 1, n = btf__type_cnt(btf); id < n; ++id) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        if (!btf_is_enum(t) || t->name_off != 0)
            continue;
        const struct btf_enum *e = btf_enum(t);
        for (__u16 i = 0; i < btf_vlen(t); ++i, ++e) {
            const char *name = btf__name_by_offset(btf, e->name_off);
            for (auto &[want, slot] : wanted)
                if (std::strcmp(name, want) == 0)
                    *slot = static_cast<__u32>(e->val);
        }
    }
    return bits;
}

// The oldest kernel supported is 5.11 (README "Oldest kernel"): say which
// of its features this one lacks instead of failing in the verifier later.
// Probed rather than read from the version: distributions backport.
void require_kernel_floor(const btf *vmlinux)
{
    std::string missing;
    if (!vmlinux)
        missing = "kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)";
    else if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) != 1)
        missing = "the BPF ring buffer (Linux 5.8)";
    else if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_get_current_task_btf,
                                     nullptr) != 1)
        missing = "bpf_get_current_task_btf() (Linux 5.11)";
    if (missing.empty())
        return;
    utsname u{};
    uname(&u);
    throw std::runtime_error("trace-listen needs Linux 5.11 or newer with BTF; this kernel (" +
                             std::string(u.release) + ") lacks " + missing);
}

} // namespace

void LinkDeleter::operator()(bpf_link *link) const { bpf_link__destroy(link); }
void SkeletonDeleter::operator()(trace_listen_bpf *skel) const { trace_listen_bpf__destroy(skel); }

std::string_view bind_hook_name(BindHook hook)
{
    switch (hook) {
    case BindHook::Fexit: return "fexit";
    case BindHook::Kprobe: return "kprobe";
    case BindHook::SyscallTracepoint: return "syscall-tracepoints";
    default: return "auto";
    }
}

std::string_view state_hook_name(StateHook hook)
{
    switch (hook) {
    case StateHook::TpBtf: return "tp_btf";
    case StateHook::RawTp: return "raw_tp";
    case StateHook::Tracepoint: return "tracepoint";
    default: return "auto";
    }
}

std::string_view uring_hook_name(UringHook hook)
{
    switch (hook) {
    case UringHook::TpBtf: return "tp_btf";
    case UringHook::RawTp: return "raw_tp";
    default: return "none";
    }
}

std::string ActiveHooks::describe() const
{
    std::string s = "hooks: bind/listen=" + std::string(bind_hook_name(bind)) +
                    " tcp-state=" + std::string(state_hook_name(state)) +
                    " io_uring=" + std::string(uring_hook_name(uring)) +
                    " cookies=" + (cookies_at_create ? "cgroup/bind" : "read-only");
    std::vector<std::string> blind;
    // Listens made any other way reach the TCP state tracepoint (via=kernel);
    // binds have no such catch-all.
    if (bind == BindHook::SyscallTracepoint) {
        blind.emplace_back("binds made inside the kernel");
        if (uring == UringHook::None)
            blind.emplace_back("io_uring binds (its listens show as via=kernel)");
    }
    if (!cookies_at_create)
        blind.emplace_back("cookies of sockets never listened on (bind may show cookie 0)");
    if (state != StateHook::TpBtf)
        blind.emplace_back("owners of accepted connections (state changes in softirq say "
                           "only what the socket knows)");
    if (state != StateHook::TpBtf)
        blind.emplace_back("cookies of sockets created before start");
    if (!blind.empty()) {
        s += "; cannot see: ";
        for (std::size_t i = 0; i < blind.size(); ++i)
            s += (i ? "; " : "") + blind[i];
    }
    if (tracefs_mounted_by_us)
        s += "; mounted tracefs at /sys/kernel/tracing";
    return s;
}

KernelTracer::KernelTracer(const KernelSettings &settings)
{
    libbpf_set_print(libbpf_log);
    {
        // Freed before the load, in which libbpf parses the BTF again:
        // two parsed copies at once would double the start-up memory peak.
        std::unique_ptr<btf, void (*)(btf *)> vmlinux(btf__load_vmlinux_btf(), btf__free);
        require_kernel_floor(vmlinux.get());
        inet_flag_bits_ = read_inet_flag_bits(vmlinux.get());
    }
    if (std::string root = cgroup2_root(); !root.empty())
        cgroup_fd_ = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    // Probe first, one family at a time and only as far as needed: the real
    // load then verifies the chosen families only.
    hooks_.bind = pick(bind_choices, settings.bind_hook, BindHook::Auto, "--bind-hook");
    hooks_.state = pick(state_choices, settings.state_hook, StateHook::Auto, "--state-hook");
    hooks_.uring = UringHook::None;
    for (const auto &c : uring_choices)
        if (probe(c.family)) {
            hooks_.uring = c.hook;
            break;
        }
    hooks_.cookies_at_create = probe(HookFamily::CookieCgroupBind);
    load(settings);
}

KernelTracer::~KernelTracer()
{
    detach();
    skel_.reset();
    if (cgroup_fd_ >= 0)
        close(cgroup_fd_);
}

bool KernelTracer::probe(HookFamily family)
{
    // Classic tracepoints look their ids up in tracefs; this throws, saying
    // why, when tracefs is there but unreadable to this process.
    if (hook_family_needs_tracefs(family) && ensure_tracefs_mounted())
        hooks_.tracefs_mounted_by_us = true;
    ProbeResult result = probe_hook_family(family, cgroup_fd_);
    spdlog::debug("probed: {}={}{}", hook_family_name(family), result.works ? "works" : "refused",
                  result.works ? "" : " (" + result.detail + ")");
    if (!result.works)
        probe_failures_ += (probe_failures_.empty() ? "" : "; ") + std::string(hook_family_name(family)) +
                           ": " + result.detail;
    return result.works;
}

template <typename Hook, std::size_t N>
Hook KernelTracer::pick(const Choice<Hook> (&choices)[N], Hook forced, Hook auto_hook,
                        const char *option)
{
    for (const auto &c : choices) {
        if (forced != auto_hook && c.hook != forced)
            continue;
        if (probe(c.family))
            return c.hook;
        if (forced != auto_hook)
            throw std::runtime_error(std::string("the forced hook does not work on this kernel (") +
                                     option + " " + std::string(hook_family_name(c.family)) +
                                     ": " + probe_failures_.substr(probe_failures_.rfind(": ") + 2) +
                                     "); use --bind-hook auto / --state-hook auto");
    }
    throw std::runtime_error(
        std::string("this kernel offers none of the hooks of ") + option + " (" + probe_failures_ +
        "); run with --log-level debug for libbpf's messages, and check that the kernel has BTF "
        "(/sys/kernel/btf/vmlinux) and that you have CAP_BPF and CAP_PERFMON");
}

void KernelTracer::load(const KernelSettings &s)
{
    skel_.reset(trace_listen_bpf__open());
    if (!skel_)
        throw std::runtime_error("could not open the BPF object: " + std::string(std::strerror(errno)));
    auto *ro = skel_->rodata;
    ro->trace_bind = s.bind;
    ro->trace_listen = s.listen;
    ro->trace_close = s.close;
    ro->trace_state = s.state_changes;
    ro->capture_args = s.capture_args;
    ro->filter_pid = s.pid;
    ro->filter_netns = s.netns;
    ro->filter_cgroup = s.cgroup_id;
    ro->filter_family = s.family;
    ro->filter_protocol = s.protocol;
    ro->filter_nports = static_cast<__u32>(std::min<std::size_t>(s.ports.size(), TL_MAX_FILTER_PORTS));
    for (std::size_t i = 0; i < ro->filter_nports; ++i)
        ro->filter_ports[i] = s.ports[i];
    ro->inet_flags_freebind_bit = inet_flag_bits_.freebind;
    ro->inet_flags_transparent_bit = inet_flag_bits_.transparent;
    ro->inet_flags_bind_address_no_port_bit = inet_flag_bits_.bind_address_no_port;
    bpf_map__set_max_entries(skel_->maps.events, s.ringbuf_bytes);
    if (s.pending_map_entries) {
        bpf_map__set_max_entries(skel_->maps.pending_bind, s.pending_map_entries);
        bpf_map__set_max_entries(skel_->maps.pending_listen, s.pending_map_entries);
        // Sized for a test of those maps: the syscall hooks stash at entry
        // too, as on kernels without bpf_task_pt_regs (issue 9).
        ro->syscall_args_at_exit = false;
    }
    bpf_map__set_max_entries(skel_->maps.priority_events, priority_ringbuf_bytes(s.ringbuf_bytes));
    // fexit and kprobes on inet_* already report io_uring's calls.
    ro->uring_emits = hooks_.bind == BindHook::SyscallTracepoint;
    // A batch larger than half the buffer would only ever wake on overflow.
    ro->wakeup_batch_bytes = std::min<std::uint64_t>(
        std::uint64_t{s.wakeup_batch} * (sizeof(tl_event) + 8), s.ringbuf_bytes / 2);

    auto family_of = [](const auto &choices, auto hook) {
        for (const auto &c : choices)
            if (c.hook == hook)
                return c.family;
        throw std::logic_error("a hook without a family");
    };
    std::vector<HookFamily> families = {family_of(bind_choices, hooks_.bind),
                                        family_of(state_choices, hooks_.state)};
    if (hooks_.uring != UringHook::None)
        families.push_back(family_of(uring_choices, hooks_.uring));
    if (hooks_.cookies_at_create)
        families.push_back(HookFamily::CookieCgroupBind);

    bpf_program *prog;
    bpf_object__for_each_program(prog, skel_->obj)
        bpf_program__set_autoload(prog, false);
    std::vector<bpf_program *> programs;
    std::vector<HookFamily> program_family;
    for (HookFamily f : families)
        for (bpf_program *p : family_programs(*skel_, f)) {
            bpf_program__set_autoload(p, true);
            programs.push_back(p);
            program_family.push_back(f);
        }

    ProgramLogs logs(programs);
    if (int err = trace_listen_bpf__load(skel_.get()); err) {
        const bpf_program *rejected = logs.rejected();
        if (!rejected)
            throw std::runtime_error("could not load the kernel programs (" +
                                     std::string(std::strerror(-err)) +
                                     "); run with --log-level debug for libbpf's messages");
        std::size_t i = std::find(programs.begin(), programs.end(), rejected) - programs.begin();
        std::string log = logs.log_of(rejected);
        spdlog::debug("verifier log of {}:\n{}", bpf_program__name(rejected), log);
        // Its family's probe loaded and attached here: a real program of it
        // that the verifier rejects is a bug in trace-listen, not a missing
        // feature, so say so with the verifier's words instead of falling back.
        throw std::runtime_error(
            "the kernel accepts " + std::string(hook_family_name(program_family[i])) +
            " programs (probed), but the verifier rejected " + bpf_program__name(rejected) + " (" +
            std::strerror(-err) + "): this is a trace-listen bug, please report it with this "
            "message; another --bind-hook / --state-hook works around it. Verifier log (end; "
            "--log-level debug shows all):\n" + last_lines(log, 40));
    }

    for (std::size_t i = 0; i < programs.size(); ++i) {
        bpf_program *p = programs[i];
        bool cookie = program_family[i] == HookFamily::CookieCgroupBind;
        bpf_link *link = cookie ? bpf_program__attach_cgroup(p, cgroup_fd_) : bpf_program__attach(p);
        if (!link)
            throw std::runtime_error(std::string("attaching ") + bpf_program__name(p) + " failed (" +
                                     std::strerror(errno) + ") although its family's probe attached "
                                     "here; another --bind-hook / --state-hook may work");
        links_.emplace_back(link);
    }
}

int KernelTracer::ringbuf_fd() const { return bpf_map__fd(skel_->maps.events); }
int KernelTracer::priority_ringbuf_fd() const { return bpf_map__fd(skel_->maps.priority_events); }

namespace {

std::vector<std::uint64_t> per_cpu_counter(const bpf_map *map, __u32 key)
{
    int ncpu = libbpf_num_possible_cpus();
    std::vector<std::uint64_t> per_cpu(ncpu > 0 ? ncpu : 1, 0);
    bpf_map__lookup_elem(map, &key, sizeof key, per_cpu.data(),
                         per_cpu.size() * sizeof(std::uint64_t), 0);
    return per_cpu;
}

} // namespace

std::uint64_t KernelTracer::map_full_drops() const
{
    auto per_cpu = per_cpu_counter(skel_->maps.ringbuf_drops, TL_CLASS_COUNT); // TL_DROP_MAP_FULL
    std::uint64_t total = 0;
    for (auto n : per_cpu)
        total += n;
    return total;
}

bool KernelTracer::seed_listener_owner(std::uint64_t cookie, const tl_task &owner, int socket_fd)
{
    if (bpf_map__update_elem(skel_->maps.listener_owners, &cookie, sizeof cookie, &owner,
                             TL_TASK_OWNER_SIZE, BPF_ANY) != 0)
        return false;
    // Socket storage is keyed by a socket fd of the caller.
    if (socket_fd >= 0 && hooks_.state == StateHook::TpBtf &&
        bpf_map__update_elem(skel_->maps.sk_listener, &socket_fd, sizeof socket_fd, &cookie,
                             sizeof cookie, BPF_ANY) != 0)
        return false;
    return true;
}

RingDrops KernelTracer::ringbuf_drops() const
{
    int ncpu = libbpf_num_possible_cpus();
    RingDrops drops;
    drops.per_cpu.assign(ncpu > 0 ? ncpu : 1, 0);
    std::vector<std::uint64_t> one_class(drops.per_cpu.size());
    for (__u32 key = 0; key < TL_CLASS_COUNT; ++key) {
        std::fill(one_class.begin(), one_class.end(), 0);
        bpf_map__lookup_elem(skel_->maps.ringbuf_drops, &key, sizeof key, one_class.data(),
                             one_class.size() * sizeof(std::uint64_t), 0);
        for (std::size_t cpu = 0; cpu < one_class.size(); ++cpu) {
            drops.per_cpu[cpu] += one_class[cpu];
            drops.by_class[key] += one_class[cpu];
        }
    }
    return drops;
}

} // namespace tl

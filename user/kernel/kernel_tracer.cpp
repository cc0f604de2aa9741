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
#include <mutex>
#include <regex>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "kernel/hook_probe.hpp"
#include "host/kernel_mounts.hpp"
#include "trace_listen/event.h"
#include "trace_listen.skel.h"

namespace tl {

namespace {

// Programs doing one job on different hooks; exactly one set per job loads.
const std::vector<std::string> &bind_programs(BindHook hook)
{
    static const std::vector<std::string> fexit{"fexit_inet_bind", "fexit_inet6_bind",
                                                "fentry_inet_listen", "fexit_inet_listen"};
    static const std::vector<std::string> kprobe{
        "kprobe_inet_bind",   "kprobe_inet6_bind",  "kretprobe_inet_bind",
        "kretprobe_inet6_bind", "kprobe_inet_listen", "kretprobe_inet_listen"};
    static const std::vector<std::string> syscall{"tp_sys_enter_bind", "tp_sys_exit_bind",
                                                  "tp_sys_enter_listen", "tp_sys_exit_listen"};
    switch (hook) {
    case BindHook::Fexit: return fexit;
    case BindHook::Kprobe: return kprobe;
    default: return syscall;
    }
}

std::string state_program(StateHook hook)
{
    switch (hook) {
    case StateHook::TpBtf: return "tp_btf_state";
    case StateHook::RawTp: return "raw_tp_state";
    default: return "tp_state";
    }
}

bool is_cookie_program(const std::string &name)
{
    return name == "cookie_bind4" || name == "cookie_bind6";
}
// io_uring's bind/listen requests: reported from its tracepoints where the
// syscall tracepoints are the bind/listen hooks, else only marked as io_uring.
const std::vector<std::string> &uring_programs(UringHook hook)
{
    static const std::vector<std::string> tp_btf{"tp_btf_uring_submit", "tp_btf_uring_complete"};
    static const std::vector<std::string> raw_tp{"raw_tp_uring_submit", "raw_tp_uring_complete"};
    static const std::vector<std::string> none;
    switch (hook) {
    case UringHook::TpBtf: return tp_btf;
    case UringHook::RawTp: return raw_tp;
    default: return none;
    }
}

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

// libbpf reports which program failed only in its log; keep the last name.
std::mutex log_mutex;
std::string last_failed_program;
std::string verifier_log; // the last "-- BEGIN PROG LOAD LOG --" block
bool in_verifier_log = false;

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
    static const std::regex failed_prog("prog '([^']+)': failed to");
    std::smatch m;
    if (std::regex_search(line, m, failed_prog)) {
        std::lock_guard lock(log_mutex);
        last_failed_program = m[1].str();
    }
    {
        std::lock_guard lock(log_mutex);
        if (line.find("-- BEGIN PROG LOAD LOG --") != std::string::npos) {
            in_verifier_log = true;
            verifier_log.clear();
        } else if (line.find("-- END PROG LOAD LOG --") != std::string::npos) {
            in_verifier_log = false;
        } else if (in_verifier_log) {
            verifier_log += line + "\n";
        }
    }
    // Fallbacks make load failures expected; they are debug detail.
    if (level == LIBBPF_DEBUG)
        spdlog::trace("libbpf: {}", line);
    else
        spdlog::debug("libbpf: {}", line);
    return 0;
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

bool wants_tracefs(BindHook bind, StateHook state)
{
    return bind == BindHook::SyscallTracepoint || state == StateHook::Tracepoint;
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

    // Probe first: a failed full load costs a verifier run of every program.
    std::vector<BindHook> binds;
    {
        // Freed before the load, in which libbpf parses the BTF again:
        // two parsed copies at once would double the start-up memory peak.
        std::unique_ptr<btf, void (*)(btf *)> vmlinux(btf__load_vmlinux_btf(), btf__free);
        require_kernel_floor(vmlinux.get());
        inet_flag_bits_ = read_inet_flag_bits(vmlinux.get());
        if (kernel_allows_fexit(vmlinux.get()))
            binds.push_back(BindHook::Fexit);
        else
            spdlog::debug("fexit is not available: skipping it");
    }
    if (kernel_has_kprobes())
        binds.push_back(BindHook::Kprobe);
    else
        spdlog::debug("kprobes are not available: skipping them");
    const bool fexit_probed = !binds.empty() && binds.front() == BindHook::Fexit;
    spdlog::debug("probed: fexit={} kprobe={} (syscall tracepoints and the TCP state hooks are "
                  "tried in order)",
                  fexit_probed ? "works" : "refused",
                  std::find(binds.begin(), binds.end(), BindHook::Kprobe) != binds.end()
                      ? "present" : "absent");
    binds.push_back(BindHook::SyscallTracepoint);
    std::vector<StateHook> states = {StateHook::TpBtf, StateHook::RawTp, StateHook::Tracepoint};
    const std::vector<UringHook> urings = {UringHook::TpBtf, UringHook::RawTp, UringHook::None};
    if (settings.bind_hook != BindHook::Auto)
        binds = {settings.bind_hook};
    if (settings.state_hook != StateHook::Auto)
        states = {settings.state_hook};

    std::size_t bi = 0, si = 0, ui = 0;
    bool cookies = true;
    std::string failures;
    while (bi < binds.size() && si < states.size()) {
        std::string failed;
        hooks_.cookies_at_create = cookies;
        errno = 0;
        if (try_load(settings, binds[bi], states[si], urings[ui], failed)) {
            hooks_.bind = binds[bi];
            hooks_.state = states[si];
            hooks_.uring = urings[ui];
            return;
        }
        failures += (failures.empty() ? "" : ", ") + failed +
                    (errno ? " (" + std::string(std::strerror(errno)) + ")" : "");
        const auto &bp = bind_programs(binds[bi]);
        // The probe loaded and attached an fexit program here: a real one the
        // verifier rejects is a bug in trace-listen, not a missing feature.
        // Say so, with the verifier's words, instead of quietly falling back.
        if (binds[bi] == BindHook::Fexit && fexit_probed &&
            std::find(bp.begin(), bp.end(), failed) != bp.end() && errno != EPERM) {
            std::lock_guard lock(log_mutex);
            throw std::runtime_error(
                "the kernel accepts fexit programs (probed), but the verifier rejected " + failed +
                ": this is a trace-listen bug, please report it with this message; "
                "--bind-hook kprobe or syscall works around it. Verifier log:\n" + verifier_log);
        }
        const auto &up = uring_programs(urings[ui]);
        if (std::find(up.begin(), up.end(), failed) != up.end())
            ++ui; // None loads nothing: ui stays in range
        else if (is_cookie_program(failed) && cookies)
            cookies = false;
        else if (std::find(bp.begin(), bp.end(), failed) != bp.end())
            ++bi;
        else if (failed == state_program(states[si]))
            ++si;
        else
            break;
    }
    if (settings.bind_hook != BindHook::Auto || settings.state_hook != StateHook::Auto)
        throw std::runtime_error("the forced hook does not work on this kernel (failed: " +
                                 failures + "); use --bind-hook auto / --state-hook auto");
    throw std::runtime_error(
        "could not load the kernel programs (failed: " + failures +
        "); run with --log-level debug for the verifier log, and check that the kernel has BTF "
        "(/sys/kernel/btf/vmlinux) and that you have CAP_BPF and CAP_PERFMON");
}

KernelTracer::~KernelTracer()
{
    links_.clear();
    skel_.reset();
    if (cgroup_fd_ >= 0)
        close(cgroup_fd_);
}

bool KernelTracer::try_load(const KernelSettings &s, BindHook bind, StateHook state,
                            UringHook uring, std::string &failed_program)
{
    links_.clear();
    skel_.reset(trace_listen_bpf__open());
    if (!skel_) {
        failed_program = "open: " + std::string(std::strerror(errno));
        return false;
    }
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
    ro->uring_emits = bind == BindHook::SyscallTracepoint;
    // A batch larger than half the buffer would only ever wake on overflow.
    ro->wakeup_batch_bytes = std::min<std::uint64_t>(
        std::uint64_t{s.wakeup_batch} * (sizeof(tl_event) + 8), s.ringbuf_bytes / 2);

    const auto &wanted_bind = bind_programs(bind);
    const auto &wanted_uring = uring_programs(uring);
    const std::string wanted_state = state_program(state);
    bpf_program *prog;
    bpf_object__for_each_program(prog, skel_->obj)
    {
        std::string name = bpf_program__name(prog);
        bool on = name == wanted_state ||
                  std::find(wanted_bind.begin(), wanted_bind.end(), name) != wanted_bind.end() ||
                  std::find(wanted_uring.begin(), wanted_uring.end(), name) != wanted_uring.end() ||
                  (is_cookie_program(name) && hooks_.cookies_at_create);
        bpf_program__set_autoload(prog, on);
    }

    {
        std::lock_guard lock(log_mutex);
        last_failed_program.clear();
    }
    if (int err = trace_listen_bpf__load(skel_.get()); err) {
        std::lock_guard lock(log_mutex);
        failed_program = last_failed_program.empty() ? "load: " + std::string(std::strerror(-err))
                                                     : last_failed_program;
        spdlog::debug("loading with bind={} state={} failed at {}", bind_hook_name(bind),
                      state_hook_name(state), failed_program);
        return false;
    }

    if (wants_tracefs(bind, state) && ensure_tracefs_mounted())
        hooks_.tracefs_mounted_by_us = true;

    bpf_object__for_each_program(prog, skel_->obj)
    {
        if (!bpf_program__autoload(prog))
            continue;
        std::string name = bpf_program__name(prog);
        bpf_link *link = nullptr;
        if (is_cookie_program(name)) {
            if (cgroup_fd_ < 0)
                cgroup_fd_ = open(cgroup2_root().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            link = cgroup_fd_ >= 0 ? bpf_program__attach_cgroup(prog, cgroup_fd_) : nullptr;
        } else {
            link = bpf_program__attach(prog);
        }
        if (!link) {
            failed_program = name;
            spdlog::debug("attaching {} failed: {}", name, std::strerror(errno));
            return false;
        }
        links_.emplace_back(link);
    }
    return true;
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

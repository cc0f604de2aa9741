#include "cli/build_info.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <memory>

#include <fmt/format.h>

#include "git_revision.h"
#include "kernel/hook_probe.hpp"

namespace tl {

namespace {

std::string yes_no(bool b) { return b ? "yes" : "no"; }

bool has_type(const btf *vmlinux, const char *name, int kind)
{
    return vmlinux && btf__find_by_name_kind(vmlinux, name, kind) > 0;
}

} // namespace

std::string version_report()
{
    std::string out = fmt::format("trace-listen {}\n", TRACE_LISTEN_VERSION);
    out += fmt::format("git revision: {}\n", TRACE_LISTEN_GIT_REVISION);
    out += fmt::format("libbpf: {}.{}\n", libbpf_major_version(), libbpf_minor_version());
    struct utsname u {};
    if (uname(&u) == 0)
        out += fmt::format("kernel: {} {}\n", u.release, u.machine);
    bool btf_file = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
    std::unique_ptr<btf, void (*)(btf *)> vmlinux(btf_file ? btf__load_vmlinux_btf() : nullptr,
                                                  btf__free);
    out += fmt::format("kernel BTF: {}\n", btf_file && vmlinux ? "yes (/sys/kernel/btf/vmlinux)"
                                                               : "no (CO-RE cannot work)");
    // The same probes the tracer runs before it loads, so this predicts its choice.
    bool root = geteuid() == 0;
    std::string fexit =
        root ? yes_no(probe_hook_family(HookFamily::Fexit, -1).works) : "unknown (needs root)";
    bool state_tp = has_type(vmlinux.get(), "trace_event_raw_inet_sock_set_state",
                             BTF_KIND_STRUCT);
    bool syscall_tp = has_type(vmlinux.get(), "trace_event_raw_sys_enter", BTF_KIND_STRUCT);
    // Tracepoints exist without BTF, but then there is nothing to look them up in.
    auto from_btf = [&](bool found) {
        return vmlinux ? yes_no(found) : std::string("unknown (no kernel BTF to look it up)");
    };
    out += "hooks:\n";
    out += fmt::format("  bind/listen fexit: {}\n", fexit);
    out += fmt::format("  bind/listen kprobe: {}\n", yes_no(kernel_has_kprobes()));
    out += fmt::format("  bind/listen syscall tracepoints: {}\n", from_btf(syscall_tp));
    out += fmt::format("  tcp-state tp_btf: {}\n",
                       yes_no(has_type(vmlinux.get(), "btf_trace_inet_sock_set_state",
                                       BTF_KIND_TYPEDEF)));
    out += fmt::format("  tcp-state raw_tp: {}\n", from_btf(state_tp));
    out += fmt::format("  tcp-state tracepoint: {}\n", from_btf(state_tp));
    return out;
}

} // namespace tl

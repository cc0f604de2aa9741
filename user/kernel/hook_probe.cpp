#include "kernel/hook_probe.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <unistd.h>

namespace tl {

bool kernel_allows_fexit(const btf *vmlinux)
{
    if (!vmlinux)
        return false;
    int id = btf__find_by_name_kind(vmlinux, "inet_bind", BTF_KIND_FUNC);
    if (id <= 0)
        return false;
    const bpf_insn return_zero[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT,
                .attach_btf_id = static_cast<__u32>(id));
    int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "tl_probe_fexit", "GPL", return_zero, 2, &opts);
    if (fd < 0)
        return false;
    // Loading is not attaching: a trampoline can still be refused.
    int link = bpf_link_create(fd, 0, BPF_TRACE_FEXIT, nullptr);
    bool ok = link >= 0;
    if (ok)
        close(link);
    close(fd);
    return ok;
}

bool kernel_has_kprobes()
{
    return access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0 ||
           access("/sys/kernel/tracing/kprobe_events", W_OK) == 0 ||
           access("/sys/kernel/debug/tracing/kprobe_events", W_OK) == 0;
}

} // namespace tl

#include "support/kernel_hooks.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <stdexcept>

namespace tl::test {
namespace {

const std::set<std::string> known_hooks = {"fexit", "kprobe",  "syscall",
                                           "tp_btf", "raw_tp", "tracepoint"};

// An fexit program on inet_bind loads and attaches: BPF trampolines work
// (CI's 6.18 kernel refuses them with EPERM).
bool fexit_attaches()
{
    btf *vmlinux = btf__load_vmlinux_btf();
    if (!vmlinux)
        return false;
    int id = btf__find_by_name_kind(vmlinux, "inet_bind", BTF_KIND_FUNC);
    btf__free(vmlinux);
    if (id <= 0)
        return false;
    const bpf_insn return_zero[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT,
                .attach_btf_id = static_cast<__u32>(id));
    int prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "tl_test_fexit", "GPL", return_zero, 2, &opts);
    if (prog < 0)
        return false;
    int link = bpf_link_create(prog, 0, BPF_TRACE_FEXIT, nullptr);
    if (link >= 0)
        close(link);
    close(prog);
    return link >= 0;
}

// CONFIG_KPROBES: the kernel registers the kprobe perf PMU.
bool kernel_has_kprobes() { return access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0; }

std::set<std::string> probe_kernel()
{
    // The syscall and TCP-state tracepoints and BTF are the supported floor.
    std::set<std::string> hooks = {"syscall", "tp_btf", "raw_tp", "tracepoint"};
    if (fexit_attaches())
        hooks.insert("fexit");
    if (kernel_has_kprobes())
        hooks.insert("kprobe");
    return hooks;
}

std::set<std::string> from_environment(const char *list)
{
    std::set<std::string> hooks = {"syscall"};
    std::istringstream in(list);
    for (std::string hook; std::getline(in, hook, ',');) {
        if (!known_hooks.count(hook))
            throw std::invalid_argument("TRACE_LISTEN_EXPECT_HOOKS: unknown hook '" + hook + "'");
        hooks.insert(hook);
    }
    return hooks;
}

const std::set<std::string> &expected_hooks()
{
    static const std::set<std::string> hooks = [] {
        const char *list = std::getenv("TRACE_LISTEN_EXPECT_HOOKS");
        return list && *list ? from_environment(list) : probe_kernel();
    }();
    return hooks;
}

} // namespace

bool hook_expected(const std::string &hook)
{
    if (!known_hooks.count(hook))
        throw std::invalid_argument("no such hook: " + hook);
    return expected_hooks().count(hook) > 0;
}

std::string best_bind_hook()
{
    if (hook_expected("fexit"))
        return "fexit";
    if (hook_expected("kprobe"))
        return "kprobe";
    return "syscall-tracepoints";
}

} // namespace tl::test

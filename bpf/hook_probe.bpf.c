// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Does the running kernel let us load and attach each hook family?  One
 * empty program per attach point of every real program in trace_listen.bpf.c,
 * same section (so same program type, attach type and target).  Userspace
 * (user/kernel/hook_probe.cpp) loads one family of them at a time: a family whose
 * probes load and attach is one the kernel offers, so a real program of it
 * that the verifier then rejects is a bug in trace-listen, not a missing
 * feature.  No maps, no CO-RE: loading them costs the kernel almost nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* bind/listen: fexit (BPF trampolines, v5.5) */
SEC("fexit/inet_bind")
int BPF_PROG(probe_fexit_inet_bind) { return 0; }
SEC("fexit/inet6_bind")
int BPF_PROG(probe_fexit_inet6_bind) { return 0; }
SEC("fentry/inet_listen")
int BPF_PROG(probe_fentry_inet_listen) { return 0; }
SEC("fexit/inet_listen")
int BPF_PROG(probe_fexit_inet_listen) { return 0; }

/* bind/listen: kprobe + kretprobe (CONFIG_KPROBES) */
SEC("kprobe/inet_bind")
int probe_kprobe_inet_bind(void *ctx) { return 0; }
SEC("kprobe/inet6_bind")
int probe_kprobe_inet6_bind(void *ctx) { return 0; }
SEC("kretprobe/inet_bind")
int probe_kretprobe_inet_bind(void *ctx) { return 0; }
SEC("kretprobe/inet6_bind")
int probe_kretprobe_inet6_bind(void *ctx) { return 0; }
SEC("kprobe/inet_listen")
int probe_kprobe_inet_listen(void *ctx) { return 0; }
SEC("kretprobe/inet_listen")
int probe_kretprobe_inet_listen(void *ctx) { return 0; }

/* bind/listen: syscall tracepoints (tracefs for the event ids) */
SEC("tracepoint/syscalls/sys_enter_bind")
int probe_tp_sys_enter_bind(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_bind")
int probe_tp_sys_exit_bind(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_listen")
int probe_tp_sys_enter_listen(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_listen")
int probe_tp_sys_exit_listen(void *ctx) { return 0; }

/* TCP state changes */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(probe_tp_btf_state) { return 0; }
SEC("raw_tp/inet_sock_set_state")
int probe_raw_tp_state(void *ctx) { return 0; }
SEC("tracepoint/sock/inet_sock_set_state")
int probe_tp_state(void *ctx) { return 0; }

/* io_uring's requests */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(probe_tp_btf_uring_submit) { return 0; }
SEC("tp_btf/io_uring_complete")
int BPF_PROG(probe_tp_btf_uring_complete) { return 0; }
SEC("raw_tp/io_uring_submit_req")
int probe_raw_tp_uring_submit(void *ctx) { return 0; }
SEC("raw_tp/io_uring_complete")
int probe_raw_tp_uring_complete(void *ctx) { return 0; }

/* Cookies at bind time (cgroup/sock_addr programs); 1 lets the bind go on. */
SEC("cgroup/bind4")
int probe_cookie_bind4(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/bind6")
int probe_cookie_bind6(struct bpf_sock_addr *ctx) { return 1; }

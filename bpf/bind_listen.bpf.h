/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bind() and listen(): the programs of all three hook families (fexit,
 * kprobe + kretprobe, syscall tracepoints).  The entry/return pairs stash the
 * call at entry and finish it at return through one helper.
 */
#ifndef TRACE_LISTEN_BIND_LISTEN_BPF_H
#define TRACE_LISTEN_BIND_LISTEN_BPF_H

static __always_inline void handle_bind_return(const struct sock *sk, const __u8 *saddr,
					       __u32 addrlen, int ret, __u16 hook, __u8 via)
{
	struct tl_sock s = {};

	if (sk)
		read_sock(&s, sk, false);
	parse_sockaddr(&s, saddr, addrlen);
	if (!is_inet(s.family) && !is_inet(s.req_family))
		return;
	if (!s.family)
		s.family = s.req_family;
	if (ret) {
		/* A failed bind holds nothing: report what was asked for. */
		__builtin_memcpy(s.addr, s.req_addr, sizeof(s.addr));
		s.port = s.req_port;
	}
	if (!sock_wanted(&s) || !current_wanted())
		return;
	emit_via(TL_EVENT_BIND, ret < 0 ? -ret : 0, hook, via, &s, TL_ATTR_TASK, NULL, NULL, 0, 0);
}

/*
 * listen() returns after the kernel picked the port of an unbound socket;
 * the state change fires before, with port 0.  So the listen event is sent
 * here, on return, and the state change only records the start time.
 */
static __always_inline void handle_listen_return(const struct sock *sk, __u32 backlog, int ret,
						 __u16 hook, __u8 via)
{
	struct tl_sock s = {};

	if (!sk || !current_wanted())
		return;
	read_sock(&s, sk, false);
	if (!is_inet(s.family))
		return;
	if (ret == 0) {
		__u64 key = sock_key(sk, s.cookie);
		struct listener_info *l = bpf_map_lookup_elem(&listeners, &key);

		if (l) {
			l->port = s.port;
			__builtin_memcpy(l->addr, s.addr, sizeof(l->addr));
		}
	}
	s.backlog = backlog;
	if (!trace_listen || !sock_wanted(&s))
		return;
	emit_via(TL_EVENT_LISTEN, ret < 0 ? -ret : 0, hook, via, &s, TL_ATTR_TASK, NULL, NULL, 0, 0);
}

/* ---- entry/return pairs ------------------------------------------------ */

static __always_inline void stash_call(void *map, __u64 sock, __u32 arg, const void *saddr,
				       bool user)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_call call = { .sock = sock, .arg = arg };

	/*
	 * A fixed-size read keeps the verifier happy; a sockaddr_in near the
	 * end of a mapping can make it fail, then the shorter one is retried.
	 */
	if (saddr && user) {
		if (bpf_probe_read_user(call.saddr, sizeof(call.saddr), saddr))
			bpf_probe_read_user(call.saddr, 16, saddr);
	} else if (saddr) {
		bpf_probe_read_kernel(call.saddr, sizeof(call.saddr), saddr);
	}
	if (bpf_map_update_elem(map, &id, &call, BPF_ANY))
		count_drop(TL_DROP_MAP_FULL); /* its return will find nothing */
}

enum call_kind { CALL_BIND, CALL_LISTEN };

/*
 * At a return: look up what the entry stashed, resolve the socket (an fd on
 * the syscall path, a struct socket * on the kprobe path), handle the call,
 * forget it.
 */
static __always_inline int finish_call(void *map, enum call_kind kind, int ret, __u16 hook)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_call *call = bpf_map_lookup_elem(map, &id);
	const struct sock *sk = NULL;
	__u8 via = hook == TL_HOOK_SYSCALL_TP ? TL_VIA_SYSCALL : current_via();

	if (!call)
		return 0;
	if (hook == TL_HOOK_SYSCALL_TP) {
		if (ret != -EBADF && ret != -ENOTSOCK)
			sk = sock_from_fd((int)call->sock);
	} else {
		/* Out of the CO-RE read: inside it, call->sock would get a CO-RE
		 * relocation against struct pending_call, which no kernel has
		 * (every kretprobe was refused: "failed to resolve CO-RE relocation"). */
		struct socket *sock = (struct socket *)call->sock;

		sk = BPF_CORE_READ(sock, sk);
	}
	if (kind == CALL_BIND)
		handle_bind_return(sk, call->saddr, call->arg, ret, hook, via);
	else
		handle_listen_return(sk, call->arg, ret, hook, via);
	bpf_map_delete_elem(map, &id);
	return 0;
}

/* ---- syscalls: arguments read at the return ----------------------------- */

/*
 * Written by userspace before load: false makes the syscall hooks stash each
 * call at entry in the pending maps (the kprobe path's way; what the tests
 * that fill those maps exercise).
 */
const volatile bool syscall_args_at_exit = true;

/*
 * Since 5.15 (bpf_task_pt_regs) the return reads the call's arguments from
 * the caller's saved user registers, which the kernel does not change:
 * the entry programs then leave at once, and no call waits in a map that
 * could fill up.  Older kernels stash at entry.
 */
static __always_inline bool args_at_exit(void)
{
	return syscall_args_at_exit &&
	       bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs);
}

static __always_inline struct pt_regs *syscall_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* fd < 0 when the call failed before it had a socket. */
static __always_inline const struct sock *syscall_sock(long fd, long ret)
{
	if (ret == -EBADF || ret == -ENOTSOCK)
		return NULL;
	return sock_from_fd((int)fd);
}

/* ---- bind -------------------------------------------------------------- */

SEC("tracepoint/syscalls/sys_enter_bind")
int tp_sys_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	if (args_at_exit() || !trace_bind || !current_wanted())
		return 0;
	stash_call(&pending_bind, ctx->args[0], ctx->args[2], (void *)ctx->args[1], true);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_bind")
int tp_sys_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	struct pt_regs *regs;
	const void *uaddr;
	__u8 sa[28] = {};

	if (!args_at_exit())
		return finish_call(&pending_bind, CALL_BIND, ret, TL_HOOK_SYSCALL_TP);
	if (!trace_bind || !current_wanted())
		return 0;
	regs = syscall_regs();
	uaddr = (const void *)PT_REGS_PARM2_SYSCALL(regs);
	/* As stash_call: a sockaddr_in near the end of a mapping. */
	if (bpf_probe_read_user(sa, sizeof(sa), uaddr))
		bpf_probe_read_user(sa, 16, uaddr);
	handle_bind_return(syscall_sock(PT_REGS_PARM1_SYSCALL(regs), ret), sa,
			   (__u32)PT_REGS_PARM3_SYSCALL(regs), ret, TL_HOOK_SYSCALL_TP,
			   TL_VIA_SYSCALL);
	return 0;
}

/* inet_bind and inet6_bind have one signature; so do their probes. */
static __always_inline void fexit_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len,
				       int ret)
{
	__u8 sa[28] = {};

	if (!trace_bind)
		return;
	/* uaddr is the kernel's sockaddr_storage copy: 28 bytes are there. */
	bpf_probe_read_kernel(sa, sizeof(sa), uaddr);
	handle_bind_return(sock->sk, sa, addr_len, ret, TL_HOOK_FEXIT, current_via());
}

SEC("fexit/inet_bind")
int BPF_PROG(fexit_inet_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
#ifdef TL_TEST_BROKEN_FEXIT
	/* Test-only build (TRACE_LISTEN_TEST_BROKEN_FEXIT): a load from a
	 * number, which the verifier must refuse. */
	if (*(volatile int *)(long)addr_len)
		return 0;
#endif
	fexit_bind(sock, uaddr, addr_len, ret);
	return 0;
}

SEC("fexit/inet6_bind")
int BPF_PROG(fexit_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
	fexit_bind(sock, uaddr, addr_len, ret);
	return 0;
}

static __always_inline void kprobe_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	if (trace_bind && current_wanted())
		stash_call(&pending_bind, (__u64)sock, addr_len, uaddr, false);
}

SEC("kprobe/inet_bind")
int BPF_KPROBE(kprobe_inet_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	kprobe_bind(sock, uaddr, addr_len);
	return 0;
}

SEC("kprobe/inet6_bind")
int BPF_KPROBE(kprobe_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	kprobe_bind(sock, uaddr, addr_len);
	return 0;
}

SEC("kretprobe/inet_bind")
int BPF_KRETPROBE(kretprobe_inet_bind, int ret)
{
	return finish_call(&pending_bind, CALL_BIND, ret, TL_HOOK_KPROBE);
}

SEC("kretprobe/inet6_bind")
int BPF_KRETPROBE(kretprobe_inet6_bind, int ret)
{
	return finish_call(&pending_bind, CALL_BIND, ret, TL_HOOK_KPROBE);
}

/* ---- listen ------------------------------------------------------------ */

SEC("tracepoint/syscalls/sys_enter_listen")
int tp_sys_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	if (args_at_exit())
		return 0;
	stash_call(&pending_listen, ctx->args[0], ctx->args[1], NULL, true);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_listen")
int tp_sys_exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	struct pt_regs *regs;

	if (!args_at_exit())
		return finish_call(&pending_listen, CALL_LISTEN, ret, TL_HOOK_SYSCALL_TP);
	regs = syscall_regs();
	handle_listen_return(syscall_sock(PT_REGS_PARM1_SYSCALL(regs), ret),
			     (__u32)PT_REGS_PARM2_SYSCALL(regs), ret, TL_HOOK_SYSCALL_TP,
			     TL_VIA_SYSCALL);
	return 0;
}

/* Marks the listen in progress: the TCP state change then leaves it to fexit. */
SEC("fentry/inet_listen")
int BPF_PROG(fentry_inet_listen, struct socket *sock, int backlog)
{
	stash_call(&pending_listen, (__u64)sock, backlog, NULL, false);
	return 0;
}

SEC("fexit/inet_listen")
int BPF_PROG(fexit_inet_listen, struct socket *sock, int backlog, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();

	handle_listen_return(sock->sk, backlog, ret, TL_HOOK_FEXIT, current_via());
	bpf_map_delete_elem(&pending_listen, &id);
	return 0;
}

SEC("kprobe/inet_listen")
int BPF_KPROBE(kprobe_inet_listen, struct socket *sock, int backlog)
{
	stash_call(&pending_listen, (__u64)sock, backlog, NULL, false);
	return 0;
}

SEC("kretprobe/inet_listen")
int BPF_KRETPROBE(kretprobe_inet_listen, int ret)
{
	return finish_call(&pending_listen, CALL_LISTEN, ret, TL_HOOK_KPROBE);
}

#endif /* TRACE_LISTEN_BIND_LISTEN_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every kernel-struct difference trace-listen cares about, in one place.
 * Each reader picks its layout at load time with CO-RE (bpf_core_field_exists
 * on a ___flavor struct); each cites the kernel change that made it needed.
 */
#ifndef TRACE_LISTEN_COMPAT_BPF_H
#define TRACE_LISTEN_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "trace_listen/event.h"

/*
 * Bit numbers in inet_sock::inet_flags (v6.6+).  The enum holding them is
 * anonymous, so CO-RE cannot relocate it; userspace reads the values from
 * the running kernel's BTF and overrides these defaults before load.
 */
const volatile __u32 inet_flags_freebind_bit = 11;
const volatile __u32 inet_flags_transparent_bit = 15;
const volatile __u32 inet_flags_bind_address_no_port_bit = 18;

/*
 * Before v6.6 (Eric Dumazet's series "inet: move inet->freebind to
 * inet->inet_flags", "... transparent ...", "... bind_address_no_port ..."),
 * these were bit-fields of struct inet_sock.  This move is what breaks
 * Debian 12's bindsnoop on newer kernels.
 */
struct inet_sock___pre_v6_6 {
	__u8 freebind : 1;
	__u8 transparent : 1;
	__u8 bind_address_no_port : 1;
} __attribute__((preserve_access_index));

struct inet_sock___v6_6 {
	unsigned long inet_flags;
} __attribute__((preserve_access_index));

/*
 * A bit-field of a struct sock: plain loads when sk is a BTF pointer (typed:
 * tp_btf, fexit arguments) or a local copy, a probe read otherwise.  typed
 * is a constant in every caller, so only one branch is compiled in.
 */
#define TL_SK_BITFIELD(typed, sk, field)                                       \
	((typed) ? BPF_CORE_READ_BITFIELD(sk, field) : BPF_CORE_READ_BITFIELD_PROBED(sk, field))
#define TL_SK_READ(typed, sk, field) ((typed) ? (sk)->field : BPF_CORE_READ(sk, field))

/* The inet_sock part of the options (sock_common's bits are read with it). */
static __always_inline __u16 read_inet_flags_options(const struct inet_sock *sk, bool typed)
{
	__u16 opts = 0;

	if (bpf_core_field_exists(struct inet_sock___v6_6, inet_flags)) {
		const struct inet_sock___v6_6 *inet = (const void *)sk;
		unsigned long flags = TL_SK_READ(typed, inet, inet_flags);

		if (flags & (1UL << (inet_flags_freebind_bit & 63)))
			opts |= TL_OPT_FREEBIND;
		if (flags & (1UL << (inet_flags_transparent_bit & 63)))
			opts |= TL_OPT_TRANSPARENT;
		if (flags & (1UL << (inet_flags_bind_address_no_port_bit & 63)))
			opts |= TL_OPT_BIND_ADDRESS_NO_PORT;
	} else {
		const struct inet_sock___pre_v6_6 *inet = (const void *)sk;

		if (TL_SK_BITFIELD(typed, inet, freebind))
			opts |= TL_OPT_FREEBIND;
		if (TL_SK_BITFIELD(typed, inet, transparent))
			opts |= TL_OPT_TRANSPARENT;
		if (TL_SK_BITFIELD(typed, inet, bind_address_no_port))
			opts |= TL_OPT_BIND_ADDRESS_NO_PORT;
	}
	return opts;
}

/* skc may be the socket's own sock_common or a local copy of it. */
static __always_inline __u16 read_common_options(const struct sock_common *skc)
{
	__u16 opts = 0;

	if (BPF_CORE_READ_BITFIELD(skc, skc_reuse))
		opts |= TL_OPT_REUSEADDR;
	if (BPF_CORE_READ_BITFIELD(skc, skc_reuseport))
		opts |= TL_OPT_REUSEPORT;
	if (BPF_CORE_READ_BITFIELD(skc, skc_ipv6only))
		opts |= TL_OPT_V6ONLY;
	return opts;
}

/*
 * sk_protocol and sk_type were 8- and 16-bit bit-fields until v5.6
 * (bf9765145b85 "sock: Make sk_protocol a 16-bit value").  The bit-field
 * read relocates both layouts.
 */
static __always_inline __u16 read_sk_protocol(const struct sock *sk, bool typed)
{
	return TL_SK_BITFIELD(typed, sk, sk_protocol);
}

static __always_inline __u16 read_sk_type(const struct sock *sk, bool typed)
{
	return TL_SK_BITFIELD(typed, sk, sk_type);
}

/*
 * task_struct::loginuid and ::sessionid exist only with CONFIG_AUDIT
 * (kernel/audit.c); report "unset" where the kernel has no audit.
 */
struct task_struct___audit {
	kuid_t loginuid;
	unsigned int sessionid;
} __attribute__((preserve_access_index));

static __always_inline void read_audit_ids(const struct task_struct *task, __u32 *loginuid,
					   __u32 *sessionid)
{
	const struct task_struct___audit *t = (const void *)task;

	*loginuid = (__u32)-1;
	*sessionid = (__u32)-1;
	if (bpf_core_field_exists(t->loginuid)) {
		/* task is a BTF pointer: plain loads */
		*loginuid = t->loginuid.val;
		*sessionid = t->sessionid;
	}
}

/*
 * The cgroup v2 id a socket was created in.  sock_cgroup_data became a plain
 * cgroup pointer in v5.15 (8520e224f547 "bpf, cgroups: Fix cgroup v2
 * fallback on v1/v2 mixed mode"); before, the pointer shared a union with the
 * v1 bit-fields: report 0 (unknown) there.
 */
struct sock_cgroup_data___v5_15 {
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));

static __always_inline __u64 read_sock_cgroup_id(const struct sock *sk)
{
	const struct sock_cgroup_data___v5_15 *cd = (const void *)&sk->sk_cgrp_data;

	if (!bpf_core_field_exists(cd->cgroup))
		return 0;
	return BPF_CORE_READ(cd, cgroup, kn, id);
}

/*
 * Is the running task inside a bind() or listen() system call?  The syscall
 * number sits in the task's saved user registers, named per architecture
 * (arch/x86/include/asm/ptrace.h orig_ax, arch/arm64/include/asm/ptrace.h
 * syscallno).  Elsewhere the answer is assumed yes.
 */
static __always_inline bool in_bind_or_listen_syscall(void)
{
#if defined(__TARGET_ARCH_x86) || defined(__TARGET_ARCH_arm64)
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
#endif
#if defined(__TARGET_ARCH_x86)
	long nr = regs->orig_ax; /* a BTF pointer: a plain load */

	/* x86_64 bind, listen; i386 socketcall, bind, listen (compat tasks) */
	return nr == 49 || nr == 50 || nr == 102 || nr == 361 || nr == 363;
#elif defined(__TARGET_ARCH_arm64)
	int nr = regs->syscallno;

	return nr == 200 || nr == 201; /* bind, listen (include/uapi/asm-generic/unistd.h) */
#else
	return true;
#endif
}

/*
 * The sockaddr an io_uring bind request asked for, as io_bind_prep copied it
 * into the request's async data: inside a struct io_async_msghdr (v6.11), or
 * the async data itself, a struct sockaddr_storage, since upstream 3979840cd858
 * ("io_uring/net: Avoid msghdr on op_connect/op_bind async data", v7.1, also
 * in stable 6.18.y and 7.0.y).  No type tells the two apart, so the data does:
 * io_async_msghdr starts with a pointer (an iovec), 8-byte aligned or NULL,
 * whose low bytes can never read as AF_INET (2) or AF_INET6 (10).
 */
static __always_inline void read_uring_bind_sockaddr(const struct io_kiocb *req, __u8 sa[28])
{
	const void *data = BPF_CORE_READ(req, async_data);
	const struct io_async_msghdr *msg = data;
	__u16 family = 0;

	if (!data)
		return;
	bpf_probe_read_kernel(&family, sizeof(family), data);
	if (family == 2 || family == 10) {
		bpf_probe_read_kernel(sa, 28, data);
		return;
	}
	bpf_core_read(sa, 28, &msg->addr);
}

#endif /* TRACE_LISTEN_COMPAT_BPF_H */

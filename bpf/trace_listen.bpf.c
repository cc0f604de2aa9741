// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * trace-listen kernel side: bind, listen, listener close and (opt-in) TCP
 * state changes, pushed to userspace through one ring buffer.
 *
 * Several programs here do the same job on different hooks; userspace keeps
 * one per job, probing the best the running kernel offers:
 *   bind/listen : fexit on inet_bind/inet6_bind/inet_listen   (sees io_uring)
 *               > kprobe + kretprobe on the same functions     (sees io_uring)
 *               > tracepoint/syscalls/sys_{enter,exit}_*       (syscalls only)
 *   TCP states  : tp_btf > raw_tp > tracepoint/sock/inet_sock_set_state
 *   cookies     : cgroup/sock_create gives every new inet socket its cookie,
 *                 so bind (read from the sock) and close agree on it.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "compat.bpf.h"
#include "trace_listen/event.h"

#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 10
#define EBADF 9
#define ENOTSOCK 88

/* TCP states (include/net/tcp_states.h) */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define TCP_LISTEN 10

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Load-time settings, written by userspace before load. */
const volatile bool trace_bind = true;
const volatile bool trace_listen = true;
const volatile bool trace_close = true;
const volatile bool trace_state = false;
const volatile bool capture_args = true;
const volatile __u32 filter_pid = 0;
const volatile __u32 filter_netns = 0;
const volatile __u64 filter_cgroup = 0;
const volatile __u16 filter_family = 0;
const volatile __u16 filter_protocol = 0;
const volatile __u32 filter_nports = 0;
const volatile __u16 filter_ports[TL_MAX_FILTER_PORTS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024); /* resized by userspace */
} events SEC(".maps");

/*
 * Wake-up policy (--wakeup-batch): 0 wakes the reader for every record
 * (lowest latency).  Otherwise the reader is woken only once this many bytes
 * wait; at low rates its poll timeout bounds the latency, at high rates it
 * wakes once per batch instead of once per record.
 */
const volatile __u64 wakeup_batch_bytes = 0;

static __always_inline __u64 ringbuf_wakeup_flags(void)
{
	if (!wakeup_batch_bytes)
		return 0;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_batch_bytes ?
		       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Failed ring-buffer reservations, one counter per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ringbuf_drops SEC(".maps");

/* A bind or listen call between its entry and its return. */
struct pending_call {
	__u64 sock;      /* struct socket * (kprobe path) or fd (syscall path) */
	__u32 arg;       /* listen: backlog; bind: sockaddr length */
	__u8 saddr[28];  /* bind: the sockaddr asked for (sockaddr_in6 size) */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct pending_call);
} pending_bind SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct pending_call);
} pending_listen SEC(".maps");

/*
 * Each listener: when it entered LISTEN (for the close's lifetime) and the
 * address it held (the kernel releases the port before the close fires).
 */
struct listener_info {
	__u64 start_ns;
	__u8 addr[16];
	__u16 port;
	__u8 pad[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock * */
	__type(value, struct listener_info);
} listeners SEC(".maps");

/*
 * The process that owns a socket, for events that fire in softirq where the
 * running task is whoever was interrupted.  Value: tl_task without args.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u64)); /* struct sock * */
	__uint(value_size, TL_TASK_OWNER_SIZE);
} sock_owner SEC(".maps");

/* Listener by (netns, family, port): accepted sockets belong to its owner. */
struct port_key {
	__u32 netns;
	__u16 family;
	__u16 port;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct port_key);
	__type(value, __u64); /* struct sock * of the listener */
} listener_by_port SEC(".maps");

/* Per-CPU scratch for building an owner record (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tl_task);
} task_scratch SEC(".maps");

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&ringbuf_drops, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* ---- reading the socket ------------------------------------------------ */

static __always_inline __u32 sock_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline void read_sock(struct tl_sock *s, const struct sock *sk)
{
	s->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	s->protocol = read_sk_protocol(sk);
	s->type = read_sk_type(sk);
	s->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	s->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	s->netns = sock_netns(sk);
	s->bound_dev_if = BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if);
	s->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	s->options = read_inet_options(sk);
	s->backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
	s->new_state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (s->family == AF_INET6) {
		BPF_CORE_READ_INTO(&s->addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&s->peer_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		BPF_CORE_READ_INTO((__u32 *)s->addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)s->peer_addr, sk, __sk_common.skc_daddr);
	}
}

/* The sockaddr given to bind(): family, address and port asked for. */
static __always_inline void parse_sockaddr(struct tl_sock *s, const __u8 *sa, __u32 len)
{
	s->req_family = sa[0] | (sa[1] << 8);
	s->req_port = (sa[2] << 8) | sa[3];
	if (s->req_family == AF_INET6 && len >= 24)
		__builtin_memcpy(s->req_addr, sa + 8, 16);
	else if (s->req_family == AF_INET && len >= 8)
		__builtin_memcpy(s->req_addr, sa + 4, 4);
}

static __always_inline bool is_inet(__u16 family)
{
	return family == AF_INET || family == AF_INET6;
}

/* The in-kernel filters that need only the socket. */
static __always_inline bool sock_wanted(const struct tl_sock *s)
{
	if (filter_family && s->family != filter_family)
		return false;
	if (filter_protocol && s->protocol != filter_protocol)
		return false;
	if (filter_netns && s->netns != filter_netns)
		return false;
	/*
	 * A listener the tracer did not see start (found by the snapshot) has
	 * released its port by the time it closes: let userspace, which knows
	 * the port from the snapshot, apply the port filter to it.
	 */
	if (filter_nports && (s->port || s->req_port)) {
		bool hit = false;

		for (int i = 0; i < TL_MAX_FILTER_PORTS; i++) {
			if (i >= filter_nports)
				break;
			if (filter_ports[i] == s->port || filter_ports[i] == s->req_port)
				hit = true;
		}
		if (!hit)
			return false;
	}
	return true;
}

static __always_inline bool task_wanted(__u32 tgid, __u64 cgroup_id)
{
	if (filter_pid && tgid != filter_pid)
		return false;
	if (filter_cgroup && cgroup_id != filter_cgroup)
		return false;
	return true;
}

/* ---- reading the task -------------------------------------------------- */

/* Everything but args; args need the task's own user memory. */
static __always_inline void read_task(struct tl_task *t, struct task_struct *task)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid = {};

	t->pid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(parent, tgid);
	t->start_ns = BPF_CORE_READ(task, start_time);
	t->parent_start_ns = BPF_CORE_READ(parent, start_time);
	t->uid = BPF_CORE_READ(task, cred, uid.val);
	t->gid = BPF_CORE_READ(task, cred, gid.val);
	read_audit_ids(task, &t->loginuid, &t->sessionid);
	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	t->pidns = BPF_CORE_READ(upid.ns, ns.inum);
	t->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	t->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	t->args_len = 0;
	t->flags = TL_TASK_NO_ARGS;
	bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), task->comm);
	bpf_probe_read_kernel_str(t->parent_comm, sizeof(t->parent_comm), parent->comm);
	bpf_probe_read_kernel_str(t->exe, sizeof(t->exe),
				  BPF_CORE_READ(task, mm, exe_file, f_path.dentry, d_name.name));
	bpf_probe_read_kernel_str(t->cgroup_name, sizeof(t->cgroup_name),
				  BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name));
}

/* The command line of the running task (process context only). */
static __always_inline void read_current_args(struct tl_task *t, struct task_struct *task)
{
	unsigned long start, end, len;

	if (!capture_args)
		return;
	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	if (!start || end <= start)
		return;
	len = end - start;
	t->flags &= ~TL_TASK_NO_ARGS;
	if (len > TL_ARGS_LEN) {
		len = TL_ARGS_LEN;
		t->flags |= TL_TASK_ARGS_TRUNCATED;
	}
	if (bpf_probe_read_user(t->args, len, (void *)start))
		t->flags |= TL_TASK_NO_ARGS;
	else
		t->args_len = len;
}

static __always_inline void read_current_task(struct tl_task *t)
{
	struct task_struct *task = bpf_get_current_task_btf();

	read_task(t, task);
	read_current_args(t, task);
}

static __always_inline void remember_owner(__u64 skp)
{
	__u32 zero = 0;
	struct tl_task *t = bpf_map_lookup_elem(&task_scratch, &zero);

	if (!t)
		return;
	read_task(t, bpf_get_current_task_btf());
	bpf_map_update_elem(&sock_owner, &skp, t, BPF_ANY);
}

/* ---- emitting ---------------------------------------------------------- */

/*
 * Reserve, fill and submit one event.  The socket part was read first so the
 * filters ran before anything was reserved.  The task is the socket's
 * recorded owner where one is given (softirq-safe), else the running task.
 */
static __always_inline void emit(__u32 kind, __s32 error, __u16 hook, const struct tl_sock *s,
				 const struct tl_task *owner, __u64 lifetime_ns, __u16 flags)
{
	struct tl_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->lifetime_ns = lifetime_ns;
	e->kind = kind;
	e->error = error;
	e->hook = hook;
	e->flags = flags;
	e->pad = 0;
	e->sock = *s;
	if (owner) {
		bpf_probe_read_kernel(&e->task, TL_TASK_OWNER_SIZE, owner);
		e->task.flags |= TL_TASK_FROM_OWNER | TL_TASK_NO_ARGS;
		e->task.args_len = 0;
	} else {
		read_current_task(&e->task);
	}
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
}

static __always_inline bool current_wanted(void)
{
	return task_wanted(bpf_get_current_pid_tgid() >> 32, bpf_get_current_cgroup_id());
}

/* ---- bind -------------------------------------------------------------- */

static __always_inline void handle_bind_return(const struct sock *sk, const __u8 *saddr,
					       __u32 addrlen, int ret, __u16 hook)
{
	struct tl_sock s = {};

	if (sk)
		read_sock(&s, sk);
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
	emit(TL_EVENT_BIND, ret < 0 ? -ret : 0, hook, &s, NULL, 0, 0);
}

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
	bpf_map_update_elem(map, &id, &call, BPF_ANY);
}

/* The struct sock behind a file descriptor of the running task. */
static __always_inline const struct sock *sock_from_fd(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	struct file *file = NULL;
	struct socket *sock;

	if (fd < 0)
		return NULL;
	bpf_core_read(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(sock, sk);
}

SEC("tracepoint/syscalls/sys_enter_bind")
int tp_sys_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	if (!trace_bind || !current_wanted())
		return 0;
	stash_call(&pending_bind, ctx->args[0], ctx->args[2], (void *)ctx->args[1], true);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_bind")
int tp_sys_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_call *call = bpf_map_lookup_elem(&pending_bind, &id);
	const struct sock *sk = NULL;
	int ret = ctx->ret;

	if (!call)
		return 0;
	if (ret != -EBADF && ret != -ENOTSOCK)
		sk = sock_from_fd((int)call->sock);
	handle_bind_return(sk, call->saddr, call->arg, ret, TL_HOOK_SYSCALL_TP);
	bpf_map_delete_elem(&pending_bind, &id);
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
	handle_bind_return(sock->sk, sa, addr_len, ret, TL_HOOK_FEXIT);
}

SEC("fexit/inet_bind")
int BPF_PROG(fexit_inet_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
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

static __always_inline int kretprobe_bind(int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_call *call = bpf_map_lookup_elem(&pending_bind, &id);

	struct socket *sock;

	if (!call)
		return 0;
	sock = (struct socket *)call->sock;
	handle_bind_return(BPF_CORE_READ(sock, sk), call->saddr, call->arg, ret, TL_HOOK_KPROBE);
	bpf_map_delete_elem(&pending_bind, &id);
	return 0;
}

SEC("kretprobe/inet_bind")
int BPF_KRETPROBE(kretprobe_inet_bind, int ret)
{
	return kretprobe_bind(ret);
}

SEC("kretprobe/inet6_bind")
int BPF_KRETPROBE(kretprobe_inet6_bind, int ret)
{
	return kretprobe_bind(ret);
}

/* ---- listen ------------------------------------------------------------ */

/*
 * listen() returns after the kernel picked the port of an unbound socket;
 * the state change fires before, with port 0.  So the listen event is sent
 * here, on return, and the state change only records the start time.
 */
static __always_inline void handle_listen_return(const struct sock *sk, __u32 backlog, int ret,
						 __u16 hook)
{
	struct tl_sock s = {};
	__u64 skp = (__u64)sk;

	if (!sk || !current_wanted())
		return;
	read_sock(&s, sk);
	if (!is_inet(s.family))
		return;
	if (ret == 0) {
		struct port_key key = { .netns = s.netns, .family = s.family, .port = s.port };
		struct listener_info *l = bpf_map_lookup_elem(&listeners, &skp);

		if (l) {
			l->port = s.port;
			__builtin_memcpy(l->addr, s.addr, sizeof(l->addr));
		}
		/* Accepted sockets find their owner through this listener's
		 * (recorded when it entered LISTEN). */
		if (trace_state)
			bpf_map_update_elem(&listener_by_port, &key, &skp, BPF_ANY);
	}
	s.backlog = backlog;
	if (!trace_listen || !sock_wanted(&s))
		return;
	emit(TL_EVENT_LISTEN, ret < 0 ? -ret : 0, hook, &s, NULL, 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_listen")
int tp_sys_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	stash_call(&pending_listen, ctx->args[0], ctx->args[1], NULL, true);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_listen")
int tp_sys_exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_call *call = bpf_map_lookup_elem(&pending_listen, &id);
	int ret = ctx->ret;

	if (!call)
		return 0;
	if (ret != -EBADF && ret != -ENOTSOCK)
		handle_listen_return(sock_from_fd((int)call->sock), call->arg, ret,
				     TL_HOOK_SYSCALL_TP);
	bpf_map_delete_elem(&pending_listen, &id);
	return 0;
}

SEC("fexit/inet_listen")
int BPF_PROG(fexit_inet_listen, struct socket *sock, int backlog, int ret)
{
	handle_listen_return(sock->sk, backlog, ret, TL_HOOK_FEXIT);
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
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_call *call = bpf_map_lookup_elem(&pending_listen, &id);

	struct socket *sock;

	if (!call)
		return 0;
	sock = (struct socket *)call->sock;
	handle_listen_return(BPF_CORE_READ(sock, sk), call->arg, ret, TL_HOOK_KPROBE);
	bpf_map_delete_elem(&pending_listen, &id);
	return 0;
}

/* ---- TCP state changes ------------------------------------------------- */

/*
 * The owner of a socket: its own (it connect()ed: active open), or for an
 * accepted one its listener's (passive open).  *flags says which.
 */
static __always_inline const struct tl_task *find_owner(__u64 skp, const struct tl_sock *s,
							__u16 *flags)
{
	const struct tl_task *owner = bpf_map_lookup_elem(&sock_owner, &skp);
	struct port_key key = { .netns = s->netns, .family = s->family, .port = s->port };
	__u64 *listener;

	if (owner) {
		*flags |= TL_EVENT_ACTIVE_OPEN;
		return owner;
	}
	listener = bpf_map_lookup_elem(&listener_by_port, &key);
	if (!listener)
		return NULL;
	*flags |= TL_EVENT_PASSIVE_OPEN;
	return bpf_map_lookup_elem(&sock_owner, listener);
}

static __always_inline void handle_state(const struct sock *sk, int oldstate, int newstate,
					 __u64 cookie, __u16 hook)
{
	__u64 skp = (__u64)sk;
	struct tl_sock s = {};
	const struct tl_task *owner;

	if (newstate == TCP_LISTEN) {
		struct listener_info l = { .start_ns = bpf_ktime_get_ns() };

		bpf_map_update_elem(&listeners, &skp, &l, BPF_ANY);
		/* Owners attribute softirq state changes; a close runs in the
		 * context of the process closing it. */
		if (trace_state)
			remember_owner(skp);
		return; /* the listen event goes out when listen() returns */
	}
	/* Every TCP connection on the host passes here: leave early. */
	if (!trace_state && !(oldstate == TCP_LISTEN && newstate == TCP_CLOSE))
		return;

	read_sock(&s, sk);
	if (cookie)
		s.cookie = cookie;
	s.old_state = oldstate;
	s.new_state = newstate;

	/* A listener closing.  (LISTEN -> SYN_RECV is a child being cloned.) */
	if (oldstate == TCP_LISTEN && newstate == TCP_CLOSE) {
		struct listener_info *l = bpf_map_lookup_elem(&listeners, &skp);
		__u64 lifetime = 0;
		__u16 flags = 0;
		struct port_key key = {};
		__u64 *by_port;

		if (l) {
			lifetime = bpf_ktime_get_ns() - l->start_ns;
			flags |= TL_EVENT_LIFETIME_KNOWN;
			if (!s.port) {
				s.port = l->port;
				__builtin_memcpy(s.addr, l->addr, sizeof(s.addr));
			}
		}
		key.netns = s.netns;
		key.family = s.family;
		key.port = s.port;
		by_port = bpf_map_lookup_elem(&listener_by_port, &key);
		owner = bpf_map_lookup_elem(&sock_owner, &skp);
		if (trace_close && sock_wanted(&s) &&
		    (owner ? task_wanted(owner->pid, owner->cgroup_id) : current_wanted()))
			emit(TL_EVENT_CLOSE, 0, hook, &s, owner, lifetime, flags);
		bpf_map_delete_elem(&listeners, &skp);
		bpf_map_delete_elem(&sock_owner, &skp);
		if (by_port && *by_port == skp)
			bpf_map_delete_elem(&listener_by_port, &key);
		return;
	}

	/* connect(): process context, the caller owns the socket. */
	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT)
		remember_owner(skp);
	__u16 flags = TL_EVENT_HAS_PEER;

	owner = find_owner(skp, &s, &flags);
	if (sock_wanted(&s) &&
	    (owner ? task_wanted(owner->pid, owner->cgroup_id) : current_wanted()))
		emit(TL_EVENT_STATE, 0, hook, &s, owner, 0, flags);
	if (newstate == TCP_CLOSE)
		bpf_map_delete_elem(&sock_owner, &skp);
}

static __always_inline bool is_tcp(__u16 protocol)
{
	return protocol == IPPROTO_TCP;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tp_btf_state, const struct sock *sk, int oldstate, int newstate)
{
	if (!is_tcp(read_sk_protocol(sk)))
		return 0;
	/* Only tracing programs may create a cookie; do it so close and the
	 * snapshot (sock_diag creates cookies too) agree. */
	handle_state(sk, oldstate, newstate, bpf_get_socket_cookie((void *)sk),
		     TL_HOOK_STATE_TP_BTF);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(raw_tp_state, const struct sock *sk, int oldstate, int newstate)
{
	if (!is_tcp(read_sk_protocol(sk)))
		return 0;
	handle_state(sk, oldstate, newstate, 0, TL_HOOK_STATE_RAW_TP);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (!is_tcp(ctx->protocol))
		return 0;
	handle_state(ctx->skaddr, ctx->oldstate, ctx->newstate, 0, TL_HOOK_STATE_TP);
	return 0;
}

/* ---- socket cookies ---------------------------------------------------- */

/*
 * Runs for every AF_INET/AF_INET6 socket created while tracing.  Asking for
 * the cookie creates it, so the bind event (read from the struct sock by a
 * tracepoint, which cannot create one) carries the same cookie as listen,
 * close and sock_diag.  Never refuses a socket.
 */
SEC("cgroup/sock_create")
int assign_cookie(struct bpf_sock *ctx)
{
	bpf_get_socket_cookie(ctx);
	return 1;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading a struct sock (and the socket behind an fd) into a tl_sock, and
 * the in-kernel filters that need only the socket.
 */
#ifndef TRACE_LISTEN_SOCK_READ_BPF_H
#define TRACE_LISTEN_SOCK_READ_BPF_H

/*
 * The sock_common part of a struct sock (family, state, ports, addresses,
 * netns, cookie, the reuse bits) into a tl_sock.  skc is either the socket's
 * own (a BTF pointer: plain loads) or a local copy of it.
 */
static __always_inline void read_sock_common(struct tl_sock *s, const struct sock_common *skc)
{
	s->family = skc->skc_family;
	s->port = skc->skc_num;
	s->peer_port = bpf_ntohs(skc->skc_dport);
	s->bound_dev_if = skc->skc_bound_dev_if;
	s->cookie = skc->skc_cookie.counter;
	s->new_state = skc->skc_state;
	s->options = read_common_options(skc);
	if (s->family == AF_INET6) {
		__builtin_memcpy(s->addr, skc->skc_v6_rcv_saddr.in6_u.u6_addr8, 16);
		__builtin_memcpy(s->peer_addr, skc->skc_v6_daddr.in6_u.u6_addr8, 16);
	} else {
		__builtin_memcpy(s->addr, &skc->skc_rcv_saddr, 4);
		__builtin_memcpy(s->peer_addr, &skc->skc_daddr, 4);
	}
}

/*
 * What a tl_sock needs of struct inet_sock: the flag options, and the port
 * when skc_num no longer holds it: moving to CLOSE releases the port
 * (inet_put_port zeroes inet_num) before the state-change tracepoint
 * fires; inet_sport still holds it.
 */
static __always_inline void read_inet_sock(struct tl_sock *s, const struct inet_sock *inet,
					   bool typed)
{
	s->options |= read_inet_flags_options(inet, typed);
	if (!s->port)
		s->port = bpf_ntohs(TL_SK_READ(typed, inet, inet_sport));
}

/* Room for the running kernel's struct sock_common (136 bytes on 6.18). */
#define TL_SOCK_COMMON_MAX 168

/*
 * A struct sock into a tl_sock.  typed: sk is a BTF pointer (tp_btf),
 * read with plain loads.  Otherwise (an address from an fd table or a
 * kprobe) every read is a probe read, tens of ns each: sock_common is
 * copied in one, and only the five fields outside it are read apart.
 */
static __always_inline void read_sock(struct tl_sock *s, const struct sock *sk, bool typed)
{
	struct net *net;

	if (typed) {
		read_sock_common(s, &sk->__sk_common);
		net = sk->__sk_common.skc_net.net;
		s->netns = net->ns.inum;
	} else {
		__u8 copy[TL_SOCK_COMMON_MAX];
		__u32 size = bpf_core_type_size(struct sock_common);
		const struct sock_common *skc = (const void *)copy;

		if (size > sizeof(copy))
			size = sizeof(copy);
		if (bpf_probe_read_kernel(copy, size, sk))
			__builtin_memset(copy, 0, sizeof(copy));
		read_sock_common(s, skc);
		net = skc->skc_net.net;
		s->netns = BPF_CORE_READ(net, ns.inum);
	}
	s->protocol = read_sk_protocol(sk, typed);
	s->type = read_sk_type(sk, typed);
	s->backlog = TL_SK_READ(typed, sk, sk_max_ack_backlog);
	/*
	 * The inet_sock fields lie beyond struct sock: a typed read needs the
	 * pointer typed as the larger struct (every caller passes TCP sockets).
	 */
	if (typed) {
		const struct inet_sock *inet = (const void *)bpf_skc_to_tcp_sock((void *)sk);

		if (inet)
			read_inet_sock(s, inet, true);
		else
			read_inet_sock(s, (const void *)sk, false);
	} else {
		read_inet_sock(s, (const void *)sk, false);
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

static __always_inline bool is_tcp(__u16 protocol)
{
	return protocol == IPPROTO_TCP;
}

#define TL_S_IFMT 00170000
#define TL_S_IFSOCK 0140000

/*
 * The struct sock behind a file descriptor of the running task, or NULL.
 * The fd is bounded by the table's size and the file must be a socket:
 * another file's private_data is not a struct socket.
 */
static __always_inline const struct sock *sock_from_fd(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	/* Plain loads down to the fd array (BTF pointers); from there on
	 * the pointers are plain numbers to the verifier: probe reads. */
	struct fdtable *fdt = task->files->fdt;
	struct file **fds = fdt->fd;
	struct file *file = NULL;
	struct socket *sock;
	unsigned int max_fds = fdt->max_fds;

	if (fd < 0 || (unsigned int)fd >= max_fds)
		return NULL;
	bpf_core_read(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & TL_S_IFMT) != TL_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(sock, sk);
}

/*
 * Is the running task acting on this socket?  Every process-context path
 * that changes a TCP socket's state (connect, listen, close, shutdown, and
 * the backlog replayed by release_sock) holds lock_sock(), which sets
 * sk_lock.owned.  Softirq receive and the TCP timers only take the spinlock
 * and, when a task owns the socket, leave the packet to it; so with owned
 * == 0 `current` is whoever was interrupted (loopback delivers in the
 * sender's context) and must not be named.  Unlike the preempt count this
 * needs no per-CPU symbol (absent without CONFIG_KALLSYMS_ALL), holds on
 * PREEMPT_RT (softirqs in threads) and on every architecture.
 */
static __always_inline bool task_holds_sock(const struct sock *sk, bool typed)
{
	return TL_SK_READ(typed, sk, sk_lock.owned) != 0;
}

/*
 * The key of a socket in the cookie-keyed maps.  Every program that can
 * creates the cookie; the fall-back state hooks (raw_tp, tracepoint) cannot,
 * and a socket never given one is keyed by its address, consistently.
 */
static __always_inline __u64 sock_key(const struct sock *sk, __u64 cookie)
{
	if (!cookie)
		cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	return cookie ? cookie : (__u64)sk;
}

#endif /* TRACE_LISTEN_SOCK_READ_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading a struct sock (and the socket behind an fd) into a tl_sock, and
 * the in-kernel filters that need only the socket.
 */
#ifndef TRACE_LISTEN_SOCK_READ_BPF_H
#define TRACE_LISTEN_SOCK_READ_BPF_H

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

static __always_inline bool is_tcp(__u16 protocol)
{
	return protocol == IPPROTO_TCP;
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

#endif /* TRACE_LISTEN_SOCK_READ_BPF_H */

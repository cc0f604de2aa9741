/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP state changes (inet_sock_set_state): listener start and close, and
 * (opt-in) every transition, attributed to the socket's owner.
 */
#ifndef TRACE_LISTEN_TCP_STATE_BPF_H
#define TRACE_LISTEN_TCP_STATE_BPF_H

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

/*
 * The catch-all for listens: a socket entering LISTEN while this task is in
 * no hooked listen path (listen() or inet_listen: pending_listen; io_uring:
 * in_uring_request) was put there by the kernel itself.  Reported now, with
 * what the socket holds (an in-kernel listener binds first).
 */
static __always_inline void report_unhooked_listen(const struct sock *sk, __u16 hook)
{
	__u64 id = bpf_get_current_pid_tgid(), skp = (__u64)sk;
	struct listener_info *l;
	struct tl_sock s = {};

	if (bpf_map_lookup_elem(&pending_listen, &id) || in_uring_request())
		return;
	read_sock(&s, sk);
	/* Its close needs the address after the port is released. */
	l = bpf_map_lookup_elem(&listeners, &skp);
	if (l) {
		l->port = s.port;
		__builtin_memcpy(l->addr, s.addr, sizeof(l->addr));
	}
	if (!trace_listen || !sock_wanted(&s) || !current_wanted())
		return;
	emit_via(TL_EVENT_LISTEN, 0, hook, TL_VIA_KERNEL, &s, NULL, 0, 0);
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
		/* The listen event goes out when listen() returns; a socket
		 * that got here any other way is reported now. */
		if (oldstate == TCP_CLOSE)
			report_unhooked_listen(sk, hook);
		return;
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

#endif /* TRACE_LISTEN_TCP_STATE_BPF_H */

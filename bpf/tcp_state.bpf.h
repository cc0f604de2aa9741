/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP state changes (inet_sock_set_state): listener start and close, and
 * (opt-in) every transition, attributed to the socket's owner.
 */
#ifndef TRACE_LISTEN_TCP_STATE_BPF_H
#define TRACE_LISTEN_TCP_STATE_BPF_H

/*
 * Who an event is attributed to.  A recorded owner first.  Without one, the
 * running task only where it is the actor (task_holds_sock): the tracepoint
 * fires in softirq too (loopback delivery runs in the sender's context,
 * timers and ksoftirqd in anyone's), and there `current` is a stranger; the
 * socket then speaks for itself.
 */
static __always_inline enum tl_attribution attribution_of(const struct sock *sk,
							  const struct tl_task *owner, bool typed)
{
	if (owner)
		return TL_ATTR_OWNER;
	return task_holds_sock(sk, typed) ? TL_ATTR_TASK : TL_ATTR_SOCKET;
}

static __always_inline bool attributed_wanted(enum tl_attribution attr, const struct tl_task *owner,
					      const struct sock *sk)
{
	if (attr == TL_ATTR_OWNER)
		return task_wanted(owner->pid, owner->cgroup_id);
	if (attr == TL_ATTR_TASK)
		return current_wanted();
	/* No pid to match: a --pid filter cannot be met; --cgroup can. */
	return task_wanted(0, read_sock_cgroup_id(sk)) && !filter_pid;
}

/* The transitions worth a look; everything else leaves at once. */
static __always_inline bool state_wanted(int oldstate, int newstate)
{
	return trace_state || newstate == TCP_LISTEN ||
	       (oldstate == TCP_LISTEN && newstate == TCP_CLOSE);
}

/* A socket entered LISTEN (process context: listen() or io_uring's). */
static __always_inline void listener_started(const struct sock *sk, __u64 key, bool typed)
{
	struct listener_info l = { .start_ns = bpf_ktime_get_ns() };
	__u32 zero = 0;
	struct conn_info *scratch;

	if (bpf_map_update_elem(&listeners, &key, &l, BPF_ANY))
		count_drop(TL_DROP_MAP_FULL);
	if (!trace_state)
		return; /* owners only attribute state changes */
	scratch = bpf_map_lookup_elem(&conn_scratch, &zero);
	if (!scratch)
		return;
	read_owner(&scratch->owner);
	if (bpf_map_update_elem(&listener_owners, &key, &scratch->owner, BPF_ANY))
		count_drop(TL_DROP_MAP_FULL);
	if (typed) {
		__u64 *mark = bpf_sk_storage_get(&sk_listener, (void *)sk, 0,
						 BPF_SK_STORAGE_GET_F_CREATE);
		if (mark)
			*mark = key;
	}
}

/*
 * The catch-all for listens: a socket entering LISTEN while this task is in
 * no hooked listen path (listen(): its saved syscall number, or
 * pending_listen where the call was stashed; inet_listen: pending_listen;
 * io_uring: in_uring_request) was put there by the kernel itself.  Reported now, with
 * what the socket holds (an in-kernel listener binds first).
 */
static __always_inline void report_unhooked_listen(const struct sock *sk, __u64 key, __u16 hook,
						   bool typed)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct listener_info *l;
	struct tl_sock s = {};

	/* A listen() whose return hook reads its arguments stashed nothing. */
	if ((args_at_exit() && in_bind_or_listen_syscall()) ||
	    bpf_map_lookup_elem(&pending_listen, &id) || in_uring_request())
		return;
	read_sock(&s, sk, typed);
	s.cookie = key == (__u64)sk ? 0 : key;
	/* Its close needs the address after the port is released. */
	l = bpf_map_lookup_elem(&listeners, &key);
	if (l) {
		l->port = s.port;
		__builtin_memcpy(l->addr, s.addr, sizeof(l->addr));
	}
	if (!trace_listen || !sock_wanted(&s) || !current_wanted())
		return;
	emit_via(TL_EVENT_LISTEN, 0, hook, TL_VIA_KERNEL, &s, TL_ATTR_TASK, NULL, NULL, 0, 0);
}

/* A listener closing.  (LISTEN -> SYN_RECV is a child being cloned.) */
static __always_inline void listener_closed(const struct sock *sk, struct tl_sock *s, __u64 key,
					    __u16 hook, bool typed)
{
	struct listener_info *l = bpf_map_lookup_elem(&listeners, &key);
	const struct tl_task *owner = NULL;
	enum tl_attribution attr;
	__u64 lifetime = 0;
	__u16 flags = 0;

	if (l) {
		lifetime = bpf_ktime_get_ns() - l->start_ns;
		flags |= TL_EVENT_LIFETIME_KNOWN;
		if (!s->port) {
			s->port = l->port;
			__builtin_memcpy(s->addr, l->addr, sizeof(s->addr));
		}
	}
	/* A close runs in the closing process: the owner only if it does not. */
	attr = task_holds_sock(sk, typed) ? TL_ATTR_TASK : TL_ATTR_SOCKET;
	if (attr != TL_ATTR_TASK && trace_state) {
		owner = bpf_map_lookup_elem(&listener_owners, &key);
		if (owner)
			attr = TL_ATTR_OWNER;
	}
	if (trace_close && sock_wanted(s) && attributed_wanted(attr, owner, sk))
		emit(TL_EVENT_CLOSE, 0, hook, s, attr, owner, sk, lifetime, flags);
	bpf_map_delete_elem(&listeners, &key);
	if (trace_state) /* owners are recorded (or seeded) only then */
		bpf_map_delete_elem(&listener_owners, &key);
}

/*
 * The connection behind a state change, remembered by cookie.  An accepted
 * socket is known by the listener's mark the kernel copied into it (typed
 * hooks): its owner is the listener's.  A connect()ed one from its CLOSE ->
 * SYN_SENT (process context: the caller owns it).  Not remembered at a
 * child's creation (LISTEN -> SYN_RECV): older kernels (6.1) fire it before
 * the child has its own cookie and peer.  NULL for connections older than
 * the tracer.
 */
static __always_inline struct conn_info *find_conn(const struct sock *sk, __u64 key, int oldstate,
						   int newstate, bool typed)
{
	struct conn_info *c = bpf_map_lookup_elem(&conns, &key);
	__u64 *listener = NULL;
	__u32 zero = 0;

	if (c)
		return c;
	if (typed)
		listener = bpf_sk_storage_get(&sk_listener, (void *)sk, 0, 0);
	if (!listener && !(oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) &&
	    oldstate != TCP_LISTEN)
		return NULL;
	c = bpf_map_lookup_elem(&conn_scratch, &zero);
	if (!c)
		return NULL;
	__builtin_memset(c->pad, 0, sizeof(c->pad));
	if (listener || oldstate == TCP_LISTEN) {
		const struct tl_task *owner = NULL;

		if (listener)
			owner = bpf_map_lookup_elem(&listener_owners, listener);
		c->flags = TL_EVENT_PASSIVE_OPEN;
		c->has_owner = owner != NULL;
		if (owner)
			bpf_probe_read_kernel(&c->owner, TL_TASK_OWNER_SIZE, owner);
		else
			__builtin_memset(&c->owner, 0, TL_TASK_OWNER_SIZE);
	} else {
		c->flags = TL_EVENT_ACTIVE_OPEN;
		c->has_owner = task_holds_sock(sk, typed);
		if (c->has_owner)
			read_owner(&c->owner);
		else
			__builtin_memset(&c->owner, 0, TL_TASK_OWNER_SIZE);
	}
	if (oldstate != TCP_LISTEN && bpf_map_update_elem(&conns, &key, c, BPF_ANY))
		count_drop(TL_DROP_MAP_FULL);
	return c; /* the scratch copy serves this event */
}

/*
 * typed: the program sees a BTF-typed struct sock (tp_btf), so it may create
 * cookies and use socket storage; the fall-back hooks may not.
 */
static __always_inline void handle_state(const struct sock *sk, int oldstate, int newstate,
					 __u64 cookie, __u16 hook, bool typed)
{
	__u64 key = sock_key(sk, cookie);
	struct tl_sock s = {};
	const struct tl_task *owner = NULL;
	enum tl_attribution attr;
	struct conn_info *c;
	__u16 flags = TL_EVENT_HAS_PEER;

	if (newstate == TCP_LISTEN) {
		listener_started(sk, key, typed);
		/* The listen event goes out when listen() returns; a socket
		 * that got here any other way is reported now. */
		if (oldstate == TCP_CLOSE)
			report_unhooked_listen(sk, key, hook, typed);
		return;
	}
	read_sock(&s, sk, typed);
	s.cookie = key == (__u64)sk ? 0 : key;
	s.old_state = oldstate;
	s.new_state = newstate;
	if (oldstate == TCP_LISTEN && newstate == TCP_CLOSE) {
		listener_closed(sk, &s, key, hook, typed);
		return;
	}

	c = find_conn(sk, key, oldstate, newstate, typed);
	if (c) {
		flags |= c->flags;
		if (c->has_owner)
			owner = &c->owner;
	}
	attr = attribution_of(sk, owner, typed);
	if (sock_wanted(&s) && attributed_wanted(attr, owner, sk))
		emit(TL_EVENT_STATE, 0, hook, &s, attr, owner, sk, 0, flags);
	if (newstate == TCP_CLOSE)
		bpf_map_delete_elem(&conns, &key);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tp_btf_state, const struct sock *sk, int oldstate, int newstate)
{
	/* Every TCP connection on the host passes here: leave on the
	 * arguments alone before reading anything. */
	if (!state_wanted(oldstate, newstate) || !is_tcp(read_sk_protocol(sk, true)))
		return 0;
	/* Only tracing programs may create a cookie; do it so close and the
	 * snapshot (sock_diag creates cookies too) agree. */
	handle_state(sk, oldstate, newstate, bpf_get_socket_cookie((void *)sk),
		     TL_HOOK_STATE_TP_BTF, true);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(raw_tp_state, const struct sock *sk, int oldstate, int newstate)
{
	if (!state_wanted(oldstate, newstate) || !is_tcp(read_sk_protocol(sk, false)))
		return 0;
	handle_state(sk, oldstate, newstate, 0, TL_HOOK_STATE_RAW_TP, false);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (!state_wanted(ctx->oldstate, ctx->newstate) || !is_tcp(ctx->protocol))
		return 0;
	handle_state(ctx->skaddr, ctx->oldstate, ctx->newstate, 0, TL_HOOK_STATE_TP, false);
	return 0;
}

#endif /* TRACE_LISTEN_TCP_STATE_BPF_H */

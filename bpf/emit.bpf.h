/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pushing one event to userspace: ring-buffer reserve -> fill -> submit,
 * with every failed reservation counted.
 */
#ifndef TRACE_LISTEN_EMIT_BPF_H
#define TRACE_LISTEN_EMIT_BPF_H

static __always_inline __u64 ringbuf_wakeup_flags(void)
{
	if (!wakeup_batch_bytes)
		return 0;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_batch_bytes ?
		       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void count_drop(__u32 cause) /* enum tl_drop_cause */
{
	__u64 *n = bpf_map_lookup_elem(&ringbuf_drops, &cause);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* How an event's process was determined (trace_listen.attribution). */
enum tl_attribution {
	TL_ATTR_TASK,   /* the running task did it (process context) */
	TL_ATTR_OWNER,  /* the socket's recorded owner (softirq-safe) */
	TL_ATTR_SOCKET, /* neither: what the socket knows */
};

/*
 * Exposure-relevant events have a ring buffer of their own, so a flood of
 * loopback events (anyone can make 100,000 a second) cannot crowd them out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024); /* resized by userspace */
} priority_events SEC(".maps");

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104, as userspace's exposure_of(). */
static __always_inline bool is_loopback(const struct tl_sock *s)
{
	const __u32 *w = (const __u32 *)s->addr;

	if (s->family == AF_INET)
		return s->addr[0] == 127;
	if (s->family != AF_INET6 || w[0] || w[1])
		return false;
	if (w[2] == bpf_htonl(0xffff))
		return s->addr[12] == 127;
	return !w[2] && w[3] == bpf_htonl(1);
}

/*
 * The priority class: a bind, listen or close on a non-loopback address
 * (someone may connect from elsewhere), and any failure (a port taken, a
 * bind refused).  Everything else is routine.
 */
static __always_inline bool is_priority(__u32 kind, __s32 error, const struct tl_sock *s)
{
	if (error)
		return true;
	return kind != TL_EVENT_STATE && !is_loopback(s);
}

/*
 * Reserve, fill and submit one event.  The socket part was read first so the
 * filters ran before anything was reserved.  Every byte of the record is
 * written: ring-buffer memory is not zeroed by the kernel, and a byte left
 * untouched would carry an earlier event (of a process filtered out, say)
 * to userspace and into record files.  via (enum tl_via): how a bind or
 * listen was made.
 */
static __always_inline void emit_via(__u32 kind, __s32 error, __u16 hook, __u8 via,
				     const struct tl_sock *s, enum tl_attribution attr,
				     const struct tl_task *owner, const struct sock *sk,
				     __u64 lifetime_ns, __u16 flags)
{
	bool priority = is_priority(kind, error, s);
	struct tl_event *e;

	if (priority)
		e = bpf_ringbuf_reserve(&priority_events, sizeof(*e), 0);
	else
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(priority ? TL_CLASS_PRIORITY : TL_CLASS_ROUTINE);
		return;
	}
	if (priority)
		flags |= TL_EVENT_PRIORITY;
	e->ts_ns = bpf_ktime_get_ns();
	e->lifetime_ns = lifetime_ns;
	e->kind = kind;
	e->error = error;
	e->hook = hook;
	e->flags = flags;
	e->via = via;
	e->reserved = 0;
	e->pad = 0;
	e->sock = *s;
	if (attr == TL_ATTR_OWNER && owner) {
		bpf_probe_read_kernel(&e->task, TL_TASK_OWNER_SIZE, owner);
		__builtin_memset(e->task.args, 0, sizeof(e->task.args));
		e->task.flags |= TL_TASK_FROM_OWNER | TL_TASK_NO_ARGS;
		e->task.args_len = 0;
	} else if (attr == TL_ATTR_SOCKET && sk) {
		__builtin_memset(&e->task, 0, sizeof(e->task));
		read_socket_as_task(&e->task, sk);
	} else {
		read_current_task(&e->task); /* writes every byte of it */
	}
	/* Priority events are few and awaited: always wake the reader. */
	bpf_ringbuf_submit(e, priority ? 0 : ringbuf_wakeup_flags());
}

/* Events that are not a bind or listen (close, state) say nothing of via. */
static __always_inline void emit(__u32 kind, __s32 error, __u16 hook, const struct tl_sock *s,
				 enum tl_attribution attr, const struct tl_task *owner,
				 const struct sock *sk, __u64 lifetime_ns, __u16 flags)
{
	emit_via(kind, error, hook, TL_VIA_UNKNOWN, s, attr, owner, sk, lifetime_ns, flags);
}

#endif /* TRACE_LISTEN_EMIT_BPF_H */

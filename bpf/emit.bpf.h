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

static __always_inline void count_drop(enum tl_drop_cause cause)
{
	__u32 key = cause;
	__u64 *n = bpf_map_lookup_elem(&ringbuf_drops, &key);

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
 * Reserve, fill and submit one event.  The socket part was read first so the
 * filters ran before anything was reserved.  Every byte of the record is
 * written: ring-buffer memory is not zeroed by the kernel, and a byte left
 * untouched would carry an earlier event (of a process filtered out, say)
 * to userspace and into record files.
 */
static __always_inline void emit(__u32 kind, __s32 error, __u16 hook, const struct tl_sock *s,
				 enum tl_attribution attr, const struct tl_task *owner,
				 const struct sock *sk, __u64 lifetime_ns, __u16 flags)
{
	struct tl_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(TL_DROP_RINGBUF);
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
	__builtin_memset(&e->task, 0, sizeof(e->task));
	if (attr == TL_ATTR_OWNER && owner) {
		bpf_probe_read_kernel(&e->task, TL_TASK_OWNER_SIZE, owner);
		e->task.flags |= TL_TASK_FROM_OWNER | TL_TASK_NO_ARGS;
		e->task.args_len = 0;
	} else if (attr == TL_ATTR_SOCKET && sk) {
		read_socket_as_task(&e->task, sk);
	} else {
		read_current_task(&e->task);
	}
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
}

#endif /* TRACE_LISTEN_EMIT_BPF_H */

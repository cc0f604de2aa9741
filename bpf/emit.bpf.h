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

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&ringbuf_drops, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

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

#endif /* TRACE_LISTEN_EMIT_BPF_H */

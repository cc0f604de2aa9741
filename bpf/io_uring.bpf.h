/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bind and listen through io_uring (IORING_OP_BIND / IORING_OP_LISTEN,
 * Linux 6.11+) make no bind()/listen() syscall: the syscall tracepoints never
 * see them.  io_uring's own tracepoints do:
 *   io_uring_submit_req  runs in the submitting thread after the request was
 *                        prepared: remember which thread has one in flight;
 *   io_uring_complete    carries the result; the request still holds its file
 *                        and its copy of the sockaddr, and the socket its
 *                        port: report it here (where the syscall hooks are the
 *                        only bind/listen hooks), with via = io_uring.
 * Where fexit or kprobes on inet_bind/inet_listen report every call, these
 * programs only tell them a call came from io_uring (uring_emits = false).
 */
#ifndef TRACE_LISTEN_IO_URING_BPF_H
#define TRACE_LISTEN_IO_URING_BPF_H

#define TL_IORING_OP_BIND 56   /* include/uapi/linux/io_uring.h, v6.11 */
#define TL_IORING_OP_LISTEN 57
#define TL_PF_IO_WORKER 0x00000010 /* include/linux/sched.h: io-wq and SQPOLL threads */
#define TL_PF_KTHREAD 0x00200000

/* In bind_listen.bpf.h, which comes after: it needs current_via() from here. */
static __always_inline void handle_bind_return(const struct sock *sk, const __u8 *saddr,
					       __u32 addrlen, int ret, __u16 hook, __u8 via);
static __always_inline void handle_listen_return(const struct sock *sk, __u32 backlog, int ret,
						 __u16 hook, __u8 via);

/* Written by userspace before load: false where inet_* hooks report io_uring. */
const volatile bool uring_emits = true;

/* A bind/listen request between submission and completion: its submitter. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);   /* struct io_kiocb * */
	__type(value, __u64); /* pid_tgid of the submitting thread */
} uring_requests SEC(".maps");

/* Per submitting thread: its bind/listen requests not yet completed. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* pid_tgid */
	__type(value, __u32);
} uring_inflight SEC(".maps");

static __always_inline bool uring_socket_op(__u8 opcode)
{
	return opcode == TL_IORING_OP_BIND || opcode == TL_IORING_OP_LISTEN;
}

static __always_inline void uring_submitted(struct io_kiocb *req)
{
	__u64 key = (__u64)req, id;
	__u32 one = 1, *n;

	if (!uring_socket_op(BPF_CORE_READ(req, opcode)))
		return;
	id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&uring_requests, &key, &id, BPF_ANY);
	n = bpf_map_lookup_elem(&uring_inflight, &id);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&uring_inflight, &id, &one, BPF_ANY);
}

/*
 * Is the running task inside an io_uring bind/listen?  Either it submitted
 * one that has not completed (issued inline, in io_uring_enter), or it is an
 * io_uring thread (io-wq worker, SQPOLL), which runs nothing else.
 */
static __always_inline bool in_uring_request(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *task = bpf_get_current_task_btf();

	if (BPF_CORE_READ(task, flags) & TL_PF_IO_WORKER)
		return true;
	return bpf_map_lookup_elem(&uring_inflight, &id) != NULL;
}

/*
 * How the bind/listen the running task is in was made, for the inet_* hooks:
 * io_uring, a bind()/listen() syscall, or else the kernel itself (a kernel
 * thread, or kernel code run by a task's other syscall, e.g. a module init).
 */
static __always_inline __u8 current_via(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (in_uring_request())
		return TL_VIA_IO_URING;
	if (BPF_CORE_READ(task, flags) & TL_PF_KTHREAD)
		return TL_VIA_KERNEL;
	return in_bind_or_listen_syscall() ? TL_VIA_SYSCALL : TL_VIA_KERNEL;
}

static __always_inline void uring_forget(__u64 key)
{
	__u64 *id = bpf_map_lookup_elem(&uring_requests, &key);
	__u32 *n;

	if (!id)
		return;
	n = bpf_map_lookup_elem(&uring_inflight, id);
	/* Not atomic as a whole (a fetch-and-add result needs BPF ISA v3): a
	 * submit racing from this thread's io_uring_enter while an io thread
	 * completes its previous request can, at worst, lose the mark and let
	 * the TCP state change report that listen a second time, as via=kernel. */
	if (n && *n > 1)
		__sync_fetch_and_add(n, -1);
	else if (n)
		bpf_map_delete_elem(&uring_inflight, id);
	bpf_map_delete_elem(&uring_requests, &key);
}

static __always_inline void uring_completed(struct io_kiocb *req, const struct io_uring_cqe *cqe)
{
	__u8 opcode = BPF_CORE_READ(req, opcode);
	const struct sock *sk = NULL;
	int res;

	/* Kernels without these requests (before v6.11) have no such types:
	 * the rest is dead code there, removed at load. */
	if (!bpf_core_type_exists(struct io_bind) || !bpf_core_type_exists(struct io_listen))
		return;
	if (!uring_socket_op(opcode))
		return;
	uring_forget((__u64)req);
	res = BPF_CORE_READ(cqe, res);
	if (!uring_emits)
		return;
	/* The kernel checked the file is a socket unless it says otherwise. */
	if (res != -EBADF && res != -ENOTSOCK) {
		struct socket *sock = BPF_CORE_READ(req, file, private_data);

		sk = BPF_CORE_READ(sock, sk);
	}
	if (opcode == TL_IORING_OP_BIND) {
		struct io_bind *bind = (void *)&req->cmd;
		__u8 sa[28] = {};

		if (!trace_bind)
			return;
		read_uring_bind_sockaddr(req, sa);
		handle_bind_return(sk, sa, BPF_CORE_READ(bind, addr_len), res, TL_HOOK_IO_URING,
				   TL_VIA_IO_URING);
	} else {
		struct io_listen *listen = (void *)&req->cmd;

		if (sk)
			handle_listen_return(sk, BPF_CORE_READ(listen, backlog), res, TL_HOOK_IO_URING,
					     TL_VIA_IO_URING);
	}
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(tp_btf_uring_submit, struct io_kiocb *req)
{
	uring_submitted(req);
	return 0;
}

/* io_uring_complete's arguments since v6.3 ("io_uring: pass in struct
 * io_uring_cqe to trace"); bind/listen requests only exist since v6.11. */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(tp_btf_uring_complete, void *ring, struct io_kiocb *req, struct io_uring_cqe *cqe)
{
	uring_completed(req, cqe);
	return 0;
}

SEC("raw_tp/io_uring_submit_req")
int BPF_PROG(raw_tp_uring_submit, struct io_kiocb *req)
{
	uring_submitted(req);
	return 0;
}

SEC("raw_tp/io_uring_complete")
int BPF_PROG(raw_tp_uring_complete, void *ring, struct io_kiocb *req, struct io_uring_cqe *cqe)
{
	uring_completed(req, cqe);
	return 0;
}

#endif /* TRACE_LISTEN_IO_URING_BPF_H */

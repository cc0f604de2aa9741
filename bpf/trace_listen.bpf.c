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
 *   io_uring    : tp_btf > raw_tp on io_uring_submit_req/complete: reports
 *                 IORING_OP_BIND/LISTEN beside the syscall tracepoints, and
 *                 tells the others a call came from io_uring
 *   TCP states  : tp_btf > raw_tp > tracepoint/sock/inet_sock_set_state;
 *                 also reports a listen no hook above saw (via = kernel)
 *   cookies     : cgroup/bind4 and bind6 give every bound inet socket its
 *                 cookie, so bind (read from the sock) and close agree on it.
 *
 * One compilation unit (one object, one skeleton), split by job:
 *   maps.bpf.h        load-time settings and every shared map
 *   sock_read.bpf.h   struct sock -> tl_sock, socket filters, fd -> sock
 *   task_read.bpf.h   task_struct -> tl_task, process filters, owners
 *   emit.bpf.h        ring buffer reserve -> fill -> submit, drop counter,
 *                     the priority buffer for exposure-relevant events
 *   io_uring.bpf.h    io_uring bind/listen requests
 *   bind_listen.bpf.h bind()/listen() programs of every hook family
 *   tcp_state.bpf.h   inet_sock_set_state programs
 *   compat.bpf.h      CO-RE differences between kernels
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

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

/* In dependency order: each header uses only those above it. */
#include "compat.bpf.h"
#include "maps.bpf.h"
#include "sock_read.bpf.h"
#include "task_read.bpf.h"
#include "emit.bpf.h"
#include "io_uring.bpf.h"
#include "bind_listen.bpf.h"
#include "tcp_state.bpf.h"

/* ---- socket cookies ---------------------------------------------------- */

/*
 * Run at every bind() of an AF_INET/AF_INET6 socket (io_uring's too), before
 * the kernel binds it.  Asking for the cookie creates it, so the bind event
 * (read from the struct sock by a tracepoint or kprobe, which cannot create
 * one) carries the same cookie as listen, close and sock_diag.  At bind, not
 * at socket creation: a client that only connect()s never pays for it, and
 * sockets listened on without bind() get theirs at LISTEN (tp_btf).  Never
 * refuses a bind.
 */
SEC("cgroup/bind4")
int cookie_bind4(struct bpf_sock_addr *ctx)
{
	bpf_get_socket_cookie(ctx);
	return 1;
}

SEC("cgroup/bind6")
int cookie_bind6(struct bpf_sock_addr *ctx)
{
	bpf_get_socket_cookie(ctx);
	return 1;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The record the kernel programs push through the ring buffer.  Shared
 * verbatim by bpf/trace_listen.bpf.c and the userspace decoder, so it uses
 * plain __u* types only and has explicit padding: both compilers must agree
 * on every offset (checked by static asserts in user/pipeline/event_decode.cpp).
 */
#ifndef TRACE_LISTEN_EVENT_H
#define TRACE_LISTEN_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TL_COMM_LEN 16
#define TL_EXE_LEN 64
#define TL_ARGS_LEN 256
#define TL_CGROUP_NAME_LEN 128
#define TL_MAX_FILTER_PORTS 16

enum tl_event_kind {
	TL_EVENT_BIND = 1,   /* bind() on an AF_INET/AF_INET6 socket, ok or failed */
	TL_EVENT_LISTEN = 2, /* listen() ok or failed, or a socket entering LISTEN */
	TL_EVENT_CLOSE = 3,  /* a TCP socket leaving LISTEN */
	TL_EVENT_STATE = 4,  /* any other TCP state transition (opt-in) */
};

/* Which hook produced the event; userspace names them in output. */
enum tl_hook {
	TL_HOOK_SYSCALL_TP = 1,  /* tracepoint/syscalls/sys_{enter,exit}_{bind,listen} */
	TL_HOOK_FEXIT = 2,       /* fexit/inet_bind, inet6_bind, inet_listen */
	TL_HOOK_KPROBE = 3,      /* kprobe+kretprobe on the same functions */
	TL_HOOK_STATE_TP_BTF = 4,
	TL_HOOK_STATE_RAW_TP = 5,
	TL_HOOK_STATE_TP = 6,
	TL_HOOK_IO_URING = 7,    /* tp_btf or raw_tp on io_uring_complete */
};

/* tl_event.via: how a bind or listen was made (issue 10). */
enum tl_via {
	TL_VIA_UNKNOWN = 0,  /* close and state events; records from older versions */
	TL_VIA_SYSCALL = 1,  /* bind() / listen() */
	TL_VIA_IO_URING = 2, /* IORING_OP_BIND / IORING_OP_LISTEN */
	TL_VIA_KERNEL = 3,   /* entered LISTEN outside every listen path hooked: in-kernel users */
};

/*
 * Two ring buffers: exposure-relevant records (a bind, listen or close on a
 * non-loopback address, or any failure) go to a small one of their own so a
 * flood of loopback events cannot crowd them out.  Also the keys of the
 * per-CPU drop counters.
 */
enum tl_ring_class {
	TL_CLASS_ROUTINE = 0,
	TL_CLASS_PRIORITY = 1,
	TL_CLASS_COUNT = 2,
};

/* trace_listen.options bits */
enum tl_sock_option {
	TL_OPT_REUSEADDR = 1 << 0,
	TL_OPT_REUSEPORT = 1 << 1,
	TL_OPT_V6ONLY = 1 << 2,
	TL_OPT_FREEBIND = 1 << 3,
	TL_OPT_TRANSPARENT = 1 << 4,
	TL_OPT_BIND_ADDRESS_NO_PORT = 1 << 5,
};

/* tl_task.flags */
enum tl_task_flag {
	TL_TASK_ARGS_TRUNCATED = 1 << 0,
	TL_TASK_FROM_OWNER = 1 << 1,   /* copied from the socket's recorded owner,
					  not read from the running task */
	TL_TASK_NO_ARGS = 1 << 2,      /* args not captured (not process context) */
	TL_TASK_FROM_SOCKET = 1 << 3,  /* no known owner, and the running task is
					  not the actor (softirq): only what the
					  socket knows (uid, cgroup); pid 0 */
};

/* tl_event.flags */
enum tl_event_flag {
	TL_EVENT_LIFETIME_KNOWN = 1 << 0, /* close: the LISTEN start was seen */
	TL_EVENT_HAS_PEER = 1 << 1,
	TL_EVENT_ACTIVE_OPEN = 1 << 2,    /* state: the socket connect()ed out */
	TL_EVENT_PASSIVE_OPEN = 1 << 3,   /* state: the socket was accepted by a listener */
	TL_EVENT_PRIORITY = 1 << 4,       /* came through the priority ring buffer */
};

/* Who did it, read from task_struct at event time. */
struct tl_task {
	__u64 start_ns;        /* task->start_time, CLOCK_MONOTONIC ns */
	__u64 parent_start_ns; /* real_parent->start_time */
	__u64 cgroup_id;       /* cgroup v2 id (kernfs node id) */
	__u32 pid;             /* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 loginuid;        /* (u32)-1 when unset */
	__u32 sessionid;
	__u32 pidns;
	__u32 mntns;
	__u16 args_len;        /* bytes valid in args (NUL separated) */
	__u16 flags;           /* enum tl_task_flag */
	char comm[TL_COMM_LEN];
	char parent_comm[TL_COMM_LEN];
	char exe[TL_EXE_LEN];  /* basename of mm->exe_file */
	char cgroup_name[TL_CGROUP_NAME_LEN]; /* leaf name of the v2 cgroup */
	char args[TL_ARGS_LEN]; /* last: an owner record is everything before it */
};

/* A socket's recorded owner: struct tl_task without args. */
#define TL_TASK_OWNER_SIZE (sizeof(struct tl_task) - TL_ARGS_LEN)

/* What socket, and where. Addresses in network order, ports in host order. */
struct tl_sock {
	__u64 cookie;           /* socket cookie, 0 if unknown */
	__u32 netns;            /* network namespace inode */
	__u32 bound_dev_if;     /* ifindex from SO_BINDTODEVICE, 0 if none */
	__u8 addr[16];          /* local; IPv4 in the first 4 bytes */
	__u8 peer_addr[16];
	__u8 req_addr[16];      /* bind: address asked for */
	__u16 family;           /* AF_INET / AF_INET6 */
	__u16 protocol;         /* IPPROTO_* */
	__u16 type;             /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 port;             /* local port the kernel holds */
	__u16 peer_port;
	__u16 req_port;         /* bind: port asked for (0 = ephemeral) */
	__u16 req_family;       /* bind: sockaddr family asked for */
	__u16 options;          /* enum tl_sock_option */
	__u32 backlog;          /* listen: backlog */
	__u8 old_state;         /* TCP_* */
	__u8 new_state;
	__u8 pad[2];
};

struct tl_event {
	__u64 ts_ns;            /* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u64 lifetime_ns;      /* close: time spent in LISTEN */
	__u32 kind;             /* enum tl_event_kind */
	__s32 error;            /* 0 on success, else positive errno */
	__u16 hook;             /* enum tl_hook */
	__u16 flags;            /* enum tl_event_flag */
	__u8 via;               /* enum tl_via (was padding: older records say 0) */
	__u8 reserved;
	__u16 pad;
	struct tl_sock sock;
	struct tl_task task;
};

#endif /* TRACE_LISTEN_EVENT_H */

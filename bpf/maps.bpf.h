/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Load-time settings and every map the programs share.  Included once, by
 * trace_listen.bpf.c (one compilation unit, one skeleton).
 */
#ifndef TRACE_LISTEN_MAPS_BPF_H
#define TRACE_LISTEN_MAPS_BPF_H

/* Load-time settings, written by userspace before load. */
const volatile bool trace_bind = true;
const volatile bool trace_listen = true;
const volatile bool trace_close = true;
const volatile bool trace_state = false;
const volatile bool capture_args = true;
const volatile __u32 filter_pid = 0;
const volatile __u32 filter_netns = 0;
const volatile __u64 filter_cgroup = 0;
const volatile __u16 filter_family = 0;
const volatile __u16 filter_protocol = 0;
const volatile __u32 filter_nports = 0;
const volatile __u16 filter_ports[TL_MAX_FILTER_PORTS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024); /* resized by userspace */
} events SEC(".maps");

/*
 * Wake-up policy (--wakeup-batch): 0 wakes the reader for every record
 * (lowest latency).  Otherwise the reader is woken only once this many bytes
 * wait; at low rates its poll timeout bounds the latency, at high rates it
 * wakes once per batch instead of once per record.
 */
const volatile __u64 wakeup_batch_bytes = 0;

/* Failed ring-buffer reservations per CPU, by enum tl_ring_class. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TL_CLASS_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} ringbuf_drops SEC(".maps");

/* A bind or listen call between its entry and its return. */
struct pending_call {
	__u64 sock;      /* struct socket * (kprobe path) or fd (syscall path) */
	__u32 arg;       /* listen: backlog; bind: sockaddr length */
	__u8 saddr[28];  /* bind: the sockaddr asked for (sockaddr_in6 size) */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct pending_call);
} pending_bind SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct pending_call);
} pending_listen SEC(".maps");

/*
 * Each listener: when it entered LISTEN (for the close's lifetime) and the
 * address it held (the kernel releases the port before the close fires).
 */
struct listener_info {
	__u64 start_ns;
	__u8 addr[16];
	__u16 port;
	__u8 pad[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock * */
	__type(value, struct listener_info);
} listeners SEC(".maps");

/*
 * The process that owns a socket, for events that fire in softirq where the
 * running task is whoever was interrupted.  Value: tl_task without args.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u64)); /* struct sock * */
	__uint(value_size, TL_TASK_OWNER_SIZE);
} sock_owner SEC(".maps");

/* Listener by (netns, family, port): accepted sockets belong to its owner. */
struct port_key {
	__u32 netns;
	__u16 family;
	__u16 port;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct port_key);
	__type(value, __u64); /* struct sock * of the listener */
} listener_by_port SEC(".maps");

/* Per-CPU scratch for building an owner record (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tl_task);
} task_scratch SEC(".maps");

#endif /* TRACE_LISTEN_MAPS_BPF_H */

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

/*
 * Events lost in the kernel, one counter per CPU and cause: a failed
 * reservation in each ring buffer (enum tl_ring_class), or a full map (a
 * pending call or a listener that could not be remembered).  Userspace shows
 * them all.
 */
enum tl_drop_cause {
	TL_DROP_RINGBUF_ROUTINE = TL_CLASS_ROUTINE,
	TL_DROP_RINGBUF_PRIORITY = TL_CLASS_PRIORITY,
	TL_DROP_MAP_FULL = TL_CLASS_COUNT,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TL_CLASS_COUNT + 1);
	__type(key, __u32);
	__type(value, __u64);
} ringbuf_drops SEC(".maps");

/* A bind or listen call between its entry and its return. */
struct pending_call {
	__u64 sock;      /* struct socket * (kprobe path) or fd (syscall path) */
	__u32 arg;       /* listen: backlog; bind: sockaddr length */
	__u8 saddr[28];  /* bind: the sockaddr asked for (sockaddr_in6 size) */
};

/*
 * Keyed by thread: an entry is overwritten by the thread's next call, so a
 * missed return cannot pile up.  Plain hashes, not LRU, so that a full map
 * fails the update (counted as TL_DROP_MAP_FULL) instead of silently
 * evicting another thread's call in flight.  Userspace may resize them.
 */
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
 * Each listener, by socket cookie: when it entered LISTEN (for the close's
 * lifetime) and the address it held.  Entries live exactly as long as the
 * listener, so the map is bounded by listeners, not by traffic: no LRU.
 */
struct listener_info {
	__u64 start_ns;
	__u8 addr[16];
	__u16 port;
	__u8 pad[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64); /* socket cookie */
	__type(value, struct listener_info);
} listeners SEC(".maps");

/*
 * The process owning each listener (with state changes on), by cookie:
 * recorded at listen(), or seeded by userspace from the start-up snapshot
 * for listeners older than the tracer.  Value: tl_task without args.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(__u64)); /* socket cookie */
	__uint(value_size, TL_TASK_OWNER_SIZE);
} listener_owners SEC(".maps");

/*
 * The cookie of a socket's listener, stored on the listener itself and
 * copied by the kernel into every socket it accepts (BPF_F_CLONE: the copy
 * happens in sk_clone_lock, before the child's first state change).  Exact
 * even for SO_REUSEPORT groups and one port on several addresses.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, __u64); /* the listener's cookie */
} sk_listener SEC(".maps");

/*
 * Each connection seen from its start, by cookie: which way it was opened
 * and who owns it (the connect() caller, or the accepting listener's
 * owner).  Connections churn: LRU, apart from the listener owners.
 */
struct conn_info {
	__u16 flags;     /* TL_EVENT_ACTIVE_OPEN or TL_EVENT_PASSIVE_OPEN */
	__u16 has_owner;
	__u8 pad[4];
	struct tl_task owner; /* only the first TL_TASK_OWNER_SIZE bytes are used */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u64)); /* socket cookie */
	__uint(value_size, 8 + TL_TASK_OWNER_SIZE);
} conns SEC(".maps");

/*
 * What a process's events repeat and is costly to read: its executable,
 * command line (from its own user memory), cgroup name and pid namespace.
 * Read at the process's first event, then copied per event while the
 * checks below still match (exec changes mm; a cgroup move changes the
 * cgroup id; a reused pid changes the leader's start time).  LRU: a
 * process evicted, or one the map has no room for, is read the slow way
 * again, so a miss costs time, never data.
 */
/* What must still hold for an entry to describe the running process. */
struct tl_proc_id {
	__u64 leader_start_ns; /* 0 while the entry is being filled */
	__u64 mm;
	__u64 exe_file;
	__u64 arg_start;
	__u64 arg_end;
	__u64 cgroup_id;
	__u32 tgid;
	__u32 pad;
};

struct tl_proc {
	struct tl_proc_id id;
	__u32 pidns;
	__u16 args_len;
	__u16 args_flags; /* TL_TASK_NO_ARGS, TL_TASK_ARGS_TRUNCATED */
	char exe[TL_EXE_LEN];
	char cgroup_name[TL_CGROUP_NAME_LEN];
	char args[TL_ARGS_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tgid */
	__type(value, struct tl_proc);
} procs SEC(".maps");

/* An empty entry to insert (a map value cannot come from the stack: too big). */
static const struct tl_proc empty_proc = {};

/* Per-CPU scratch for building records too big for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct conn_info);
} conn_scratch SEC(".maps");

#endif /* TRACE_LISTEN_MAPS_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who did it: reading the running task (or a socket's recorded owner) into
 * a tl_task, and the in-kernel filters on the process.
 */
#ifndef TRACE_LISTEN_TASK_READ_BPF_H
#define TRACE_LISTEN_TASK_READ_BPF_H

static __always_inline bool task_wanted(__u32 tgid, __u64 cgroup_id)
{
	if (filter_pid && tgid != filter_pid)
		return false;
	if (filter_cgroup && cgroup_id != filter_cgroup)
		return false;
	return true;
}

static __always_inline bool current_wanted(void)
{
	return task_wanted(bpf_get_current_pid_tgid() >> 32, bpf_get_current_cgroup_id());
}

/*
 * The per-event part of the running task: plain loads through BTF pointers
 * (bpf_get_current_task_btf), no helper call each, as BPF_CORE_READ would.
 * A NULL pointer on the way (a kernel thread's mm) reads as 0.
 */
static __always_inline void read_task_ids(struct tl_task *t, struct task_struct *task)
{
	struct task_struct *parent = task->real_parent;

	t->pid = task->tgid;
	t->tid = task->pid;
	t->ppid = parent->tgid;
	t->start_ns = task->start_time;
	t->parent_start_ns = parent->start_time;
	t->uid = task->cred->uid.val;
	t->gid = task->cred->gid.val;
	read_audit_ids(task, &t->loginuid, &t->sessionid);
	t->mntns = task->nsproxy->mnt_ns->ns.inum;
	t->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	/* Both zero-padded: comm may hold an older, longer name's bytes
	 * after its NUL. */
	bpf_get_current_comm(t->comm, sizeof(t->comm));
	__builtin_memset(t->parent_comm, 0, sizeof(t->parent_comm));
	bpf_probe_read_kernel_str(t->parent_comm, sizeof(t->parent_comm), parent->comm);
}

static __always_inline void proc_id_of(struct tl_proc_id *id, struct task_struct *task)
{
	struct mm_struct *mm = task->mm;

	id->leader_start_ns = task->group_leader->start_time;
	id->mm = (__u64)mm;
	id->exe_file = (__u64)mm->exe_file;
	id->arg_start = mm->arg_start;
	id->arg_end = mm->arg_end;
	id->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	id->tgid = task->tgid;
	id->pad = 0;
}

static __always_inline bool proc_id_equal(const struct tl_proc_id *a, const struct tl_proc_id *b)
{
	return a->leader_start_ns == b->leader_start_ns && a->mm == b->mm &&
	       a->exe_file == b->exe_file && a->arg_start == b->arg_start &&
	       a->arg_end == b->arg_end && a->cgroup_id == b->cgroup_id && a->tgid == b->tgid;
}

/*
 * The slow part, read the long way: executable, cgroup name, pid namespace
 * (the level of the task's pid is a variable index) and the command line
 * from the task's own user memory (process context only).  Into a record
 * or a cache entry: every byte of the strings is written.
 */
static __always_inline void read_proc_slow(struct task_struct *task, __u32 *pidns, char *exe,
					   char *cgroup_name, char *args, __u16 *args_len,
					   __u16 *args_flags)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct mm_struct *mm = task->mm;
	unsigned long start, end, len;
	struct upid upid = {};

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	*pidns = BPF_CORE_READ(upid.ns, ns.inum);
	__builtin_memset(exe, 0, TL_EXE_LEN);
	__builtin_memset(cgroup_name, 0, TL_CGROUP_NAME_LEN);
	__builtin_memset(args, 0, TL_ARGS_LEN);
	bpf_probe_read_kernel_str(exe, TL_EXE_LEN, mm->exe_file->f_path.dentry->d_name.name);
	bpf_probe_read_kernel_str(cgroup_name, TL_CGROUP_NAME_LEN,
				  task->cgroups->dfl_cgrp->kn->name);
	*args_len = 0;
	*args_flags = TL_TASK_NO_ARGS;
	if (!capture_args)
		return;
	start = mm->arg_start;
	end = mm->arg_end;
	if (!start || end <= start)
		return;
	len = end - start;
	*args_flags = 0;
	if (len > TL_ARGS_LEN) {
		len = TL_ARGS_LEN;
		*args_flags = TL_TASK_ARGS_TRUNCATED;
	}
	if (bpf_probe_read_user(args, len, (void *)start)) {
		*args_flags |= TL_TASK_NO_ARGS;
		__builtin_memset(args, 0, TL_ARGS_LEN);
	} else {
		*args_len = len;
	}
}

/*
 * The running process's cache entry, filled now if it has none or the one
 * it has is stale.  NULL when the map cannot give one (kernel threads have
 * no mm and are not cached): the caller reads the slow way.
 */
static __always_inline struct tl_proc *current_proc(struct task_struct *task,
						    const struct tl_proc_id *id)
{
	struct tl_proc *p;

	if (!id->mm)
		return NULL;
	p = bpf_map_lookup_elem(&procs, &id->tgid);
	if (p && proc_id_equal(&p->id, id))
		return p;
	if (!p) {
		bpf_map_update_elem(&procs, &id->tgid, &empty_proc, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&procs, &id->tgid);
		if (!p)
			return NULL;
	}
	/* Invalid while filled: a reader on another CPU falls back meanwhile. */
	p->id.leader_start_ns = 0;
	read_proc_slow(task, &p->pidns, p->exe, p->cgroup_name, p->args, &p->args_len,
		       &p->args_flags);
	p->id.mm = id->mm;
	p->id.exe_file = id->exe_file;
	p->id.arg_start = id->arg_start;
	p->id.arg_end = id->arg_end;
	p->id.cgroup_id = id->cgroup_id;
	p->id.tgid = id->tgid;
	asm volatile("" ::: "memory"); /* the checks last */
	p->id.leader_start_ns = id->leader_start_ns;
	return p;
}

/*
 * The running task into a record: the ids per event, the rest from the
 * process's cache entry.  An entry evicted or refilled while it was copied
 * (it no longer matches afterwards) is replaced by the slow read: no record
 * carries another process's strings.  with_args: false for a socket's
 * owner, which is recorded without the command line.
 */
static __always_inline void read_task(struct tl_task *t, bool with_args)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct tl_proc_id id;
	struct tl_proc *p;

	read_task_ids(t, task);
	proc_id_of(&id, task);
	p = current_proc(task, &id);
	if (p) {
		t->pidns = p->pidns;
		__builtin_memcpy(t->exe, p->exe, sizeof(t->exe));
		__builtin_memcpy(t->cgroup_name, p->cgroup_name, sizeof(t->cgroup_name));
		t->args_len = p->args_len;
		t->flags = p->args_flags;
		if (with_args)
			__builtin_memcpy(t->args, p->args, sizeof(t->args));
		if (proc_id_equal(&p->id, &id))
			goto done;
	}
	read_proc_slow(task, &t->pidns, t->exe, t->cgroup_name, t->args, &t->args_len, &t->flags);
done:
	if (!with_args) {
		t->args_len = 0;
		t->flags = TL_TASK_NO_ARGS;
	}
}

static __always_inline void read_current_task(struct tl_task *t)
{
	read_task(t, true);
}

/*
 * The running task as a socket's owner (no args), into map memory: zeroed
 * first, because the string reads stop at their NUL and must not leave an
 * earlier owner's bytes behind.
 */
static __always_inline void read_owner(struct tl_task *t)
{
	__builtin_memset(t, 0, TL_TASK_OWNER_SIZE);
	read_task(t, false);
}

/*
 * No owner known and the running task is not the actor: say only what the
 * socket itself knows.  pid 0 and no names; uid is the socket's (sk_uid, the
 * creator's fsuid), cgroup the one the socket was created in.
 */
static __always_inline void read_socket_as_task(struct tl_task *t, const struct sock *sk)
{
	t->uid = BPF_CORE_READ(sk, sk_uid.val);
	t->gid = (__u32)-1;
	t->loginuid = (__u32)-1;
	t->sessionid = (__u32)-1;
	t->cgroup_id = read_sock_cgroup_id(sk);
	t->flags = TL_TASK_FROM_SOCKET | TL_TASK_NO_ARGS;
}

#endif /* TRACE_LISTEN_TASK_READ_BPF_H */

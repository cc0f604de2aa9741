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

/* Everything but args; args need the task's own user memory. */
static __always_inline void read_task(struct tl_task *t, struct task_struct *task)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid = {};

	t->pid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(parent, tgid);
	t->start_ns = BPF_CORE_READ(task, start_time);
	t->parent_start_ns = BPF_CORE_READ(parent, start_time);
	t->uid = BPF_CORE_READ(task, cred, uid.val);
	t->gid = BPF_CORE_READ(task, cred, gid.val);
	read_audit_ids(task, &t->loginuid, &t->sessionid);
	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	t->pidns = BPF_CORE_READ(upid.ns, ns.inum);
	t->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	t->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	t->args_len = 0;
	t->flags = TL_TASK_NO_ARGS;
	bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), task->comm);
	bpf_probe_read_kernel_str(t->parent_comm, sizeof(t->parent_comm), parent->comm);
	bpf_probe_read_kernel_str(t->exe, sizeof(t->exe),
				  BPF_CORE_READ(task, mm, exe_file, f_path.dentry, d_name.name));
	bpf_probe_read_kernel_str(t->cgroup_name, sizeof(t->cgroup_name),
				  BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name));
}

/* The command line of the running task (process context only). */
static __always_inline void read_current_args(struct tl_task *t, struct task_struct *task)
{
	unsigned long start, end, len;

	if (!capture_args)
		return;
	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	if (!start || end <= start)
		return;
	len = end - start;
	t->flags &= ~TL_TASK_NO_ARGS;
	if (len > TL_ARGS_LEN) {
		len = TL_ARGS_LEN;
		t->flags |= TL_TASK_ARGS_TRUNCATED;
	}
	if (bpf_probe_read_user(t->args, len, (void *)start))
		t->flags |= TL_TASK_NO_ARGS;
	else
		t->args_len = len;
}

static __always_inline void read_current_task(struct tl_task *t)
{
	struct task_struct *task = bpf_get_current_task_btf();

	read_task(t, task);
	read_current_args(t, task);
}

static __always_inline void remember_owner(__u64 skp)
{
	__u32 zero = 0;
	struct tl_task *t = bpf_map_lookup_elem(&task_scratch, &zero);

	if (!t)
		return;
	read_task(t, bpf_get_current_task_btf());
	bpf_map_update_elem(&sock_owner, &skp, t, BPF_ANY);
}

#endif /* TRACE_LISTEN_TASK_READ_BPF_H */

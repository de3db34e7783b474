// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who a pidfd names, from the kernel: a task iterator bound to the pidfd
 * (Linux 6.1+) writes one struct mb_identity per thread of that process.
 * The helper learns from it the global tgid and the start time the BPF
 * programs compare, which no pid number in a pid namespace gives.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "minderbinder/identity.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("iter/task")
int mb_identity(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct mb_identity id = {};
	const struct cred *cred;
	struct pid *pid;
	__u32 level;

	if (!task)
		return 0;
	id.tgid = BPF_CORE_READ(task, tgid);
	id.tid = BPF_CORE_READ(task, pid);
	id.start_boottime = BPF_CORE_READ(task, group_leader, start_boottime);
	cred = BPF_CORE_READ(task, cred);
	id.uid[MB_ID_REAL] = BPF_CORE_READ(cred, uid.val);
	id.uid[MB_ID_EFFECTIVE] = BPF_CORE_READ(cred, euid.val);
	id.uid[MB_ID_SAVED] = BPF_CORE_READ(cred, suid.val);
	id.uid[MB_ID_FS] = BPF_CORE_READ(cred, fsuid.val);
	id.gid[MB_ID_REAL] = BPF_CORE_READ(cred, gid.val);
	id.gid[MB_ID_EFFECTIVE] = BPF_CORE_READ(cred, egid.val);
	id.gid[MB_ID_SAVED] = BPF_CORE_READ(cred, sgid.val);
	id.gid[MB_ID_FS] = BPF_CORE_READ(cred, fsgid.val);
	/* kernel_cap_t: a u64 since 6.3, two u32 before; 8 bytes either way. */
	BPF_CORE_READ_INTO(&id.cap_effective, cred, cap_effective);
	id.userns_level = BPF_CORE_READ(cred, user_ns, level);
	/* numbers[level]: the innermost namespace's number, the one the
	 * process (and the helper, its child) sees; a variable index, so the
	 * address is computed from CO-RE offsets. */
	pid = BPF_CORE_READ(task, thread_pid);
	level = BPF_CORE_READ(pid, level);
	bpf_probe_read_kernel(&id.ns_tid, sizeof(id.ns_tid),
			      (void *)pid + bpf_core_field_offset(struct pid, numbers) +
				      (__u64)level * bpf_core_type_size(struct upid) +
				      bpf_core_field_offset(struct upid, nr));
	bpf_seq_write(ctx->meta->seq, &id, sizeof(id));
	return 0;
}

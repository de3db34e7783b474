/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the supervisor learns about a calling thread, with the target's own
 * credentials: whether it is in the registration's scope and when its
 * process started (/proc), and the path arguments of its call (its memory,
 * its cwd and descriptors), or the path of a descriptor argument.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "engines/seccomp/supervisor.h"
#include "lib/fd_path.h"
#include "lib/read_string.h"
#include "lib/path_join.h"
#include "lib/proc_info.h"

/* --- facts about the calling thread ------------------------------------ */

int sv_proc_tgid(pid_t tid, pid_t *tgid)
{
	char v[32];
	int err = mb_proc_status(tid, "Tgid", v, sizeof(v));

	if (err)
		return err;
	*tgid = (pid_t)strtol(v, NULL, 10);
	return *tgid > 0 ? 0 : -EPROTO;
}

/* A thread of the registered process: the same tgid, and that tgid still
 * the process that registered (not a reused pid). */
static bool thread_of_target(const struct mb_supervisor_args *a, pid_t tid)
{
	char path[64];
	__u64 ticks;

	if (tid != a->tgid) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)a->tgid, (int)tid);
		if (access(path, F_OK))
			return false;
	}
	return !mb_proc_start_ticks(a->tgid, &ticks) && ticks == a->start_ticks;
}

struct tid_info *sv_tid_lookup(struct supervisor *s, pid_t tid, __u64 now)
{
	struct tid_info *t = &s->tids[(unsigned)tid % TID_CACHE_SIZE];

	if (t->tid == tid && now - t->seen_ns < TID_TTL_NS)
		return t;
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->seen_ns = now;
	if (s->args->scope == MB_SCOPE_TREE) {
		/* Only processes that inherited the filter can call here. */
		t->subject = true;
	} else {
		t->subject = thread_of_target(s->args, tid);
		if (t->subject)
			t->tgid = s->args->tgid;
		else if (!sv_proc_tgid(tid, &t->tgid))
			t->owner = sv_guest_owner(s, t->tgid);
		else
			t->owner = -1;
		/* Anyone else's calls (a guest's) decide by a guest's rules. */
		if (!t->subject && t->owner > 0)
			t->subject = true;
		else if (!t->subject)
			t->tgid = 0;
	}
	return t;
}

/* delay= counts from the start of the calling process, not the target's:
 * a child started later gets its own grace period, as in the original project. */
int sv_process_start_ns(struct tid_info *t, __u64 *start)
{
	__u64 ticks;

	if (!t->have_start && !t->start_failed) {
		if ((!t->tgid && sv_proc_tgid(t->tid, &t->tgid)) ||
		    mb_proc_start_ticks(t->tgid, &ticks)) {
			t->start_failed = true;
		} else {
			t->start_ns = mb_ticks_to_ns(ticks);
			t->have_start = true;
		}
	}
	if (!t->have_start)
		return -ESRCH;
	*start = t->start_ns;
	return 0;
}

/* --- the path argument --------------------------------------------------- */

int sv_remote_copy(pid_t tid, __u64 addr, void *buf, size_t len, bool write)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(unsigned long)addr, .iov_len = len };
	ssize_t n;

	if (!addr)
		return -EFAULT;
	n = write ? process_vm_writev(tid, &local, 1, &remote, 1, 0)
		  : process_vm_readv(tid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

static long readv_target(pid_t pid, const struct iovec *local, const struct iovec *remote)
{
	ssize_t n = process_vm_readv(pid, local, 1, remote, 1, 0);

	return n < 0 ? -errno : n;
}

static long libc_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size);

	return n < 0 ? -errno : n;
}

static int libc_stat(const char *path, struct stat *st, int nofollow)
{
	return (nofollow ? lstat(path, st) : stat(path, st)) ? -errno : 0;
}

static const struct mb_fs_ops fs = { libc_readlink, libc_stat };

static bool is_at_syscall(const struct supervisor *s, int nr)
{
	int i;

	for (i = 0; i < s->n_at; i++)
		if (s->at_nrs[i] == nr)
			return true;
	return false;
}

/*
 * The absolute path argument arg of the call: relative paths are joined to
 * the directory they are relative to (the dirfd of *at calls, else the
 * cwd), as the thread sees them right now. Only "./" prefixes are dropped;
 * ".." is left alone, since lexical clean-up would be wrong across
 * symlinks.
 */
int sv_resolve_path(struct supervisor *s, const struct seccomp_notif *req, int arg,
		    char *out)
{
	char remote[REMOTE_PATH_MAX], proc[64];
	int err, dirfd;

	err = mb_read_string(readv_target, (pid_t)req->pid, (unsigned long)req->data.args[arg],
			     remote, sizeof(remote), (size_t)s->page_size);
	if (err)
		return err;
	if (remote[0] == '/') {
		memcpy(out, remote, strlen(remote) + 1);
		return 0;
	}
	dirfd = MB_AT_FDCWD;
	if (arg > 0 && is_at_syscall(s, req->data.nr))
		dirfd = (int)(__u32)req->data.args[arg - 1];
	if (dirfd == MB_AT_FDCWD)
		snprintf(proc, sizeof(proc), "/proc/%u/cwd", req->pid);
	else
		snprintf(proc, sizeof(proc), "/proc/%u/fd/%d", req->pid, dirfd);
	err = mb_read_link(&fs, proc, out, PATH_MAX + 1);
	if (err)
		return err;
	mb_path_join(out, remote);
	return 0;
}

/* The current path of descriptor argument arg (lib/fd_path.h). */
int sv_resolve_fd_path(const struct seccomp_notif *req, int arg, char *out)
{
	char proc[64];
	int fd = (int)(__u32)req->data.args[arg];

	if (fd < 0)
		return -EBADF;
	snprintf(proc, sizeof(proc), "/proc/%u/fd/%d", req->pid, fd);
	return mb_fd_link_path(&fs, proc, out, PATH_MAX + 1);
}

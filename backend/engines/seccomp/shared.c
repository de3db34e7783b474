/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-process path's rule state (lib/inproc.h), seen from the
 * supervisor: taken from the registered process at its share call, then
 * the state every decision of ours draws from too, and the handler's
 * counts added to the registry at every notification (an exit_group is
 * one) and when the supervisor ends. The mapping is the target's to
 * scribble on: sealed against shrinking (no SIGBUS here), read only as
 * numbers at our own indices, compare-and-swaps bounded.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engines/seccomp/supervisor.h"
#include "lib/inproc.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"

#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#define F_SEAL_SHRINK 0x0002
#endif

/* A live target's handler counts reach the registry this late at most. */
#define SHARED_FLUSH_MS 10

/* Counts above this in one flush are a scribbling target's, not calls. */
#define FLUSH_MAX (1ULL << 32)

bool sv_is_share(const struct supervisor *s, const struct seccomp_notif *req)
{
	return req->data.arch == s->audit_arch && req->data.nr == SYS_close &&
	       req->data.args[0] == MB_SECCOMP_SHARE_FD;
}

static int take(struct supervisor *s, int lfd, const struct seccomp_notif *req, int *mfd)
{
	pid_t tgid;
	int pidfd, fd, seals;
	struct stat st;
	__u64 id = req->id;

	if (s->shared || s->args->control_fd >= 0)
		return -EALREADY;
	if (sv_proc_tgid((pid_t)req->pid, &tgid) || tgid != s->args->tgid)
		return -EPERM;
	pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return -errno;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)(__u32)req->data.args[1], 0);
	close(pidfd);
	if (fd < 0)
		return -errno;
	*mfd = fd;
	/* The pid could have been reused between the two: the call must
	 * still be pending for the fd to be the registrant's. */
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
		return -ESRCH;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EACCES;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*s->shared))
		return -EINVAL;
	return 0;
}

int sv_shared_attach(struct supervisor *s, int fd, const struct seccomp_notif *req)
{
	struct pending p = { .fd = fd, .id = req->id };
	struct mb_inproc_state *m;
	int mfd = -1, err = take(s, fd, req, &mfd);
	__u32 i;

	if (!err) {
		m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		if (m == MAP_FAILED)
			err = -errno;
		else if (m->magic != MB_INPROC_MAGIC || m->version != MB_INPROC_VERSION) {
			munmap(m, sizeof(*m));
			err = -EPROTO;
		} else {
			/* What we decided before (nothing, as a rule: the agent
			 * shares at once) joins the shared counts. */
			for (i = 0; i < MB_MAX_RULES; i++) {
				__atomic_add_fetch(&m->rules[i].calls, s->rules[i].calls,
						   __ATOMIC_RELAXED);
				__atomic_add_fetch(&m->rules[i].faults, s->rules[i].faults,
						   __ATOMIC_RELAXED);
				s->shared_flushed[i][0] =
					__atomic_load_n(&m->rules[i].ip_calls, __ATOMIC_RELAXED);
				s->shared_flushed[i][1] =
					__atomic_load_n(&m->rules[i].ip_faults, __ATOMIC_RELAXED);
			}
			s->shared = m;
		}
	}
	if (mfd >= 0)
		close(mfd);
	p.error = err;
	return sv_send_answer(s, &p);
}

void sv_shared_flush(struct supervisor *s, __u64 now)
{
	__u64 c, f, dc, df;
	__u32 i;

	if (!s->shared)
		return;
	for (i = 0; i < s->spec.n_rules && i < MB_MAX_RULES; i++) {
		/* faults first: a fault seen has its call counted already */
		f = __atomic_load_n(&s->shared->rules[i].ip_faults, __ATOMIC_ACQUIRE);
		c = __atomic_load_n(&s->shared->rules[i].ip_calls, __ATOMIC_ACQUIRE);
		dc = c - s->shared_flushed[i][0];
		df = f - s->shared_flushed[i][1];
		if (!dc && !df)
			continue;
		s->shared_flushed[i][0] = c;
		s->shared_flushed[i][1] = f;
		/* A fault may land in the flush after its call's: never compare
		 * the two deltas, only bound them. */
		if (dc > FLUSH_MAX || df > FLUSH_MAX)
			continue;
		sv_count_own(s, i, dc, df, now);
	}
}

int sv_shared_roll(struct supervisor *s, __u32 i, struct tid_info *t, __u64 now)
{
	const struct mb_rule *r = &s->spec.rules[i];
	__u64 start;

	if (r->delay_ns && (sv_process_start_ns(t, &start) || now < start + r->delay_ns)) {
		__atomic_add_fetch(&s->shared->rules[i].calls, 1, __ATOMIC_RELAXED);
		return -1;
	}
	return mb_inproc_roll(&s->shared->rules[i], r, false);
}

void sv_shared_fini(struct supervisor *s)
{
	if (!s->shared)
		return;
	sv_shared_flush(s, sv_now_ns());
	munmap(s->shared, sizeof(*s->shared));
	s->shared = NULL;
}

int sv_shared_timeout(const struct supervisor *s, int timeout_ms)
{
	if (!s->shared)
		return timeout_ms;
	return timeout_ms < 0 || timeout_ms > SHARED_FLUSH_MS ? SHARED_FLUSH_MS : timeout_ms;
}

/* --- a SIGSYS handler installed with a raw syscall ----------------------- */

/* The kernel's struct sigaction for rt_sigaction (x86_64, aarch64 alike:
 * handler, flags, restorer, mask). */
#define K_SIGACTION_SIZE 32

bool sv_is_raw_sigsys(const struct supervisor *s, const struct seccomp_notif *req)
{
	static int nr = -2;

	if (!s->shared || req->data.arch != s->audit_arch)
		return false;
	if (nr == -2)
		nr = mb_syscall_by_name((enum mb_arch)s->spec.arch, "rt_sigaction");
	return nr >= 0 && req->data.nr == nr && (int)req->data.args[0] == SIGSYS;
}

/*
 * rt_sigaction(SIGSYS, act, oact) made outside libc by a process whose
 * handler is in (its report says so; after an exec it is not): answered
 * as the kernel would, in that process's own memory, with the action the
 * agent keeps for the program at prog_action_addr, so the handler stays
 * ours and chains the program's. Anything else: the kernel's.
 */
int sv_shared_sigaction(struct supervisor *s, int fd, const struct seccomp_notif *req)
{
	struct pending p = { .fd = fd, .id = req->id };
	unsigned char act[K_SIGACTION_SIZE], old[K_SIGACTION_SIZE];
	unsigned long at = (unsigned long)__atomic_load_n(&s->shared->prog_action_addr,
							  __ATOMIC_RELAXED);
	pid_t tid = (pid_t)req->pid;
	__u64 id = req->id;
	char paths[8];

	if (!at || mb_proc_inproc_paths(tid, paths, sizeof(paths)) ||
	    mb_inproc_from_letter(paths[0]) != MB_IP_YES)
		return sv_answer_continue(s, fd, req->id);
	if (req->data.args[3] != 8)
		p.error = -EINVAL;
	else if (sv_remote_copy(tid, at, old, sizeof(old), false) ||
		 (req->data.args[1] &&
		  sv_remote_copy(tid, req->data.args[1], act, sizeof(act), false)) ||
		 (req->data.args[2] &&
		  sv_remote_copy(tid, req->data.args[2], old, sizeof(old), true)) ||
		 (req->data.args[1] && sv_remote_copy(tid, at, act, sizeof(act), true)))
		p.error = -EFAULT;
	/* Gone meanwhile: its memory was not the caller's to write. */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
		return 0;
	return sv_send_answer(s, &p);
}

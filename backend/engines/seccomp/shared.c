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
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engines/seccomp/supervisor.h"
#include "lib/inproc.h"

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

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "helper/identify.h"
#include "registry/registry.h"
#include "identity.skel.h"


/* Load and pin, with the registry lock held. */
static int load_and_pin(void)
{
	struct identity_bpf *skel;
	int err;

	skel = identity_bpf__open();
	if (!skel)
		return -errno;
	err = identity_bpf__load(skel);
	if (err)
		err = err == -EINVAL || err == -ENOENT ? -EOPNOTSUPP : err;
	else
		err = bpf_program__pin(skel->progs.mb_identity, MB_IDENTITY_PIN);
	identity_bpf__destroy(skel);
	return err;
}

int mb_identity_open(struct mb_identity_reader *r)
{
	int lock_fd, err = 0;

	r->prog_fd = bpf_obj_get(MB_IDENTITY_PIN);
	if (r->prog_fd >= 0)
		return 0;
	lock_fd = mb_registry_lock();
	if (lock_fd < 0)
		return lock_fd;
	r->prog_fd = bpf_obj_get(MB_IDENTITY_PIN);
	if (r->prog_fd < 0) {
		err = load_and_pin();
		if (!err) {
			r->prog_fd = bpf_obj_get(MB_IDENTITY_PIN);
			if (r->prog_fd < 0)
				err = -errno;
		}
	}
	mb_registry_unlock(lock_fd);
	return err;
}

void mb_identity_close(struct mb_identity_reader *r)
{
	if (r->prog_fd >= 0)
		close(r->prog_fd);
	r->prog_fd = -1;
}

static int same_ids(const struct mb_identity *a, const struct mb_identity *b)
{
	return !memcmp(a->uid, b->uid, sizeof(a->uid)) && !memcmp(a->gid, b->gid, sizeof(a->gid)) &&
	       a->cap_effective == b->cap_effective && a->userns_level == b->userns_level;
}

int mb_identity_same(const struct mb_identity *a, const struct mb_identity *b)
{
	return a->tgid == b->tgid && a->start_boottime == b->start_boottime && same_ids(a, b);
}

/* A task iterator bound to pidfd: its link (*link_fd) and the fd to read
 * records from. */
static int iter_open(struct mb_identity_reader *r, int pidfd, int *link_fd, const char **why)
{
	union bpf_iter_link_info linfo;
	LIBBPF_OPTS(bpf_link_create_opts, opts, .iter_info = &linfo,
		    .iter_info_len = sizeof(linfo));
	int fd, err;

	memset(&linfo, 0, sizeof(linfo));
	linfo.task.pid_fd = (__u32)pidfd;
	*link_fd = bpf_link_create(r->prog_fd, 0, BPF_TRACE_ITER, &opts);
	if (*link_fd < 0) {
		err = -errno;
		*why = "cannot bind a task iterator to the pidfd";
		return err == -EINVAL ? -EOPNOTSUPP : err;
	}
	fd = bpf_iter_create(*link_fd);
	if (fd < 0) {
		err = -errno;
		*why = "cannot read the task iterator";
		close(*link_fd);
		return err;
	}
	return fd;
}

/* The next record: 1, 0 at the end, or -errno. */
static int iter_next(int fd, struct mb_identity *rec, const char **why)
{
	ssize_t got;

	do
		got = read(fd, rec, sizeof(*rec));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(*rec))
		return 1;
	if (got == 0)
		return 0;
	*why = "short record from the task iterator";
	return got < 0 ? -errno : -EPROTO;
}

static void iter_close(int fd, int link_fd)
{
	close(fd);
	close(link_fd);
}

/* Alive now, so alive during the walk before: the number the iterator
 * looked up was never free to name another process. */
static int still_alive(int pidfd, const char **why)
{
	if (!syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0))
		return 0;
	*why = "it has exited";
	return -errno;
}

int mb_identity_read(struct mb_identity_reader *r, int pidfd, struct mb_identity *out,
		     const char **why)
{
	struct mb_identity rec;
	int fd, link, err, n = 0;

	*why = "";
	fd = iter_open(r, pidfd, &link, why);
	if (fd < 0)
		return fd;
	while ((err = iter_next(fd, &rec, why)) == 1) {
		if (n++ == 0) {
			*out = rec;
			continue;
		}
		/* A thread with other ids or rights than its process's is a
		 * process we cannot vouch for as a whole. */
		if (rec.tgid != out->tgid || !same_ids(&rec, out)) {
			err = -EPERM;
			*why = "its threads hold different ids or capabilities";
			break;
		}
	}
	iter_close(fd, link);
	if (!err && !n) {
		err = -ESRCH;
		*why = "it has exited";
	}
	return err ? err : still_alive(pidfd, why);
}

int mb_identity_thread(struct mb_identity_reader *r, int pidfd, __u32 ns_tid, __u32 *tid)
{
	struct mb_identity rec;
	const char *why;
	int fd, link, err;

	fd = iter_open(r, pidfd, &link, &why);
	if (fd < 0)
		return fd;
	*tid = 0;
	while ((err = iter_next(fd, &rec, &why)) == 1)
		if (rec.ns_tid == ns_tid)
			*tid = rec.tid;
	iter_close(fd, link);
	if (err)
		return err;
	if (!*tid)
		return -ESRCH;
	return still_alive(pidfd, &why);
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The seccomp user-notification supervisor. The target's filter sends the
 * calls of every rule that needs a decision (rate, delay, after/times,
 * path, latency) here; we decide each one and answer with an error, a fake
 * value or "continue". Latency never blocks the loop: delayed answers wait
 * in a deadline heap and poll() sleeps only until the nearest one.
 *
 * Runs in a process of its own, forked by the helper after it dropped its
 * privileges: everything it learns about the target comes from the
 * notification itself and from /proc, with the target's own credentials.
 *
 * This file: set-up, the poll loop, receiving a call; every other job has
 * a file of its own (supervisor.h lists them).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>

#include "engines/seccomp/supervisor.h"
#include "lib/name_tables.h"
#include "lib/spec_parse.h"

__u64 sv_now_ns(void)
{
	struct timespec ts;

	/* BOOTTIME: the clock /proc/PID/stat start times are counted on. */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

static int receive(struct supervisor *s, int fd)
{
	int err;

	/* The kernel refuses a buffer that is not all zeroes. */
	memset(s->req, 0, s->req_size);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, s->req)) {
		err = -errno;
		/* A signal, or the caller went away between poll and recv. */
		if (err == -EINTR || err == -ENOENT)
			return 0;
		return err;
	}
	return sv_decide(s, fd, s->req);
}

/* --- set-up and the loop ------------------------------------------------- */

static int audit_arch_of(__u16 arch, __u32 *audit)
{
	switch (arch) {
	case MB_ARCH_X86_64:
		*audit = AUDIT_ARCH_X86_64;
		return 0;
	case MB_ARCH_AARCH64:
		*audit = AUDIT_ARCH_AARCH64;
		return 0;
	}
	return -EINVAL;
}

int sv_add_listener(struct supervisor *s, int fd)
{
	if (s->n_listeners == MAX_LISTENERS)
		return -EMFILE;
	s->listeners[s->n_listeners++] = fd;
	/* Wake the target on the CPU that answers it (Linux 6.6): a round
	 * trip costs a third. Older kernels say EINVAL; it is only speed. */
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	return 0;
}

static int supervisor_init(struct supervisor *s, const struct mb_supervisor_args *a)
{
	struct seccomp_notif_sizes sizes;
	size_t i;
	int err;

	memset(s, 0, sizeof(*s));
	s->args = a;
	s->control_fd = -1;
	s->log_fd = -1;
	if (!a || (a->listener_fd < 0 && a->control_fd < 0) || !a->spec || !a->engines ||
	    a->spec->n_rules > MB_MAX_RULES)
		return -EINVAL;
	s->spec = *a->spec;
	if (a->control_fd >= 0) {
		/* C API: nothing is in force until the first ENABLE. */
		s->control_fd = a->control_fd;
		s->spec.n_rules = MB_MAX_RULES;
	} else {
		for (i = 0; i < a->spec->n_rules; i++) {
			s->engines[i] = a->engines[i];
			s->slots[i].active = true;
			s->order[s->n_order++] = (__u32)i;
		}
	}
	err = audit_arch_of(a->spec->arch, &s->audit_arch);
	if (err)
		return err;
	s->page_size = sysconf(_SC_PAGESIZE);
	if (s->page_size <= 0)
		s->page_size = 4096;

	/* The kernel's structs may be larger than this header's: size the
	 * buffers from what it says (Documentation/userspace-api/seccomp_filter). */
	s->req_size = sizeof(*s->req);
	s->resp_size = sizeof(*s->resp);
	if (!syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes)) {
		if (sizes.seccomp_notif > s->req_size)
			s->req_size = sizes.seccomp_notif;
		if (sizes.seccomp_notif_resp > s->resp_size)
			s->resp_size = sizes.seccomp_notif_resp;
	}
	s->ctl = malloc(sizeof(*s->ctl));
	s->req = calloc(1, s->req_size);
	s->resp = calloc(1, s->resp_size);
	s->paths = calloc(N_SYSCALL_ARGS, sizeof(*s->paths));
	if (!s->req || !s->resp || !s->paths || !s->ctl)
		return -ENOMEM;

	for (i = 0; mb_syscall_name_at(a->spec->arch, i); i++) {
		const char *name = mb_syscall_name_at(a->spec->arch, i);

		if (mb_syscall_dirfd_arg(name) >= 0 && s->n_at < MAX_AT_SYSCALLS)
			s->at_nrs[s->n_at++] = mb_syscall_by_name(a->spec->arch, name);
	}
	for (i = 0; i < s->n_order; i++) {
		sv_seed_rule(s, s->order[i]);
		sv_cover_rule(s, s->order[i]);
	}
	for (i = 0; i < MB_MAX_RULES; i++)
		s->log_path_arg[i] =
			i < a->spec->n_rules && a->spec->rules[i].kind == MB_RULE_SYSCALL
				? mb_syscall_path_arg(mb_syscall_name(
					  (enum mb_arch)a->spec->arch, a->spec->rules[i].sys.nr))
				: -1;
	sv_shape_init(s);
	sv_count_init(s);
	sv_log_open(s, a->log_path);
	if (a->listener_fd >= 0)
		sv_add_listener(s, a->listener_fd);
	return 0;
}

static void supervisor_fini(struct supervisor *s)
{
	int i;

	for (i = 0; i < s->n_listeners; i++)
		close(s->listeners[i]);
	if (s->control_fd >= 0)
		close(s->control_fd);
	for (i = 0; i < MAX_GUESTS; i++) {
		if (s->guests[i].state == GUEST_FREE)
			continue;
		if (s->guests[i].sock >= 0)
			close(s->guests[i].sock);
		close(s->guests[i].pidfd);
	}
	sv_count_fini(s);
	free(s->ctl);
	free(s->req);
	free(s->resp);
	free(s->paths);
	free(s->heap);
	if (s->log_fd >= 0)
		close(s->log_fd);
	free(s->log_line);
}

/* The control socket or a listener (a guest's descriptor that went
 * earlier in the same round is neither any more). */
static bool is_listener(const struct supervisor *s, int fd)
{
	int i;

	if (fd == s->control_fd)
		return true;
	for (i = 0; i < s->n_listeners; i++)
		if (s->listeners[i] == fd)
			return true;
	return false;
}

int mb_supervise(const struct mb_supervisor_args *args)
{
	struct pollfd pfd[MAX_LISTENERS + 1 + 2 * MAX_GUESTS];
	int live[MAX_LISTENERS];
	struct supervisor s;
	int err, n, i, npfd;

	err = supervisor_init(&s, args);
	if (err)
		goto out;
	for (i = 0; i < MAX_LISTENERS; i++)
		live[i] = 1;
	sv_wait_init(&s);
	for (;;) {
		/* Only held-back answers and the in-process path's flush need
		 * the time here: at the floor (neither) the call's own decision
		 * reads it. */
		__u64 now = s.n_pending || s.shared ? sv_now_ns() : 0;

		err = sv_flush_due(&s, now);
		if (err)
			break;
		sv_shared_flush(&s, now);
		if (sv_wait_blocking(&s, live)) {
			err = sv_wait_recv(&s, live);
			if (err)
				break;
			continue;
		}
		npfd = 0;
		for (i = 0; i < s.n_listeners; i++) {
			if (!live[i])
				continue;
			pfd[npfd] = (struct pollfd){ .fd = s.listeners[i], .events = POLLIN };
			npfd++;
		}
		if (s.control_fd >= 0)
			pfd[npfd++] = (struct pollfd){ .fd = s.control_fd, .events = POLLIN };
		npfd += sv_guest_pollfds(&s, pfd + npfd);
		/* Every process using the filters is gone, and so is the API. */
		if (!npfd && !s.n_pending)
			break;
		n = poll(pfd, (nfds_t)npfd, sv_shared_timeout(&s, sv_next_timeout(&s, now)));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		for (i = 0; n > 0 && i < npfd; i++) {
			struct pollfd *p = &pfd[i];

			if (!p->revents)
				continue;
			if (sv_guest_event(&s, p) || !is_listener(&s, p->fd))
				continue;
			if (p->revents & POLLNVAL) {
				err = -EBADF;
				goto out;
			}
			if (p->fd == s.control_fd) {
				if ((p->revents & POLLIN) && !(err = sv_control(&s)))
					continue;
				if (err && err != -ECONNRESET)
					goto out;
				err = 0;
				sv_control_gone(&s);
				continue;
			}
			if (p->revents & POLLIN) {
				err = receive(&s, p->fd);
				if (err)
					goto out;
				continue;
			}
			/* POLLHUP: no task uses this filter any more; answers
			 * still held back for it fail harmlessly (ENOENT). */
			for (int j = 0; j < s.n_listeners; j++)
				if (s.listeners[j] == p->fd)
					live[j] = 0;
		}
	}
out:
	sv_shared_fini(&s);
	supervisor_fini(&s);
	return err;
}

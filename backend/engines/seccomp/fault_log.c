/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* MINDERBINDER_LOG: one JSON line per fault the supervisor decides. */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "engines/seccomp/supervisor.h"
#include "lib/json_log.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "lib/spec_parse.h"

void sv_log_open(struct supervisor *s, const char *path)
{
	s->log_fd = -1;
	if (!path)
		return;
	s->log_line = malloc(LOG_LINE_MAX);
	if (!s->log_line)
		return;
	/* Checked by the helper already; a FIFO swapped in since is dropped. */
	s->log_fd = mb_log_open(path);
}

/*
 * One line for the fault rule i decided on the call req: written before the
 * answer, while the thread is still in the call, so /proc still tells of
 * it. The path is the one the rule matched, else, when the syscall takes
 * one, read now (and dropped if the call went away meanwhile).
 */
void sv_log_fault(struct supervisor *s, int fd, const struct seccomp_notif *req,
		  struct tid_info *t, __u32 i)
{
	const struct mb_rule *r = &s->spec.rules[i];
	struct mb_log_line l = { .buf = s->log_line, .cap = LOG_LINE_MAX - 1 };
	const char *name = mb_syscall_name((enum mb_arch)s->spec.arch, (int)req->data.nr);
	const char *path = NULL;
	char rule[1024], comm[64];
	struct timespec ts;
	pid_t tgid = t->tgid;
	int arg = -1;
	ssize_t n;

	bool fd_arg;
	int rule_arg = mb_rule_path_arg((enum mb_arch)s->spec.arch, r, (int)req->data.nr, &fd_arg);
	/* a family's member says its own path argument, call by call */
	int log_arg = r->sys.family ? mb_syscall_path_arg(name) : s->log_path_arg[i];

	if ((r->flags & MB_F_PATH) && path_arg_ok(rule_arg)) {
		arg = rule_arg;
	} else if (path_arg_ok(log_arg)) {
		arg = log_arg;
		if (s->paths[arg].state == 1) {
			__u64 id = req->id;

			s->paths[arg].state = sv_resolve_path(s, req, arg, s->paths[arg].buf);
			if (!s->paths[arg].state && ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
				s->paths[arg].state = -ENOENT;
		}
	}
	if (arg >= 0 && s->paths[arg].state == 0)
		path = s->paths[arg].buf;
	if (!tgid && !sv_proc_tgid((pid_t)req->pid, &tgid))
		t->tgid = tgid;
	mb_proc_comm((pid_t)req->pid, comm, sizeof(comm));
	if (mb_rule_format(r, (enum mb_arch)s->spec.arch, rule, sizeof(rule)) < 0)
		rule[0] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	mb_log_put(&l, "{\"time\":", 8);
	mb_log_json_time(&l, &ts);
	mb_log_putf(&l, ",\"pid\":%d,\"tid\":%d,\"comm\":", (int)tgid, (int)req->pid);
	mb_log_json_str(&l, comm);
	mb_log_put(&l, ",\"syscall\":", 11);
	if (name)
		mb_log_json_str(&l, name);
	else
		mb_log_putf(&l, "\"syscall%d\"", (int)req->data.nr);
	if (path) {
		mb_log_put(&l, ",\"path\":", 8);
		mb_log_json_str(&l, path);
	}
	mb_log_put(&l, ",\"result\":", 10);
	if (r->sys.result == MB_RES_ERRNO) {
		const char *e = mb_errno_name((int)r->sys.value);

		if (e)
			mb_log_json_str(&l, e);
		else
			mb_log_putf(&l, "\"-%lld\"", (long long)r->sys.value);
	} else if (r->sys.result == MB_RES_VALUE) {
		mb_log_putf(&l, "\"%+lld\"", (long long)r->sys.value);
	} else {
		mb_log_put(&l, "\"latency\"", 9);
	}
	if (r->latency_ns)
		mb_log_putf(&l, ",\"latency_ns\":%llu", (unsigned long long)r->latency_ns);
	mb_log_put(&l, ",\"rule\":", 8);
	mb_log_json_str(&l, rule);
	mb_log_putf(&l, ",\"rule_index\":%u,\"engine\":\"seccomp\"}", i);
	if (l.full)
		return; /* cannot happen with LOG_LINE_MAX; never a torn line */
	l.buf[l.len++] = '\n';
	/* One write: O_APPEND keeps lines from several supervisors whole. */
	do
		n = write(s->log_fd, l.buf, l.len);
	while (n < 0 && errno == EINTR);
}

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
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "engines/seccomp/supervise.h"
#include "lib/json_log.h"
#include "minderbinder/wire.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "registry/registry.h"
#include "lib/spec_parse.h"

/* Linux 6.6; older headers lack them, older kernels refuse them (fine). */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define MB_AT_FDCWD (-100)
#define N_SYSCALL_ARGS 6
/* Longest path the kernel itself accepts, terminator included. */
#define REMOTE_PATH_MAX 4096
/* A cwd or dirfd prefix, '/', then the remote path. */
#define FULL_PATH_MAX (2 * PATH_MAX + 2)
/*
 * Facts about a thread are cached, but only for a second: a tid can be
 * reused by another process, and pid_max cannot wrap that fast.
 */
#define TID_CACHE_SIZE 64
#define TID_TTL_NS NSEC_PER_SEC
#define MAX_AT_SYSCALLS 24
/* The C API adds a filter layer (and listener) per new set of syscalls. */
#define MAX_LISTENERS 32
/* One MINDERBINDER_LOG line: a path escaped at worst 6 bytes a byte. */
#define LOG_LINE_MAX (64 * 1024)

/* Where a rule is in force. The environment's rules are all active for
 * good; the C API's come and go with their handle. */
struct slot {
	bool active;
	__u32 handle;
	__u32 pos; /* index of the rule in its handle's spec */
	pid_t tid; /* MB_SCOPE_THREAD: only this thread; 0: every one */
};

struct rule_state {
	__u64 calls;  /* matching calls seen */
	__u64 faults; /* faults decided (a slowed call counts) */
	__u64 rng[4]; /* xoshiro256** state */
};

struct tid_info {
	pid_t tid;    /* 0: empty slot */
	pid_t tgid;   /* 0 until needed */
	bool subject; /* inside the registration's scope */
	bool have_start;
	bool start_failed;
	__u64 start_ns; /* CLOCK_BOOTTIME start of the thread's process */
	__u64 seen_ns;	/* when this entry was filled */
};

/* An answer held back by latency=. */
struct pending {
	__u64 deadline;
	int fd; /* the listener the call came from */
	__u32 pad;
	__u64 id;
	__s64 val;
	__s32 error;
	__u32 flags;
};

/* A path argument as read from the target: 0 read, -errno failed, 1 unread. */
struct remote_path {
	int state;
	char buf[FULL_PATH_MAX];
};

struct supervisor {
	const struct mb_supervisor_args *args;
	struct mb_spec spec; /* our own copy: the C API changes it */
	__u32 engines[MB_MAX_RULES];
	struct slot slots[MB_MAX_RULES];
	/* Rule indices in decision order: the newest handle's rules first,
	 * so an inner MB_WITH_FAILURES block wins over an outer one. */
	__u32 order[MB_MAX_RULES];
	__u32 n_order;
	int listeners[MAX_LISTENERS];
	int n_listeners;
	int control_fd; /* C API; -1 once closed or in environment mode */
	struct mb_ctl_msg *ctl; /* receive buffer for control messages */
	__u32 audit_arch;
	long page_size;
	int at_nrs[MAX_AT_SYSCALLS];
	int n_at;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	struct rule_state rules[MB_MAX_RULES];
	struct tid_info tids[TID_CACHE_SIZE];
	struct remote_path *paths; /* one per syscall argument */
	struct pending *heap;	   /* min-heap on deadline */
	size_t n_pending, heap_cap;
	int log_fd;	/* MINDERBINDER_LOG, or -1 */
	char *log_line; /* LOG_LINE_MAX bytes when log_fd >= 0 */
	int log_path_arg[MB_MAX_RULES]; /* per rule: the syscall's path arg, or -1 */
};


static __u64 now_ns(void)
{
	struct timespec ts;

	/* BOOTTIME: the clock /proc/PID/stat start times are counted on. */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

/* --- random streams ----------------------------------------------------- */

static __u64 splitmix64(__u64 *x)
{
	__u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 rotl64(__u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static __u64 xoshiro_next(__u64 *s)
{
	__u64 r = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return r;
}

static void rng_seed(__u64 *s, __u64 seed)
{
	int i;

	/* splitmix64 expands any seed, 0 included, into a non-zero state. */
	for (i = 0; i < 4; i++)
		s[i] = splitmix64(&seed);
}

/* True with probability ppm / MB_RATE_ONE. */
static bool coin(__u64 *s, __u32 ppm)
{
	__u64 r = xoshiro_next(s) >> 32;

	return (__u32)((r * MB_RATE_ONE) >> 32) < ppm;
}

/* --- the deadline heap -------------------------------------------------- */

static int heap_push(struct supervisor *s, const struct pending *p)
{
	size_t i;

	if (s->n_pending == s->heap_cap) {
		size_t cap = s->heap_cap ? s->heap_cap * 2 : 16;
		struct pending *h = realloc(s->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->heap_cap = cap;
	}
	i = s->n_pending++;
	while (i > 0 && s->heap[(i - 1) / 2].deadline > p->deadline) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = *p;
	return 0;
}

static void heap_pop(struct supervisor *s, struct pending *out)
{
	struct pending last;
	size_t i = 0, c;

	*out = s->heap[0];
	last = s->heap[--s->n_pending];
	while ((c = 2 * i + 1) < s->n_pending) {
		if (c + 1 < s->n_pending && s->heap[c + 1].deadline < s->heap[c].deadline)
			c++;
		if (last.deadline <= s->heap[c].deadline)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->n_pending)
		s->heap[i] = last;
}

/* --- answering ---------------------------------------------------------- */

static int send_answer(struct supervisor *s, const struct pending *p)
{
	int err;

	memset(s->resp, 0, s->resp_size);
	s->resp->id = p->id;
	s->resp->val = p->val;
	s->resp->error = p->error;
	s->resp->flags = p->flags;
	if (!ioctl(p->fd, SECCOMP_IOCTL_NOTIF_SEND, s->resp))
		return 0;
	err = -errno;
	/* The task was killed, or a signal interrupted its call, while we
	 * decided: there is nobody left to answer. */
	if (err == -ENOENT)
		return 0;
	return err;
}

static int answer_continue(struct supervisor *s, int fd, __u64 id)
{
	struct pending p = {.fd = fd, .id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};

	return send_answer(s, &p);
}

static int flush_due(struct supervisor *s, __u64 now)
{
	struct pending p;
	int err;

	while (s->n_pending && s->heap[0].deadline <= now) {
		heap_pop(s, &p);
		err = send_answer(s, &p);
		if (err)
			return err;
	}
	return 0;
}

/* --- facts about the calling thread ------------------------------------ */

static int proc_tgid(pid_t tid, pid_t *tgid)
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

static struct tid_info *tid_lookup(struct supervisor *s, pid_t tid, __u64 now)
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
	}
	return t;
}

/* delay= counts from the start of the calling process, not the target's:
 * a child started later gets its own grace period, as in the seed. */
static int process_start_ns(struct tid_info *t, __u64 *start)
{
	__u64 ticks;

	if (!t->have_start && !t->start_failed) {
		if ((!t->tgid && proc_tgid(t->tid, &t->tgid)) ||
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

/* A NUL-terminated string from the target, read a page at a time: the
 * string may end just before an unmapped page. */
static int read_remote_string(struct supervisor *s, pid_t tid, __u64 addr, char *buf,
			      size_t size)
{
	size_t got = 0;

	if (!addr)
		return -EFAULT;
	while (got < size) {
		__u64 at = addr + got;
		size_t chunk = (size_t)s->page_size - (size_t)(at % (__u64)s->page_size);
		struct iovec local, remote;
		ssize_t n;

		if (chunk > size - got)
			chunk = size - got;
		local.iov_base = buf + got;
		local.iov_len = chunk;
		remote.iov_base = (void *)(unsigned long)at;
		remote.iov_len = chunk;
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EFAULT;
		if (memchr(buf + got, '\0', (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

static int read_link(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);

	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

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
static int resolve_path(struct supervisor *s, const struct seccomp_notif *req, int arg,
			char *out)
{
	char remote[REMOTE_PATH_MAX], proc[64];
	const char *rel;
	size_t len;
	int err, dirfd;

	err = read_remote_string(s, (pid_t)req->pid, req->data.args[arg], remote,
				 sizeof(remote));
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
	err = read_link(proc, out, PATH_MAX + 1);
	if (err)
		return err;
	rel = remote;
	while (rel[0] == '.' && rel[1] == '/') {
		rel += 2;
		while (*rel == '/')
			rel++;
	}
	/* "" (AT_EMPTY_PATH) and "." name the directory itself. */
	if (!rel[0] || !strcmp(rel, "."))
		return 0;
	len = strlen(out);
	if (len > 0 && out[len - 1] != '/')
		out[len++] = '/';
	memcpy(out + len, rel, strlen(rel) + 1);
	return 0;
}

/* --- deciding a call ----------------------------------------------------- */

static bool rule_considered(const struct supervisor *s, __u32 i, int nr, pid_t tid)
{
	const struct mb_rule *r = &s->spec.rules[i];
	__u32 e = s->engines[i];

	if (!s->slots[i].active || (s->slots[i].tid && s->slots[i].tid != tid))
		return false;
	return r->kind == MB_RULE_SYSCALL && r->sys.nr == nr &&
	       (e == MB_ENGINE_SECCOMP_ERRNO || e == MB_ENGINE_SECCOMP_NOTIF);
}

static bool path_arg_ok(int arg)
{
	return arg >= 0 && arg < N_SYSCALL_ARGS;
}

/*
 * Reads every path argument the call's rules look at, then checks the
 * notification is still live: only then do the /proc answers belong to
 * the thread that made the call. Returns -ENOENT when it is not.
 */
static int read_paths(struct supervisor *s, int fd, const struct seccomp_notif *req)
{
	bool any = false;
	__u64 id = req->id;
	__u32 k, i;
	int arg;

	for (arg = 0; arg < N_SYSCALL_ARGS; arg++)
		s->paths[arg].state = 1;
	for (k = 0; k < s->n_order; k++) {
		const struct mb_rule *r = &s->spec.rules[i = s->order[k]];

		if (!rule_considered(s, i, req->data.nr, (pid_t)req->pid) ||
		    !(r->flags & MB_F_PATH))
			continue;
		arg = r->sys.path_arg;
		if (!path_arg_ok(arg) || s->paths[arg].state != 1)
			continue;
		s->paths[arg].state = resolve_path(s, req, arg, s->paths[arg].buf);
		any = true;
	}
	if (any && ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
		return -ENOENT;
	return 0;
}

static bool path_matches(const struct supervisor *s, const struct mb_rule *r)
{
	const struct remote_path *p;

	if (!(r->flags & MB_F_PATH))
		return true;
	if (!path_arg_ok(r->sys.path_arg))
		return false;
	p = &s->paths[r->sys.path_arg];
	/* No flags: a star crosses slashes, so one glob covers a tree. */
	return p->state == 0 && !fnmatch(r->sys.path, p->buf, 0);
}

/* --- MINDERBINDER_LOG ---------------------------------------------------- */

static void log_open(struct supervisor *s, const char *path)
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
static void log_fault(struct supervisor *s, int fd, const struct seccomp_notif *req,
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

	if ((r->flags & MB_F_PATH) && path_arg_ok(r->sys.path_arg)) {
		arg = r->sys.path_arg;
	} else if (path_arg_ok(s->log_path_arg[i])) {
		arg = s->log_path_arg[i];
		if (s->paths[arg].state == 1) {
			__u64 id = req->id;

			s->paths[arg].state = resolve_path(s, req, arg, s->paths[arg].buf);
			if (!s->paths[arg].state && ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
				s->paths[arg].state = -ENOENT;
		}
	}
	if (arg >= 0 && s->paths[arg].state == 0)
		path = s->paths[arg].buf;
	if (!tgid && !proc_tgid((pid_t)req->pid, &tgid))
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

/* May the rule fault this call? The call is already counted. */
static bool rule_open(const struct mb_rule *r, const struct rule_state *st,
		      struct tid_info *t, __u64 now)
{
	__u64 start;

	if (r->delay_ns && (process_start_ns(t, &start) || now < start + r->delay_ns))
		return false;
	if (st->calls <= r->after)
		return false;
	return !r->times || st->faults < r->times;
}

static void count(struct supervisor *s, __u64 called, __u64 faulted, __u64 now)
{
	__u32 i;

	if (s->args->counters_fd < 0 || s->control_fd >= 0)
		return; /* the C API's slots are not the registry's rule numbers */
	for (i = 0; i < s->spec.n_rules; i++) {
		if (!(called & (1ULL << i)))
			continue;
		/* Fails by design once the target exited (BPF_EXIST): its
		 * descendants may still call, but nobody reads its counters. */
		mb_registry_count(s->args->counters_fd, s->args->reg_tgid,
				  s->args->reg_start_ticks, i, 1,
				  (faulted >> i) & 1, now);
	}
}

static bool any_rule_for(const struct supervisor *s, int nr, pid_t tid)
{
	__u32 k;

	for (k = 0; k < s->n_order; k++)
		if (rule_considered(s, s->order[k], nr, tid))
			return true;
	return false;
}

/*
 * The first rule that matches the call and is open decides it, with its own
 * coin; a rule that is not open (delay, after, times) lets the next one
 * try. A coin that says "no fault" lets the call run.
 */
static int decide(struct supervisor *s, int fd, const struct seccomp_notif *req)
{
	struct pending p = {.fd = fd, .id = req->id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
	__u64 now = now_ns(), called = 0, faulted = 0, latency = 0;
	pid_t tid = (pid_t)req->pid;
	struct tid_info *t;
	__u32 k, i, hit = 0;

	if (req->data.arch != s->audit_arch || !any_rule_for(s, req->data.nr, tid))
		return answer_continue(s, fd, req->id);
	t = tid_lookup(s, tid, now);
	if (!t->subject)
		return answer_continue(s, fd, req->id);
	/* Gone while we read its memory: the kernel has cleaned up already. */
	if (read_paths(s, fd, req))
		return 0;

	for (k = 0; k < s->n_order; k++) {
		const struct mb_rule *r = &s->spec.rules[i = s->order[k]];
		struct rule_state *st = &s->rules[i];

		if (!rule_considered(s, i, req->data.nr, tid) || !path_matches(s, r))
			continue;
		st->calls++;
		called |= 1ULL << i;
		if (!rule_open(r, st, t, now))
			continue;
		if (coin(st->rng, r->rate_ppm)) {
			st->faults++;
			faulted |= 1ULL << i;
			hit = i;
			latency = r->latency_ns;
			if (r->sys.result == MB_RES_ERRNO) {
				p.flags = 0;
				p.error = -(__s32)r->sys.value;
			} else if (r->sys.result == MB_RES_VALUE) {
				p.flags = 0;
				p.val = r->sys.value;
			}
		}
		break;
	}
	count(s, called, faulted, now);
	if (faulted && s->log_fd >= 0)
		log_fault(s, fd, req, t, hit);

	if (latency) {
		p.deadline = now + latency;
		/* Out of memory: better a fault without its latency than a
		 * dead supervisor (every filtered call would get ENOSYS). */
		if (!heap_push(s, &p))
			return 0;
	}
	return send_answer(s, &p);
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
	return decide(s, fd, s->req);
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

static void seed_rule(struct supervisor *s, __u32 i)
{
	const struct mb_rule *r = &s->spec.rules[i];
	__u64 seed;

	memset(&s->rules[i], 0, sizeof(s->rules[i]));
	if (r->flags & MB_F_SEED)
		seed = r->seed;
	else if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		/* Unseeded rules only need to differ between runs. */
		seed = now_ns() ^ ((__u64)getpid() << 32) ^ i;
	rng_seed(s->rules[i].rng, seed);
}

static int add_listener(struct supervisor *s, int fd)
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
	for (i = 0; i < s->n_order; i++)
		seed_rule(s, s->order[i]);
	for (i = 0; i < MB_MAX_RULES; i++)
		s->log_path_arg[i] =
			i < a->spec->n_rules && a->spec->rules[i].kind == MB_RULE_SYSCALL
				? mb_syscall_path_arg(mb_syscall_name(
					  (enum mb_arch)a->spec->arch, a->spec->rules[i].sys.nr))
				: -1;
	log_open(s, a->log_path);
	if (a->listener_fd >= 0)
		add_listener(s, a->listener_fd);
	return 0;
}

static void supervisor_fini(struct supervisor *s)
{
	int i;

	for (i = 0; i < s->n_listeners; i++)
		close(s->listeners[i]);
	if (s->control_fd >= 0)
		close(s->control_fd);
	free(s->ctl);
	free(s->req);
	free(s->resp);
	free(s->paths);
	free(s->heap);
	if (s->log_fd >= 0)
		close(s->log_fd);
	free(s->log_line);
}

/* Milliseconds until the nearest held-back answer, rounded up; -1 for none. */
static int next_timeout(const struct supervisor *s, __u64 now)
{
	__u64 ms;

	if (!s->n_pending)
		return -1;
	if (s->heap[0].deadline <= now)
		return 0;
	ms = (s->heap[0].deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* --- the C API's control socket ----------------------------------------- */

/* A handle's rule slots, in the order of its spec. */
static __u32 handle_slots(const struct supervisor *s, __u32 handle, __u32 *idx)
{
	__u32 n = 0, i, j;

	for (i = 0; i < MB_MAX_RULES; i++) {
		if (!s->slots[i].active || s->slots[i].handle != handle)
			continue;
		for (j = n; j > 0 && s->slots[idx[j - 1]].pos > s->slots[i].pos; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		n++;
	}
	return n;
}

static void ctl_reply(struct supervisor *s, int status, __u32 handle, const char *msg)
{
	struct mb_ctl_reply r;
	__u32 idx[MB_MAX_RULES], i;

	memset(&r, 0, sizeof(r));
	r.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_CTL_REPLY };
	r.status = status;
	if (!status) {
		r.n_rules = handle_slots(s, handle, idx);
		for (i = 0; i < r.n_rules; i++) {
			r.stats[i].calls = s->rules[idx[i]].calls;
			r.stats[i].faults = s->rules[idx[i]].faults;
		}
	}
	snprintf(r.msg, sizeof(r.msg), "%.*s", (int)sizeof(r.msg) - 1, msg);
	send(s->control_fd, &r, sizeof(r), MSG_NOSIGNAL);
}

static void unorder(struct supervisor *s, __u32 slot)
{
	__u32 k;

	for (k = 0; k < s->n_order; k++) {
		if (s->order[k] != slot)
			continue;
		memmove(&s->order[k], &s->order[k + 1],
			(s->n_order - k - 1) * sizeof(s->order[0]));
		s->n_order--;
		return;
	}
}

static int ctl_enable(struct supervisor *s, const struct mb_ctl_msg *m)
{
	__u32 free_slots[MB_MAX_RULES], n_free = 0, idx[MB_MAX_RULES], i;
	struct mb_error err;

	if (mb_spec_validate(&m->spec, &err) || m->spec.arch != s->spec.arch) {
		ctl_reply(s, -EINVAL, 0, err.msg);
		return 0;
	}
	if (!m->handle || handle_slots(s, m->handle, idx) ||
	    (m->scope != MB_SCOPE_THREAD && m->scope != MB_SCOPE_PROCESS)) {
		ctl_reply(s, -EINVAL, 0, "bad handle or scope");
		return 0;
	}
	for (i = 0; i < m->spec.n_rules; i++) {
		if (m->spec.rules[i].kind != MB_RULE_SYSCALL) {
			ctl_reply(s, -EINVAL, 0, "only syscall rules go to the supervisor");
			return 0;
		}
	}
	for (i = 0; i < MB_MAX_RULES; i++)
		if (!s->slots[i].active)
			free_slots[n_free++] = i;
	if (n_free < m->spec.n_rules) {
		ctl_reply(s, -E2BIG, 0, "too many rules enabled at once (at most 32 in all)");
		return 0;
	}
	/* The newest handle's rules go first: the innermost block decides. */
	memmove(&s->order[m->spec.n_rules], &s->order[0], s->n_order * sizeof(s->order[0]));
	for (i = 0; i < m->spec.n_rules; i++) {
		__u32 slot = free_slots[i];

		s->spec.rules[slot] = m->spec.rules[i];
		s->engines[slot] = MB_ENGINE_SECCOMP_NOTIF;
		s->slots[slot] = (struct slot){ .active = true, .handle = m->handle,
						.tid = m->scope == MB_SCOPE_THREAD ? m->tid : 0,
						.pos = i };
		seed_rule(s, slot);
		s->order[i] = slot;
	}
	s->n_order += m->spec.n_rules;
	ctl_reply(s, 0, m->handle, "ok");
	return 0;
}

static void ctl_disable(struct supervisor *s, __u32 handle)
{
	__u32 idx[MB_MAX_RULES], n, i;

	n = handle_slots(s, handle, idx);
	if (!n) {
		ctl_reply(s, -ENOENT, 0, "no such handle");
		return;
	}
	/* The reply carries the final counts: stats of a disabled handle. */
	ctl_reply(s, 0, handle, "ok");
	for (i = 0; i < n; i++) {
		s->slots[idx[i]].active = false;
		unorder(s, idx[i]);
	}
}

static bool is_seccomp_listener(int fd)
{
	char path[64], link[64] = "";

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return readlink(path, link, sizeof(link) - 1) > 0 &&
	       !strcmp(link, "anon_inode:seccomp notify");
}

/* One control message. Returns -ECONNRESET when the C API side is gone. */
static int control(struct supervisor *s)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct mb_ctl_msg *m = s->ctl;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd = -1;
	ssize_t n;

	n = recvmsg(s->control_fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -ECONNRESET;
	if (n == 0)
		return -ECONNRESET;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if ((size_t)n != sizeof(*m) || m->hdr.magic != MB_WIRE_MAGIC ||
	    m->hdr.version != MB_WIRE_VERSION) {
		if (fd >= 0)
			close(fd);
		ctl_reply(s, -EPROTO, 0, "malformed control message");
		return 0;
	}
	if (fd >= 0 && (!m->has_listener || !is_seccomp_listener(fd) ||
			add_listener(s, fd))) {
		close(fd);
		ctl_reply(s, -EBADF, 0, "bad listener");
		return 0;
	}
	switch (m->hdr.type) {
	case MB_CTL_ENABLE:
		return ctl_enable(s, m);
	case MB_CTL_DISABLE:
		ctl_disable(s, m->handle);
		return 0;
	case MB_CTL_RELEASE:
		/* The kernel allows one listener per filter chain: the C API
		 * must detach ours before it installs a wider layer. Answers
		 * still held back for them have nobody to go to. */
		for (int i = 0; i < s->n_listeners; i++)
			close(s->listeners[i]);
		s->n_listeners = 0;
		s->n_pending = 0;
		ctl_reply(s, 0, 0, "ok");
		return 0;
	case MB_CTL_STATS:
		if (handle_slots(s, m->handle, (__u32[MB_MAX_RULES]){ 0 }))
			ctl_reply(s, 0, m->handle, "ok");
		else
			ctl_reply(s, -ENOENT, 0, "no such handle");
		return 0;
	}
	ctl_reply(s, -EPROTO, 0, "unknown control message");
	return 0;
}

/* The C API side went away: nothing it enabled stays in force. */
static void control_gone(struct supervisor *s)
{
	__u32 i;

	close(s->control_fd);
	s->control_fd = -1;
	for (i = 0; i < MB_MAX_RULES; i++)
		s->slots[i].active = false;
	s->n_order = 0;
}

int mb_supervise(const struct mb_supervisor_args *args)
{
	struct pollfd pfd[MAX_LISTENERS + 1];
	int live[MAX_LISTENERS];
	struct supervisor s;
	int err, n, i, npfd;

	err = supervisor_init(&s, args);
	if (err)
		goto out;
	for (i = 0; i < MAX_LISTENERS; i++)
		live[i] = 1;
	for (;;) {
		__u64 now = now_ns();

		err = flush_due(&s, now);
		if (err)
			break;
		npfd = 0;
		for (i = 0; i < s.n_listeners; i++) {
			if (!live[i])
				continue;
			pfd[npfd] = (struct pollfd){ .fd = s.listeners[i], .events = POLLIN };
			npfd++;
		}
		if (s.control_fd >= 0)
			pfd[npfd++] = (struct pollfd){ .fd = s.control_fd, .events = POLLIN };
		/* Every process using the filters is gone, and so is the API. */
		if (!npfd && !s.n_pending)
			break;
		n = poll(pfd, (nfds_t)npfd, next_timeout(&s, now));
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
			if (p->revents & POLLNVAL) {
				err = -EBADF;
				goto out;
			}
			if (p->fd == s.control_fd) {
				if ((p->revents & POLLIN) && !(err = control(&s)))
					continue;
				if (err && err != -ECONNRESET)
					goto out;
				err = 0;
				control_gone(&s);
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
	supervisor_fini(&s);
	return err;
}

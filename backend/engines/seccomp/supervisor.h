/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The supervisor's state, shared by the files of engines/seccomp/ and by
 * nobody else (the helper sees only supervise.h): each file does one job
 * on one struct supervisor, and the functions named here are how the jobs
 * call one another.
 */
#ifndef MB_ENGINE_SECCOMP_SUPERVISOR_H
#define MB_ENGINE_SECCOMP_SUPERVISOR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/seccomp.h>

#include "engines/seccomp/supervise.h"
#include "minderbinder/wire.h"

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
	__u64 rng;    /* seed='s stream, minderbinder/rng.h */
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
	struct mb_counters count_cache[MB_MAX_RULES]; /* count.c */
	__u64 count_verified_ns[MB_MAX_RULES];	      /* 0: read it back first */
	bool block_in_recv; /* wait.c: the kernel can wake a RECV at HUP */
};

static inline bool path_arg_ok(int arg)
{
	return arg >= 0 && arg < N_SYSCALL_ARGS;
}

/* supervise.c */
__u64 sv_now_ns(void);
int sv_add_listener(struct supervisor *s, int fd);

/* rng.c: each rule's coin */
void sv_seed_rule(struct supervisor *s, __u32 i);
bool sv_coin(struct rule_state *st, __u32 ppm);

/* deadline.c: answers, now or held back by latency= */
int sv_heap_push(struct supervisor *s, const struct pending *p);
int sv_send_answer(struct supervisor *s, const struct pending *p);
int sv_answer_continue(struct supervisor *s, int fd, __u64 id);
int sv_flush_due(struct supervisor *s, __u64 now);
int sv_next_timeout(const struct supervisor *s, __u64 now);

/* remote.c: facts about the calling thread, read from /proc and its memory */
int sv_proc_tgid(pid_t tid, pid_t *tgid);
struct tid_info *sv_tid_lookup(struct supervisor *s, pid_t tid, __u64 now);
int sv_process_start_ns(struct tid_info *t, __u64 *start);
int sv_resolve_path(struct supervisor *s, const struct seccomp_notif *req, int arg,
		    char *out);
int sv_resolve_fd_path(const struct seccomp_notif *req, int arg, char *out);

/* count.c: the registry's counters */
void sv_count(struct supervisor *s, __u64 called, __u64 faulted, __u64 now);

/* wait.c: one listener and nothing else to wait for: block in NOTIF_RECV */
void sv_wait_init(struct supervisor *s);
bool sv_wait_blocking(const struct supervisor *s, const int *live);
int sv_wait_recv(struct supervisor *s, int *live);

/* decide.c */
int sv_decide(struct supervisor *s, int fd, const struct seccomp_notif *req);

/* fault_log.c: MINDERBINDER_LOG */
void sv_log_open(struct supervisor *s, const char *path);
void sv_log_fault(struct supervisor *s, int fd, const struct seccomp_notif *req,
		  struct tid_info *t, __u32 i);

/* control.c: the C API's control socket */
int sv_control(struct supervisor *s);
void sv_control_gone(struct supervisor *s);

#endif

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
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/seccomp.h>

#include "engines/seccomp/supervise.h"
#include "minderbinder/wire.h"
#include "lib/syscall_families.h"

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
#define MAX_SHAPE_SYSCALLS 8
/* One MINDERBINDER_LOG line: a path escaped at worst 6 bytes a byte. */
#define LOG_LINE_MAX (64 * 1024)

/* Where a rule is in force. The environment's rules are all active for
 * good; the C API's come and go with their handle. */
struct slot {
	bool active;
	__u32 guest; /* 0: the registration's own; k: guests[k - 1]'s */
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
	int owner;    /* whose rules apply: 0 the registration's, k guests[k - 1]'s, -1 none */
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

/*
 * A guest: a process in a C API session's filter chain that registered
 * through us (guest.c). Known by the pidfd taken while its hello was
 * pending, never by its number alone.
 */
#define MAX_GUESTS 16
enum guest_state { GUEST_FREE, GUEST_HELLO, GUEST_PLANNED, GUEST_LIVE };

struct guest {
	enum guest_state state;
	int sock;  /* to the guest until it is live, then -1 */
	int pidfd; /* readable once it has exited */
	pid_t tgid; /* in our pid namespace */
	__u64 start_ticks; /* /proc */
	__u32 key; /* its registry entry (the registrar's answer) */
	__u64 reg_start_ticks;
	enum mb_scope scope;
	__u64 gate_ip; /* its agent's gate: those calls are let through */
	__u32 n_rules;
	__u32 slots[MB_MAX_RULES]; /* its rules' slots, in its spec's order */
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
	/* per rule: the syscalls it covers (a family's members), sv_cover_rule */
	struct mb_nr_set covers[MB_MAX_RULES];
	struct tid_info tids[TID_CACHE_SIZE];
	struct remote_path *paths; /* one per syscall argument */
	struct pending *heap;	   /* min-heap on deadline */
	size_t n_pending, heap_cap;
	int log_fd;	/* MINDERBINDER_LOG, or -1 */
	char *log_line; /* LOG_LINE_MAX bytes when log_fd >= 0 */
	int log_path_arg[MB_MAX_RULES]; /* per rule: the syscall's path arg, or -1 */
	int shape_nrs[MAX_SHAPE_SYSCALLS]; /* mb_shape_syscalls' numbers, -1: none */
	/* C API: what the live listener's layer routes, and the guests. */
	__u64 routed[MB_ROUTED_WORDS];
	struct guest guests[MAX_GUESTS];
	struct mb_counters *sv_counters; /* count.c: args->sv_counters_fd mapped, or NULL */
	struct mb_counters count_cache[MB_MAX_RULES]; /* count.c */
	__u64 count_verified_ns[MB_MAX_RULES];	      /* 0: read it back first */
	bool block_in_recv; /* wait.c: the kernel can wake a RECV at HUP */
	/* shared.c: the in-process path's rule state, once the agent shared
	 * it; what of its handler counts the registry has already. */
	struct mb_inproc_state *shared;
	__u64 shared_flushed[MB_MAX_RULES][2];
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
/* len bytes of the thread's memory at addr into buf, or (write) buf to
 * there: 0, or -EFAULT when not all of it could be copied. */
int sv_remote_copy(pid_t tid, __u64 addr, void *buf, size_t len, bool write);

/* count.c: the registry's counters */
void sv_count_init(struct supervisor *s);
void sv_count_fini(struct supervisor *s);
void sv_count(struct supervisor *s, __u64 called, __u64 faulted, __u64 now);
/* Adds calls and faults to the registration's own rule i, wherever its
 * counters live (the mapped array, else the registry's entry). */
void sv_count_own(struct supervisor *s, __u32 i, __u64 calls, __u64 faults, __u64 now);

/* wait.c: one listener and nothing else to wait for: block in NOTIF_RECV */
void sv_wait_init(struct supervisor *s);
bool sv_wait_blocking(const struct supervisor *s, const int *live);
int sv_wait_recv(struct supervisor *s, int *live);

/* shared.c: the in-process path's rule state (lib/inproc.h) */
struct mb_inproc_state;
bool sv_is_share(const struct supervisor *s, const struct seccomp_notif *req);
int sv_shared_attach(struct supervisor *s, int fd, const struct seccomp_notif *req);
/* rt_sigaction(SIGSYS, ...) from outside libc while the handler is in:
 * answered in the caller's memory, the handler kept (shared.c). */
bool sv_is_raw_sigsys(const struct supervisor *s, const struct seccomp_notif *req);
int sv_shared_sigaction(struct supervisor *s, int fd, const struct seccomp_notif *req);
void sv_shared_flush(struct supervisor *s, __u64 now);
int sv_shared_roll(struct supervisor *s, __u32 i, struct tid_info *t, __u64 now);
void sv_shared_fini(struct supervisor *s);
/* poll()'s timeout, capped so that a live target's counts are flushed. */
int sv_shared_timeout(const struct supervisor *s, int timeout_ms);

/* decide.c */
/* What rule i covers, for rule_considered: once, when it is put in place. */
void sv_cover_rule(struct supervisor *s, __u32 i);
int sv_decide(struct supervisor *s, int fd, const struct seccomp_notif *req);
/* Counts the call against rule i (bits in *called, *faulted): -1 when
 * its window is shut (the next rule may decide), else whether its coin
 * says fault. */
int sv_rule_roll(struct supervisor *s, __u32 i, struct tid_info *t, __u64 now, __u64 *called,
		 __u64 *faulted);
/* The registry's counters, the log line, then the answer p: at once, or
 * held back latency ns. */
int sv_answer_decided(struct supervisor *s, const struct seccomp_notif *req, struct tid_info *t,
		      __u64 called, __u64 faulted, __u32 hit, __u64 latency, struct pending *p,
		      __u64 now);

/* shape.c: network shaping rules (latency=, jitter=, bandwidth=) per call */
void sv_shape_init(struct supervisor *s);
bool sv_shape_wants(const struct supervisor *s, int nr, pid_t tid);
/* 0 or -errno once it answered the call, 1 when no shaping rule matched
 * (the syscall rules decide). */
int sv_shape_decide(struct supervisor *s, int fd, const struct seccomp_notif *req);

/* fault_log.c: MINDERBINDER_LOG */
void sv_log_open(struct supervisor *s, const char *path);
void sv_log_fault(struct supervisor *s, int fd, const struct seccomp_notif *req,
		  struct tid_info *t, __u32 i);

/* guest.c: processes that register through the listener they inherited */
int sv_guest_hello(struct supervisor *s, int fd, const struct seccomp_notif *req);
bool sv_is_hello(const struct seccomp_notif *req);
int sv_guest_pollfds(const struct supervisor *s, struct pollfd *pfd);
/* 1 when p was a guest's descriptor (handled), else 0. */
int sv_guest_event(struct supervisor *s, const struct pollfd *p);
/* Whose rules apply to process tgid (not the registration's): k or -1. */
int sv_guest_owner(struct supervisor *s, pid_t tgid);
/* 0, or -EBUSY with msg set while a guest needs the listener. */
int sv_guests_hold_listener(struct supervisor *s, char *msg, size_t len);

/* control.c: the C API's control socket */
int sv_control(struct supervisor *s);
/* Takes a slot out of the decision order. */
void sv_unorder(struct supervisor *s, __u32 slot);
void sv_control_gone(struct supervisor *s);

#endif

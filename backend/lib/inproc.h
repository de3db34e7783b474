/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-process path (MINDERBINDER_SUPERVISED=inprocess): the agent's
 * SIGSYS handler decides supervised rules inside the target, with the
 * same rule state as the supervisor. That state lives in one MAP_SHARED
 * memfd the agent creates and the supervisor takes (pidfd_getfd) at the
 * share call; both sides change it with lock-free atomics only, and the
 * supervisor trusts nothing in it but counts of the target's own calls.
 */
#ifndef MB_INPROC_H
#define MB_INPROC_H

#include <stdbool.h>
#include "minderbinder/rng.h"
#include "minderbinder/registry.h"
#include "minderbinder/scope.h"
#include "lib/syscall_families.h"

#define MB_INPROC_MAGIC 0x4d42495055ull /* "MBIPU" */
#define MB_INPROC_VERSION 2
/* SECCOMP_RET_TRAP's data on our trap layer: SIGSYS with si_errno set to
 * it is ours; any other SIGSYS is the program's. */
#define MB_INPROC_TRAP_DATA 0x6d62u
/* The share call: close(MB_SECCOMP_SHARE_FD, memfd), which the base
 * filter routes to the supervisor; it takes the memfd and answers 0. */
#define MB_SECCOMP_SHARE_FD 0x6d620002u
/* Bounded retries of a compare-and-swap the other side may be racing. */
#define MB_INPROC_CAS_TRIES 64

struct mb_inproc_rule {
	__u64 calls;  /* every matching call, whoever decided it */
	__u64 faults; /* every fault, whoever decided it */
	__u64 rng;    /* seed='s stream (minderbinder/rng.h) */
	/* the handler's share of calls and faults: the supervisor adds what
	 * is new of them to the registry (it counts its own directly) */
	__u64 ip_calls;
	__u64 ip_faults;
};

struct mb_inproc_state {
	__u64 magic;
	__u32 version;
	__u32 n_rules;
	/* Where, in each process of the image that shared it, the agent keeps
	 * what the program believes SIGSYS does (a struct of the kernel's
	 * rt_sigaction layout, 32 bytes): the supervisor answers a raw
	 * rt_sigaction(SIGSYS, ...) made outside libc there, in that
	 * process's own memory, so the handler stays ours and chains it. */
	__u64 prog_action_addr;
	struct mb_inproc_rule rules[MB_MAX_RULES];
};

/* Why a rule (or the whole process) is not decided in-process. */
enum mb_inproc_why {
	MB_IP_YES = 0,
	MB_IP_NOT_ASKED,    /* MINDERBINDER_SUPERVISED is not inprocess */
	MB_IP_NOT_SUPERVISED, /* the rule is no supervised seccomp rule */
	MB_IP_UNREISSUABLE, /* covers execve/clone/fork/exit... */
	MB_IP_LATENCY,      /* latency= holds the answer back: the supervisor's heap */
	MB_IP_DELAY,        /* delay= counts from each process's start */
	MB_IP_THREAD,       /* scope=thread */
	MB_IP_SHARED_NR,    /* a syscall of it is also a supervisor-only rule's */
	MB_IP_GO,           /* a Go executable: its runtime sets handlers raw */
	MB_IP_ASLR,         /* ASLR off: an exec'd image could map our text */
	MB_IP_ARCH,         /* only x86_64 */
	MB_IP_NO_LIBC,      /* libc's text not found */
	MB_IP_SETUP,        /* the memfd, handler or layer failed */
	MB_IP_LOG,          /* MINDERBINDER_LOG: the supervisor writes the log */
	MB_IP_GUEST,        /* under a C API session's filter: its supervisor */
	MB_IP_COUNT,
};

/* A letter per reason, for the memfd's name (status reads it from
 * /proc/PID/maps), and words for people. */
char mb_inproc_letter(enum mb_inproc_why w);
enum mb_inproc_why mb_inproc_from_letter(char c);
const char *mb_inproc_why_text(enum mb_inproc_why w);
/* The memfd's name prefix, in /proc/PID/maps as /memfd:mb-paths:P:RRR. */
#define MB_INPROC_NAME "mb-paths:"

/* Whether rule r (served by engine under scope) could be decided by the
 * handler, on its own. */
enum mb_inproc_why mb_inproc_rule_why(enum mb_arch arch, const struct mb_rule *r,
				      __u32 engine, enum mb_scope scope);

/*
 * One rule's decision on the shared state, as decide.c's sv_rule_roll:
 * the call is counted, then -1 when the window (after, times) is shut,
 * else whether the coin says fault. Every step one atomic; the coin's
 * draw and the last fault below times= are compare-and-swaps, bounded.
 */
static inline int mb_inproc_roll(struct mb_inproc_rule *st, const struct mb_rule *r,
				 bool handler)
{
	__u64 calls, f, x, nx;
	int tries;
	bool coin;

	calls = __atomic_add_fetch(&st->calls, 1, __ATOMIC_RELAXED);
	if (handler)
		__atomic_add_fetch(&st->ip_calls, 1, __ATOMIC_RELEASE);
	if (calls <= r->after)
		return -1;
	f = __atomic_load_n(&st->faults, __ATOMIC_RELAXED);
	if (r->times && f >= r->times)
		return -1;
	x = __atomic_load_n(&st->rng, __ATOMIC_RELAXED);
	for (tries = 0;; tries++) {
		nx = x;
		coin = mb_rng_faults(mb_rng_next(&nx), r->rate_ppm);
		if (__atomic_compare_exchange_n(&st->rng, &x, nx, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED) ||
		    tries >= MB_INPROC_CAS_TRIES)
			break;
	}
	if (!coin)
		return 0;
	for (tries = 0; tries < MB_INPROC_CAS_TRIES; tries++) {
		if (r->times && f >= r->times)
			return -1;
		if (__atomic_compare_exchange_n(&st->faults, &f, f + 1, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			break;
	}
	if (tries == MB_INPROC_CAS_TRIES)
		return -1; /* lost every race: the window is as good as shut */
	if (handler)
		__atomic_add_fetch(&st->ip_faults, 1, __ATOMIC_RELEASE);
	return 1;
}

#endif

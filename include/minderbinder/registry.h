/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The target registry shared by the helper, the engines and the BPF
 * programs, pinned under MB_PIN_DIR. Data only, fixed-width types.
 *
 * Maps are keyed by tgid; every value carries the process start time
 * (/proc/PID/stat field 22, USER_HZ ticks since boot) and every reader
 * compares it, so a reused PID is never taken for a target.
 */
#ifndef MINDERBINDER_REGISTRY_H
#define MINDERBINDER_REGISTRY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "pins.h"
#include "rule.h"
#include "scope.h"

#define MB_MAX_TARGETS 16384
/* mb_rules and mb_counters: one entry per rule of each target. */
#define MB_MAX_RULE_ENTRIES (MB_MAX_TARGETS * 4)
#define MB_USER_HZ 100
#define MB_NSEC_PER_TICK (1000000000ULL / MB_USER_HZ)
#define MB_MAX_TARGET_IFACES 7
/* MINDERBINDER_LOG: one ring buffer of network-fault events per registrant. */
#define MB_LOG_RING_SIZE (256 * 1024)


enum mb_engine {
	MB_ENGINE_NONE = 0,
	MB_ENGINE_SECCOMP_ERRNO = 1, /* in-filter SECCOMP_RET_ERRNO */
	MB_ENGINE_SECCOMP_NOTIF = 2, /* SECCOMP_RET_USER_NOTIF + supervisor */
	MB_ENGINE_KPROBE = 3,
	MB_ENGINE_FMOD_RET = 4,
	MB_ENGINE_CGROUP = 5,
	MB_ENGINE_TC = 6,
	/* network shaping: the tc program sets skb->tstamp, fq holds the packet */
	MB_ENGINE_EDT = 7,
	MB_ENGINE_COUNT,
};

struct mb_target {
	__u64 start_ticks;   /* identity together with the tgid */
	__u64 cgroup_id;     /* read by the helper from the kernel */
	__u64 registered_ns; /* CLOCK_BOOTTIME at registration */
	__u32 uid;           /* SO_PEERCRED of the caller */
	__u32 scope;         /* enum mb_scope */
	__u32 n_rules;
	__u32 supervisor;    /* pid of the seccomp supervisor, 0 if none */
	__u32 parent;        /* scope tree: the target this one was forked from */
	__u32 owner;         /* scope tree: the registrant at its root (0: itself);
			      * its mb_log_rings entry gets our network faults */
	/* Drop rules act on packets leaving through these interfaces only
	 * (run --interface, MINDERBINDER_INTERFACES); all zero: any. */
	__u32 ifindex[MB_MAX_TARGET_IFACES];
	__u32 flags;         /* enum mb_target_flags */
	/* The agent's syscall gate (see seccomp_filter.h): the BPF syscall
	 * engines let calls made from there through, as the filter does.
	 * Zeroed at exec, where the address space it names ends. */
	__u64 gate_ip;
	/* The seccomp supervisor's own counters (engines/seccomp/count.c): a
	 * BPF_F_MMAPABLE array of MB_MAX_RULES struct mb_counters, by map id,
	 * that it writes with plain stores; 0: none, the mb_counters entries
	 * hold them. Its entries override mb_counters' where their start
	 * time is the target's (mb_registry_counters). */
	__u32 sv_counters_id;
	__u32 pad;
};

/* The name of that array: readers check it is one before trusting an id. */
#define MB_SV_COUNTERS_NAME "mb_sv_counters"

enum mb_target_flags {
	/* The BPF syscall engines fault this target: set by the helper once
	 * the agent has said INSTALLED, from when on the agent makes no call
	 * but through its gate. Network rules do not wait for it. */
	MB_TARGET_ARMED = 1u << 0,
};

struct mb_rule_key {
	__u32 tgid;
	__u32 idx; /* rule index in the target's spec */
};

struct mb_rule_entry {
	__u64 start_ticks;
	__u32 engine; /* enum mb_engine serving this rule */
	__u32 tid;    /* C API thread scope: only this thread; 0 = all */
	/* For a path= rule of an *at call: the argument holding the
	 * directory fd a relative path is resolved against; -1: the cwd. */
	__s32 dirfd_arg;
	__u32 pad;
	struct mb_rule rule;
};

struct mb_counters {
	__u64 start_ticks;
	__u64 calls;  /* matching calls (or packets) seen */
	__u64 faults; /* faults injected (errors returned, packets dropped) */
	__u64 last_fault_ns;
};

#endif

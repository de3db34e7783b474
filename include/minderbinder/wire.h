/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent <-> mb-helper protocol over a SOCK_SEQPACKET socketpair:
 *
 *   agent  -> helper  REGISTER  spec, scope, engine wish
 *   helper -> agent   PLAN      engine per rule (or an error)
 *   agent  -> helper  INSTALLED the filter is in; its listener fd rides
 *                               along (SCM_RIGHTS) when a rule needs one
 *   helper -> agent   DONE      supervisor started, registration live
 *
 * The helper is setuid: it checks every field (mb_spec_validate) and
 * takes the caller's identity from SO_PEERCRED, never from a message.
 */
#ifndef MINDERBINDER_WIRE_H
#define MINDERBINDER_WIRE_H

#include <linux/types.h>
#include "rule.h"

#define MB_WIRE_MAGIC 0x4d425752u /* "MBWR" */
#define MB_WIRE_VERSION 4
#define MB_WIRE_MSG_MAX 256
/* The helper reads the agent's socket on this descriptor. */
#define MB_HELPER_FD 3

enum mb_msg_type {
	MB_MSG_REGISTER = 1,
	MB_MSG_PLAN = 2,
	MB_MSG_INSTALLED = 3,
	MB_MSG_DONE = 4,
	/* C API <-> its supervisor, over the control socket */
	MB_CTL_ENABLE = 10,
	MB_CTL_DISABLE = 11,
	MB_CTL_STATS = 12,
	MB_CTL_REPLY = 13,
	MB_CTL_RELEASE = 14, /* close the listeners: a new filter layer comes */
	/* A C API session's supervisor <-> its registrar (mb-helper's root
	 * child): the registry entry of a guest, a process in the session's
	 * filter chain that registers through the supervisor (a "hello"
	 * routed to the listener it inherited, lib/seccomp_filter.h). */
	MB_GUEST_ADD = 20,
	MB_GUEST_REMOVE = 21,
	MB_GUEST_REPLY = 22,
};

/* REGISTER flags */
#define MB_REG_API 1u        /* C API: rules come and go over a control socket */
#define MB_REG_NET_UPDATE 2u /* C API: replace our network rules (maybe none) */

/* MINDERBINDER_ENGINE */
enum mb_engine_wish {
	MB_WISH_AUTO = 0,
	MB_WISH_SECCOMP = 1,
	MB_WISH_KPROBE = 2,
	MB_WISH_FMOD_RET = 3,
};

struct mb_msg_hdr {
	__u32 magic;
	__u16 version;
	__u16 type;
};

#define MB_IFACES_MAX 256
/* MINDERBINDER_LOG: an absolute path, NUL-terminated inside the array. */
#define MB_LOG_PATH_MAX 256

struct mb_register_msg {
	struct mb_msg_hdr hdr;
	__u32 scope; /* enum mb_scope */
	__u32 wish;  /* enum mb_engine_wish */
	__u32 flags; /* MB_REG_* */
	/* The agent's MINDERBINDER_HELPER_TIMEOUT in ms (0: the default):
	 * the helper gives up its own waits (the registry lock) before the
	 * agent gives up on it, so the agent hears why. */
	__u32 timeout_ms;
	/* The caller's syscall gate (mb_gate_ip): the only calls the BPF
	 * syscall engines never fault. A lie hurts only the liar. */
	__u64 gate_ip;
	/* MB_REG_NET_UPDATE: per rule, the thread it is limited to, or 0 */
	__s32 tids[MB_MAX_RULES];
	/* Comma-separated interfaces for drop rules ("" = every up one):
	 * MINDERBINDER_INTERFACES, or `run --interface`. */
	char interfaces[MB_IFACES_MAX];
	/* MINDERBINDER_LOG ("" = none): the supervisor appends one JSON line
	 * per injected syscall fault; every syscall rule then goes to it. */
	char log_path[MB_LOG_PATH_MAX];
	struct mb_spec spec;
};

/* PLAN status: the caller is a target already, by the fork of a tree
 * target (the kernel's fork hook made its entry, with these very rules):
 * it inherited the filter, there is nothing to install, and no INSTALLED
 * follows. */
#define MB_PLAN_INHERITED 1

struct mb_plan_msg {
	struct mb_msg_hdr hdr;
	__s32 status; /* 0, MB_PLAN_INHERITED, or -errno; msg says why */
	__u32 n_rules;
	__u32 engines[MB_MAX_RULES]; /* enum mb_engine, per rule */
	/* The caller's registry key: its tgid in the initial pid namespace,
	 * which a process in a container cannot learn by itself. */
	__u32 key;
	__u32 pad;
	char msg[MB_WIRE_MSG_MAX];
};

struct mb_installed_msg {
	struct mb_msg_hdr hdr;
	__s32 status;       /* 0, or -errno when the agent could not install */
	__u32 has_listener; /* a seccomp listener fd is attached */
	__u32 has_control;  /* (C API) a control socket is attached, after it */
	__u32 pad;
};

/* Syscall numbers up to 1023: one bit each. */
#define MB_ROUTED_WORDS 16

/* C API -> supervisor. ENABLE may carry a new filter layer's listener. */
struct mb_ctl_msg {
	struct mb_msg_hdr hdr;
	__u32 handle;
	__u32 scope;        /* enum mb_scope: THREAD or PROCESS */
	__s32 tid;          /* the thread, for MB_SCOPE_THREAD */
	__u32 has_listener;
	struct mb_spec spec; /* ENABLE only */
	/* With a listener: the syscalls its layer routes (bit nr), what a
	 * guest's supervised rules may use. */
	__u64 routed[MB_ROUTED_WORDS];
};

struct mb_ctl_stats {
	__u64 calls;
	__u64 faults;
};

struct mb_ctl_reply {
	struct mb_msg_hdr hdr;
	__s32 status;
	__u32 n_rules;
	struct mb_ctl_stats stats[MB_MAX_RULES]; /* in the handle's rule order */
	char msg[MB_WIRE_MSG_MAX];
};

struct mb_done_msg {
	struct mb_msg_hdr hdr;
	__s32 status;
	__u32 supervisor_pid;
	char msg[MB_WIRE_MSG_MAX];
};

/* Supervisor -> registrar. ADD comes with the guest's pidfd (SCM_RIGHTS),
 * taken while its hello was pending; REMOVE names an entry ADD made. */
struct mb_guest_msg {
	struct mb_msg_hdr hdr;
	__u32 supervisor; /* our pid, for the entry */
	__u32 ns_pid;     /* the guest's pid in our pid namespace (/proc) */
	__u32 key;        /* REMOVE: the entry ADD made */
	__u32 pad;
	__u64 start_ticks; /* REMOVE: its start time */
	struct mb_register_msg reg; /* ADD: the guest's REGISTER, as it sent it */
};

struct mb_guest_reply {
	struct mb_msg_hdr hdr;
	__s32 status;
	__u32 key;         /* the guest's registry key (global tgid) */
	__u64 start_ticks; /* the kernel's start time, for the counters */
	char msg[MB_WIRE_MSG_MAX];
};

#endif

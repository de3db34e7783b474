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
#define MB_WIRE_VERSION 1
#define MB_WIRE_MSG_MAX 256
/* The helper reads the agent's socket on this descriptor. */
#define MB_HELPER_FD 3

enum mb_msg_type {
	MB_MSG_REGISTER = 1,
	MB_MSG_PLAN = 2,
	MB_MSG_INSTALLED = 3,
	MB_MSG_DONE = 4,
};

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

struct mb_register_msg {
	struct mb_msg_hdr hdr;
	__u32 scope; /* enum mb_scope */
	__u32 wish;  /* enum mb_engine_wish */
	/* Comma-separated interfaces for drop rules ("" = every up one):
	 * MINDERBINDER_INTERFACES, or `run --interface`. */
	char interfaces[MB_IFACES_MAX];
	struct mb_spec spec;
};

struct mb_plan_msg {
	struct mb_msg_hdr hdr;
	__s32 status; /* 0 or -errno; msg says why */
	__u32 n_rules;
	__u32 engines[MB_MAX_RULES]; /* enum mb_engine, per rule */
	char msg[MB_WIRE_MSG_MAX];
};

struct mb_installed_msg {
	struct mb_msg_hdr hdr;
	__s32 status;       /* 0, or -errno when the agent could not install */
	__u32 has_listener; /* a seccomp listener fd is attached */
};

struct mb_done_msg {
	struct mb_msg_hdr hdr;
	__s32 status;
	__u32 supervisor_pid;
	char msg[MB_WIRE_MSG_MAX];
};

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The caller's request and who it comes from: REGISTER read and checked,
 * the caller identified through SO_PEERCRED and a pidfd, and checked
 * again after each write its identity justifies; then INSTALLED.
 */
#ifndef MB_HELPER_REQUEST_H
#define MB_HELPER_REQUEST_H

#include <sys/socket.h>

#include "helper/identify.h"
#include "helper/policy.h"
#include "lib/spec_parse.h"
#include "minderbinder/wire.h"
#include "registry/registry.h"

#define SOCK MB_HELPER_FD

struct request {
	struct mb_register_msg msg;
	struct ucred peer;       /* peer.pid: in our pid namespace (for /proc) */
	int pidfd;               /* the caller, whatever its number becomes */
	struct mb_identity id;   /* the caller as the kernel told it at the start */
	__u32 key;               /* its tgid in the initial pid namespace */
	__u64 proc_start_ticks;  /* its /proc start time (the supervisor's view) */
	struct mb_identity_reader reader;
	struct mb_target target;
	__u32 engines[MB_MAX_RULES];
	/* The daemon's policy (mb-helper --daemon), NULL for the set-uid
	 * helper: the caller is then whoever connected, not our parent. */
	const struct mb_policy *policy;
	int host_netns; /* daemon: the caller shares the daemon's network namespace */
};

/* A new request, nothing open; NULL without memory. */
struct request *mb_request_new(void);
void mb_request_free(struct request *rq);
/* REGISTER, within MB_REGISTRY_LOCK_WAIT_MS. 0, or -errno (err set when
 * the caller is to hear why). */
int mb_request_read(struct request *rq, struct mb_error *err);
/* Who sent it, as the kernel tells it; fills rq's key and target. */
int mb_request_identify(struct request *rq, struct mb_error *err);
/* Whether a process with identity id may register as uid: one uid and
 * one gid throughout, no capabilities unless root. 0 or -EPERM. */
int mb_request_ids_check(const struct mb_identity *id, uid_t uid, struct mb_error *err);
/* Whether the caller is still the process, with the rights, it was. */
int mb_request_reverify(struct request *rq, const char *when, struct mb_error *err);
/* Daemon: the caller's network rules attach where its policy allows
 * (its engines chosen): 0, or -EPERM with err naming the policy line. */
int mb_request_policy_net(const struct request *rq, struct mb_error *err);
/* INSTALLED, which the agent sends as soon as its filter is in: within
 * ms, or -ETIMEDOUT. */
int mb_request_installed(struct mb_installed_msg *m, int *fd, int *control, int ms);
/* How long the helper waits for anything of its own (a child, the lock):
 * less than the agent waits for it, so that the agent hears why. */
int mb_request_wait_ms(const struct request *rq);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The seccomp user-notification supervisor, run by the helper for one
 * registration with privileges dropped. */
#ifndef MB_ENGINE_SECCOMP_H
#define MB_ENGINE_SECCOMP_H

#include <sys/types.h>
#include "minderbinder/registry.h"

struct mb_supervisor_args {
	int listener_fd; /* -1 in C API mode until the first ENABLE brings one */
	int control_fd;  /* C API: rules come and go over it; -1 otherwise */
	int counters_fd; /* pinned mb_counters; -1 to count nowhere */
	/* Environment mode: our own counters of the registration's rules
	 * (mb_target.sv_counters_id), mapped and written in place of its
	 * mb_counters entries; -1: those entries it is, one update a call. */
	int sv_counters_fd;
	/* C API: the registrar (mb-helper's root child) that writes guests'
	 * registry entries; -1: no guests. */
	int registrar_fd;
	pid_t tgid;      /* the registered process, in our pid namespace (/proc) */
	__u64 start_ticks; /* its /proc start time */
	/* Its registry key: the tgid in the initial pid namespace and the
	 * kernel's start time (the BPF programs' view). */
	__u32 reg_tgid;
	__u64 reg_start_ticks;
	enum mb_scope scope;
	const struct mb_spec *spec;
	const __u32 *engines; /* per rule; the seccomp ones (ERRNO, NOTIF) apply */
	/* MINDERBINDER_LOG, or NULL: one JSON line per fault is appended to
	 * it. Opened by mb_supervise as whoever runs it; if that fails, it
	 * logs nothing rather than die (the helper checked it beforehand). */
	const char *log_path;
};

/* Answers notifications until every process using the filter is gone.
 * Returns 0 then, or a negative errno on a fatal error. */
int mb_supervise(const struct mb_supervisor_args *args);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * MINDERBINDER_LOG for network rules: the tc and cgroup programs put one
 * event per injected fault in the registrant's ring buffer (mb_log_rings,
 * by tgid); a logger process, with the caller's identity, turns each into
 * a JSON line in the log, and ends when the registrant does.
 */
#ifndef MB_ENGINE_NETLOG_H
#define MB_ENGINE_NETLOG_H

#include <linux/types.h>
#include "minderbinder/rule.h"

/* Creates tgid's ring and puts it in mb_log_rings: its fd, or -errno;
 * *rings_fd is the pinned mb_log_rings (BPF cannot delete from a map of
 * maps: the logger takes its entry out when the registrant is gone). */
int mb_netlog_ring(__u32 tgid, int *rings_fd);

struct mb_netlog_args {
	int ring_fd;
	int rings_fd;         /* mb_log_rings */
	__u32 tgid;           /* the registrant */
	int pidfd;            /* the registrant's: the logger ends with it */
	const char *log_path; /* opened by the logger, as itself */
	const struct mb_spec *spec;
};

/* The logger's body, privileges already dropped. Returns when the
 * registrant has exited and every event is written; 0, or -errno. */
int mb_netlog_run(const struct mb_netlog_args *a);

#endif

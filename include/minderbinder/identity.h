/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A process as the kernel knows it, reported by identity.bpf.c's task
 * iterator for one thread of the process a pidfd names. Data only.
 * The program is pinned: a change here needs a new MB_PIN_DIR.
 */
#ifndef MINDERBINDER_IDENTITY_H
#define MINDERBINDER_IDENTITY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum mb_id_index { MB_ID_REAL, MB_ID_EFFECTIVE, MB_ID_SAVED, MB_ID_FS, MB_ID_COUNT };

struct mb_identity {
	__u64 start_boottime; /* the group leader's, ns of CLOCK_BOOTTIME: no
			       * time namespace shifts it, unlike /proc */
	__u64 cap_effective;  /* this thread's, as a bit mask */
	__u32 tgid;           /* in the initial pid namespace */
	__u32 tid;            /* likewise */
	__u32 uid[MB_ID_COUNT]; /* kernel ids (initial user namespace) */
	__u32 gid[MB_ID_COUNT];
	__u32 userns_level;   /* 0: the capabilities are over the whole system */
	__u32 ns_tid;         /* tid in the process's own pid namespace */
};

#endif

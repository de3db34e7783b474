/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The identity of the process a pidfd names, asked of the kernel. */
#ifndef MB_IDENTITY_H
#define MB_IDENTITY_H

#include "minderbinder/identity.h"

struct mb_identity_reader {
	int prog_fd;
};

/* The iterator program, pinned under MB_PIN_DIR by the first helper (a
 * load parses the kernel's BTF: tens of ms, not for every registration):
 * -EOPNOTSUPP where the kernel cannot load it. */
int mb_identity_open(struct mb_identity_reader *r);
void mb_identity_close(struct mb_identity_reader *r);
/*
 * The identity of pidfd's process: every thread's record, which must
 * agree on ids and capabilities (-EPERM with *why set when they do not),
 * and the process still alive after they were read (-ESRCH), so that the
 * pid number the iterator went by was still that process's throughout.
 */
int mb_identity_read(struct mb_identity_reader *r, int pidfd, struct mb_identity *out,
		     const char **why);
/* The global tid of the thread that is ns_tid in the process's own pid
 * namespace: -ESRCH when the process has no such thread. */
int mb_identity_thread(struct mb_identity_reader *r, int pidfd, __u32 ns_tid, __u32 *tid);
/* Whether two reads name the same process with the same rights. */
int mb_identity_same(const struct mb_identity *a, const struct mb_identity *b);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The EDT engine's fq root qdisc, over rtnetlink. */
#ifndef MB_ENGINE_FQ_H
#define MB_ENGINE_FQ_H

#include <linux/types.h>
#include "lib/error.h"

/* The kind ("noqueue", "fq", ...) and handle of ifindex's root qdisc
 * (handle 0: the kernel's own default); 0 or -errno. */
int mb_fq_root(unsigned ifindex, char kind[16], __u32 *handle);
/* fq, handle MB_FQ_HANDLE, as ifindex's root (in place of what is there). */
int mb_fq_create(unsigned ifindex);
/* Removes our fq root (only if it is ours): the kernel's default returns. */
int mb_fq_delete(unsigned ifindex);
/* 1 when this kernel has fq, else 0 with why. */
int mb_fq_probe(struct mb_error *why);

#endif

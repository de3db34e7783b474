/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Drop rules on the sockets a target held before it registered. */
#ifndef MB_ENGINE_SOCK_TAG_H
#define MB_ENGINE_SOCK_TAG_H

#include <linux/types.h>
#include <stddef.h>

#include "lib/error.h"
#include "minderbinder/rule.h"

/*
 * Tags, in mb_sockets, the tcp and udp sockets that the target tgid
 * (pidfd: a pidfd of it) holds now, in our network namespace, so that
 * its drop rules (spec) apply to connections opened before it
 * registered; the target's entry must be in. Does nothing (0) when spec
 * has no drop rule. Loads and pins the programs the first time (takes
 * the registry lock for that). Returns 0 or -errno with err saying why
 * (-EOPNOTSUPP: this kernel cannot run the iterators).
 */
int mb_sock_tag_held(const struct mb_spec *spec, __u32 tgid, int pidfd, struct mb_error *err);

/* 1 when this kernel can run the iterators, else 0 with why. Pins
 * nothing. */
int mb_sock_tag_probe(char *why, size_t len);

/* 1 when reset rules can reset the connections a target holds (the
 * iterators and the bpf_sock_destroy kfunc), else 0 with why. */
int mb_sock_reset_probe(char *why, size_t len);

#endif

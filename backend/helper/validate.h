/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The helper's checks of the agent's messages, as pure functions of the
 * bytes received: no socket, no /proc, so that a fuzzer can drive them
 * (tests/fuzz/fuzz_register.c). Checks that need the caller's process
 * (its threads, its interfaces) stay in helper/main.c.
 */
#ifndef MB_HELPER_VALIDATE_H
#define MB_HELPER_VALIDATE_H

#include <stddef.h>

#include "minderbinder/wire.h"
#include "lib/spec_parse.h"

/* Longest MINDERBINDER_HELPER_TIMEOUT the agent sends (3600 s). */
#define MB_TIMEOUT_MS_MAX 3600000u

/* A REGISTER message of len bytes: 0, -EPROTO (not one of ours: another
 * build) or -EINVAL (a bad field), with err naming the field and value. */
int mb_register_msg_check(const struct mb_register_msg *m, size_t len, struct mb_error *err);

/* The fixed part of an INSTALLED message of len bytes that came with nfds
 * descriptors (ctrunc: the kernel had to drop some): 0 or -EPROTO. */
int mb_installed_msg_check(const struct mb_installed_msg *m, size_t len, int nfds, int ctrunc,
			   struct mb_error *err);

#endif

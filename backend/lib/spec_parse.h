/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one fault-spec parser: used by the agent, the helper, the CLI, the
 * INI loader and the C API. A call either adds every rule of its text to
 * the spec or changes nothing.
 */
#ifndef MB_SPEC_PARSE_H
#define MB_SPEC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include "minderbinder/rule.h"
#include "lib/error.h"

/* Values a rule takes when it does not set them itself. */
struct mb_defaults {
	__u32 rate_ppm;
	__u64 delay_ns;
	__u64 seed;
	bool has_seed;
};

/* Looks a variable up (getenv, or a table in tests); NULL when unset. */
typedef char *(*mb_getenv_fn)(const char *name);

void mb_defaults_init(struct mb_defaults *d);
/* MINDERBINDER_FAILURE_RATE, MINDERBINDER_DELAY_MS, MINDERBINDER_SEED. */
int mb_defaults_from_env(struct mb_defaults *d, mb_getenv_fn get,
			 struct mb_error *err);

void mb_spec_init(struct mb_spec *s, enum mb_arch arch);
/* Syscall rules: "openat:-2;write:+0:times=1". var names the source in
 * messages ("MINDERBINDER_SYSCALL", "-s", "chaos.ini:4"). */
int mb_spec_add_syscalls(struct mb_spec *s, const char *var, const char *text,
			 const struct mb_defaults *d, struct mb_error *err);
/* Network rules: "tcp:443:drop;udp:53:drop:rate=50%". */
int mb_spec_add_net(struct mb_spec *s, const char *var, const char *text,
		    const struct mb_defaults *d, struct mb_error *err);
/* The whole environment: defaults, MINDERBINDER_SYSCALL, MINDERBINDER_NET.
 * Returns the number of rules (0 when no rule variable is set). */
int mb_spec_from_env(struct mb_spec *s, mb_getenv_fn get, struct mb_error *err);

/* Checks a spec that came from outside (a socket, a map): every field in
 * range, strings terminated. For the helper, which trusts no caller. */
int mb_spec_validate(const struct mb_spec *s, struct mb_error *err);

/* Canonical text of one rule; parsing it gives the same rule back.
 * Returns the length written, or -ENOSPC. */
int mb_rule_format(const struct mb_rule *r, enum mb_arch arch, char *buf,
		   size_t len);

/* Which argument of the syscall called name holds a path, or -1. */
int mb_syscall_path_arg(const char *name);
/* Which argument of the syscall is a descriptor whose path path= matches,
 * or -1 (always -1 when the syscall has a path argument). */
int mb_syscall_fd_path_arg(const char *name);
/* For an *at call: which argument holds the directory fd its path is
 * relative to; -1 for every other syscall. */
int mb_syscall_dirfd_arg(const char *name);

/* "50%" -> 500000 ppm; "100ms" -> ns. Shared with the INI loader and CLI. */
int mb_parse_rate(const char *text, __u32 *ppm);
int mb_parse_duration(const char *text, __u64 *ns);
/* "1mbit" -> 125000 bytes/s (tc's units); -EDOM without a unit, -ENOTSUP
 * for a rate that is no whole number of bytes per second. */
int mb_parse_bandwidth(const char *text, __u64 *bytes_per_s);

#endif

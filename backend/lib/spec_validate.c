/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Checks a spec that came from outside (a socket, a map) field by field:
 * the helper trusts no caller to have used the parser.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_internal.h"
#include "lib/syscall_families.h"

int mb_spec_validate(const struct mb_spec *s, struct mb_error *err)
{
	const __u32 known = MB_F_RATE | MB_F_DELAY | MB_F_AFTER | MB_F_TIMES |
			    MB_F_PATH | MB_F_LATENCY | MB_F_SEED | MB_F_ADDR |
			    MB_F_PATH_FD | MB_F_JITTER | MB_F_BANDWIDTH | MB_F_DIRECTION;
	__u32 i;

	if (s->magic != MB_SPEC_MAGIC || s->version != MB_SPEC_VERSION) {
		mb_error_set(err, "spec: bad magic or version");
		return -EPROTO;
	}
	if (!mb_arch_name(s->arch) || s->n_rules > MB_MAX_RULES) {
		mb_error_set(err, "spec: bad arch or rule count");
		return -EINVAL;
	}
	for (i = 0; i < s->n_rules; i++) {
		const struct mb_rule *r = &s->rules[i];
		const char *name;

#define BAD(what)                                                    \
	do {                                                         \
		mb_error_set(err, "spec: rule %u: bad %s", i, what); \
		return -EINVAL;                                      \
	} while (0)
		if (r->flags & ~known)
			BAD("flags");
		if (r->rate_ppm > MB_RATE_ONE)
			BAD("rate");
		if (r->kind == MB_RULE_SYSCALL && r->sys.family) {
			/* Every member's own path argument is taken at each call:
			 * the rule carries none. */
			if (r->sys.nr != MB_NR_FAMILY ||
			    mb_family_each(s->arch, r->sys.family, false, NULL, NULL) <= 0)
				BAD("syscall family");
			if (r->sys.path_arg != -1 || (r->flags & MB_F_PATH_FD))
				BAD("path argument");
		}
		if (r->kind != MB_RULE_NET && (r->flags & (MB_F_JITTER | MB_F_BANDWIDTH)))
			BAD("option for a syscall rule");
		if (r->kind == MB_RULE_SYSCALL) {
			name = r->sys.family ? mb_family_name(r->sys.family)
					     : mb_syscall_name(s->arch, r->sys.nr);
			if (!name)
				BAD("syscall number");
			if (r->sys.pad)
				BAD("padding");
			if (r->flags & MB_F_ADDR)
				BAD("option addr");
			switch (r->sys.result) {
			case MB_RES_NONE:
				if (!(r->flags & MB_F_LATENCY))
					BAD("result");
				break;
			case MB_RES_ERRNO:
				if (r->sys.value < 1 || r->sys.value > MB_ERRNO_MAX)
					BAD("errno");
				break;
			case MB_RES_VALUE:
				if (r->sys.value < 0)
					BAD("return value");
				break;
			default:
				BAD("result");
			}
			if (r->flags & MB_F_PATH) {
				if (!memchr(r->sys.path, '\0', sizeof(r->sys.path)) ||
				    !r->sys.path[0])
					BAD("path");
				if (!r->sys.family &&
				    (r->sys.path_arg != ((r->flags & MB_F_PATH_FD)
								 ? spec_fd_path_arg_of(name)
								 : spec_path_arg_of(name)) ||
				     r->sys.path_arg < 0))
					BAD("path argument");
			} else if (r->flags & MB_F_PATH_FD) {
				BAD("descriptor path without a path");
			} else if (r->sys.path_arg != -1 && !r->sys.family &&
				   r->sys.path_arg != spec_path_arg_of(name)) {
				BAD("path argument");
			}
		} else if (r->kind == MB_RULE_NET) {
			const struct mb_net_rule *n = &r->net;

			if (r->flags & (MB_F_PATH | MB_F_PATH_FD))
				BAD("option for a network rule");
			if (n->action != MB_NET_SHAPE &&
			    (r->flags & (MB_F_LATENCY | MB_F_JITTER | MB_F_BANDWIDTH)))
				BAD("option for a network rule");
			if (!(r->flags & MB_F_LATENCY) && r->latency_ns)
				BAD("latency");
			if (n->proto != MB_PROTO_ANY && n->proto != MB_PROTO_TCP &&
			    n->proto != MB_PROTO_UDP)
				BAD("protocol");
			if (n->port_lo > n->port_hi)
				BAD("port range");
			if (n->action == MB_NET_ERRNO) {
				if (n->err < 1 || n->err > MB_ERRNO_MAX)
					BAD("errno");
			} else if (n->action != MB_NET_DROP && n->action != MB_NET_SHAPE &&
				   n->action != MB_NET_CORRUPT && n->action != MB_NET_DUPLICATE &&
				   n->action != MB_NET_RESET) {
				BAD("action");
			}
			if ((r->flags & MB_F_JITTER)
				    ? !(r->flags & MB_F_LATENCY) || n->jitter_ns > r->latency_ns
				    : n->jitter_ns != 0)
				BAD("jitter");
			if (n->action == MB_NET_SHAPE && !(r->flags & (MB_F_LATENCY | MB_F_BANDWIDTH)))
				BAD("shaping rule without latency or bandwidth");
			if ((r->flags & MB_F_BANDWIDTH)
				    ? !n->bandwidth_bps || n->bandwidth_bps > UINT64_MAX / 8
				    : n->bandwidth_bps != 0)
				BAD("bandwidth");
			if (n->corrupt_mode > MB_CORRUPT_CSUM ||
			    (n->corrupt_mode && n->action != MB_NET_CORRUPT))
				BAD("corrupt mode");
			if (n->direction > MB_DIR_BOTH ||
			    (n->direction != MB_DIR_OUT &&
			     n->action != MB_NET_DROP))
				BAD("direction");
			if (n->action == MB_NET_RESET && n->proto == MB_PROTO_UDP)
				BAD("action for udp");
			if (n->family != 0 && n->family != 4 && n->family != 6)
				BAD("address family");
			if (n->prefix_len > (n->family == 4 ? 32 : 128))
				BAD("prefix length");
		} else {
			BAD("kind");
		}
#undef BAD
	}
	return 0;
}

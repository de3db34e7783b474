/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The whole spec from the environment: MINDERBINDER_FAILURE_RATE,
 * MINDERBINDER_DELAY_MS and MINDERBINDER_SEED as defaults for the rules of
 * MINDERBINDER_SYSCALL and MINDERBINDER_NET.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_internal.h"

static const char *env_value(mb_getenv_fn get, const char *name)
{
	const char *v = get(name);

	return v && !spec_blank(v) ? v : NULL;
}

int mb_defaults_from_env(struct mb_defaults *d, mb_getenv_fn get,
			 struct mb_error *err)
{
	struct mb_defaults tmp;
	const char *v;
	__u64 u;

	mb_defaults_init(&tmp);
	v = env_value(get, "MINDERBINDER_FAILURE_RATE");
	if (v && mb_parse_rate(v, &tmp.rate_ppm)) {
		mb_error_set(err,
			     "MINDERBINDER_FAILURE_RATE: bad rate '%s' (want a percentage 0..100, e.g. 50 or 12.5%%)",
			     v);
		return -EINVAL;
	}
	v = env_value(get, "MINDERBINDER_DELAY_MS");
	if (v) {
		if (spec_parse_u64(v, &u) || u > UINT64_MAX / 1000000) {
			mb_error_set(err,
				     "MINDERBINDER_DELAY_MS: bad delay '%s' (want whole milliseconds, e.g. 100)",
				     v);
			return -EINVAL;
		}
		tmp.delay_ns = u * 1000000;
	}
	v = env_value(get, "MINDERBINDER_SEED");
	if (v) {
		if (spec_parse_u64(v, &tmp.seed)) {
			mb_error_set(err,
				     "MINDERBINDER_SEED: bad seed '%s' (want an unsigned number)",
				     v);
			return -EINVAL;
		}
		tmp.has_seed = true;
	}
	*d = tmp;
	return 0;
}

int mb_spec_from_env(struct mb_spec *s, mb_getenv_fn get, struct mb_error *err)
{
	struct mb_defaults d;
	const char *sys = env_value(get, "MINDERBINDER_SYSCALL");
	const char *net = env_value(get, "MINDERBINDER_NET");
	struct mb_spec *tmp;
	int ret;

	if (!sys && !net)
		return 0;
	ret = mb_defaults_from_env(&d, get, err);
	if (ret)
		return ret;
	tmp = malloc(sizeof(*tmp));
	if (!tmp) {
		mb_error_set(err, "out of memory");
		return -ENOMEM;
	}
	mb_spec_init(tmp, s->arch ? (enum mb_arch)s->arch : mb_native_arch());
	ret = mb_spec_add_syscalls(tmp, "MINDERBINDER_SYSCALL", sys, &d, err);
	if (!ret)
		ret = mb_spec_add_net(tmp, "MINDERBINDER_NET", net, &d, err);
	if (!ret) {
		if (!tmp->n_rules) {
			mb_error_set(err, "%s: no rule in '%s'",
				     sys ? "MINDERBINDER_SYSCALL" : "MINDERBINDER_NET",
				     sys ? sys : net);
			ret = -EINVAL;
		} else {
			memcpy(s, tmp, sizeof(*s));
			ret = (int)s->n_rules;
		}
	}
	free(tmp);
	return ret;
}

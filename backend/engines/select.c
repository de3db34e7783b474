/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The engine choice, written once for the helper and `minderbinder
 * watch`. Pure, so that tests/unit/test_engine_select.c can ask it.
 */
#include <errno.h>
#include <string.h>

#include "engines/select.h"
#include "lib/register_self.h"
#include "lib/seccomp_filter.h"
#include "lib/syscall_families.h"

static const char *const wish_names[] = { "auto", "seccomp", "kprobe", "fmod_ret" };

const char *mb_engine_wish_name(enum mb_engine_wish wish)
{
	return (unsigned)wish < sizeof(wish_names) / sizeof(wish_names[0]) ? wish_names[wish] : "?";
}

/* Does the glob hold a bracket's [:class:], [=equivalence=] or
 * [.collating.] term? Erring on yes costs only speed: the supervisor
 * matches with fnmatch itself. */
static bool posix_class(const char *glob)
{
	static const char *const opens[] = { "[:", "[=", "[." };
	static const char *const closes[] = { ":]", "=]", ".]" };
	const char *at;
	size_t i;

	for (i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
		at = strstr(glob, opens[i]);
		if (at && strstr(at + 2, closes[i]))
			return true;
	}
	return false;
}

bool mb_engine_can_express(enum mb_engine e, const struct mb_rule *r, struct mb_error *why)
{
	if (r->kind != MB_RULE_SYSCALL) {
		mb_error_set(why, "not a syscall rule");
		return false;
	}
	if (r->sys.family) {
		/* The BPF programs hang on one syscall each and count a rule
		 * there; a family's one count over its members is the
		 * supervisor's (each member would need its own program, and
		 * the counter would have to be shared among them). */
		mb_error_set(why, "a syscall family (%%%s) needs the supervisor (seccomp)",
			     mb_family_name(r->sys.family));
		return false;
	}
	if (r->flags & MB_F_LATENCY) {
		mb_error_set(why, "latency= needs the supervisor (seccomp)");
		return false;
	}
	if (r->flags & MB_F_PATH_FD) {
		/* The BPF programs read a path string; a descriptor's path is
		 * /proc/TID/fd/N, which only the supervisor reads. */
		mb_error_set(why, "path= on a file descriptor needs the supervisor (seccomp)");
		return false;
	}
	if ((r->flags & MB_F_PATH) && posix_class(r->sys.path)) {
		/* The BPF matcher knows ranges and negation, not classes: it
		 * would read [[:digit:]] as a set of characters and never
		 * match what fnmatch (the supervisor's) matches. */
		mb_error_set(why, "a [:class:] in a path= glob needs the supervisor (seccomp)");
		return false;
	}
	if (r->sys.result == MB_RES_NONE) {
		mb_error_set(why, "a rule without a result needs the supervisor (seccomp)");
		return false;
	}
	if (e == MB_ENGINE_FMOD_RET && r->sys.result == MB_RES_VALUE && r->sys.value == 0) {
		/* an fmod_ret program returning 0 lets the call run */
		mb_error_set(why, "fmod_ret cannot fake a return value of 0");
		return false;
	}
	return true;
}

bool mb_net_rule_on_packets(const struct mb_rule *r)
{
	return r->kind == MB_RULE_NET &&
	       (r->net.action == MB_NET_DROP || r->net.action == MB_NET_CORRUPT ||
		r->net.action == MB_NET_DUPLICATE || r->net.action == MB_NET_RESET);
}

enum mb_engine mb_engine_for_net(const struct mb_rule *r)
{
	if (r->net.action == MB_NET_SHAPE)
		/* Per call: the supervisor holds the target's sends back and
		 * sets TCP's pacing rate on its sockets (engines/seccomp/shape.c). */
		return MB_ENGINE_SECCOMP_NOTIF;
	return mb_net_rule_on_packets(r) ? MB_ENGINE_TC : MB_ENGINE_CGROUP;
}

static bool has(const struct mb_select *s, enum mb_engine e)
{
	return s->answers->ok[e] == 1;
}

/* What the per-call shaping engine cannot do, said before anything is
 * applied. */
static int shape_choose(const struct mb_select *s, const struct mb_rule *r,
			struct mb_engine_choice *out, struct mb_error *err)
{
	/* Where fq exists the tc program sets each packet's departure time
	 * (per packet); MINDERBINDER_ENGINE=seccomp asks for per call. */
	if (has(s, MB_ENGINE_EDT) && s->wish != MB_WISH_SECCOMP) {
		out->engine = MB_ENGINE_EDT;
		return 0;
	}
	if (s->watch) {
		mb_error_set(err, "latency= and bandwidth= on a network rule need fq (the EDT engine: %s) or the supervisor, which watch cannot put into a process it did not start",
			     s->answers->why[MB_ENGINE_EDT].msg[0] ? s->answers->why[MB_ENGINE_EDT].msg : "not probed");
		return -EOPNOTSUPP;
	}
	if (s->api) {
		mb_error_set(err, "latency= and bandwidth= on a network rule through the C API need fq (the EDT engine: %s); per call they are not available there yet: use MINDERBINDER_NET or run --net",
			     s->answers->why[MB_ENGINE_EDT].msg[0] ? s->answers->why[MB_ENGINE_EDT].msg : "not probed");
		return -EOPNOTSUPP;
	}
	if ((r->flags & MB_F_BANDWIDTH) && r->net.proto == MB_PROTO_UDP) {
		mb_error_set(err, "bandwidth= on udp needs the kernel's fq qdisc (the EDT engine: %s); per call only TCP paces itself (SO_MAX_PACING_RATE)",
			     s->answers->why[MB_ENGINE_EDT].msg[0] ? s->answers->why[MB_ENGINE_EDT].msg : "not probed");
		return -EOPNOTSUPP;
	}
	return 0;
}

int mb_engine_candidates(const struct mb_select *s, enum mb_engine out[2], struct mb_error *err)
{
	int n = 0;

	memset(out, 0, 2 * sizeof(out[0]));
	switch (s->wish) {
	case MB_WISH_KPROBE:
	case MB_WISH_FMOD_RET:
		out[0] = s->wish == MB_WISH_KPROBE ? MB_ENGINE_KPROBE : MB_ENGINE_FMOD_RET;
		if (!s->watch && !has(s, out[0])) {
			mb_error_set(err, "MINDERBINDER_ENGINE=%s: this kernel lacks it: %s",
				     wish_names[s->wish], s->answers->why[out[0]].msg);
			return -EOPNOTSUPP;
		}
		return 1;
	case MB_WISH_SECCOMP:
		if (s->watch) {
			mb_error_set(err, "MINDERBINDER_ENGINE=seccomp: watch cannot put a filter into a process it did not start");
			return -EINVAL;
		}
		return 0;
	case MB_WISH_AUTO:
		if (s->watch || has(s, MB_ENGINE_FMOD_RET))
			out[n++] = MB_ENGINE_FMOD_RET;
		if (s->watch || has(s, MB_ENGINE_KPROBE))
			out[n++] = MB_ENGINE_KPROBE;
		return n;
	default:
		return 0;
	}
}

/* Watch's refusal of a syscall rule no candidate can serve: each one's reason. */
static int no_bpf_engine(const enum mb_engine *cand, int n, const struct mb_error *why,
			 struct mb_error *err)
{
	if (n == 1)
		mb_error_set(err, "watch mode needs a BPF syscall engine; %s: %s",
			     mb_engine_name(cand[0]), why[0].msg);
	else
		mb_error_set(err, "watch mode needs a BPF syscall engine; fmod_ret: %s; kprobe: %s",
			     why[0].msg, why[1].msg);
	return -EOPNOTSUPP;
}

int mb_engine_choose(const struct mb_select *s, const enum mb_engine *cand, int n,
		     const struct mb_rule *r, struct mb_engine_choice *out, struct mb_error *err)
{
	struct mb_error why[2] = { { "" }, { "" } };
	int k;

	memset(out, 0, sizeof(*out));
	if (r->kind == MB_RULE_NET) {
		out->engine = mb_engine_for_net(r);
		if (out->engine == MB_ENGINE_SECCOMP_NOTIF)
			return shape_choose(s, r, out, err);
		if (s->watch && !has(s, out->engine)) {
			mb_error_set(err, "the %s engine is unavailable on this kernel: %s",
				     out->engine == MB_ENGINE_TC ? "tc" : "cgroup",
				     s->answers->why[out->engine].msg);
			return -EOPNOTSUPP;
		}
		return 0;
	}
	if (s->supervised) {
		out->engine = MB_ENGINE_SECCOMP_NOTIF;
		return 0;
	}
	for (k = 0; k < n && k < 2; k++) {
		int ok = s->answers->ok[cand[k]];

		if (s->watch && ok != 1) {
			if (ok < 0)
				mb_error_set(&why[k], "%s", strerror(-ok));
			else
				why[k] = s->answers->why[cand[k]];
			continue;
		}
		if (!mb_engine_can_express(cand[k], r, &why[k]))
			continue;
		out->bpf[out->n_bpf++] = cand[k];
	}
	if (s->watch)
		/* No filter to fall back on: a BPF engine or nothing. */
		return out->n_bpf ? 0 : no_bpf_engine(cand, n, why, err);
	/* A forced engine that can express the rule must attach; anything
	 * else falls back on the filter and the supervisor. */
	if (s->wish == MB_WISH_AUTO || !out->n_bpf)
		out->engine = mb_seccomp_engine_for(r, s->scope);
	return 0;
}

void mb_engine_align(const struct mb_select *s, const struct mb_spec *spec,
		     struct mb_engine_choice *c)
{
	struct mb_nr_set filtered, set;
	__u32 i, w;

	if (s->watch || s->wish != MB_WISH_AUTO)
		return; /* no filter; or an engine asked for by name, which holds */
	memset(&filtered, 0, sizeof(filtered));
	for (i = 0; i < spec->n_rules; i++)
		if (spec->rules[i].kind == MB_RULE_SYSCALL && spec->rules[i].sys.family &&
		    !c[i].n_bpf && mb_rule_nr_set((enum mb_arch)spec->arch, &spec->rules[i], &set) > 0)
			for (w = 0; w < MB_NR_SET_MAX / 64; w++)
				filtered.w[w] |= set.w[w];
	for (i = 0; i < spec->n_rules; i++)
		if (spec->rules[i].kind == MB_RULE_SYSCALL && c[i].n_bpf &&
		    mb_nr_set_has(&filtered, spec->rules[i].sys.nr))
			c[i].n_bpf = 0; /* its engine is already the filter's fallback */
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One walk over the pinned maps: every live target, its rules as text and
 * their counters, checked against the target's start time so a pid that
 * now names another process is left out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "lib/spec_parse.h"
#include "minderbinder/pins.h"
#include "registry/registry.h"
#include "registry/snapshot.h"

void mb_snapshot_free(struct mb_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->targets[i].rules);
	free(s->targets);
	memset(s, 0, sizeof(*s));
}

/* "?" when the pid is no longer the process that registered. */
static void read_comm(__u32 pid, __u64 start_ticks, char *buf, size_t len)
{
	__u64 ticks;

	if (mb_proc_comm((pid_t)pid, buf, len) || !buf[0] ||
	    mb_proc_start_ticks((pid_t)pid, &ticks) || ticks != start_ticks)
		snprintf(buf, len, "?");
}

static int by_pid(const void *a, const void *b)
{
	__u32 x = ((const struct mb_snapshot_target *)a)->pid, y = ((const struct mb_snapshot_target *)b)->pid;

	return x < y ? -1 : x > y;
}

static const struct mb_snapshot_target *find_target(const struct mb_snapshot *s, __u32 pid)
{
	struct mb_snapshot_target key = { .pid = pid };

	return bsearch(&key, s->targets, s->n, sizeof(key), by_pid);
}

/* Reads one target's rules and counters; -ESRCH when it went away (or
 * its pid now names another process) while we read. */
static int collect_target(int targets_fd, int rules_fd, int counters_fd, __u32 pid,
			  struct mb_snapshot_target *st)
{
	struct mb_rule_key key = { .tgid = pid };
	struct mb_target again;
	__u32 n = st->t.n_rules < MB_MAX_RULES ? st->t.n_rules : MB_MAX_RULES;

	st->pid = pid;
	st->rules = calloc(n ? n : 1, sizeof(*st->rules));
	if (!st->rules)
		return -ENOMEM;
	for (key.idx = 0; key.idx < n; key.idx++) {
		struct mb_snapshot_rule *r = &st->rules[st->n_rules];
		struct mb_rule_entry e;
		struct mb_counters c;

		if (bpf_map_lookup_elem(rules_fd, &key, &e) || e.start_ticks != st->t.start_ticks)
			return -ESRCH;
		if (mb_registry_counters(counters_fd, &st->t, pid, key.idx, &c))
			return -ESRCH;
		r->idx = key.idx;
		r->engine = e.engine;
		r->calls = c.calls;
		r->faults = c.faults;
		if (e.engine == MB_ENGINE_SECCOMP_ERRNO)
			r->how = MB_IN_FILTER;
		else if (e.engine == MB_ENGINE_SECCOMP_NOTIF && st->t.parent)
			r->how = MB_AT_ANCESTOR; /* resolved once every target is read */
		else if ((e.engine == MB_ENGINE_CGROUP || e.engine == MB_ENGINE_TC ||
			  e.engine == MB_ENGINE_EDT) && st->t.owner)
			r->how = MB_AT_ANCESTOR; /* net.bpf.c counts it at the owner */
		else
			r->how = MB_COUNTED;
		if (mb_rule_format(&e.rule, mb_native_arch(), r->text, sizeof(r->text)) < 0)
			snprintf(r->text, sizeof(r->text), "(rule %u: too long to show)", key.idx);
		st->n_rules++;
	}
	if (bpf_map_lookup_elem(targets_fd, &pid, &again) ||
	    again.start_ticks != st->t.start_ticks)
		return -ESRCH;
	read_comm(pid, st->t.start_ticks, st->comm, sizeof(st->comm));
	st->have_where = !mb_proc_where((pid_t)pid, st->t.start_ticks, &st->where);
	return 0;
}

/* A network rule of a forked target counts with its owner while the
 * owner's entry is the registration it was forked from (net.bpf.c's
 * count_key); an orphan's count is its own. */
static void net_counted_at_owner(const struct mb_snapshot *s, struct mb_snapshot_target *st)
{
	const struct mb_snapshot_target *o = find_target(s, st->t.owner);
	__u32 j;

	for (j = 0; j < st->n_rules; j++) {
		struct mb_snapshot_rule *r = &st->rules[j];

		if (r->engine != MB_ENGINE_CGROUP && r->engine != MB_ENGINE_TC &&
		    r->engine != MB_ENGINE_EDT)
			continue;
		if (!o || o->t.registered_ns != st->t.registered_ns)
			r->how = MB_COUNTED;
		else
			r->counted_at = st->t.owner;
	}
}

/*
 * The one place that reads the pinned registry. Returns 0 (with
 * s->loaded = 0 when nothing is pinned) or -errno (-EACCES/-EPERM: not
 * root).
 */
int mb_snapshot_read(struct mb_snapshot *s)
{
	int targets_fd, rules_fd = -1, counters_fd = -1, err = 0;
	__u32 key, next, *prev = NULL;
	size_t i, cap = 0;

	memset(s, 0, sizeof(*s));
	targets_fd = bpf_obj_get(MB_TARGETS_PIN);
	if (targets_fd < 0 && errno == ENOENT)
		return 0;
	if (targets_fd >= 0)
		rules_fd = bpf_obj_get(MB_RULES_PIN);
	if (rules_fd >= 0)
		counters_fd = bpf_obj_get(MB_COUNTERS_PIN);
	if (counters_fd < 0) {
		err = -errno;
		goto cleanup;
	}
	s->loaded = 1;
	while (!bpf_map_get_next_key(targets_fd, prev, &next)) {
		struct mb_snapshot_target *st;

		key = next;
		prev = &key;
		if (s->n == cap) {
			struct mb_snapshot_target *v;

			cap = cap ? cap * 2 : 16;
			v = realloc(s->targets, cap * sizeof(*v));
			if (!v) {
				err = -ENOMEM;
				goto cleanup;
			}
			s->targets = v;
		}
		st = &s->targets[s->n];
		memset(st, 0, sizeof(*st));
		if (bpf_map_lookup_elem(targets_fd, &key, &st->t))
			continue; /* gone since get_next_key */
		err = collect_target(targets_fd, rules_fd, counters_fd, key, st);
		if (err == -ESRCH) {
			free(st->rules);
			err = 0;
			continue;
		}
		s->n++;
		if (err)
			goto cleanup;
	}
	if (s->n)
		qsort(s->targets, s->n, sizeof(*s->targets), by_pid);
	/* A forked target's supervised rules count with the registered
	 * process the supervisor serves: the first ancestor with no parent. */
	for (i = 0; i < s->n; i++) {
		const struct mb_snapshot_target *a = &s->targets[i];
		__u32 at = a->t.parent, hops = 0, j;

		if (!a->t.parent)
			continue;
		while ((a = find_target(s, at)) && a->t.parent && hops++ < MB_MAX_TARGETS)
			at = a->t.parent;
		for (j = 0; j < s->targets[i].n_rules; j++)
			s->targets[i].rules[j].counted_at = at;
		net_counted_at_owner(s, &s->targets[i]);
	}
cleanup:
	if (targets_fd >= 0)
		close(targets_fd);
	if (rules_fd >= 0)
		close(rules_fd);
	if (counters_fd >= 0)
		close(counters_fd);
	if (err)
		mb_snapshot_free(s);
	return err;
}

/* --- where a target is ------------------------------------------------------ */

void mb_snapshot_pidns_text(const struct mb_snapshot_target *t, char *buf, size_t len)
{
	if (!len)
		return;
	if (!t->have_where)
		buf[0] = '\0';
	else if (t->where.host)
		snprintf(buf, len, "pidns host");
	else
		snprintf(buf, len, "pidns %llu (pid %u)", (unsigned long long)t->where.pidns,
			 t->where.ns_pid);
}

int mb_snapshot_contained(const struct mb_snapshot_target *t)
{
	return t->have_where &&
	       (!t->where.host || (t->where.cgroup[0] && strcmp(t->where.cgroup, "/")));
}

/* --- what the counters mean ------------------------------------------------ */

const char *mb_snapshot_scope_name(__u32 scope)
{
	switch (scope) {
	case MB_SCOPE_TREE:
		return "tree";
	case MB_SCOPE_PROCESS:
		return "process";
	case MB_SCOPE_THREAD:
		return "thread";
	}
	return "unknown";
}

/* Names for calls and faults: a drop rule (tc) sees packets and drops
 * them, a refuse/errno rule (cgroup) sees connects (and UDP sends) and
 * fails them, a syscall rule sees calls and faults them. */
void mb_snapshot_meaning(__u32 engine, const char **seen, const char **faults)
{
	if (engine == MB_ENGINE_TC) {
		*seen = "packets_seen";
		*faults = "packets_dropped";
	} else if (engine == MB_ENGINE_EDT) {
		*seen = "packets_seen";
		*faults = "packets_delayed";
	} else if (engine == MB_ENGINE_CGROUP) {
		*seen = "connects_seen";
		*faults = "connects_failed";
	} else {
		*seen = "calls";
		*faults = "faults";
	}
}

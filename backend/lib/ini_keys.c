/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The keys of a section: which belong where (the original project's fields first, then
 * the extensions: the order of messages), and each key's value checked and
 * kept for the rule.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ini_internal.h"
#include "lib/name_tables.h"

const char *const ini_key_names[K_COUNT] = {
	[K_SYSCALL] = "syscall",       [K_RET_CODE] = "ret_code",
	[K_TARGETS] = "targets",       [K_DELAY_MS] = "delay_ms",
	[K_FAILURE_RATE] = "failure_rate", [K_PATH] = "path",
	[K_AFTER] = "after",           [K_TIMES] = "times",
	[K_LATENCY_MS] = "latency_ms", [K_SEED] = "seed",
	[K_PROTOCOL] = "protocol",     [K_PORT] = "port",
	[K_ADDR] = "addr",             [K_ACTION] = "action",
	[K_JITTER_MS] = "jitter_ms",   [K_BANDWIDTH] = "bandwidth",
	[K_DIRECTION] = "direction",
};

/* The original project's fields first, then the extensions: the order of messages. */
const struct sec_info ini_sec_info[SEC_COUNT] = {
	[SEC_SYSCALL] = {
		.name = "syscall",
		.n_keys = 10,
		.keys = { K_SYSCALL, K_RET_CODE, K_TARGETS, K_DELAY_MS,
			  K_FAILURE_RATE, K_PATH, K_AFTER, K_TIMES,
			  K_LATENCY_MS, K_SEED },
		.required = 1u << K_SYSCALL | 1u << K_RET_CODE | 1u << K_TARGETS,
	},
	[SEC_NET] = {
		.name = "outgoing_network",
		.n_keys = 14,
		.keys = { K_TARGETS, K_DELAY_MS, K_FAILURE_RATE, K_PROTOCOL,
			  K_PORT, K_ADDR, K_ACTION, K_AFTER, K_TIMES, K_SEED,
			  K_LATENCY_MS, K_JITTER_MS, K_BANDWIDTH, K_DIRECTION },
		.required = 1u << K_TARGETS,
	},
};

static const char *key_name_at(void *ctx, size_t i)
{
	const struct sec_info *si = ctx;

	return ini_key_names[si->keys[i]];
}

static int key_lookup(const char *name)
{
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (!strcmp(name, ini_key_names[k]))
			return k;
	return -1;
}

static bool key_allowed(enum sec_type t, int k)
{
	unsigned i;

	for (i = 0; i < ini_sec_info[t].n_keys; i++)
		if ((int)ini_sec_info[t].keys[i] == k)
			return true;
	return false;
}

/* --- keys ------------------------------------------------------------------ */

/* inih ends a value at " ;"; a " #" comment would otherwise end up inside
 * it, e.g. as a target named "#". */
static void cut_hash_comment(char *v)
{
	char *p;

	for (p = v; *p; p++) {
		if (*p == '#' && p > v && isspace((unsigned char)p[-1])) {
			*p = '\0';
			break;
		}
	}
	while (p > v && isspace((unsigned char)p[-1]))
		*--p = '\0';
}

static int add_targets(struct ini_state *st, const char *value)
{
	struct mb_ini_section *sec = st->sec;
	const char *p = value;
	unsigned i;

	for (;;) {
		size_t n;

		p += strspn(p, ", \t");
		if (!*p)
			break;
		n = strcspn(p, ", \t");
		if (n >= MB_COMM_LEN) {
			ini_fail_at(st, st->lineno,
				"target '%.*s' is longer than %d characters, which is all of a process name the kernel keeps (did you mean '%.*s'?)",
				(int)n, p, MB_COMM_LEN - 1, MB_COMM_LEN - 1, p);
			return -EINVAL;
		}
		for (i = 0; i < sec->n_targets; i++)
			if (strlen(sec->targets[i]) == n &&
			    !memcmp(sec->targets[i], p, n))
				break;
		if (i == sec->n_targets) {
			if (sec->n_targets == MB_INI_MAX_TARGETS) {
				ini_fail_at(st, st->lineno,
					"too many targets in [%s %s] (at most %d)",
					ini_sec_info[st->type].name, sec->name,
					MB_INI_MAX_TARGETS);
				return -EINVAL;
			}
			memcpy(sec->targets[sec->n_targets], p, n);
			sec->targets[sec->n_targets++][n] = '\0';
		}
		p += n;
	}
	if (!sec->n_targets) {
		ini_fail_at(st, st->lineno, "'targets' names no process");
		return -EINVAL;
	}
	return 0;
}

/* What the spec text needs that the spec grammar spells differently. */
static int check_value(struct ini_state *st, enum key_id k, const char *v)
{
	unsigned long long ms;
	char *end;
	__u32 ppm;

	switch (k) {
	case K_DELAY_MS:
	case K_LATENCY_MS:
	case K_JITTER_MS:
		errno = 0;
		ms = strtoull(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end || errno || ms > MS_MAX) {
			ini_fail_at(st, st->lineno,
				"%s must be whole milliseconds (e.g. 100), got '%s'",
				ini_key_names[k], v);
			return -EINVAL;
		}
		break;
	case K_FAILURE_RATE:
		if (mb_parse_rate(v, &ppm)) {
			ini_fail_at(st, st->lineno,
				"failure_rate must be a percentage from 0 to 100 (e.g. 100, 12.5 or 12.5%%), got '%s'",
				v);
			return -EINVAL;
		}
		break;
	case K_RET_CODE:
		/* The grammar would read "x=1" as an option, not a result. */
		if (strchr(v, '=')) {
			ini_fail_at(st, st->lineno,
				"ret_code must be an errno (-2, ENOENT, -ENOENT) or +N, got '%s'",
				v);
			return -EINVAL;
		}
		break;
	default:
		break;
	}
	return 0;
}

static void fail_unknown_key(struct ini_state *st, const char *name)
{
	const struct sec_info *si = &ini_sec_info[st->type];
	const char *suggest;
	char keys[256];
	size_t len = 0;
	unsigned i;
	int k = key_lookup(name);

	if (k >= 0) {
		ini_fail_at(st, st->lineno, "key '%s' belongs in [%s] sections, not [%s]",
			name, ini_sec_info[st->type == SEC_NET ? SEC_SYSCALL : SEC_NET].name,
			si->name);
		return;
	}
	suggest = mb_nearest(name, si->n_keys, key_name_at, (void *)si);
	if (suggest) {
		ini_fail_at(st, st->lineno, "unknown key '%s' in [%s %s] (did you mean '%s'?)",
			name, si->name, st->sec->name, suggest);
		return;
	}
	keys[0] = '\0';
	for (i = 0; i < si->n_keys; i++) {
		int n = snprintf(keys + len, sizeof(keys) - len, "%s%s",
				 i ? ", " : "", ini_key_names[si->keys[i]]);

		if (n > 0 && len + (size_t)n < sizeof(keys))
			len += (size_t)n;
	}
	ini_fail_at(st, st->lineno, "unknown key '%s' in [%s %s] (keys: %s)", name,
		si->name, st->sec->name, keys);
}

int ini_on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct ini_state *st = user;
	char v[VALUE_MAX];
	int k;

	(void)section; /* truncated by inih; st->sec has the whole name */
	if (st->failed)
		return 0;
	if (strlen(value) >= sizeof(v)) {
		ini_fail_at(st, st->lineno, "value of '%s' is too long", name);
		return 0;
	}
	strcpy(v, value);
	cut_hash_comment(v);

	if (st->kind == LINE_CONT) {
		/* A list may go on over indented lines, as in configparser;
		 * anything else indented is most likely a misplaced key. */
		if (st->prev_key == K_TARGETS && !strpbrk(v, "=:") && v[0] != '[')
			return !add_targets(st, v);
		ini_fail_at(st, st->lineno,
			"indented line '%s' reads as a continuation of '%s' (remove the indentation)",
			v, ini_key_names[st->prev_key]);
		return 0;
	}
	if (!st->sec) {
		ini_fail_at(st, st->lineno,
			"key '%s' is outside any section (put it under [syscall NAME] or [outgoing_network NAME])",
			name);
		return 0;
	}
	if (!*name) {
		ini_fail_at(st, st->lineno, "missing key name before '='");
		return 0;
	}
	k = key_lookup(name);
	if (k < 0 || !key_allowed(st->type, k)) {
		fail_unknown_key(st, name);
		return 0;
	}
	if (st->kv[k].set) {
		ini_fail_at(st, st->lineno, "key '%s' given twice in [%s %s] (first at line %u)",
			name, ini_sec_info[st->type].name, st->sec->name, st->kv[k].line);
		return 0;
	}
	if (!*v) {
		ini_fail_at(st, st->lineno, "key '%s' has no value", name);
		return 0;
	}
	if (check_value(st, k, v))
		return 0;
	if (k == K_TARGETS) {
		if (add_targets(st, v))
			return 0;
	} else if (k == K_FAILURE_RATE) {
		/* "50" and "50%" alike: the grammar's rate is a percentage. */
		v[strcspn(v, "%")] = '\0';
	}
	strcpy(st->kv[k].value, v);
	st->kv[k].line = st->lineno;
	st->kv[k].set = true;
	st->prev_key = k;
	return 1;
}

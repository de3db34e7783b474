/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A section becomes spec text ("openat:-2:delay=100ms:rate=100%") for the
 * one spec parser, so a rule from an INI file and one from the environment
 * cannot differ. The text is parsed as it grows, one key at a time, each
 * step labelled with that key's line: the first step that fails names the
 * key at fault.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/ini_internal.h"

static void text_reset(struct ini_state *st)
{
	st->text_len = 0;
	st->text[0] = '\0';
}

/* Escapes the spec's separators so that a value stays one field. */
static int text_add(struct ini_state *st, const char *s, bool escape)
{
	for (; *s; s++) {
		if (st->text_len + 3 > sizeof(st->text)) {
			ini_fail_at(st, st->sec->line, "section [%s %s] is too long",
				ini_sec_info[st->type].name, st->sec->name);
			return -EINVAL;
		}
		if (escape && strchr(":;\\", *s))
			st->text[st->text_len++] = '\\';
		st->text[st->text_len++] = *s;
	}
	st->text[st->text_len] = '\0';
	return 0;
}

/* The parser's column is one in text the user never wrote: the line says
 * where, so drop it. */
static void drop_column(char *msg)
{
	static const char tag[] = " at column ";
	char *p, *last = NULL, *d;

	for (p = strstr(msg, tag); p; p = strstr(p + 1, tag))
		if (isdigit((unsigned char)p[sizeof(tag) - 1]))
			last = p;
	if (!last)
		return;
	d = last + sizeof(tag) - 1;
	while (isdigit((unsigned char)*d))
		d++;
	memmove(last, d, strlen(d) + 1);
}

/* Parses the text so far as the section's one rule; a failure is the fault
 * of the key on `line`. */
static int text_parse(struct ini_state *st, unsigned line)
{
	char label[MB_ERR_MAX];
	int ret;

	snprintf(label, sizeof(label), "%s:%u", st->file, line);
	mb_spec_init(&st->spec, st->arch);
	st->perr.msg[0] = '\0';
	if (st->type == SEC_NET)
		ret = mb_spec_add_net(&st->spec, label, st->text, &st->defaults,
				      &st->perr);
	else
		ret = mb_spec_add_syscalls(&st->spec, label, st->text,
					   &st->defaults, &st->perr);
	if (ret) {
		drop_column(st->perr.msg);
		st->failed = true;
		st->ret = ret;
		st->err = st->perr;
		return ret;
	}
	if (st->spec.n_rules != 1) {
		ini_fail_at(st, line, "section [%s %s] gave %u rules instead of one",
			ini_sec_info[st->type].name, st->sec->name, st->spec.n_rules);
		return -EINVAL;
	}
	return 0;
}

/* A piece of spec text; a value is escaped so that it stays one field. */
struct piece {
	const char *text;
	bool escape;
};

#define PIECES_MAX 6

/* Adds pieces up to the first with no text. */
static int text_add_pieces(struct ini_state *st, const struct piece *p)
{
	int ret = 0;
	size_t i;

	for (i = 0; !ret && i < PIECES_MAX && p[i].text; i++)
		ret = text_add(st, p[i].text, p[i].escape);
	return ret;
}

/* A key that becomes ":opt=VALUE[unit]" when it is set. */
struct ini_option {
	enum key_id key;
	const char *opt, *unit;
};

static const struct ini_option syscall_options[] = {
	{ K_DELAY_MS, "delay", "ms" }, { K_FAILURE_RATE, "rate", "%" },
	{ K_AFTER, "after", "" },      { K_TIMES, "times", "" },
	{ K_PATH, "path", "" },	       { K_LATENCY_MS, "latency", "ms" },
	{ K_SEED, "seed", "" },
};

static const struct ini_option net_options[] = {
	{ K_DELAY_MS, "delay", "ms" },	   { K_FAILURE_RATE, "rate", "%" },
	{ K_ADDR, "addr", "" },		   { K_AFTER, "after", "" },
	{ K_TIMES, "times", "" },	   { K_SEED, "seed", "" },
	{ K_LATENCY_MS, "latency", "ms" }, { K_JITTER_MS, "jitter", "ms" },
	{ K_BANDWIDTH, "bandwidth", "" },  { K_DIRECTION, "direction", "" },
};

/* Adds an option for a key that is set, and checks it. */
static int add_option(struct ini_state *st, const struct ini_option *o)
{
	const struct key_value *kv = &st->kv[o->key];
	const struct piece p[] = {
		{ ":", false },	     { o->opt, false }, { "=", false },
		{ kv->value, true }, { o->unit, false }, { NULL, false },
	};
	int ret;

	if (!kv->set)
		return 0;
	ret = text_add_pieces(st, p);
	return ret ? ret : text_parse(st, kv->line);
}

static const char *value_or(struct ini_state *st, enum key_id k,
			    const char *dflt)
{
	return st->kv[k].set ? st->kv[k].value : dflt;
}

/* Where a key was set, or the section header for a default. */
static unsigned line_of(struct ini_state *st, enum key_id k)
{
	return st->kv[k].set ? st->kv[k].line : st->sec->line;
}

/* One step of a rule: the whole text so far, at fault when it fails is
 * the key on its line. */
struct step {
	enum key_id key;
	struct piece text[PIECES_MAX];
};

/* The rule's head one field at a time, then each option that is set. */
static int build_rule(struct ini_state *st, const struct step *steps,
		      size_t n_steps, const struct ini_option *opts,
		      size_t n_opts, int skip)
{
	int ret = 0;
	size_t i;

	for (i = 0; !ret && i < n_steps; i++) {
		text_reset(st);
		ret = text_add_pieces(st, steps[i].text);
		if (!ret)
			ret = text_parse(st, line_of(st, steps[i].key));
	}
	for (i = 0; !ret && i < n_opts; i++)
		if ((int)opts[i].key != skip)
			ret = add_option(st, &opts[i]);
	return ret;
}

static int build_syscall_rule(struct ini_state *st)
{
	const char *name = st->kv[K_SYSCALL].value;
	/* Any syscall takes a fake +0: if that fails, the name is wrong. */
	const struct step steps[] = {
		{ K_SYSCALL, { { name, true }, { ":+0", false } } },
		{ K_RET_CODE,
		  { { name, true }, { ":", false },
		    { st->kv[K_RET_CODE].value, true } } },
	};

	return build_rule(st, steps, 2, syscall_options,
			  sizeof(syscall_options) / sizeof(syscall_options[0]), -1);
}

static int build_net_rule(struct ini_state *st)
{
	const char *proto = value_or(st, K_PROTOCOL, "any");
	const char *port = value_or(st, K_PORT, "*");
	const char *action = value_or(st, K_ACTION, "drop");
	/* A shaping rule has no action: the first shaping key stands in its
	 * field (a rule "tcp:80:shape" alone would mean nothing). */
	enum key_id head = K_ACTION;
	char shape[VALUE_MAX + 16];

	if (!strcmp(action, "shape") &&
	    (st->kv[K_LATENCY_MS].set || st->kv[K_BANDWIDTH].set)) {
		head = st->kv[K_LATENCY_MS].set ? K_LATENCY_MS : K_BANDWIDTH;
		snprintf(shape, sizeof(shape), head == K_LATENCY_MS ? "latency=%sms" : "bandwidth=%s",
			 st->kv[head].value);
		action = shape;
	}
	/* PROTO:PORT:ACTION, one field at a time, the others at defaults. */
	const struct step steps[] = {
		{ K_PROTOCOL, { { proto, true }, { ":*:drop", false } } },
		{ K_PORT,
		  { { proto, true }, { ":", false }, { port, true },
		    { ":drop", false } } },
		{ head,
		  { { proto, true }, { ":", false }, { port, true },
		    { ":", false }, { action, true } } },
	};

	return build_rule(st, steps, 3, net_options,
			  sizeof(net_options) / sizeof(net_options[0]),
			  head == K_ACTION ? -1 : (int)head);
}

int ini_finish_section(struct ini_state *st)
{
	const struct sec_info *si;
	char missing[128] = "";
	unsigned i, n_missing = 0;
	size_t len = 0;
	int ret;

	if (!st->sec || st->failed)
		return st->failed ? st->ret : 0;
	si = &ini_sec_info[st->type];
	for (i = 0; i < si->n_keys; i++) {
		enum key_id k = si->keys[i];
		int n;

		if (!(si->required & 1u << k) || st->kv[k].set)
			continue;
		n = snprintf(missing + len, sizeof(missing) - len, "%s'%s'",
			     n_missing ? ", " : "", ini_key_names[k]);
		if (n > 0 && len + (size_t)n < sizeof(missing))
			len += (size_t)n;
		n_missing++;
	}
	if (n_missing) {
		ini_fail_at(st, st->sec->line, "section [%s %s] is missing required key%s %s",
			si->name, st->sec->name, n_missing > 1 ? "s" : "", missing);
		return -EINVAL;
	}
	ret = st->type == SEC_NET ? build_net_rule(st) : build_syscall_rule(st);
	if (ret)
		return ret;
	st->sec->rule = st->spec.rules[0];
	st->sec = NULL;
	return 0;
}

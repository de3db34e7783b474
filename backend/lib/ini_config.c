/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The INI form of the seed's config.yaml (see ini_config.h).
 *
 * inih splits lines into key/value pairs; everything else happens here.
 * inih hands the handler neither the line number nor section headers (a
 * section without keys would go unseen) and truncates section names at 50
 * bytes, so the loader feeds inih one line at a time through its reader and
 * reads every line itself first: it counts lines, sees headers, and knows
 * how inih will treat the line (comment, continuation, key or header) by
 * applying inih's own rules to it.
 *
 * A section becomes spec text ("openat:-2:delay=100ms:rate=100%") for the
 * one spec parser, so a rule from an INI file and one from the environment
 * cannot differ. The text is parsed as it grows, one key at a time, each
 * step labelled with that key's line: the first step that fails names the
 * key at fault.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "lib/ini_config.h"
#include "lib/name_tables.h"

#define VALUE_MAX 512
#define TEXT_MAX 8192
#define FILE_MAX (1024 * 1024) /* a config, not a data set */
#define MS_MAX (UINT64_MAX / 1000000)

enum sec_type { SEC_SYSCALL, SEC_NET, SEC_COUNT };

enum key_id {
	K_SYSCALL,
	K_RET_CODE,
	K_TARGETS,
	K_DELAY_MS,
	K_FAILURE_RATE,
	K_PATH,
	K_AFTER,
	K_TIMES,
	K_LATENCY_MS,
	K_SEED,
	K_PROTOCOL,
	K_PORT,
	K_ADDR,
	K_ACTION,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_SYSCALL] = "syscall",       [K_RET_CODE] = "ret_code",
	[K_TARGETS] = "targets",       [K_DELAY_MS] = "delay_ms",
	[K_FAILURE_RATE] = "failure_rate", [K_PATH] = "path",
	[K_AFTER] = "after",           [K_TIMES] = "times",
	[K_LATENCY_MS] = "latency_ms", [K_SEED] = "seed",
	[K_PROTOCOL] = "protocol",     [K_PORT] = "port",
	[K_ADDR] = "addr",             [K_ACTION] = "action",
};

#define KEYS_MAX 10

/* The seed's fields first, then the extensions: the order of messages. */
static const struct sec_info {
	const char *name;
	unsigned n_keys;
	enum key_id keys[KEYS_MAX];
	unsigned required; /* bit per enum key_id */
} sec_info[SEC_COUNT] = {
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
		.n_keys = 7,
		.keys = { K_TARGETS, K_DELAY_MS, K_FAILURE_RATE, K_PROTOCOL,
			  K_PORT, K_ADDR, K_ACTION },
		.required = 1u << K_TARGETS,
	},
};

enum line_kind { LINE_BLANK, LINE_KEY, LINE_CONT, LINE_HEADER };

struct key_value {
	char value[VALUE_MAX];
	unsigned line;
	bool set;
};

struct ini_state {
	const char *file;
	enum mb_arch arch;
	const char *pos;	/* the next line of the text */
	unsigned lineno;
	enum line_kind kind;	/* of the line inih is looking at */
	bool failed;
	int ret;
	struct mb_error err;

	struct mb_ini_config cfg; /* copied out only if the whole file loads */
	struct mb_defaults defaults;

	/* The section being read. */
	struct mb_ini_section *sec;
	enum sec_type type;
	int prev_key; /* what an indented line continues, as inih sees it */
	struct key_value kv[K_COUNT];

	struct mb_spec spec;
	struct mb_error perr;
	char text[TEXT_MAX];
	size_t text_len;
};

static void fail_at(struct ini_state *st, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Only the first error counts: the rest of the file is never read. */
static void fail_at(struct ini_state *st, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (st->failed)
		return;
	st->failed = true;
	st->ret = -EINVAL;
	n = snprintf(st->err.msg, sizeof(st->err.msg), "%s:%u: ", st->file, line);
	if (n < 0 || (size_t)n >= sizeof(st->err.msg))
		return;
	va_start(ap, fmt);
	vsnprintf(st->err.msg + n, sizeof(st->err.msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

static const char *skip_space(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/*
 * inih's find_chars_or_comment(): the first of chars, or the ';' of an
 * inline comment (a ';' after whitespace), or the end.
 */
static const char *find_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* Copies [s, e) without surrounding whitespace. */
static void copy_trimmed(char *dst, size_t size, const char *s, const char *e)
{
	size_t n;

	s = skip_space(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - s);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* --- section names --------------------------------------------------------- */

static const char *sec_name_at(void *ctx, size_t i)
{
	(void)ctx;
	return sec_info[i].name;
}

static const char *key_name_at(void *ctx, size_t i)
{
	const struct sec_info *si = ctx;

	return key_names[si->keys[i]];
}

static int key_lookup(const char *name)
{
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (!strcmp(name, key_names[k]))
			return k;
	return -1;
}

static bool key_allowed(enum sec_type t, int k)
{
	unsigned i;

	for (i = 0; i < sec_info[t].n_keys; i++)
		if ((int)sec_info[t].keys[i] == k)
			return true;
	return false;
}

/* --- building and parsing the spec text ------------------------------------ */

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
			fail_at(st, st->sec->line, "section [%s %s] is too long",
				sec_info[st->type].name, st->sec->name);
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
		fail_at(st, line, "section [%s %s] gave %u rules instead of one",
			sec_info[st->type].name, st->sec->name, st->spec.n_rules);
		return -EINVAL;
	}
	return 0;
}

/* Adds ":name=VALUE[unit]" for a key that is set, and checks it. */
static int add_option(struct ini_state *st, enum key_id k, const char *opt,
		      const char *unit)
{
	int ret;

	if (!st->kv[k].set)
		return 0;
	ret = text_add(st, ":", false);
	if (!ret)
		ret = text_add(st, opt, false);
	if (!ret)
		ret = text_add(st, "=", false);
	if (!ret)
		ret = text_add(st, st->kv[k].value, true);
	if (!ret && unit)
		ret = text_add(st, unit, false);
	return ret ? ret : text_parse(st, st->kv[k].line);
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

static int build_syscall_rule(struct ini_state *st)
{
	int ret;

	/* Any syscall takes a fake +0: if that fails, the name is wrong. */
	text_reset(st);
	ret = text_add(st, st->kv[K_SYSCALL].value, true);
	if (!ret)
		ret = text_add(st, ":+0", false);
	if (!ret)
		ret = text_parse(st, line_of(st, K_SYSCALL));
	if (ret)
		return ret;
	text_reset(st);
	ret = text_add(st, st->kv[K_SYSCALL].value, true);
	if (!ret)
		ret = text_add(st, ":", false);
	if (!ret)
		ret = text_add(st, st->kv[K_RET_CODE].value, true);
	if (!ret)
		ret = text_parse(st, line_of(st, K_RET_CODE));
	if (!ret)
		ret = add_option(st, K_DELAY_MS, "delay", "ms");
	if (!ret)
		ret = add_option(st, K_FAILURE_RATE, "rate", "%");
	if (!ret)
		ret = add_option(st, K_AFTER, "after", NULL);
	if (!ret)
		ret = add_option(st, K_TIMES, "times", NULL);
	if (!ret)
		ret = add_option(st, K_PATH, "path", NULL);
	if (!ret)
		ret = add_option(st, K_LATENCY_MS, "latency", "ms");
	if (!ret)
		ret = add_option(st, K_SEED, "seed", NULL);
	return ret;
}

static int build_net_rule(struct ini_state *st)
{
	const char *proto = value_or(st, K_PROTOCOL, "any");
	const char *port = value_or(st, K_PORT, "*");
	const char *action = value_or(st, K_ACTION, "drop");
	int ret;

	/* PROTO:PORT:ACTION, one field at a time, the others at defaults. */
	text_reset(st);
	ret = text_add(st, proto, true);
	if (!ret)
		ret = text_add(st, ":*:drop", false);
	if (!ret)
		ret = text_parse(st, line_of(st, K_PROTOCOL));
	if (ret)
		return ret;
	text_reset(st);
	ret = text_add(st, proto, true);
	if (!ret)
		ret = text_add(st, ":", false);
	if (!ret)
		ret = text_add(st, port, true);
	if (!ret)
		ret = text_add(st, ":drop", false);
	if (!ret)
		ret = text_parse(st, line_of(st, K_PORT));
	if (ret)
		return ret;
	text_reset(st);
	ret = text_add(st, proto, true);
	if (!ret)
		ret = text_add(st, ":", false);
	if (!ret)
		ret = text_add(st, port, true);
	if (!ret)
		ret = text_add(st, ":", false);
	if (!ret)
		ret = text_add(st, action, true);
	if (!ret)
		ret = text_parse(st, line_of(st, K_ACTION));
	if (!ret)
		ret = add_option(st, K_DELAY_MS, "delay", "ms");
	if (!ret)
		ret = add_option(st, K_FAILURE_RATE, "rate", "%");
	if (!ret)
		ret = add_option(st, K_ADDR, "addr", NULL);
	return ret;
}

/* The section is complete: check it and turn it into its rule. */
static int finish_section(struct ini_state *st)
{
	const struct sec_info *si;
	char missing[128] = "";
	unsigned i, n_missing = 0;
	size_t len = 0;
	int ret;

	if (!st->sec || st->failed)
		return st->failed ? st->ret : 0;
	si = &sec_info[st->type];
	for (i = 0; i < si->n_keys; i++) {
		enum key_id k = si->keys[i];
		int n;

		if (!(si->required & 1u << k) || st->kv[k].set)
			continue;
		n = snprintf(missing + len, sizeof(missing) - len, "%s'%s'",
			     n_missing ? ", " : "", key_names[k]);
		if (n > 0 && len + (size_t)n < sizeof(missing))
			len += (size_t)n;
		n_missing++;
	}
	if (n_missing) {
		fail_at(st, st->sec->line, "section [%s %s] is missing required key%s %s",
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

/* "[syscall break_curl_openat]": start a new section. */
static int start_section(struct ini_state *st, const char *start)
{
	char content[VALUE_MAX], type[VALUE_MAX];
	const char *end, *after, *name, *suggest;
	unsigned i, line = st->lineno;
	size_t tlen;
	int t;

	end = find_or_comment(start + 1, "]");
	if (*end != ']') {
		copy_trimmed(content, sizeof(content), start, end);
		fail_at(st, line, "unterminated section header '%s' (missing ']')",
			content);
		return -EINVAL;
	}
	after = skip_space(end + 1);
	if (*after && *after != ';' && *after != '#') {
		copy_trimmed(content, sizeof(content), after, after + strlen(after));
		fail_at(st, line, "unexpected '%s' after section header", content);
		return -EINVAL;
	}
	copy_trimmed(content, sizeof(content), start + 1, end);
	if (!content[0]) {
		fail_at(st, line,
			"empty section header (want [syscall NAME] or [outgoing_network NAME])");
		return -EINVAL;
	}
	tlen = strcspn(content, " \t\r\v\f");
	memcpy(type, content, tlen);
	type[tlen] = '\0';
	name = skip_space(content + tlen);

	for (t = 0; t < SEC_COUNT; t++)
		if (!strcmp(type, sec_info[t].name))
			break;
	if (t == SEC_COUNT) {
		suggest = mb_nearest(type, SEC_COUNT, sec_name_at, NULL);
		if (suggest)
			fail_at(st, line, "unknown section type '%s' (did you mean '%s'?)",
				type, suggest);
		else
			fail_at(st, line,
				"unknown section type '%s' (want [syscall NAME] or [outgoing_network NAME])",
				type);
		return -EINVAL;
	}
	if (!*name) {
		fail_at(st, line, "section [%s] has no name (write [%s NAME])", type,
			type);
		return -EINVAL;
	}
	if (name[strcspn(name, " \t\r\v\f")]) {
		fail_at(st, line, "section name '%s' must be one word (no spaces)",
			name);
		return -EINVAL;
	}
	if (strlen(name) >= MB_INI_NAME_MAX) {
		fail_at(st, line, "section name '%s' is longer than %d characters",
			name, MB_INI_NAME_MAX - 1);
		return -EINVAL;
	}
	for (i = 0; i < st->cfg.n_sections; i++) {
		if (strcmp(st->cfg.sections[i].name, name))
			continue;
		fail_at(st, line, "duplicate section name '%s' (first used at line %u)",
			name, st->cfg.sections[i].line);
		return -EINVAL;
	}
	if (st->cfg.n_sections == MB_INI_MAX_SECTIONS) {
		fail_at(st, line, "too many sections (at most %d)", MB_INI_MAX_SECTIONS);
		return -EINVAL;
	}
	st->sec = &st->cfg.sections[st->cfg.n_sections++];
	strcpy(st->sec->name, name);
	st->sec->line = line;
	st->type = (enum sec_type)t;
	st->prev_key = -1;
	memset(st->kv, 0, sizeof(st->kv));
	return 0;
}

/*
 * Reads one line for inih, after deciding what inih will make of it by
 * inih's own rules (comment, then continuation, then header, then key).
 */
static char *read_line(char *str, int num, void *stream)
{
	struct ini_state *st = stream;
	const char *line = st->pos, *start;
	size_t len, nl, i;

	if (st->failed || !*line)
		return NULL;
	len = strcspn(line, "\n");
	nl = line[len] == '\n';
	st->lineno++;
	st->pos += len + nl;
	if (num < 3) {
		fail_at(st, st->lineno, "inih line buffer too small");
		return NULL;
	}
	if (len + nl > (size_t)num - 1) {
		for (i = 0; i < len && isspace((unsigned char)line[i]); i++)
			;
		if (i < len && line[i] != ';' && line[i] != '#') {
			fail_at(st, st->lineno, "line too long (at most %d characters)",
				num - 2);
			return NULL;
		}
		/* A comment only has to look like one to inih: a long one is
		 * fine, where inih alone would read its tail as another line. */
		len = (size_t)num - 2;
	}
	memcpy(str, line, len);
	if (nl)
		str[len++] = '\n';
	str[len] = '\0';

	start = skip_space(str);
	if (!*start || *start == ';' || *start == '#') {
		st->kind = LINE_BLANK;
	} else if (st->prev_key >= 0 && start > str) {
		st->kind = LINE_CONT;
	} else if (*start == '[') {
		st->kind = LINE_HEADER;
		/* Every key of the previous section has been seen by now. */
		if (finish_section(st) || start_section(st, start))
			return NULL;
	} else {
		const char *sep = find_or_comment(start, "=:");

		if (*sep != '=' && *sep != ':') {
			char shown[64];

			copy_trimmed(shown, sizeof(shown), start, sep);
			fail_at(st, st->lineno,
				"expected 'key = value' or a [TYPE NAME] header, got '%s'",
				shown);
			return NULL;
		}
		st->kind = LINE_KEY;
	}
	return str;
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
			fail_at(st, st->lineno,
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
				fail_at(st, st->lineno,
					"too many targets in [%s %s] (at most %d)",
					sec_info[st->type].name, sec->name,
					MB_INI_MAX_TARGETS);
				return -EINVAL;
			}
			memcpy(sec->targets[sec->n_targets], p, n);
			sec->targets[sec->n_targets++][n] = '\0';
		}
		p += n;
	}
	if (!sec->n_targets) {
		fail_at(st, st->lineno, "'targets' names no process");
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
		errno = 0;
		ms = strtoull(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end || errno || ms > MS_MAX) {
			fail_at(st, st->lineno,
				"%s must be whole milliseconds (e.g. 100), got '%s'",
				key_names[k], v);
			return -EINVAL;
		}
		break;
	case K_FAILURE_RATE:
		if (mb_parse_rate(v, &ppm)) {
			fail_at(st, st->lineno,
				"failure_rate must be a percentage from 0 to 100 (e.g. 100, 12.5 or 12.5%%), got '%s'",
				v);
			return -EINVAL;
		}
		break;
	case K_RET_CODE:
		/* The grammar would read "x=1" as an option, not a result. */
		if (strchr(v, '=')) {
			fail_at(st, st->lineno,
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
	const struct sec_info *si = &sec_info[st->type];
	const char *suggest;
	char keys[256];
	size_t len = 0;
	unsigned i;
	int k = key_lookup(name);

	if (k >= 0) {
		fail_at(st, st->lineno, "key '%s' belongs in [%s] sections, not [%s]",
			name, sec_info[st->type == SEC_NET ? SEC_SYSCALL : SEC_NET].name,
			si->name);
		return;
	}
	suggest = mb_nearest(name, si->n_keys, key_name_at, (void *)si);
	if (suggest) {
		fail_at(st, st->lineno, "unknown key '%s' in [%s %s] (did you mean '%s'?)",
			name, si->name, st->sec->name, suggest);
		return;
	}
	keys[0] = '\0';
	for (i = 0; i < si->n_keys; i++) {
		int n = snprintf(keys + len, sizeof(keys) - len, "%s%s",
				 i ? ", " : "", key_names[si->keys[i]]);

		if (n > 0 && len + (size_t)n < sizeof(keys))
			len += (size_t)n;
	}
	fail_at(st, st->lineno, "unknown key '%s' in [%s %s] (keys: %s)", name,
		si->name, st->sec->name, keys);
}

static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct ini_state *st = user;
	char v[VALUE_MAX];
	int k;

	(void)section; /* truncated by inih; st->sec has the whole name */
	if (st->failed)
		return 0;
	if (strlen(value) >= sizeof(v)) {
		fail_at(st, st->lineno, "value of '%s' is too long", name);
		return 0;
	}
	strcpy(v, value);
	cut_hash_comment(v);

	if (st->kind == LINE_CONT) {
		/* A list may go on over indented lines, as in configparser;
		 * anything else indented is most likely a misplaced key. */
		if (st->prev_key == K_TARGETS && !strpbrk(v, "=:") && v[0] != '[')
			return !add_targets(st, v);
		fail_at(st, st->lineno,
			"indented line '%s' reads as a continuation of '%s' (remove the indentation)",
			v, key_names[st->prev_key]);
		return 0;
	}
	if (!st->sec) {
		fail_at(st, st->lineno,
			"key '%s' is outside any section (put it under [syscall NAME] or [outgoing_network NAME])",
			name);
		return 0;
	}
	if (!*name) {
		fail_at(st, st->lineno, "missing key name before '='");
		return 0;
	}
	k = key_lookup(name);
	if (k < 0 || !key_allowed(st->type, k)) {
		fail_unknown_key(st, name);
		return 0;
	}
	if (st->kv[k].set) {
		fail_at(st, st->lineno, "key '%s' given twice in [%s %s] (first at line %u)",
			name, sec_info[st->type].name, st->sec->name, st->kv[k].line);
		return 0;
	}
	if (!*v) {
		fail_at(st, st->lineno, "key '%s' has no value", name);
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

/* --- entry points ---------------------------------------------------------- */

static int load_text(const char *file, const char *text, enum mb_arch arch,
		     struct mb_ini_config *cfg, struct mb_error *err)
{
	struct ini_state *st;
	int ret;

	st = calloc(1, sizeof(*st));
	if (!st) {
		mb_error_set(err, "%s: out of memory", file);
		return -ENOMEM;
	}
	st->file = file;
	st->arch = arch;
	/* Skipped here so that the header check sees what inih sees. */
	if (!strncmp(text, "\xEF\xBB\xBF", 3))
		text += 3;
	st->pos = text;
	st->prev_key = -1;
	mb_defaults_init(&st->defaults);

	ret = ini_parse_stream(read_line, st, on_key, st);
	if (!st->failed && ret == -2) {
		mb_error_set(&st->err, "%s: out of memory", file);
		st->failed = true;
		st->ret = -ENOMEM;
	} else if (!st->failed && ret) {
		/* The reader applies inih's rules, so this is only a backstop. */
		fail_at(st, (unsigned)ret, "syntax error");
	}
	if (!st->failed)
		finish_section(st);
	if (st->failed) {
		ret = st->ret ? st->ret : -EINVAL;
		if (err)
			*err = st->err;
	} else {
		memcpy(cfg, &st->cfg, sizeof(*cfg));
		ret = 0;
	}
	free(st);
	return ret;
}

int mb_ini_load_string(const char *name, const char *text, enum mb_arch arch,
		       struct mb_ini_config *cfg, struct mb_error *err)
{
	if (!name)
		name = "<string>";
	if (!text || !cfg) {
		mb_error_set(err, "%s: no text or no config to fill", name);
		return -EINVAL;
	}
	return load_text(name, text, arch, cfg, err);
}

/* Reads a whole file (a pipe too, e.g. <(...)) into a NUL-terminated buffer. */
static int read_all(const char *path, char **out, size_t *out_len,
		    struct mb_error *err)
{
	size_t len = 0, cap = 4096;
	struct stat sb;
	char *buf, *nbuf;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		mb_error_set(err, "failed to open %s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		mb_error_set(err, "failed to read %s: %s", path, strerror(EISDIR));
		return -EISDIR;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		mb_error_set(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (;;) {
		if (cap - len < 2) {
			if (cap > FILE_MAX) {
				mb_error_set(err, "%s: file too large (at most %d bytes)",
					     path, FILE_MAX);
				ret = -EFBIG;
				goto fail;
			}
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				mb_error_set(err, "%s: out of memory", path);
				ret = -ENOMEM;
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			mb_error_set(err, "failed to read %s: %s", path, strerror(-ret));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
fail:
	close(fd);
	free(buf);
	return ret;
}

int mb_ini_load(const char *path, enum mb_arch arch, struct mb_ini_config *cfg,
		struct mb_error *err)
{
	const char *nul;
	size_t len = 0;
	char *buf = NULL;
	int ret;

	if (!path || !cfg) {
		mb_error_set(err, "no file or no config to fill");
		return -EINVAL;
	}
	ret = read_all(path, &buf, &len, err);
	if (ret)
		return ret;
	nul = memchr(buf, '\0', len);
	if (nul) {
		unsigned line = 1;
		const char *p;

		for (p = buf; p < nul; p++)
			line += *p == '\n';
		mb_error_set(err, "%s:%u: NUL byte in the file (not a text file?)",
			     path, line);
		ret = -EINVAL;
	} else {
		ret = load_text(path, buf, arch, cfg, err);
	}
	free(buf);
	return ret;
}

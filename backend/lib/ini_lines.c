/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Each line as inih will see it. inih hands the handler neither the line
 * number nor section headers (a section without keys would go unseen) and
 * truncates section names at 50 bytes, so the loader feeds inih one line at
 * a time through its reader and reads every line itself first: it counts
 * lines, sees headers, and knows how inih will treat the line (comment,
 * continuation, key or header) by applying inih's own rules to it.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "lib/ini_internal.h"
#include "lib/name_tables.h"

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

static const char *sec_name_at(void *ctx, size_t i)
{
	(void)ctx;
	return ini_sec_info[i].name;
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
		ini_fail_at(st, line, "unterminated section header '%s' (missing ']')",
			content);
		return -EINVAL;
	}
	after = skip_space(end + 1);
	if (*after && *after != ';' && *after != '#') {
		copy_trimmed(content, sizeof(content), after, after + strlen(after));
		ini_fail_at(st, line, "unexpected '%s' after section header", content);
		return -EINVAL;
	}
	copy_trimmed(content, sizeof(content), start + 1, end);
	if (!content[0]) {
		ini_fail_at(st, line,
			"empty section header (want [syscall NAME] or [outgoing_network NAME])");
		return -EINVAL;
	}
	tlen = strcspn(content, " \t\r\v\f");
	memcpy(type, content, tlen);
	type[tlen] = '\0';
	name = skip_space(content + tlen);

	for (t = 0; t < SEC_COUNT; t++)
		if (!strcmp(type, ini_sec_info[t].name))
			break;
	if (t == SEC_COUNT) {
		suggest = mb_nearest(type, SEC_COUNT, sec_name_at, NULL);
		if (suggest)
			ini_fail_at(st, line, "unknown section type '%s' (did you mean '%s'?)",
				type, suggest);
		else
			ini_fail_at(st, line,
				"unknown section type '%s' (want [syscall NAME] or [outgoing_network NAME])",
				type);
		return -EINVAL;
	}
	if (!*name) {
		ini_fail_at(st, line, "section [%s] has no name (write [%s NAME])", type,
			type);
		return -EINVAL;
	}
	if (name[strcspn(name, " \t\r\v\f")]) {
		ini_fail_at(st, line, "section name '%s' must be one word (no spaces)",
			name);
		return -EINVAL;
	}
	if (strlen(name) >= MB_INI_NAME_MAX) {
		ini_fail_at(st, line, "section name '%s' is longer than %d characters",
			name, MB_INI_NAME_MAX - 1);
		return -EINVAL;
	}
	for (i = 0; i < st->cfg.n_sections; i++) {
		if (strcmp(st->cfg.sections[i].name, name))
			continue;
		ini_fail_at(st, line, "duplicate section name '%s' (first used at line %u)",
			name, st->cfg.sections[i].line);
		return -EINVAL;
	}
	if (st->cfg.n_sections == MB_INI_MAX_SECTIONS) {
		ini_fail_at(st, line, "too many sections (at most %d)", MB_INI_MAX_SECTIONS);
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
char *ini_read_line(char *str, int num, void *stream)
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
		ini_fail_at(st, st->lineno, "inih line buffer too small");
		return NULL;
	}
	if (len + nl > (size_t)num - 1) {
		for (i = 0; i < len && isspace((unsigned char)line[i]); i++)
			;
		if (i < len && line[i] != ';' && line[i] != '#') {
			ini_fail_at(st, st->lineno, "line too long (at most %d characters)",
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
		if (ini_finish_section(st) || start_section(st, start))
			return NULL;
	} else {
		const char *sep = find_or_comment(start, "=:");

		if (*sep != '=' && *sep != ':') {
			char shown[64];

			copy_trimmed(shown, sizeof(shown), start, sep);
			ini_fail_at(st, st->lineno,
				"expected 'key = value' or a [TYPE NAME] header, got '%s'",
				shown);
			return NULL;
		}
		st->kind = LINE_KEY;
	}
	return str;
}

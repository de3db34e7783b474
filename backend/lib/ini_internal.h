/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the phases of the INI loader share: ini_config.c (entry points,
 * reading the file), ini_lines.c (each line as inih will see it, section
 * headers), ini_keys.c (each key and its value), ini_rule.c (a finished
 * section into its one rule).
 */
#ifndef MB_INI_INTERNAL_H
#define MB_INI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/ini_config.h"

#define VALUE_MAX 512
#define TEXT_MAX 8192
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
	K_JITTER_MS,
	K_BANDWIDTH,
	K_DIRECTION,
	K_COUNT
};

extern const char *const ini_key_names[K_COUNT];

#define KEYS_MAX 16

/* A section type: its header word and the keys it takes. */
struct sec_info {
	const char *name;
	unsigned n_keys;
	enum key_id keys[KEYS_MAX];
	unsigned required; /* bit per enum key_id */
};
extern const struct sec_info ini_sec_info[SEC_COUNT];

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

/* "FILE:LINE: message"; only the first error counts: the rest of the file
 * is never read. */
void ini_fail_at(struct ini_state *st, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* inih's reader: one line, after deciding what inih will make of it. */
char *ini_read_line(char *str, int num, void *stream);
/* inih's handler: one key = value. */
int ini_on_key(void *user, const char *section, const char *name,
	       const char *value);
/* The section is complete: check it and turn it into its rule. */
int ini_finish_section(struct ini_state *st);

#endif

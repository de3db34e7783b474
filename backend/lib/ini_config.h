/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The original project's config.yaml as INI (read with inih), field for field:
 *
 *   [syscall break_curl_openat]          [outgoing_network break_wget]
 *   syscall = openat                     targets = wget
 *   ret_code = -2                        delay_ms = 100
 *   targets = curl                       failure_rate = 100
 *   delay_ms = 100                       protocol = tcp   ; extensions:
 *   failure_rate = 100                   port = 443       ; protocol, port,
 *                                        addr = 10.0.0.0/8 ; addr, action
 *
 * Each section becomes one rule in the same parsed form as the spec
 * grammar (the loader builds spec text and hands it to lib/spec_parse.h).
 */
#ifndef MB_INI_CONFIG_H
#define MB_INI_CONFIG_H

#include "lib/spec_parse.h"

#define MB_INI_MAX_SECTIONS MB_MAX_RULES
#define MB_INI_MAX_TARGETS 16
#define MB_COMM_LEN 16 /* TASK_COMM_LEN: what a process name can match */
#define MB_INI_NAME_MAX 64

struct mb_ini_section {
	char name[MB_INI_NAME_MAX];  /* "break_curl_openat" */
	char targets[MB_INI_MAX_TARGETS][MB_COMM_LEN];
	unsigned n_targets;
	unsigned line;      /* where the section starts, for messages */
	struct mb_rule rule; /* the same form mb_spec_add_* produce */
};

struct mb_ini_config {
	unsigned n_sections;
	struct mb_ini_section sections[MB_INI_MAX_SECTIONS];
};

/* Loads and validates the whole file, or changes nothing and fills err with
 * "FILE:LINE: message". Returns 0 or a negative errno. */
int mb_ini_load(const char *path, enum mb_arch arch, struct mb_ini_config *cfg,
		struct mb_error *err);
/* The same from a string (file name used only in messages). */
int mb_ini_load_string(const char *name, const char *text, enum mb_arch arch,
		       struct mb_ini_config *cfg, struct mb_error *err);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The three ways `stats` prints a registry snapshot, shared with `serve`
 * (which shows the Prometheus one) and `top` (which reports like it). */
#ifndef MB_CLI_STATS_H
#define MB_CLI_STATS_H

#include <stdio.h>

enum mb_stats_format { MB_STATS_TABLE, MB_STATS_JSON, MB_STATS_PROMETHEUS };

/* Reads the registry once and prints it as fmt: 0 or -errno. */
int mb_stats_print(FILE *out, enum mb_stats_format fmt);

/* Reports a failed mb_snapshot_read for command cmd; returns the exit status. */
int mb_stats_fail(const char *cmd, int err);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* minderbinder COMMAND: the dispatch, and the one place errors are printed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/name_tables.h"

int mb_cli_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("minderbinder: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "run", mb_cli_run, "run a command with faults injected" },
	{ "status", mb_cli_status, "engines on this kernel, pinned state, live targets" },
	{ "watch", mb_cli_watch, "fault processes by name as they start (INI file)" },
	{ "sweep", mb_cli_sweep, "fail the k-th call on run k, for k = 1, 2, ..." },
	{ "stats", mb_cli_stats, "calls seen and faults injected, per target and rule" },
	{ "serve", mb_cli_serve, "serve the stats for Prometheus on /metrics" },
	{ "top", mb_cli_top, "a live view of the stats, redrawn every second" },
	{ "unload", mb_cli_unload, "remove everything minderbinder pinned" },
};

static const char *command_at(void *ctx, size_t i)
{
	(void)ctx;
	return commands[i].name;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: minderbinder COMMAND [OPTION]...\n\nCommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n`minderbinder COMMAND --help` tells more.\n");
}

int main(int argc, char **argv)
{
	const size_t n = sizeof(commands) / sizeof(commands[0]);
	const char *near;
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	near = mb_nearest(argv[1], n, command_at, NULL);
	if (near)
		return mb_cli_fail(2, "unknown command '%s' (did you mean '%s'?)", argv[1], near);
	return mb_cli_fail(2, "unknown command '%s'", argv[1]);
}

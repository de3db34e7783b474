/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* minderbinder COMMAND: the dispatch, and the one place errors are printed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/name_tables.h"
#include "mb_version.h"

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

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The commands, then "help": a misspelt "help" is a command too. */
static const char *command_at(void *ctx, size_t i)
{
	(void)ctx;
	return i < N_COMMANDS ? commands[i].name : "help";
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: minderbinder COMMAND [OPTION]...\n\nCommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "  %-8s %s\n", "help", "this list, or `help COMMAND`: that command's options");
	fprintf(f, "\n`minderbinder COMMAND --help` tells more; --version prints the version.\n");
}

/* The command by name, or NULL after saying which names are close. */
static int (*command_fn(const char *name))(int, char **)
{
	const char *near;
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].fn;
	near = mb_nearest(name, N_COMMANDS + 1, command_at, NULL);
	if (near)
		mb_cli_fail(2, "unknown command '%s' (did you mean '%s'?)", name, near);
	else
		mb_cli_fail(2, "unknown command '%s'", name);
	fprintf(stderr, "`minderbinder help` lists the commands.\n");
	return NULL;
}

int main(int argc, char **argv)
{
	int (*fn)(int, char **);

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		if (argc > 2)
			return mb_cli_fail(2, "--version: unexpected argument '%s'", argv[2]);
		printf("minderbinder %s\n", MB_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		char *help_argv[] = { NULL, (char *)"--help", NULL };

		if (argc > 3)
			return mb_cli_fail(2, "help: unexpected argument '%s' (help [COMMAND])",
					   argv[3]);
		if (argc == 2 || !strcmp(argv[2], "help")) {
			usage(stdout);
			return 0;
		}
		fn = command_fn(argv[2]);
		if (!fn)
			return 2;
		help_argv[0] = argv[2];
		return fn(2, help_argv);
	}
	fn = command_fn(argv[1]);
	return fn ? fn(argc - 1, argv + 1) : 2;
}

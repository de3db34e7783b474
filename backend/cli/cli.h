/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MB_CLI_H
#define MB_CLI_H

/* Prints "minderbinder: MESSAGE" and returns status: the one place the
 * CLI reports an error and decides its exit status. */
int mb_cli_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int mb_cli_run(int argc, char **argv);
int mb_cli_unload(int argc, char **argv);
int mb_cli_status(int argc, char **argv);
int mb_cli_sweep(int argc, char **argv);
int mb_cli_stats(int argc, char **argv);
int mb_cli_serve(int argc, char **argv);
int mb_cli_top(int argc, char **argv);
int mb_cli_watch(int argc, char **argv);

#endif

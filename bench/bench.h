/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the parts of `make bench` share: commands, timing, the table's output. */
#ifndef MB_BENCH_H
#define MB_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_ARGS 24
#define MAX_ENV 512
#define MAX_SAMPLES 1024
#define FIU_POSIX_PRELOAD "/usr/lib/fiu/fiu_posix_preload.so"

struct cmd {
	const char *env[4]; /* extra NAME=value, NULL-terminated */
	const char *argv[MAX_ARGS];
};

/* The results file (results.txt); a variant that did not run or did not
 * fault sets broken, and bench exits 1. */
extern FILE *results;
extern int broken;

void out(const char *fmt, ...);
void progress(const char *fmt, ...);
double now_ns(void);
double percentile(const double *v, int n, double p);
double median(const double *v, int n);
const char *ratio(double r, char *buf, size_t len);
void reap_orphans(double wait_ms);
void base_env_init(void);
void build_envp(const struct cmd *c, const char **envp);
void cmd_string(const struct cmd *c, char *buf, size_t len);
int run(const struct cmd *c, char *capture, size_t cap_len, double *wall_ns);
int path_join(char *dst, size_t len, const char *dir, const char *name);
int exited_ok(int status);
int in_path(const char *name);

void bench_startup(const char *agent, const char *empty, const char *truebin, int runs,
		   int rule_runs);
void bench_percall(const char *agent, const char *loop, const char *dir, long calls, int rounds);

#endif

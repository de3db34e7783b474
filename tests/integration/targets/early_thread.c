/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A thread that exists before the agent's constructor runs, and makes its
 * calls only after the agent has registered the process: the agent's
 * filter must reach it too (SECCOMP_FILTER_FLAG_TSYNC).
 *
 * Built two ways from this one file:
 *  - by the Makefile as a program whose .preinit_array starts the thread:
 *    preinit functions run before the constructor of any library;
 *  - by the test, with -shared -fPIC -DEARLY_THREAD_SO, as a library for
 *    LD_PRELOAD whose constructor starts the thread (and whose destructor
 *    lets it go and reports, so it can ride along in any program).
 *
 * The thread waits on a pipe, then calls mkdirat(EARLY_THREAD_DIR) and
 * openat(EARLY_THREAD_FILE) and records their errnos. Report on stdout:
 *   filters_at_start N   seccomp filters when the thread was created
 *   thread_filters N     ... on the thread when it made its calls
 *   thread_mkdir_errno E / thread_open_errno E
 *   main_filters N, main_mkdir_errno E, main_open_errno E (the
 *   program, or the destructor, doing the same calls itself)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2, when the test builds the library by hand */
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_status.h"

struct result {
	long filters;
	long mkdir_errno;
	long open_errno;
};

static const char *dir_path = "/nonexistent-dir", *file_path = "/nonexistent";
static long filters_at_start = -1;
static struct result in_thread = { -1, -1, -1 };
static int go[2] = { -1, -1 };
static pthread_t worker;
static int started;

static void calls(struct result *r)
{
	long ret;

	r->filters = thread_status_field("Seccomp_filters:");
	ret = syscall(SYS_mkdirat, AT_FDCWD, dir_path, 0700);
	r->mkdir_errno = ret < 0 ? errno : 0;
	if (!ret)
		syscall(SYS_unlinkat, AT_FDCWD, dir_path, AT_REMOVEDIR);
	ret = syscall(SYS_openat, AT_FDCWD, file_path, O_RDONLY | O_CLOEXEC);
	r->open_errno = ret < 0 ? errno : 0;
	if (ret >= 0)
		syscall(SYS_close, (int)ret);
}

static void *work(void *arg)
{
	char c;

	(void)arg;
	while (read(go[0], &c, 1) < 0 && errno == EINTR)
		;
	calls(&in_thread);
	return NULL;
}

static void start(int argc, char **argv, char **envp)
{
	char **e;

	(void)argc, (void)argv;
	for (e = envp; e && *e; e++) {
		if (!strncmp(*e, "EARLY_THREAD_DIR=", 17))
			dir_path = *e + 17;
		else if (!strncmp(*e, "EARLY_THREAD_FILE=", 18))
			file_path = *e + 18;
	}
	filters_at_start = thread_status_field("Seccomp_filters:");
	if (pipe2(go, O_CLOEXEC))
		return;
	started = !pthread_create(&worker, NULL, work, NULL);
}

static void finish(void)
{
	struct result self;

	if (!started) {
		printf("thread_not_started\n");
		return;
	}
	if (write(go[1], "g", 1) != 1)
		printf("go_failed %d\n", errno);
	pthread_join(worker, NULL);
	calls(&self);
	printf("pid %d\nfilters_at_start %ld\n", (int)getpid(), filters_at_start);
	printf("thread_filters %ld\nthread_mkdir_errno %ld\nthread_open_errno %ld\n",
	       in_thread.filters, in_thread.mkdir_errno, in_thread.open_errno);
	printf("main_filters %ld\nmain_mkdir_errno %ld\nmain_open_errno %ld\n", self.filters,
	       self.mkdir_errno, self.open_errno);
	fflush(stdout);
}

#ifdef EARLY_THREAD_SO
__attribute__((constructor)) static void early_thread_init(int argc, char **argv, char **envp)
{
	start(argc, argv, envp);
}

__attribute__((destructor)) static void early_thread_fini(void)
{
	finish();
}
#else
__attribute__((section(".preinit_array"), used)) static void (*const preinit)(int, char **,
									       char **) = start;

int main(void)
{
	finish();
	return 0;
}
#endif

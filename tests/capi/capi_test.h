/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API (include/minderbinder.h) against the real kernel, as root.
 * Criterion runs each test in a process of its own, so every test starts
 * unregistered. Run with --jobs 1: tests time real loops and sockets.
 */
#ifndef MB_CAPI_TEST_H
#define MB_CAPI_TEST_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <minderbinder.h>
#include <minderbinder/registry.h> /* MB_PIN_DIR: the layout this build pins */

#define LOOP_MS 100

#ifndef MB_BUILD_DIR /* where libmbpreload.so is; the Makefile sets it */
#define MB_BUILD_DIR "build"
#endif

/* The file the rules of a test aim at (path=FILE), made per test. */
extern char file[64];
/* 0 when FILE opens, else the errno. */
int try_open(void);
/* "PREFIX:path=FILE", in one of a few rotating buffers. */
const char *on_file(const char *prefix);
/* mb_enable / mb_disable, failing the test with mb_last_error(). */
struct mb_handle *enable(const char *spec, enum mb_scope scope);
void disable(struct mb_handle *h);
long long now_ms(void);
/* Forks; the child runs child(arg) with stderr into a pipe (child must
 * exit or exec); the parent reads it all into err and returns the child's
 * wait status. */
int child_stderr(void (*child)(const void *arg), const void *arg, char *err, size_t len);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every C API test shares: the suite, a file of its own that the
 * rules aim at (path=FILE), and enable/disable that fail the test with
 * the library's message.
 */
#include "capi_test.h"

/* A file of this test's own: rules carry path=FILE so nothing else the
 * process opens (Criterion's own files) is touched. */
char file[64];

static void make_file(void)
{
	int fd;

	snprintf(file, sizeof(file), "/tmp/mb-capi-XXXXXX");
	fd = mkstemp(file);
	cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, "x\n", 2), 2);
	close(fd);
}

static void remove_file(void)
{
	unlink(file);
}

TestSuite(capi, .init = make_file, .fini = remove_file, .timeout = 30);

/* 0 when FILE opens, else the errno. */
int try_open(void)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* "PREFIX:path=FILE", in one of a few rotating buffers. */
const char *on_file(const char *prefix)
{
	static char bufs[4][256];
	static unsigned n;
	char *b = bufs[n++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s:path=%s", prefix, file);
	return b;
}

struct mb_handle *enable(const char *spec, enum mb_scope scope)
{
	struct mb_handle *h = NULL;
	int ret = mb_enable(spec, scope, &h);

	cr_assert_eq(ret, 0, "mb_enable(\"%s\") = %d: %s", spec, ret, mb_last_error());
	cr_assert_not_null(h);
	return h;
}

void disable(struct mb_handle *h)
{
	int ret = mb_disable(h);

	cr_assert_eq(ret, 0, "mb_disable = %d: %s", ret, mb_last_error());
}

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int child_stderr(void (*child)(const void *arg), const void *arg, char *err, size_t len)
{
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(p[1], 2);
		child(arg);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], err + got, len - 1 - (size_t)got)) > 0)
		got += n;
	err[got] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

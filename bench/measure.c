/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Running a command, timing it, and the statistics of the table. */
#include "bench.h"

FILE *results;
int broken; /* a variant did not run or did not fault: exit 1 */

/* Everything the table says goes to stdout and to results.txt alike. */
void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (results) {
		va_start(ap, fmt);
		vfprintf(results, fmt, ap);
		va_end(ap);
	}
}

void progress(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fputs("  .. ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Percentile by linear interpolation on a sorted copy; p in [0, 100]. */
double percentile(const double *v, int n, double p)
{
	double s[MAX_SAMPLES], pos;
	int lo;

	if (n <= 0)
		return 0;
	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	pos = p / 100.0 * (n - 1);
	lo = (int)pos;
	if (lo >= n - 1)
		return s[n - 1];
	return s[lo] + (pos - lo) * (s[lo + 1] - s[lo]);
}

double median(const double *v, int n)
{
	return percentile(v, n, 50);
}

/* 757x, 15.0x, 1.16x, 0.227x: three significant digits or so. */
const char *ratio(double r, char *buf, size_t len)
{
	snprintf(buf, len,
		 r >= 100  ? "%.0fx"
		 : r >= 10 ? "%.1fx"
		 : r >= 1  ? "%.2fx"
			   : "%.3fx",
		 r);
	return buf;
}

/* mb-helper forks the USER_NOTIF supervisor and exits: the supervisor's
 * parent becomes the nearest subreaper. We are one, so the supervisors of
 * our runs are reaped here even where PID 1 does not reap orphans. */
void reap_orphans(double wait_ms)
{
	double until = now_ns() + wait_ms * 1e6;
	pid_t p;

	for (;;) {
		p = waitpid(-1, NULL, WNOHANG);
		if (p > 0)
			continue;
		if (p < 0 || now_ns() >= until)
			return;
		usleep(10000);
	}
}

/* ---- environment and commands ------------------------------------------- */

static const char *base_env[MAX_ENV];
static int base_env_n;

/* The caller's environment without anything that would change what runs:
 * no preload, no minderbinder rule, no libfiu switch. */
void base_env_init(void)
{
	char **e;

	for (e = environ; *e && base_env_n < MAX_ENV - 8; e++) {
		if (!strncmp(*e, "LD_PRELOAD=", 11) ||
		    !strncmp(*e, "MINDERBINDER_", 13) || !strncmp(*e, "FIU_", 4))
			continue;
		base_env[base_env_n++] = *e;
	}
}

void build_envp(const struct cmd *c, const char **envp)
{
	int n = 0, i;

	for (i = 0; i < base_env_n; i++)
		envp[n++] = base_env[i];
	for (i = 0; c->env[i]; i++)
		envp[n++] = c->env[i];
	envp[n] = NULL;
}

/* The command as one would type it in sh. */
void cmd_string(const struct cmd *c, char *buf, size_t len)
{
	const char *const *part[2] = {c->env, c->argv};
	size_t used = 0;
	int k, i;

	buf[0] = '\0';
	for (k = 0; k < 2; k++) {
		for (i = 0; part[k][i]; i++) {
			const char *s = part[k][i], *eq = strchr(s, '=');
			int plain = !strpbrk(s, " '\";*?$&|<>()\\");
			int n;

			if (plain)
				n = snprintf(buf + used, len - used, "%s%s",
					     used ? " " : "", s);
			else if (k == 0 && eq)
				n = snprintf(buf + used, len - used, "%s%.*s'%s'",
					     used ? " " : "", (int)(eq - s + 1), s,
					     eq + 1);
			else
				n = snprintf(buf + used, len - used, "%s'%s'",
					     used ? " " : "", s);
			if (n < 0 || (size_t)n >= len - used)
				return;
			used += (size_t)n;
		}
	}
}

/* Runs c with stdout into out_fd (or /dev/null when -1), stderr inherited.
 * Returns the exit status as waitpid gives it, or -1; *wall_ns gets the
 * spawn-to-reaped wall time. When capture is non-NULL, stdout is read into
 * it instead. */
int run(const struct cmd *c, char *capture, size_t cap_len, double *wall_ns)
{
	const char *envp[MAX_ENV + 8];
	posix_spawn_file_actions_t fa;
	int pipefd[2] = {-1, -1}, status = -1, err;
	size_t got = 0;
	double t0;
	pid_t pid;

	build_envp(c, envp);
	posix_spawn_file_actions_init(&fa);
	if (capture) {
		if (pipe2(pipefd, O_CLOEXEC))
			return -1;
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	} else {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
						 O_WRONLY, 0);
	}
	t0 = now_ns();
	err = posix_spawnp(&pid, c->argv[0], &fa, NULL, (char *const *)c->argv,
			   (char *const *)envp);
	posix_spawn_file_actions_destroy(&fa);
	if (capture)
		close(pipefd[1]);
	if (err) {
		if (capture)
			close(pipefd[0]);
		fprintf(stderr, "bench: failed to run %s: %s\n", c->argv[0],
			strerror(err));
		return -1;
	}
	if (capture) {
		ssize_t n;

		while (got + 1 < cap_len &&
		       ((n = read(pipefd[0], capture + got, cap_len - 1 - got)) > 0 ||
			(n < 0 && errno == EINTR)))
			if (n > 0)
				got += (size_t)n;
		capture[got] = '\0';
		close(pipefd[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (wall_ns)
		*wall_ns = now_ns() - t0;
	return status;
}

/* dir/name into dst; -ENAMETOOLONG when it does not fit. */
int path_join(char *dst, size_t len, const char *dir, const char *name)
{
	int n = snprintf(dst, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int exited_ok(int status)
{
	return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int in_path(const char *name)
{
	char buf[PATH_MAX], *path, *dir, *save = NULL;
	const char *p = getenv("PATH");
	int found = 0;

	if (!p || !(path = strdup(p)))
		return 0;
	for (dir = strtok_r(path, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", *dir ? dir : ".", name);
		found = !access(buf, X_OK);
	}
	free(path);
	return found;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cost of one mb_enable + mb_disable pair of the C API, per engine this
 * machine has: a syscall rule (seccomp supervisor: two control messages)
 * and a network rule (cgroup engine: two mb-helper runs). The first
 * enable, which starts the session, is measured apart.
 */
#include <minderbinder.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int pairs(const char *spec, int n, double *med)
{
	double *t = calloc((size_t)n, sizeof(*t));
	struct mb_handle *h;
	int i;

	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if (mb_enable(spec, MB_SCOPE_THREAD, &h) || mb_disable(h)) {
			fprintf(stderr, "capi_pair: %s: %s\n", spec, mb_last_error());
			free(t);
			return 1;
		}
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	*med = t[n / 2];
	free(t);
	return 0;
}

int main(void)
{
	struct mb_handle *h;
	double first, sys, net;
	double t0 = now_us();

	if (mb_enable("getppid:EIO", MB_SCOPE_THREAD, &h) || mb_disable(h)) {
		fprintf(stderr, "capi_pair: %s\n", mb_last_error());
		return 1;
	}
	first = now_us() - t0;
	if (pairs("getppid:EIO", 2000, &sys) || pairs("tcp:9:refuse", 50, &net))
		return 1;
	printf("4. C API: one mb_enable + mb_disable pair (median)\n");
	printf("   %-52s %10.1f us\n", "first enable+disable (starts the session)", first);
	printf("   %-52s %10.1f us   (2000 pairs)\n", "syscall rule, seccomp supervisor (getppid:EIO)", sys);
	printf("   %-52s %10.1f us   (50 pairs)\n", "network rule, cgroup engine via mb-helper (tcp:9:refuse)", net);
	return 0;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A target for exact counts under threads: T threads (default 50) start
 * together and each calls getppid N times (default 200), all at once;
 * then it prints what they saw and "ready", and sleeps until killed (its
 * counters live as long as it does).
 *
 *   thread_storm [-t T] [-n N]
 *
 * Prints "calls=C failed=F errno=E other=O": C = T*N calls, F of them
 * failed with E (the last errno seen), O returned neither -1 nor a pid.
 * It makes no other getppid call: every one the rule counts is a storm's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_THREADS 256

static int n_calls = 200;
static atomic_long failed, other;
static atomic_int last_errno;
static pthread_barrier_t start;

static void *storm(void *arg)
{
	int i;

	(void)arg;
	pthread_barrier_wait(&start);
	for (i = 0; i < n_calls; i++) {
		long r = syscall(SYS_getppid);

		if (r == -1) {
			atomic_fetch_add(&failed, 1);
			atomic_store(&last_errno, errno);
		} else if (r <= 0) {
			atomic_fetch_add(&other, 1);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	int n_threads = 50, c, i, e;

	while ((c = getopt(argc, argv, "t:n:")) != -1) {
		if (c == 't')
			n_threads = atoi(optarg);
		else if (c == 'n')
			n_calls = atoi(optarg);
		else
			n_threads = -1;
	}
	if (n_threads < 1 || n_threads > MAX_THREADS || n_calls < 0) {
		fprintf(stderr, "usage: thread_storm [-t 1..%d] [-n N]\n", MAX_THREADS);
		return 2;
	}
	pthread_barrier_init(&start, NULL, (unsigned)n_threads);
	for (i = 0; i < n_threads; i++) {
		if ((e = pthread_create(&th[i], NULL, storm, NULL))) {
			fprintf(stderr, "thread_storm: pthread_create: %s\n", strerror(e));
			return 1;
		}
	}
	for (i = 0; i < n_threads; i++)
		pthread_join(th[i], NULL);
	e = atomic_load(&last_errno);
	printf("calls=%ld failed=%ld errno=%s other=%ld\n", (long)n_threads * n_calls,
	       atomic_load(&failed), e ? strerrorname_np(e) : "-", atomic_load(&other));
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

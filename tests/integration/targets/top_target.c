/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A target for the top test that keeps faulting: calls getppid about
 * 1000 times a second until killed, and prints "ready" after the first.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec ms = { 0, 1000000 };
	int first = 1;

	for (;;) {
		syscall(SYS_getppid);
		if (first) {
			printf("ready\n");
			fflush(stdout);
			first = 0;
		}
		nanosleep(&ms, NULL);
	}
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * For test_sweep.sh: a program with one known unhandled error path.
 * It reads the first line of three files; a failed open of the first or
 * the third is reported (exit 1), but the second is never checked: when
 * its open fails, fgets gets a NULL FILE and the program dies of SIGSEGV.
 *
 *   sweep_target FILE1 FILE2 FILE3
 */
#include <stdio.h>

static int first_line(FILE *f, const char *name)
{
	char line[256];

	if (fgets(line, sizeof(line), f))
		printf("%s: %s", name, line);
	return fclose(f);
}

int main(int argc, char **argv)
{
	FILE *a, *b, *c;

	if (argc != 4) {
		fprintf(stderr, "usage: sweep_target FILE1 FILE2 FILE3\n");
		return 2;
	}
	a = fopen(argv[1], "r");
	if (!a) {
		perror(argv[1]);
		return 1;
	}
	first_line(a, argv[1]);
	b = fopen(argv[2], "r"); /* the bug: no NULL check */
	first_line(b, argv[2]);
	c = fopen(argv[3], "r");
	if (!c) {
		perror(argv[3]);
		return 1;
	}
	first_line(c, argv[3]);
	return 0;
}

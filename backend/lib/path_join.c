/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <string.h>

#include "lib/path_join.h"

void mb_path_join(char *dir, const char *rel)
{
	size_t len;

	while (rel[0] == '.' && rel[1] == '/') {
		rel += 2;
		while (*rel == '/')
			rel++;
	}
	if (!rel[0] || !strcmp(rel, "."))
		return;
	len = strlen(dir);
	if (len > 0 && dir[len - 1] != '/')
		dir[len++] = '/';
	memcpy(dir + len, rel, strlen(rel) + 1);
}

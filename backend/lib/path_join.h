/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A relative path argument made absolute as path= rules see it: the one
 * way, for the supervisor (remote.c) and the agent's handler alike.
 */
#ifndef MB_PATH_JOIN_H
#define MB_PATH_JOIN_H

/* dir holds the directory rel is relative to (the cwd, or a dirfd's
 * path) with room for a '/' and rel after it; rel is appended, its
 * leading "./" dropped; "" (AT_EMPTY_PATH) and "." leave dir itself. */
void mb_path_join(char *dir, const char *rel);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MINDERBINDER_SCOPE_H
#define MINDERBINDER_SCOPE_H

/* Who a registration's faults reach. */
enum mb_scope {
	MB_SCOPE_TREE = 0,    /* this process and what it starts (default) */
	MB_SCOPE_PROCESS = 1, /* this process (all its threads) only */
	MB_SCOPE_THREAD = 2,  /* the calling thread only (C API) */
};

#endif

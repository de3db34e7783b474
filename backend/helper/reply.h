/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The helper's one voice: PLAN, then DONE, on the caller's socket. */
#ifndef MB_HELPER_REPLY_H
#define MB_HELPER_REPLY_H

#include <sys/types.h>
#include "helper/request.h"

/* Which answer the caller waits for. */
enum mb_reply_phase {
	MB_REPLY_PLAN, /* before the caller installs its filter */
	MB_REPLY_DONE, /* after INSTALLED */
};

/* status 0 or MB_PLAN_INHERITED: PLAN carries rq's engines and key; DONE
 * the supervisor's pid. */
void mb_reply(enum mb_reply_phase phase, int status, const struct request *rq, pid_t supervisor,
	      const char *msg);

/* The daemon's answer to a caller it will not serve at all (too many at
 * once): a PLAN with status, on fd. */
void mb_reply_refuse(int fd, int status, const char *msg);

#endif

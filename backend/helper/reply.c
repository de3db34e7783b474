/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The only place the helper speaks to its caller. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "helper/reply.h"

static void reply_plan(int fd, int status, const struct request *rq, const char *msg)
{
	struct mb_plan_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_PLAN };
	m.status = status;
	if (rq && (!status || status == MB_PLAN_INHERITED)) {
		m.n_rules = rq->msg.spec.n_rules;
		memcpy(m.engines, rq->engines, sizeof(m.engines));
		m.key = rq->key;
	}
	snprintf(m.msg, sizeof(m.msg), "%s", msg);
	send(fd, &m, sizeof(m), MSG_NOSIGNAL);
}

static void reply_done(int status, pid_t supervisor, const char *msg)
{
	struct mb_done_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_DONE };
	m.status = status;
	m.supervisor_pid = (__u32)supervisor;
	snprintf(m.msg, sizeof(m.msg), "%s", msg);
	send(SOCK, &m, sizeof(m), MSG_NOSIGNAL);
}

void mb_reply(enum mb_reply_phase phase, int status, const struct request *rq, pid_t supervisor,
	      const char *msg)
{
	if (phase == MB_REPLY_PLAN)
		reply_plan(SOCK, status, rq, msg);
	else
		reply_done(status, supervisor, msg);
}

void mb_reply_refuse(int fd, int status, const char *msg)
{
	reply_plan(fd, status, NULL, msg);
}

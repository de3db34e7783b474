/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The agent's in-process path (inproc.c): prepared before registration,
 * started after it. */
#ifndef MB_INPROC_AGENT_H
#define MB_INPROC_AGENT_H

#include "lib/inproc.h"
#include "lib/spec_parse.h"

/* Whether this process can take the path at all (arch, ASLR, Go, libc's
 * text); on MB_IP_YES our SIGSYS handler is in place. */
enum mb_inproc_why mb_agent_inproc_prepare(void);
/* With the plan's engines: shares the rule state with the supervisor
 * and installs the trap layer; whatever fails, the supervisor decides
 * (and the mapping's name says why, for status). */
void mb_agent_inproc_start(const struct mb_spec *spec, const __u32 *engines, enum mb_scope scope,
			   int has_log);

#endif

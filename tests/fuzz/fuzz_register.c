/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libFuzzer target for the helper's checks of whole messages from an
 * untrusted caller (backend/helper/validate.c): REGISTER and INSTALLED's
 * fixed part, as they arrive on the socket. The first byte picks:
 *   'R' REGISTER of exactly the remaining length (the length check too)
 *   'r' REGISTER, the rest zero-padded to the full size (the fields)
 *   'I' INSTALLED: a byte of descriptor count and truncation, then the
 *       message of the remaining length
 * Seeds (corpus/fuzz_register/) are real messages as the agent sends them:
 * 'r' followed by a REGISTER of a few rule sets, and INSTALLED answers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/validate.h"
#include "lib/name_tables.h"
#include "lib/spec_parse.h"

static void accepted_register(const struct mb_register_msg *m)
{
	char buf[1024];
	__u32 i;

	/* What passed must be safe to use as the helper does. */
	if (strlen(m->interfaces) >= sizeof(m->interfaces) ||
	    strlen(m->log_path) >= sizeof(m->log_path) || m->spec.n_rules > MB_MAX_RULES)
		abort();
	/* and the helper's printers must cope with every accepted rule */
	for (i = 0; i < m->spec.n_rules; i++)
		mb_rule_format(&m->spec.rules[i], (enum mb_arch)m->spec.arch, buf, sizeof(buf));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb_register_msg reg;
	static struct mb_installed_msg inst;
	struct mb_error err;
	size_t len;

	if (size < 1)
		return 0;
	memset(&err, 0, sizeof(err));
	switch (data[0]) {
	case 'R':
	case 'r':
		len = size - 1;
		memset(&reg, 0, sizeof(reg));
		memcpy(&reg, data + 1, len < sizeof(reg) ? len : sizeof(reg));
		if (data[0] == 'r')
			len = sizeof(reg);
		if (!mb_register_msg_check(&reg, len, &err))
			accepted_register(&reg);
		else if (!memchr(err.msg, '\0', sizeof(err.msg)) || !err.msg[0])
			abort(); /* every refusal says why */
		return 0;
	case 'I':
		if (size < 2)
			return 0;
		len = size - 2;
		memset(&inst, 0, sizeof(inst));
		memcpy(&inst, data + 2, len < sizeof(inst) ? len : sizeof(inst));
		if (mb_installed_msg_check(&inst, len, data[1] & 3, !!(data[1] & 4), &err) &&
		    !err.msg[0])
			abort();
		return 0;
	default:
		return 0;
	}
}

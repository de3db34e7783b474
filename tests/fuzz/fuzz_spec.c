/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libFuzzer target for the spec grammar and for mb_spec_validate, the
 * helper's first look at bytes from an untrusted caller. The first byte
 * picks the entry point; the rest is the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb_spec spec, raw;
	struct mb_defaults d;
	struct mb_error err;
	char buf[1024], *text;
	__u32 i;

	if (size < 1)
		return 0;
	mb_spec_init(&spec, MB_ARCH_X86_64);
	mb_defaults_init(&d);
	if (data[0] == 'V') {
		/* Raw bytes as they would arrive on the helper's socket. */
		memset(&raw, 0, sizeof(raw));
		memcpy(&raw, data + 1, size - 1 < sizeof(raw) ? size - 1 : sizeof(raw));
		raw.magic = MB_SPEC_MAGIC;
		raw.version = MB_SPEC_VERSION;
		if (!mb_spec_validate(&raw, &err))
			for (i = 0; i < raw.n_rules; i++)
				mb_rule_format(&raw.rules[i], (enum mb_arch)raw.arch, buf,
					       sizeof(buf));
		return 0;
	}
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1)
		mb_spec_add_net(&spec, "fuzz", text, &d, &err);
	else
		mb_spec_add_syscalls(&spec, "fuzz", text, &d, &err);
	/* Whatever parses must validate, and format back to itself. */
	if (mb_spec_validate(&spec, &err))
		abort();
	for (i = 0; i < spec.n_rules; i++) {
		struct mb_spec again;

		if (mb_rule_format(&spec.rules[i], MB_ARCH_X86_64, buf, sizeof(buf)) < 0)
			continue;
		mb_spec_init(&again, MB_ARCH_X86_64);
		if (spec.rules[i].kind == MB_RULE_SYSCALL)
			mb_spec_add_syscalls(&again, "again", buf, &d, &err);
		else
			mb_spec_add_net(&again, "again", buf, &d, &err);
		if (again.n_rules != 1 ||
		    memcmp(&again.rules[0], &spec.rules[i], sizeof(again.rules[0])))
			abort();
	}
	free(text);
	return 0;
}

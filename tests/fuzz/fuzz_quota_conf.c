/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libFuzzer target for /etc/minderbinder.conf's [quota] parser, which the
 * set-uid helper runs at every registration. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/quota_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_quota_limits l;
	struct mb_error err;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!mb_quota_config_parse("fuzz.conf", text, &l, &err) &&
	    (l.targets > MB_MAX_TARGETS || l.rules > MB_MAX_RULE_ENTRIES || !l.set))
		abort(); /* a limit past the registry's size was accepted */
	free(text);
	return 0;
}

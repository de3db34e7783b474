/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libFuzzer target for the INI loader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ini_config.h"
#include "lib/name_tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb_ini_config cfg;
	struct mb_error err;
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	mb_ini_load_string("fuzz.ini", text, MB_ARCH_X86_64, &cfg, &err);
	free(text);
	return 0;
}

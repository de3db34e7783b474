/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <stdio.h>

#include "lib/error.h"

void mb_error_vset(struct mb_error *err, const char *fmt, va_list ap)
{
	if (err)
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

void mb_error_set(struct mb_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mb_error_vset(err, fmt, ap);
	va_end(ap);
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one error carrier: every function that can fail for a reason a user
 * should read fills a struct mb_error, and one place per program prints it.
 */
#ifndef MB_ERROR_H
#define MB_ERROR_H

#include <stdarg.h>

#define MB_ERR_MAX 384

struct mb_error {
	char msg[MB_ERR_MAX];
};

/* Both do nothing when err is NULL (the caller does not want the text). */
void mb_error_set(struct mb_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mb_error_vset(struct mb_error *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif

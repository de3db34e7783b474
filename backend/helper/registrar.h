/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The registrar: a C API session's root child that writes the registry
 * entries of its guests, asked by the session's supervisor only. */
#ifndef MB_HELPER_REGISTRAR_H
#define MB_HELPER_REGISTRAR_H

#include "helper/request.h"
#include "registry/registry.h"

/* Answers the supervisor on sock until it goes: 0, or -errno. */
int mb_registrar_run(const struct request *session, struct mb_registry *reg, int sock);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Asks the kernel whether an engine can work here, by trying it. */
#ifndef MB_ENGINE_PROBE_H
#define MB_ENGINE_PROBE_H

#include "lib/spec_parse.h"
#include "minderbinder/registry.h"

/* 1 when usable, 0 when not (why names the missing piece), -errno when
 * the probe itself failed. */
int mb_engine_probe(enum mb_engine e, struct mb_error *why);
/* mb_engine_probe's answer, remembered under MB_PIN_DIR (the helper's
 * choice for MINDERBINDER_ENGINE=auto; status always asks the kernel). */
int mb_engine_available(enum mb_engine e);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF syscall engines (kprobe, fmod_ret): attaching bpf/syscall_fault
 * to the entry of a syscall, once per syscall and engine, pinned.
 */
#ifndef MB_ENGINE_SYSCALL_BPF_H
#define MB_ENGINE_SYSCALL_BPF_H

#include <stddef.h>
#include "engines/select.h"
#include "lib/spec_parse.h"
#include "minderbinder/registry.h"

/* Makes sure e's program is attached to syscall nr's entry function
 * (pinned as MB_PIN_DIR/sys_<engine>_<name>). 0, or -errno with why. */
int mb_sysbpf_attach(enum mb_engine e, int nr, struct mb_error *why);
/* Attaches the first of c's BPF engines that attaches on syscall nr:
 * *used is it, or c->engine when none did (or none was to be tried).
 * 0, or -errno with why (the last failure) when c->engine is none. */
int mb_sysbpf_attach_choice(const struct mb_engine_choice *c, int nr, enum mb_engine *used,
			    struct mb_error *why);
/* The entry function of syscall nr on this machine ("__x64_sys_openat"). */
int mb_sysbpf_entry(int nr, char *out, size_t len);

#endif

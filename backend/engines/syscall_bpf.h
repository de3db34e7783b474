/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF syscall engines (kprobe, fmod_ret): attaching bpf/syscall_fault
 * to the entry of a syscall, once per syscall and engine, pinned.
 */
#ifndef MB_ENGINE_SYSCALL_BPF_H
#define MB_ENGINE_SYSCALL_BPF_H

#include <stddef.h>
#include "minderbinder/registry.h"

/* Whether engine e (MB_ENGINE_KPROBE or MB_ENGINE_FMOD_RET) can serve r
 * at all, whatever the kernel; why says what it lacks. */
int mb_sysbpf_can_express(enum mb_engine e, const struct mb_rule *r, char *why, size_t len);
/* Makes sure e's program is attached to syscall nr's entry function
 * (pinned as MB_PIN_DIR/sys_<engine>_<name>). 0, or -errno with why. */
int mb_sysbpf_attach(enum mb_engine e, int nr, char *why, size_t len);
/* The entry function of syscall nr on this machine ("__x64_sys_openat"). */
int mb_sysbpf_entry(int nr, char *out, size_t len);

#endif

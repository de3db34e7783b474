/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The seccomp filter that carries a target's syscall rules: unconditional
 * rules become SECCOMP_RET_ERRNO in the filter itself, every other rule
 * SECCOMP_RET_USER_NOTIF for the supervisor to decide.
 */
#ifndef MB_SECCOMP_FILTER_H
#define MB_SECCOMP_FILTER_H

#include <stddef.h>
#include <linux/filter.h>
#include "minderbinder/registry.h"
#include "lib/syscall_families.h"

/* Two instructions per routed syscall: every syscall of either arch
 * (fewer than 470) routed still fits, with the head. */
#define MB_FILTER_MAX 1024

/*
 * A syscall made through this gate is never filtered: the filter lets
 * through calls whose instruction pointer is the gate's, so the agent can
 * finish registering (and the C API can talk to its supervisor) even when
 * the rules fault sendmsg, close or wait4.
 */
long mb_gate_syscall(long nr, long a1, long a2, long a3, long a4, long a5);
/* The same instruction with a sixth argument (a re-issued call). */
long mb_gate_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
unsigned long mb_gate_ip(void);
/* mb_gate_syscall, again on EINTR. */
long mb_gate(long nr, long a1, long a2, long a3, long a4, long a5);
/* sendmsg through the gate, with up to two fds (SCM_RIGHTS). */
int mb_gate_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds);

/* The syscalls a rule seccomp serves stands on: a syscall rule's (each
 * member of a family), a shaping rule's mb_shape_syscalls. 0 or -errno. */
int mb_seccomp_rule_nrs(enum mb_arch arch, const struct mb_rule *r, struct mb_nr_set *set);
/* mb_seccomp_build's build_flags. */
enum mb_seccomp_build_flags {
	/* The in-process path (lib/inproc.h): the share call and every
	 * exit_group go to the supervisor. */
	MB_SECCOMP_BUILD_SHARE = 1u << 0,
};
/* Builds the filter; returns the number of instructions or -E2BIG. */
int mb_seccomp_build(const struct mb_spec *spec, const __u32 *engines, unsigned int build_flags,
		     struct sock_filter *prog, size_t max);
/*
 * A guest's hello: close() of a descriptor number no process can have
 * open. The C API's layers route it to their listener (the supervisor
 * answers with a socket to itself: a notification from a thread is the
 * kernel's word that it runs under that filter); every other filter of
 * ours lets it through to the kernel (EBADF).
 */
#define MB_SECCOMP_HELLO_FD 0x6d620001u
/* Says hello: a socket to the supervisor of the C API session whose
 * filter this process inherited, -EBADF when there is none, -ENOSYS when
 * its listener is gone, or the supervisor's -errno. */
int mb_seccomp_hello(void);
/* The in-process path's trap layer (preload/inproc.c): SECCOMP_RET_TRAP
 * with data for the syscalls in trapped when made from [text_lo,
 * text_hi) (both in one 4 GiB half), SECCOMP_RET_ALLOW for all else. */
int mb_seccomp_build_trap(const struct mb_nr_set *trapped, unsigned long text_lo,
			  unsigned long text_hi, __u32 data, struct sock_filter *prog, size_t max);
/* The C API's filter layer: every syscall in routed, and a guest's hello
 * (MB_SECCOMP_HELLO_FD), to the supervisor. */
int mb_seccomp_build_routed(const struct mb_nr_set *routed, struct sock_filter *prog,
			    size_t max);
/* True when some rule is served by seccomp at all. */
int mb_seccomp_has_rules(const struct mb_spec *spec, const __u32 *engines);
/* True when some rule needs the supervisor (a listener fd). */
int mb_seccomp_needs_listener(const struct mb_spec *spec, const __u32 *engines);
/* How mb_seccomp_install installs a filter. */
enum mb_seccomp_install_flags {
	/* Ask for a listener: the filter's USER_NOTIF calls go to a supervisor. */
	MB_SECCOMP_WANT_LISTENER = 1u << 0,
	/* Call prctl and seccomp through the gate: a filter of ours may be in
	 * place already (the C API's later layers) and fault them. */
	MB_SECCOMP_VIA_GATE = 1u << 1,
};
/* Installs on every thread of the calling process (TSYNC), with
 * no_new_privs. flags: enum mb_seccomp_install_flags. Returns the listener
 * fd, 0 when none was asked, or -errno (-EBUSY: a thread could not be
 * synchronised, or the chain has a listener already). */
int mb_seccomp_install(const struct sock_filter *prog, size_t len, unsigned int flags);
/* Whether this process runs under a filter of ours (inherited from a
 * tree target): asked of the filter itself, which an environment variable
 * cannot fake. */
int mb_seccomp_ours(void);
/* The calls a network shaping rule (MB_NET_SHAPE) holds back or paces
 * in the supervisor: what sends on, or connects, a socket. NULL-ended. */
extern const char *const mb_shape_syscalls[];
/* The engine a syscall rule gets from seccomp under this scope. */
enum mb_engine mb_seccomp_engine_for(const struct mb_rule *r, enum mb_scope scope);

#endif

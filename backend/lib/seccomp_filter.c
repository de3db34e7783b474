/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "lib/name_tables.h"
#include "lib/inproc.h"
#include "lib/seccomp_filter.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

/* mb_gate_syscall(nr, a0..a4): the one syscall instruction our filter lets
 * through; mb_gate_ret is the address right after it. Only the moving of
 * arguments into place differs between the architectures. */
#define GATE_BEGIN(function_type)                                 \
	".pushsection .text\n"                                    \
	".globl mb_gate_syscall\n"                                \
	".hidden mb_gate_syscall\n"                               \
	".type mb_gate_syscall," function_type "\n"               \
	".globl mb_gate_syscall6\n"                               \
	".hidden mb_gate_syscall6\n"                              \
	".type mb_gate_syscall6," function_type "\n"              \
	"mb_gate_syscall:\n"                                      \
	"mb_gate_syscall6:\n"
#define GATE_END                                                  \
	".globl mb_gate_ret\n"                                    \
	".hidden mb_gate_ret\n"                                   \
	"mb_gate_ret:\n"                                          \
	"	ret\n"                                             \
	".size mb_gate_syscall, .-mb_gate_syscall\n"              \
	".popsection\n"

#if defined(__x86_64__)
#define MB_AUDIT_ARCH AUDIT_ARCH_X86_64
__asm__(GATE_BEGIN("@function")
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %r10\n"
	"	mov %r9, %r8\n"
	/* mb_gate_syscall6's sixth argument; a caller of the five-argument
	 * name leaves its own stack there, which the kernel then ignores. */
	"	mov 8(%rsp), %r9\n"
	"	syscall\n"
	GATE_END);
#elif defined(__aarch64__)
#define MB_AUDIT_ARCH AUDIT_ARCH_AARCH64
__asm__(GATE_BEGIN("%function")
	"	mov x8, x0\n"
	"	mov x0, x1\n"
	"	mov x1, x2\n"
	"	mov x2, x3\n"
	"	mov x3, x4\n"
	"	mov x4, x5\n"
	"	mov x5, x6\n"
	"	svc #0\n"
	GATE_END);
#else
#error "minderbinder's seccomp engine supports x86_64 and aarch64"
#endif

extern char mb_gate_ret[];

/* The instruction pointer the kernel reports for a call made through the
 * gate: the address right after the syscall instruction. */
unsigned long mb_gate_ip(void)
{
	return (unsigned long)mb_gate_ret;
}

long mb_gate(long nr, long a1, long a2, long a3, long a4, long a5)
{
	long r;

	do
		r = mb_gate_syscall(nr, a1, a2, a3, a4, a5);
	while (r == -EINTR);
	return r;
}

int mb_gate_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	long r;

	if (nfds < 0 || nfds > 2)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	r = mb_gate(SYS_sendmsg, sock, (long)&mh, MSG_NOSIGNAL, 0, 0);
	return r < 0 ? (int)r : 0;
}

enum mb_engine mb_seccomp_engine_for(const struct mb_rule *r, enum mb_scope scope)
{
	if (r->kind != MB_RULE_SYSCALL)
		return MB_ENGINE_NONE;
	/* A filter cannot tell a child from its parent: only the supervisor
	 * can keep a process-scoped rule off the children that inherit it. */
	if (scope != MB_SCOPE_TREE)
		return MB_ENGINE_SECCOMP_NOTIF;
	if (r->sys.result == MB_RES_ERRNO && r->rate_ppm == MB_RATE_ONE &&
	    !r->delay_ns && !r->after && !r->times && !r->latency_ns &&
	    !(r->flags & MB_F_PATH))
		return MB_ENGINE_SECCOMP_ERRNO;
	return MB_ENGINE_SECCOMP_NOTIF;
}

static int is_seccomp(__u32 engine)
{
	return engine == MB_ENGINE_SECCOMP_ERRNO || engine == MB_ENGINE_SECCOMP_NOTIF;
}

const char *const mb_shape_syscalls[] = {
	"connect", "sendto", "sendmsg", "sendmmsg", "write", "writev", "sendfile", NULL,
};

int mb_seccomp_has_rules(const struct mb_spec *spec, const __u32 *engines)
{
	__u32 i;

	for (i = 0; i < spec->n_rules; i++)
		if (is_seccomp(engines[i]))
			return 1;
	return 0;
}

int mb_seccomp_needs_listener(const struct mb_spec *spec, const __u32 *engines)
{
	__u32 i;

	for (i = 0; i < spec->n_rules; i++)
		if (engines[i] == MB_ENGINE_SECCOMP_NOTIF)
			return 1;
	return 0;
}

/* What the filter does for one syscall: decided by its first rule, since
 * the first matching rule wins and an unconditional rule always matches. */
static __u32 action_for(const struct mb_spec *spec, const __u32 *engines,
			__u32 first)
{
	const struct mb_rule *r = &spec->rules[first];

	if (engines[first] == MB_ENGINE_SECCOMP_ERRNO)
		return SECCOMP_RET_ERRNO | ((__u32)r->sys.value & SECCOMP_RET_DATA);
	return SECCOMP_RET_USER_NOTIF;
}

/*
 * The question a process asks to learn whether it runs under a filter of
 * ours (one it inherited): close() of a descriptor number that cannot be
 * open (far above any RLIMIT_NOFILE), which every filter of ours answers
 * with an errno no kernel gives. close, because any sandbox around us
 * allows it; an unknown syscall number might kill the process there.
 */
#define PROBE_FD 0x6d620000u /* "mb" */
#define PROBE_ERRNO 4000u

#define EMIT(code, k_, jt_, jf_)                                   \
	do {                                                       \
		if (n >= max)                                      \
			return -E2BIG;                             \
		prog[n++] = (struct sock_filter){ (code), (jt_), (jf_), (k_) }; \
	} while (0)

/* What every filter of ours does before any rule: other arches and the
 * gate pass, mb_seccomp_ours's question and a guest's hello (hello: the
 * action for it) are answered; then A holds nr. */
static int build_head(struct sock_filter *prog, size_t max, __u32 hello, __u32 share)
{
	unsigned long ip = mb_gate_ip();
	size_t n = 0;

	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, MB_AUDIT_ARCH, 1, 0);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	/* The gate: both halves of the 64-bit instruction pointer. */
	EMIT(BPF_LD | BPF_W | BPF_ABS,
	     offsetof(struct seccomp_data, instruction_pointer), 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, (__u32)ip, 0, 3);
	EMIT(BPF_LD | BPF_W | BPF_ABS,
	     offsetof(struct seccomp_data, instruction_pointer) + 4, 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, (__u32)(ip >> 32), 0, 1);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	/* mb_seccomp_ours's question and a guest's hello, answered before
	 * any rule (a rule's errno would win over the hello's USER_NOTIF). */
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 0, 9);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 4, 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 7);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]), 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, PROBE_FD, 0, 1);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | PROBE_ERRNO, 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, MB_SECCOMP_HELLO_FD, 0, 1);
	EMIT(BPF_RET | BPF_K, hello, 0, 0);
	/* The agent's share call (lib/inproc.h): to the supervisor when the
	 * in-process path was asked for, else EBADF from the kernel. */
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, MB_SECCOMP_SHARE_FD, 0, 1);
	EMIT(BPF_RET | BPF_K, share, 0, 0);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	if (share == SECCOMP_RET_ALLOW)
		return (int)n;
	/* With the in-process path, rt_sigaction(SIGSYS, ...) from outside
	 * libc (libc's is the handler's: the trap layer outranks this) to the
	 * supervisor, which keeps the program's action where the handler
	 * chains it rather than let it replace the handler
	 * (engines/seccomp/shared.c). */
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigaction, 0, 3);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]), 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, SIGSYS, 0, 1);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF, 0, 0);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	return (int)n;
}

/* "nr: action" for each syscall of set not in done yet, which it joins. */
static int emit_set(struct sock_filter *prog, size_t max, size_t n, const struct mb_nr_set *set,
		    struct mb_nr_set *done, __u32 action)
{
	int nr;

	for (nr = 0; nr < MB_NR_SET_MAX; nr++) {
		if (!mb_nr_set_has(set, nr) || mb_nr_set_has(done, nr))
			continue;
		mb_nr_set_add(done, nr);
		EMIT(BPF_JMP | BPF_JEQ | BPF_K, (__u32)nr, 0, 1);
		EMIT(BPF_RET | BPF_K, action, 0, 0);
	}
	return (int)n;
}

/* Every syscall no rule named runs. */
static int build_tail(struct sock_filter *prog, size_t max, int n)
{
	if (n < 0)
		return n;
	if ((size_t)n >= max)
		return -E2BIG;
	prog[n++] = (struct sock_filter){ BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW };
	return n;
}

int mb_seccomp_build_trap(const struct mb_nr_set *trapped, unsigned long text_lo,
			  unsigned long text_hi, __u32 data, struct sock_filter *prog, size_t max)
{
	struct mb_nr_set done;
	size_t n = 0;

	memset(&done, 0, sizeof(done));
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, MB_AUDIT_ARCH, 1, 0);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	/* The text only (one 4 GiB half, the caller checked): elsewhere no
	 * handler of ours may be there, after an exec above all. */
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4, 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, (__u32)(text_lo >> 32), 1, 0);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer), 0, 0);
	EMIT(BPF_JMP | BPF_JGE | BPF_K, (__u32)text_lo, 1, 0);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	EMIT(BPF_JMP | BPF_JGE | BPF_K, (__u32)text_hi, 0, 1);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	return build_tail(prog, max,
			  emit_set(prog, max, n, trapped, &done, SECCOMP_RET_TRAP | (data & SECCOMP_RET_DATA)));
}

int mb_seccomp_rule_nrs(enum mb_arch arch, const struct mb_rule *r, struct mb_nr_set *set)
{
	size_t k;
	int nr;

	if (r->kind != MB_RULE_NET)
		return mb_rule_nr_set(arch, r, set);
	/* a shaping rule: every call that may send on a socket */
	memset(set, 0, sizeof(*set));
	for (k = 0; mb_shape_syscalls[k]; k++)
		if ((nr = mb_syscall_by_name(arch, mb_shape_syscalls[k])) >= 0)
			mb_nr_set_add(set, nr);
	return 0;
}

int mb_seccomp_build(const struct mb_spec *spec, const __u32 *engines, unsigned int build_flags,
		     struct sock_filter *prog, size_t max)
{
	bool share = (build_flags & MB_SECCOMP_BUILD_SHARE) && mb_seccomp_needs_listener(spec, engines);
	struct mb_nr_set done, set;
	/* Only the C API's layers route the hello to their listener. */
	int n = build_head(prog, max, SECCOMP_RET_ALLOW,
			   share ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW), nr;
	__u32 i;

	memset(&done, 0, sizeof(done));
	/* A syscall's first rule decides (a family counts for each member):
	 * later rules on it are never reached in the filter. */
	for (i = 0; n >= 0 && i < spec->n_rules; i++) {
		if (!is_seccomp(engines[i]))
			continue;
		if (mb_seccomp_rule_nrs((enum mb_arch)spec->arch, &spec->rules[i], &set) < 0)
			return -EINVAL;
		/* A shaping rule's calls all go to the supervisor. */
		n = emit_set(prog, max, (size_t)n, &set, &done,
			     spec->rules[i].kind == MB_RULE_NET ? SECCOMP_RET_USER_NOTIF
								: action_for(spec, engines, i));
	}
	if (share && n >= 0) {
		/* Every exit to the supervisor: it adds the handler's counts to
		 * the registry before the process is gone and waited for. */
		memset(&set, 0, sizeof(set));
		nr = mb_syscall_by_name((enum mb_arch)spec->arch, "exit_group");
		if (nr >= 0)
			mb_nr_set_add(&set, nr);
		n = emit_set(prog, max, (size_t)n, &set, &done, SECCOMP_RET_USER_NOTIF);
	}
	return build_tail(prog, max, n);
}

int mb_seccomp_build_routed(const struct mb_nr_set *routed, struct sock_filter *prog,
			    size_t max)
{
	struct mb_nr_set done;
	int n = build_head(prog, max, SECCOMP_RET_USER_NOTIF, SECCOMP_RET_ALLOW);

	memset(&done, 0, sizeof(done));
	if (n >= 0)
		n = emit_set(prog, max, (size_t)n, routed, &done, SECCOMP_RET_USER_NOTIF);
	return build_tail(prog, max, n);
}

int mb_seccomp_hello(void)
{
	/* Not through the gate: the filter is the one to see it. */
	long r = syscall(SYS_close, (unsigned long)MB_SECCOMP_HELLO_FD);

	return r < 0 ? -errno : (int)r;
}

int mb_seccomp_ours(void)
{
	/* No filter of ours: EBADF (no such descriptor). */
	return syscall(SYS_close, PROBE_FD) == -1 && errno == PROBE_ERRNO;
}

/* A raw syscall, through the gate or not; -errno on failure. */
static long install_call(unsigned int flags, long nr, long a1, long a2, long a3)
{
	long r;

	if (flags & MB_SECCOMP_VIA_GATE)
		return mb_gate(nr, a1, a2, a3, 0, 0);
	r = syscall(nr, a1, a2, a3, 0, 0);
	return r < 0 ? -errno : r;
}

int mb_seccomp_install(const struct sock_filter *prog, size_t len, unsigned int flags)
{
	struct sock_fprog fprog = {
		.len = (unsigned short)len,
		.filter = (struct sock_filter *)prog,
	};
	unsigned long mode = SECCOMP_FILTER_FLAG_TSYNC;
	long ret;

	/* Without privilege a filter needs no_new_privs; it also means a
	 * set-uid program exec'd later runs without its privileges, so a
	 * fault can never be turned against privileged code. */
	ret = install_call(flags, SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0);
	if (ret < 0)
		return (int)ret;
	if (flags & MB_SECCOMP_WANT_LISTENER)
		mode |= SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	ret = install_call(flags, SYS_seccomp, SECCOMP_SET_MODE_FILTER, (long)mode, (long)&fprog);
	if (ret < 0)
		return (int)ret;
	if (!(flags & MB_SECCOMP_WANT_LISTENER) && ret > 0)
		return -EBUSY; /* thread ret could not be synchronised */
	return (int)ret;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-process path (MINDERBINDER_SUPERVISED=inprocess, lib/inproc.h):
 * a second filter layer traps the supervised syscalls libc makes, and
 * this SIGSYS handler decides them with the rule state it shares with
 * the supervisor, answering in the return register or re-issuing the
 * call through the gate. Calls from anywhere but libc's text fall
 * through to the base layer's USER_NOTIF: the supervisor decides them,
 * from the same state. docs/design-notes.md, "The in-process path".
 *
 * The handler runs inside someone else's code at any syscall libc makes:
 * nothing but the gate's syscalls, no allocation, no lock, errno kept.
 */
#include <errno.h>
#include <fnmatch.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "inproc_agent.h"
#include "lib/fd_path.h"
#include "lib/inproc.h"
#include "lib/name_tables.h"
#include "lib/path_join.h"
#include "lib/read_string.h"
#include "lib/seccomp_filter.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 2U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#endif

#define SIGSYS_BIT (1UL << (SIGSYS - 1))
#define PATH_BUF (2 * 4096 + 2)

/* The kernel's struct sigaction on x86_64 (rt_sigaction's layout). */
struct k_sigaction {
	unsigned long handler;
	unsigned long flags;
	unsigned long restorer;
	unsigned long mask;
};

static struct {
	int live;
	enum mb_scope scope;
	pid_t pid; /* the registered process (process scope) */
	enum mb_arch arch;
	struct mb_inproc_state *st;
	struct mb_spec spec; /* the rules, kept: the agent's copy is freed */
	__u32 n;
	__u32 idx[MB_MAX_RULES]; /* the handler's rules, in decision order */
	struct mb_nr_set covers[MB_MAX_RULES];
	struct mb_nr_set trapped;
	unsigned long text_lo, text_hi; /* libc's executable mapping */
	struct k_sigaction prog; /* what the program believes SIGSYS does */
	struct k_sigaction before; /* SIGSYS as we found it */
	int nr_sigaction, nr_sigprocmask, nr_sigsuspend;
	enum mb_inproc_why why; /* process-wide */
	int handler_in; /* our SIGSYS handler replaced ip.before */
} ip;

#if defined(__x86_64__) /* the handler reads x86_64's registers */
/* ---- the handler ------------------------------------------------------ */

static __thread char path_buf[PATH_BUF] __attribute__((tls_model("initial-exec")));
static __thread char link_buf[PATH_BUF] __attribute__((tls_model("initial-exec")));

/* Our own memory, read by the kernel (lib/read_string.h): a bad pointer is
 * EFAULT, as the call itself would have said, never a SIGSEGV in a
 * handler. Through the gate: the trap layer takes process_vm_readv too,
 * should a rule name it. */
static long readv_own(pid_t pid, const struct iovec *local, const struct iovec *remote)
{
	return mb_gate_syscall6(SYS_process_vm_readv, pid, (long)local, 1, (long)remote, 1, 0);
}

static int read_own(unsigned long addr, char *buf, size_t size)
{
	return mb_read_string(readv_own, (pid_t)mb_gate_syscall(SYS_getpid, 0, 0, 0, 0, 0), addr,
			      buf, size, 4096);
}

static long gate_readlink(const char *path, char *buf, size_t size)
{
	return mb_gate_syscall(SYS_readlinkat, AT_FDCWD, (long)path, (long)buf, (long)size, 0);
}

static int gate_stat(const char *path, struct stat *st, int nofollow)
{
	return (int)mb_gate_syscall(SYS_newfstatat, AT_FDCWD, (long)path, (long)st,
				    nofollow ? AT_SYMLINK_NOFOLLOW : 0, 0);
}

static const struct mb_fs_ops fs = { gate_readlink, gate_stat };

/* As remote.c's sv_resolve_path, on our own memory. */
static int own_path(int nr, const long *a, int arg, char *out)
{
	char proc[40];
	int err, dirfd = AT_FDCWD;
	const char *name;

	err = read_own((unsigned long)a[arg], link_buf, PATH_BUF / 2);
	if (err)
		return err;
	if (link_buf[0] == '/') {
		memcpy(out, link_buf, strlen(link_buf) + 1);
		return 0;
	}
	/* a name lookup, only for a relative path */
	if (arg > 0 && (name = mb_syscall_name(ip.arch, nr)) && mb_syscall_dirfd_arg(name) >= 0)
		dirfd = (int)a[arg - 1];
	if (dirfd == AT_FDCWD) {
		long n = mb_gate_syscall(SYS_getcwd, (long)out, PATH_BUF / 2, 0, 0, 0);

		if (n < 0)
			return (int)n;
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
		err = mb_read_link(&fs, proc, out, PATH_BUF / 2 + 1);
		if (err)
			return err;
	}
	mb_path_join(out, link_buf);
	return 0;
}

/* As remote.c's sv_resolve_fd_path (lib/fd_path.h). */
static int own_fd_path(int fd, char *out)
{
	char proc[40];

	if (fd < 0)
		return -EBADF;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return mb_fd_link_path(&fs, proc, out, PATH_BUF / 2 + 1);
}

static bool path_matches(const struct mb_rule *r, int nr, const long *a, int *have)
{
	bool fd_arg;
	int arg;

	if (!(r->flags & MB_F_PATH))
		return true;
	arg = mb_rule_path_arg(ip.arch, r, nr, &fd_arg);
	if (arg < 0 || arg > 5)
		return false;
	/* one resolution per call and argument, as the supervisor's */
	if (*have != arg + 1) {
		if ((fd_arg ? own_fd_path((int)a[arg], path_buf) : own_path(nr, a, arg, path_buf)))
			return false;
		*have = arg + 1;
	}
	return !fnmatch(r->sys.path, path_buf, 0);
}

/* decide.c's sv_decide, on the shared state: 1 with *ret when a rule
 * answers, 0 when the call runs. */
static int decide(int nr, const long *a, long *ret)
{
	int have = 0, roll;
	__u32 k, i;

	for (k = 0; k < ip.n; k++) {
		const struct mb_rule *r = &ip.spec.rules[i = ip.idx[k]];

		if (!mb_nr_set_has(&ip.covers[i], nr) || !path_matches(r, nr, a, &have))
			continue;
		roll = mb_inproc_roll(&ip.st->rules[i], r, true);
		if (roll < 0)
			continue;
		if (!roll || r->sys.result == MB_RES_NONE)
			return 0;
		*ret = r->sys.result == MB_RES_ERRNO ? -(long)r->sys.value : (long)r->sys.value;
		return 1;
	}
	return 0;
}

/* A masked SIGSYS turns our trap into death: the program never gets to
 * block it (its own masks, and its handlers' sa_mask). */
static void strip(long *arg, unsigned long *copy)
{
	unsigned long m;

	if (!*arg)
		return;
	memcpy(&m, (const void *)*arg, sizeof(m));
	if (!(m & SIGSYS_BIT))
		return;
	*copy = m & ~SIGSYS_BIT;
	*arg = (long)copy;
}

/* rt_sigaction(SIGSYS, ...): the program's own, kept here; ours stays. */
static long sigaction_sigsys(const long *a)
{
	struct k_sigaction old = ip.prog;

	if (a[1])
		memcpy(&ip.prog, (const void *)a[1], sizeof(ip.prog));
	if (a[2])
		memcpy((void *)a[2], &old, sizeof(old));
	return 0;
}

/* A SIGSYS that is not ours goes where the program said. */
static void chain(int sig, siginfo_t *si, ucontext_t *uc)
{
	struct k_sigaction dfl = { .handler = (unsigned long)SIG_DFL };
	unsigned long m;

	if (ip.prog.handler == (unsigned long)SIG_IGN)
		return;
	if (ip.prog.handler == (unsigned long)SIG_DFL) {
		/* its default: die of it */
		m = SIGSYS_BIT;
		mb_gate_syscall(SYS_rt_sigaction, SIGSYS, (long)&dfl, 0, 8, 0);
		mb_gate_syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&m, 0, 8, 0);
		mb_gate_syscall(SYS_tgkill, mb_gate_syscall(SYS_getpid, 0, 0, 0, 0, 0),
				mb_gate_syscall(SYS_gettid, 0, 0, 0, 0, 0), SIGSYS, 0, 0);
		return;
	}
	memcpy(&m, &uc->uc_sigmask, sizeof(m));
	m = (m | ip.prog.mask) & ~SIGSYS_BIT;
	mb_gate_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&m, 0, 8, 0);
	if (ip.prog.flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))ip.prog.handler)(sig, si, uc);
	else
		((void (*)(int))ip.prog.handler)(sig);
}

/*
 * rt_sigprocmask on the interrupted context's mask: sigreturn puts that
 * one back, so a mask changed for real from in here would be undone.
 * SIGSYS, SIGKILL and SIGSTOP are never blocked.
 */
static long sigprocmask_here(ucontext_t *uc, const long *a)
{
	unsigned long old, set;

	if (a[3] != sizeof(old))
		return -EINVAL;
	memcpy(&old, &uc->uc_sigmask, sizeof(old));
	if (a[1]) {
		memcpy(&set, (const void *)a[1], sizeof(set));
		if (a[0] == SIG_BLOCK)
			set |= old;
		else if (a[0] == SIG_UNBLOCK)
			set = old & ~set;
		else if (a[0] != SIG_SETMASK)
			return -EINVAL;
		set &= ~(SIGSYS_BIT | (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1)));
	}
	if (a[2])
		memcpy((void *)a[2], &old, sizeof(old));
	if (a[1])
		memcpy(&uc->uc_sigmask, &set, sizeof(set));
	return 0;
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	int saved = errno, nr;
	struct k_sigaction k;
	unsigned long copy, m;
	long a[6], ret;

	if (si->si_code != SYS_SECCOMP || si->si_errno != MB_INPROC_TRAP_DATA || !ip.live) {
		chain(sig, si, uc);
		errno = saved;
		return;
	}
	nr = si->si_syscall;
	a[0] = g[REG_RDI];
	a[1] = g[REG_RSI];
	a[2] = g[REG_RDX];
	a[3] = g[REG_R10];
	a[4] = g[REG_R8];
	a[5] = g[REG_R9];
	if (nr == ip.nr_sigaction && a[0] == SIGSYS) {
		g[REG_RAX] = sigaction_sigsys(a);
		errno = saved;
		return;
	}
	if (nr == ip.nr_sigaction && a[1]) {
		memcpy(&k, (const void *)a[1], sizeof(k));
		k.mask &= ~SIGSYS_BIT;
		a[1] = (long)&k;
	} else if (nr == ip.nr_sigsuspend) {
		strip(&a[0], &copy);
	}
	/* Not the registered process (a child under process scope): its
	 * call runs untouched. The kernel's answer, never a cached pid. */
	if ((ip.scope != MB_SCOPE_PROCESS ||
	     mb_gate_syscall(SYS_getpid, 0, 0, 0, 0, 0) == ip.pid) &&
	    decide(nr, a, &ret)) {
		g[REG_RAX] = ret;
		errno = saved;
		return;
	}
	if (nr == ip.nr_sigprocmask) {
		g[REG_RAX] = sigprocmask_here(uc, a);
		errno = saved;
		return;
	}
	/* The call runs as the program made it: with the program's signal
	 * mask (a blocking call stays interruptible, SA_RESTART restarts it
	 * at the gate), which sigreturn puts back anyway. */
	memcpy(&m, &uc->uc_sigmask, sizeof(m));
	m &= ~SIGSYS_BIT;
	mb_gate_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&m, 0, 8, 0);
	g[REG_RAX] = mb_gate_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	errno = saved;
}

/* ---- set-up ------------------------------------------------------------ */

struct find_text {
	unsigned long addr, lo, hi;
	int go;
	int first;
};

static int find_text_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct find_text *f = data;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		unsigned long lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && f->addr >= lo &&
		    f->addr < lo + ph->p_memsz) {
			f->lo = lo;
			f->hi = lo + ph->p_memsz;
		}
		/* The main program's notes: Go's linker writes one named "Go". */
		if (f->first && ph->p_type == PT_NOTE) {
			const char *n = (const char *)lo, *end = n + ph->p_memsz;

			while (n + 12 <= end) {
				const ElfW(Nhdr) *h = (const ElfW(Nhdr) *)n;
				size_t step = 12 + ((h->n_namesz + 3) & ~3u) + ((h->n_descsz + 3) & ~3u);

				/* "Go\0", padded to four by Go's linker */
				if ((h->n_namesz == 3 || h->n_namesz == 4) && !memcmp(n + 12, "Go", 3))
					f->go = 1;
				n += step;
			}
		}
	}
	f->first = 0;
	return 0;
}

static bool aslr_off(void)
{
	char c = '2';
	int fd, p = personality(0xffffffff);

	if (p != -1 && (p & ADDR_NO_RANDOMIZE))
		return true;
	fd = open("/proc/sys/kernel/randomize_va_space", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '2';
		close(fd);
	}
	return c == '0';
}

#endif

enum mb_inproc_why mb_agent_inproc_prepare(void)
{
	struct find_text f = { .addr = (unsigned long)&getpid, .first = 1 };
	struct sigaction sa;

	ip.why = MB_IP_YES;
	/* Not inherited (the agent asked first), yet under a filter of ours:
	 * a C API session's, whose supervisor registers us as a guest. */
	if (mb_seccomp_ours())
		return ip.why = MB_IP_GUEST;
#if !defined(__x86_64__)
	/* the handler reads x86_64's registers */
	(void)f;
	(void)sa;
	return ip.why = MB_IP_ARCH;
#else
	if (aslr_off())
		return ip.why = MB_IP_ASLR;
	dl_iterate_phdr(find_text_cb, &f);
	if (f.go)
		return ip.why = MB_IP_GO;
	/* one compare on each half of the address: the text must not cross
	 * a 4 GiB line */
	if (!f.lo || (f.lo >> 32) != ((f.hi - 1) >> 32) || !(f.hi & 0xffffffffUL))
		return ip.why = MB_IP_NO_LIBC;
	ip.text_lo = f.lo;
	ip.text_hi = f.hi;
	/* Before the filter: libc's sigaction sets the restorer. */
	if (mb_gate_syscall(SYS_rt_sigaction, SIGSYS, 0, (long)&ip.before, 8, 0))
		return ip.why = MB_IP_SETUP;
	ip.prog = ip.before;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL))
		return ip.why = MB_IP_SETUP;
	ip.handler_in = 1;
	return MB_IP_YES;
#endif
}

/* Which rules the handler takes, and which syscalls it traps: a syscall
 * only when every seccomp rule on it is the handler's. */
static void plan(const struct mb_spec *spec, const __u32 *engines, enum mb_scope scope,
		 enum mb_inproc_why *why)
{
	struct mb_nr_set own, other, set;
	size_t s;
	__u32 i;

	memset(&own, 0, sizeof(own));
	memset(&other, 0, sizeof(other));
	for (i = 0; i < spec->n_rules; i++) {
		why[i] = ip.why != MB_IP_YES ? ip.why
					     : mb_inproc_rule_why(ip.arch, &spec->rules[i],
								  engines[i], scope);
		if (engines[i] != MB_ENGINE_SECCOMP_ERRNO && engines[i] != MB_ENGINE_SECCOMP_NOTIF)
			continue;
		if (mb_seccomp_rule_nrs(ip.arch, &spec->rules[i], &set) < 0)
			continue;
		ip.covers[i] = set;
		for (s = 0; s < MB_NR_SET_MAX / 64; s++) {
			if (why[i] == MB_IP_YES)
				own.w[s] |= set.w[s];
			else
				other.w[s] |= set.w[s];
		}
	}
	for (s = 0; s < MB_NR_SET_MAX / 64; s++)
		ip.trapped.w[s] = own.w[s] & ~other.w[s];
	/* The signal calls the handler fixes up must be its own, or the
	 * supervisor would not see the ones a rule of it counts. */
	ip.nr_sigaction = mb_syscall_by_name(ip.arch, "rt_sigaction");
	ip.nr_sigprocmask = mb_syscall_by_name(ip.arch, "rt_sigprocmask");
	ip.nr_sigsuspend = mb_syscall_by_name(ip.arch, "rt_sigsuspend");
	if (mb_nr_set_has(&other, ip.nr_sigaction) || mb_nr_set_has(&other, ip.nr_sigprocmask) ||
	    mb_nr_set_has(&other, ip.nr_sigsuspend)) {
		for (i = 0; i < spec->n_rules; i++)
			if (why[i] == MB_IP_YES)
				why[i] = MB_IP_SHARED_NR;
		memset(&ip.trapped, 0, sizeof(ip.trapped));
		return;
	}
	for (i = 0; i < spec->n_rules; i++) {
		if (why[i] != MB_IP_YES)
			continue;
		/* a rule whose every call goes to the supervisor anyway */
		for (s = 0; s < MB_NR_SET_MAX / 64; s++)
			if (ip.covers[i].w[s] & ip.trapped.w[s])
				break;
		if (s == MB_NR_SET_MAX / 64)
			why[i] = MB_IP_SHARED_NR;
		else
			ip.idx[ip.n++] = i;
	}
	if (ip.n) {
		mb_nr_set_add(&ip.trapped, ip.nr_sigaction);
		mb_nr_set_add(&ip.trapped, ip.nr_sigprocmask);
		mb_nr_set_add(&ip.trapped, ip.nr_sigsuspend);
	}
}

/* The mapping /proc/PID/maps names "/memfd:mb-paths:P:RRR" (P the
 * process's reason, R each rule's): what `status` reads. */
static int make_state(const enum mb_inproc_why *why, __u32 n_rules, int *fd_out)
{
	char name[sizeof(MB_INPROC_NAME) + 4 + MB_MAX_RULES];
	void *m;
	long fd;
	__u32 i;
	int len;

	len = snprintf(name, sizeof(name), MB_INPROC_NAME "%c:", mb_inproc_letter(ip.why));
	for (i = 0; i < n_rules && (size_t)len + 1 < sizeof(name); i++)
		name[len++] = mb_inproc_letter(why[i]);
	name[len] = '\0';
	fd = mb_gate_syscall(SYS_memfd_create, (long)name, MFD_CLOEXEC | MFD_ALLOW_SEALING, 0, 0, 0);
	if (fd < 0)
		return (int)fd;
	if (mb_gate_syscall(SYS_ftruncate, fd, sizeof(*ip.st), 0, 0, 0) ||
	    mb_gate_syscall(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, 0,
			    0)) {
		mb_gate_syscall(SYS_close, fd, 0, 0, 0, 0);
		return -EIO;
	}
	m = (void *)mb_gate_syscall6(SYS_mmap, 0, sizeof(*ip.st), PROT_READ | PROT_WRITE, MAP_SHARED,
				     fd, 0);
	if ((unsigned long)m > -4096UL) {
		mb_gate_syscall(SYS_close, fd, 0, 0, 0, 0);
		return (int)(long)m;
	}
	ip.st = m;
	*fd_out = (int)fd;
	return 0;
}

static void drop_state(int fd)
{
	if (fd >= 0)
		mb_gate_syscall(SYS_close, fd, 0, 0, 0, 0);
}

void mb_agent_inproc_start(const struct mb_spec *spec, const __u32 *engines, enum mb_scope scope,
			   int has_log)
{
	struct sock_filter prog[MB_FILTER_MAX];
	enum mb_inproc_why why[MB_MAX_RULES];
	int fd = -1, len;
	__u64 seed;
	__u32 i;

	ip.arch = (enum mb_arch)spec->arch;
	if (ip.why == MB_IP_YES && has_log)
		ip.why = MB_IP_LOG;
	if (ip.why == MB_IP_YES && !mb_seccomp_needs_listener(spec, engines))
		ip.why = MB_IP_NOT_SUPERVISED;
	plan(spec, engines, scope, why);
	if (make_state(why, spec->n_rules, &fd))
		goto off; /* no status line either: nothing is in place */
	if (!ip.n)
		goto marker;
	ip.st->magic = MB_INPROC_MAGIC;
	ip.st->version = MB_INPROC_VERSION;
	ip.st->n_rules = spec->n_rules;
	ip.st->prog_action_addr = (unsigned long)&ip.prog;
	for (i = 0; i < spec->n_rules; i++) {
		seed = spec->rules[i].seed;
		if (!(spec->rules[i].flags & MB_F_SEED) &&
		    mb_gate_syscall(SYS_getrandom, (long)&seed, sizeof(seed), 0, 0, 0) != sizeof(seed))
			seed ^= (__u64)(unsigned long)&seed ^ i;
		ip.st->rules[i].rng = mb_rng_state(seed);
	}
	ip.spec = *spec;
	ip.scope = scope;
	ip.pid = (pid_t)mb_gate_syscall(SYS_getpid, 0, 0, 0, 0, 0);
	/* The share call, not through the gate: the base filter sends it to
	 * the supervisor, which takes the memfd from us. */
	if (syscall(SYS_close, (long)MB_SECCOMP_SHARE_FD, (long)fd) != 0)
		goto failed;
	len = mb_seccomp_build_trap(&ip.trapped, ip.text_lo, ip.text_hi, MB_INPROC_TRAP_DATA, prog,
				   MB_FILTER_MAX);
	ip.live = 1;
	if (len < 0 || mb_seccomp_install(prog, (size_t)len, MB_SECCOMP_VIA_GATE) < 0) {
		ip.live = 0;
		goto failed; /* the supervisor, holding the state, decides all */
	}
	drop_state(fd);
	return;
failed:
	/* The supervisor keeps its own mapping of the state, if it took it;
	 * ours goes, and a marker that says why takes its place. */
	mb_gate_syscall(SYS_munmap, (long)ip.st, sizeof(*ip.st), 0, 0, 0);
	ip.st = NULL;
	ip.n = 0;
	ip.why = MB_IP_SETUP;
	for (i = 0; i < spec->n_rules; i++)
		if (why[i] == MB_IP_YES)
			why[i] = MB_IP_SETUP;
	drop_state(fd);
	fd = -1;
	if (make_state(why, spec->n_rules, &fd))
		goto off;
marker:
	drop_state(fd);
off:
	if (ip.handler_in)
		mb_gate_syscall(SYS_rt_sigaction, SIGSYS, (long)&ip.before, 0, 8, 0);
	ip.handler_in = 0;
}

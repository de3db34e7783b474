// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscall faults made in the kernel, with no round trip to user space.
 * The helper attaches one of these programs to the entry function of each
 * syscall a registration needs (__x64_sys_openat, ...), and pins the link:
 *  - mb_sys_fmod_ret as an fmod_ret program (BPF trampoline; needs
 *    CONFIG_FUNCTION_ERROR_INJECTION): a non-zero return replaces the call;
 *  - mb_sys_kprobe as a kprobe calling bpf_override_return (needs
 *    CONFIG_BPF_KPROBE_OVERRIDE).
 * Every process making that syscall runs the program: for all but the
 * targets it costs one hash lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "registry_maps.bpf.h"
#include "rule_window.bpf.h"
#include "target_check.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AT_FDCWD (-100)
#define PATH_BUF 1024	/* an absolute path: a directory and a relative part */
#define PART_MAX 512	/* at most this much of each */
#define DIR_DEPTH 32	/* deeper cwds do not match a path= rule */
#define GLOB_STEPS 32768 /* a glob that needs more steps does not match */

struct scratch {
	char path[PATH_BUF]; /* what the glob is matched against */
	char dir[PATH_BUF];  /* a directory, written backwards from PART_MAX */
	char pat[MB_PATH_GLOB_MAX];
	/* Never written: a zero the verifier cannot see through, so that it
	 * checks glob_step once for any position instead of replaying
	 * GLOB_STEPS iterations from known ones. */
	__u64 opaque_zero;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* The syscall's own registers, as the entry function receives them. */
#if defined(__TARGET_ARCH_x86)
static __always_inline __u64 sys_arg(const struct pt_regs *r, int i)
{
	switch (i) {
	case 0: return BPF_CORE_READ(r, di);
	case 1: return BPF_CORE_READ(r, si);
	case 2: return BPF_CORE_READ(r, dx);
	case 3: return BPF_CORE_READ(r, r10);
	case 4: return BPF_CORE_READ(r, r8);
	default: return BPF_CORE_READ(r, r9);
	}
}
#define SYS_NR(r) ((int)BPF_CORE_READ(r, orig_ax))
#define USER_IP(r) BPF_CORE_READ(r, ip)
#elif defined(__TARGET_ARCH_arm64)
static __always_inline __u64 sys_arg(const struct pt_regs *r, int i)
{
	return i == 0 ? BPF_CORE_READ(r, orig_x0) : BPF_CORE_READ(r, regs[i & 7]);
}
#define SYS_NR(r) ((int)BPF_CORE_READ(r, syscallno))
#define USER_IP(r) BPF_CORE_READ(r, pc)
#else
#error "syscall_fault.bpf.c: unsupported architecture"
#endif

/* ---- path= : the path argument, made absolute as the supervisor does ---- */

/* One step up a directory: the walk is a bpf_loop callback, so the
 * verifier checks a step once rather than DIR_DEPTH times. */
struct walk {
	struct dentry *d, *root;
	struct vfsmount *vm, *rootmnt;
	struct mount *m;
	__u32 off; /* s->dir[off..PART_MAX) holds what is written so far */
	int state; /* 0 walking, 1 at the root, -1 failed */
};

static long walk_step(__u32 i, struct walk *w)
{
	__u32 z = 0, len, off = w->off;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &z);
	/* locals: BPF_CORE_READ would relocate struct walk's own fields */
	struct dentry *d = w->d, *parent;
	struct vfsmount *vm = w->vm;
	struct mount *m = w->m;
	const unsigned char *name;

	if (!s) {
		w->state = -1;
		return 1;
	}
	if (d == w->root && vm == w->rootmnt) {
		w->state = 1;
		return 1;
	}
	if (d == BPF_CORE_READ(vm, mnt_root)) {
		struct mount *up = BPF_CORE_READ(m, mnt_parent);

		if (up == m) {
			w->state = 1; /* the top of the mount tree */
			return 1;
		}
		w->d = BPF_CORE_READ(m, mnt_mountpoint);
		w->m = up;
		w->vm = (void *)up + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d) {
		w->state = 1;
		return 1;
	}
	len = BPF_CORE_READ(d, d_name.len);
	name = BPF_CORE_READ(d, d_name.name);
	if (len == 0 || len > 255 || off > PART_MAX || len + 1 > off) {
		w->state = -1;
		return 1;
	}
	off -= len;
	if (off >= PART_MAX) {
		w->state = -1;
		return 1;
	}
	bpf_probe_read_kernel(&s->dir[off], len, name);
	off -= 1;
	if (off >= PART_MAX) {
		w->state = -1;
		return 1;
	}
	s->dir[off] = '/';
	w->off = off;
	w->d = parent;
	return 0;
}

/*
 * Writes the directory (dentry d on mount vm) backwards into s->dir,
 * ending at PART_MAX, up to the task's root. Returns where it starts, or
 * -1 when it is too deep or too long.
 */
static __always_inline int dir_path(struct task_struct *task, struct dentry *d,
				    struct vfsmount *vm, struct scratch *s)
{
	struct walk w = {
		.d = d,
		.vm = vm,
		.m = (void *)vm - bpf_core_field_offset(struct mount, mnt),
		.root = BPF_CORE_READ(task, fs, root.dentry),
		.rootmnt = BPF_CORE_READ(task, fs, root.mnt),
		.off = s->opaque_zero + PART_MAX,
	};
	__u32 off;

	bpf_loop(DIR_DEPTH, walk_step, &w, 0);
	if (w.state != 1)
		return -1;
	off = w.off;
	if (off == PART_MAX) {
		off--;
		s->dir[off & (PART_MAX - 1)] = '/';
	}
	return off < PART_MAX ? (int)off : -1;
}

/* "./" prefixes (and the slashes after them) of a relative path: *skip
 * moves past them. */
static long dot_slash_step(__u32 i, __u64 *skip)
{
	__u32 z = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &z);
	char c;

	if (!s)
		return 1;
	c = s->path[*skip & (PART_MAX - 1)];
	if (c == '/') {
		*skip += 1;
		return 0;
	}
	if (c == '.' && s->path[(*skip + 1) & (PART_MAX - 1)] == '/') {
		*skip += 2;
		return 0;
	}
	return 1;
}

/*
 * Reads path argument arg into s->path, absolute: a relative one is joined
 * to its *at call's directory fd, or to the cwd; "./" prefixes are
 * dropped. Returns 0, or -1 when there is no path to match.
 */
static __always_inline int read_path(const struct pt_regs *regs, int arg, int dirfd_arg,
				     struct scratch *s)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	const char *user = (const char *)sys_arg(regs, arg);
	struct dentry *d;
	struct vfsmount *vm;
	__u64 skip;
	__u32 dlen;
	int off, self, fd = AT_FDCWD;
	char c0;

	if (bpf_probe_read_user_str(s->path, PART_MAX, user) <= 0)
		return -1;
	if (s->path[0] == '/')
		return 0;
	skip = s->opaque_zero;
	bpf_loop(64, dot_slash_step, &skip, 0);
	if (skip >= 64)
		return -1;
	/* "" (AT_EMPTY_PATH) and "." name the directory itself. */
	c0 = s->path[skip & (PART_MAX - 1)];
	self = !c0 || (c0 == '.' && !s->path[(skip + 1) & (PART_MAX - 1)]);
	if (dirfd_arg >= 0)
		fd = (int)sys_arg(regs, dirfd_arg & 7);
	if (fd == AT_FDCWD) {
		d = BPF_CORE_READ(task, fs, pwd.dentry);
		vm = BPF_CORE_READ(task, fs, pwd.mnt);
	} else {
		struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
		struct file *f = NULL;

		if (fd < 0 || (__u32)fd >= BPF_CORE_READ(task, files, fdt, max_fds))
			return -1;
		bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
		if (!f)
			return -1;
		d = BPF_CORE_READ(f, f_path.dentry);
		vm = BPF_CORE_READ(f, f_path.mnt);
	}
	off = dir_path(task, d, vm, s);
	if (off < 0 || off >= PART_MAX)
		return -1;
	dlen = PART_MAX - (__u32)off;
	if (dlen == 0 || dlen > PART_MAX)
		return -1;
	bpf_probe_read_kernel(s->path, dlen, &s->dir[off]);
	s->path[dlen & (PATH_BUF - 1)] = '\0';
	if (self)
		return 0;
	if (dlen > 1) {
		s->path[dlen & (PATH_BUF - 1)] = '/';
		dlen++;
	}
	if (dlen > PART_MAX + 1)
		return -1;
	if (bpf_probe_read_user_str(&s->path[dlen], PART_MAX - 1, user + skip) <= 0)
		return -1;
	return 0;
}

/* ---- fnmatch(pattern, path, 0): '*' crosses '/', '?', [a-z], [!x], \x ---- */

/* 64-bit positions: ++ on an unknown u64 stays unknown, so the verifier
 * sees every step start alike and stops after one (u32 ranges would
 * shift by one each step and never settle). */
struct glob {
	__u64 p, s;	  /* positions in the pattern and the path */
	__u64 star, mark; /* backtracking: the last '*' and where it began */
	__u64 q, cstart;  /* inside [...]: the next member, the first one */
	__u64 in_class, neg, hit;
	__u64 match;
};

#define PAT(i) (b->pat[(i) & (MB_PATH_GLOB_MAX - 1)])

/* The path character does not match here: back to the last star. */
static __always_inline long glob_miss(struct glob *g)
{
	if (g->star == (__u64)-1)
		return 1;
	g->p = g->star + 1;
	g->s = ++g->mark;
	return 0;
}

/*
 * One step of the matcher, a bpf_loop callback: a bracket expression is
 * walked one member per step too, so each step is small and the verifier
 * checks it once.
 */
static long glob_step(__u32 i, struct glob *g)
{
	__u32 z = 0;
	struct scratch *b = bpf_map_lookup_elem(&scratch, &z);
	char c, pc, lo, hi;

	if (!b)
		return 1;
	c = b->path[g->s & (PATH_BUF - 1)];
	if (g->in_class) {
		lo = PAT(g->q);
		if (!lo) {
			/* no closing ']': the '[' was a plain character */
			g->in_class = 0;
			if (c != '[')
				return glob_miss(g);
			g->p++;
			g->s++;
			return 0;
		}
		if (lo == ']' && g->q != g->cstart) {
			g->in_class = 0;
			if (g->hit == g->neg)
				return glob_miss(g);
			g->p = g->q + 1;
			g->s++;
			return 0;
		}
		hi = PAT(g->q + 2);
		if (PAT(g->q + 1) == '-' && hi && hi != ']') {
			g->hit |= c >= lo && c <= hi;
			g->q += 3;
		} else {
			g->hit |= c == lo;
			g->q++;
		}
		return 0;
	}
	pc = PAT(g->p);
	if (!c) {
		/* the path is over: only stars may be left */
		if (pc == '*') {
			g->p++;
			return 0;
		}
		g->match = !pc;
		return 1;
	}
	switch (pc) {
	case '*':
		g->star = g->p++;
		g->mark = g->s;
		return 0;
	case '[':
		g->in_class = 1;
		g->hit = 0;
		g->q = g->p + 1;
		g->neg = PAT(g->q) == '!' || PAT(g->q) == '^';
		g->q += g->neg;
		g->cstart = g->q;
		return 0;
	case '?':
		g->p++;
		g->s++;
		return 0;
	case '\\':
		if (PAT(g->p + 1)) {
			if (PAT(g->p + 1) != c)
				return glob_miss(g);
			g->p += 2;
			g->s++;
			return 0;
		}
		break;
	case 0:
		return glob_miss(g);
	}
	if (pc != c)
		return glob_miss(g);
	g->p++;
	g->s++;
	return 0;
}

static __always_inline int glob_match(struct scratch *s, const char *pattern)
{
	__u64 zero = s->opaque_zero;
	struct glob g = { .p = zero, .s = zero, .star = zero - 1, .mark = zero };

	bpf_probe_read_kernel_str(s->pat, sizeof(s->pat), pattern);
	bpf_loop(GLOB_STEPS, glob_step, &g, 0);
	return g.match;
}

/* ---- the decision ---- */

/*
 * The first of the target's rules for this syscall on this engine whose
 * path matches and whose window is open decides (as in the supervisor).
 * Returns 1 with *rc the value the call returns instead, or 0.
 */
static __always_inline int rule_for(const struct mb_target *t, struct mb_rule_entry *e,
				    __u32 engine, int nr, __u32 tid)
{
	return e && e->engine == engine && e->rule.kind == MB_RULE_SYSCALL &&
	       e->rule.sys.nr == nr && e->start_ticks == t->start_ticks &&
	       (!e->tid || e->tid == tid);
}

struct decision {
	__u32 tgid, tid, engine;
	int nr, path_ok;
	int path_arg, dirfd_arg;
	__u64 now;
	int fault;
	long rc;
};

/* The path argument of the first path= rule for this call, if any. */
static long path_rule_step(__u32 i, struct decision *d)
{
	struct mb_rule_key key = { .tgid = d->tgid, .idx = i };
	struct mb_target *t = bpf_map_lookup_elem(&mb_targets, &d->tgid);
	struct mb_rule_entry *e;

	if (!t || i >= t->n_rules)
		return 1;
	e = bpf_map_lookup_elem(&mb_rules, &key);
	if (!rule_for(t, e, d->engine, d->nr, d->tid) || !(e->rule.flags & MB_F_PATH))
		return 0;
	d->path_arg = e->rule.sys.path_arg;
	d->dirfd_arg = e->dirfd_arg;
	return 1;
}

/* Rule i: the rules are a bpf_loop too, for the same reason as the walk. */
static long rule_step(__u32 i, struct decision *d)
{
	struct mb_rule_key key = { .tgid = d->tgid, .idx = i };
	struct mb_target *t = bpf_map_lookup_elem(&mb_targets, &d->tgid);
	struct mb_rule_entry *e;
	struct scratch *s;
	__u32 z = 0;
	int fault;

	if (!t || i >= t->n_rules)
		return 1;
	e = bpf_map_lookup_elem(&mb_rules, &key);
	if (!rule_for(t, e, d->engine, d->nr, d->tid))
		return 0;
	if (e->rule.flags & MB_F_PATH) {
		s = bpf_map_lookup_elem(&scratch, &z);
		if (!s || !d->path_ok || !glob_match(s, e->rule.sys.path))
			return 0;
	}
	if (mb_rule_window(&key, t, e, d->now, &fault) < 0)
		return 0;
	d->fault = fault;
	d->rc = e->rule.sys.result == MB_RES_VALUE ? (long)e->rule.sys.value
						   : -(long)e->rule.sys.value;
	return 1;
}

/*
 * The first of the target's rules for this syscall on this engine whose
 * path matches and whose window is open decides (as in the supervisor).
 * Returns 1 with *rc the value the call returns instead, or 0.
 */
static __always_inline int decide(const struct pt_regs *regs, __u32 engine, long *rc)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid, z = 0;
	struct mb_target *t = mb_current_target(&tgid);
	struct decision d = { .tgid = tgid, .tid = (__u32)id, .engine = engine };
	int path_arg = -1, dirfd_arg = -1;
	struct scratch *s;

	if (!t || !(t->flags & MB_TARGET_ARMED))
		return 0;
	if (t->gate_ip && USER_IP(regs) == t->gate_ip)
		return 0;
	s = bpf_map_lookup_elem(&scratch, &z);
	if (!s)
		return 0;
	d.nr = SYS_NR(regs);
	/* One read of the path, whatever number of path= rules look at it
	 * (the same syscall has the same path argument in every rule). */
	d.path_arg = d.dirfd_arg = -1;
	bpf_loop(MB_MAX_RULES, path_rule_step, &d, 0);
	path_arg = d.path_arg;
	dirfd_arg = d.dirfd_arg;
	if (path_arg >= 0)
		d.path_ok = !read_path(regs, path_arg & 7, dirfd_arg, s);
	d.now = bpf_ktime_get_boot_ns();
	bpf_loop(MB_MAX_RULES, rule_step, &d, 0);
	*rc = d.rc;
	return d.fault;
}

SEC("kprobe")
int mb_sys_kprobe(struct pt_regs *ctx)
{
	const struct pt_regs *regs = (const struct pt_regs *)PT_REGS_PARM1(ctx);
	long rc;

	if (decide(regs, MB_ENGINE_KPROBE, &rc))
		bpf_override_return(ctx, (unsigned long)rc);
	return 0;
}

/* Attached with bpf_program__set_attach_target: one load per syscall. */
SEC("fmod_ret")
long mb_sys_fmod_ret(unsigned long long *ctx)
{
	const struct pt_regs *regs = (const struct pt_regs *)ctx[0];
	long rc;

	/* 0 lets the call run, so a fake "+0" is the kprobe engine's. */
	return decide(regs, MB_ENGINE_FMOD_RET, &rc) ? rc : 0;
}

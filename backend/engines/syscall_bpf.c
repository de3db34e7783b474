/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF syscall engines: one program per (engine, syscall), attached to
 * the syscall's entry function the first time a registration needs it and
 * left pinned, so later registrations cost nothing but map updates and
 * `minderbinder unload` removes them with the rest.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engines/syscall_bpf.h"
#include "lib/name_tables.h"
#include "registry/registry.h"
#include "syscall_fault.skel.h"

#if defined(__x86_64__)
#define SYSCALL_PREFIX "__x64_sys_"
#define NATIVE_ARCH MB_ARCH_X86_64
#elif defined(__aarch64__)
#define SYSCALL_PREFIX "__arm64_sys_"
#define NATIVE_ARCH MB_ARCH_AARCH64
#endif

/*
 * Syscalls whose entry function is not named after them (the entry-point
 * column of the kernel's syscall table). It matters: __x64_sys_uname and
 * __x64_sys_stat exist too, as the old i386 calls, and a program attached
 * there would never see an x86-64 uname or stat.
 */
static const struct {
	const char *name, *entry;
} renamed[] = {
#if defined(__x86_64__)
	{ "stat", "newstat" },	 { "fstat", "newfstat" }, { "lstat", "newlstat" },
	{ "uname", "newuname" }, { "umount2", "umount" },
#elif defined(__aarch64__)
	{ "fstat", "newfstat" }, { "uname", "newuname" }, { "umount2", "umount" },
#endif
};

int mb_sysbpf_entry(int nr, char *out, size_t len)
{
	const char *name = mb_syscall_name(NATIVE_ARCH, nr);
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (!strcmp(renamed[i].name, name))
			name = renamed[i].entry;
	if ((size_t)snprintf(out, len, SYSCALL_PREFIX "%s", name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The end of libbpf's last complaint (the verifier's verdict): a load
 * failure then says why in the helper's one-line error. */
static char last_log[160];

static int keep_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (n)
		snprintf(last_log, sizeof(last_log), "%s", n > 150 ? line + n - 150 : line);
	return 0;
}

static int attach_locked(enum mb_engine e, const char *fn, const char *pin,
			 struct mb_error *why)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = MB_PIN_DIR);
	struct syscall_fault_bpf *skel;
	struct bpf_link *link = NULL;
	libbpf_print_fn_t old;
	int err;

	if (mb_pin_exists(pin))
		return 0; /* another helper was first */
	skel = syscall_fault_bpf__open_opts(&opts);
	if (!skel) {
		err = -errno;
		mb_error_set(why, "cannot open the syscall fault program: %s", strerror(-err));
		return err;
	}
	if (e == MB_ENGINE_KPROBE) {
		bpf_program__set_autoload(skel->progs.mb_sys_fmod_ret, false);
	} else {
		bpf_program__set_autoload(skel->progs.mb_sys_kprobe, false);
		err = bpf_program__set_attach_target(skel->progs.mb_sys_fmod_ret, 0, fn);
		if (err == -ESRCH) {
			/* A syscall without arguments has its entry as an alias
			 * of __do_sys_<name>, and BTF knows only that name; the
			 * trampoline goes to the same address, which is the one
			 * on the error-injection list. */
			char alias[96];

			snprintf(alias, sizeof(alias), "__do_sys_%s", fn + strlen(SYSCALL_PREFIX));
			err = bpf_program__set_attach_target(skel->progs.mb_sys_fmod_ret, 0, alias);
		}
		if (err) {
			mb_error_set(why, "no BTF for %s: %s", fn, strerror(-err));
			goto out;
		}
	}
	last_log[0] = '\0';
	old = libbpf_set_print(keep_log);
	err = syscall_fault_bpf__load(skel);
	libbpf_set_print(old);
	if (err) {
		mb_error_set(why, "the kernel refused the %s program for %s: %s (%s)",
			     e == MB_ENGINE_KPROBE ? "kprobe" : "fmod_ret", fn, strerror(-err),
			     last_log);
		goto out;
	}
	if (e == MB_ENGINE_KPROBE)
		link = bpf_program__attach_kprobe(skel->progs.mb_sys_kprobe, false, fn);
	else
		link = bpf_program__attach_trace(skel->progs.mb_sys_fmod_ret);
	if (!link) {
		err = -errno;
		mb_error_set(why, "cannot attach to %s: %s", fn, strerror(-err));
		goto out;
	}
	err = bpf_link__pin(link, pin);
	if (err)
		mb_error_set(why, "cannot pin %s: %s", pin, strerror(-err));
	bpf_link__destroy(link); /* the pin keeps it attached */
out:
	syscall_fault_bpf__destroy(skel);
	return err;
}

int mb_sysbpf_attach(enum mb_engine e, int nr, struct mb_error *why)
{
	char fn[96], pin[192], other[192];
	int err, lock;

	if (e != MB_ENGINE_KPROBE && e != MB_ENGINE_FMOD_RET)
		return -EINVAL;
	err = mb_sysbpf_entry(nr, fn, sizeof(fn));
	if (err) {
		mb_error_set(why, "no syscall number %d on this machine", nr);
		return err;
	}
	snprintf(pin, sizeof(pin), MB_SYSCALL_PROG_PIN_FMT,
		 e == MB_ENGINE_KPROBE ? "kprobe" : "fmod_ret", fn + strlen(SYSCALL_PREFIX));
	if (mb_pin_exists(pin))
		return 0;
	/* Once a trampoline is on a function, the kernel ignores a kprobe's
	 * override there (seen on 6.12): one BPF engine per syscall. */
	snprintf(other, sizeof(other), MB_SYSCALL_PROG_PIN_FMT,
		 e == MB_ENGINE_KPROBE ? "fmod_ret" : "kprobe", fn + strlen(SYSCALL_PREFIX));
	if (mb_pin_exists(other)) {
		mb_error_set(why, "%s already has the %s engine's program, and the two do not mix on one syscall (minderbinder unload resets)",
			     fn, e == MB_ENGINE_KPROBE ? "fmod_ret" : "kprobe");
		return -EBUSY;
	}
	/* One loader at a time: two would both attach, and one pin would fail. */
	lock = mb_registry_lock();
	if (lock < 0) {
		mb_registry_lock_why(lock, why);
		return lock;
	}
	err = attach_locked(e, fn, pin, why);
	mb_registry_unlock(lock);
	return err;
}

int mb_sysbpf_attach_choice(const struct mb_engine_choice *c, int nr, enum mb_engine *used,
			    struct mb_error *why)
{
	int k, err = -ENOENT;

	for (k = 0; k < c->n_bpf; k++) {
		err = mb_sysbpf_attach(c->bpf[k], nr, why);
		if (!err) {
			*used = c->bpf[k];
			return 0;
		}
	}
	*used = c->engine;
	return c->engine == MB_ENGINE_NONE ? err : 0;
}

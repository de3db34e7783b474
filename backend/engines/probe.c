/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/seccomp.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "engines/fq.h"
#include "engines/probe.h"
#include "lib/proc_info.h"

#if defined(__x86_64__)
#define SYSCALL_PREFIX "__x64_sys_"
#elif defined(__aarch64__)
#define SYSCALL_PREFIX "__arm64_sys_"
#endif

static int probe_fmod_ret(struct mb_error *why)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = BPF_MODIFY_RETURN);
	struct btf *btf = btf__load_vmlinux_btf();
	int id, fd, link;

	if (!btf) {
		mb_error_set(why, "no kernel BTF (CONFIG_DEBUG_INFO_BTF is not set)");
		return 0;
	}
	id = btf__find_by_name_kind(btf, SYSCALL_PREFIX "openat", BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0) {
		mb_error_set(why, "no BTF for %sopenat", SYSCALL_PREFIX);
		return 0;
	}
	opts.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "mb_probe", "GPL", insns, 2, &opts);
	if (fd < 0) {
		int e = errno;

		mb_error_set(why, "the kernel refused an fmod_ret program (%s): BPF trampolines or CONFIG_FUNCTION_ERROR_INJECTION missing",
			     strerror(e));
		return 0;
	}
	link = bpf_link_create(fd, 0, BPF_MODIFY_RETURN, NULL);
	if (link < 0) {
		int e = errno;

		close(fd);
		mb_error_set(why, "fmod_ret attach to %sopenat failed (%s)",
			     SYSCALL_PREFIX, strerror(e));
		return 0;
	}
	close(link);
	close(fd);
	return 1;
}

static int probe_kprobe(struct mb_error *why)
{
	if (access("/sys/bus/event_source/devices/kprobe/type", F_OK)) {
		mb_error_set(why, "CONFIG_KPROBES is not set (no kprobe PMU)");
		return 0;
	}
	/* A real load: libbpf's helper probe takes the verifier's "cannot
	 * use helper" (Debian's kernels) for a yes. */
	{
		const struct bpf_insn insns[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 0 },
			{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_override_return },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "mb_probe", "GPL", insns, 4, NULL);

		if (fd < 0) {
			mb_error_set(why, "the kernel refused bpf_override_return (%s): CONFIG_BPF_KPROBE_OVERRIDE is not set",
				     strerror(errno));
			return 0;
		}
		close(fd);
	}
	return 1;
}

static int probe_seccomp(struct mb_error *why)
{
	/* SECCOMP_GET_ACTION_AVAIL answers without installing anything. */
	__u32 action = SECCOMP_RET_USER_NOTIF;

	if (syscall(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action)) {
		mb_error_set(why, "SECCOMP_RET_USER_NOTIF unavailable (%s)",
			     strerror(errno));
		return 0;
	}
	return 1;
}

static int probe_cgroup(struct mb_error *why)
{
	char mnt[256];

	if (mb_cgroup2_mount(mnt, sizeof(mnt))) {
		mb_error_set(why, "cgroup v2 is not mounted");
		return 0;
	}
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_set_retval,
				    NULL) != 1) {
		mb_error_set(why, "bpf_set_retval is unavailable in cgroup socket hooks (Linux < 5.18)");
		return 0;
	}
	return 1;
}

static int probe_tc(struct mb_error *why)
{
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) != 1) {
		mb_error_set(why, "BPF classifiers are unavailable (CONFIG_NET_CLS_BPF is not set)");
		return 0;
	}
	return probe_cgroup(why); /* sockets are tagged by a cgroup hook */
}

int mb_engine_probe(enum mb_engine e, struct mb_error *why)
{
	if (why)
		why->msg[0] = '\0';
	switch (e) {
	case MB_ENGINE_FMOD_RET:
		return probe_fmod_ret(why);
	case MB_ENGINE_KPROBE:
		return probe_kprobe(why);
	case MB_ENGINE_SECCOMP_ERRNO:
	case MB_ENGINE_SECCOMP_NOTIF:
		return probe_seccomp(why);
	case MB_ENGINE_CGROUP:
		return probe_cgroup(why);
	case MB_ENGINE_TC:
		return probe_tc(why);
	case MB_ENGINE_EDT:
		return probe_tc(why) == 1 ? mb_fq_probe(why) : 0;
	default:
		mb_error_set(why, "not probed");
		return 0;
	}
}

/*
 * What this kernel has does not change while our pins live, and probing
 * fmod_ret parses the kernel's BTF (tens of ms): each helper asks a pinned
 * array first. `minderbinder unload` (or a reboot) forgets the answers.
 */
enum { CACHE_UNKNOWN = 0, CACHE_YES = 1, CACHE_NO = 2 };

static int probe_cache(void)
{
	int fd = bpf_obj_get(MB_ENGINE_PROBES_PIN);

	if (fd >= 0)
		return fd;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mb_engine_prob", sizeof(__u32), sizeof(__u32),
			    MB_ENGINE_COUNT, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, MB_ENGINE_PROBES_PIN)) {
		close(fd);
		/* another helper pinned one first: use that */
		fd = bpf_obj_get(MB_ENGINE_PROBES_PIN);
		return fd >= 0 ? fd : -errno;
	}
	return fd;
}

int mb_engine_available(enum mb_engine e)
{
	__u32 key = (__u32)e, val = CACHE_UNKNOWN;
	struct mb_error why;
	int fd, ok;

	if (key >= MB_ENGINE_COUNT)
		return 0;
	fd = probe_cache();
	if (fd >= 0 && !bpf_map_lookup_elem(fd, &key, &val) && val != CACHE_UNKNOWN) {
		close(fd);
		return val == CACHE_YES;
	}
	ok = mb_engine_probe(e, &why) == 1;
	if (fd >= 0) {
		val = ok ? CACHE_YES : CACHE_NO;
		bpf_map_update_elem(fd, &key, &val, BPF_ANY);
		close(fd);
	}
	return ok;
}

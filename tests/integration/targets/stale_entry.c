/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Writes a registry entry by hand, as root, for the BPF programs' use-time
 * checks to refuse (or, for the control, to honour):
 *
 *   stale_entry add PID TICKS UID PORT   entry for PID (scope tree, armed)
 *                                        with start time TICKS ("real":
 *                                        PID's own, "real+N": N more) and
 *                                        registrant uid UID; rules
 *                                        tcp:PORT:ENETUNREACH (cgroup) and
 *                                        mkdirat:EROFS on a BPF syscall
 *                                        engine where the kernel has one
 *   stale_entry remove PID
 *   stale_entry reuse PID               registers PID (its own start time),
 *                                        then acts as the supervisor and
 *                                        the helper would for a process of
 *                                        another start time at the same pid
 *                                        (a reused pid): counting, updating
 *                                        and removing must each leave the
 *                                        entry alone; then for PID itself,
 *                                        which must work. One "NAME rc N"
 *                                        line each (0 or -errno), and
 *                                        "calls N" and "n_rules N" after.
 *
 * Prints "ok" and "sysbpf ENGINE" (none: only the network rule is live).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "engines/net.h"
#include "engines/probe.h"
#include "engines/syscall_bpf.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "registry/registry.h"
#include "lib/spec_parse.h"

static int add(__u32 pid, const char *ticks, __u32 uid, const char *port, struct mb_registry *reg)
{
	static const char *const names[] = { [MB_ENGINE_KPROBE] = "kprobe",
					     [MB_ENGINE_FMOD_RET] = "fmod_ret" };
	struct mb_target t;
	struct mb_spec spec;
	struct mb_defaults d;
	struct mb_error e = { "" };
	struct mb_error ne = { "" }, why = { "" };
	__u32 engines[MB_MAX_RULES] = { 0 };
	enum mb_engine sys = MB_ENGINE_NONE, order[2] = { MB_ENGINE_FMOD_RET, MB_ENGINE_KPROBE };
	const char *force;
	char net[64];
	__u64 real = 0;
	__u32 i;
	int err;

	memset(&t, 0, sizeof(t));
	err = mb_proc_start_ticks((pid_t)pid, &real);
	if (err) {
		fprintf(stderr, "stale_entry: no start time for %u: %s\n", pid, strerror(-err));
		return err;
	}
	if (!strncmp(ticks, "real", 4))
		t.start_ticks = real + (ticks[4] == '+' ? strtoull(ticks + 5, NULL, 10) : 0);
	else
		t.start_ticks = strtoull(ticks, NULL, 10);
	t.uid = uid;
	t.scope = MB_SCOPE_TREE;
	t.flags = MB_TARGET_ARMED;
	mb_defaults_init(&d);
	mb_spec_init(&spec, mb_native_arch());
	snprintf(net, sizeof(net), "tcp:%s:ENETUNREACH", port);
	if (mb_spec_add_net(&spec, "spec", net, &d, &e) ||
	    mb_spec_add_syscalls(&spec, "spec", "mkdirat:EROFS", &d, &e)) {
		fprintf(stderr, "stale_entry: %s\n", e.msg);
		return -EINVAL;
	}
	/* The engine the suite runs under (the VM tier forces one, and a
	 * syscall keeps the first BPF engine put on it), else the best. */
	force = getenv("MINDERBINDER_ENGINE");
	if (force && !strcmp(force, "kprobe"))
		order[0] = MB_ENGINE_KPROBE, order[1] = MB_ENGINE_FMOD_RET;
	for (i = 0; i < spec.n_rules; i++) {
		int k;

		if (spec.rules[i].kind == MB_RULE_NET) {
			engines[i] = MB_ENGINE_CGROUP;
			continue;
		}
		for (k = 0; k < 2 && !sys; k++) {
			if (!mb_engine_available(order[k]))
				continue;
			if (!mb_sysbpf_attach(order[k], spec.rules[i].sys.nr, &why))
				sys = order[k];
			else
				fprintf(stderr, "stale_entry: cannot attach %s: %s\n", names[order[k]], why.msg);
		}
		engines[i] = sys;
	}
	t.n_rules = spec.n_rules;
	err = mb_registry_add(reg, pid, &t, &spec, engines, NULL);
	if (!err)
		err = mb_net_attach("", &ne);
	if (err) {
		fprintf(stderr, "stale_entry: cannot add %u: %s %s\n", pid, strerror(-err), ne.msg);
		return err;
	}
	printf("ok\nsysbpf %s\n", sys ? names[sys] : "none");
	return 0;
}

/* The registry calls that must compare the start time (issue 19, 9). */
static int reuse(__u32 pid, struct mb_registry *reg)
{
	struct mb_rule_key key = { .tgid = pid, .idx = 0 };
	struct mb_target t, other, now;
	struct mb_counters c;
	struct mb_spec spec;
	struct mb_defaults d;
	struct mb_error e = { "" };
	__u32 engines[MB_MAX_RULES] = { MB_ENGINE_SECCOMP_ERRNO };
	int err;

	memset(&t, 0, sizeof(t));
	err = mb_proc_start_ticks((pid_t)pid, &t.start_ticks);
	mb_defaults_init(&d);
	mb_spec_init(&spec, mb_native_arch());
	if (!err && mb_spec_add_syscalls(&spec, "spec", "mkdirat:EROFS", &d, &e))
		err = -EINVAL;
	t.scope = MB_SCOPE_PROCESS;
	t.n_rules = spec.n_rules;
	if (!err)
		err = mb_registry_add(reg, pid, &t, &spec, engines, NULL);
	if (err) {
		fprintf(stderr, "stale_entry: cannot register %u: %s\n", pid, strerror(-err));
		return err;
	}
	other = t;
	other.start_ticks = t.start_ticks + 1;
	other.n_rules = 7;
	printf("count_other rc %d\n", mb_registry_count(reg->counters_fd, pid, other.start_ticks,
							 0, 1, 1, 1));
	printf("update_other rc %d\n", mb_registry_update(reg, pid, &other));
	printf("remove_other rc %d\n", mb_registry_remove_if(reg, pid, other.start_ticks));
	printf("count_own rc %d\n", mb_registry_count(reg->counters_fd, pid, t.start_ticks, 0, 1,
						       1, 1));
	t.n_rules = 1;
	printf("update_own rc %d\n", mb_registry_update(reg, pid, &t));
	if (!bpf_map_lookup_elem(reg->counters_fd, &key, &c))
		printf("calls %llu\n", (unsigned long long)c.calls);
	if (!bpf_map_lookup_elem(reg->targets_fd, &pid, &now))
		printf("n_rules %u\n", now.n_rules);
	printf("remove_own rc %d\n", mb_registry_remove_if(reg, pid, t.start_ticks));
	return 0;
}

int main(int argc, char **argv)
{
	struct mb_registry reg;
	int err;

	if (argc < 3 || (!strcmp(argv[1], "add") && argc != 6)) {
		fprintf(stderr, "usage: stale_entry add PID TICKS UID PORT | remove PID | reuse PID\n");
		return 2;
	}
	err = mb_registry_open(&reg);
	if (err) {
		fprintf(stderr, "stale_entry: cannot open the registry: %s\n", strerror(-err));
		return 1;
	}
	if (!strcmp(argv[1], "add"))
		err = add((__u32)atoi(argv[2]), argv[3], (__u32)atoi(argv[4]), argv[5], &reg);
	else if (!strcmp(argv[1], "reuse"))
		err = reuse((__u32)atoi(argv[2]), &reg);
	else
		err = mb_registry_remove(&reg, (__u32)atoi(argv[2]));
	mb_registry_close(&reg);
	return err ? 1 : 0;
}

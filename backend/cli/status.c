/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* minderbinder status: what this kernel offers, what is pinned, who is a
 * target right now. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli/cli.h"
#include "engines/probe.h"
#include "engines/sock_tag.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "mb_paths.h"
#include "minderbinder/registry.h"
#include "registry/quota.h"
#include "lib/quota_config.h"
#include "lib/register_self.h"
#include "registry/registry.h"
#include "lib/spec_parse.h"

static void print_engines(void)
{
	static const struct {
		enum mb_engine e;
		const char *name;
	} engines[] = {
		{ MB_ENGINE_FMOD_RET, "fmod_ret" },
		{ MB_ENGINE_KPROBE, "kprobe" },
		{ MB_ENGINE_SECCOMP_NOTIF, "seccomp" },
		{ MB_ENGINE_CGROUP, "cgroup" },
		{ MB_ENGINE_TC, "tc" },
	};
	char why[256];
	size_t i;

	printf("engines (syscall faults in order of preference, then network faults):\n");
	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		int ok = mb_engine_probe(engines[i].e, why, sizeof(why));

		if (ok == 1)
			printf("  %-9s available\n", engines[i].name);
		else
			printf("  %-9s unavailable: %s\n", engines[i].name, why);
	}
	if (mb_sock_tag_probe(why, sizeof(why)))
		printf("  drop rules on sockets held before registration: available (task_file, tcp and udp iterators)\n");
	else
		printf("  drop rules on sockets held before registration: unavailable: %s\n", why);
}

static void print_comm(__u32 pid)
{
	char comm[32];

	if (mb_proc_comm((pid_t)pid, comm, sizeof(comm)))
		snprintf(comm, sizeof(comm), "?");
	comm[strcspn(comm, "\n")] = '\0';
	printf("%s", comm);
}

static void print_targets(void)
{
	struct mb_registry reg = { -1, -1, -1 };
	__u32 key, next, *prev = NULL;
	int n = 0;

	reg.targets_fd = bpf_obj_get(MB_TARGETS_PIN);
	reg.rules_fd = bpf_obj_get(MB_RULES_PIN);
	reg.counters_fd = bpf_obj_get(MB_COUNTERS_PIN);
	if (reg.targets_fd < 0 || reg.rules_fd < 0 || reg.counters_fd < 0) {
		printf("registry: not loaded (%s)\n", strerror(errno));
		mb_registry_close(&reg);
		return;
	}
	printf("registry: pinned at %s\ntargets:\n", MB_PIN_DIR);
	while (!bpf_map_get_next_key(reg.targets_fd, prev, &next)) {
		struct mb_target t;
		struct mb_rule_key rk = { .tgid = next };

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(reg.targets_fd, &key, &t))
			continue;
		n++;
		printf("  pid %u (", key);
		print_comm(key);
		printf(") uid %u scope %s supervisor %u cgroup %llu\n", t.uid,
		       t.scope == MB_SCOPE_PROCESS ? "process" : "tree", t.supervisor,
		       (unsigned long long)t.cgroup_id);
		for (rk.idx = 0; rk.idx < t.n_rules && rk.idx < MB_MAX_RULES; rk.idx++) {
			struct mb_rule_entry e;
			struct mb_counters c;
			char text[512];

			if (bpf_map_lookup_elem(reg.rules_fd, &rk, &e))
				continue;
			mb_rule_format(&e.rule, mb_native_arch(), text, sizeof(text));
			printf("    [%u] %-40s %s", rk.idx, text,
			       mb_engine_name((enum mb_engine)e.engine));
			if (e.engine == MB_ENGINE_SECCOMP_ERRNO)
				printf("  (answered in the filter: not counted)\n");
			else if (!bpf_map_lookup_elem(reg.counters_fd, &rk, &c))
				printf("  calls %llu faults %llu\n", (unsigned long long)c.calls,
				       (unsigned long long)c.faults);
			else
				printf("\n");
		}
	}
	if (!n)
		printf("  (none)\n");
	mb_registry_close(&reg);
}

/* Who holds what of their quota; uids that hold nothing and were never
 * refused are left out. */
static void print_quota(void)
{
	struct mb_quota_limits l = { 0 };
	struct mb_quota_usage u;
	__u32 key, next, *prev = NULL, z = 0;
	int fd = bpf_obj_get(MB_QUOTA_LIMITS_PIN), n = 0;

	if (fd < 0)
		return;
	bpf_map_lookup_elem(fd, &z, &l);
	close(fd);
	if (!l.set)
		mb_quota_defaults(&l);
	printf("quota (%s [quota]): %u targets, %u rule entries per uid; root: the registry's size\n",
	       MB_CONFIG_PATH, l.targets, l.rules);
	fd = bpf_obj_get(MB_QUOTA_PIN);
	if (fd < 0)
		return;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &u) || !(u.targets | u.rules | u.refused))
			continue;
		n++;
		printf("  uid %u holds %u targets, %u rule entries; %u forks refused since load\n", key,
		       u.targets, u.rules, u.refused);
	}
	if (!n)
		printf("  (nobody holds anything)\n");
	close(fd);
}

int mb_cli_status(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: minderbinder status\n"
		       "Print the engines this kernel offers (or what each lacks), the pinned\n"
		       "registry, and the live targets with their rules and counters.\n"
		       "Needs root (probing loads BPF programs).\n");
		return 0;
	}
	if (geteuid() != 0)
		return mb_cli_fail(1, "status: needs root to probe the kernel and read the registry");
	print_engines();
	print_targets();
	print_quota();
	return 0;
}

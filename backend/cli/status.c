/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* minderbinder status: what this kernel offers, what is pinned, who is a
 * target right now (read by registry/snapshot.c, as `stats` reads it). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli/cli.h"
#include "engines/probe.h"
#include "lib/inproc.h"
#include "lib/proc_info.h"
#include "engines/sock_tag.h"
#include "lib/escape.h"
#include "mb_paths.h"
#include "minderbinder/registry.h"
#include "registry/quota.h"
#include "lib/quota_config.h"
#include "lib/register_self.h"
#include "registry/snapshot.h"

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
		{ MB_ENGINE_EDT, "edt" },
	};
	struct mb_error why;
	size_t i;

	printf("engines (syscall faults in order of preference, then network faults):\n");
	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		int ok = mb_engine_probe(engines[i].e, &why);

		if (ok == 1)
			printf("  %-9s available\n", engines[i].name);
		else
			printf("  %-9s unavailable: %s\n", engines[i].name, why.msg);
	}
	if (mb_sock_tag_probe(why.msg, sizeof(why.msg)))
		printf("  drop rules on sockets held before registration: available (task_file, tcp and udp iterators)\n");
	else
		printf("  drop rules on sockets held before registration: unavailable: %s\n", why.msg);
	if (mb_sock_reset_probe(why.msg, sizeof(why.msg)))
		printf("  reset rules on connections held at registration: available (bpf_sock_destroy)\n");
	else
		printf("  reset rules on connections held at registration: unavailable: %s\n", why.msg);
}

/* Which path a supervised rule took (MINDERBINDER_SUPERVISED, lib/inproc.h),
 * from the agent's report in the target's maps, on a line of its own under
 * the rule; no report (the variable unset, a static target, the C API):
 * the supervisor, and no line. */
static void print_path(const char *paths, __u32 idx)
{
	enum mb_inproc_why w = MB_IP_COUNT;

	if (strlen(paths + 2) > idx)
		w = mb_inproc_from_letter(paths[2 + idx]);
	if (w == MB_IP_YES)
		printf("        path: in-process\n");
	else
		printf("        path: supervisor (not in-process: %s)\n", mb_inproc_why_text(w));
}

static void print_targets(void)
{
	struct mb_snapshot s;
	size_t i;
	__u32 j;
	int err = mb_snapshot_read(&s);

	if (err || !s.loaded) {
		printf("registry: not loaded (%s)\n", strerror(err ? -err : ENOENT));
		return;
	}
	printf("registry: pinned at %s\ntargets:\n", MB_PIN_DIR);
	for (i = 0; i < s.n; i++) {
		const struct mb_snapshot_target *t = &s.targets[i];
		char pidns[64], paths[64];
		int have_paths;

		printf("  pid %u (%.*s) uid %u scope %s supervisor %u cgroup %llu", t->pid,
		       (int)strcspn(t->comm, "\n"), t->comm, t->t.uid,
		       t->t.scope == MB_SCOPE_PROCESS ? "process" : "tree", t->t.supervisor,
		       (unsigned long long)t->t.cgroup_id);
		/* Which container: the path of the cgroup it registered in, or
		 * where it has been moved since; then the pid namespace
		 * ("host", or its inode and the pid in there). */
		if (t->have_where && t->where.cgroup[0]) {
			fputs(t->where.cgroup_id == t->t.cgroup_id ? " (" : " (now in ", stdout);
			mb_escape_file(stdout, t->where.cgroup, MB_ESC_TEXT);
			fputc(')', stdout);
		}
		mb_snapshot_pidns_text(t, pidns, sizeof(pidns));
		printf("%s%s\n", pidns[0] ? " " : "", pidns);
		have_paths = t->comm[0] != '?' &&
			     !mb_proc_inproc_paths((pid_t)t->pid, paths, sizeof(paths)) &&
			     paths[0] && paths[1] == ':';
		for (j = 0; j < t->n_rules; j++) {
			const struct mb_snapshot_rule *r = &t->rules[j];

			printf("    [%u] %-40s %s", r->idx, r->text,
			       mb_engine_name((enum mb_engine)r->engine));
			if (r->how == MB_IN_FILTER)
				printf("  (answered in the filter: not counted)\n");
			else
				printf("  calls %llu faults %llu\n", (unsigned long long)r->calls,
				       (unsigned long long)r->faults);
			if (have_paths && r->engine == MB_ENGINE_SECCOMP_NOTIF)
				print_path(paths, r->idx);
		}
	}
	if (!s.n)
		printf("  (none)\n");
	mb_snapshot_free(&s);
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
	/* The daemon's policy file is its own --policy: only the daemon knows
	 * its path (its first line on stderr names it). */
	printf("quota (%s [quota]): %u targets, %u rule entries per uid; root: the registry's size\n",
	       l.set == MB_QUOTA_FROM_POLICY ? "the node daemon's policy" : MB_CONFIG_PATH,
	       l.targets, l.rules);
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
	static const char status_usage[] =
		"Usage: minderbinder status\n"
		"Print the engines this kernel offers (or what each lacks), the pinned\n"
		"registry, and the live targets with their rules and counters.\n"
		"Needs root (probing loads BPF programs).\n";

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(status_usage, stdout);
		return 0;
	}
	/* Nothing else is an option: a typo must not look like an answer. */
	if (argc > 1) {
		fputs(status_usage, stderr);
		return mb_cli_fail(2, "status: unexpected argument '%s'", argv[1]);
	}
	if (geteuid() != 0)
		return mb_cli_fail(1, "status: needs root to probe the kernel and read the registry");
	print_engines();
	print_targets();
	print_quota();
	return 0;
}

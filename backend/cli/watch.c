/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder watch FILE: the seed's mode. Every process whose name
 * (comm) a section of FILE lists in `targets` becomes a target when it
 * execs, with that section's rule; processes already running are left
 * alone. A BPF program on sched_process_exec (watch.bpf.c) does it in the
 * kernel; this process only loads it, reports, and on SIGINT/SIGTERM
 * detaches it and removes the targets it made.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli/cli.h"
#include "engines/net.h"
#include "engines/probe.h"
#include "engines/syscall_bpf.h"
#include "lib/ini_config.h"
#include "minderbinder/watch.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "lib/register_self.h"
#include "registry/registry.h"
#include "lib/spec_parse.h"
#include "watch.skel.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: minderbinder watch [OPTION]... FILE\n"
		"Fault every process whose name (comm) a section of the INI FILE lists in\n"
		"`targets`, from the moment it starts (execs), with that section's rule.\n"
		"Processes already running are left alone. Runs until SIGINT/SIGTERM, then\n"
		"removes the targets it made.\n\n"
		"      --interface NAME    drop rules act on this interface only (repeatable;\n"
		"                          default: every interface that is up, lo included)\n"
		"      --skip-unsupported  run the sections this kernel supports, warn about\n"
		"                          the others (default: refuse the whole file)\n"
		"  -h, --help              this text\n\n"
		"Example:\n"
		"  minderbinder watch --skip-unsupported examples/chaos.ini\n\n"
		"Exit status: 0 when stopped by SIGINT/SIGTERM, 1 on a runtime error, 2 for\n"
		"bad options, a bad FILE or sections this kernel cannot serve.\n");
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct watch_ctx {
	const struct mb_ini_config *cfg;
	const unsigned *tmpl_section; /* template index -> section index */
	unsigned n_tmpl;
	unsigned n_targeted;
};

static const char *section_kind(const struct mb_ini_section *s)
{
	return s->rule.kind == MB_RULE_SYSCALL ? "syscall" : "outgoing_network";
}

/* MINDERBINDER_ENGINE for watch's syscall sections: the BPF engines to
 * try, best first. 0 candidates with why set: the variable is bad. */
static int syscall_candidates(enum mb_engine out[2], char *why, size_t len)
{
	const char *v = getenv("MINDERBINDER_ENGINE");
	enum mb_engine_wish wish = MB_WISH_AUTO;
	struct mb_error err;

	if (v && *v && mb_engine_wish_parse("MINDERBINDER_ENGINE", v, &wish, &err)) {
		snprintf(why, len, "%s", err.msg);
		return -EINVAL;
	}
	switch (wish) {
	case MB_WISH_KPROBE:
		out[0] = MB_ENGINE_KPROBE;
		return 1;
	case MB_WISH_FMOD_RET:
		out[0] = MB_ENGINE_FMOD_RET;
		return 1;
	case MB_WISH_SECCOMP:
		snprintf(why, len, "MINDERBINDER_ENGINE=seccomp: watch cannot put a filter into a process it did not start");
		return -EINVAL;
	default:
		out[0] = MB_ENGINE_FMOD_RET;
		out[1] = MB_ENGINE_KPROBE;
		return 2;
	}
}

/*
 * Whether this kernel can serve a section's rule from watch mode, and the
 * engines to try for it, best first (*n of them); why says what is
 * missing when not.
 */
static int section_supported(const struct mb_ini_section *s, enum mb_engine *eng, int *n,
			     char *why, size_t len)
{
	enum mb_engine cand[2];
	char w[2][200];
	int k, c, ok = 0;

	*n = 0;
	if (s->rule.kind == MB_RULE_NET) {
		enum mb_engine e = s->rule.net.action == MB_NET_DROP ? MB_ENGINE_TC
								     : MB_ENGINE_CGROUP;

		eng[(*n)++] = e;
		if (mb_engine_probe(e, w[0], sizeof(w[0])) == 1)
			return 1;
		snprintf(why, len, "the %s engine is unavailable on this kernel: %s",
			 e == MB_ENGINE_TC ? "tc" : "cgroup", w[0]);
		return 0;
	}
	/* A syscall rule: watch cannot reach into a process it did not start
	 * (no seccomp filter, no agent), so only a BPF syscall engine will do. */
	c = syscall_candidates(cand, why, len);
	if (c < 0)
		return 0;
	for (k = 0; k < c; k++) {
		int p = mb_engine_probe(cand[k], w[k], sizeof(w[k]));

		if (p != 1) {
			if (p < 0)
				snprintf(w[k], sizeof(w[k]), "%s", strerror(-p));
			continue;
		}
		if (!mb_sysbpf_can_express(cand[k], &s->rule, w[k], sizeof(w[k])))
			continue;
		eng[(*n)++] = cand[k];
		ok = 1;
	}
	if (ok)
		return 1;
	if (c == 1)
		snprintf(why, len, "watch mode needs a BPF syscall engine; %s: %s",
			 mb_engine_name(cand[0]), w[0]);
	else
		snprintf(why, len, "watch mode needs a BPF syscall engine; fmod_ret: %s; kprobe: %s",
			 w[0], w[1]);
	return 0;
}

static int on_event(void *ctx_, void *data, size_t size)
{
	const struct mb_watch_event *ev = data;
	struct watch_ctx *ctx = ctx_;
	char buf[512];
	unsigned i, first = 1;

	if (size < sizeof(*ev))
		return 0;
	ctx->n_targeted++;
	printf("watch: targeting pid %u (%.*s) with", ev->tgid, MB_WATCH_COMM_LEN, ev->comm);
	for (i = 0; i < ctx->n_tmpl; i++) {
		const struct mb_ini_section *s;

		if (!(ev->mask & (1ULL << i)))
			continue;
		s = &ctx->cfg->sections[ctx->tmpl_section[i]];
		if (mb_rule_format(&s->rule, mb_native_arch(), buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "?");
		printf("%s [%s %s] %s", first ? "" : ",", section_kind(s), s->name, buf);
		first = 0;
	}
	printf("\n");
	fflush(stdout);
	return 0;
}

/* Forgets the owned entries whose process is gone (the registry's exit
 * program removed its target), so a long watch does not fill the map. */
static void prune_owned(int owned_fd, struct mb_registry *reg)
{
	__u32 key, next, *prev = NULL;
	__u32 gone[256];
	unsigned n = 0, i;
	struct mb_target t;
	__u64 ticks;

	while (n < 256 && !bpf_map_get_next_key(owned_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(owned_fd, &key, &ticks))
			continue;
		if (mb_registry_lookup(reg, key, ticks, &t))
			gone[n++] = key;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(owned_fd, &gone[i]);
}

static void read_comm(__u32 pid, char *out, size_t len)
{
	if (mb_proc_comm((pid_t)pid, out, len))
		snprintf(out, len, "?");
	out[strcspn(out, "\n")] = '\0';
}

/* Removes every target watch made that is still the same process. */
static unsigned remove_owned(int owned_fd, int rng_fd, struct mb_registry *reg)
{
	__u32 key, next, *prev = NULL;
	struct mb_rule_key rk;
	struct mb_target t;
	unsigned removed = 0;
	char comm[32];
	__u64 ticks;
	int err;

	while (!bpf_map_get_next_key(owned_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(owned_fd, &key, &ticks) ||
		    mb_registry_lookup(reg, key, ticks, &t))
			continue; /* exited: the registry already forgot it */
		read_comm(key, comm, sizeof(comm));
		err = mb_registry_remove(reg, key);
		if (err) {
			fprintf(stderr, "minderbinder: watch: failed to remove target pid %u: %s\n",
				key, strerror(-err));
			continue;
		}
		rk.tgid = key;
		for (rk.idx = 0; rng_fd >= 0 && rk.idx < MB_MAX_RULES; rk.idx++)
			bpf_map_delete_elem(rng_fd, &rk);
		printf("watch: removed target pid %u (%s)\n", key, comm);
		removed++;
	}
	return removed;
}

int mb_cli_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "skip-unsupported", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char ifaces[256] = "", why[600];
	__u32 ifindex[MB_MAX_TARGET_IFACES] = { 0 };
	unsigned n_if = 0, i, j, n_tmpl = 0, n_names = 0, unsupported = 0;
	unsigned tmpl_section[MB_MAX_RULES];
	enum mb_engine tmpl_engines[MB_MAX_RULES + 1][2];
	int n_engines[MB_MAX_RULES + 1], any_net = 0;
	struct mb_registry reg = { -1, -1, -1 };
	struct mb_error err = { "" };
	struct mb_net_error ne;
	struct mb_ini_config *cfg;
	struct watch_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct watch_ctx ctx = { 0 };
	struct sigaction sa;
	const char *file;
	int c, skip = 0, ret = 1, owned_fd, rng_fd;
	time_t last_prune;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (strlen(ifaces) + strlen(optarg) + 2 > sizeof(ifaces) ||
			    strchr(optarg, ',') || !*optarg)
				return mb_cli_fail(2, "--interface: bad name '%s'", optarg);
			if (!if_nametoindex(optarg))
				return mb_cli_fail(2, "--interface: no interface '%s' here", optarg);
			if (n_if == MB_MAX_TARGET_IFACES)
				return mb_cli_fail(2, "--interface: at most %d interfaces",
						   MB_MAX_TARGET_IFACES);
			ifindex[n_if++] = if_nametoindex(optarg);
			if (*ifaces)
				strcat(ifaces, ",");
			strcat(ifaces, optarg);
			break;
		case 'k':
			skip = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return mb_cli_fail(2, "watch: %s", optind >= argc ? "no INI file given"
								  : "one INI file only");
	}
	file = argv[optind];
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return mb_cli_fail(1, "out of memory");
	if (mb_ini_load(file, mb_native_arch(), cfg, &err)) {
		free(cfg);
		return mb_cli_fail(2, "%s", err.msg);
	}

	/* Every section is checked before anything is attached. */
	for (i = 0; i < cfg->n_sections; i++) {
		const struct mb_ini_section *s = &cfg->sections[i];

		if (!section_supported(s, tmpl_engines[n_tmpl], &n_engines[n_tmpl], why,
				       sizeof(why))) {
			unsupported++;
			if (skip)
				fprintf(stderr, "minderbinder: warning: %s:%u: [%s %s]: skipped: %s\n",
					file, s->line, section_kind(s), s->name, why);
			else
				fprintf(stderr, "minderbinder: %s:%u: [%s %s]: %s\n", file, s->line,
					section_kind(s), s->name, why);
			continue;
		}
		if (n_tmpl == MB_MAX_RULES) {
			fprintf(stderr, "minderbinder: warning: %s:%u: [%s %s]: skipped: only the first %d rules run\n",
				file, s->line, section_kind(s), s->name, MB_MAX_RULES);
			continue;
		}
		tmpl_section[n_tmpl++] = i;
	}
	if (unsupported && !skip) {
		free(cfg);
		return mb_cli_fail(2, "watch: %s: %u section%s this kernel cannot serve; nothing attached "
				   "(--skip-unsupported runs the others)",
				   file, unsupported, unsupported == 1 ? "" : "s");
	}
	if (!n_tmpl) {
		free(cfg);
		return mb_cli_fail(2, "watch: %s: no section to run", file);
	}
	if (geteuid() != 0) {
		free(cfg);
		return mb_cli_fail(1, "watch: needs root");
	}

	ret = mb_registry_open(&reg);
	if (ret) {
		mb_cli_fail(1, "watch: cannot open the registry: %s", strerror(-ret));
		goto out;
	}
	/* The BPF syscall engine of each syscall section, on its syscall;
	 * for network sections, the socket tagging and cgroup hooks, and the
	 * tc filter on the interfaces (--interface). */
	for (i = 0; i < n_tmpl; i++) {
		const struct mb_ini_section *s = &cfg->sections[tmpl_section[i]];
		int k;

		if (s->rule.kind == MB_RULE_NET) {
			any_net = 1;
			continue;
		}
		for (k = 0, ret = -ENOENT; k < n_engines[i] && ret; k++) {
			ret = mb_sysbpf_attach(tmpl_engines[i][k], s->rule.sys.nr, why, sizeof(why));
			if (!ret)
				tmpl_engines[i][0] = tmpl_engines[i][k];
		}
		if (ret) {
			mb_cli_fail(1, "watch: %s:%u: [syscall %s]: %s", file, s->line, s->name, why);
			goto out;
		}
	}
	if (any_net && (ret = mb_net_attach_held(ifaces, (__u32)getpid(), &ne))) {
		mb_cli_fail(1, "watch: %s", ne.msg);
		goto out;
	}

	{
		LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = MB_PIN_DIR);

		skel = watch_bpf__open_opts(&opts);
	}
	if (!skel) {
		ret = -errno;
		mb_cli_fail(1, "watch: cannot open the BPF program: %s", strerror(-ret));
		goto out;
	}
	memcpy((void *)skel->rodata->watch_ifindex, ifindex, sizeof(ifindex));
	ret = watch_bpf__load(skel);
	if (ret) {
		mb_cli_fail(1, "watch: cannot load the BPF program: %s", strerror(-ret));
		goto out;
	}
	for (i = 0; i < n_tmpl; i++) {
		const struct mb_ini_section *s = &cfg->sections[tmpl_section[i]];
		struct mb_watch_rule r;

		memset(&r, 0, sizeof(r));
		r.entry.engine = tmpl_engines[i][0];
		r.entry.rule = s->rule;
		r.entry.dirfd_arg = s->rule.kind == MB_RULE_SYSCALL
					    ? mb_syscall_dirfd_arg(mb_syscall_name(mb_native_arch(),
										   s->rule.sys.nr))
					    : -1;
		r.rng = mb_rule_rng_state(&s->rule);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.watch_rules), &i, &r, BPF_ANY)) {
			ret = -errno;
			mb_cli_fail(1, "watch: cannot fill the rule map: %s", strerror(-ret));
			goto out;
		}
		for (j = 0; j < s->n_targets; j++) {
			struct mb_watch_comm key;
			struct mb_watch_names v = { 0 };
			int fd = bpf_map__fd(skel->maps.watch_names);

			memset(&key, 0, sizeof(key));
			strncpy(key.name, s->targets[j], sizeof(key.name) - 1);
			if (bpf_map_lookup_elem(fd, &key, &v))
				n_names++;
			if (v.mask & (1ULL << i))
				continue;
			v.mask |= 1ULL << i;
			v.idx[v.n++] = (__u8)i;
			if (bpf_map_update_elem(fd, &key, &v, BPF_ANY)) {
				ret = -errno;
				mb_cli_fail(1, "watch: cannot fill the name map: %s", strerror(-ret));
				goto out;
			}
		}
	}
	ctx.cfg = cfg;
	ctx.tmpl_section = tmpl_section;
	ctx.n_tmpl = n_tmpl;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.watch_events), on_event, &ctx, NULL);
	if (!rb) {
		ret = -errno;
		mb_cli_fail(1, "watch: cannot open the event ring: %s", strerror(-ret));
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: the poll returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = watch_bpf__attach(skel);
	if (ret) {
		mb_cli_fail(1, "watch: cannot attach to sched_process_exec: %s", strerror(-ret));
		goto out;
	}
	for (i = 0; i < n_tmpl; i++) {
		const struct mb_ini_section *s = &cfg->sections[tmpl_section[i]];
		char buf[512];

		if (mb_rule_format(&s->rule, mb_native_arch(), buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "?");
		printf("watch: [%s %s] %s for", section_kind(s), s->name, buf);
		for (j = 0; j < s->n_targets; j++)
			printf(" %s", s->targets[j]);
		printf("\n");
	}
	printf("watch: ready: %u rule%s, %u process name%s%s%s\n", n_tmpl, n_tmpl == 1 ? "" : "s",
	       n_names, n_names == 1 ? "" : "s", *ifaces ? ", drop on " : "", ifaces);
	fflush(stdout);

	owned_fd = bpf_map__fd(skel->maps.watch_owned);
	rng_fd = bpf_map__fd(skel->maps.mb_rule_rng);
	last_prune = time(NULL);
	while (!stop) {
		int n = ring_buffer__poll(rb, 1000);

		if (n < 0 && n != -EINTR) {
			mb_cli_fail(1, "watch: reading events: %s", strerror(-n));
			break;
		}
		if (time(NULL) - last_prune >= 10) {
			prune_owned(owned_fd, &reg);
			last_prune = time(NULL);
		}
	}
	/* Detach first: no new target while we remove the old ones. */
	watch_bpf__detach(skel);
	ring_buffer__consume(rb);
	{
		unsigned removed = remove_owned(owned_fd, rng_fd, &reg);

		printf("watch: stopped: targeted %u process%s, removed %u target%s still running\n",
		       ctx.n_targeted, ctx.n_targeted == 1 ? "" : "es", removed,
		       removed == 1 ? "" : "s");
		fflush(stdout);
	}
	ret = stop ? 0 : 1;
out:
	ring_buffer__free(rb);
	watch_bpf__destroy(skel);
	mb_registry_close(&reg);
	free(cfg);
	return ret < 0 ? 1 : ret;
}

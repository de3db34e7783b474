/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder watch FILE: the original project's mode. Every process whose name
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
#include <unistd.h>

#include "cli/cli.h"
#include "engines/net.h"
#include "engines/probe.h"
#include "engines/select.h"
#include "engines/syscall_bpf.h"
#include "engines/watch.h"
#include "lib/ini_config.h"
#include "minderbinder/watch.h"
#include "lib/name_tables.h"
#include "lib/register_self.h"
#include "lib/spec_parse.h"

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

/* MINDERBINDER_ENGINE, and what the kernel has of each engine the
 * sections may need: what the choice (engines/select) needs to know. */
static void ask_engines(const struct mb_ini_config *cfg, struct mb_select *sel,
		       struct mb_engine_answers *a, enum mb_engine cand[2], int *n_cand,
		       struct mb_error *cand_err)
{
	const char *v = getenv("MINDERBINDER_ENGINE");
	bool need[MB_ENGINE_COUNT] = { false };
	unsigned i;
	int k;

	memset(a, 0, sizeof(*a));
	memset(sel, 0, sizeof(*sel));
	sel->wish = MB_WISH_AUTO;
	sel->watch = true;
	sel->answers = a;
	if (v && *v && mb_engine_wish_parse("MINDERBINDER_ENGINE", v, &sel->wish, cand_err))
		*n_cand = -EINVAL;
	else
		*n_cand = mb_engine_candidates(sel, cand, cand_err);
	for (i = 0; i < cfg->n_sections; i++) {
		const struct mb_rule *r = &cfg->sections[i].rule;

		if (r->kind == MB_RULE_NET && r->net.action == MB_NET_SHAPE)
			need[MB_ENGINE_EDT] = true; /* no supervisor here: fq or nothing */
		else if (r->kind == MB_RULE_NET)
			need[mb_engine_for_net(r)] = true;
		else
			for (k = 0; k < *n_cand; k++)
				need[cand[k]] = true;
	}
	for (k = 0; k < MB_ENGINE_COUNT; k++)
		if (need[k])
			a->ok[k] = mb_engine_probe((enum mb_engine)k, &a->why[k]);
}

/*
 * Whether this kernel can serve a section's rule from watch mode (0), and
 * the engines to try for it, best first; why says what is missing when
 * not. A syscall rule: watch cannot reach into a process it did not start
 * (no seccomp filter, no agent), so only a BPF syscall engine will do.
 */
static int section_supported(const struct mb_ini_section *s, const struct mb_select *sel,
			     const enum mb_engine cand[2], int n_cand,
			     const struct mb_error *cand_err, struct mb_engine_choice *c,
			     struct mb_error *why)
{
	if (s->rule.kind != MB_RULE_NET && n_cand < 0) {
		*why = *cand_err;
		return n_cand;
	}
	return mb_engine_choose(sel, cand, n_cand < 0 ? 0 : n_cand, &s->rule, c, why);
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

static void print_removed(__u32 pid, const char *comm, int err, void *ctx)
{
	(void)ctx;
	if (err)
		mb_cli_fail(1, "watch: failed to remove target pid %u: %s", pid, strerror(-err));
	else
		printf("watch: removed target pid %u (%s)\n", pid, comm);
}

int mb_cli_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "skip-unsupported", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char ifaces[256] = "";
	__u32 ifindex[MB_MAX_TARGET_IFACES] = { 0 };
	unsigned n_if = 0, i, j, n_tmpl = 0, n_names = 0, unsupported = 0;
	unsigned tmpl_section[MB_MAX_RULES];
	struct mb_engine_choice tmpl_engines[MB_MAX_RULES + 1];
	enum mb_engine cand[2], used;
	struct mb_engine_answers answers;
	struct mb_select sel;
	int n_cand, any_net = 0;
	struct mb_error err = { "" }, cand_err = { "" };
	struct mb_ini_config *cfg;
	struct mb_watch w;
	struct watch_ctx ctx = { 0 };
	struct sigaction sa;
	const char *file;
	int c, skip = 0, ret = 1;

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
	ask_engines(cfg, &sel, &answers, cand, &n_cand, &cand_err);
	for (i = 0; i < cfg->n_sections; i++) {
		const struct mb_ini_section *s = &cfg->sections[i];

		if (section_supported(s, &sel, cand, n_cand, &cand_err, &tmpl_engines[n_tmpl],
				      &err)) {
			unsupported++;
			if (skip)
				fprintf(stderr, "minderbinder: warning: %s:%u: [%s %s]: skipped: %s\n",
					file, s->line, section_kind(s), s->name, err.msg);
			else
				fprintf(stderr, "minderbinder: %s:%u: [%s %s]: %s\n", file, s->line,
					section_kind(s), s->name, err.msg);
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

	mb_watch_init(&w);
	ret = mb_watch_open_registry(&w, &err);
	if (ret)
		goto fail;
	/* The BPF syscall engine of each syscall section, on its syscall;
	 * for network sections, the socket tagging and cgroup hooks, and the
	 * tc filter on the interfaces (--interface). */
	for (i = 0; i < n_tmpl; i++) {
		const struct mb_ini_section *s = &cfg->sections[tmpl_section[i]];

		if (s->rule.kind == MB_RULE_NET) {
			any_net = tmpl_engines[i].engine == MB_ENGINE_EDT ? 2 : any_net ? any_net : 1;
			continue;
		}
		ret = mb_sysbpf_attach_choice(&tmpl_engines[i], s->rule.sys.nr, &used, &err);
		if (ret) {
			mb_cli_fail(1, "watch: %s:%u: [syscall %s]: %s", file, s->line, s->name,
				    err.msg);
			goto out;
		}
		tmpl_engines[i].engine = used;
	}
	if (any_net == 2 && (ret = mb_net_attach_fq(ifaces, &err)))
		goto fail;
	if (any_net && (ret = mb_net_attach_held(ifaces, (__u32)getpid(), &err)))
		goto fail;
	ret = mb_watch_load(&w, ifindex, &err);
	for (i = 0; !ret && i < n_tmpl; i++) {
		const struct mb_ini_section *s = &cfg->sections[tmpl_section[i]];

		ret = mb_watch_add_rule(&w, i, &s->rule, tmpl_engines[i].engine, s->targets,
					s->n_targets, &n_names, &err);
	}
	if (ret)
		goto fail;
	ctx.cfg = cfg;
	ctx.tmpl_section = tmpl_section;
	ctx.n_tmpl = n_tmpl;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: the poll returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = mb_watch_start(&w, on_event, &ctx, &err);
	if (ret)
		goto fail;
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

	while (!stop) {
		int n = mb_watch_poll(&w, 1000);

		if (n < 0 && n != -EINTR) {
			mb_cli_fail(1, "watch: reading events: %s", strerror(-n));
			break;
		}
	}
	{
		unsigned removed = mb_watch_stop(&w, print_removed, NULL);

		printf("watch: stopped: targeted %u process%s, removed %u target%s still running\n",
		       ctx.n_targeted, ctx.n_targeted == 1 ? "" : "es", removed,
		       removed == 1 ? "" : "s");
		fflush(stdout);
	}
	ret = stop ? 0 : 1;
	goto out;
fail:
	mb_cli_fail(1, "watch: %s", err.msg);
out:
	mb_watch_close(&w);
	free(cfg);
	return ret < 0 ? 1 : ret;
}

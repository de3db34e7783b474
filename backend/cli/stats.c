/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder stats [--json | --prometheus]: per target and per rule,
 * the calls seen and the faults injected, read from the pinned registry
 * (registry/snapshot.c, the walk `top`, `serve` and `status` share); three
 * ways to print what it found.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stats.h"
#include "lib/escape.h"
#include "lib/register_self.h"
#include "minderbinder/registry.h"
#include "registry/snapshot.h"

/* --- the three outputs --------------------------------------------------- */

static void print_table(FILE *out, const struct mb_snapshot *s)
{
	size_t i, w = 4;
	__u32 j;

	if (!s->loaded) {
		fprintf(out, "registry: not loaded (no target since boot or since `minderbinder unload`)\n"
			     "targets: none\n");
		return;
	}
	fprintf(out, "registry: %s\ntargets: %zu\n", MB_PIN_DIR, s->n);
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->targets[i].n_rules; j++)
			if (strlen(s->targets[i].rules[j].text) > w)
				w = strlen(s->targets[i].rules[j].text);
	if (w > 60)
		w = 60;
	for (i = 0; i < s->n; i++) {
		const struct mb_snapshot_target *t = &s->targets[i];

		fprintf(out, "\npid %u (", t->pid);
		mb_escape_file(out, t->comm, MB_ESC_TEXT);
		fprintf(out, ") uid %u scope %s", t->t.uid, mb_snapshot_scope_name(t->t.scope));
		if (t->t.parent)
			fprintf(out, " parent %u", t->t.parent);
		/* A host process in the root cgroup is shown as before. */
		if (mb_snapshot_contained(t)) {
			char pidns[64];

			mb_snapshot_pidns_text(t, pidns, sizeof(pidns));
			fprintf(out, "\n  cgroup ");
			mb_escape_file(out, t->where.cgroup[0] ? t->where.cgroup : "?", MB_ESC_TEXT);
			fprintf(out, " %s", pidns);
		}
		fprintf(out, "\n  %-4s %-*s  %-28s %12s  %s\n", "RULE", (int)w, "SPEC", "ENGINE",
			"SEEN", "INJECTED");
		for (j = 0; j < t->n_rules; j++) {
			const struct mb_snapshot_rule *r = &t->rules[j];
			const char *seen, *faults;
			char idx[16];

			mb_snapshot_meaning(r->engine, &seen, &faults);
			snprintf(idx, sizeof(idx), "[%u]", r->idx);
			fprintf(out, "  %-4s ", idx);
			mb_escape_file(out, r->text, MB_ESC_TEXT);
			fprintf(out, "%*s  %-28s ",
				(int)(w > strlen(r->text) ? w - strlen(r->text) : 0), "",
				mb_engine_name((enum mb_engine)r->engine));
			if (r->how == MB_IN_FILTER)
				fprintf(out, "not counted (answered in the seccomp filter)\n");
			else if (r->how == MB_AT_ANCESTOR)
				fprintf(out, "counted with pid %u, for the whole tree\n", r->counted_at);
			else
				fprintf(out, "%12llu  %llu %s\n", (unsigned long long)r->calls,
					(unsigned long long)r->faults,
					r->engine == MB_ENGINE_TC ? "dropped"
					: r->engine == MB_ENGINE_EDT ? "delayed"
					: r->engine == MB_ENGINE_CGROUP ? "failed" : "faults");
		}
	}
	fprintf(out, "\nSEEN: calls a syscall rule matched; packets a drop rule (tc) saw; connects\n"
		     "(and UDP sends) a refuse/errno rule (cgroup) saw.\n");
}

static void print_json(FILE *out, const struct mb_snapshot *s)
{
	size_t i;
	__u32 j;

	fprintf(out, "{\"registry\":");
	if (s->loaded) {
		fputc('"', out);
		mb_escape_file(out, MB_PIN_DIR, MB_ESC_JSON);
		fputc('"', out);
	} else {
		fputs("null", out);
	}
	fprintf(out, ",\"targets\":[");
	for (i = 0; i < s->n; i++) {
		const struct mb_snapshot_target *t = &s->targets[i];

		fprintf(out, "%s\n {\"pid\":%u,\"comm\":\"", i ? "," : "", t->pid);
		mb_escape_file(out, t->comm, MB_ESC_JSON);
		fprintf(out, "\",\"uid\":%u,\"scope\":\"%s\",\"parent\":", t->t.uid,
			mb_snapshot_scope_name(t->t.scope));
		if (t->t.parent)
			fprintf(out, "%u", t->t.parent);
		else
			fputs("null", out);
		/* Which container: null where the kernel would not say. */
		fprintf(out, ",\"cgroup\":");
		if (t->have_where && t->where.cgroup[0]) {
			fputc('"', out);
			mb_escape_file(out, t->where.cgroup, MB_ESC_JSON);
			fputc('"', out);
		} else {
			fputs("null", out);
		}
		if (t->have_where)
			fprintf(out, ",\"pidns\":%llu,\"ns_pid\":%u,\"host_pidns\":%s",
				(unsigned long long)t->where.pidns, t->where.ns_pid,
				t->where.host ? "true" : "false");
		else
			fprintf(out, ",\"pidns\":null,\"ns_pid\":null,\"host_pidns\":null");
		fprintf(out, ",\"rules\":[");
		for (j = 0; j < t->n_rules; j++) {
			const struct mb_snapshot_rule *r = &t->rules[j];
			const char *seen, *faults;

			mb_snapshot_meaning(r->engine, &seen, &faults);
			fprintf(out, "%s\n  {\"index\":%u,\"rule\":\"", j ? "," : "", r->idx);
			mb_escape_file(out, r->text, MB_ESC_JSON);
			fprintf(out, "\",\"engine\":\"");
			mb_escape_file(out, mb_engine_name((enum mb_engine)r->engine), MB_ESC_JSON);
			fputc('"', out);
			if (r->how == MB_COUNTED)
				fprintf(out, ",\"calls\":%llu,\"faults\":%llu",
					(unsigned long long)r->calls, (unsigned long long)r->faults);
			else
				fprintf(out, ",\"calls\":null,\"faults\":null");
			fprintf(out, ",\"calls_mean\":\"%s\",\"faults_mean\":\"%s\"", seen, faults);
			if (r->how == MB_IN_FILTER)
				fprintf(out, ",\"not_counted\":\"answered in the seccomp filter\"");
			else if (r->how == MB_AT_ANCESTOR)
				fprintf(out, ",\"counted_with\":%u", r->counted_at);
			fputc('}', out);
		}
		fprintf(out, "]}");
	}
	fprintf(out, "%s]}\n", s->n ? "\n" : "");
}

static void prom_labels(FILE *out, const struct mb_snapshot_target *t, const struct mb_snapshot_rule *r)
{
	fprintf(out, "{pid=\"%u\",comm=\"", t->pid);
	mb_escape_file(out, t->comm, MB_ESC_PROM);
	fprintf(out, "\",index=\"%u\",rule=\"", r->idx);
	mb_escape_file(out, r->text, MB_ESC_PROM);
	fprintf(out, "\",engine=\"");
	mb_escape_file(out, mb_engine_name((enum mb_engine)r->engine), MB_ESC_PROM);
	fputc('"', out);
	/* Its container, to sum by: a pod's cgroup, a pid namespace. */
	if (t->have_where && t->where.cgroup[0]) {
		fprintf(out, ",cgroup=\"");
		mb_escape_file(out, t->where.cgroup, MB_ESC_PROM);
		fputc('"', out);
	}
	if (t->have_where && t->where.host)
		fprintf(out, ",pidns=\"host\"");
	else if (t->have_where)
		fprintf(out, ",pidns=\"%llu\",ns_pid=\"%u\"", (unsigned long long)t->where.pidns,
			t->where.ns_pid);
	fputc('}', out);
}

/* Text exposition format 0.0.4. */
static void print_prometheus(FILE *out, const struct mb_snapshot *s)
{
	static const struct {
		const char *name, *help;
	} families[] = {
		{ "minderbinder_calls_total",
		  "Calls a rule matched. engine=\"tc\": packets seen; engine=\"cgroup\": connects (and UDP sends) seen." },
		{ "minderbinder_faults_total",
		  "Faults a rule injected. engine=\"tc\": packets dropped; engine=\"cgroup\": connects (and UDP sends) failed." },
	};
	size_t f, i;
	__u32 j;

	fprintf(out, "# HELP minderbinder_targets Processes registered as minderbinder targets.\n"
		     "# TYPE minderbinder_targets gauge\n"
		     "minderbinder_targets %zu\n", s->n);
	for (f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", families[f].name, families[f].help,
			families[f].name);
		for (i = 0; i < s->n; i++)
			for (j = 0; j < s->targets[i].n_rules; j++) {
				const struct mb_snapshot_rule *r = &s->targets[i].rules[j];

				if (r->how != MB_COUNTED)
					continue;
				fputs(families[f].name, out);
				prom_labels(out, &s->targets[i], r);
				fprintf(out, " %llu\n",
					(unsigned long long)(f ? r->faults : r->calls));
			}
	}
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->targets[i].n_rules; j++) {
			const struct mb_snapshot_rule *r = &s->targets[i].rules[j];

			if (r->how == MB_COUNTED)
				continue;
			fprintf(out, "# not counted: pid %u rule %u \"", s->targets[i].pid, r->idx);
			mb_escape_file(out, r->text, MB_ESC_PROM);
			if (r->how == MB_IN_FILTER)
				fprintf(out, "\" is answered in the seccomp filter\n");
			else
				fprintf(out, "\" is counted with pid %u, for the whole tree\n",
					r->counted_at);
		}
}

int mb_stats_print(FILE *out, enum mb_stats_format fmt)
{
	struct mb_snapshot s;
	int err = mb_snapshot_read(&s);

	if (err)
		return err;
	if (fmt == MB_STATS_JSON)
		print_json(out, &s);
	else if (fmt == MB_STATS_PROMETHEUS)
		print_prometheus(out, &s);
	else
		print_table(out, &s);
	mb_snapshot_free(&s);
	return 0;
}

int mb_stats_fail(const char *cmd, int err)
{
	if (err == -EACCES || err == -EPERM)
		return mb_cli_fail(1, "%s: needs root: the registry under %s is readable by root only",
				   cmd, MB_BPFFS_ROOT);
	return mb_cli_fail(1, "%s: failed to read the registry %s: %s", cmd, MB_PIN_DIR,
			   strerror(-err));
}

static const char stats_usage[] =
	"Usage: minderbinder stats [--json | --prometheus]\n"
	"Per live target and per rule: the calls (packets, connects) a rule matched and\n"
	"the faults it injected. Default: a table; --json: one JSON document;\n"
	"--prometheus: the Prometheus text format (what `serve` shows on /metrics).\n"
	"Rules answered in the seccomp filter itself are not counted. Needs root.\n";

int mb_cli_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum mb_stats_format fmt = MB_STATS_TABLE;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case 'p':
			if (fmt != MB_STATS_TABLE)
				return mb_cli_fail(2, "stats: --json and --prometheus exclude each other");
			fmt = c == 'j' ? MB_STATS_JSON : MB_STATS_PROMETHEUS;
			break;
		case 'h':
			fputs(stats_usage, stdout);
			return 0;
		default:
			fputs(stats_usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fputs(stats_usage, stderr);
		return mb_cli_fail(2, "stats: unexpected argument '%s'", argv[optind]);
	}
	if (geteuid() != 0)
		return mb_cli_fail(1, "stats: needs root: the registry under %s is readable by root only",
				   MB_BPFFS_ROOT);
	err = mb_stats_print(stdout, fmt);
	if (err)
		return mb_stats_fail("stats", err);
	if (fflush(stdout) || ferror(stdout))
		return mb_cli_fail(1, "stats: failed to write the output: %s", strerror(errno));
	return 0;
}

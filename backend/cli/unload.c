/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder unload: the reset. It says what it is about to remove (and
 * whose faults go with it) before anything goes, so a mistyped command or
 * a --dry-run is never a surprise.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli/cli.h"
#include "engines/net.h"
#include "lib/proc_info.h"
#include "minderbinder/net.h"
#include "minderbinder/pins.h"
#include "registry/registry.h"
#include "registry/snapshot.h"

static const char unload_usage[] =
	"Usage: minderbinder unload [--dry-run]\n"
	"Remove everything minderbinder attached or pinned in this network namespace:\n"
	"the BPF programs and maps under " MB_PIN_DIR " (and those of\n"
	"older versions), the tc filters and the clsact qdiscs it created. Live targets\n"
	"lose their faults; unload names them first. The next registration loads\n"
	"everything again. Needs root.\n\n"
	"  -n, --dry-run   say what would be removed, remove nothing\n"
	"  -h, --help      this text\n";

/* What is there to remove, counted before anything goes. */
struct plan {
	int dry_run;
	unsigned pins;        /* under MB_PIN_DIR */
	unsigned old_pins;    /* under other versions' directories */
	unsigned ifaces;      /* tc filters in this network namespace */
	unsigned foreign;     /* ... and in others (kept) */
	char iface_names[256];
};

static void note(const char *what, int dry_run)
{
	printf("%s %s\n", dry_run ? "would remove" : "removed", what);
}

/* For each entry of dir that keep() accepts, each(its path, list); the sum. */
static unsigned walk(const char *dir, int (*keep)(const char *name),
		     unsigned (*each)(const char *path, int list), int list)
{
	char path[1024];
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!keep(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n += each(path, list);
	}
	closedir(d);
	return n;
}

static int not_dot(const char *name)
{
	return name[0] != '.';
}

static unsigned one_pin(const char *path, int list)
{
	if (list)
		note(path, 1);
	return 1;
}

static unsigned count_dir(const char *dir, int list)
{
	return walk(dir, not_dot, one_pin, list);
}

/* Other versions' directories next to ours (v1, v2, ...): ours too. */
static int old_version(const char *name)
{
	return name[0] == 'v' && strcmp(name, strrchr(MB_PIN_DIR, '/') + 1);
}

static unsigned count_old_versions(int list)
{
	return walk(MB_BPFFS_ROOT "/minderbinder", old_version, count_dir, list);
}

static void count_ifaces(struct plan *p, int list)
{
	struct mb_iface_key key, next, *prev = NULL;
	struct mb_iface rec;
	char what[160];
	__u64 here = 0;
	size_t len;
	int fd = bpf_obj_get(MB_IFACES_PIN);

	if (fd < 0)
		return;
	mb_proc_netns(0, &here);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &rec))
			continue;
		rec.name[sizeof(rec.name) - 1] = '\0';
		if (key.netns != here) {
			p->foreign++;
			continue;
		}
		p->ifaces++;
		len = strlen(p->iface_names);
		snprintf(p->iface_names + len, sizeof(p->iface_names) - len, "%s%s",
			 len ? ", " : "", rec.name);
		if (list) {
			snprintf(what, sizeof(what), "tc egress filter on %s%s", rec.name,
				 rec.created_qdisc ? " and the clsact qdisc minderbinder created" : "");
			note(what, 1);
		}
	}
	close(fd);
}

/* Live targets lose their faults: said on stderr, before anything goes. */
static void warn_targets(int dry_run)
{
	struct mb_snapshot s = { 0 };
	size_t i, shown = 0;

	if (mb_snapshot_read(&s) || !s.loaded || !s.n) {
		mb_snapshot_free(&s);
		return;
	}
	fprintf(stderr, "minderbinder: warning: unload: %zu live target%s %s %s faults:",
		s.n, s.n == 1 ? "" : "s", dry_run ? "would lose" : s.n == 1 ? "loses" : "lose",
		s.n == 1 ? "its" : "their");
	for (i = 0; i < s.n && shown < 10; i++, shown++)
		fprintf(stderr, "%s pid %u (%s)", i ? "," : "", s.targets[i].pid, s.targets[i].comm);
	if (s.n > shown)
		fprintf(stderr, ", and %zu more", s.n - shown);
	fputc('\n', stderr);
	mb_snapshot_free(&s);
}

static void print_removed(const char *what, void *ctx)
{
	(void)ctx;
	note(what, 0);
}

int mb_cli_unload(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const keep_net[] = { "mb_ifaces", "mb_tc_egress", NULL };
	struct plan p = { 0 };
	int c, err, foreign;

	optind = 1;
	while ((c = getopt_long(argc, argv, "nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			p.dry_run = 1;
			break;
		case 'h':
			fputs(unload_usage, stdout);
			return 0;
		default:
			fputs(unload_usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fputs(unload_usage, stderr);
		return mb_cli_fail(2, "unload: unexpected argument '%s'", argv[optind]);
	}
	if (geteuid() != 0)
		return mb_cli_fail(1, "unload: needs root");

	/* Records of network namespaces that are gone (their numbers may be
	 * another namespace's now) would be kept as "in another namespace",
	 * and keep the tc program pinned past this unload. */
	if (!p.dry_run)
		mb_net_sweep_gone();
	/* Counted first, listed (--dry-run) after the summary. */
	count_ifaces(&p, 0);
	p.pins = count_dir(MB_PIN_DIR, 0);
	p.old_pins = count_old_versions(0);
	if (!p.pins && !p.old_pins && !p.ifaces) {
		printf("nothing to remove%s\n",
		       p.foreign ? " in this network namespace (filters in others are kept: "
				   "run unload there)" : "");
		return 0;
	}
	warn_targets(p.dry_run);
	printf("unload: %s %u pin%s under %s", p.dry_run ? "would remove" : "removing", p.pins,
	       p.pins == 1 ? "" : "s", MB_PIN_DIR);
	if (p.old_pins)
		printf(", %u of older versions", p.old_pins);
	if (p.ifaces)
		printf(", the tc filter%s on %s", p.ifaces == 1 ? "" : "s", p.iface_names);
	printf("\n");
	if (p.dry_run) {
		struct plan again = { 0 };

		count_ifaces(&again, 1);
		count_dir(MB_PIN_DIR, 1);
		count_old_versions(1);
		printf("dry run: nothing removed\n");
		return 0;
	}
	fflush(stdout);

	foreign = mb_net_unload(print_removed, NULL);
	if (foreign < 0)
		return mb_cli_fail(1, "unload: %s", strerror(-foreign));
	err = mb_registry_unload(foreign ? keep_net : NULL, print_removed, NULL);
	if (err)
		return mb_cli_fail(1, "unload: %s", strerror(-err));
	return 0;
}

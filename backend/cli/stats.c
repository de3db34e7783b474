/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder stats [--json | --prometheus]: per target and per rule,
 * the calls seen and the faults injected, read from the pinned registry.
 * minderbinder serve --listen ADDR:PORT: the --prometheus text on
 * /metrics, read again for every request.
 *
 * One function walks the maps (mb_stats_collect, shared with `top` through
 * stats_collect.h); three print what it found.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <microhttpd.h>

#include "cli/cli.h"
#include "minderbinder/registry.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "lib/register_self.h"
#include "lib/spec_parse.h"
#include "registry/snapshot.h"

#define DEFAULT_LISTEN "127.0.0.1:2112"

/* --- one walk over the maps ------------------------------------------------ */

void mb_stats_free(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->targets[i].rules);
	free(s->targets);
	memset(s, 0, sizeof(*s));
}

/* "?" when the pid is no longer the process that registered. */
static void read_comm(__u32 pid, __u64 start_ticks, char *buf, size_t len)
{
	__u64 ticks;

	if (mb_proc_comm((pid_t)pid, buf, len) || !buf[0] ||
	    mb_proc_start_ticks((pid_t)pid, &ticks) || ticks != start_ticks)
		snprintf(buf, len, "?");
}

static int by_pid(const void *a, const void *b)
{
	__u32 x = ((const struct stat_target *)a)->pid, y = ((const struct stat_target *)b)->pid;

	return x < y ? -1 : x > y;
}

static const struct stat_target *find_target(const struct snapshot *s, __u32 pid)
{
	struct stat_target key = { .pid = pid };

	return bsearch(&key, s->targets, s->n, sizeof(key), by_pid);
}

/* Reads one target's rules and counters; -ESRCH when it went away (or
 * its pid now names another process) while we read. */
static int collect_target(int targets_fd, int rules_fd, int counters_fd, __u32 pid,
			  struct stat_target *st)
{
	struct mb_rule_key key = { .tgid = pid };
	struct mb_target again;
	__u32 n = st->t.n_rules < MB_MAX_RULES ? st->t.n_rules : MB_MAX_RULES;

	st->pid = pid;
	st->rules = calloc(n ? n : 1, sizeof(*st->rules));
	if (!st->rules)
		return -ENOMEM;
	for (key.idx = 0; key.idx < n; key.idx++) {
		struct stat_rule *r = &st->rules[st->n_rules];
		struct mb_rule_entry e;
		struct mb_counters c;

		if (bpf_map_lookup_elem(rules_fd, &key, &e) || e.start_ticks != st->t.start_ticks)
			return -ESRCH;
		if (bpf_map_lookup_elem(counters_fd, &key, &c) || c.start_ticks != st->t.start_ticks)
			return -ESRCH;
		r->idx = key.idx;
		r->engine = e.engine;
		r->calls = c.calls;
		r->faults = c.faults;
		if (e.engine == MB_ENGINE_SECCOMP_ERRNO)
			r->how = IN_FILTER;
		else if (e.engine == MB_ENGINE_SECCOMP_NOTIF && st->t.parent)
			r->how = AT_ANCESTOR; /* resolved once every target is read */
		else if ((e.engine == MB_ENGINE_CGROUP || e.engine == MB_ENGINE_TC) && st->t.owner)
			r->how = AT_ANCESTOR; /* net.bpf.c counts it at the owner */
		else
			r->how = COUNTED;
		if (mb_rule_format(&e.rule, mb_native_arch(), r->text, sizeof(r->text)) < 0)
			snprintf(r->text, sizeof(r->text), "(rule %u: too long to show)", key.idx);
		st->n_rules++;
	}
	if (bpf_map_lookup_elem(targets_fd, &pid, &again) ||
	    again.start_ticks != st->t.start_ticks)
		return -ESRCH;
	read_comm(pid, st->t.start_ticks, st->comm, sizeof(st->comm));
	return 0;
}

/* A network rule of a forked target counts with its owner while the
 * owner's entry is the registration it was forked from (net.bpf.c's
 * count_key); an orphan's count is its own. */
static void net_counted_at_owner(const struct snapshot *s, struct stat_target *st)
{
	const struct stat_target *o = find_target(s, st->t.owner);
	__u32 j;

	for (j = 0; j < st->n_rules; j++) {
		struct stat_rule *r = &st->rules[j];

		if (r->engine != MB_ENGINE_CGROUP && r->engine != MB_ENGINE_TC)
			continue;
		if (!o || o->t.registered_ns != st->t.registered_ns)
			r->how = COUNTED;
		else
			r->counted_at = st->t.owner;
	}
}

/*
 * The one place that reads the pinned registry. Returns 0 (with
 * s->loaded = 0 when nothing is pinned) or -errno (-EACCES/-EPERM: not
 * root).
 */
int mb_stats_collect(struct snapshot *s)
{
	int targets_fd, rules_fd = -1, counters_fd = -1, err = 0;
	__u32 key, next, *prev = NULL;
	size_t i, cap = 0;

	memset(s, 0, sizeof(*s));
	targets_fd = bpf_obj_get(MB_TARGETS_PIN);
	if (targets_fd < 0 && errno == ENOENT)
		return 0;
	if (targets_fd >= 0)
		rules_fd = bpf_obj_get(MB_RULES_PIN);
	if (rules_fd >= 0)
		counters_fd = bpf_obj_get(MB_COUNTERS_PIN);
	if (counters_fd < 0) {
		err = -errno;
		goto cleanup;
	}
	s->loaded = 1;
	while (!bpf_map_get_next_key(targets_fd, prev, &next)) {
		struct stat_target *st;

		key = next;
		prev = &key;
		if (s->n == cap) {
			struct stat_target *v;

			cap = cap ? cap * 2 : 16;
			v = realloc(s->targets, cap * sizeof(*v));
			if (!v) {
				err = -ENOMEM;
				goto cleanup;
			}
			s->targets = v;
		}
		st = &s->targets[s->n];
		memset(st, 0, sizeof(*st));
		if (bpf_map_lookup_elem(targets_fd, &key, &st->t))
			continue; /* gone since get_next_key */
		err = collect_target(targets_fd, rules_fd, counters_fd, key, st);
		if (err == -ESRCH) {
			free(st->rules);
			err = 0;
			continue;
		}
		s->n++;
		if (err)
			goto cleanup;
	}
	if (s->n)
		qsort(s->targets, s->n, sizeof(*s->targets), by_pid);
	/* A forked target's supervised rules count with the registered
	 * process the supervisor serves: the first ancestor with no parent. */
	for (i = 0; i < s->n; i++) {
		const struct stat_target *a = &s->targets[i];
		__u32 at = a->t.parent, hops = 0, j;

		if (!a->t.parent)
			continue;
		while ((a = find_target(s, at)) && a->t.parent && hops++ < MB_MAX_TARGETS)
			at = a->t.parent;
		for (j = 0; j < s->targets[i].n_rules; j++)
			s->targets[i].rules[j].counted_at = at;
		net_counted_at_owner(s, &s->targets[i]);
	}
cleanup:
	if (targets_fd >= 0)
		close(targets_fd);
	if (rules_fd >= 0)
		close(rules_fd);
	if (counters_fd >= 0)
		close(counters_fd);
	if (err)
		mb_stats_free(s);
	return err;
}

/* --- what the counters mean ------------------------------------------------ */

static const char *scope_name(__u32 scope)
{
	switch (scope) {
	case MB_SCOPE_TREE:
		return "tree";
	case MB_SCOPE_PROCESS:
		return "process";
	case MB_SCOPE_THREAD:
		return "thread";
	}
	return "unknown";
}

/* Names for calls and faults: a drop rule (tc) sees packets and drops
 * them, a refuse/errno rule (cgroup) sees connects (and UDP sends) and
 * fails them, a syscall rule sees calls and faults them. */
void mb_stats_meaning(__u32 engine, const char **seen, const char **faults)
{
	if (engine == MB_ENGINE_TC) {
		*seen = "packets_seen";
		*faults = "packets_dropped";
	} else if (engine == MB_ENGINE_CGROUP) {
		*seen = "connects_seen";
		*faults = "connects_failed";
	} else {
		*seen = "calls";
		*faults = "faults";
	}
}

/* --- text escaping ---------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

enum esc { ESC_JSON, ESC_PROM, ESC_TEXT };

/*
 * Writes s escaped for: a JSON string (", \, control characters), a
 * Prometheus label value or comment (\, ", newline), or a terminal
 * (control characters as '?'). Bytes that are not UTF-8 become U+FFFD, so
 * the output is always valid UTF-8 (a comm may hold any byte).
 */
static void put_escaped(FILE *out, const char *s, enum esc how)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		size_t l = utf8_len(p, n);

		if (!l) {
			fputs(how == ESC_TEXT ? "?" : "\xef\xbf\xbd", out);
			l = 1;
		} else if (l > 1) {
			fwrite(p, 1, l, out);
		} else if (*p == '\\' && how != ESC_TEXT) {
			fputs("\\\\", out);
		} else if (*p == '"' && how != ESC_TEXT) {
			fputs("\\\"", out);
		} else if (*p == '\n' && how != ESC_TEXT) {
			fputs("\\n", out);
		} else if (*p < 0x20 || *p == 0x7f) {
			if (how == ESC_JSON)
				fprintf(out, "\\u%04x", *p);
			else if (how == ESC_TEXT)
				fputc('?', out);
			else
				fputc(*p, out); /* the format allows them in label values */
		} else {
			fputc(*p, out);
		}
		p += l;
		n -= l;
	}
}

/* --- the three outputs --------------------------------------------------- */

static void print_table(FILE *out, const struct snapshot *s)
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
		const struct stat_target *t = &s->targets[i];

		fprintf(out, "\npid %u (", t->pid);
		put_escaped(out, t->comm, ESC_TEXT);
		fprintf(out, ") uid %u scope %s", t->t.uid, scope_name(t->t.scope));
		if (t->t.parent)
			fprintf(out, " parent %u", t->t.parent);
		fprintf(out, "\n  %-4s %-*s  %-28s %12s  %s\n", "RULE", (int)w, "SPEC", "ENGINE",
			"SEEN", "INJECTED");
		for (j = 0; j < t->n_rules; j++) {
			const struct stat_rule *r = &t->rules[j];
			const char *seen, *faults;
			char idx[16];

			mb_stats_meaning(r->engine, &seen, &faults);
			snprintf(idx, sizeof(idx), "[%u]", r->idx);
			fprintf(out, "  %-4s ", idx);
			put_escaped(out, r->text, ESC_TEXT);
			fprintf(out, "%*s  %-28s ",
				(int)(w > strlen(r->text) ? w - strlen(r->text) : 0), "",
				mb_engine_name((enum mb_engine)r->engine));
			if (r->how == IN_FILTER)
				fprintf(out, "not counted (answered in the seccomp filter)\n");
			else if (r->how == AT_ANCESTOR)
				fprintf(out, "counted with pid %u, for the whole tree\n", r->counted_at);
			else
				fprintf(out, "%12llu  %llu %s\n", (unsigned long long)r->calls,
					(unsigned long long)r->faults,
					r->engine == MB_ENGINE_TC ? "dropped"
					: r->engine == MB_ENGINE_CGROUP ? "failed" : "faults");
		}
	}
	fprintf(out, "\nSEEN: calls a syscall rule matched; packets a drop rule (tc) saw; connects\n"
		     "(and UDP sends) a refuse/errno rule (cgroup) saw.\n");
}

static void print_json(FILE *out, const struct snapshot *s)
{
	size_t i;
	__u32 j;

	fprintf(out, "{\"registry\":");
	if (s->loaded) {
		fputc('"', out);
		put_escaped(out, MB_PIN_DIR, ESC_JSON);
		fputc('"', out);
	} else {
		fputs("null", out);
	}
	fprintf(out, ",\"targets\":[");
	for (i = 0; i < s->n; i++) {
		const struct stat_target *t = &s->targets[i];

		fprintf(out, "%s\n {\"pid\":%u,\"comm\":\"", i ? "," : "", t->pid);
		put_escaped(out, t->comm, ESC_JSON);
		fprintf(out, "\",\"uid\":%u,\"scope\":\"%s\",\"parent\":", t->t.uid,
			scope_name(t->t.scope));
		if (t->t.parent)
			fprintf(out, "%u", t->t.parent);
		else
			fputs("null", out);
		fprintf(out, ",\"rules\":[");
		for (j = 0; j < t->n_rules; j++) {
			const struct stat_rule *r = &t->rules[j];
			const char *seen, *faults;

			mb_stats_meaning(r->engine, &seen, &faults);
			fprintf(out, "%s\n  {\"index\":%u,\"rule\":\"", j ? "," : "", r->idx);
			put_escaped(out, r->text, ESC_JSON);
			fprintf(out, "\",\"engine\":\"");
			put_escaped(out, mb_engine_name((enum mb_engine)r->engine), ESC_JSON);
			fputc('"', out);
			if (r->how == COUNTED)
				fprintf(out, ",\"calls\":%llu,\"faults\":%llu",
					(unsigned long long)r->calls, (unsigned long long)r->faults);
			else
				fprintf(out, ",\"calls\":null,\"faults\":null");
			fprintf(out, ",\"calls_mean\":\"%s\",\"faults_mean\":\"%s\"", seen, faults);
			if (r->how == IN_FILTER)
				fprintf(out, ",\"not_counted\":\"answered in the seccomp filter\"");
			else if (r->how == AT_ANCESTOR)
				fprintf(out, ",\"counted_with\":%u", r->counted_at);
			fputc('}', out);
		}
		fprintf(out, "]}");
	}
	fprintf(out, "%s]}\n", s->n ? "\n" : "");
}

static void prom_labels(FILE *out, const struct stat_target *t, const struct stat_rule *r)
{
	fprintf(out, "{pid=\"%u\",comm=\"", t->pid);
	put_escaped(out, t->comm, ESC_PROM);
	fprintf(out, "\",index=\"%u\",rule=\"", r->idx);
	put_escaped(out, r->text, ESC_PROM);
	fprintf(out, "\",engine=\"");
	put_escaped(out, mb_engine_name((enum mb_engine)r->engine), ESC_PROM);
	fprintf(out, "\"}");
}

/* Text exposition format 0.0.4. */
static void print_prometheus(FILE *out, const struct snapshot *s)
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
				const struct stat_rule *r = &s->targets[i].rules[j];

				if (r->how != COUNTED)
					continue;
				fputs(families[f].name, out);
				prom_labels(out, &s->targets[i], r);
				fprintf(out, " %llu\n",
					(unsigned long long)(f ? r->faults : r->calls));
			}
	}
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->targets[i].n_rules; j++) {
			const struct stat_rule *r = &s->targets[i].rules[j];

			if (r->how == COUNTED)
				continue;
			fprintf(out, "# not counted: pid %u rule %u \"", s->targets[i].pid, r->idx);
			put_escaped(out, r->text, ESC_PROM);
			if (r->how == IN_FILTER)
				fprintf(out, "\" is answered in the seccomp filter\n");
			else
				fprintf(out, "\" is counted with pid %u, for the whole tree\n",
					r->counted_at);
		}
}

enum format { FMT_TABLE, FMT_JSON, FMT_PROMETHEUS };

static int print_stats(FILE *out, enum format fmt)
{
	struct snapshot s;
	int err = mb_stats_collect(&s);

	if (err)
		return err;
	if (fmt == FMT_JSON)
		print_json(out, &s);
	else if (fmt == FMT_PROMETHEUS)
		print_prometheus(out, &s);
	else
		print_table(out, &s);
	mb_stats_free(&s);
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
	enum format fmt = FMT_TABLE;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case 'p':
			if (fmt != FMT_TABLE)
				return mb_cli_fail(2, "stats: --json and --prometheus exclude each other");
			fmt = c == 'j' ? FMT_JSON : FMT_PROMETHEUS;
			break;
		case 'h':
			fputs(stats_usage, stdout);
			return 0;
		default:
			fputs(stats_usage, stderr);
			return 2;
		}
	}
	if (optind < argc)
		return mb_cli_fail(2, "stats: unexpected argument '%s'", argv[optind]);
	if (geteuid() != 0)
		return mb_cli_fail(1, "stats: needs root: the registry under %s is readable by root only",
				   MB_BPFFS_ROOT);
	err = print_stats(stdout, fmt);
	if (err)
		return mb_stats_fail("stats", err);
	if (fflush(stdout) || ferror(stdout))
		return mb_cli_fail(1, "stats: failed to write the output: %s", strerror(errno));
	return 0;
}

/* --- serve ------------------------------------------------------------------ */

/* "127.0.0.1:2112", "[::1]:2112": numeric addresses only. */
static int parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *port, *end;
	char *stop;
	size_t hl;
	long p;

	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') {
		end = strchr(text, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		hl = (size_t)(end - text - 1);
		port = end + 2;
		text++;
	} else {
		end = strrchr(text, ':');
		if (!end)
			return -EINVAL;
		hl = (size_t)(end - text);
		port = end + 1;
	}
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtol(port, &stop, 10);
	if (!isdigit((unsigned char)*port) || *stop || errno || p > 65535)
		return -ERANGE;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((unsigned short)p);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)p);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     char *body, size_t len, int must_free)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, must_free ? MHD_RESPMEM_MUST_FREE
								    : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* One request at a time: the daemon runs one internal polling thread. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static char not_found[] = "not found: the metrics are on /metrics\n";
	static char not_allowed[] = "method not allowed: use GET\n";
	static const char text_type[] = "text/plain; charset=utf-8";
	char *body = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text_type, not_allowed,
			     strlen(not_allowed), 0);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, text_type, not_found, strlen(not_found), 0);
	out = open_memstream(&body, &len);
	if (!out)
		return MHD_NO;
	err = print_stats(out, FMT_PROMETHEUS);
	if (err) {
		rewind(out);
		fprintf(out, "failed to read the registry %s: %s\n", MB_PIN_DIR, strerror(-err));
	}
	if (fclose(out)) {
		free(body);
		return MHD_NO;
	}
	return reply(conn, err ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK,
		     err ? text_type : "text/plain; version=0.0.4; charset=utf-8", body, len, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("minderbinder: serve: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static const char serve_usage[] =
	"Usage: minderbinder serve [--listen ADDR:PORT]\n"
	"Serve `minderbinder stats --prometheus` over HTTP on /metrics, read again for\n"
	"every request. ADDR:PORT is numeric: 127.0.0.1:2112 (the default) or\n"
	"[::1]:2112; port 0 picks a free one. SIGINT or SIGTERM stops it. Needs root.\n";

int mb_cli_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *listen_s = DEFAULT_LISTEN;
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	char shown[INET6_ADDRSTRLEN + 16], host[INET6_ADDRSTRLEN];
	socklen_t len;
	sigset_t stop;
	int c, fd, sig, err, one = 1;
	unsigned port;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_s = optarg;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			return 0;
		default:
			fputs(serve_usage, stderr);
			return 2;
		}
	}
	if (optind < argc)
		return mb_cli_fail(2, "serve: unexpected argument '%s'", argv[optind]);
	err = parse_listen(listen_s, &ss, &len);
	if (err == -ERANGE)
		return mb_cli_fail(2, "serve: --listen: bad port in '%s' (want 0-65535)", listen_s);
	if (err)
		return mb_cli_fail(2, "serve: --listen: bad address '%s' (want IPV4:PORT or [IPV6]:PORT, numeric)",
				   listen_s);
	if (geteuid() != 0)
		return mb_cli_fail(1, "serve: needs root: the registry under %s is readable by root only",
				   MB_BPFFS_ROOT);

	/* Our own socket, so a failure to listen says why. */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mb_cli_fail(1, "serve: failed to create a socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64)) {
		err = errno;
		close(fd);
		return mb_cli_fail(1, "serve: failed to listen on %s: %s", listen_s, strerror(err));
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		snprintf(shown, sizeof(shown), "[%s]:%u", host, port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(shown, sizeof(shown), "%s:%u", host, port);
	}

	/* The daemon's thread inherits this mask: only sigwait below sees
	 * SIGINT and SIGTERM. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
				     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
			     MHD_OPTION_END);
	if (!d) {
		close(fd);
		return mb_cli_fail(1, "serve: failed to start the HTTP server on %s", shown);
	}
	printf("serving http://%s/metrics\n", shown);
	fflush(stdout);
	while (sigwait(&stop, &sig))
		;
	MHD_stop_daemon(d); /* closes fd too */
	printf("stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}

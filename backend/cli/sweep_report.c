/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What `minderbinder sweep` prints: a table row or a JSON object per run,
 * and the summary line. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cli/sweep.h"
#include "lib/escape.h"

#define CALL_WIDTH 40

static void signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
}

bool mb_sweep_faulted(const struct run *r)
{
	return r->faults > 0 || r->calls >= r->k;
}

/* The top is "crashed" when it died of any signal we did not send; the
 * rest of the tree only for a signal that dumps core (a SIGPIPE or a
 * parent's SIGTERM in a pipeline is no crash). */
static bool crashed(const struct run *r)
{
	return !r->timed_out && ((r->top_gone && WIFSIGNALED(r->top_status)) || r->crash_pid);
}

/* C-like escapes for the table: a path may hold anything. */
static void put_c_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void put_json_string(const char *s)
{
	putchar('"');
	mb_escape_file(stdout, s, MB_ESC_JSON);
	putchar('"');
}

static int call_text(const struct sweep *sw, const struct run *r, char *buf, size_t len)
{
	if (!mb_sweep_faulted(r))
		return snprintf(buf, len, "-");
	if (r->found && r->found_has_path)
		return -1; /* printed escaped by the caller */
	if (!r->found && sw->path_arg >= 0)
		return snprintf(buf, len, "%s(?)", sw->name);
	return snprintf(buf, len, "%s", sw->name);
}

void mb_sweep_print_row(const struct sweep *sw, const struct run *r)
{
	char call[64], exit_s[32], sig[32];
	int width;

	if (r->timed_out)
		snprintf(exit_s, sizeof(exit_s), "timeout");
	else if (WIFSIGNALED(r->top_status))
		signal_name(WTERMSIG(r->top_status), exit_s, sizeof(exit_s));
	else
		snprintf(exit_s, sizeof(exit_s), "%d", WEXITSTATUS(r->top_status));
	printf("%4lu  ", r->k);
	if (call_text(sw, r, call, sizeof(call)) < 0) {
		/* name("path"), padded like the others */
		printf("%s(", sw->name);
		put_c_string(r->path);
		putchar(')');
		width = (int)(strlen(sw->name) + strlen(r->path) + 4);
	} else {
		width = printf("%s", call);
	}
	printf("%*s  %-8s  %s", width < CALL_WIDTH ? CALL_WIDTH - width : 0, "", exit_s,
	       crashed(r) ? "yes" : "no");
	if (crashed(r) && r->crash_pid && !(r->top_gone && WIFSIGNALED(r->top_status))) {
		signal_name(r->crash_sig, sig, sizeof(sig));
		printf(" (pid %d: %s)", (int)r->crash_pid, sig);
	}
	putchar('\n');
	fflush(stdout);
}

void mb_sweep_print_json_row(const struct sweep *sw, const struct run *r, bool first)
{
	char sig[32];

	printf("%s\n  {\"k\": %lu, \"pid\": %d, \"syscall\": ", first ? "" : ",", r->k,
	       (int)r->top);
	put_json_string(sw->name);
	printf(", \"faulted\": %s, \"path\": ", mb_sweep_faulted(r) ? "true" : "false");
	if (mb_sweep_faulted(r) && r->found && r->found_has_path)
		put_json_string(r->path);
	else
		printf("null");
	printf(", \"calls\": %llu", (unsigned long long)r->calls);
	if (!r->timed_out && WIFEXITED(r->top_status))
		printf(", \"exit\": %d, \"signal\": null", WEXITSTATUS(r->top_status));
	else if (!r->timed_out) {
		signal_name(WTERMSIG(r->top_status), sig, sizeof(sig));
		printf(", \"exit\": null, \"signal\": \"%s\"", sig);
	} else {
		printf(", \"exit\": null, \"signal\": null");
	}
	printf(", \"timeout\": %s, \"crashed\": %s", r->timed_out ? "true" : "false",
	       crashed(r) ? "true" : "false");
	if (r->crash_pid && !r->timed_out) {
		signal_name(r->crash_sig, sig, sizeof(sig));
		printf(", \"crash_pid\": %d, \"crash_signal\": \"%s\"", (int)r->crash_pid, sig);
	}
	putchar('}');
	fflush(stdout);
}

void mb_sweep_count_run(struct totals *t, const struct run *r)
{
	size_t len = strlen(t->crashed_ks);

	t->runs++;
	if (r->timed_out)
		t->timeouts++;
	if (!crashed(r))
		return;
	t->crashed++;
	if (len + 32 < sizeof(t->crashed_ks))
		snprintf(t->crashed_ks + len, sizeof(t->crashed_ks) - len, "%sk=%lu",
			 len ? ", " : "", r->k);
	else if (!strstr(t->crashed_ks, "..."))
		strcat(t->crashed_ks, ", ...");
}

void mb_sweep_print_summary(FILE *f, const struct totals *t, unsigned long max, bool capped)
{
	fprintf(f, "sweep: %lu run%s", t->runs, t->runs == 1 ? "" : "s");
	if (capped)
		fprintf(f, " (stopped at --max %lu)", max);
	fprintf(f, ", %lu crashed", t->crashed);
	if (t->crashed)
		fprintf(f, " (%s)", t->crashed_ks);
	fprintf(f, ", %lu timeout%s\n", t->timeouts, t->timeouts == 1 ? "" : "s");
}


void mb_sweep_print_head(const struct sweep *sw)
{
	if (sw->json)
		putchar('[');
	else
		printf("%4s  %-*s  %-8s  %s\n", "k", CALL_WIDTH, "call", "exit", "crashed");
}

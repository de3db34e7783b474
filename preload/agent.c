/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmbpreload.so: one constructor. With no MINDERBINDER_* rule it does
 * nothing at all. Otherwise it parses the rules, registers this process
 * through mb-helper and installs the seccomp filter, before main() runs.
 *
 * It runs inside someone else's process: no thread, nothing left
 * allocated, no symbol exported, and one line on stderr when it fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mb_paths.h"
#include "inproc_agent.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "lib/register_self.h"
#include "lib/seccomp_filter.h"
#include "lib/error.h"
#include "lib/libc_hint.h"
#include "lib/spec_parse.h"
#include "lib/transport.h"

#define AGENT_NAME "libmbpreload.so"
#define EXIT_REGISTRATION_FAILED 125

extern char **environ;

static const char *var(const char *name)
{
	const char *v = getenv(name);

	while (v && (*v == ' ' || *v == '\t'))
		v++;
	return v && *v ? v : NULL;
}

/* The agent's one place that prints. */
static void say(const char *what, const struct mb_error *err)
{
	char line[MB_ERR_MAX + 64];
	int n = snprintf(line, sizeof(line), "minderbinder: %s%s\n", what, err->msg);

	if (n > (int)sizeof(line))
		n = (int)sizeof(line);
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* stderr closed: nowhere to say it, the exit status still tells */
	}
}

/* Is pid us or one of our ancestors? */
static int ancestor(pid_t pid)
{
	pid_t p = getpid();
	int depth;

	for (depth = 0; depth < 64 && p > 1; depth++) {
		if (p == pid)
			return 1;
		if (mb_proc_ppid(p, &p))
			return 0;
	}
	return 0;
}

/* The network namespace we are in: network rules are attached per netns. */
static unsigned long long netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (unsigned long long)st.st_ino;
}

/*
 * A child of a tree-scoped target carries our variables, the inherited
 * filter, and (by the registry's fork hook) its own copy of the target's
 * entries: registering again would stack a second filter. The mark
 * ("pid:netns:how") alone is not trusted. It must be for this network
 * namespace (nsenter --net moves a process after its agent ran). When the
 * syscall rules went to seccomp ("how" is 'f'), the filter itself must
 * answer (mb_seccomp_ours), whether or not the registrant still lives: an
 * orphan of a `daemon &` is a target all the same. Rules in the BPF
 * syscall engines, or network rules alone, leave nothing in the process
 * to ask: the mark must name an ancestor (or us, after an exec), or we
 * register, and the helper, which reads the kernel's registry, answers
 * that the fork hook made us a target already (reg.inherited). A forged
 * mark thus never skips a registration the kernel does not vouch for.
 */
static int inherited(int has_syscall_rules)
{
	const char *mark = var("MINDERBINDER_REGISTERED");
	unsigned long long ns = 0;
	char how = 'f';
	int pid = 0;

	if (!mark || sscanf(mark, "%d:%llu:%c", &pid, &ns, &how) < 2 || ns != netns())
		return 0;
	if (has_syscall_rules && how == 'f')
		return mb_seccomp_ours();
	return ancestor((pid_t)pid);
}

/* MINDERBINDER_SCOPE=process: children start clean. */
static void strip_environment(void)
{
	char names[64][64];
	char *preload, *out, *tok, *save = NULL;
	size_t n = 0, i;
	char **e;

	for (e = environ; e && *e && n < 64; e++) {
		const char *eq = strchr(*e, '=');

		if (strncmp(*e, "MINDERBINDER_", 13) || !eq || (size_t)(eq - *e) >= 64)
			continue;
		memcpy(names[n], *e, (size_t)(eq - *e));
		names[n++][eq - *e] = '\0';
	}
	for (i = 0; i < n; i++)
		unsetenv(names[i]);
	if (!getenv("LD_PRELOAD"))
		return;
	preload = strdup(getenv("LD_PRELOAD"));
	out = calloc(1, strlen(preload) + 1);
	if (!preload || !out)
		goto out;
	for (tok = strtok_r(preload, ": ", &save); tok; tok = strtok_r(NULL, ": ", &save)) {
		const char *base = strrchr(tok, '/');

		if (!strcmp(base ? base + 1 : tok, AGENT_NAME))
			continue;
		if (*out)
			strcat(out, ":");
		strcat(out, tok);
	}
	if (*out)
		setenv("LD_PRELOAD", out, 1);
	else
		unsetenv("LD_PRELOAD");
out:
	free(preload);
	free(out);
}

static int has_syscall_rules(const struct mb_spec *spec)
{
	__u32 i;

	for (i = 0; i < spec->n_rules; i++)
		if (spec->rules[i].kind == MB_RULE_SYSCALL)
			return 1;
	return 0;
}

/* Whether some rule went to seccomp (a filter is in this process). */
static int uses_filter(const struct mb_registration *reg)
{
	__u32 i;

	for (i = 0; i < MB_MAX_RULES; i++)
		if (reg->engines[i] == MB_ENGINE_SECCOMP_ERRNO ||
		    reg->engines[i] == MB_ENGINE_SECCOMP_NOTIF)
			return 1;
	return 0;
}

static int configure(struct mb_register_opts *o, struct mb_transport *t, struct mb_error *err)
{
	const char *v;
	int ret;

	o->scope = MB_SCOPE_TREE;
	o->wish = MB_WISH_AUTO;
	v = var("MINDERBINDER_SCOPE");
	if (v && (ret = mb_scope_parse("MINDERBINDER_SCOPE", v, 0, &o->scope, err)))
		return ret;
	v = var("MINDERBINDER_ENGINE");
	if (v && (ret = mb_engine_wish_parse("MINDERBINDER_ENGINE", v, &o->wish, err)))
		return ret;
	v = var("MINDERBINDER_SUPERVISED");
	if (v && (ret = mb_supervised_parse("MINDERBINDER_SUPERVISED", v, &o->inproc, err)))
		return ret;
	o->interfaces = var("MINDERBINDER_INTERFACES");
	o->log_path = var("MINDERBINDER_LOG");
	if (o->log_path && (ret = mb_log_path_check("MINDERBINDER_LOG", o->log_path, err)))
		return ret;
	/* The set-uid helper, or the node daemon's socket (lib/transport.h). */
	ret = mb_transport_choose((const void *)configure, AGENT_NAME, t, err);
	if (ret)
		return ret;
	o->helper = t->helper;
	o->socket = t->socket[0] ? t->socket : NULL;
	o->socket_from_env = t->from_env;
	return 0;
}

/*
 * A rule naming a syscall glibc never makes here (open on x86_64): one
 * warning per such rule, from the registrant only (its tree's agents are
 * inherited() and quiet), and only on a terminal, so that a program whose
 * stderr is parsed never sees it; MINDERBINDER_WARN=1 always, =0 never.
 */
static int warn_libc(const struct mb_spec *spec, struct mb_error *err)
{
	int want = mb_libc_hint_wanted(var("MINDERBINDER_WARN"), isatty(STDERR_FILENO), err);
	struct mb_error w;
	__u32 i = 0;

	if (want < 0)
		return want;
	while (want && mb_libc_hint_next(spec, &i, "MINDERBINDER_SYSCALL", &w))
		say("warning: ", &w);
	return 0;
}

__attribute__((constructor)) static void mb_agent_init(void)
{
	struct mb_register_opts opts = { .control_fd = -1 };
	struct mb_registration reg;
	struct mb_error err = { "" };
	struct mb_spec *spec = NULL;
	const char *strict_v;
	struct mb_transport transport;
	char mark[48];
	int strict = 1, ret, inproc;

	if (!var("MINDERBINDER_SYSCALL") && !var("MINDERBINDER_NET"))
		return;
	strict_v = var("MINDERBINDER_STRICT");
	if (strict_v && !strcmp(strict_v, "0"))
		strict = 0;
	else if (strict_v && strcmp(strict_v, "1")) {
		mb_error_set(&err, "MINDERBINDER_STRICT: bad value '%s' (want 0 or 1)", strict_v);
		ret = -EINVAL;
		goto fail;
	}
	spec = calloc(1, sizeof(*spec));
	if (!spec) {
		mb_error_set(&err, "out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	mb_spec_init(spec, mb_native_arch());
	ret = mb_spec_from_env(spec, getenv, &err);
	if (ret < 0)
		goto fail;
	if (inherited(has_syscall_rules(spec))) {
		free(spec);
		return;
	}
	ret = warn_libc(spec, &err);
	if (ret)
		goto fail;
	ret = configure(&opts, &transport, &err);
	if (ret)
		goto fail;
	/* MINDERBINDER_SUPERVISED=inprocess: what can be checked before
	 * anything is registered (docs/design-notes.md, "The in-process
	 * path"); the base filter then routes the share call. */
	inproc = opts.inproc;
	if (inproc && mb_agent_inproc_prepare() != MB_IP_YES)
		opts.inproc = 0;
	ret = mb_register_self(spec, &opts, &reg, &err);
	if (ret)
		goto fail;
	if (inproc && !reg.inherited)
		mb_agent_inproc_start(spec, reg.engines, opts.scope, opts.log_path != NULL);
	free(spec);
	if (opts.scope == MB_SCOPE_PROCESS) {
		strip_environment();
	} else {
		snprintf(mark, sizeof(mark), "%d:%llu:%c", (int)getpid(), netns(),
			 uses_filter(&reg) ? 'f' : 'b');
		setenv("MINDERBINDER_REGISTERED", mark, 1);
	}
	return;
fail:
	free(spec);
	if (strict) {
		say("", &err);
		_exit(EXIT_REGISTRATION_FAILED);
	}
	say("warning: running without faults: ", &err);
}

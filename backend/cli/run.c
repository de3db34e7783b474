/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder run: faults for one command. A dynamic binary gets the
 * agent through LD_PRELOAD; a static one (Go, musl-static) cannot load it,
 * so we register ourselves and exec it: the PID, the registration and the
 * filter all survive the exec.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exec.h"
#include "cli/expect.h"
#include "cli/names.h"
#include "engines/probe.h"
#include "lib/ini_config.h"
#include "lib/libc_hint.h"
#include "mb_paths.h"
#include "lib/name_tables.h"
#include "lib/register_self.h"
#include "lib/spec_parse.h"
#include "lib/transport.h"
#include "minderbinder/pins.h"


static void usage(FILE *f)
{
	fprintf(f,
		"Usage: minderbinder run [OPTION]... -- CMD [ARG]...\n"
		"Run CMD with faults injected into it (and, with --scope tree, what it starts).\n\n"
		"  -s, --syscall SPEC     syscall rules, e.g. 'openat:ENOENT:path=/etc/*' (repeatable)\n"
		"  -n, --net SPEC         network rules, e.g. 'tcp:443:drop' (repeatable)\n"
		"      --scope SCOPE      tree (default: CMD and its children) or process\n"
		"      --strict 0|1       1 (default): CMD does not run if registration fails\n"
		"      --engine ENGINE    auto, seccomp, kprobe or fmod_ret (default:\n"
		"                         MINDERBINDER_ENGINE, else auto)\n"
		"      --supervised PATH  supervisor (default) or inprocess: who decides the\n"
		"                         rules the supervisor serves (MINDERBINDER_SUPERVISED)\n"
		"      --config FILE      add the rules of an INI file (see examples/chaos.ini)\n"
		"      --profile NAME     only the INI section NAME\n"
		"      --interface NAME   drop rules act on this interface only (repeatable;\n"
		"                         default: every interface that is up, lo included)\n"
		"      --log FILE         append one JSON line per injected syscall fault\n"
		"                         (sets MINDERBINDER_LOG)\n"
		"      --expect-faults    at the end, name each rule that injected nothing and\n"
		"                         exit 120 if one did not (MINDERBINDER_EXPECT_FAULTS=1);\n"
		"                         without it (as root) such a rule is a warning when\n"
		"                         stderr is a terminal (MINDERBINDER_EXPECT_FAULTS=warn:\n"
		"                         always, =0: never)\n"
		"      --list-syscalls[=%%FAMILY]\n"
		"                         print the syscall names and %%families a rule may\n"
		"                         use (with =%%FAMILY its members; with =%% each family\n"
		"                         and its members), and exit\n"
		"      --list-errnos      print the errno names a rule may use, and exit\n"
		"  -h, --help             this text\n\n"
		"Examples:\n"
		"  minderbinder run -s openat:-2 -- cat /etc/hostname\n"
		"  minderbinder run -s 'write:ENOSPC:after=2' -- cp big.iso /mnt/\n"
		"  minderbinder run -s '%%open:ENOENT:path=*/app.json' -- ./app   (open, openat, ...)\n"
		"  minderbinder run -s 'read:EIO:rate=10%%:seed=7' -- ./my-static-binary\n"
		"  minderbinder run -n tcp:5432:refuse -n 'udp:53:drop:rate=50%%' -- ./app\n\n"
		"Exit status: CMD's, 125 when strict registration failed, 127 when CMD\n"
		"cannot be run, 2 for bad options; with --expect-faults, 120 when a rule\n"
		"never fired (whatever CMD's status, which is then printed).\n");
}

/* Finds CMD the way execvp would, so we can look at the file first. */
static int find_command(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p;

	if (strchr(cmd, '/')) {
		if (strlen(cmd) >= len)
			return -ENAMETOOLONG;
		strcpy(out, cmd);
		return access(out, X_OK) ? -errno : 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p;) {
		size_t n = strcspn(p, ":");

		if (n + strlen(cmd) + 2 <= len) {
			memcpy(out, n ? p : ".", n ? n : 1);
			snprintf(out + (n ? n : 1), len - (n ? n : 1), "/%s", cmd);
			if (!access(out, X_OK))
				return 0;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return -ENOENT;
}

/* 1 for an ELF with no program interpreter (static), 0 for anything
 * LD_PRELOAD can reach (dynamic ELF, a #! script), -errno on error. */
static int is_static_elf(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC), i, ret = 1;

	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		return 0;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize)) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP) {
			ret = 0;
			break;
		}
	}
	close(fd);
	return ret;
}

/* The rules as canonical text, for the agent to parse again. */
static int spec_to_env(const struct mb_spec *spec, enum mb_rule_kind kind,
		       const char *name)
{
	char buf[MB_MAX_RULES * 400], *p = buf;
	__u32 i;
	int n;

	buf[0] = '\0';
	for (i = 0; i < spec->n_rules; i++) {
		if (spec->rules[i].kind != kind)
			continue;
		if (p != buf)
			*p++ = ';';
		n = mb_rule_format(&spec->rules[i], (enum mb_arch)spec->arch, p,
				   sizeof(buf) - (size_t)(p - buf));
		if (n < 0)
			return n;
		p += n;
	}
	if (p == buf) {
		unsetenv(name);
		return 0;
	}
	return setenv(name, buf, 1) ? -errno : 0;
}

static const char *iface_at(void *ctx, size_t i)
{
	return ((struct if_nameindex *)ctx)[i].if_name;
}

/* Bad input changes nothing: an unknown interface stops us before any
 * registration, with the nearest name this host has. */
static int check_interface(const char *name, struct mb_error *err)
{
	struct if_nameindex *ifs;
	const char *near = NULL;
	size_t n = 0;

	if (if_nametoindex(name))
		return 0;
	ifs = if_nameindex();
	if (ifs) {
		while (ifs[n].if_index)
			n++;
		near = mb_nearest(name, n, iface_at, ifs);
	}
	if (near)
		mb_error_set(err, "--interface: no interface '%s' here (did you mean '%s'?)",
			     name, near);
	else
		mb_error_set(err, "--interface: no interface '%s' here", name);
	if (ifs)
		if_freenameindex(ifs);
	return -ENODEV;
}

static int add_config(struct mb_spec *spec, const char *file, const char *profile,
		      struct mb_error *err)
{
	struct mb_ini_config *cfg = calloc(1, sizeof(*cfg));
	unsigned i, used = 0;
	int ret;

	if (!cfg)
		return -ENOMEM;
	ret = mb_ini_load(file, (enum mb_arch)spec->arch, cfg, err);
	for (i = 0; !ret && i < cfg->n_sections; i++) {
		if (profile && strcmp(profile, cfg->sections[i].name))
			continue;
		if (spec->n_rules == MB_MAX_RULES) {
			mb_error_set(err, "%s: too many rules (at most %d)", file, MB_MAX_RULES);
			ret = -E2BIG;
			break;
		}
		spec->rules[spec->n_rules++] = cfg->sections[i].rule;
		used++;
	}
	if (!ret && profile && !used) {
		mb_error_set(err, "--profile: no section '%s' in %s", profile, file);
		ret = -ENOENT;
	}
	free(cfg);
	return ret;
}

/*
 * --engine names a flag, so its error must too: the agent (or the helper)
 * would only know the MINDERBINDER_ENGINE we hand it. Root asks the
 * kernel here, as the helper would; anyone else cannot load the probe and
 * leaves it to the helper.
 */
static int engine_missing(enum mb_engine_wish wish, struct mb_error *err)
{
	static const char *const names[] = { "auto", "seccomp", "kprobe", "fmod_ret" };
	struct mb_error why = { "" };
	enum mb_engine e;

	if (wish == MB_WISH_KPROBE)
		e = MB_ENGINE_KPROBE;
	else if (wish == MB_WISH_FMOD_RET)
		e = MB_ENGINE_FMOD_RET;
	else
		return 0;
	if (geteuid() != 0 || mb_engine_probe(e, &why) != 0)
		return 0;
	mb_error_set(err, "--engine %s: this kernel lacks it: %s", names[wish], why.msg);
	return 125;
}

/*
 * The agent cannot load into a static CMD, so rules it would have read
 * from the environment would be ignored in silence: refuse them.
 */
static int static_env_rules(const char *cmd, struct mb_error *err)
{
	static const struct {
		const char *var, *flag;
	} vars[] = { { "MINDERBINDER_SYSCALL", "-s" }, { "MINDERBINDER_NET", "-n" } };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i].var);

		if (!v || !*v)
			continue;
		mb_error_set(err,
			     "%s is set ('%s'), but %s is static: the agent cannot load into it and would ignore those rules; give them to run with %s",
			     vars[i].var, v, cmd, vars[i].flag);
		return 2;
	}
	return 0;
}

/*
 * Everything `run` does once its options are read: find CMD, then either
 * register this process and exec a static CMD (the registration and the
 * filter survive the exec), or hand a dynamic one the rules through the
 * environment and LD_PRELOAD. `sweep` forks and calls this once per run.
 */
/*
 * A rule this libc never makes the syscall of (open on x86_64 glibc) is
 * said here, once, before CMD runs: run's own stderr, whatever it is (a
 * script that ran run wants to know its rule tests nothing), unless
 * MINDERBINDER_WARN=0. The agent in CMD has been told, and stays quiet.
 */
static int libc_hints(const struct mb_spec *spec, struct mb_error *err)
{
	int want = mb_libc_hint_wanted(getenv("MINDERBINDER_WARN"), 1, err);
	struct mb_error w;
	__u32 i = 0;

	if (want < 0)
		return want;
	while (want && mb_libc_hint_next(spec, &i, "run", &w))
		fprintf(stderr, "minderbinder: warning: %s\n", w.msg);
	return setenv("MINDERBINDER_WARN", "0", 1) ? -errno : 0;
}

int mb_cli_exec_with_spec(const struct mb_spec *spec, const struct mb_cli_exec *x,
			  char **argv, struct mb_error *err)
{
	struct mb_register_opts opts = { .scope = MB_SCOPE_TREE, .wish = MB_WISH_AUTO };
	const char *scope_s = x->scope ? x->scope : "tree";
	/* Without --engine, a MINDERBINDER_ENGINE in the environment holds,
	 * as it would for the agent. */
	const char *env_engine = getenv("MINDERBINDER_ENGINE");
	const char *engine_s = x->engine ? x->engine : env_engine && *env_engine ? env_engine : "auto";
	const char *strict = x->strict ? x->strict : "1";
	char cmd[PATH_MAX], agent[PATH_MAX];
	int inproc;
	struct mb_transport transport;
	struct mb_registration reg;
	int ret, timeout_ms;

	if (mb_scope_parse("--scope", scope_s, 0, &opts.scope, err) ||
	    mb_engine_wish_parse(x->engine ? "--engine" : "MINDERBINDER_ENGINE", engine_s,
				 &opts.wish, err))
		return 2;
	if (x->engine && (ret = engine_missing(opts.wish, err)))
		return ret;
	if (find_command(argv[0], cmd, sizeof(cmd))) {
		mb_error_set(err, "%s: command not found", argv[0]);
		return 127;
	}
	if (mb_transport_choose(NULL, "minderbinder", &transport, err))
		return 125;
	opts.helper = transport.helper;
	opts.socket = transport.socket[0] ? transport.socket : NULL;
	opts.socket_from_env = transport.from_env;
	/* mb_register_self (or the agent) reads it again; refused here first,
	 * as a bad option is. */
	if (mb_helper_timeout(&timeout_ms, err))
		return 2;
	opts.interfaces = x->interfaces;
	opts.log_path = x->log ? x->log : getenv("MINDERBINDER_LOG");
	if (opts.log_path && !*opts.log_path)
		opts.log_path = NULL;
	if (opts.log_path && mb_log_path_check(x->log ? "--log" : "MINDERBINDER_LOG",
					       opts.log_path, err))
		return x->log ? 2 : 125;
	/* The agent reads it; refused here first, as its other variables.
	 * --supervised was checked with the options, and replaces it. */
	if (x->supervised)
		inproc = !strcmp(x->supervised, "inprocess");
	else if (getenv("MINDERBINDER_SUPERVISED") && *getenv("MINDERBINDER_SUPERVISED") &&
		 mb_supervised_parse("MINDERBINDER_SUPERVISED", getenv("MINDERBINDER_SUPERVISED"),
				     &inproc, err))
		return 125;
	else
		inproc = 0;

	if (is_static_elf(cmd) == 1) {
		if ((ret = static_env_rules(cmd, err)))
			return ret;
		if (inproc)
			/* asked for, and impossible: said, not ignored */
			fprintf(stderr, "minderbinder: warning: %sinprocess: %s is static (no agent can "
					"run inside it): the supervisor decides its rules\n",
				x->supervised ? "--supervised " : "MINDERBINDER_SUPERVISED=", cmd);
		ret = mb_register_self(spec, &opts, &reg, err);
		if (ret && strcmp(strict, "0"))
			return 125;
		if (ret)
			fprintf(stderr, "minderbinder: warning: running without faults: %s\n",
				err->msg);
	} else {
		const char *old = getenv("LD_PRELOAD");
		char preload[2 * PATH_MAX];

		if (mb_find_beside(NULL, "libmbpreload.so", MB_LIBDIR, R_OK, agent,
				   sizeof(agent))) {
			mb_error_set(err, "cannot find libmbpreload.so next to minderbinder or in %s",
				     MB_LIBDIR);
			return 125;
		}
		snprintf(preload, sizeof(preload), "%s%s%s", agent, old && *old ? ":" : "",
			 old ? old : "");
		if (spec_to_env(spec, MB_RULE_SYSCALL, "MINDERBINDER_SYSCALL") ||
		    spec_to_env(spec, MB_RULE_NET, "MINDERBINDER_NET") ||
		    setenv("MINDERBINDER_SCOPE", scope_s, 1) ||
		    setenv("MINDERBINDER_STRICT", strict, 1) ||
		    setenv("MINDERBINDER_ENGINE", engine_s, 1) ||
		    (x->supervised && setenv("MINDERBINDER_SUPERVISED", x->supervised, 1)) ||
		    /* The agent makes the same choice: make it this one. */
		    (transport.socket[0] ? setenv(MB_SOCKET_VAR, transport.socket, 1)
					 : setenv("MINDERBINDER_HELPER", transport.helper, 1)) ||
		    (x->interfaces && setenv("MINDERBINDER_INTERFACES", x->interfaces, 1)) ||
		    (x->log && setenv("MINDERBINDER_LOG", x->log, 1)) ||
		    setenv("LD_PRELOAD", preload, 1)) {
			mb_error_set(err, "failed to set up the environment");
			return 125;
		}
		/* Rules are explicit now: defaults must not apply twice. */
		unsetenv("MINDERBINDER_REGISTERED");
	}
	if (x->before_exec && (ret = x->before_exec(x->ctx))) {
		mb_error_set(err, "failed to prepare %s: %s", cmd, strerror(-ret));
		return 125;
	}
	execv(cmd, argv);
	mb_error_set(err, "failed to run %s: %s", cmd, strerror(errno));
	return 127;
}

int mb_cli_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "syscall", required_argument, NULL, 's' },
		{ "net", required_argument, NULL, 'n' },
		{ "scope", required_argument, NULL, 'S' },
		{ "strict", required_argument, NULL, 'T' },
		{ "engine", required_argument, NULL, 'E' },
		{ "supervised", required_argument, NULL, 'U' },
		{ "config", required_argument, NULL, 'c' },
		{ "profile", required_argument, NULL, 'p' },
		{ "interface", required_argument, NULL, 'i' },
		{ "log", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "list-syscalls", optional_argument, NULL, 'Y' },
		{ "list-errnos", no_argument, NULL, 'R' },
		{ "expect-faults", no_argument, NULL, 'X' },
		{ 0 },
	};
	struct mb_register_opts opts = { .scope = MB_SCOPE_TREE, .wish = MB_WISH_AUTO };
	const char *config = NULL, *profile = NULL, *strict = "1";
	const char *scope_s = "tree", *engine_s = NULL;
	struct mb_cli_exec x = { 0 };
	char ifaces[256] = "", log[PATH_MAX + MB_LOG_PATH_MAX] = "";
	struct mb_defaults d;
	struct mb_error err = { "" };
	struct mb_spec *spec;
	const char *expect_env = getenv("MINDERBINDER_EXPECT_FAULTS");
	int c, ret, expect = 0, inproc;

	spec = calloc(1, sizeof(*spec));
	if (!spec)
		return mb_cli_fail(1, "out of memory");
	mb_spec_init(spec, mb_native_arch());
	if (mb_defaults_from_env(&d, getenv, &err))
		return mb_cli_fail(2, "%s", err.msg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			ret = mb_spec_add_syscalls(spec, "-s", optarg, &d, &err);
			break;
		case 'n':
			ret = mb_spec_add_net(spec, "-n", optarg, &d, &err);
			break;
		case 'S':
			scope_s = optarg;
			ret = mb_scope_parse("--scope", optarg, 0, &opts.scope, &err);
			break;
		case 'T':
			strict = optarg;
			ret = strcmp(optarg, "0") && strcmp(optarg, "1") ? -EINVAL : 0;
			if (ret)
				mb_error_set(&err, "--strict: bad value '%s' (want 0 or 1)", optarg);
			break;
		case 'E':
			engine_s = optarg;
			ret = mb_engine_wish_parse("--engine", optarg, &opts.wish, &err);
			break;
		case 'U':
			x.supervised = optarg;
			ret = mb_supervised_parse("--supervised", optarg, &inproc, &err);
			break;
		case 'c':
			config = optarg;
			ret = 0;
			break;
		case 'p':
			profile = optarg;
			ret = 0;
			break;
		case 'i':
			/* the original project's flag; repeatable, kept as a comma list */
			if (strlen(ifaces) + strlen(optarg) + 2 > sizeof(ifaces) ||
			    strchr(optarg, ',')) {
				mb_error_set(&err, "--interface: bad name '%s'", optarg);
				ret = -EINVAL;
				break;
			}
			ret = check_interface(optarg, &err);
			if (ret)
				break;
			if (*ifaces)
				strcat(ifaces, ",");
			strcat(ifaces, optarg);
			break;
		case 'L':
			/* Relative to where we were run: the agent wants it absolute. */
			ret = 0;
			if (optarg[0] == '/') {
				snprintf(log, sizeof(log), "%s", optarg);
			} else if (!getcwd(log, PATH_MAX)) {
				ret = -errno;
				mb_error_set(&err, "--log: cannot get the working directory: %s",
					     strerror(-ret));
				break;
			} else {
				size_t n = strlen(log);

				snprintf(log + n, sizeof(log) - n, "%s%s",
					 n && log[n - 1] == '/' ? "" : "/", optarg);
			}
			if (!optarg[0]) {
				mb_error_set(&err, "--log: empty file name");
				ret = -EINVAL;
			} else {
				ret = mb_log_path_check("--log", log, &err);
			}
			break;
		case 'X':
			expect = 1;
			ret = 0;
			break;
		case 'h':
			usage(stdout);
			free(spec);
			return 0;
		case 'Y':
			ret = mb_cli_list_syscalls(stdout, optarg, &err);
			free(spec);
			return ret ? mb_cli_fail(2, "%s", err.msg) : 0;
		case 'R':
			mb_cli_list_errnos(stdout);
			free(spec);
			return 0;
		default:
			usage(stderr);
			free(spec);
			return 2;
		}
		if (ret) {
			free(spec);
			return mb_cli_fail(2, "%s", err.msg);
		}
	}
	if (profile && !config) {
		free(spec);
		return mb_cli_fail(2, "--profile needs --config FILE");
	}
	if (config && (ret = add_config(spec, config, profile, &err))) {
		free(spec);
		return mb_cli_fail(2, "%s", err.msg);
	}
	if (optind >= argc) {
		free(spec);
		usage(stderr);
		return mb_cli_fail(2, "run: no command given (put it after --)");
	}
	if (!spec->n_rules) {
		free(spec);
		return mb_cli_fail(2, "run: no rule given (-s SPEC, -n SPEC or --config FILE)");
	}
	x.scope = scope_s;
	x.strict = strict;
	x.engine = engine_s;
	x.interfaces = *ifaces ? ifaces : NULL;
	x.log = *log ? log : NULL;
	if (expect_env && *expect_env && strcmp(expect_env, "0") && strcmp(expect_env, "1") &&
	    strcmp(expect_env, "warn")) {
		free(spec);
		return mb_cli_fail(2, "MINDERBINDER_EXPECT_FAULTS: bad value '%s' (want 0, 1 or warn)",
				   expect_env);
	}
	if (expect_env && !strcmp(expect_env, "1"))
		expect = 1;
	ret = libc_hints(spec, &err);
	if (ret) {
		free(spec);
		return mb_cli_fail(2, "%s", err.msg);
	}
	/* Without --expect-faults CMD takes our place (exec): its pid is
	 * ours and nothing stands between it and its caller. */
	if (expect)
		ret = mb_cli_run_expecting(spec, &x, argv + optind, &err);
	else {
		/* Only root can read the counters. A warning is for someone
		 * watching: on a terminal, or asked for (=warn); output a script
		 * keeps stays CMD's alone (=0: never). */
		int warn = expect_env && !strcmp(expect_env, "warn") ? 1
			   : expect_env && !strcmp(expect_env, "0") ? 0
			   : isatty(STDERR_FILENO);

		if (geteuid() == 0 && warn)
			mb_cli_start_watcher();
		ret = mb_cli_exec_with_spec(spec, &x, argv + optind, &err);
	}
	if (expect && !err.msg[0]) {
		free(spec);
		return ret;
	}
	free(spec);
	return mb_cli_fail(ret, "%s", err.msg);
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * 6. Registration through the node daemon (mb-helper --daemon) against the
 * helper the agent starts per registration: wall time of posix_spawn() +
 * waitpid() of /bin/true with the agent and one rule, every way
 * interleaved in one run: as root, for a syscall rule and a network rule;
 * and as uid 65534 (through setpriv, both ways), where the helper is a
 * set-uid root copy, the path an unprivileged user takes. The daemon is
 * started here, on a socket of its own, and stopped at the end.
 *
 *   bench-daemon --build DIR [--runs N]
 */
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "bench.h"

enum { V_HELPER_SYS, V_DAEMON_SYS, V_HELPER_NET, V_DAEMON_NET, V_SUID_SYS, V_NOBODY_SYS, V_COUNT };

struct variant {
	const char *label;
	struct cmd cmd;
	double ms[MAX_SAMPLES];
	int n, failed;
};

/* A copy of from at to, mode 0700, for the set-uid variant. */
static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), o = -1, err = -1;
	ssize_t n;

	if (in >= 0)
		o = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (o >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(o, buf, (size_t)n) != n)
				break;
		err = n == 0 ? 0 : -1;
		if (close(o))
			err = -1;
	}
	if (in >= 0)
		close(in);
	return err;
}

static int socket_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = s >= 0 && !connect(s, (struct sockaddr *)&sa, sizeof(sa));
	if (s >= 0)
		close(s);
	return r;
}

static pid_t start_daemon(const char *helper, const char *sock, const char *policy)
{
	const char *argv[] = { helper, "--daemon", "--socket", sock, "--policy", policy, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int i;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, helper, &fa, NULL, (char *const *)argv, environ))
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	for (i = 0; pid > 0 && i < 500 && !socket_answers(sock); i++)
		usleep(10000);
	return pid;
}

static void once(struct variant *v)
{
	double ns;
	int st = run(&v->cmd, NULL, 0, &ns);

	if (!exited_ok(st))
		v->failed++;
	else if (v->n < MAX_SAMPLES)
		v->ms[v->n++] = ns / 1e6;
}

static void row(const struct variant *v, int k, int runs)
{
	if (v->failed || v->n < runs) {
		broken = 1;
		out("   [R%d] %-42s FAILED (%d of %d runs)\n", k, v->label, v->failed, runs);
		return;
	}
	out("   [R%d] %-42s %5d %8.3f ms %8.3f ms %8.3f ms\n", k, v->label, v->n, median(v->ms, v->n),
	    percentile(v->ms, v->n, 10), percentile(v->ms, v->n, 90));
}

int main(int argc, char **argv)
{
	static char preload[PATH_MAX + 16], helper_env[PATH_MAX + 32], sock_env[PATH_MAX + 32],
		suid_env[PATH_MAX + 32];
	char build[PATH_MAX], agent[PATH_MAX], helper[PATH_MAX], dir[] = "/tmp/mbbench.XXXXXX";
	char suid[PATH_MAX];
	char sock[PATH_MAX], policy[PATH_MAX], line[PATH_MAX * 2], rb[32];
	const char *truebin = "/bin/true";
	struct variant v[V_COUNT] = {
		[V_HELPER_SYS] = { "getppid:EIO, mb-helper per registration" },
		[V_DAEMON_SYS] = { "getppid:EIO, through the daemon's socket" },
		[V_HELPER_NET] = { "tcp:9:refuse, mb-helper per registration" },
		[V_DAEMON_NET] = { "tcp:9:refuse, through the daemon's socket" },
		[V_SUID_SYS] = { "getppid:EIO, uid 65534, set-uid mb-helper" },
		[V_NOBODY_SYS] = { "getppid:EIO, uid 65534, daemon's socket" },
	};
	int runs = 50, i, k;
	FILE *f;
	pid_t d;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--build") && i + 1 < argc)
			snprintf(build, sizeof(build), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench-daemon --build DIR [--runs N]\n");
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_SAMPLES || !build[0] || geteuid() != 0) {
		fprintf(stderr, "bench-daemon: needs --build DIR, 1..%d runs, and root (the "
				"daemon is root's)\n", MAX_SAMPLES);
		return 2;
	}
	if (path_join(agent, sizeof(agent), build, "libmbpreload.so") ||
	    path_join(helper, sizeof(helper), build, "mb-helper") || !mkdtemp(dir) ||
	    path_join(sock, sizeof(sock), dir, "daemon.sock") ||
	    path_join(policy, sizeof(policy), dir, "policy.ini") ||
	    path_join(suid, sizeof(suid), dir, "mb-helper"))
		return 2;
	/* uid 65534 must reach the set-uid copy and the socket in here. */
	if (chmod(dir, 0755) || copy_file(helper, suid) || chmod(suid, 04755)) {
		fprintf(stderr, "bench-daemon: cannot make a set-uid copy of %s in %s\n", helper, dir);
		return 2;
	}
	f = fopen(policy, "w");
	if (!f || fputs("[register]\n", f) < 0 || fclose(f))
		return 2;
	base_env_init();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	d = start_daemon(helper, sock, policy);
	if (d < 0 || !socket_answers(sock)) {
		fprintf(stderr, "bench-daemon: the daemon did not start on %s\n", sock);
		return 1;
	}
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", agent);
	snprintf(helper_env, sizeof(helper_env), "MINDERBINDER_HELPER=%s", helper);
	snprintf(sock_env, sizeof(sock_env), "MINDERBINDER_SOCKET=%s", sock);
	snprintf(suid_env, sizeof(suid_env), "MINDERBINDER_HELPER=%s", suid);
	for (k = 0; k < V_COUNT; k++) {
		struct cmd *c = &v[k].cmd;
		int a = 0;

		c->env[0] = preload;
		c->env[1] = k == V_HELPER_SYS || k == V_HELPER_NET ? helper_env
			    : k == V_SUID_SYS			    ? suid_env
								    : sock_env;
		c->env[2] = k == V_HELPER_NET || k == V_DAEMON_NET ? "MINDERBINDER_NET=tcp:9:refuse"
								   : "MINDERBINDER_SYSCALL=getppid:EIO";
		if (k >= V_SUID_SYS) {
			c->argv[a++] = "/usr/bin/setpriv";
			c->argv[a++] = "--reuid=65534";
			c->argv[a++] = "--regid=65534";
			c->argv[a++] = "--clear-groups";
		}
		c->argv[a] = truebin;
	}
	out("6. Registration: mb-helper started per registration vs the node daemon "
	    "(mb-helper --daemon), interleaved\n\n");
	for (k = 0; k < V_COUNT; k++) {
		cmd_string(&v[k].cmd, line, sizeof(line));
		out("   [R%d] %s\n", k, line);
	}
	progress("registration: %d runs of each of R0..R%d, interleaved\n", runs, V_COUNT - 1);
	fflush(stdout);
	for (k = 0; k < V_COUNT; k++) /* warm: the BPF programs load once */
		for (i = 0; i < 5; i++)
			run(&v[k].cmd, NULL, 0, &(double){ 0 });
	for (i = 0; i < runs; i++)
		for (k = 0; k < V_COUNT; k++)
			once(&v[(k + i) % V_COUNT]);
	kill(d, SIGTERM);
	waitpid(d, NULL, 0);
	reap_orphans(200);
	unlink(policy);
	unlink(suid);
	rmdir(dir);
	out("\n        variant                                     runs     median        p10        p90\n");
	for (k = 0; k < V_COUNT; k++)
		row(&v[k], k, runs);
	if (!broken) {
		out("\n   daemon / helper (medians): syscall rule %s, network rule %s\n",
		    ratio(median(v[V_DAEMON_SYS].ms, runs) / median(v[V_HELPER_SYS].ms, runs), rb,
			  sizeof(rb)),
		    ratio(median(v[V_DAEMON_NET].ms, runs) / median(v[V_HELPER_NET].ms, runs),
			  line, sizeof(line)));
		out("   as uid 65534, daemon / set-uid helper (medians): syscall rule %s\n",
		    ratio(median(v[V_NOBODY_SYS].ms, runs) / median(v[V_SUID_SYS].ms, runs), rb,
			  sizeof(rb)));
	}
	out("   Timings are reported, never judged.\n");
	return broken;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `mb-helper --daemon`: the set-uid helper's job for processes that cannot
 * run a set-uid program (containers: images drop the bit), served on a
 * SOCK_SEQPACKET socket with the same wire protocol. Each connection gets
 * a process of its own, forked with the connection on MB_HELPER_FD and
 * sanitised as the set-uid helper is, which then runs the very same
 * registration (mb_helper_serve): a slow or hostile caller holds only its
 * own process, never the accept loop, and nothing one caller sends can
 * reach another's memory. Who the caller is comes from the kernel
 * (SO_PEERCRED, SO_PEERPIDFD), the daemon's policy says whether it may.
 *
 * State is the pinned maps': a daemon that dies or restarts leaves every
 * target, supervisor and logger as it was (they are not its children).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper/reply.h"
#include "helper/sanitise.h"
#include "helper/serve.h"
#include "lib/name_tables.h"
#include "minderbinder/pins.h"

/* Registrations in progress at once: all callers, and one uid. A caller
 * over either hears why at once; one that holds its connections open
 * without a word is dropped after the registry lock's wait. */
#define MAX_CHILDREN 1024
#define MAX_PER_UID 128
/* systemd's socket activation protocol: the first passed descriptor. */
#define LISTEN_FDS_START 3

struct child {
	pid_t pid;
	uid_t uid;
};

struct daemon {
	const char *socket_path;
	const char *policy_path;
	int policy_required;
	int activated;
	int listen_fd;
	int signal_fd;
	struct mb_policy policy;
	struct child children[MAX_CHILDREN];
	unsigned n_children;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mb-helper --daemon [--socket PATH] [--policy FILE]\n"
		   "  --socket PATH   the socket to serve (default " MB_DAEMON_SOCKET
		   "; under socket activation, the one systemd passes)\n"
		   "  --policy FILE   who may register (default " MB_DAEMON_POLICY ")\n");
}

static int parse_args(struct daemon *d, int argc, char **argv)
{
	static const char *const flags[] = { "--socket", "--policy", "--help" };
	const char *near;
	int i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 1;
		}
		if ((!strcmp(argv[i], "--socket") || !strcmp(argv[i], "--policy")) && i + 1 < argc) {
			if (argv[i][2] == 's')
				d->socket_path = argv[++i];
			else {
				d->policy_path = argv[++i];
				d->policy_required = 1;
			}
			continue;
		}
		if (!strcmp(argv[i], "--socket") || !strcmp(argv[i], "--policy")) {
			fprintf(stderr, "mb-helper --daemon: %s needs a value\n", argv[i]);
			return -EINVAL;
		}
		near = mb_nearest(argv[i], 3, mb_nearest_list_at, (void *)flags);
		fprintf(stderr, "mb-helper --daemon: unknown option '%s'%s%s%s\n", argv[i],
			near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int is_listening_seqpacket(int fd)
{
	int type = 0, domain = 0, listening = 0;
	socklen_t len = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len))
		return 0;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len))
		return 0;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len))
		return 0;
	return type == SOCK_SEQPACKET && domain == AF_UNIX && listening;
}

/* LISTEN_PID/LISTEN_FDS (sd_listen_fds(3)): 1 when fd 3 is ours to serve,
 * 0 when not activated, -errno when the variables are for us but wrong. */
static int activation(struct daemon *d)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (strcmp(fds, "1")) {
		fprintf(stderr, "mb-helper --daemon: LISTEN_FDS=%s: want exactly one socket "
				"(ListenSequentialPacket= in minderbinder.socket)\n", fds);
		return -EINVAL;
	}
	if (!is_listening_seqpacket(LISTEN_FDS_START)) {
		fprintf(stderr, "mb-helper --daemon: the activated descriptor is not a listening "
				"AF_UNIX SOCK_SEQPACKET socket (ListenSequentialPacket=)\n");
		return -ENOTSOCK;
	}
	if (d->socket_path) {
		fprintf(stderr, "mb-helper --daemon: --socket %s and socket activation both given: "
				"the unit's ListenSequentialPacket= names the socket\n",
			d->socket_path);
		return -EINVAL;
	}
	d->activated = 1;
	return 1;
}

/* A socket file nobody answers on (a daemon that was killed) may go; a
 * live daemon's, or anything that is not a socket, may not. */
static int remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int s, r;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	r = connect(s, (const struct sockaddr *)sa, sizeof(*sa));
	close(s);
	if (!r)
		return -EADDRINUSE;
	return unlink(sa->sun_path) ? -errno : 0;
}

static int bind_socket(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int fd, ret;

	if (strlen(d->socket_path) >= sizeof(sa.sun_path) || d->socket_path[0] != '/') {
		fprintf(stderr, "mb-helper --daemon: --socket %s: want an absolute path shorter than "
				"%zu bytes\n", d->socket_path, sizeof(sa.sun_path));
		return -EINVAL;
	}
	strcpy(sa.sun_path, d->socket_path);
	strcpy(dir, d->socket_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			ret = -errno;
			fprintf(stderr, "mb-helper --daemon: cannot create %s: %s\n", dir,
				strerror(-ret));
			return ret;
		}
	}
	ret = remove_stale(&sa);
	if (ret) {
		fprintf(stderr, "mb-helper --daemon: %s: %s\n", d->socket_path,
			ret == -EADDRINUSE ? "another daemon answers there"
			: ret == -EEXIST   ? "exists and is not a socket"
					   : strerror(-ret));
		return ret;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Anyone may connect: the policy, not the file mode, decides who may
	 * register (a container's uid is not known in advance). */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(sa.sun_path, 0666) ||
	    listen(fd, 512)) {
		ret = -errno;
		fprintf(stderr, "mb-helper --daemon: cannot serve %s: %s\n", d->socket_path,
			strerror(-ret));
		close(fd);
		return ret;
	}
	d->listen_fd = fd;
	return 0;
}

/* In the connection's own process: the connection on MB_HELPER_FD, the
 * state sanitised as the set-uid helper's is, the caller's ids for the
 * children that drop to them, then the one registration. */
static void serve_connection(struct daemon *d, int conn, const struct ucred *peer)
{
	close(d->listen_fd);
	close(d->signal_fd);
	if (conn != SOCK && (dup2(conn, SOCK) < 0 || close(conn)))
		_exit(2);
	if (mb_sanitise())
		_exit(2);
	mb_caller_uid = peer->uid;
	mb_caller_gid = peer->gid;
	_exit(mb_helper_serve(&d->policy));
}

static unsigned held_by(const struct daemon *d, uid_t uid)
{
	unsigned i, n = 0;

	for (i = 0; i < d->n_children; i++)
		n += d->children[i].uid == uid;
	return n;
}

static void accept_one(struct daemon *d)
{
	struct ucred peer = { 0 };
	socklen_t len = sizeof(peer);
	char msg[160];
	pid_t pid;
	int conn;

	conn = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (conn < 0)
		return;
	/* The descriptor the child reads must block, as the helper's does. */
	fcntl(conn, F_SETFL, 0);
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &len)) {
		close(conn);
		return;
	}
	if (d->n_children == MAX_CHILDREN || held_by(d, peer.uid) >= MAX_PER_UID) {
		snprintf(msg, sizeof(msg), "mb-helper --daemon: too many registrations in progress "
			 "(%s at most %d); try again", d->n_children == MAX_CHILDREN ? "all callers"
			 : "this uid", d->n_children == MAX_CHILDREN ? MAX_CHILDREN : MAX_PER_UID);
		mb_reply_refuse(conn, -EAGAIN, msg);
		close(conn);
		return;
	}
	pid = fork();
	if (pid == 0)
		serve_connection(d, conn, &peer);
	close(conn);
	if (pid < 0) {
		fprintf(stderr, "mb-helper --daemon: fork: %s\n", strerror(errno));
		return;
	}
	d->children[d->n_children++] = (struct child){ pid, peer.uid };
}

static void reap(struct daemon *d)
{
	unsigned i;
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (i = 0; i < d->n_children; i++) {
			if (d->children[i].pid == pid) {
				d->children[i] = d->children[--d->n_children];
				break;
			}
		}
	}
}

/*
 * SIGHUP: the policy file again. A good one is in force from the next
 * connection on (those being served keep the copy they forked with); a
 * bad one changes nothing, and the daemon says why and serves on.
 */
static void reload(struct daemon *d)
{
	struct mb_error why = { "" };
	struct mb_policy *p = calloc(1, sizeof(*p));

	if (!p) {
		fprintf(stderr, "mb-helper --daemon: SIGHUP: out of memory; the policy in force stays\n");
		return;
	}
	if (mb_policy_load(d->policy_path, d->policy_required, p, &why))
		fprintf(stderr, "mb-helper --daemon: SIGHUP: keeping the policy in force: %s\n",
			why.msg);
	else {
		d->policy = *p;
		fprintf(stderr, "mb-helper --daemon: SIGHUP: policy %s reloaded\n", d->policy.path);
	}
	free(p);
}

/* Until SIGTERM or SIGINT: 0. */
static int serve(struct daemon *d)
{
	struct signalfd_siginfo si;
	struct pollfd p[2];
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->signal_fd < 0)
		return -errno;
	for (;;) {
		p[0] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = d->signal_fd, .events = POLLIN };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return -errno;
		if (p[1].revents & POLLIN) {
			bool stop = false;

			/* Every signal pending, each for what it is: a SIGTERM
			 * behind a SIGCHLD is not lost. */
			while (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					reload(d);
				else if (si.ssi_signo != SIGCHLD)
					stop = true;
			}
			reap(d);
			if (stop)
				return 0;
		}
		if (p[0].revents & POLLIN)
			accept_one(d);
	}
}

int mb_daemon_main(int argc, char **argv)
{
	struct daemon *d = calloc(1, sizeof(*d));
	struct mb_error why = { "" };
	int ret;

	if (!d)
		return 1;
	d->listen_fd = d->signal_fd = -1;
	d->policy_path = MB_DAEMON_POLICY;
	ret = parse_args(d, argc, argv);
	if (ret)
		return ret > 0 ? 0 : 2;
	/* Real uid, not effective: the installed mb-helper is set-uid root,
	 * and a user must not start a root daemon with a policy of theirs. */
	if (getuid() != 0 || geteuid() != 0) {
		fprintf(stderr, "mb-helper --daemon: must be started by root (uid %u): it serves "
				"every user of the node\n", (unsigned)getuid());
		return 2;
	}
	ret = mb_policy_load(d->policy_path, d->policy_required, &d->policy, &why);
	if (ret) {
		fprintf(stderr, "mb-helper --daemon: refusing to start: %s\n", why.msg);
		return 2;
	}
	ret = activation(d);
	if (ret < 0)
		return 2;
	if (ret > 0) {
		d->listen_fd = fcntl(LISTEN_FDS_START, F_DUPFD_CLOEXEC, 10);
		close(LISTEN_FDS_START);
		if (d->listen_fd < 0)
			return 2;
	} else {
		if (!d->socket_path)
			d->socket_path = MB_DAEMON_SOCKET;
		if (bind_socket(d))
			return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "mb-helper --daemon: serving %s (%s), policy %s%s\n",
		d->activated ? "the activated socket" : d->socket_path,
		d->activated ? "systemd" : "bound", d->policy.path,
		d->policy.uids_line || d->policy.cgroups_line || d->policy.userns_line ||
				d->policy.host_ifaces_line || d->policy.has_quota
			? ""
			: " (none: every uid, cgroup and user namespace may register)");
	ret = serve(d);
	if (!d->activated)
		unlink(d->socket_path);
	fprintf(stderr, "mb-helper --daemon: stopped%s%s\n", ret ? ": " : "",
		ret ? strerror(-ret) : "");
	return ret ? 1 : 0;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Children with our privileges dropped to the caller's, for the jobs that
 * outlive the helper (the supervisor, the network logger) or that open
 * what the caller names (MINDERBINDER_LOG).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engines/netlog.h"
#include "engines/seccomp/supervise.h"
#include "helper/registrar.h"
#include "helper/sanitise.h"
#include "helper/spawn.h"
#include "lib/json_log.h"

static int drop_privileges(void)
{
	uid_t uid = mb_caller_uid;
	gid_t gid = mb_caller_gid;

	if (geteuid() == 0 && setgroups(0, NULL))
		return -errno;
	if (setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -errno;
	if (uid != 0 && !setuid(0))
		return -EPERM; /* we could get root back: refuse to go on */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	/* The target's user must not ptrace us and reach the map fd. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}

/* Reaps child pid within ms, or kills it: 0, or -ETIMEDOUT. */
static int wait_child(pid_t pid, int ms, int *status)
{
	struct pollfd p = { .fd = (int)syscall(SYS_pidfd_open, pid, 0), .events = POLLIN };
	int r = 1, err = 0;

	if (p.fd >= 0) {
		do
			r = poll(&p, 1, ms);
		while (r < 0 && errno == EINTR);
		close(p.fd);
	}
	if (r == 0) {
		kill(pid, SIGKILL);
		err = -ETIMEDOUT;
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return err;
}

/*
 * MINDERBINDER_LOG must be a regular file the caller can write, or
 * registration fails now, before the filter goes in: a child with our
 * privileges dropped (the supervisor's identity) opens it, creating it if
 * need be, and tells us the errno in its exit status. The supervisor
 * opens it again. Never waited on for longer than the wait: the path is
 * the caller's to choose (a FIFO, a FUSE mount).
 */
int mb_spawn_check_log(const struct request *rq, struct mb_error *why)
{
	int status = 0, err;
	pid_t pid;

	if (!rq->msg.log_path[0])
		return 0;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		mb_error_set(why, "MINDERBINDER_LOG: cannot check %s: %s", rq->msg.log_path,
			     strerror(-err));
		return err;
	}
	if (pid == 0) {
		int fd;

		close(SOCK);
		if (drop_privileges())
			_exit(EPERM);
		fd = mb_log_open(rq->msg.log_path);
		_exit(fd >= 0 ? 0 : -fd < 256 ? -fd : EIO);
	}
	err = wait_child(pid, mb_request_wait_ms(rq), &status);
	if (err) {
		mb_error_set(why, "MINDERBINDER_LOG: opening %s took more than %d ms",
			     rq->msg.log_path, mb_request_wait_ms(rq));
		return err;
	}
	err = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
	if (!err)
		return 0;
	if (err == ESPIPE)
		mb_error_set(why,
			     "MINDERBINDER_LOG: %s is not a regular file (a FIFO, device or socket "
			     "is refused)", rq->msg.log_path);
	else
		mb_error_set(why, "MINDERBINDER_LOG: cannot open %s: %s", rq->msg.log_path,
			     strerror(err));
	return -err;
}

/*
 * A C API session's registrar: it stays root (its caller cannot signal
 * it) and hears only the supervisor, on the socketpair made here. It
 * holds no listener: a filter whose listener outlived its supervisor
 * would leave every routed call waiting.
 */
static int spawn_registrar(struct request *rq, struct mb_registry *reg, int listener,
			   int control, int *fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0) {
		setsid();
		close(SOCK);
		close(sv[1]);
		if (listener >= 0)
			close(listener);
		close(control);
		close(rq->pidfd);
		mb_identity_close(&rq->reader);
		_exit(mb_registrar_run(rq, reg, sv[0]) ? 1 : 0);
	}
	close(sv[0]);
	*fd = sv[1];
	return 0;
}

pid_t mb_spawn_supervisor(struct request *rq, struct mb_registry *reg, int listener,
			  int control)
{
	struct mb_supervisor_args args = {
		.listener_fd = listener,
		.control_fd = control,
		.counters_fd = reg->counters_fd,
		.tgid = rq->peer.pid,
		.start_ticks = rq->proc_start_ticks,
		.reg_tgid = rq->key,
		.reg_start_ticks = rq->target.start_ticks,
		.scope = (enum mb_scope)rq->msg.scope,
		.spec = &rq->msg.spec,
		.engines = rq->engines,
		.log_path = rq->msg.log_path[0] ? rq->msg.log_path : NULL,
		.registrar_fd = -1,
		.sv_counters_fd = -1,
	};
	__u32 sv_counters_id = 0;
	pid_t pid;
	int err = control >= 0 ? spawn_registrar(rq, reg, listener, control,
						  &args.registrar_fd) : 0;

	if (err)
		return err;
	/* Its own counters, written without a system call (count.c); the C
	 * API's rules are counted over its control socket instead. Without
	 * them (no BPF_F_MMAPABLE, say) it updates mb_counters. */
	if (control < 0) {
		args.sv_counters_fd = mb_registry_sv_counters_create(&sv_counters_id);
		if (args.sv_counters_fd < 0)
			args.sv_counters_fd = -1;
	}
	pid = fork();
	if (pid != 0) {
		err = -errno;
		if (args.registrar_fd >= 0)
			close(args.registrar_fd);
		if (args.sv_counters_fd >= 0)
			close(args.sv_counters_fd);
		/* start_supervisor writes it in the target entry. */
		if (pid > 0)
			rq->target.sv_counters_id = sv_counters_id;
		return pid < 0 ? err : pid;
	}
	/* Its own process group: a Ctrl-C meant for the target must not
	 * kill the supervisor first and leave the target's calls failing
	 * with ENOSYS. Not its own session: the scheduler's autogroup is
	 * the session's, and the target's wake-up on our CPU runs at once
	 * only within one group (issue 18: 2-7x the floor under load). */
	setpgid(0, 0);
	close(SOCK);
	close(rq->pidfd);
	mb_identity_close(&rq->reader);
	mb_registry_keep_counters(reg);
	if (drop_privileges())
		_exit(1);
	_exit(mb_supervise(&args) ? 1 : 0);
}

/*
 * MINDERBINDER_LOG with network rules: the caller's ring goes in before it
 * hears PLAN (no fault can come earlier), and a logger, with the
 * supervisor's identity, writes its events until the caller exits.
 */
int mb_spawn_netlog(struct request *rq, struct mb_registry *reg)
{
	struct mb_netlog_args args = {
		.log_path = rq->msg.log_path,
		.spec = &rq->msg.spec,
	};
	pid_t pid;
	int err;

	args.pidfd = fcntl(rq->pidfd, F_DUPFD_CLOEXEC, 0);
	if (args.pidfd < 0)
		return -errno;
	args.tgid = rq->key;
	args.ring_fd = mb_netlog_ring(args.tgid, &args.rings_fd);
	if (args.ring_fd < 0) {
		close(args.pidfd);
		return args.ring_fd;
	}
	pid = fork();
	if (pid == 0) {
		int fd;

		setsid();
		close(SOCK);
		close(rq->pidfd);
		mb_identity_close(&rq->reader);
		mb_registry_close(reg);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (drop_privileges())
			_exit(1);
		_exit(mb_netlog_run(&args) ? 1 : 0);
	}
	err = pid < 0 ? -errno : 0;
	close(args.ring_fd);
	close(args.rings_fd);
	close(args.pidfd);
	return err;
}

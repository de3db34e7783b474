/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's floors under a supervised syscall (issue 18): how fast can
 * getppid be answered with EIO by each seccomp mechanism, with nothing of
 * minderbinder's in the way? Every mechanism runs in a fresh child (the
 * target); where a supervisor is needed it is this process, answering over
 * the child's listener, as mb-helper's supervisor does.
 *
 *     seccomp_floor [CALLS] [ROUNDS [AGENT LOOP]]
 *
 * With AGENT (libmbpreload.so) and LOOP (bench/loop), minderbinder's own
 * paths run in the same rounds, beside the floors they stand on: the
 * supervisor, and strace -e inject for scale (a tenth of the calls: it is
 * that slow).
 *
 * Prints one line per mechanism: the median ns per call over ROUNDS runs,
 * the spread, and the ratio to the plain call. Every timed call's result is
 * checked (a mechanism that did not answer EIO is reported, not timed).
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* Linux 6.6; Debian 12's headers are older. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define WARMUP(calls) ((calls) / 100 + 10)

enum mech {
	M_PLAIN,      /* no filter: the kernel's own getppid */
	M_ERRNO,      /* SECCOMP_RET_ERRNO */
	M_TRAP,       /* SECCOMP_RET_TRAP, a SIGSYS handler sets the result */
	M_RECV_SYNC,  /* USER_NOTIF; supervisor blocked in NOTIF_RECV; sync wake-up */
	M_RECV,       /* the same, without the sync flag */
	M_POLL_SYNC,  /* USER_NOTIF; supervisor waits in poll(), then NOTIF_RECV; sync */
	M_POLL,       /* the same, without the sync flag */
	M_MB_SUPERVISOR, /* minderbinder: getppid:EIO:times=N, the supervisor */
	M_MB_INPROC,     /* the same rule, MINDERBINDER_SUPERVISED=inprocess */
	M_STRACE,        /* strace -e inject=getppid:error=EIO */
	M_COUNT
};

static const char *const mech_names[M_COUNT] = {
	"real getppid",
	"SECCOMP_RET_ERRNO in the filter",
	"SECCOMP_RET_TRAP + SIGSYS handler",
	"USER_NOTIF, supervisor in NOTIF_RECV, sync wake-up",
	"USER_NOTIF, supervisor in NOTIF_RECV",
	"USER_NOTIF, supervisor in poll(), sync wake-up",
	"USER_NOTIF, supervisor in poll()",
	"minderbinder, supervisor (times=N)",
	"minderbinder, in-process (times=N)",
	"strace -e inject (calls/10)",
};

static const char *agent, *loop;

/* One run of minderbinder's own paths, or strace's: LOOP prints
 * "ns_per_call=X calls=N matched=M" (bench/loop.c). */
static double run_tool(enum mech m, long calls)
{
	char out[256] = "", ncalls[32], env_rule[] = "MINDERBINDER_SYSCALL=getppid:EIO:times=1000000000",
	     env_pre[4200], env_sup_s[] = "MINDERBINDER_SUPERVISED=supervisor",
	     env_sup_i[] = "MINDERBINDER_SUPERVISED=inprocess";
	const char *argv_loop[] = { loop, "getppid", ncalls, "EIO", NULL };
	const char *argv_strace[] = { "strace", "-f", "-o", "/dev/null", "-e", "trace=getppid",
				      "-e", "inject=getppid:error=EIO", loop, "getppid", ncalls,
				      "EIO", NULL };
	double ns;
	long c, matched;
	ssize_t n, got = 0;
	int p[2], st;
	pid_t pid;

	if (m == M_STRACE)
		calls = calls / 10 < 100 ? 100 : calls / 10;
	snprintf(ncalls, sizeof(ncalls), "%ld", calls);
	snprintf(env_pre, sizeof(env_pre), "LD_PRELOAD=%s", agent);
	if (pipe(p))
		return -2;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		if (m != M_STRACE) {
			putenv(env_rule);
			putenv(env_pre);
			putenv(m == M_MB_INPROC ? env_sup_i : env_sup_s);
		}
		execvp(m == M_STRACE ? "strace" : loop,
		       (char *const *)(m == M_STRACE ? argv_strace : argv_loop));
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -2;
	}
	while (got < (ssize_t)sizeof(out) - 1 &&
	       (n = read(p[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += n;
	close(p[0]);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) ||
	    sscanf(out, "ns_per_call=%lf calls=%ld matched=%ld", &ns, &c, &matched) != 3)
		return -2;
	return matched == calls ? ns : -1;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RAX] = -EIO;
}

static int install(__u32 action, unsigned int flags)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = { .len = sizeof(prog) / sizeof(prog[0]), .filter = prog };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
}

static int send_fd(int sock, int fd)
{
	char c = 'L', buf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char c, buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The target: installs its mechanism, times CALLS getppid, writes ns/call
 * (negative when a call was not answered as expected) to sock. */
static void target(enum mech m, long calls, int sock)
{
	int fd = 0, expect = m == M_PLAIN ? 0 : EIO;
	double t0, ns;
	long i, bad = 0, r;

	if (m == M_TRAP) {
		struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

		sigaction(SIGSYS, &sa, NULL);
		fd = install(SECCOMP_RET_TRAP, 0);
	} else if (m == M_ERRNO) {
		fd = install(SECCOMP_RET_ERRNO | EIO, 0);
	} else if (m != M_PLAIN) {
		fd = install(SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
		if (fd >= 0 && send_fd(sock, fd) == 0)
			close(fd);
	}
	if (fd < 0)
		_exit(2);
	for (i = 0; i < WARMUP(calls); i++)
		syscall(SYS_getppid);
	t0 = now_ns();
	for (i = 0; i < calls; i++) {
		r = syscall(SYS_getppid);
		bad += expect ? !(r == -1 && errno == expect) : r <= 0;
	}
	ns = (now_ns() - t0) / (double)calls;
	if (bad)
		ns = -1;
	if (write(sock, &ns, sizeof(ns)) != sizeof(ns))
		_exit(3);
	_exit(0);
}

/* The supervisor's loop: answer the target's N calls with EIO. The
 * target's socket is in the poll set as the control socket is in ours. */
static int supervise(enum mech m, int listener, int sock, long n)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int use_poll = m == M_POLL_SYNC || m == M_POLL;
	struct pollfd pfd[2] = { { .fd = listener, .events = POLLIN },
				 { .fd = sock, .events = POLLIN } };

	if ((m == M_RECV_SYNC || m == M_POLL_SYNC) &&
	    ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP))
		return -errno;
	while (n > 0) {
		if (use_poll) {
			if (poll(pfd, 2, -1) < 0)
				continue;
			if (!(pfd[0].revents & POLLIN))
				return -EIO;
		}
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req)) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		resp = (struct seccomp_notif_resp){ .id = req.id, .error = -EIO };
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0)
			n--;
	}
	return 0;
}

/* One run of a mechanism: ns per call, or a negative value when it did
 * not run (-2) or did not answer EIO on every call (-1). */
static double run_once(enum mech m, long calls)
{
	int sv[2], listener = -1, st, ok = 1;
	double ns = -2;
	pid_t pid;

	if (m >= M_MB_SUPERVISOR)
		return run_tool(m, calls);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -2;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		target(m, calls, sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -2;
	}
	if (m >= M_RECV_SYNC) {
		listener = recv_fd(sv[0]);
		if (listener < 0 || supervise(m, listener, sv[0], WARMUP(calls) + calls) < 0) {
			kill(pid, SIGKILL);
			ok = 0;
		}
	}
	if (!ok || read(sv[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -2;
	if (listener >= 0)
		close(listener);
	close(sv[0]);
	waitpid(pid, &st, 0);
	return ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 100000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, r, m, failed = 0;
	int n_mech = argc > 4 ? M_COUNT : M_MB_SUPERVISOR;
	double res[M_COUNT][64], med[M_COUNT];

	if (calls < 100 || rounds < 1 || rounds > 64 || argc == 4 || argc > 5) {
		fprintf(stderr, "usage: seccomp_floor [CALLS>=100] [ROUNDS 1..64 [AGENT LOOP]]\n");
		return 2;
	}
	if (argc > 4) {
		agent = argv[3];
		loop = argv[4];
	}
	/* Rounds rotate the order, so drift on a shared machine spreads out. */
	for (r = 0; r < rounds; r++)
		for (m = 0; m < n_mech; m++) {
			int k = (m + r) % n_mech;

			res[k][r] = run_once((enum mech)k, calls);
		}
	printf("seccomp floors: getppid answered with EIO, %ld calls x %d rounds\n", calls, rounds);
	printf("%-52s %10s %21s %8s %10s\n", "mechanism", "ns/call", "min..max", "ratio",
	       "vs floor");
	for (m = 0; m < n_mech; m++) {
		qsort(res[m], (size_t)rounds, sizeof(double), cmp_double);
		med[m] = res[m][rounds / 2];
		if (res[m][0] < 0) {
			printf("%-52s %10s\n", mech_names[m],
			       res[m][0] == -1 ? "DID NOT ANSWER EIO" : "NOT RUN");
			/* strace is for scale; it may not be installed. */
			failed |= m != M_STRACE || res[m][0] == -1;
			continue;
		}
		printf("%-52s %10.0f %10.0f..%-10.0f %7.2fx", mech_names[m], med[m], res[m][0],
		       res[m][rounds - 1], med[0] > 0 ? med[m] / med[0] : 0);
		/* Each of ours against the kernel mechanism under it. */
		if (m == M_MB_SUPERVISOR && res[M_RECV_SYNC][0] > 0)
			printf(" %9.2fx", med[m] / med[M_RECV_SYNC]);
		if (m == M_MB_INPROC && res[M_TRAP][0] > 0)
			printf(" %9.2fx", med[m] / med[M_TRAP]);
		printf("\n");
	}
	if (n_mech == M_COUNT && res[M_STRACE][0] > 0 && res[M_MB_SUPERVISOR][0] > 0)
		printf("strace / minderbinder's supervisor: %.1fx\n",
		       med[M_STRACE] / med[M_MB_SUPERVISOR]);
	if (n_mech == M_COUNT && res[M_MB_INPROC][0] > 0 && res[M_MB_SUPERVISOR][0] > 0)
		printf("minderbinder's supervisor / in-process: %.1fx; strace / in-process: %.1fx\n",
		       med[M_MB_SUPERVISOR] / med[M_MB_INPROC],
		       res[M_STRACE][0] > 0 ? med[M_STRACE] / med[M_MB_INPROC] : 0);
	if (n_mech == M_COUNT)
		printf("vs floor: minderbinder's supervisor / USER_NOTIF in NOTIF_RECV with the sync "
		       "wake-up; in-process / SECCOMP_RET_TRAP + SIGSYS handler\n");
	return failed;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mb_paths.h"
#include "lib/name_tables.h"
#include "lib/register_self.h"
#include "lib/seccomp_filter.h"
#include "lib/transport.h"


/* The default is long enough for a first helper that loads the BPF
 * programs; a helper that says nothing for that long is broken, and we
 * must not hang. Emulated machines (QEMU TCG) load programs 20 times
 * slower, hence the variable. */
#define HELPER_TIMEOUT_VAR "MINDERBINDER_HELPER_TIMEOUT"
#define HELPER_TIMEOUT_DEFAULT_S 30
/* After a timeout, how long the helper gets to go once its socket closed. */
#define HELPER_GRACE_MS 1000

static const char *const engine_names[MB_ENGINE_COUNT] = {
	[MB_ENGINE_NONE] = "none",
	[MB_ENGINE_SECCOMP_ERRNO] = "seccomp (in-filter errno)",
	[MB_ENGINE_SECCOMP_NOTIF] = "seccomp (user notification)",
	[MB_ENGINE_KPROBE] = "kprobe",
	[MB_ENGINE_FMOD_RET] = "fmod_ret",
	[MB_ENGINE_CGROUP] = "cgroup",
	[MB_ENGINE_TC] = "tc",
	[MB_ENGINE_EDT] = "edt (tc + fq)",
};

const char *mb_engine_name(enum mb_engine e)
{
	return (unsigned)e < MB_ENGINE_COUNT ? engine_names[e] : "unknown";
}

int mb_log_path_check(const char *var, const char *path, struct mb_error *err)
{
	const unsigned char *c;

	if (path[0] != '/') {
		mb_error_set(err, "%s: '%s' is not an absolute path", var, path);
		return -EINVAL;
	}
	if (strlen(path) >= MB_LOG_PATH_MAX) {
		mb_error_set(err, "%s: path too long (at most %d bytes)", var,
			     MB_LOG_PATH_MAX - 1);
		return -EINVAL;
	}
	for (c = (const unsigned char *)path; *c; c++) {
		if (*c < 0x20 || *c == 0x7f) {
			mb_error_set(err, "%s: control character in the path", var);
			return -EINVAL;
		}
	}
	return 0;
}

static int pick(const char *var, const char *text, const char *const *names,
		size_t n, int *out, struct mb_error *err)
{
	size_t i;
	const char *near;

	for (i = 0; i < n; i++) {
		if (!strcmp(text, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	near = mb_nearest(text, n, mb_nearest_list_at, (void *)names);
	if (near)
		mb_error_set(err, "%s: unknown value '%s' (did you mean '%s'?)", var,
			     text, near);
	else
		mb_error_set(err, "%s: unknown value '%s'", var, text);
	return -EINVAL;
}

int mb_scope_parse(const char *var, const char *text, int allow_thread,
		   enum mb_scope *out, struct mb_error *err)
{
	static const char *const names[] = { "tree", "process", "thread" };
	int v, ret = pick(var, text, names, allow_thread ? 3 : 2, &v, err);

	if (!ret)
		*out = (enum mb_scope)v;
	return ret;
}

int mb_engine_wish_parse(const char *var, const char *text,
			 enum mb_engine_wish *out, struct mb_error *err)
{
	static const char *const names[] = { "auto", "seccomp", "kprobe", "fmod_ret" };
	int v, ret = pick(var, text, names, 4, &v, err);

	if (!ret)
		*out = (enum mb_engine_wish)v;
	return ret;
}

int mb_supervised_parse(const char *var, const char *text, int *inproc, struct mb_error *err)
{
	static const char *const names[] = { "supervisor", "inprocess" };

	return pick(var, text, names, 2, inproc, err);
}

int mb_helper_timeout(int *ms, struct mb_error *err)
{
	const char *v = getenv(HELPER_TIMEOUT_VAR);
	unsigned long s;
	char *end;

	*ms = HELPER_TIMEOUT_DEFAULT_S * 1000;
	if (!v || !*v)
		return 0;
	errno = 0;
	s = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno || s < 1 || s > 3600) {
		mb_error_set(err, HELPER_TIMEOUT_VAR ": bad value '%.64s' (want whole "
			     "seconds, 1 to 3600)", v);
		return -EINVAL;
	}
	*ms = (int)s * 1000;
	return 0;
}

int mb_find_beside(const void *anchor, const char *name, const char *fallback_dir, int mode,
		   char *buf, size_t len)
{
	Dl_info info;
	char self[PATH_MAX];
	const char *obj = NULL, *slash;
	ssize_t n;

	if (anchor && dladdr(anchor, &info) && info.dli_fname && strchr(info.dli_fname, '/'))
		obj = info.dli_fname;
	if (!obj) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			self[n] = '\0';
			obj = self;
		}
	}
	slash = obj ? strrchr(obj, '/') : NULL;
	if (slash && snprintf(buf, len, "%.*s/%s", (int)(slash - obj), obj, name) < (int)len &&
	    !access(buf, mode))
		return 0;
	if (snprintf(buf, len, "%s/%s", fallback_dir, name) >= (int)len)
		return -ENAMETOOLONG;
	return access(buf, mode) ? -ENOENT : 0;
}

int mb_helper_find(const void *anchor, char *buf, size_t len)
{
	return mb_find_beside(anchor, "mb-helper", MB_LIBEXECDIR, X_OK, buf, len);
}

int mb_helper_choose(const void *anchor, char *buf, size_t len, struct mb_error *err)
{
	const char *env = getenv("MINDERBINDER_HELPER");
	int ret;

	/* The variable, when set, is the helper (README, "Environment"),
	 * never a hint to fall back from. */
	if (env && *env) {
		ret = strlen(env) >= len ? -ENAMETOOLONG : 0;
		if (!ret) {
			strcpy(buf, env);
			ret = access(buf, X_OK) ? -errno : 0;
		}
		if (ret)
			mb_error_set(err, "MINDERBINDER_HELPER: cannot run '%.200s': %s", env,
				     strerror(-ret));
		return ret;
	}
	ret = mb_helper_find(anchor, buf, len);
	if (ret)
		mb_error_set(err, "cannot find mb-helper next to minderbinder or in %s "
			     "(set MINDERBINDER_HELPER)", MB_LIBEXECDIR);
	return ret;
}

static int spawn_helper(const char *path, int fd, pid_t *pid)
{
	static char *const argv[] = { (char *)"mb-helper", (char *)"--agent", NULL };
	static char *const envp[] = { NULL };
	posix_spawn_file_actions_t fa;
	int high, err;

	/* Park the socket above 2 so the dup2 to 3 always clears CLOEXEC, even
	 * when the program had closed its standard descriptors. */
	high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (high < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, 0, 1);
	posix_spawn_file_actions_adddup2(&fa, 0, 2);
	posix_spawn_file_actions_adddup2(&fa, high, MB_HELPER_FD);
	/* posix_spawn: no fork handlers of the program run, and it is safe
	 * in a process that already has threads. */
	err = posix_spawn(pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(high);
	return -err;
}

static void hdr_init(struct mb_msg_hdr *h, enum mb_msg_type type)
{
	h->magic = MB_WIRE_MAGIC;
	h->version = MB_WIRE_VERSION;
	h->type = (__u16)type;
}

static int hdr_ok(const struct mb_msg_hdr *h, enum mb_msg_type type)
{
	return h->magic == MB_WIRE_MAGIC && h->version == MB_WIRE_VERSION &&
	       h->type == type;
}

static int recv_plan(int fd, struct mb_plan_msg *plan, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ETIMEDOUT;
	do
		n = recv(fd, plan, sizeof(*plan), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n != sizeof(*plan) || !hdr_ok(&plan->hdr, MB_MSG_PLAN))
		return -EPROTO;
	return 0;
}

/* From here on the filter may be in place: every syscall goes through the
 * gate, which the filter never touches. */
#define gate mb_gate

static int send_installed(int fd, int status, int listener, int control)
{
	struct mb_installed_msg m = { .status = status, .has_listener = listener > 0,
				      .has_control = control >= 0 };
	int fds[2], n = 0;

	hdr_init(&m.hdr, MB_MSG_INSTALLED);
	if (listener > 0)
		fds[n++] = listener;
	if (control >= 0)
		fds[n++] = control;
	return mb_gate_send_fds(fd, &m, sizeof(m), fds, n);
}

/* CLOCK_MONOTONIC in ms, through the gate: the filter may be in. */
static long long monotonic_ms(void)
{
	struct timespec ts;

	gate(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (monotonic_ms), at least 0. */
static int left_ms(long long deadline)
{
	deadline -= monotonic_ms();
	return deadline < 0 ? 0 : deadline > INT_MAX ? INT_MAX : (int)deadline;
}

/* poll(2) through the gate: 1 when fd is ready, 0 on timeout, or -errno. */
static int gate_poll(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	return (int)gate(SYS_ppoll, (long)&p, 1, (long)&ts, 0, 0);
}

static int recv_done(int fd, struct mb_done_msg *done, long long deadline)
{
	int r = gate_poll(fd, POLLIN, left_ms(deadline));
	long n;

	if (r <= 0)
		return r ? r : -ETIMEDOUT;
	n = gate(SYS_recvfrom, fd, (long)done, sizeof(*done), 0, 0);

	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n != sizeof(*done) || !hdr_ok(&done->hdr, MB_MSG_DONE))
		return -EPROTO;
	return 0;
}

/* INSTALLED (with the listener and, for the C API, the control socket),
 * then the helper's DONE: the registration is live. */
static int finish(int sock, int listener, int control, long long deadline,
		  struct mb_registration *out, struct mb_error *err)
{
	struct mb_done_msg done;
	int ret = send_installed(sock, 0, listener, control);

	if (!ret)
		ret = recv_done(sock, &done, deadline);
	if (ret == -ETIMEDOUT) {
		mb_error_set(err, "mb-helper did not start the supervisor within "
			     HELPER_TIMEOUT_VAR " (set it higher on a slow machine)");
		return ret;
	}
	if (ret) {
		mb_error_set(err, "lost mb-helper while starting the supervisor: %s",
			     strerror(-ret));
		return ret;
	}
	if (done.status) {
		done.msg[sizeof(done.msg) - 1] = '\0';
		mb_error_set(err, "%s", done.msg);
		return done.status < 0 && done.status > -4096 ? done.status : -EPROTO;
	}
	out->supervisor = (pid_t)done.supervisor_pid;
	/* Under Yama's ptrace_scope=1 only an ancestor may read our memory;
	 * the supervisor needs to, for path= rules. EINVAL without Yama. */
	if (out->supervisor > 0)
		gate(SYS_prctl, PR_SET_PTRACER, out->supervisor, 0, 0, 0);
	return 0;
}

/*
 * The helper's exit, waited for until the deadline (or a short grace once
 * past it: its socket is closed, an honest helper goes at once). A helper
 * that does not go is left, never waited on for ever: it runs as root, we
 * cannot kill it, and a zombie of ours is the lesser harm. 0, or
 * -ETIMEDOUT when it was left.
 */
static int reap_helper(pid_t helper, long long deadline)
{
	int status, ms = left_ms(deadline), fd, r;

	fd = (int)gate(SYS_pidfd_open, helper, 0, 0, 0, 0);
	if (fd >= 0) {
		r = gate_poll(fd, POLLIN, ms > HELPER_GRACE_MS ? ms : HELPER_GRACE_MS);
		gate(SYS_close, fd, 0, 0, 0, 0);
		if (r == 0)
			return -ETIMEDOUT;
	}
	gate(SYS_wait4, helper, (long)&status, 0, 0, 0);
	return 0;
}

/*
 * A helper that is not set-uid root cannot work for anyone but root: it
 * needs to load BPF programs. Whatever it failed with, the fix is the same,
 * so say it (before the filter: plain libc calls are still ours).
 */
static void privilege_hint(const char *helper, struct mb_error *err)
{
	char why[sizeof(err->msg)];
	struct statvfs vfs;
	struct stat st;
	const char *what;

	if (geteuid() == 0 || stat(helper, &st))
		return;
	if (!(st.st_mode & S_ISUID) || st.st_uid != 0)
		what = "is not set-uid root";
	else if (!statvfs(helper, &vfs) && (vfs.f_flag & ST_NOSUID))
		what = "is set-uid root on a file system mounted nosuid";
	else
		return;
	snprintf(why, sizeof(why), "%s", err->msg);
	mb_error_set(err, "%s; mb-helper (%s) %s and this process is not root: install it "
		     "set-uid root with `make install` as root (or chown root and chmod 4755 it), "
		     "or run as root", why, helper, what);
}

/*
 * Under the filter of a C API session, whose listener is the chain's one,
 * a registration goes to that session's supervisor (guest.c there) rather
 * than to mb-helper, which the filter's no_new_privs leaves unprivileged
 * anyway: its socket, -EBADF when there is no such filter, or -errno with
 * err saying why the supervisor did not take us.
 */
static int guest_socket(const struct mb_spec *spec, const struct mb_register_opts *o,
			struct mb_error *err)
{
	__u32 i;
	int fd;

	for (i = 0; i < spec->n_rules && spec->rules[i].kind != MB_RULE_SYSCALL; i++)
		;
	if ((o->flags & MB_REG_API) || i == spec->n_rules || !mb_seccomp_ours())
		return -EBADF;
	fd = mb_seccomp_hello();
	if (fd >= 0 || fd == -EBADF)
		return fd;
	if (fd == -ENOSYS)
		mb_error_set(err, "the seccomp filter this process inherited sends its syscalls to "
				  "a supervisor that is gone (its C API session added a layer or "
				  "ended): they fail with ENOSYS here, and no rule can be added");
	else if (fd == -EUSERS)
		mb_error_set(err, "the supervisor of the seccomp filter this process inherited "
				  "serves as many children as it can at once; try again once some "
				  "have exited");
	else
		mb_error_set(err, "the supervisor of the seccomp filter this process inherited "
				  "refused to serve it: %s", strerror(-fd));
	return fd;
}

/* A guest's own layer: its in-filter rules only. The syscalls the
 * supervisor decides stay out of it, so they reach the inherited layer,
 * which routes them; a USER_NOTIF of ours would answer ENOSYS. */
static int install_guest_layer(const struct mb_spec *spec, const __u32 *engines,
			       struct mb_error *err)
{
	struct sock_filter prog[MB_FILTER_MAX];
	__u32 own[MB_MAX_RULES], i;
	int len, ret;

	for (i = 0; i < MB_MAX_RULES; i++)
		own[i] = engines[i] == MB_ENGINE_SECCOMP_NOTIF ? MB_ENGINE_NONE : engines[i];
	if (!mb_seccomp_has_rules(spec, own))
		return 0;
	len = mb_seccomp_build(spec, own, 0, prog, MB_FILTER_MAX);
	ret = len < 0 ? len : mb_seccomp_install(prog, (size_t)len, 0);
	if (ret < 0)
		mb_error_set(err, "failed to install seccomp filter: %s", strerror(-ret));
	return ret < 0 ? ret : 0;
}

int mb_register_self(const struct mb_spec *spec, const struct mb_register_opts *o,
		     struct mb_registration *out, struct mb_error *err)
{
	struct mb_register_msg *req = NULL;
	struct mb_plan_msg plan;
	struct sock_filter prog[MB_FILTER_MAX];
	int sv[2] = { -1, -1 }, listener = 0, len, ret, guest;
	const char *who = o->helper;
	int timeout_ms;
	long long deadline;
	pid_t helper = -1;
	ssize_t n;

	/* Every caller (agent, run, the C API) honours the variable: read
	 * here, before anything is started. */
	ret = mb_helper_timeout(&timeout_ms, err);
	if (ret)
		return ret;
	out->inherited = 0;
	deadline = monotonic_ms() + timeout_ms;
	guest = guest_socket(spec, o, err);
	if (guest < 0 && guest != -EBADF)
		return guest;
	if (guest >= 0) {
		sv[0] = guest;
		who = "the inherited filter's supervisor";
	} else if (o->socket) {
		/* The daemon: the same messages, on its socket; it is no child
		 * of ours, so there is none to reap. */
		ret = mb_daemon_connect(o->socket, o->socket_from_env, &sv[0], err);
		if (ret)
			return ret;
		who = o->socket;
	} else if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		mb_error_set(err, "failed to create socket for mb-helper: %s",
			     strerror(-ret));
		return ret;
	} else {
		ret = spawn_helper(o->helper, sv[1], &helper);
		close(sv[1]);
		if (ret) {
			mb_error_set(err, "failed to run mb-helper (%s): %s", o->helper,
				     strerror(-ret));
			goto out;
		}
	}
	req = calloc(1, sizeof(*req));
	if (!req) {
		ret = -ENOMEM;
		mb_error_set(err, "out of memory");
		goto out;
	}
	hdr_init(&req->hdr, MB_MSG_REGISTER);
	req->flags = o->flags;
	req->timeout_ms = (__u32)timeout_ms;
	if (o->tids)
		memcpy(req->tids, o->tids, sizeof(req->tids));
	req->scope = o->scope;
	req->wish = o->wish;
	req->gate_ip = mb_gate_ip();
	req->spec = *spec;
	if (o->interfaces)
		snprintf(req->interfaces, sizeof(req->interfaces), "%s", o->interfaces);
	if (o->log_path) {
		ret = mb_log_path_check("MINDERBINDER_LOG", o->log_path, err);
		if (ret)
			goto out;
		memcpy(req->log_path, o->log_path, strlen(o->log_path) + 1);
	}
	n = send(sv[0], req, sizeof(*req), MSG_NOSIGNAL);
	free(req); /* before the filter: from then on, only gate syscalls */
	req = NULL;
	if (n != (ssize_t)sizeof(struct mb_register_msg)) {
		ret = n < 0 ? -errno : -EPROTO;
		mb_error_set(err, "failed to talk to mb-helper (%s): %s", who,
			     strerror(-ret));
		goto out;
	}
	ret = recv_plan(sv[0], &plan, left_ms(deadline));
	if (ret == -ETIMEDOUT)
		mb_error_set(err, "mb-helper (%s) did not answer within %d s (set "
			     HELPER_TIMEOUT_VAR " on a slow machine)", who,
			     timeout_ms / 1000);
	else if (ret)
		mb_error_set(err, "mb-helper (%s) %s", who,
			     ret != -ECONNRESET ? "answered nonsense"
			     : o->socket ? "closed the connection without answering (see the daemon's log)"
					 : "exited without answering (is it installed setuid root?)");
	if (ret) {
		if (ret != -ETIMEDOUT && guest < 0 && !o->socket)
			privilege_hint(o->helper, err);
		goto out;
	}
	if (plan.status == MB_PLAN_INHERITED) {
		memcpy(out->engines, plan.engines, sizeof(out->engines));
		out->inherited = 1;
		ret = 0;
		goto out;
	}
	if (plan.status) {
		ret = plan.status < 0 && plan.status > -4096 ? plan.status : -EPROTO;
		plan.msg[sizeof(plan.msg) - 1] = '\0';
		if (plan.msg[0])
			mb_error_set(err, "%s", plan.msg);
		else
			mb_error_set(err, "mb-helper (%s) refused: %s", who, strerror(-ret));
		if (guest < 0 && !o->socket)
			privilege_hint(o->helper, err);
		goto out;
	}
	memcpy(out->engines, plan.engines, sizeof(out->engines));
	out->key = plan.key;
	if (guest >= 0) {
		ret = install_guest_layer(spec, plan.engines, err);
		if (ret)
			send_installed(sv[0], ret, 0, -1);
		else
			ret = finish(sv[0], 0, -1, deadline, out, err);
		goto out;
	}
	if ((o->flags & MB_REG_API) || !mb_seccomp_has_rules(spec, plan.engines)) {
		/* Network rules only: nothing to install in this process. The
		 * C API installs its filters itself, one per enable. */
		ret = finish(sv[0], 0, (o->flags & MB_REG_API) ? o->control_fd : -1, deadline, out,
			     err);
		goto out;
	}
	len = mb_seccomp_build(spec, plan.engines, o->inproc ? MB_SECCOMP_BUILD_SHARE : 0, prog,
			       MB_FILTER_MAX);
	if (len < 0) {
		ret = len;
		mb_error_set(err, "failed to build seccomp filter: %s", strerror(-ret));
		send_installed(sv[0], ret, 0, -1);
		goto out;
	}
	ret = mb_seccomp_install(prog, (size_t)len,
				 mb_seccomp_needs_listener(spec, plan.engines)
					 ? MB_SECCOMP_WANT_LISTENER
					 : 0);
	if (ret == -EBUSY) {
		mb_error_set(err, "failed to install seccomp filter: this process's filters "
				  "already have a listener (inherited from a parent that uses "
				  "minderbinder's supervisor): the kernel allows one per filter chain");
		send_installed(sv[0], ret, 0, -1);
		goto out;
	}
	if (ret < 0) {
		mb_error_set(err, "failed to install seccomp filter: %s", strerror(-ret));
		send_installed(sv[0], ret, 0, -1);
		goto out;
	}
	listener = ret;
	ret = finish(sv[0], listener, -1, deadline, out, err);
out:
	free(req);
	if (listener > 0)
		gate(SYS_close, listener, 0, 0, 0, 0);
	if (sv[0] >= 0)
		gate(SYS_close, sv[0], 0, 0, 0, 0);
	if (helper > 0 && reap_helper(helper, deadline) && ret && err) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		mb_error_set(err, "%s; mb-helper (pid %d) did not exit either: left behind",
			     why, (int)helper);
	}
	return ret;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libminderbinder: the C API (include/minderbinder.h).
 *
 * The first mb_enable registers the process with mb-helper, which starts a
 * supervisor holding one end of a control socket. An enable that names a
 * syscall no earlier one did installs a seccomp filter layer, on every
 * thread (TSYNC), sending all syscalls named so far to the supervisor; then
 * it tells the supervisor, over the control socket, which rules are in
 * force for which thread (thread scope is the supervisor's check). Disable
 * is one control message. Layers stay (filters cannot be removed): after a
 * disable, the routed syscalls still make a round trip to the supervisor,
 * which lets them run.
 *
 * The kernel allows one listener per filter chain, so before a wider layer
 * goes in, the supervisor closes the old listener. For that instant, a
 * call of an already-routed syscall by another thread fails with ENOSYS.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "minderbinder.h"
#include "minderbinder/registry.h"
#include "lib/name_tables.h"
#include "lib/register_self.h"
#include "lib/fired.h"
#include "lib/seccomp_filter.h"
#include "lib/error.h"
#include "lib/spec_parse.h"
#include "lib/transport.h"

#define EXPORT __attribute__((visibility("default")))
#define NR_WORDS MB_ROUTED_WORDS /* syscall numbers up to 1023 */

struct mb_handle {
	__u32 id;
	__u32 n_rules;
	__u32 n_sys; /* syscall rules: decided by the supervisor */
	__u32 n_net; /* network rules: in the kernel, through mb-helper */
	__u8 is_net[MB_MAX_RULES]; /* the spec's order, for mb_stats */
	struct mb_rule net[MB_MAX_RULES];
	__s32 tid;   /* thread scope: the network rules' thread */
	__u32 arch;
	struct mb_rule rules[MB_MAX_RULES]; /* the spec's order: mb_expect_fired's words */
	struct mb_handle *next_net; /* on api.net_handles while enabled */
};

static __thread struct mb_error last_error;
/* Syscalls our newest filter layer routes to the supervisor. */
static __u64 routed_all[NR_WORDS];

static struct {
	pthread_mutex_t lock;
	int control; /* our end of the supervisor's control socket */
	pid_t pid;   /* the process that registered: a fork child must not reuse */
	/* Our registry key, as the helper answered: the tgid in the initial
	 * pid namespace (getpid() is another number in a container). */
	__u32 key;
	__u32 next_handle;
	struct mb_handle *net_handles; /* newest first */
	struct mb_transport transport; /* the helper or the daemon (lib/transport.h) */
	struct mb_ctl_msg msg;
	struct mb_ctl_reply reply;
} api = { .lock = PTHREAD_MUTEX_INITIALIZER, .control = -1 };

static int fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mb_error_vset(&last_error, fmt, ap);
	va_end(ap);
	return err;
}

EXPORT const char *mb_last_error(void)
{
	return last_error.msg;
}

static void route(__u64 *set, int nr)
{
	set[nr / 64] |= 1ULL << (nr % 64);
}

/* A syscall made after our first filter goes through the gate. */
#define gate mb_gate

static void transport_opts(struct mb_register_opts *o)
{
	o->helper = api.transport.helper;
	o->socket = api.transport.socket[0] ? api.transport.socket : NULL;
	o->socket_from_env = api.transport.from_env;
}

static int start_session(const struct mb_spec *spec)
{
	struct mb_register_opts o = { .scope = MB_SCOPE_PROCESS, .flags = MB_REG_API };
	struct mb_registration reg;
	struct mb_error err;
	struct mb_spec *empty;
	int sv[2], ret;

	(void)spec;
	if (mb_transport_choose((const void *)start_session, "libminderbinder", &api.transport,
				&err))
		return fail(-ENOENT, "%s", err.msg);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return fail(-errno, "failed to create the control socket: %s", strerror(errno));
	transport_opts(&o);
	o.control_fd = sv[1];
	/* The session carries no rule: every enable brings its own. */
	empty = calloc(1, sizeof(*empty));
	if (!empty) {
		close(sv[0]);
		close(sv[1]);
		return fail(-ENOMEM, "out of memory");
	}
	mb_spec_init(empty, mb_native_arch());
	ret = mb_register_self(empty, &o, &reg, &err);
	free(empty);
	close(sv[1]);
	if (ret) {
		close(sv[0]);
		return fail(ret, "%s", err.msg);
	}
	api.control = sv[0];
	api.pid = getpid();
	api.key = reg.key;
	return 0;
}

/* A fork child inherited our socket and filters but not our supervisor's
 * attention: it starts over, and routes its syscalls anew. */
static void forget_session(void)
{
	if (api.control >= 0)
		close(api.control);
	api.control = -1;
	api.key = 0;
	/* The parent's handles are the parent's to disable. */
	api.net_handles = NULL;
	memset(routed_all, 0, sizeof(routed_all));
}

/* Sends api.msg (with a listener fd when > 0) and reads api.reply. */
static int transact(int listener)
{
	long n;

	api.msg.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, api.msg.hdr.type };
	api.msg.has_listener = listener > 0;
	n = mb_gate_send_fds(api.control, &api.msg, sizeof(api.msg), &listener, listener > 0);
	if (n < 0)
		return (int)n;
	n = gate(SYS_recvfrom, api.control, (long)&api.reply, sizeof(api.reply), 0, 0);
	if (n < 0)
		return (int)n;
	if (n != (long)sizeof(api.reply) || api.reply.hdr.magic != MB_WIRE_MAGIC ||
	    api.reply.hdr.type != MB_CTL_REPLY)
		return -EPROTO;
	api.reply.msg[sizeof(api.reply.msg) - 1] = '\0';
	return 0;
}

static int routed_any(void)
{
	int i;

	for (i = 0; i < NR_WORDS; i++)
		if (routed_all[i])
			return 1;
	return 0;
}

static const char *syscall_at(void *ctx, size_t i)
{
	(void)ctx;
	return mb_syscall_name_at(mb_native_arch(), i);
}

static int route_member(const char *name, int nr, void *want)
{
	(void)name;
	route(want, nr);
	return 0;
}

/* MINDERBINDER_API_SYSCALLS=openat,%write,...: route these from the start. */
static int declared(__u64 *want)
{
	const char *v = getenv("MINDERBINDER_API_SYSCALLS");
	char name[64];
	size_t n;
	int nr;

	while (v && *v) {
		n = strcspn(v, ", ");
		if (n && n < sizeof(name)) {
			memcpy(name, v, n);
			name[n] = '\0';
			nr = mb_syscall_by_name(mb_native_arch(), name);
			if (name[0] == '%' && mb_family_by_name(name + 1) > 0) {
				mb_family_each(mb_native_arch(), (unsigned)mb_family_by_name(name + 1),
					       false, route_member, want);
			} else if (nr < 0 || nr >= NR_WORDS * 64) {
				const char *near = mb_nearest(name, mb_syscall_count(mb_native_arch()),
							      syscall_at, NULL);

				if (near)
					return fail(-EINVAL, "MINDERBINDER_API_SYSCALLS: unknown syscall "
							     "'%s' (did you mean '%s'?)", name, near);
				return fail(-EINVAL, "MINDERBINDER_API_SYSCALLS: unknown syscall '%s'",
					    name);
			} else {
				route(want, nr);
			}
		}
		v += n;
		while (*v == ',' || *v == ' ')
			v++;
	}
	return 0;
}

/*
 * A filter layer when the spec names a syscall not routed yet: on every
 * thread, routing everything named so far. Returns its listener, 0 when
 * no layer is needed.
 */
static int add_layer(const struct mb_spec *spec)
{
	struct sock_filter prog[MB_FILTER_MAX];
	__u64 want[NR_WORDS];
	struct mb_nr_set set;
	__u32 i, w;
	int len, ret, fd, fresh = 0;

	_Static_assert(sizeof(want) == sizeof(set.w), "one size of syscall set");
	memcpy(want, routed_all, sizeof(want));
	/* The first layer also routes what MINDERBINDER_API_SYSCALLS declares,
	 * so later enables of those need no swap (see the ENOSYS note above). */
	if (!routed_any() && (ret = declared(want)))
		return ret;
	for (i = 0; i < spec->n_rules; i++) {
		/* a family routes every member */
		if (mb_rule_nr_set((enum mb_arch)spec->arch, &spec->rules[i], &set) < 0)
			return fail(-EINVAL, "rule %u: syscall number %d out of range", i,
				    spec->rules[i].sys.nr);
		for (w = 0; w < NR_WORDS; w++) {
			fresh |= (set.w[w] & ~want[w]) != 0;
			want[w] |= set.w[w];
		}
	}
	if (!fresh)
		return 0;
	/* A child started later may register through our supervisor: the
	 * layer routes its hello to the listener too. */
	memcpy(set.w, want, sizeof(want));
	len = mb_seccomp_build_routed(&set, prog, MB_FILTER_MAX);
	if (len < 0)
		return fail(len, "failed to build seccomp filter: %s", strerror(-len));
	if (routed_all[0] || memcmp(routed_all, (__u64[NR_WORDS]){ 0 }, sizeof(routed_all))) {
		memset(&api.msg, 0, sizeof(api.msg));
		api.msg.hdr.type = MB_CTL_RELEASE;
		ret = transact(0);
		if (ret)
			return fail(ret, "mb_enable: the supervisor did not release its listener");
		/* It refuses while a guest (a child registered through it)
		 * needs the listener: its message names the child. */
		if (api.reply.status)
			return fail(api.reply.status, "mb_enable: %s", api.reply.msg);
	}
	fd = mb_seccomp_install(prog, (size_t)len, MB_SECCOMP_WANT_LISTENER | MB_SECCOMP_VIA_GATE);
	if (fd == -EBUSY)
		return fail(-EBUSY, "this process's seccomp filters already have a listener "
				    "(inherited from a parent that uses minderbinder's "
				    "supervisor, or MINDERBINDER_SYSCALL with options): the "
				    "kernel allows one per filter chain");
	if (fd < 0)
		return fail(fd, "failed to install seccomp filter: %s", strerror(-fd));
	memcpy(routed_all, want, sizeof(want));
	return fd;
}

/*
 * One string, both kinds of rule: "tcp:443:refuse;openat:ENOENT"; a rule
 * starting with tcp, udp or any is a network rule. Each rule is parsed in
 * a copy where the other rules are blanked, so messages keep the column
 * of the caller's own string.
 */
static int add_rules(struct mb_spec *out, const char *spec, const struct mb_defaults *d,
		     struct mb_error *err)
{
	size_t len = strlen(spec), start = 0, i, end;
	char *copy = malloc(len + 1);
	int ret = 0;

	if (!copy) {
		mb_error_set(err, "out of memory");
		return -ENOMEM;
	}
	while (!ret && start <= len) {
		const char *r = spec + start;

		for (end = start; end < len && spec[end] != ';'; end++)
			if (spec[end] == '\\' && end + 1 < len)
				end++;
		for (i = 0; i < len; i++)
			copy[i] = (i >= start && i < end) || spec[i] == ';' ? spec[i] : ' ';
		copy[len] = '\0';
		while (*r == ' ')
			r++;
		if (!strncmp(r, "tcp:", 4) || !strncmp(r, "udp:", 4) || !strncmp(r, "any:", 4))
			ret = mb_spec_add_net(out, "mb_enable", copy, d, err);
		else
			ret = mb_spec_add_syscalls(out, "mb_enable", copy, d, err);
		start = end + 1;
	}
	free(copy);
	return ret;
}

/*
 * Network rules live in the kernel (tc and cgroup engines): each change
 * sends mb-helper the rules of every enabled handle, newest first, so the
 * innermost block decides. With the lock held.
 */
static int net_update(void)
{
	struct mb_register_opts o = { .scope = MB_SCOPE_PROCESS,
				      .flags = MB_REG_API | MB_REG_NET_UPDATE,
				      .control_fd = -1 };
	static __s32 tids[MB_MAX_RULES];
	struct mb_registration reg;
	struct mb_handle *h;
	struct mb_spec *spec;
	struct mb_error err;
	__u32 i;
	int ret;

	/* Chosen once, by the session or here: the search makes plain
	 * syscalls, which a rule may fault. */
	if (!api.transport.helper[0] && !api.transport.socket[0]) {
		ret = mb_transport_choose((const void *)net_update, "libminderbinder",
					  &api.transport, &err);
		if (ret)
			return fail(ret, "%s", err.msg);
	}
	/* Only root's helper is root in a process with no_new_privs (set by
	 * the filter of a syscall rule): a set-uid one would fail later, with
	 * a message that hides why. The daemon is root already. */
	if (!api.transport.socket[0] && geteuid() != 0 &&
	    gate(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		return fail(-EPERM, "network rules cannot change as uid %u once this process has a "
				    "syscall rule's seccomp filter (no_new_privs: the set-uid mb-helper "
				    "gains nothing); enable them before the first syscall rule, in the "
				    "same spec, or run as root", (unsigned)geteuid());
	spec = calloc(1, sizeof(*spec));
	if (!spec)
		return fail(-ENOMEM, "out of memory");
	mb_spec_init(spec, mb_native_arch());
	for (h = api.net_handles; h; h = h->next_net) {
		for (i = 0; i < h->n_net; i++) {
			if (spec->n_rules == MB_MAX_RULES) {
				free(spec);
				return fail(-E2BIG, "more than %d network rules enabled at once",
					    MB_MAX_RULES);
			}
			tids[spec->n_rules] = h->tid;
			spec->rules[spec->n_rules++] = h->net[i];
		}
	}
	transport_opts(&o);
	o.tids = tids;
	ret = mb_register_self(spec, &o, &reg, &err);
	free(spec);
	if (!ret)
		api.key = reg.key;
	return ret ? fail(ret, "%s", err.msg) : 0;
}

/* The index of h's first network rule in the registry, as net_update
 * laid them out. */
static __u32 net_base(const struct mb_handle *h)
{
	const struct mb_handle *p;
	__u32 base = 0;

	for (p = api.net_handles; p && p != h; p = p->next_net)
		base += p->n_net;
	return base;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Counters of network rules, from the pinned registry (needs root). */
static int net_counts(const struct mb_handle *h, __u32 k, struct mb_rule_stats *out)
{
	struct mb_rule_key key = { .tgid = api.key ? api.key : (__u32)getpid(),
				   .idx = net_base(h) + k };
	struct mb_counters c;
	union bpf_attr a;
	int fd, ret = 0;

	memset(&a, 0, sizeof(a));
	a.pathname = (__u64)(unsigned long)(MB_COUNTERS_PIN);
	fd = (int)sys_bpf(BPF_OBJ_GET, &a);
	if (fd < 0)
		return fail(-errno, "mb_stats: cannot read network counters: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)fd;
	a.key = (__u64)(unsigned long)&key;
	a.value = (__u64)(unsigned long)&c;
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a))
		ret = fail(-errno, "mb_stats: no network counters: %s", strerror(errno));
	else {
		out->calls = c.calls;
		out->faults = c.faults;
	}
	close(fd);
	return ret;
}

static int parse(const char *spec, struct mb_spec *out)
{
	struct mb_defaults d;
	struct mb_error err;
	int ret;

	if (!spec)
		return fail(-EINVAL, "mb_enable: spec is NULL");
	mb_spec_init(out, mb_native_arch());
	mb_defaults_init(&d);
	ret = mb_defaults_from_env(&d, getenv, &err);
	if (!ret)
		ret = add_rules(out, spec, &d, &err);
	if (ret)
		return fail(ret, "%s", err.msg);
	if (!out->n_rules)
		return fail(-EINVAL, "mb_enable: no rule in '%s'", spec);
	return 0;
}

EXPORT int mb_enable(const char *spec, enum mb_scope scope, struct mb_handle **out)
{
	struct mb_handle *h = NULL;
	struct mb_spec *parsed, *sys;
	int ret, listener = 0;
	__u32 i;

	if (!out)
		return fail(-EINVAL, "mb_enable: out is NULL");
	*out = NULL;
	if (scope != MB_SCOPE_THREAD && scope != MB_SCOPE_PROCESS)
		return fail(-EINVAL, "mb_enable: scope must be MB_SCOPE_THREAD or MB_SCOPE_PROCESS");
	parsed = malloc(2 * sizeof(*parsed));
	h = calloc(1, sizeof(*h));
	if (!parsed || !h) {
		ret = fail(-ENOMEM, "out of memory");
		goto out;
	}
	sys = parsed + 1;
	ret = parse(spec, parsed);
	if (ret)
		goto out;
	mb_spec_init(sys, (enum mb_arch)parsed->arch);
	for (i = 0; i < parsed->n_rules; i++) {
		h->is_net[i] = parsed->rules[i].kind == MB_RULE_NET;
		if (h->is_net[i])
			h->net[h->n_net++] = parsed->rules[i];
		else
			sys->rules[sys->n_rules++] = parsed->rules[i];
	}
	h->n_rules = parsed->n_rules;
	h->n_sys = sys->n_rules;
	h->arch = parsed->arch;
	memcpy(h->rules, parsed->rules, parsed->n_rules * sizeof(h->rules[0]));
	h->tid = scope == MB_SCOPE_THREAD ? (__s32)gettid() : 0;

	pthread_mutex_lock(&api.lock);
	if (api.pid != getpid())
		forget_session();
	api.pid = getpid();
	h->id = ++api.next_handle;
	/* The session (a registration without rules), then the network rules,
	 * then the syscall rules' filter: it sets no_new_privs, and from then
	 * on a set-uid mb-helper gains nothing (net_update says so). */
	if (h->n_sys && api.control < 0)
		ret = start_session(sys);
	if (!ret && h->n_net) {
		h->next_net = api.net_handles;
		api.net_handles = h;
		ret = net_update();
		if (ret)
			api.net_handles = h->next_net;
	}
	if (!ret && h->n_sys) {
		ret = listener = add_layer(sys);
		if (ret >= 0) {
			memset(&api.msg, 0, sizeof(api.msg));
			api.msg.hdr.type = MB_CTL_ENABLE;
			api.msg.handle = h->id;
			api.msg.scope = scope;
			api.msg.tid = (__s32)gettid();
			api.msg.spec = *sys;
			memcpy(api.msg.routed, routed_all, sizeof(api.msg.routed));
			ret = transact(listener);
			if (!ret && api.reply.status)
				ret = fail(api.reply.status, "mb_enable: %s", api.reply.msg);
			else if (ret)
				ret = fail(ret, "mb_enable: lost the supervisor: %s", strerror(-ret));
		}
		if (listener > 0)
			gate(SYS_close, listener, 0, 0, 0, 0);
		if (ret < 0 && h->n_net) {
			/* all or nothing: take the network half back, keeping
			 * the message of what failed rather than of the undo */
			struct mb_error why = last_error;

			api.net_handles = h->next_net;
			net_update();
			last_error = why;
		}
	}
	pthread_mutex_unlock(&api.lock);
	if (!ret) {
		*out = h;
		h = NULL;
	}
out:
	free(parsed);
	free(h);
	return ret;
}

/* One control exchange about an existing handle; fills api.reply. */
static int ask(const struct mb_handle *h, enum mb_msg_type type, const char *what)
{
	int ret;

	if (api.control < 0 || api.pid != getpid())
		return fail(-ESRCH, "%s: not enabled in this process", what);
	memset(&api.msg, 0, sizeof(api.msg));
	api.msg.hdr.type = (__u16)type;
	api.msg.handle = h->id;
	ret = transact(0);
	if (ret)
		return fail(ret, "%s: lost the supervisor: %s", what, strerror(-ret));
	if (api.reply.status)
		return fail(api.reply.status, "%s: %s", what, api.reply.msg);
	return 0;
}

EXPORT int mb_disable(struct mb_handle *h)
{
	struct mb_handle **p;
	int ret = 0, ret2 = 0;

	if (!h)
		return fail(-EINVAL, "mb_disable: handle is NULL");
	pthread_mutex_lock(&api.lock);
	if (h->n_sys)
		ret = ask(h, MB_CTL_DISABLE, "mb_disable");
	for (p = &api.net_handles; *p; p = &(*p)->next_net) {
		if (*p != h)
			continue;
		*p = h->next_net;
		ret2 = net_update();
		break;
	}
	pthread_mutex_unlock(&api.lock);
	free(h);
	return ret ? ret : ret2;
}

EXPORT int mb_stats(const struct mb_handle *h, struct mb_rule_stats *out, size_t n)
{
	__u32 i;
	int ret;

	__u32 k_sys = 0, k_net = 0;

	if (!h)
		return fail(-EINVAL, "mb_stats: handle is NULL");
	pthread_mutex_lock(&api.lock);
	ret = h->n_sys ? ask(h, MB_CTL_STATS, "mb_stats") : 0;
	for (i = 0; !ret && i < h->n_rules; i++) {
		struct mb_rule_stats st = { 0, 0 };

		if (h->is_net[i]) {
			ret = net_counts(h, k_net++, &st);
		} else {
			st.calls = api.reply.stats[k_sys].calls;
			st.faults = api.reply.stats[k_sys++].faults;
		}
		if (i < n)
			out[i] = st;
	}
	pthread_mutex_unlock(&api.lock);
	return ret ? ret : (int)h->n_rules;
}

EXPORT int mb_expect_fired(const struct mb_handle *h)
{
	struct mb_rule_stats st[MB_MAX_RULES];
	char text[512], line[1024];
	int n, i;

	if (!h)
		return fail(-EINVAL, "mb_expect_fired: handle is NULL");
	n = mb_stats(h, st, MB_MAX_RULES);
	if (n < 0)
		return n;
	for (i = 0; i < n && i < MB_MAX_RULES; i++) {
		if (st[i].faults)
			continue;
		if (mb_rule_format(&h->rules[i], (enum mb_arch)h->arch, text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "(rule %d: too long to show)", i);
		mb_never_fired_line(line, sizeof(line), (unsigned)i, text, st[i].calls);
		return fail(-ENODATA, "%s", line);
	}
	return 0;
}

EXPORT int mb_with_failures(const char *spec, void (*fn)(void *arg), void *arg)
{
	struct mb_handle *h;
	int ret;

	if (!fn)
		return fail(-EINVAL, "mb_with_failures: fn is NULL");
	ret = mb_enable(spec, MB_SCOPE_THREAD, &h);
	if (ret)
		return ret;
	fn(arg);
	return mb_disable(h);
}

EXPORT struct mb_handle *mb__block_begin(const char *spec, const char *file, int line)
{
	struct mb_handle *h;
	int ret = mb_enable(spec, MB_SCOPE_THREAD, &h);

	if (!ret)
		return h;
	/* The block would run without its faults and could pass for the
	 * wrong reason: stop here, loudly. */
	fprintf(stderr, "minderbinder: %s:%d: MB_WITH_FAILURES(\"%s\"): %s\n", file, line,
		spec ? spec : "(null)", last_error.msg);
	abort();
}

EXPORT void mb__block_end(struct mb_handle **h)
{
	if (*h && mb_disable(*h))
		fprintf(stderr, "minderbinder: MB_WITH_FAILURES: %s\n", last_error.msg);
	*h = NULL;
}

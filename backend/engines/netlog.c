/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engines/netlog.h"
#include "lib/json_log.h"
#include "minderbinder/net.h"
#include "lib/name_tables.h"
#include "registry/registry.h"
#include "lib/spec_parse.h"

#define NSEC_PER_SEC 1000000000LL

int mb_netlog_ring(__u32 tgid, int *rings_fd)
{
	int rings, ring, err = 0;

	*rings_fd = -1;
	rings = bpf_obj_get(MB_LOG_RINGS_PIN);
	if (rings < 0)
		return -errno;
	ring = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "mb_log_ring", 0, 0, MB_LOG_RING_SIZE, NULL);
	if (ring < 0 || bpf_map_update_elem(rings, &tgid, &ring, BPF_ANY))
		err = -errno;
	if (err) {
		close(rings);
		if (ring >= 0)
			close(ring);
		return err;
	}
	*rings_fd = rings;
	return ring;
}

/* Takes the registrant's entry out of mb_log_rings, if it is still our
 * ring (not a later registration's under a reused pid). */
static void forget_ring(const struct mb_netlog_args *a)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info), id = 0;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(a->ring_fd, &info, &len))
		return;
	if (!bpf_map_lookup_elem(a->rings_fd, &a->tgid, &id) && id == info.id)
		bpf_map_delete_elem(a->rings_fd, &a->tgid);
}

struct logger {
	int fd;
	long long realtime_off; /* CLOCK_REALTIME - CLOCK_BOOTTIME, in ns */
	const struct mb_spec *spec;
	char buf[2048];
};

static long long clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* "tcp 127.0.0.1:8080", "udp [::1]:53" */
static void put_flow(struct mb_log_line *l, const struct mb_log_event *ev)
{
	char addr[INET6_ADDRSTRLEN] = "?", proto[16];

	if (ev->proto == MB_PROTO_TCP)
		snprintf(proto, sizeof(proto), "tcp");
	else if (ev->proto == MB_PROTO_UDP)
		snprintf(proto, sizeof(proto), "udp");
	else
		snprintf(proto, sizeof(proto), "proto%u", ev->proto);
	inet_ntop(ev->family == 6 ? AF_INET6 : AF_INET, ev->daddr, addr, sizeof(addr));
	if (ev->family == 6)
		mb_log_putf(l, "\"%s [%s]:%u\"", proto, addr, ev->dport);
	else
		mb_log_putf(l, "\"%s %s:%u\"", proto, addr, ev->dport);
}

/* The flow's parts, for a reader that filters on them without parsing
 * "flow": ,"proto":"tcp","addr":"::1","port":53 (the destination, for a
 * refused connect as for a dropped packet). */
static void put_flow_parts(struct mb_log_line *l, const struct mb_log_event *ev)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (ev->proto == MB_PROTO_TCP || ev->proto == MB_PROTO_UDP)
		mb_log_putf(l, ",\"proto\":\"%s\"", ev->proto == MB_PROTO_TCP ? "tcp" : "udp");
	else
		mb_log_putf(l, ",\"proto\":\"proto%u\"", ev->proto);
	inet_ntop(ev->family == 6 ? AF_INET6 : AF_INET, ev->daddr, addr, sizeof(addr));
	mb_log_putf(l, ",\"addr\":\"%s\",\"port\":%u", addr, ev->dport);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct logger *lg = ctx;
	const struct mb_log_event *ev = data;
	struct mb_log_line l = { .buf = lg->buf, .cap = sizeof(lg->buf) - 1 };
	char comm[sizeof(ev->comm) + 1], rule[1024] = "";
	long long t;
	struct timespec ts;
	ssize_t n;

	if (size < sizeof(*ev))
		return 0;
	t = (long long)ev->boot_ns + lg->realtime_off;
	ts.tv_sec = t / NSEC_PER_SEC;
	ts.tv_nsec = t % NSEC_PER_SEC;
	memcpy(comm, ev->comm, sizeof(ev->comm));
	comm[sizeof(ev->comm)] = '\0';
	if (ev->rule < lg->spec->n_rules &&
	    mb_rule_format(&lg->spec->rules[ev->rule], (enum mb_arch)lg->spec->arch, rule,
			   sizeof(rule)) < 0)
		rule[0] = '\0';

	mb_log_put(&l, "{\"time\":", 8);
	mb_log_json_time(&l, &ts);
	mb_log_putf(&l, ",\"pid\":%u,\"tid\":%u,\"comm\":", ev->pid, ev->tid);
	mb_log_json_str(&l, comm);
	mb_log_put(&l, ",\"flow\":", 8);
	put_flow(&l, ev);
	put_flow_parts(&l, ev);
	mb_log_put(&l, ",\"result\":", 10);
	if (ev->action == MB_NET_DROP) {
		mb_log_put(&l, "\"drop\"", 6);
	} else if (ev->action == MB_NET_CORRUPT || ev->action == MB_NET_DUPLICATE ||
		   ev->action == MB_NET_RESET) {
		mb_log_putf(&l, "\"%s\"", ev->action == MB_NET_CORRUPT     ? "corrupt"
					 : ev->action == MB_NET_DUPLICATE ? "duplicate"
									  : "reset");
	} else {
		const char *e = mb_errno_name(ev->err);

		if (e)
			mb_log_json_str(&l, e);
		else
			mb_log_putf(&l, "\"-%d\"", ev->err);
	}
	mb_log_put(&l, ",\"rule\":", 8);
	mb_log_json_str(&l, rule);
	if (ev->direction == MB_DIR_IN)
		mb_log_put(&l, ",\"direction\":\"in\"", 17);
	mb_log_putf(&l, ",\"rule_index\":%u,\"engine\":\"%s\"}", ev->rule,
		ev->action == MB_NET_ERRNO ? "cgroup" : "tc");
	if (l.full)
		return 0; /* never a torn line */
	l.buf[l.len++] = '\n';
	/* One write: O_APPEND keeps lines from several writers whole. */
	do
		n = write(lg->fd, l.buf, l.len);
	while (n < 0 && errno == EINTR);
	return 0;
}

int mb_netlog_run(const struct mb_netlog_args *a)
{
	static struct logger lg;
	struct ring_buffer *rb;
	struct pollfd p[2];
	int err = 0;

	lg.fd = mb_log_open(a->log_path);
	if (lg.fd < 0)
		return lg.fd;
	lg.spec = a->spec;
	lg.realtime_off = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	rb = ring_buffer__new(a->ring_fd, on_event, &lg, NULL);
	if (!rb)
		return -errno;
	p[0] = (struct pollfd){ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN };
	p[1] = (struct pollfd){ .fd = a->pidfd, .events = POLLIN };
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		ring_buffer__consume(rb);
		/* The exit program has run by now: nothing more can come. */
		if (p[1].revents)
			break;
	}
	forget_ring(a);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	close(lg.fd);
	return err;
}

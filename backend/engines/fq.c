/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The EDT engine's qdisc: fq as a device's root, which holds each packet
 * until the departure time the tc program wrote into it. Spoken over
 * rtnetlink (no tc binary): what the root qdisc is, fq in place of the
 * kernel's default, the default back, and whether this kernel has fq at
 * all (asked in a network namespace of a child's own, so no device of
 * ours is touched by the question).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "engines/fq.h"
#include "minderbinder/net.h"

struct req {
	struct nlmsghdr n;
	struct tcmsg t;
	char attrs[256];
};

static void put_attr(struct req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)&r->n + NLMSG_ALIGN(r->n.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	return fd < 0 ? -errno : fd;
}

/* Sends r and reads the kernel's acknowledgement: 0 or -errno. */
static int nl_talk(struct req *r)
{
	char buf[4096];
	int fd = nl_open(), err = -EPROTO;
	ssize_t n;

	if (fd < 0)
		return fd;
	r->n.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(fd, r, r->n.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (h->nlmsg_type == NLMSG_ERROR)
			err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	} else if (n < 0) {
		err = -errno;
	}
out:
	close(fd);
	return err;
}

int mb_fq_root(unsigned ifindex, char kind[16], __u32 *handle)
{
	struct req r = { .n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
				.nlmsg_type = RTM_GETQDISC,
				.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP } };
	static char buf[32768];
	int fd = nl_open(), err = -ENOENT, done = 0;
	ssize_t n;

	if (fd < 0)
		return fd;
	kind[0] = '\0';
	r.t.tcm_family = AF_UNSPEC;
	r.t.tcm_ifindex = (int)ifindex;
	if (send(fd, &r, r.n.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	while (!done && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *h;
		int left = (int)n;

		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			struct tcmsg *t = NLMSG_DATA(h);
			struct rtattr *a;
			int alen;

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (h->nlmsg_type != RTM_NEWQDISC || t->tcm_ifindex != (int)ifindex ||
			    t->tcm_parent != TC_H_ROOT)
				continue;
			alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*t)));
			for (a = (struct rtattr *)((char *)t + NLMSG_ALIGN(sizeof(*t)));
			     RTA_OK(a, alen); a = RTA_NEXT(a, alen))
				if (a->rta_type == TCA_KIND)
					snprintf(kind, 16, "%.*s", (int)RTA_PAYLOAD(a),
						 (const char *)RTA_DATA(a));
			*handle = t->tcm_handle;
			err = 0;
		}
	}
out:
	close(fd);
	return err;
}

int mb_fq_create(unsigned ifindex)
{
	struct req r = { .n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
				.nlmsg_type = RTM_NEWQDISC,
				.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE } };
	/* Room for what a shaped flow keeps queued: 10000 packets a flow
	 * (fq's default, 100, would drop a held-back window), and a horizon
	 * of a minute before a departure time counts as bogus. */
	__u32 plimit = 100000, flow_plimit = 10000, horizon_us = 60000000;
	struct rtattr *opts;

	r.t.tcm_family = AF_UNSPEC;
	r.t.tcm_ifindex = (int)ifindex;
	r.t.tcm_parent = TC_H_ROOT;
	r.t.tcm_handle = MB_FQ_HANDLE;
	put_attr(&r, TCA_KIND, "fq", 3);
	opts = (struct rtattr *)((char *)&r.n + NLMSG_ALIGN(r.n.nlmsg_len));
	put_attr(&r, TCA_OPTIONS, NULL, 0);
	put_attr(&r, TCA_FQ_PLIMIT, &plimit, sizeof(plimit));
	put_attr(&r, TCA_FQ_FLOW_PLIMIT, &flow_plimit, sizeof(flow_plimit));
	put_attr(&r, TCA_FQ_HORIZON, &horizon_us, sizeof(horizon_us));
	opts->rta_len = (unsigned short)((char *)&r.n + r.n.nlmsg_len - (char *)opts);
	return nl_talk(&r);
}

int mb_fq_delete(unsigned ifindex)
{
	struct req r = { .n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
				.nlmsg_type = RTM_DELQDISC } };
	__u32 handle = 0;
	char kind[16];
	int err = mb_fq_root(ifindex, kind, &handle);

	/* Only the very qdisc we made: a root someone put there since stays. */
	if (err || strcmp(kind, "fq") || handle != MB_FQ_HANDLE)
		return err ? err : -ENOENT;
	r.t.tcm_family = AF_UNSPEC;
	r.t.tcm_ifindex = (int)ifindex;
	r.t.tcm_parent = TC_H_ROOT;
	r.t.tcm_handle = MB_FQ_HANDLE;
	return nl_talk(&r);
}

int mb_fq_probe(struct mb_error *why)
{
	int status = 0;
	pid_t pid = fork();

	if (pid < 0) {
		mb_error_set(why, "cannot ask whether the kernel has fq: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		int err = unshare(CLONE_NEWNET) ? -errno : mb_fq_create(1); /* its own lo */

		_exit(err ? (-err & 0xff) : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		mb_error_set(why, "cannot ask whether the kernel has fq");
		return 0;
	}
	switch (WEXITSTATUS(status)) {
	case 0:
		return 1;
	case EPERM:
		mb_error_set(why, "asking for fq needs root (a network namespace of its own)");
		return 0;
	case ENOENT:
	case EINVAL:
		mb_error_set(why, "the kernel has no fq qdisc (CONFIG_NET_SCH_FQ is not set)");
		return 0;
	default:
		mb_error_set(why, "fq could not be set up: %s", strerror(WEXITSTATUS(status)));
		return 0;
	}
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network faults for registered targets:
 *  - cgroup/sock_create tags the sockets a target creates (by cookie);
 *  - a TC egress classifier drops the tagged sockets' packets that match a
 *    drop rule (the original project's mechanism);
 *  - cgroup connect/sendmsg hooks fail matching calls with the rule's
 *    errno through bpf_set_retval.
 * Everything else passes untouched: one map lookup on the way.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "registry_maps.bpf.h"
#include "net_rule.bpf.h"
#include "rule_window.bpf.h"
#include "target_check.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define AF_INET 2
#define AF_INET6 10

/* What a packet or a connect() looks like to the rules. */
struct flow {
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u16 dport; /* host order */
	__u8 daddr[16];
};

static __always_inline int addr_match(const struct mb_net_rule *n, const struct flow *f)
{
	__u32 i, bits;

	if (!n->family)
		return 1;
	if (n->family != f->family)
		return 0;
	bits = n->prefix_len;
	for (i = 0; i < 16; i++) {
		__u8 mask;

		if (bits == 0)
			break;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((n->addr[i] ^ f->daddr[i]) & mask)
			return 0;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return 1;
}

static __always_inline int flow_match(const struct mb_net_rule *n, const struct flow *f)
{
	if (n->proto != MB_PROTO_ANY && n->proto != f->proto)
		return 0;
	if (f->dport < n->port_lo || f->dport > n->port_hi)
		return 0;
	return addr_match(n, f);
}

/*
 * Where a forked target's rule counts: with the registrant at the root of
 * its tree (t->owner), as the supervisor counts syscall rules, so times=1
 * means once for the whole tree. Only while the registrant's entry is the
 * one the fork copied (same registration time, the same rule at idx: the
 * C API may have changed its rules since); else, and in the registrant
 * itself, the target's own counters.
 */
/* A network rule's bytes: everything up to the end of its net part. */
#define NET_RULE_WORDS \
	((__builtin_offsetof(struct mb_rule, net) + sizeof(struct mb_net_rule)) / 8)
_Static_assert((__builtin_offsetof(struct mb_rule, net) + sizeof(struct mb_net_rule)) % 8 == 0,
	       "a network rule is whole words");

static __always_inline void count_key(__u32 tgid, const struct mb_target *t,
				      const struct mb_rule_entry *e, struct mb_rule_key *key)
{
	struct mb_rule_key ok = { .tgid = t->owner, .idx = key->idx };
	const __u64 *a = (const __u64 *)&e->rule, *b;
	struct mb_rule_entry *oe;
	struct mb_target *o;
	int i;

	key->tgid = tgid;
	if (!t->owner)
		return;
	o = bpf_map_lookup_elem(&mb_targets, &ok.tgid);
	if (!o || o->registered_ns != t->registered_ns)
		return;
	oe = bpf_map_lookup_elem(&mb_rules, &ok);
	if (!oe || oe->start_ticks != o->start_ticks)
		return;
	b = (const __u64 *)&oe->rule;
	for (i = 0; i < NET_RULE_WORDS; i++)
		if (a[i] != b[i])
			return;
	key->tgid = t->owner;
}

/*
 * The first rule of the wanted action whose flow matches and whose window
 * (delay, after, times) is open decides: rate= is its coin. Returns the
 * deciding rule's index with *fault set, or -1.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MB_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct mb_edt_flow);
} mb_edt_flows SEC(".maps");

static __always_inline int decide(__u32 tgid, __u32 tid, struct mb_target *t,
				  const struct flow *f, __u32 action, int *fault, __s32 *err)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct mb_rule_key ck;
	__u32 i;

	for (i = 0; i < MB_MAX_RULES; i++) {
		struct mb_rule_entry *e;

		if (i >= t->n_rules)
			break;
		e = mb_net_rule_at(tgid, t, i, action);
		if (!e || !flow_match(&e->rule.net, f))
			continue;
		/* a shaping rule the supervisor serves (per call) is not ours */
		if (action == MB_NET_SHAPE && e->engine != MB_ENGINE_EDT)
			continue;
		if (e->tid && e->tid != tid)
			continue;
		ck.idx = i;
		count_key(tgid, t, e, &ck);
		if (mb_rule_window(&ck, t, e, now, fault) < 0)
			continue;
		if (*fault)
			*err = e->rule.net.err;
		return (int)i;
	}
	return -1;
}

/* MINDERBINDER_LOG: an event to the ring of the target's registrant, if
 * it has one (it has, only while logging). */
static __always_inline void log_fault(const struct mb_target *t, __u32 tgid, __u32 tid,
				      const char *comm, const struct flow *f, int rule,
				      __u32 action, __s32 err)
{
	__u32 owner = t->owner ? t->owner : tgid;
	struct mb_log_event ev = {};
	void *ring = bpf_map_lookup_elem(&mb_log_rings, &owner);

	if (!ring)
		return;
	ev.boot_ns = bpf_ktime_get_boot_ns();
	ev.pid = tgid;
	ev.tid = tid;
	if (comm)
		__builtin_memcpy(ev.comm, comm, sizeof(ev.comm));
	else
		bpf_get_current_comm(ev.comm, sizeof(ev.comm));
	ev.rule = (__u32)rule;
	ev.proto = f->proto;
	ev.family = f->family;
	ev.dport = f->dport;
	__builtin_memcpy(ev.daddr, f->daddr, sizeof(ev.daddr));
	ev.action = action;
	ev.err = err;
	bpf_ringbuf_output(ring, &ev, sizeof(ev), 0);
}

/* The tc program runs where the sender is not the current task (softirq,
 * retransmit timers): its use-time check is made here, once, by whoever
 * creates the socket. A tag names the owner and its start time; tc acts
 * on it only while the owner's entry still has that start time. */
SEC("cgroup/sock_create")
int mb_sock_create(struct bpf_sock *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid;
	struct mb_target *t = mb_current_target(&tgid);
	struct mb_sock s = { .tgid = tgid, .tid = (__u32)id };
	__u64 cookie;

	if (!t)
		return 1;
	s.start_ticks = t->start_ticks;
	bpf_get_current_comm(s.comm, sizeof(s.comm));
	cookie = bpf_get_socket_cookie(ctx);
	bpf_map_update_elem(&mb_sockets, &cookie, &s, BPF_ANY);
	return 1;
}

/* Loads relative to the network header: right on devices with or without
 * a link-layer header (lo, veth, tun). */
static __always_inline int parse_packet(struct __sk_buff *skb, struct flow *f)
{
	__u32 off;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes_relative(skb, 0, &ip, sizeof(ip), BPF_HDR_START_NET))
			return -1;
		f->family = 4;
		f->proto = ip.protocol;
		__builtin_memcpy(f->daddr, &ip.daddr, 4);
		off = ip.ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes_relative(skb, 0, &ip6, sizeof(ip6), BPF_HDR_START_NET))
			return -1;
		f->family = 6;
		f->proto = ip6.nexthdr; /* behind extension headers: matches "any" only */
		__builtin_memcpy(f->daddr, &ip6.daddr, 16);
		off = sizeof(ip6);
	} else {
		return -1;
	}
	if (f->proto == MB_PROTO_TCP || f->proto == MB_PROTO_UDP) {
		__be16 ports[2];

		if (bpf_skb_load_bytes_relative(skb, off, ports, sizeof(ports),
						BPF_HDR_START_NET))
			return -1;
		f->dport = bpf_ntohs(ports[1]);
	}
	return 0;
}

static __always_inline int iface_match(const struct mb_target *t, __u32 ifindex)
{
	int i;

	if (!t->ifindex[0])
		return 1;
	for (i = 0; i < MB_MAX_TARGET_IFACES; i++)
		if (t->ifindex[i] == ifindex)
			return 1;
	return 0;
}

/*
 * The EDT engine: the packet's earliest departure time, which fq on the
 * device honours. latency= (+- jitter=, uniform, the kernel's random
 * numbers) from now, or from TCP's own departure time if later; never
 * before the socket's previous packet (a TCP stream is not reordered);
 * bandwidth= spaces the socket's packets by len / rate.
 */
static __always_inline void edt_shape(struct __sk_buff *skb, __u64 cookie, __u32 tgid,
				      const struct mb_target *t, __u32 idx)
{
	struct mb_rule_entry *e = mb_net_rule_at(tgid, t, idx, MB_NET_SHAPE);
	struct mb_edt_flow fresh = {}, *fl;
	__u64 now = bpf_ktime_get_ns(), ts;

	if (!e)
		return;
	fl = bpf_map_lookup_elem(&mb_edt_flows, &cookie);
	if (!fl) {
		bpf_map_update_elem(&mb_edt_flows, &cookie, &fresh, BPF_ANY);
		fl = bpf_map_lookup_elem(&mb_edt_flows, &cookie);
		if (!fl)
			return;
	}
	ts = skb->tstamp > now ? skb->tstamp : now;
	if (e->rule.flags & MB_F_LATENCY) {
		ts += e->rule.latency_ns;
		if ((e->rule.flags & MB_F_JITTER) && e->rule.net.jitter_ns) {
			__u64 span = 2 * e->rule.net.jitter_ns + 1;
			__u64 rnd = ((__u64)bpf_get_prandom_u32() << 32) | bpf_get_prandom_u32();

			ts = ts - e->rule.net.jitter_ns + rnd % span;
		}
	}
	if ((e->rule.flags & MB_F_BANDWIDTH) && e->rule.net.bandwidth_bps) {
		if (ts < fl->next_free_ns)
			ts = fl->next_free_ns;
		fl->next_free_ns = ts + (__u64)skb->len * 1000000000ULL / e->rule.net.bandwidth_bps;
	}
	if (ts < fl->last_ns)
		ts = fl->last_ns;
	fl->last_ns = ts;
	skb->tstamp = ts;
}

SEC("tc")
int mb_tc_egress(struct __sk_buff *skb)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	struct flow f = {};
	struct mb_target *t;
	struct mb_sock *s;
	int fault = 0, rule;
	__s32 err = 0;

	if (!cookie)
		return TC_ACT_OK;
	s = bpf_map_lookup_elem(&mb_sockets, &cookie);
	if (!s)
		return TC_ACT_OK;
	t = bpf_map_lookup_elem(&mb_targets, &s->tgid);
	if (!t || t->start_ticks != s->start_ticks)
		return TC_ACT_OK;
	if (parse_packet(skb, &f) || !iface_match(t, skb->ifindex))
		return TC_ACT_OK;
	rule = decide(s->tgid, s->tid, t, &f, MB_NET_DROP, &fault, &err);
	if (rule >= 0 && fault) {
		log_fault(t, s->tgid, s->tid, s->comm, &f, rule, MB_NET_DROP, 0);
		return TC_ACT_SHOT;
	}
	rule = decide(s->tgid, s->tid, t, &f, MB_NET_SHAPE, &fault, &err);
	if (rule >= 0 && fault)
		edt_shape(skb, cookie, s->tgid, t, (__u32)rule);
	return TC_ACT_OK;
}

static __always_inline int sock_addr_decide(struct bpf_sock_addr *ctx, int family)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid;
	struct mb_target *t = mb_current_target(&tgid);
	struct flow f = {};
	int fault = 0, rule;
	__s32 err = 0;

	if (!t)
		return 1;
	f.proto = (__u8)ctx->protocol;
	f.dport = bpf_ntohs((__u16)ctx->user_port);
	if (family == 4) {
		__u32 a = ctx->user_ip4;

		f.family = 4;
		__builtin_memcpy(f.daddr, &a, 4);
	} else {
		__u32 a[4];

		a[0] = ctx->user_ip6[0];
		a[1] = ctx->user_ip6[1];
		a[2] = ctx->user_ip6[2];
		a[3] = ctx->user_ip6[3];
		if (!a[0] && !a[1] && a[2] == bpf_htonl(0xffff)) {
			/* ::ffff:a.b.c.d from a dual-stack socket is IPv4 on the
			 * wire: IPv4 rules (and the tc engine) see it so too. */
			f.family = 4;
			__builtin_memcpy(f.daddr, &a[3], 4);
		} else {
			f.family = 6;
			__builtin_memcpy(f.daddr, a, 16);
		}
	}
	rule = decide(tgid, (__u32)id, t, &f, MB_NET_ERRNO, &fault, &err);
	if (rule < 0 || !fault)
		return 1;
	log_fault(t, tgid, (__u32)id, NULL, &f, rule, MB_NET_ERRNO, err);
	bpf_set_retval(-err);
	return 0;
}

SEC("cgroup/connect4")
int mb_connect4(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 4);
}

SEC("cgroup/connect6")
int mb_connect6(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 6);
}

SEC("cgroup/sendmsg4")
int mb_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 4);
}

SEC("cgroup/sendmsg6")
int mb_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sock_addr_decide(ctx, 6);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network faults for registered targets:
 *  - cgroup/sock_create tags the sockets a target creates (by cookie);
 *  - a TC egress classifier drops the tagged sockets' packets that match a
 *    drop rule (the original project's mechanism), or corrupts, duplicates
 *    or resets them;
 *  - cgroup_skb/ingress drops what arrives for them (direction=in);
 *  - cgroup connect/sendmsg hooks fail matching calls with the rule's
 *    errno through bpf_set_retval.
 * Everything else passes untouched: one map lookup on the way.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "registry_maps.bpf.h"
#include "net_decide.bpf.h"
#include "target_check.bpf.h"
#include "listen_tag.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define AF_INET 2
#define AF_INET6 10

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
	ev.direction = f->dir;
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
	/* Should it listen, what it accepts is the target's too. */
	if (ctx->protocol == IPPROTO_TCP)
		bpf_sk_storage_get(&mb_listen_tags, ctx, &s, BPF_SK_STORAGE_GET_F_CREATE);
	return 1;
}

/* A connection a target's listener accepted: its tag, cloned from the
 * listener's storage, goes to mb_sockets while the owner is the same. */
SEC("sockops")
int mb_sockops(struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk = skops->sk;
	struct mb_target *t;
	struct mb_sock *s;
	__u64 cookie;

	if (skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB || !sk)
		return 1;
	s = bpf_sk_storage_get(&mb_listen_tags, sk, 0, 0);
	if (!s)
		return 1;
	t = bpf_map_lookup_elem(&mb_targets, &s->tgid);
	if (!t || t->start_ticks != s->start_ticks)
		return 1;
	cookie = bpf_get_socket_cookie(skops);
	bpf_map_update_elem(&mb_sockets, &cookie, s, BPF_ANY);
	return 1;
}

/* Where a packet's parts are, relative to its network header. */
struct pkt {
	__u32 l4_off;
	__u32 pay_off;
};

/* Loads relative to the network header: right on devices with or without
 * a link-layer header (lo, veth, tun). dir MB_DIR_OUT: the peer is the
 * destination; MB_DIR_IN: the source. */
static __always_inline int parse_packet(struct __sk_buff *skb, struct flow *f, struct pkt *p,
					__u8 dir)
{
	__u32 off, len;

	f->dir = dir;
	f->packet = 1;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes_relative(skb, 0, &ip, sizeof(ip), BPF_HDR_START_NET))
			return -1;
		f->family = 4;
		f->proto = ip.protocol;
		__builtin_memcpy(f->daddr, dir == MB_DIR_IN ? &ip.saddr : &ip.daddr, 4);
		off = ip.ihl * 4;
		len = bpf_ntohs(ip.tot_len);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes_relative(skb, 0, &ip6, sizeof(ip6), BPF_HDR_START_NET))
			return -1;
		f->family = 6;
		f->proto = ip6.nexthdr; /* behind extension headers: matches "any" only */
		__builtin_memcpy(f->daddr, dir == MB_DIR_IN ? &ip6.saddr : &ip6.daddr, 16);
		off = sizeof(ip6);
		len = sizeof(ip6) + bpf_ntohs(ip6.payload_len);
	} else {
		return -1;
	}
	p->l4_off = off;
	p->pay_off = 0;
	if (f->proto == MB_PROTO_TCP || f->proto == MB_PROTO_UDP) {
		__be16 ports[2];
		__u8 doff = 0;

		if (bpf_skb_load_bytes_relative(skb, off, ports, sizeof(ports),
						BPF_HDR_START_NET))
			return -1;
		f->dport = bpf_ntohs(ports[dir == MB_DIR_IN ? 0 : 1]);
		f->lport = bpf_ntohs(ports[dir == MB_DIR_IN ? 1 : 0]);
		if (f->proto == MB_PROTO_TCP &&
		    bpf_skb_load_bytes_relative(skb, off + 12, &doff, 1, BPF_HDR_START_NET))
			return -1;
		p->pay_off = off + (f->proto == MB_PROTO_TCP ? (doff >> 4) * 4 : 8);
		f->payload = len > p->pay_off ? len - p->pay_off : 0;
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

/* The network header's offset from skb->data, where the tc program's
 * stores count from: the link-layer header's length, which __sk_buff does
 * not give. 14 (Ethernet, lo, veth) or 0 (tun, wireguard): whichever
 * place holds the very bytes of the network header. */
static __always_inline int net_offset(struct __sk_buff *skb, __u32 *net_off)
{
	__u32 a[5], b[5];
	int i, same = 1;

	if (bpf_skb_load_bytes_relative(skb, 0, a, sizeof(a), BPF_HDR_START_NET))
		return -1;
	if (!bpf_skb_load_bytes(skb, 14, b, sizeof(b))) {
		for (i = 0; i < 5; i++)
			same &= a[i] == b[i];
		if (same) {
			*net_off = 14;
			return 0;
		}
	}
	if (bpf_skb_load_bytes(skb, 0, b, sizeof(b)))
		return -1;
	for (i = 0, same = 1; i < 5; i++)
		same &= a[i] == b[i];
	*net_off = 0;
	return same ? 0 : -1;
}

/*
 * corrupt: one payload byte (of the first 256) inverted. MB_CORRUPT_PAYLOAD
 * fixes the L4 checksum up, so the receiving application reads the bad
 * byte. MB_CORRUPT_CSUM moves the checksum the other way instead, so it is
 * wrong whether it is final here (CHECKSUM_NONE) or still to be completed
 * by the device (CHECKSUM_PARTIAL: then BPF_F_PSEUDO_HDR changes its seed):
 * a receiver that verifies it drops the packet. Loopback and veth trust
 * their own CHECKSUM_PARTIAL packets and verify nothing.
 */
static __always_inline int corrupt(struct __sk_buff *skb, const struct flow *f,
				   const struct pkt *p, __u8 mode)
{
	__u32 net_off, span, rel, w;
	__u16 old = 0, new;
	__u64 flags;
	__u8 b;

	if (net_offset(skb, &net_off))
		return -1;
	span = f->payload < 256 ? f->payload : 256;
	if (!span)
		return -1;
	rel = bpf_get_prandom_u32() % span;
	w = rel & ~1u; /* the 16-bit word of the checksum it is in */
	if (w + 1 < f->payload) {
		if (bpf_skb_load_bytes(skb, net_off + p->pay_off + w, &old, 2))
			return -1;
	} else if (bpf_skb_load_bytes(skb, net_off + p->pay_off + w, &old, 1)) {
		return -1;
	}
	new = old ^ (rel & 1 ? bpf_htons(0x00ff) : bpf_htons(0xff00));
	b = (rel & 1) ? (__u8)(bpf_ntohs(new) & 0xff) : (__u8)(bpf_ntohs(new) >> 8);
	if (bpf_skb_store_bytes(skb, net_off + p->pay_off + rel, &b, 1, 0))
		return -1;
	flags = sizeof(__u16) | (f->proto == MB_PROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0);
	if (mode == MB_CORRUPT_CSUM)
		return bpf_l4_csum_replace(skb, net_off + p->l4_off + (f->proto == MB_PROTO_TCP ? 16 : 6),
					   new, old, flags | BPF_F_PSEUDO_HDR);
	return bpf_l4_csum_replace(skb, net_off + p->l4_off + (f->proto == MB_PROTO_TCP ? 16 : 6),
				   old, new, flags);
}

/* Set while our clone of a packet goes through this very program (the
 * redirect runs it again, on this CPU, before returning). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} mb_dup_busy SEC(".maps");

/* Connections whose first data left as a reset: what they send after it
 * (the retransmission the peer answers with its own reset) goes as it is. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MB_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_reset_sent SEC(".maps");

/* reset, on a new connection's first data: the segment leaves with RST set
 * (its checksum fixed up), which resets the peer's end at once; the
 * target's end is reset when its retransmission reaches the peer, whose
 * kernel no longer knows the connection and answers with a reset. */
static __always_inline int reset(struct __sk_buff *skb, const struct pkt *p, __u64 cookie)
{
	__u32 net_off;
	__u16 old, new;
	__u8 one = 1;

	if (net_offset(skb, &net_off) ||
	    bpf_skb_load_bytes(skb, net_off + p->l4_off + 12, &old, 2))
		return -1;
	new = old | bpf_htons(0x0004); /* RST, in the flags byte */
	if (bpf_skb_store_bytes(skb, net_off + p->l4_off + 12, &new, 2, 0) ||
	    bpf_l4_csum_replace(skb, net_off + p->l4_off + 16, old, new, sizeof(__u16)))
		return -1;
	bpf_map_update_elem(&mb_reset_sent, &cookie, &one, BPF_ANY);
	return 0;
}

/* The live target whose tagged socket the packet belongs to, or NULL. */
static __always_inline struct mb_target *tagged(__u64 cookie, struct mb_sock **sp)
{
	struct mb_target *t;
	struct mb_sock *s;

	if (!cookie)
		return NULL;
	s = bpf_map_lookup_elem(&mb_sockets, &cookie);
	if (!s)
		return NULL;
	t = bpf_map_lookup_elem(&mb_targets, &s->tgid);
	if (!t || t->start_ticks != s->start_ticks)
		return NULL;
	*sp = s;
	return t;
}

/* The EDT engine's per-socket departure times (bpf/net.bpf.c, edt_shape). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MB_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct mb_edt_flow);
} mb_edt_flows SEC(".maps");

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
	__u32 zero = 0, *busy = bpf_map_lookup_elem(&mb_dup_busy, &zero);
	struct mb_rule_entry *e;
	struct flow f = {};
	struct pkt p = {};
	struct mb_target *t;
	struct mb_sock *s;
	int fault = 0, rule;
	__s32 err = 0;
	__u32 action;

	if (!busy || *busy)
		return TC_ACT_OK;
	t = tagged(cookie, &s);
	if (!t || parse_packet(skb, &f, &p, MB_DIR_OUT) || !iface_match(t, skb->ifindex))
		return TC_ACT_OK;
	if (f.proto == MB_PROTO_TCP && bpf_map_lookup_elem(&mb_reset_sent, &cookie))
		return TC_ACT_OK;
	rule = decide(s->tgid, s->tid, t, &f, MB_NET_PACKET_ACTIONS, &fault, &err);
	if (rule < 0 || !fault) {
		/* No packet fault: an EDT shaping rule may still time it. */
		fault = 0;
		rule = decide(s->tgid, s->tid, t, &f, MB_NET_BIT(MB_NET_SHAPE), &fault, &err);
		if (rule >= 0 && fault)
			edt_shape(skb, cookie, s->tgid, t, (__u32)rule);
		return TC_ACT_OK;
	}
	e = mb_net_rule_of(s->tgid, t, (__u32)rule, MB_NET_PACKET_ACTIONS);
	if (!e)
		return TC_ACT_OK;
	action = e->rule.net.action;
	log_fault(t, s->tgid, s->tid, s->comm, &f, rule, action, 0);
	if (action == MB_NET_CORRUPT) {
		corrupt(skb, &f, &p, e->rule.net.corrupt_mode);
	} else if (action == MB_NET_DUPLICATE) {
		*busy = 1;
		bpf_clone_redirect(skb, skb->ifindex, 0);
		*busy = 0;
	} else if (action == MB_NET_RESET) {
		if (f.proto == MB_PROTO_TCP)
			reset(skb, &p, cookie);
	} else {
		return TC_ACT_SHOT;
	}
	return TC_ACT_OK;
}

/* direction=in: a packet that arrives for a target's socket (skb->sk is
 * the receiving socket while the hook runs, after the kernel's own socket
 * lookup) is dropped before the socket sees it: a listener's SYN, a
 * datagram, a segment of an established connection. */
SEC("cgroup_skb/ingress")
int mb_skb_ingress(struct __sk_buff *skb)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	struct flow f = {};
	struct pkt p = {};
	struct mb_target *t;
	struct mb_sock *s;
	int fault = 0, rule;
	__s32 err = 0;

	t = tagged(cookie, &s);
	if (!t || parse_packet(skb, &f, &p, MB_DIR_IN) || !iface_match(t, skb->ifindex))
		return 1;
	rule = decide(s->tgid, s->tid, t, &f, MB_NET_BIT(MB_NET_DROP), &fault, &err);
	if (rule < 0 || !fault)
		return 1;
	log_fault(t, s->tgid, s->tid, s->comm, &f, rule, MB_NET_DROP, 0);
	return 0;
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
	rule = decide(tgid, (__u32)id, t, &f, MB_NET_BIT(MB_NET_ERRNO), &fault, &err);
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

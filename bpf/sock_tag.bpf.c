// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tags the sockets a target already holds when it registers: the tc
 * engine knows a target's packets only by the mb_sockets tag, which
 * cgroup/sock_create puts on sockets created later. A connection opened
 * before mb_enable (a pool, a client made in a test's setup) would
 * otherwise never see a drop rule.
 *
 * Two passes, run by the helper right after it wrote the entry: a
 * task_file iterator over the target finds its inet sockets, but reaches
 * each by a pointer no helper may take (a socket's sk is untrusted), so
 * it notes them in mb_tag_held; the tcp and udp socket iterators then
 * hand the same sockets over as trusted pointers, which
 * bpf_get_socket_cookie takes, and tag those noted. Loaded and pinned
 * once, like the network programs: the target is what the task_file
 * link is made for, nothing is a parameter.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "net_decide.bpf.h"
#include "registry_maps.bpf.h"
#include "target_check.bpf.h"
#include "listen_tag.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_SOCKETS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64); /* the struct sock's address */
	__type(value, struct mb_held_sock);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_tag_held SEC(".maps");

/* The thread a socket of tgid is tagged with: that of its first
 * thread-scoped packet rule (drop, corrupt, duplicate, reset) (the C API's mb_enable caller), else 0. A
 * socket has one tag, so one thread. */
static __always_inline __u32 drop_tid(__u32 tgid, const struct mb_target *t)
{
	__u32 i;

	for (i = 0; i < MB_MAX_RULES; i++) {
		struct mb_rule_entry *e;

		if (i >= t->n_rules)
			break;
		e = mb_net_rule_of(tgid, t, i, MB_NET_PACKET_ACTIONS);
		if (e && e->tid)
			return e->tid;
	}
	return 0;
}

SEC("iter/task_file")
int mb_tag_find(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct mb_held_sock h = {};
	struct mb_target *t;
	struct socket *sock;
	struct sock *sk;
	__u16 family;
	__u64 key;
	__u32 tgid;

	if (!task || !file)
		return 0;
	tgid = task->tgid;
	/* The use-time check, as every program that acts on an entry. */
	t = bpf_map_lookup_elem(&mb_targets, &tgid);
	if (!t || !mb_task_is_target(task, t))
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;
	if (!sk)
		return 0;
	/* What cgroup/sock_create sees: inet sockets only. */
	family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	h.ino = BPF_CORE_READ(file, f_inode, i_ino);
	h.tag.tgid = tgid;
	h.tag.tid = drop_tid(tgid, t);
	h.tag.start_ticks = t->start_ticks;
	bpf_probe_read_kernel_str(h.tag.comm, sizeof(h.tag.comm), task->comm);
	key = (__u64)sk;
	bpf_map_update_elem(&mb_tag_held, &key, &h, BPF_ANY);
	return 0;
}

/* Where the kernel has it (6.5 on): the target's end is aborted, as
 * `ss -K` does; the kernel sends the peer a reset. */
extern int bpf_sock_destroy(struct sock_common *sk) __ksym __weak;
#ifndef bpf_ksym_exists /* libbpf before 1.2 */
#define bpf_ksym_exists(sym) (!!(sym))
#endif

#define TCP_ESTABLISHED 1
#define TCP_CLOSE_WAIT 8

/* reset: an established connection of a target that a reset rule matches
 * goes now, when the rule is enabled; the application's next call on it
 * fails with ECONNABORTED. */
static __always_inline void reset_held(struct sock_common *skc, const struct mb_sock *tag)
{
	struct mb_target *t = bpf_map_lookup_elem(&mb_targets, &tag->tgid);
	struct flow f = {};
	int fault = 0, rule;
	__s32 err = 0;

	if (!t || t->start_ticks != tag->start_ticks ||
	    (skc->skc_family != AF_INET && skc->skc_family != AF_INET6))
		return;
	if (skc->skc_state != TCP_ESTABLISHED && skc->skc_state != TCP_CLOSE_WAIT)
		return;
	f.proto = MB_PROTO_TCP;
	f.dport = bpf_ntohs(skc->skc_dport);
	if (skc->skc_family == AF_INET) {
		f.family = 4;
		__builtin_memcpy(f.daddr, &skc->skc_daddr, 4);
	} else {
		f.family = 6;
		__builtin_memcpy(f.daddr, &skc->skc_v6_daddr, 16);
		if (!skc->skc_v6_daddr.in6_u.u6_addr32[0] && !skc->skc_v6_daddr.in6_u.u6_addr32[1] &&
		    skc->skc_v6_daddr.in6_u.u6_addr32[2] == bpf_htonl(0xffff)) {
			f.family = 4; /* ::ffff:a.b.c.d is IPv4 on the wire */
			__builtin_memcpy(f.daddr, &skc->skc_v6_daddr.in6_u.u6_addr32[3], 4);
		}
	}
	rule = decide(tag->tgid, tag->tid, t, &f, MB_NET_BIT(MB_NET_RESET), &fault, &err);
	if (rule < 0 || !fault || !bpf_ksym_exists(bpf_sock_destroy))
		return;
	bpf_sock_destroy(skc);
}

static __always_inline void tag(struct sock_common *skc, int tcp)
{
	struct mb_held_sock *h;
	struct mb_target *t;
	struct mb_sock *old;
	__u64 key, cookie;

	if (!skc)
		return;
	key = (__u64)skc;
	h = bpf_map_lookup_elem(&mb_tag_held, &key);
	if (!h)
		return;
	if (BPF_CORE_READ((struct sock *)skc, sk_socket, file, f_inode, i_ino) != h->ino)
		goto out;
	t = bpf_map_lookup_elem(&mb_targets, &h->tag.tgid);
	if (!t || t->start_ticks != h->tag.start_ticks)
		goto out;
	cookie = bpf_get_socket_cookie(skc);
	old = bpf_map_lookup_elem(&mb_sockets, &cookie);
	if (old) {
		/* A live target's tag is its creator's (a socket inherited
		 * from a parent target, passed over a unix socket): kept. */
		t = bpf_map_lookup_elem(&mb_targets, &old->tgid);
		if (t && t->start_ticks == old->start_ticks) {
			if (tcp)
				reset_held(skc, old);
			goto out;
		}
	}
	bpf_map_update_elem(&mb_sockets, &cookie, &h->tag, BPF_ANY);
	if (tcp) {
		/* A listener it held: what it accepts from now on is tagged. */
		struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);
		struct mb_sock *ls = tp ? bpf_sk_storage_get(&mb_listen_tags, tp, 0,
							     BPF_SK_STORAGE_GET_F_CREATE)
					: NULL;

		if (ls)
			*ls = h->tag;
		reset_held(skc, &h->tag);
	}
out:
	bpf_map_delete_elem(&mb_tag_held, &key);
}

SEC("iter/tcp")
int mb_tag_tcp(struct bpf_iter__tcp *ctx)
{
	tag(ctx->sk_common, 1);
	return 0;
}

SEC("iter/udp")
int mb_tag_udp(struct bpf_iter__udp *ctx)
{
	tag((struct sock_common *)ctx->udp_sk, 0);
	return 0;
}

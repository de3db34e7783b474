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
#include "net_rule.bpf.h"
#include "registry_maps.bpf.h"
#include "target_check.bpf.h"

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
 * thread-scoped drop rule (the C API's mb_enable caller), else 0. A
 * socket has one tag, so one thread. */
static __always_inline __u32 drop_tid(__u32 tgid, const struct mb_target *t)
{
	__u32 i;

	for (i = 0; i < MB_MAX_RULES; i++) {
		struct mb_rule_entry *e;

		if (i >= t->n_rules)
			break;
		e = mb_net_rule_at(tgid, t, i, MB_NET_DROP);
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

static __always_inline void tag(struct sock_common *skc)
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
		if (t && t->start_ticks == old->start_ticks)
			goto out;
	}
	bpf_map_update_elem(&mb_sockets, &cookie, &h->tag, BPF_ANY);
out:
	bpf_map_delete_elem(&mb_tag_held, &key);
}

SEC("iter/tcp")
int mb_tag_tcp(struct bpf_iter__tcp *ctx)
{
	tag(ctx->sk_common);
	return 0;
}

SEC("iter/udp")
int mb_tag_udp(struct bpf_iter__udp *ctx)
{
	tag((struct sock_common *)ctx->udp_sk);
	return 0;
}

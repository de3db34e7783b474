/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Network-fault state shared by net.bpf.c and its loader. Data only. */
#ifndef MINDERBINDER_NET_H
#define MINDERBINDER_NET_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MB_MAX_SOCKETS 65536
#define MB_MAX_IFACES 256
/* Our TC filter's identity on an interface's clsact egress hook, so we
 * detach exactly ours and nothing else. */
#define MB_TC_HANDLE 0x4d42
#define MB_TC_PRIORITY 0xc0de

/* A socket created by a target, keyed by socket cookie. */
struct mb_sock {
	__u32 tgid;
	__u32 tid; /* the thread that created it (thread-scoped rules) */
	__u64 start_ticks; /* the creator's; a reused tgid does not match */
	char comm[16];     /* the creating thread's, for MINDERBINDER_LOG */
};

/* A socket a target held when it registered, noted by bpf/sock_tag.bpf.c's
 * first pass (key: the struct sock's address) until its second tags it.
 * The inode number guards the address: memory freed and reused in
 * between is not the socket noted. */
struct mb_held_sock {
	__u64 ino;
	struct mb_sock tag;
};

/* One injected network fault, to the registrant's mb_log_rings ring
 * (MINDERBINDER_LOG). tc: pid, tid, comm are the socket creator's. */
struct mb_log_event {
	__u64 boot_ns; /* CLOCK_BOOTTIME */
	__u32 pid;
	__u32 tid;
	char comm[16];
	__u32 rule;   /* index in the target's spec */
	__u8 proto;   /* IPPROTO_* */
	__u8 family;  /* 4 or 6 */
	__u16 dport;  /* host order */
	__u8 daddr[16];
	__u32 action; /* enum mb_net_action */
	__s32 err;    /* errno for MB_NET_ERRNO */
	__u32 direction; /* enum mb_net_direction: MB_DIR_IN, daddr and dport are the source's */
	__u32 pad;
};

/* Per-interface record of what minderbinder attached there. */
struct mb_iface {
	__u32 created_qdisc; /* we created clsact: remove it on unload */
	char name[16];
	/* A process that needs the filter while it lives though it is no
	 * target itself (`minderbinder watch`, before what it watches
	 * starts); 0: none. */
	__u32 holder;
	__u32 fq; /* enum mb_iface_fq: the root qdisc the EDT engine uses */
};

enum mb_iface_fq {
	MB_FQ_NONE = 0,    /* no EDT rule asked for it here */
	MB_FQ_CREATED = 1, /* ours, in place of the kernel's default: deleting
			    * it brings the default back */
	MB_FQ_FOUND = 2,   /* an fq root that was there: used, never removed */
};
/* The handle of the fq root qdisc minderbinder creates ("4d42:"). */
#define MB_FQ_HANDLE 0x4d420000u

/* The EDT engine's departure times of one socket (key: its cookie): its
 * packets never leave before the one before them (no reordering), and
 * bandwidth= spaces them by len / rate. CLOCK_MONOTONIC, as fq wants. */
struct mb_edt_flow {
	__u64 last_ns;      /* departure time of the last packet shaped */
	__u64 next_free_ns; /* bandwidth=: when the link is free again */
};

/* The seed= stream of a rule a BPF program decides (network rules and
 * the BPF syscall engines' rules): the state of rng.h's generator; a race
 * between CPUs only perturbs the sequence, never the rate. */
struct mb_rule_rng {
	__u64 state;
};

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The parsed form of a fault spec. It crosses the agent→helper socket and
 * sits in BPF maps, so: fixed-width types only, no pointers, no libc.
 * On the BPF side include this after vmlinux.h.
 */
#ifndef MINDERBINDER_RULE_H
#define MINDERBINDER_RULE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MB_SPEC_MAGIC 0x4d425350u /* "MBSP" */
#define MB_SPEC_VERSION 1

#define MB_MAX_RULES 32
#define MB_PATH_GLOB_MAX 256
#define MB_RATE_ONE 1000000u /* rates are parts per million */
#define MB_ERRNO_MAX 4095

enum mb_rule_kind {
	MB_RULE_SYSCALL = 1,
	MB_RULE_NET = 2,
};

/* What a faulted syscall returns. */
enum mb_result_kind {
	MB_RES_NONE = 0,  /* no fault: only latency= applies, then the call runs */
	MB_RES_ERRNO = 1, /* the call returns -value (value is a positive errno) */
	MB_RES_VALUE = 2, /* the call is skipped and returns +value */
};

enum mb_net_proto {
	MB_PROTO_ANY = 0,
	MB_PROTO_TCP = 6,
	MB_PROTO_UDP = 17,
};

enum mb_net_action {
	MB_NET_DROP = 1,  /* outgoing packets vanish (tc engine) */
	MB_NET_ERRNO = 2, /* connect()/sendmsg() fail with errno (cgroup engine) */
	/* issue 16, netem-style: */
	MB_NET_SHAPE = 3,     /* no fault: latency/jitter/bandwidth only */
	MB_NET_CORRUPT = 4,   /* a payload byte (or the checksum) is changed */
	MB_NET_DUPLICATE = 5, /* the packet is sent twice */
	MB_NET_RESET = 6,     /* matching connections are reset */
};

/* Which way a network rule acts, relative to the target. */
enum mb_net_direction {
	MB_DIR_OUT = 0, /* default: what the target sends */
	MB_DIR_IN = 1,  /* what arrives for the target's sockets */
	MB_DIR_BOTH = 2,
};

enum mb_net_corrupt_mode {
	MB_CORRUPT_PAYLOAD = 0, /* checksum fixed up: the application sees bad data */
	MB_CORRUPT_CSUM = 1,    /* checksum left wrong: the receiver's stack discards it */
};

/* Which of the optional fields the spec gave explicitly. */
enum mb_rule_flags {
	MB_F_RATE = 1u << 0,
	MB_F_DELAY = 1u << 1,
	MB_F_AFTER = 1u << 2,
	MB_F_TIMES = 1u << 3,
	MB_F_PATH = 1u << 4,
	MB_F_LATENCY = 1u << 5,
	MB_F_SEED = 1u << 6,
	MB_F_ADDR = 1u << 7,
	/* with MB_F_PATH: sys.path_arg is a descriptor; its current path is
	 * matched (only the supervisor can read it) */
	MB_F_PATH_FD = 1u << 8,
	/* network shaping (issue 16); latency= reuses MB_F_LATENCY/latency_ns */
	MB_F_JITTER = 1u << 9,
	MB_F_BANDWIDTH = 1u << 10,
	MB_F_DIRECTION = 1u << 11,
};

enum mb_arch {
	MB_ARCH_X86_64 = 1,
	MB_ARCH_AARCH64 = 2,
};

/*
 * Syscall families ("%open"): one rule over several syscalls. The id
 * crosses the socket; each side expands it from the same table
 * (lib/syscall_families.c) on the spec's arch, so a rule stays one slot
 * however many syscalls it covers.
 */
enum mb_syscall_family {
	MB_FAMILY_NONE = 0, /* the rule names one syscall: sys.nr */
	MB_FAMILY_OPEN,
	MB_FAMILY_READ,
	MB_FAMILY_WRITE,
	MB_FAMILY_SYNC,
	MB_FAMILY_STAT,
	MB_FAMILY_UNLINK,
	MB_FAMILY_RENAME,
	MB_FAMILY_FILE, /* strace's classes */
	MB_FAMILY_NETWORK,
	MB_FAMILY_DESC,
	MB_FAMILY_PROCESS,
	MB_FAMILY_MEMORY,
	MB_FAMILY_COUNT,
};

/* sys.nr of a family rule: its members come from the family id. */
#define MB_NR_FAMILY (-1)

struct mb_syscall_rule {
	__s32 nr;       /* syscall number for spec.arch, MB_NR_FAMILY for a family */
	__u32 result;   /* enum mb_result_kind */
	__s64 value;    /* errno (positive) or fake return value */
	/* which argument holds the path, -1 if none; -1 for a family, whose
	 * members each say their own (lib/syscall_families.h) */
	__s32 path_arg;
	__u16 family; /* enum mb_syscall_family */
	__u16 pad;
	char path[MB_PATH_GLOB_MAX]; /* NUL-terminated glob when MB_F_PATH */
};

struct mb_net_rule {
	__u8 proto;  /* enum mb_net_proto */
	__u8 action; /* enum mb_net_action */
	__u8 family; /* 0 = any, 4 or 6: the family of addr= */
	__u8 prefix_len;
	__u16 port_lo; /* host byte order; 0..65535 = any when lo=0, hi=65535 */
	__u16 port_hi;
	__s32 err;     /* positive errno for MB_NET_ERRNO */
	__u8 direction;    /* enum mb_net_direction */
	__u8 corrupt_mode; /* enum mb_net_corrupt_mode, for MB_NET_CORRUPT */
	__u16 pad;
	__u8 addr[16]; /* network byte order; IPv4 in the first 4 bytes */
	__u64 jitter_ns;     /* with MB_F_JITTER: uniform in [-jitter, +jitter] */
	__u64 bandwidth_bps; /* with MB_F_BANDWIDTH: bytes per second */
};

struct mb_rule {
	__u32 kind;     /* enum mb_rule_kind */
	__u32 flags;    /* enum mb_rule_flags */
	__u32 rate_ppm; /* 0..MB_RATE_ONE */
	__u32 pad;
	__u64 delay_ns;   /* no faults before process start + delay */
	__u64 after;      /* skip the first N matching calls */
	__u64 times;      /* at most N faults; 0 = no limit */
	__u64 latency_ns; /* sleep this long before the call (or its fault) */
	__u64 seed;       /* random stream of this rule */
	union {
		struct mb_syscall_rule sys;
		struct mb_net_rule net;
	};
};

struct mb_spec {
	__u32 magic;   /* MB_SPEC_MAGIC */
	__u16 version; /* MB_SPEC_VERSION */
	__u16 arch;    /* enum mb_arch the syscall numbers belong to */
	__u32 n_rules;
	__u32 pad;
	struct mb_rule rules[MB_MAX_RULES];
};

#endif /* MINDERBINDER_RULE_H */

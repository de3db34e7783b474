/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where everything minderbinder keeps in the kernel is pinned: the one
 * list of those paths, for C, for BPF's users and (through
 * $(OUT)/gen/pins.sh, written from this file by the compiler) for the
 * tests' shell.
 */
#ifndef MINDERBINDER_PINS_H
#define MINDERBINDER_PINS_H

/* Bumped whenever a map layout or name changes: old helpers keep their own dir. */
#define MB_BPFFS_ROOT "/sys/fs/bpf"
#define MB_PIN_DIR MB_BPFFS_ROOT "/minderbinder/v8"

/* The registry (registry.bpf.c): targets, their rules, the counters. */
#define MB_TARGETS_PIN MB_PIN_DIR "/mb_targets"
#define MB_RULES_PIN MB_PIN_DIR "/mb_rules"
#define MB_COUNTERS_PIN MB_PIN_DIR "/mb_counters"
/* seed= streams of every rule the BPF programs decide. */
#define MB_RULE_RNG_PIN MB_PIN_DIR "/mb_rule_rng"
#define MB_LOG_RINGS_PIN MB_PIN_DIR "/mb_log_rings"
#define MB_EXIT_LINK_PIN MB_PIN_DIR "/mb_exit_link"
#define MB_FORK_LINK_PIN MB_PIN_DIR "/mb_fork_link"
#define MB_EXEC_LINK_PIN MB_PIN_DIR "/mb_exec_link"
/* Per-uid quotas (quota.h). */
#define MB_QUOTA_PIN MB_PIN_DIR "/mb_quota"
#define MB_QUOTA_LIMITS_PIN MB_PIN_DIR "/mb_quota_limits"
#define MB_QUOTA_CHARGE_PIN MB_PIN_DIR "/mb_quota_charge"
/* The helper's identity reader (identity.h). */
#define MB_IDENTITY_PIN MB_PIN_DIR "/mb_identity_iter"
/* What the engines found this kernel can do, asked once. */
#define MB_ENGINE_PROBES_PIN MB_PIN_DIR "/mb_engine_probes"
/* The tc engine: its program and the interfaces it is attached to. */
#define MB_TC_EGRESS_PIN MB_PIN_DIR "/mb_tc_egress"
#define MB_IFACES_PIN MB_PIN_DIR "/mb_ifaces"
/* Drop rules on the sockets held before registration (sock_tag.bpf.c). */
#define MB_TAG_FIND_PIN MB_PIN_DIR "/mb_tag_find"
#define MB_TAG_TCP_PIN MB_PIN_DIR "/mb_tag_tcp"
#define MB_TAG_UDP_PIN MB_PIN_DIR "/mb_tag_udp"
/* The sockets a target held before it registered, noted by mb_tag_find. */
#define MB_TAG_HELD_PIN MB_PIN_DIR "/mb_tag_held"
/* A BPF syscall engine's program and link for one syscall:
 * printf(MB_SYSCALL_PROG_PIN_FMT, engine, syscall). */
#define MB_SYSCALL_PROG_PIN_FMT MB_PIN_DIR "/sys_%s_%s"

/* The node daemon (`mb-helper --daemon`, issue 15): the socket it serves
 * unless --socket or socket activation says otherwise, the variable that
 * points a client at another, and the policy it reads at start. */
#define MB_DAEMON_SOCKET "/run/minderbinder/helper.sock"
#define MB_SOCKET_VAR "MINDERBINDER_SOCKET"
#define MB_DAEMON_POLICY "/etc/minderbinder/policy.ini"

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pinned registry maps, defined once for every BPF object that uses
 * them: LIBBPF_PIN_BY_NAME makes each object reuse the pinned instance.
 */
#ifndef MB_REGISTRY_MAPS_BPF_H
#define MB_REGISTRY_MAPS_BPF_H

#include "minderbinder/registry.h"
#include "minderbinder/net.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct mb_target);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_TARGETS * 4);
	__type(key, struct mb_rule_key);
	__type(value, struct mb_rule_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_TARGETS * 4);
	__type(key, struct mb_rule_key);
	__type(value, struct mb_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_counters SEC(".maps");

/* Sockets created by targets, by cookie (net.bpf.c tags them). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MB_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct mb_sock);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_TARGETS * 4);
	__type(key, struct mb_rule_key);
	__type(value, struct mb_rule_rng);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_rule_rng SEC(".maps");

/* MINDERBINDER_LOG: a registrant's ring buffer of network-fault events,
 * by its tgid (mb_target.owner for the targets forked from it). The
 * helper creates each ring and hands it to that registrant's logger. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, MB_MAX_TARGETS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_RINGBUF);
		__uint(max_entries, MB_LOG_RING_SIZE);
	});
} mb_log_rings SEC(".maps");

#endif

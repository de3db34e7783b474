/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The loader of bpf/watch.bpf.c: a program on sched_process_exec that
 * makes every process with a listed name a target. This file loads it,
 * fills its rule and name maps, reads its events, and at the end removes
 * the targets it made (watch_owned) that still run.
 */
#ifndef MB_ENGINE_WATCH_H
#define MB_ENGINE_WATCH_H

#include <time.h>
#include <bpf/libbpf.h>
#include "lib/spec_parse.h"
#include "minderbinder/registry.h"
#include "minderbinder/watch.h"
#include "registry/registry.h"

struct watch_bpf;

struct mb_watch {
	struct mb_registry reg;
	struct watch_bpf *skel;
	struct ring_buffer *rb;
	time_t last_prune;
};

/* Nothing open: what mb_watch_close expects at worst. */
void mb_watch_init(struct mb_watch *w);
/* Opens the registry (first: the BPF syscall engines attach under its pins). */
int mb_watch_open_registry(struct mb_watch *w, struct mb_error *err);
/* Opens and loads the program; drop rules act on ifindex only (0s: all). */
int mb_watch_load(struct mb_watch *w, const __u32 ifindex[MB_MAX_TARGET_IFACES],
		  struct mb_error *err);
/* Template rule idx: r, served by engine, for the n process names
 * names[]; *n_names counts the names new to the map. */
int mb_watch_add_rule(struct mb_watch *w, __u32 idx, const struct mb_rule *r,
		      enum mb_engine engine, const char (*names)[MB_WATCH_COMM_LEN], unsigned n,
		      unsigned *n_names, struct mb_error *err);
/* Reads events into on_event and attaches: targets are made from now on. */
int mb_watch_start(struct mb_watch *w, ring_buffer_sample_fn on_event, void *ctx,
		   struct mb_error *err);
/* Waits up to ms for events; forgets, now and then, the targets that have
 * exited. The events handled, or -errno. */
int mb_watch_poll(struct mb_watch *w, int ms);
/* Detaches, hands on the last events, and removes every target watch
 * made that is still the same process, telling removed of each (err
 * nonzero: it could not). How many it removed. */
unsigned mb_watch_stop(struct mb_watch *w,
		       void (*removed)(__u32 pid, const char *comm, int err, void *ctx), void *ctx);
void mb_watch_close(struct mb_watch *w);

#endif

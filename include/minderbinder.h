/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder's C API: turn failures on for a block of code inside a test,
 * with the same spec grammar as MINDERBINDER_SYSCALL.
 *
 *   #include <minderbinder.h>        cc test.c $(pkg-config --cflags --libs minderbinder)
 *
 *   MB_WITH_FAILURES("openat:ENOENT:path=/etc/app.conf") {
 *           cfg = load_config();        // sees ENOENT, falls back
 *   }
 *
 *   struct mb_handle *h;
 *   if (mb_enable("write:ENOSPC:times=1", MB_SCOPE_THREAD, &h) == 0) {
 *           ret = save(doc);
 *           mb_stats(h, stats, 1);      // stats[0].faults == 1: it fired
 *           mb_disable(h);
 *   }
 *
 * A spec may mix syscall rules and network rules ("tcp:8080:refuse"), as
 * MINDERBINDER_SYSCALL and MINDERBINDER_NET would. Semantics: when
 * mb_enable returns 0, the very next matching call of the scope is subject
 * to the rules; when mb_disable returns, no call is. For network rules,
 * thread scope means sockets that thread creates (drops) and connect or
 * sendto calls it makes (errors); their counts restart when another
 * handle's network rules are enabled or disabled.
 * Every function returns 0 (or a count) or a negative errno, never exits,
 * and leaves a message for mb_last_error() when it fails.
 */
#ifndef MINDERBINDER_H
#define MINDERBINDER_H

#include <stddef.h>
#include <stdint.h>
#include <minderbinder/scope.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mb_handle;

struct mb_rule_stats {
	uint64_t calls;  /* calls that matched the rule's syscall (and path) */
	uint64_t faults; /* faults it injected */
};

/*
 * Turns the rules of spec on for scope MB_SCOPE_THREAD (only the calling
 * thread: the code under test, not the runner's other threads) or
 * MB_SCOPE_PROCESS (every thread). -EINVAL for a bad spec (the message
 * names the token), -EPERM/-ENOENT when mb-helper cannot register us.
 */
int mb_enable(const char *spec, enum mb_scope scope, struct mb_handle **out);
/* Turns them off and frees the handle. */
int mb_disable(struct mb_handle *h);
/* Per-rule counts, in the order of the spec; returns the number of rules
 * (which may exceed n: only n are written). */
int mb_stats(const struct mb_handle *h, struct mb_rule_stats *out, size_t n);
/* 0 when every rule of h injected at least one fault; else -ENODATA and
 * mb_last_error() names the first that did not, in the words of
 * `minderbinder run --expect-faults`: "rule 0 'open:ENOENT' never fired:
 * 0 calls matched" (or "N calls matched, none faulted"). Rules number
 * from 0, as in mb_stats. */
int mb_expect_fired(const struct mb_handle *h);
/* fn(arg) with the failures on for the calling thread. */
int mb_with_failures(const char *spec, void (*fn)(void *arg), void *arg);
/* Why the calling thread's last failed call failed ("" if none did). */
const char *mb_last_error(void);

/* Internals of MB_WITH_FAILURES; not for direct use. */
struct mb_handle *mb__block_begin(const char *spec, const char *file, int line);
void mb__block_end(struct mb_handle **h);

/*
 * MB_WITH_FAILURES(spec) { ... }: the failures are on (for the calling
 * thread) inside the block, and off again however the block is left by
 * normal flow — falling off its end, return, goto out of it, break or
 * continue (which leave the block itself, not an enclosing loop: the block
 * is a one-pass for loop). Not covered: longjmp (and so C++ exceptions and Criterion's failing
 * cr_assert, which longjmps), exit() and signals; use mb_enable/mb_disable
 * when the block may leave that way — the supervisor forgets every rule of
 * a process anyway when it exits. If the rules cannot be enabled the
 * block would silently test nothing, so the process prints why and aborts.
 */
#define MB_WITH_FAILURES(spec) MB__WITH_FAILURES(spec, __COUNTER__)
/* Names unique per use, so blocks nest without shadowing (-Wshadow). */
#define MB__WITH_FAILURES(spec, n) MB__WITH_FAILURES_N(spec, n)
#define MB__WITH_FAILURES_N(spec, n)                                                  \
	for (struct mb_handle *mb__h##n __attribute__((cleanup(mb__block_end))) =     \
		     mb__block_begin((spec), __FILE__, __LINE__),                        \
	     *mb__once##n = mb__h##n;                                                 \
	     mb__once##n; mb__once##n = NULL)

#ifdef __cplusplus
}
#endif

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <string.h>

#include "lib/inproc.h"
#include "lib/name_tables.h"

static const struct {
	char letter;
	const char *text;
} whys[MB_IP_COUNT] = {
	[MB_IP_YES] = { 'i', "in-process" },
	[MB_IP_NOT_ASKED] = { 'd', "MINDERBINDER_SUPERVISED is not inprocess (the default)" },
	[MB_IP_NOT_SUPERVISED] = { 'n', "not a supervised seccomp rule" },
	[MB_IP_UNREISSUABLE] = { 'x', "covers a call no handler can re-issue (exec, clone, fork, exit...)" },
	[MB_IP_LATENCY] = { 'l', "latency= is held back by the supervisor" },
	[MB_IP_DELAY] = { 'w', "delay= counts from each process's start" },
	[MB_IP_THREAD] = { 't', "scope=thread" },
	[MB_IP_SHARED_NR] = { 's', "shares a syscall with a supervisor-only rule" },
	[MB_IP_GO] = { 'g', "a Go executable (its runtime installs signal handlers raw)" },
	[MB_IP_ASLR] = { 'a', "ASLR is off (an exec'd image could map libc where ours was)" },
	[MB_IP_ARCH] = { 'c', "only on x86_64" },
	[MB_IP_NO_LIBC] = { 'b', "libc's text not found" },
	[MB_IP_SETUP] = { 'f', "setting it up failed" },
	[MB_IP_LOG] = { 'o', "MINDERBINDER_LOG is written by the supervisor" },
	[MB_IP_GUEST] = { 'p', "a guest of a C API session's filter: its supervisor decides" },
};

char mb_inproc_letter(enum mb_inproc_why w)
{
	return (unsigned)w < MB_IP_COUNT ? whys[w].letter : '?';
}

enum mb_inproc_why mb_inproc_from_letter(char c)
{
	unsigned i;

	for (i = 0; i < MB_IP_COUNT; i++)
		if (whys[i].letter == c)
			return (enum mb_inproc_why)i;
	return MB_IP_COUNT;
}

const char *mb_inproc_why_text(enum mb_inproc_why w)
{
	return (unsigned)w < MB_IP_COUNT ? whys[w].text : "unknown";
}

/* The syscalls no handler can re-issue: does set hold one? */
static bool unreissuable(enum mb_arch arch, const struct mb_nr_set *set)
{
	static const char *const names[] = {
		"execve", "execveat", "clone", "clone3", "fork", "vfork", "rt_sigreturn",
		"exit", "exit_group", "sigreturn", NULL,
	};
	size_t i;
	int nr;

	for (i = 0; names[i]; i++)
		if ((nr = mb_syscall_by_name(arch, names[i])) >= 0 && mb_nr_set_has(set, nr))
			return true;
	return false;
}

enum mb_inproc_why mb_inproc_rule_why(enum mb_arch arch, const struct mb_rule *r,
				      __u32 engine, enum mb_scope scope)
{
	struct mb_nr_set set;

	if (r->kind != MB_RULE_SYSCALL || engine != MB_ENGINE_SECCOMP_NOTIF)
		return MB_IP_NOT_SUPERVISED;
	if (scope == MB_SCOPE_THREAD)
		return MB_IP_THREAD;
	if (r->latency_ns)
		return MB_IP_LATENCY;
	if (r->delay_ns)
		return MB_IP_DELAY;
	if (mb_rule_nr_set(arch, r, &set) < 0)
		return MB_IP_NOT_SUPERVISED;
	return unreissuable(arch, &set) ? MB_IP_UNREISSUABLE : MB_IP_YES;
}

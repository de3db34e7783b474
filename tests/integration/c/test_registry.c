/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Proves the registry chain on the real kernel: load and pin, register a
 * live child, and see the exit program forget it when (and only when) its
 * last thread exits.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "registry/registry.h"
#include "lib/spec_parse.h"

static int present(struct mb_registry *reg, pid_t pid)
{
	struct mb_target t;

	return !bpf_map_lookup_elem(reg->targets_fd, &(__u32){ (__u32)pid }, &t);
}

static int rules_present(struct mb_registry *reg, pid_t pid)
{
	struct mb_rule_key k = { .tgid = (__u32)pid, .idx = 0 };
	struct mb_rule_entry e;

	return !bpf_map_lookup_elem(reg->rules_fd, &k, &e);
}

static void *thread_exits(void *arg)
{
	(void)arg;
	return NULL;
}

static int wait_gone(struct mb_registry *reg, pid_t pid)
{
	int i;

	for (i = 0; i < 200 && (present(reg, pid) || rules_present(reg, pid)); i++)
		usleep(5000);
	return !present(reg, pid) && !rules_present(reg, pid);
}

int main(void)
{
	struct mb_registry reg;
	struct mb_spec spec;
	struct mb_defaults d;
	struct mb_error err;
	struct mb_target t = { 0 };
	__u32 engines[MB_MAX_RULES] = { MB_ENGINE_SECCOMP_ERRNO };
	int up[2], down[2], ret;
	pid_t child;
	char c;

	ret = mb_registry_open(&reg);
	if (ret) {
		fprintf(stderr, "failed to open registry: %s\n", strerror(-ret));
		return 1;
	}
	mb_spec_init(&spec, mb_native_arch());
	mb_defaults_init(&d);
	if (mb_spec_add_syscalls(&spec, "test", "openat:-2", &d, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	if (pipe(up) || pipe(down))
		return 1;
	child = fork();
	if (child == 0) {
		pthread_t th;

		/* A thread that ends first must not end the registration. */
		pthread_create(&th, NULL, thread_exits, NULL);
		pthread_join(th, NULL);
		if (write(up[1], "t", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (mb_proc_start_ticks(child, &t.start_ticks))
		return 1;
	t.n_rules = spec.n_rules;
	ret = mb_registry_add(&reg, (__u32)child, &t, &spec, engines, NULL);
	if (ret) {
		fprintf(stderr, "failed to add target: %s\n", strerror(-ret));
		return 1;
	}
	if (!present(&reg, child) || !rules_present(&reg, child)) {
		fprintf(stderr, "target not in registry after add\n");
		return 1;
	}
	if (read(up[0], &c, 1) != 1) /* the child's thread has exited */
		return 1;
	usleep(20000);
	if (!present(&reg, child)) {
		fprintf(stderr, "a thread's exit removed the whole target\n");
		return 1;
	}
	if (write(down[1], "x", 1) != 1)
		return 1;
	waitpid(child, NULL, 0);
	if (!wait_gone(&reg, child)) {
		fprintf(stderr, "target %d still registered after exit\n", child);
		return 1;
	}
	mb_registry_close(&reg);
	printf("registry: add, thread exit kept, process exit cleaned\n");
	return 0;
}

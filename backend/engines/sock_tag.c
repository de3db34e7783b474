/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The loader of bpf/sock_tag.bpf.c: loaded and pinned once (like the
 * network programs; a load costs ~100 ms, mostly the kernel's BTF), then
 * per registration with a drop rule three iterator links, read to their
 * end: the target's descriptors, then the tcp and udp sockets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "engines/select.h"
#include "engines/sock_tag.h"
#include "minderbinder/net.h"
#include "minderbinder/pins.h"
#include "registry/registry.h"
#include "sock_tag.skel.h"

static const char *const pins[] = { MB_TAG_FIND_PIN, MB_TAG_TCP_PIN, MB_TAG_UDP_PIN };

static int has_drop(const struct mb_spec *spec)
{
	__u32 i;

	for (i = 0; i < spec->n_rules && i < MB_MAX_RULES; i++)
		if (mb_net_rule_on_packets(&spec->rules[i]))
			return 1;
	return 0;
}

/* pinned 0 (the probe): private maps and nothing pinned. */
static int load(int pinned, struct mb_error *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = MB_PIN_DIR);
	struct bpf_program *progs[3];
	struct sock_tag_bpf *skel;
	libbpf_print_fn_t old;
	struct bpf_map *m;
	int e, i;

	/* A kernel without the iterators is a case we report in one line,
	 * not libbpf's verifier dump on the target's stderr. */
	old = libbpf_set_print(NULL);
	skel = sock_tag_bpf__open_opts(&opts);
	if (!skel) {
		e = -errno;
		libbpf_set_print(old);
		mb_error_set(err, "cannot open the socket-tagging programs: %s", strerror(-e));
		return e;
	}
	if (!pinned)
		bpf_object__for_each_map(m, skel->obj)
			bpf_map__set_pin_path(m, NULL);
	e = sock_tag_bpf__load(skel);
	libbpf_set_print(old);
	if (e) {
		/* No task_file, tcp or udp iterator, or no bpf_sock_from_file:
		 * the verifier's -EINVAL (-ENOENT for a missing BTF type) is
		 * all the kernel says. */
		mb_error_set(err,
			     "this kernel cannot load the BPF task_file and socket iterators (%s): "
			     "drop rules apply only to sockets created after registration",
			     strerror(-e));
		sock_tag_bpf__destroy(skel);
		return -EOPNOTSUPP;
	}
	progs[0] = skel->progs.mb_tag_find;
	progs[1] = skel->progs.mb_tag_tcp;
	progs[2] = skel->progs.mb_tag_udp;
	for (i = 0; pinned && !e && i < 3; i++)
		if (!mb_pin_exists(pins[i]))
			e = bpf_program__pin(progs[i], pins[i]);
	if (e)
		mb_error_set(err, "cannot pin the socket-tagging programs: %s", strerror(-e));
	sock_tag_bpf__destroy(skel);
	return e;
}

static int all_pinned(void)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!mb_pin_exists(pins[i]))
			return 0;
	return 1;
}

int mb_sock_tag_probe(char *why, size_t len)
{
	struct mb_error err;

	if (all_pinned())
		return 1;
	if (load(0, &err)) {
		snprintf(why, len, "%s", err.msg);
		return 0;
	}
	return 1;
}

int mb_sock_reset_probe(char *why, size_t len)
{
	struct btf *btf;
	int id;

	if (!mb_sock_tag_probe(why, len))
		return 0;
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(why, len, "no kernel BTF, so no bpf_sock_destroy kfunc");
		return 0;
	}
	id = btf__find_by_name_kind(btf, "bpf_sock_destroy", BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0) {
		snprintf(why, len, "this kernel has no bpf_sock_destroy kfunc, which resets the "
				   "connections a target holds");
		return 0;
	}
	return 1;
}

/* Runs the pinned iterator pin to its end (it prints nothing: reading
 * runs it); pidfd >= 0 binds a task iterator to that process. */
static int run_iter(const char *pin, int pidfd, struct mb_error *err)
{
	union bpf_iter_link_info linfo;
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int prog, link, fd, e = 0;
	char buf[64];
	ssize_t n;

	memset(&linfo, 0, sizeof(linfo));
	if (pidfd >= 0) {
		linfo.task.pid_fd = (__u32)pidfd;
		opts.iter_info = &linfo;
		opts.iter_info_len = sizeof(linfo);
	}
	prog = bpf_obj_get(pin);
	if (prog < 0) {
		e = -errno;
		mb_error_set(err, "cannot open %s: %s", pin, strerror(-e));
		return e;
	}
	link = bpf_link_create(prog, 0, BPF_TRACE_ITER, &opts);
	close(prog);
	if (link < 0) {
		e = -errno;
		mb_error_set(err, "cannot attach the iterator %s: %s", pin, strerror(-e));
		return e;
	}
	fd = bpf_iter_create(link);
	if (fd < 0) {
		e = -errno;
		mb_error_set(err, "cannot run the iterator %s: %s", pin, strerror(-e));
		close(link);
		return e;
	}
	do
		n = read(fd, buf, sizeof(buf));
	while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0) {
		e = -errno;
		mb_error_set(err, "the iterator %s failed: %s", pin, strerror(-e));
	}
	close(fd);
	close(link);
	return e;
}

/* What the second pass did not take (a socket of another network
 * namespace, a raw one) goes: held entries never outlive their run. */
static void forget_held(__u32 tgid)
{
	struct mb_held_sock h;
	__u64 key, next, *prev = NULL;
	int fd = bpf_obj_get(MB_TAG_HELD_PIN);

	if (fd < 0)
		return;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &h) && h.tag.tgid == tgid)
			bpf_map_delete_elem(fd, &key);
	}
	close(fd);
}

int mb_sock_tag_held(const struct mb_spec *spec, __u32 tgid, int pidfd, struct mb_error *err)
{
	int e = 0, lock;

	if (!has_drop(spec))
		return 0;
	if (!all_pinned()) {
		lock = mb_registry_lock();
		if (lock < 0) {
			mb_registry_lock_why(lock, err);
			return lock;
		}
		if (!all_pinned())
			e = load(1, err);
		mb_registry_unlock(lock);
		if (e)
			return e;
	}
	e = run_iter(MB_TAG_FIND_PIN, pidfd, err);
	/* Then the sockets of our network namespace (the caller's: it
	 * started us), tcp and udp, v4 and v6. */
	if (!e)
		e = run_iter(MB_TAG_TCP_PIN, -1, err);
	if (!e)
		e = run_iter(MB_TAG_UDP_PIN, -1, err);
	forget_held(tgid);
	return e;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tc and cgroup engines' loader: cgroup hooks on the cgroup v2 root,
 * pinned as links; a TC egress filter on each interface, attached with
 * the create-or-reuse rule and recorded in mb_ifaces so that unload
 * removes exactly what minderbinder added.
 */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engines/fq.h"
#include "engines/net.h"
#include "engines/select.h"
#include "minderbinder/net.h"
#include "net.skel.h"
#include "lib/proc_info.h"
#include "registry/registry.h"


static const char *const cgroup_links[] = {
	"mb_sock_create_link", "mb_connect4_link", "mb_connect6_link",
	"mb_sendmsg4_link",    "mb_sendmsg6_link", "mb_skb_ingress_link",
	"mb_sockops_link",
};

static int pinned(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", MB_PIN_DIR, name);
	return mb_pin_exists(path);
}

static int all_pinned(void)
{
	size_t i;

	for (i = 0; i < sizeof(cgroup_links) / sizeof(cgroup_links[0]); i++)
		if (!pinned(cgroup_links[i]))
			return 0;
	return pinned("mb_tc_egress") && pinned("mb_ifaces");
}

static int attach_cgroup(struct bpf_program *prog, int cg_fd, const char *name)
{
	char path[256];
	struct bpf_link *link;
	int err;

	snprintf(path, sizeof(path), "%s/%s", MB_PIN_DIR, name);
	if (mb_pin_exists(path))
		return 0;
	link = bpf_program__attach_cgroup(prog, cg_fd);
	if (!link)
		return -errno;
	err = bpf_link__pin(link, path);
	bpf_link__destroy(link);
	return err;
}

/* With the registry lock held. */
static int load_net(struct mb_error *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = MB_PIN_DIR);
	struct bpf_map_create_opts mopts = { .sz = sizeof(mopts) };
	char cg[512];
	struct net_bpf *skel;
	int cg_fd = -1, err, fd;

	err = mb_cgroup2_mount(cg, sizeof(cg));
	if (err) {
		mb_error_set(e, "network faults need cgroup v2, which is not mounted");
		return err;
	}
	skel = net_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	err = net_bpf__load(skel);
	if (err) {
		mb_error_set(e, "failed to load the network programs: %s",
			     strerror(-err));
		goto out;
	}
	cg_fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		goto out;
	}
	err = attach_cgroup(skel->progs.mb_sock_create, cg_fd, cgroup_links[0]);
	if (!err)
		err = attach_cgroup(skel->progs.mb_connect4, cg_fd, cgroup_links[1]);
	if (!err)
		err = attach_cgroup(skel->progs.mb_connect6, cg_fd, cgroup_links[2]);
	if (!err)
		err = attach_cgroup(skel->progs.mb_sendmsg4, cg_fd, cgroup_links[3]);
	if (!err)
		err = attach_cgroup(skel->progs.mb_sendmsg6, cg_fd, cgroup_links[4]);
	if (!err)
		err = attach_cgroup(skel->progs.mb_skb_ingress, cg_fd, cgroup_links[5]);
	if (!err)
		err = attach_cgroup(skel->progs.mb_sockops, cg_fd, cgroup_links[6]);
	if (err) {
		mb_error_set(e, "failed to attach cgroup socket hooks at %.100s: %s", cg,
			     strerror(-err));
		goto out;
	}
	if (!pinned("mb_tc_egress")) {
		err = bpf_program__pin(skel->progs.mb_tc_egress, MB_TC_EGRESS_PIN);
		if (err)
			goto out;
	}
	if (!pinned("mb_ifaces")) {
		fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mb_ifaces", sizeof(struct mb_iface_key),
				    sizeof(struct mb_iface), MB_MAX_IFACES, &mopts);
		if (fd < 0) {
			err = -errno;
			goto out;
		}
		err = bpf_obj_pin(fd, MB_IFACES_PIN) ? -errno : 0;
		close(fd);
	}
out:
	if (cg_fd >= 0)
		close(cg_fd);
	net_bpf__destroy(skel);
	return err;
}

static __u64 netns_id(void)
{
	__u64 ino = 0;

	mb_proc_netns(0, &ino);
	return ino;
}

static int iface_up(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), up = 0;

	if (s < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(s, SIOCGIFFLAGS, &ifr))
		up = !!(ifr.ifr_flags & IFF_UP);
	close(s);
	return up;
}

/*
 * The EDT engine needs fq as the root qdisc of a device it shapes on. In
 * place of the kernel's single-queue default (handle 0: noqueue,
 * pfifo_fast, fq_codel) we create one, and deleting it brings the default
 * back; an fq that is there is used as it is; mq, and any root qdisc
 * someone set up, we refuse to replace.
 */
static int ensure_fq(unsigned ifindex, const char *name, struct mb_iface *rec,
		     struct mb_error *e)
{
	__u32 handle = 0;
	char kind[16];
	int err;

	if (rec->fq != MB_FQ_NONE)
		return 0;
	err = mb_fq_root(ifindex, kind, &handle);
	if (err) {
		mb_error_set(e, "cannot read the root qdisc of %s: %s", name, strerror(-err));
		return err;
	}
	if (!strcmp(kind, "fq")) {
		rec->fq = handle == MB_FQ_HANDLE ? MB_FQ_CREATED : MB_FQ_FOUND;
		return 0;
	}
	if (!strcmp(kind, "mq")) {
		/* One fq in place of a queue per CPU would slow every sender on
		 * a multiqueue device, not only the target. */
		mb_error_set(e, "latency=/bandwidth= (EDT engine) need fq as the root qdisc of %s, a multiqueue "
			     "device (mq), which minderbinder will not replace: name other interfaces "
			     "(--interface), or shape per call (MINDERBINDER_ENGINE=seccomp)",
			     name);
		return -EBUSY;
	}
	if (handle != 0) {
		mb_error_set(e, "latency=/bandwidth= (EDT engine) need fq as the root qdisc of %s, which has "
			     "%s (handle %x:) that minderbinder did not create and will not replace: "
			     "remove it (tc qdisc del dev %s root), name other interfaces "
			     "(--interface), or shape per call (MINDERBINDER_ENGINE=seccomp)",
			     name, kind, handle >> 16, name);
		return -EBUSY;
	}
	err = mb_fq_create(ifindex);
	if (err) {
		mb_error_set(e, "cannot put fq on %s as its root qdisc: %s", name, strerror(-err));
		return err;
	}
	rec->fq = MB_FQ_CREATED;
	return 0;
}

static int attach_iface(int ifaces_fd, int prog_fd, unsigned ifindex, const char *name,
			__u32 holder, int fq, struct mb_error *e)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = MB_TC_HANDLE,
			    .priority = MB_TC_PRIORITY);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MB_TC_HANDLE,
			    .priority = MB_TC_PRIORITY, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	struct mb_iface_key key = { .netns = netns_id(), .ifindex = ifindex };
	struct mb_iface rec = { 0 };
	int err, had = !bpf_map_lookup_elem(ifaces_fd, &key, &rec);

	if (had && !bpf_tc_query(&hook, &q)) {
		/* Ours is still there. */
		if (!holder && (!fq || rec.fq != MB_FQ_NONE))
			return 0;
		if (holder)
			rec.holder = holder;
		err = fq ? ensure_fq(ifindex, name, &rec, e) : 0;
		if (err)
			return err;
		return bpf_map_update_elem(ifaces_fd, &key, &rec, BPF_EXIST) ? -errno : 0;
	}
	if (holder)
		rec.holder = holder;
	err = bpf_tc_hook_create(&hook);
	if (!err)
		rec.created_qdisc = 1;
	else if (err != -EEXIST) {
		mb_error_set(e, "failed to create clsact on %s: %s", name,
			     strerror(-err));
		return err;
	}
	/* -EEXIST: someone else's clsact (or ours from before): keep it. */
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		mb_error_set(e, "failed to attach tc filter on %s: %s",
			     name, strerror(-err));
		return err;
	}
	snprintf(rec.name, sizeof(rec.name), "%s", name);
	/* Recorded before fq goes on: a failure below leaves nothing unload
	 * would not find. */
	if (bpf_map_update_elem(ifaces_fd, &key, &rec, BPF_ANY))
		return -errno;
	if (!fq)
		return 0;
	err = ensure_fq(ifindex, name, &rec, e);
	if (err)
		return err;
	return bpf_map_update_elem(ifaces_fd, &key, &rec, BPF_ANY) ? -errno : 0;
}

/* "a,b" -> is name listed? An empty list means every interface. */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!*list)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

int mb_net_check_interfaces(const char *list, struct mb_error *e)
{
	char name[IF_NAMESIZE + 1];
	const char *p = list;
	size_t n;

	while (*p) {
		n = strcspn(p, ",");
		if (!n || n > IF_NAMESIZE - 1) {
			mb_error_set(e, "MINDERBINDER_INTERFACES: bad interface name in '%.64s'", list);
			return -EINVAL;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (!if_nametoindex(name)) {
			mb_error_set(e, "MINDERBINDER_INTERFACES: no interface '%s' here", name);
			return -ENODEV;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int attach_all(const char *interfaces, __u32 holder, int fq, struct mb_error *e);

int mb_net_attach(const char *interfaces, struct mb_error *e)
{
	return mb_net_attach_held(interfaces, 0, e);
}

int mb_net_attach_held(const char *interfaces, __u32 holder, struct mb_error *e)
{
	return attach_all(interfaces, holder, 0, e);
}

int mb_net_attach_fq(const char *interfaces, struct mb_error *e)
{
	return attach_all(interfaces, 0, 1, e);
}

static int attach_all(const char *interfaces, __u32 holder, int fq, struct mb_error *e)
{
	struct if_nameindex *ifs = NULL, *i;
	int lock, err = 0, prog_fd = -1, ifaces_fd = -1, n = 0;

	e->msg[0] = '\0';
	err = mb_net_check_interfaces(interfaces, e);
	if (err)
		return err;
	lock = mb_registry_lock();
	if (lock < 0) {
		mb_registry_lock_why(lock, e);
		return lock;
	}
	if (!all_pinned()) {
		err = load_net(e);
		if (err)
			goto out;
	}
	prog_fd = bpf_obj_get(MB_TC_EGRESS_PIN);
	ifaces_fd = bpf_obj_get(MB_IFACES_PIN);
	if (prog_fd < 0 || ifaces_fd < 0) {
		err = -errno;
		goto out;
	}
	ifs = if_nameindex();
	if (!ifs) {
		err = -errno;
		goto out;
	}
	for (i = ifs; i->if_index; i++) {
		if (!listed(interfaces, i->if_name) || !iface_up(i->if_name))
			continue;
		err = attach_iface(ifaces_fd, prog_fd, i->if_index, i->if_name, holder, fq, e);
		if (err)
			goto out;
		n++;
	}
	if (!n) {
		mb_error_set(e, "no up interface to attach the tc filter to%s%s",
			     *interfaces ? " among " : "", interfaces);
		err = -ENODEV;
	}
out:
	if (ifs)
		if_freenameindex(ifs);
	if (prog_fd >= 0)
		close(prog_fd);
	if (ifaces_fd >= 0)
		close(ifaces_fd);
	mb_registry_unlock(lock);
	if (err && !e->msg[0])
		mb_error_set(e, "failed to set up network faults: %s",
			     strerror(-err));
	return err;
}

/* Our filter off one interface of this netns, and the clsact qdisc if we
 * created it; one that was there before us stays. */
static void detach_iface(const struct mb_iface_key *key, const struct mb_iface *rec,
			 void (*cb)(const char *what, void *ctx), void *ctx)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)key->ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MB_TC_HANDLE,
			    .priority = MB_TC_PRIORITY);
	char what[160];

	if (!bpf_tc_detach(&hook, &opts) && cb) {
		snprintf(what, sizeof(what), "tc egress filter on %s", rec->name);
		cb(what, ctx);
	}
	if (rec->fq == MB_FQ_CREATED && !mb_fq_delete(key->ifindex) && cb) {
		snprintf(what, sizeof(what),
			 "fq root qdisc on %s (minderbinder created it; the kernel's default is back)",
			 rec->name);
		cb(what, ctx);
	}
	if (rec->created_qdisc) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		if (!bpf_tc_hook_destroy(&hook) && cb) {
			snprintf(what, sizeof(what), "clsact qdisc on %s (minderbinder created it)",
				 rec->name);
			cb(what, ctx);
		}
	}
}

/* Whether tgid's target has a rule the tc egress program serves: a
 * packet fault, or EDT shaping (the tc program's and fq's). */
static int has_drop_rule(int rules_fd, __u32 tgid, __u32 n_rules)
{
	struct mb_rule_key k = { .tgid = tgid };
	struct mb_rule_entry e;

	for (k.idx = 0; k.idx < n_rules && k.idx < MB_MAX_RULES; k.idx++)
		if (!bpf_map_lookup_elem(rules_fd, &k, &e) &&
		    (mb_net_rule_on_packets(&e.rule) ||
		     (e.rule.kind == MB_RULE_NET && e.engine == MB_ENGINE_EDT)))
			return 1;
	return 0;
}

/* Whether a live target in this netns (here) with a drop rule sends
 * through ifindex: its interface list names it, or it has none. */
static int iface_needed(int targets_fd, int rules_fd, __u64 here, __u32 ifindex)
{
	__u32 key, next, *prev = NULL, i;
	struct mb_target t;
	__u64 ticks, ns;

	while (!bpf_map_get_next_key(targets_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(targets_fd, &key, &t) ||
		    !has_drop_rule(rules_fd, key, t.n_rules) ||
		    mb_proc_start_ticks((pid_t)key, &ticks) || ticks != t.start_ticks ||
		    mb_proc_netns((pid_t)key, &ns) || ns != here)
			continue;
		if (!t.ifindex[0])
			return 1;
		for (i = 0; i < MB_MAX_TARGET_IFACES && t.ifindex[i]; i++)
			if (t.ifindex[i] == ifindex)
				return 1;
	}
	return 0;
}

/* A pid only: should it be reused, a filter stays until the next sweep
 * after that process, which is what minderbinder did before sweeps. */
static int holder_alive(__u32 pid)
{
	char path[32];

	if (!pid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%u", pid);
	return !access(path, F_OK);
}

int mb_net_sweep(const struct mb_registry *reg)
{
	struct mb_iface_key key, next, *prev = NULL, gone[MB_MAX_IFACES];
	struct mb_iface rec;
	__u64 here = netns_id();
	int fd, lock = -1, n = 0, mine = 0, i;

	fd = bpf_obj_get(MB_IFACES_PIN);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* Most registrations find nothing of ours here: no lock for them. */
	while (!mine && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		mine = key.netns == here;
	}
	if (mine)
		lock = mb_registry_lock();
	if (lock < 0) {
		close(fd);
		return mine ? lock : 0;
	}
	/* With the lock: no attach runs meanwhile, and a target that attaches
	 * after us was in mb_targets before its attach, so we saw it. */
	prev = NULL;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key.netns != here || bpf_map_lookup_elem(fd, &key, &rec) ||
		    holder_alive(rec.holder) ||
		    iface_needed(reg->targets_fd, reg->rules_fd, here, key.ifindex))
			continue;
		detach_iface(&key, &rec, NULL, NULL);
		if (n < MB_MAX_IFACES)
			gone[n++] = key;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	mb_registry_unlock(lock);
	close(fd);
	return n;
}

int mb_net_unload(void (*cb)(const char *what, void *ctx), void *ctx)
{
	struct mb_iface_key key, next, *prev = NULL, done[MB_MAX_IFACES];
	struct mb_iface rec;
	char what[160];
	__u64 here = netns_id();
	int fd = bpf_obj_get(MB_IFACES_PIN), foreign = 0, n_done = 0, i;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &rec))
			continue;
		if (key.netns != here) {
			snprintf(what, sizeof(what),
				 "kept the filter on %s: it is in another network namespace "
				 "(run unload there too)", rec.name);
			cb(what, ctx);
			foreign++;
			continue;
		}
		if (n_done < MB_MAX_IFACES)
			done[n_done++] = key;
		detach_iface(&key, &rec, cb, ctx);
	}
	for (i = 0; i < n_done; i++)
		bpf_map_delete_elem(fd, &done[i]);
	close(fd);
	return foreign;
}

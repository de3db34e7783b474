/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The tc (drop) and cgroup (errno) engines for network rules. */
#ifndef MB_ENGINE_NET_H
#define MB_ENGINE_NET_H

#include <linux/types.h>
#include "lib/spec_parse.h"
#include "registry/registry.h"

/* The key of the pinned mb_ifaces map: interfaces are per netns. */
struct mb_iface_key {
	__u64 netns; /* inode of /proc/self/ns/net */
	__u32 ifindex;
	__u32 pad;
};

/* Loads and pins the network programs once, then makes sure our TC filter
 * sits on every up interface of this netns (or those in the comma list). */
int mb_net_attach(const char *interfaces, struct mb_error *e);
/* The same for a process that is no target but needs the filters while it
 * lives (`minderbinder watch`): mb_net_sweep keeps them for it. */
int mb_net_attach_held(const char *interfaces, __u32 holder, struct mb_error *e);
/* mb_net_attach, and fq as the root qdisc of each of those interfaces
 * (the EDT engine's): in place of the kernel's default, or one that is
 * there; another root qdisc is refused (-EBUSY), never replaced. */
int mb_net_attach_fq(const char *interfaces, struct mb_error *e);
/* Checks a comma list of interface names against this netns. */
int mb_net_check_interfaces(const char *list, struct mb_error *e);
/* Interface state has an owner: removes our TC filter, and the clsact
 * qdisc if we created it, from every interface of this netns that no live
 * target with a drop rule sends through. Run at every registration, after
 * the caller's own entry went in; takes the registry lock, but only when
 * mb_ifaces records something in this netns. Returns how many interfaces
 * it cleared, or -errno. */
int mb_net_sweep(const struct mb_registry *reg);
/* The node daemon's sweep (it sees every process, hostPID): the records
 * of network namespaces no process is in any more (an exited container's:
 * the namespace took our filter with it) go. The number gone, or -errno. */
int mb_net_sweep_gone(void);
/* Detaches our TC filters in this netns, and the clsact qdiscs we created.
 * Returns how many interfaces of other netns still carry one (their record
 * and the filter program must stay pinned for an unload there), or -errno.
 * Cgroup links and pinned programs go with the pin directory. */
int mb_net_unload(void (*cb)(const char *what, void *ctx), void *ctx);

#endif

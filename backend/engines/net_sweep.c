/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Forgetting the tc engine's interface records (mb_ifaces) of network
 * namespaces that are gone: a container's, once its last process exited.
 *
 * Records are keyed by the namespace's inode number, and the kernel hands
 * a freed number to the next namespace made. So "some process is in a
 * namespace with that number" does not make a record live: the record is
 * live only if, inside that namespace, the interface it names is there
 * under its name and carries our tc program. Anything else is another
 * namespace's, and the record is forgotten (a stale one would make a later
 * unload keep it, and a later load leave a tc program on maps it no
 * longer shares).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engines/net.h"
#include "minderbinder/net.h"
#include "minderbinder/pins.h"
#include "lib/proc_info.h"
#include "registry/registry.h"

#define MAX_LIVE_NETNS 4096

struct live_ns {
	__u64 ino;
	pid_t pid; /* a process in it, when it was seen */
};

/* The network namespaces some process is in, each with one of them: 0, or
 * -E2BIG when there are more than max (then nothing may be judged gone). */
static int live_netns(struct live_ns *ns, int max, int *n)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	__u64 ino;
	pid_t pid;
	int i;

	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (mb_proc_netns(pid, &ino))
			continue;
		for (i = 0; i < *n && ns[i].ino != ino; i++)
			;
		if (i < *n)
			continue;
		if (*n == max) {
			closedir(d);
			return -E2BIG;
		}
		ns[(*n)++] = (struct live_ns){ .ino = ino, .pid = pid };
	}
	closedir(d);
	return 0;
}

static __u32 prog_id_of(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/*
 * Whether the record (key, rec) is this namespace's: in a child that
 * enters pid's network namespace, the interface key->ifindex is named
 * rec->name and its egress filter of ours runs program ours. 1 yes, 0 no;
 * 1 as well when it cannot tell (the record then stays, as before).
 */
static int record_is_here(pid_t pid, __u64 ino, const struct mb_iface_key *key,
			  const struct mb_iface *rec, __u32 ours)
{
	char path[64], name[IF_NAMESIZE];
	pid_t child;
	int fd, st;
	__u64 now;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : 1;
	/* The process may have moved on since it was seen. */
	if (mb_proc_netns(pid, &now) || now != ino) {
		close(fd);
		return 1;
	}
	child = fork();
	if (child == 0) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)key->ifindex,
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = MB_TC_HANDLE,
				    .priority = MB_TC_PRIORITY);

		if (setns(fd, CLONE_NEWNET))
			_exit(2);
		if (!if_indextoname(key->ifindex, name) ||
		    strncmp(name, rec->name, sizeof(rec->name)))
			_exit(1);
		_exit(!bpf_tc_query(&hook, &q) && q.prog_id == ours ? 0 : 1);
	}
	close(fd);
	if (child < 0)
		return 1;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	return !(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}

int mb_net_sweep_gone(void)
{
	static struct live_ns live[MAX_LIVE_NETNS];
	struct mb_iface_key key, next, *prev = NULL, gone[MB_MAX_IFACES];
	struct mb_iface rec;
	__u64 here = 0;
	__u32 ours = 0;
	int fd, prog, lock, n_live, n = 0, foreign = 0, i, j;

	fd = bpf_obj_get(MB_IFACES_PIN);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	mb_proc_netns(0, &here);
	while (!foreign && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		foreign = key.netns != here;
	}
	lock = foreign ? mb_registry_lock() : -ENOENT;
	prog = foreign ? bpf_obj_get(MB_TC_EGRESS_PIN) : -1;
	if (prog >= 0) {
		ours = prog_id_of(prog);
		close(prog);
	}
	/* Under the lock: a namespace a registration is attaching in has its
	 * caller in it, so it is live. */
	if (lock >= 0 && !live_netns(live, MAX_LIVE_NETNS, &n_live)) {
		prev = NULL;
		while (!bpf_map_get_next_key(fd, prev, &next)) {
			key = next;
			prev = &key;
			if (key.netns == here || n == MB_MAX_IFACES)
				continue;
			for (j = 0; j < n_live && live[j].ino != key.netns; j++)
				;
			if (j < n_live &&
			    (!ours || bpf_map_lookup_elem(fd, &key, &rec) ||
			     record_is_here(live[j].pid, key.netns, &key, &rec, ours)))
				continue;
			gone[n++] = key;
		}
		for (i = 0; i < n; i++)
			bpf_map_delete_elem(fd, &gone[i]);
	}
	if (lock >= 0)
		mb_registry_unlock(lock);
	close(fd);
	return n;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Facts about a process that only the kernel may tell (via /proc). */
#ifndef MB_PROC_INFO_H
#define MB_PROC_INFO_H

#include <sys/types.h>
#include <linux/types.h>

/* Field 22 of /proc/PID/stat: start time in USER_HZ ticks since boot. */
int mb_proc_start_ticks(pid_t pid, __u64 *ticks);
/* The value of one "Key:" line of /proc/PID/status (pid 0: self),
 * leading blanks skipped, newline cut. */
int mb_proc_status(pid_t pid, const char *key, char *val, size_t len);
/* Which container a process is in, as this reader's /proc and cgroup
 * namespace show it. */
struct mb_proc_where {
	char cgroup[512]; /* its cgroup v2 path ("/": the root; "": no v2) */
	__u64 cgroup_id;  /* that cgroup's id now (0: unknown) */
	__u64 pidns;      /* inode of its pid namespace */
	__u32 ns_pid;     /* its pid in that namespace */
	int host;         /* that namespace is this /proc's: ns_pid is pid */
};
/* w for the process that pid names and that started at start_ticks: read
 * through a pidfd, so a pid reused meanwhile is -ESRCH, never another
 * process's container. */
int mb_proc_where(pid_t pid, __u64 start_ticks, struct mb_proc_where *w);
/* /proc/PID/comm as the kernel has it (any byte but NUL, newlines
 * included): only the one newline the kernel adds is removed. out is ""
 * on failure. */
int mb_proc_comm(pid_t pid, char *out, size_t len);
/* Parent pid (field 4). */
int mb_proc_ppid(pid_t pid, pid_t *ppid);
/* Where cgroup v2 is mounted (from /proc/self/mountinfo). */
int mb_cgroup2_mount(char *buf, size_t len);
/* The cgroup v2 path of a process ("/kubepods/pod.../ctr"), as our own
 * cgroup namespace shows it. */
int mb_proc_cgroup_path(pid_t pid, char *buf, size_t len);
/* The inode of a process's namespace of type ("user", "mnt", "net"; pid
 * 0: self). */
int mb_proc_ns(pid_t pid, const char *type, __u64 *ino);
/* The cgroup v2 id of a process: the inode handle of its cgroup dir. */
int mb_proc_cgroup_id(pid_t pid, __u64 *id);
/* The inode of a process's network namespace (pid 0: self); it names the
 * namespace as long as the namespace lives. */
int mb_proc_netns(pid_t pid, __u64 *ino);
/* The in-process path's report (lib/inproc.h): the rest of the name of
 * the last "/memfd:mb-paths:" mapping in /proc/PID/maps ("P:RRR"), or
 * -ENOENT when the agent made none. */
int mb_proc_inproc_paths(pid_t pid, char *out, size_t len);
/* Milliseconds of CLOCK_BOOTTIME matching a start time in ticks. */
__u64 mb_ticks_to_ns(__u64 ticks);

#endif

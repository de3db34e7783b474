/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mb_proc_where on real processes, unprivileged: this process is on the
 * host as the kernel says, a wrong start time or a reaped child is
 * -ESRCH, never some container. (A process in a pid namespace and a
 * cgroup of its own: tests/integration/test_status_container.sh, as root.)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/proc_info.h"

/* The 0:: line of /proc/self/cgroup, read here the plain way. */
static void own_cgroup(char *buf, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "re");

	buf[0] = '\0';
	cr_assert(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "%s", line + 3);
		}
	fclose(f);
}

Test(proc_where, self_is_on_the_host)
{
	struct mb_proc_where w;
	struct stat st;
	char cg[4096];
	__u64 ticks;

	cr_assert_eq(mb_proc_start_ticks(getpid(), &ticks), 0);
	cr_assert_eq(mb_proc_where(getpid(), ticks, &w), 0);
	cr_assert_eq(stat("/proc/self/ns/pid", &st), 0);
	own_cgroup(cg, sizeof(cg));
	cr_assert_eq(w.pidns, (__u64)st.st_ino);
	cr_assert_eq(w.ns_pid, (__u32)getpid());
	cr_assert(w.host);
	cr_assert_str_eq(w.cgroup, cg);
}

Test(proc_where, another_start_time_is_not_this_process)
{
	struct mb_proc_where w;
	__u64 ticks;

	cr_assert_eq(mb_proc_start_ticks(getpid(), &ticks), 0);
	cr_assert_eq(mb_proc_where(getpid(), ticks + 1, &w), -ESRCH);
	cr_assert_eq(w.pidns, 0);
	cr_assert_str_eq(w.cgroup, "");
}

Test(proc_where, a_reaped_child_is_gone)
{
	struct mb_proc_where w;
	__u64 ticks = 0;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (!pid)
		_exit(0);
	cr_assert_eq(mb_proc_start_ticks(pid, &ticks), 0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	cr_assert_eq(mb_proc_where(pid, ticks, &w), -ESRCH);
}

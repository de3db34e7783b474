/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "minderbinder/registry.h"
#include "lib/proc_info.h"

/* Reads /proc/PID/stat and returns the text after "(comm) ": comm may hold
 * spaces and ')' itself, so look for the last ')'. */
static int read_stat_tail(pid_t pid, char *buf, size_t len, char **tail)
{
	char path[64];
	ssize_t n;
	char *p;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EPROTO;
	*tail = p + 2;
	return 0;
}

/* Field n (1-based, as in proc(5)) from the tail, which starts at field 3. */
static int stat_field(pid_t pid, int field, unsigned long long *out)
{
	char buf[1024], *tail = NULL, *end;
	int err, i;

	err = read_stat_tail(pid, buf, sizeof(buf), &tail);
	if (err)
		return err;
	for (i = 3; i < field; i++) {
		tail = strchr(tail, ' ');
		if (!tail)
			return -EPROTO;
		tail++;
	}
	errno = 0;
	*out = strtoull(tail, &end, 10);
	if (errno || end == tail)
		return -EPROTO;
	return 0;
}

int mb_proc_start_ticks(pid_t pid, __u64 *ticks)
{
	unsigned long long v;
	int err = stat_field(pid, 22, &v);

	if (!err)
		*ticks = v;
	return err;
}

/* The value of the "Key:" line of a file in /proc's "Key:\tvalue" form. */
static int key_line(const char *path, const char *key, char *val, size_t len)
{
	char line[512];
	size_t klen = strlen(key);
	int err = -ENOENT;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *v = line + klen;

		if (strncmp(line, key, klen) || *v != ':')
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		if (strlen(v) >= len) {
			err = -ENAMETOOLONG;
			break;
		}
		strcpy(val, v);
		val[strcspn(val, "\n")] = '\0';
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

int mb_proc_status(pid_t pid, const char *key, char *val, size_t len)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	return key_line(path, key, val, len);
}

int mb_proc_comm(pid_t pid, char *out, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n <= 0) {
		out[0] = '\0';
		return n < 0 ? (int)n : -ENODATA;
	}
	if (out[n - 1] == '\n')
		n--;
	out[n] = '\0';
	return 0;
}

int mb_proc_ppid(pid_t pid, pid_t *ppid)
{
	unsigned long long v;
	int err = stat_field(pid, 4, &v);

	if (!err)
		*ppid = (pid_t)v;
	return err;
}

/* NSpid of a pidfd's fdinfo: its pid in this /proc's namespace first (-1
 * once it has exited), then in each namespace below down to its own. */
static int pidfd_nspid(int pidfd, pid_t pid, __u32 *ns_pid, int *levels)
{
	char path[64], val[256], *p, *end;
	unsigned long v = 0;
	int n = 0, err;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	err = key_line(path, "NSpid", val, sizeof(val));
	if (err)
		return err;
	for (p = val; *p; p = end) {
		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno)
			return n ? -EPROTO : -ESRCH;
		if (!n && v != (unsigned long)pid)
			return -ESRCH; /* "-1": it has exited */
		n++;
		end += strspn(end, " \t");
	}
	if (!n)
		return -EPROTO;
	*ns_pid = (__u32)v;
	*levels = n;
	return 0;
}

int mb_proc_where(pid_t pid, __u64 start_ticks, struct mb_proc_where *w)
{
	__u64 ticks;
	int fd, err, levels = 0;

	memset(w, 0, sizeof(*w));
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	/* The registered process held pid from before the pidfd to now: the
	 * pidfd is it. */
	err = mb_proc_start_ticks(pid, &ticks);
	if (!err && ticks != start_ticks)
		err = -ESRCH;
	if (!err)
		err = mb_proc_ns(pid, "pid", &w->pidns);
	if (!err) {
		err = mb_proc_cgroup_path(pid, w->cgroup, sizeof(w->cgroup));
		if (err == -ENOENT) /* no cgroup v2 line: cgroup v1 only */
			err = 0;
		else if (!err && mb_proc_cgroup_id(pid, &w->cgroup_id))
			w->cgroup_id = 0;
	}
	/* Last: the pidfd's own view, which also says the process had not
	 * been reaped (so pid was not reused) while we read /proc/PID. */
	if (!err)
		err = pidfd_nspid(fd, pid, &w->ns_pid, &levels);
	close(fd);
	if (err) {
		memset(w, 0, sizeof(*w));
		return err;
	}
	w->host = levels == 1;
	return 0;
}

int mb_cgroup2_mount(char *buf, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint opts... - fstype source */
		char *sep = strstr(line, " - "), *mnt;
		int i;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		mnt = line;
		for (i = 0; i < 4 && mnt; i++) {
			mnt = strchr(mnt, ' ');
			if (mnt)
				mnt++;
		}
		if (!mnt)
			continue;
		*strchrnul(mnt, ' ') = '\0';
		if (strlen(mnt) >= len) {
			err = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, mnt);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

int mb_proc_cgroup_path(pid_t pid, char *buf, size_t len)
{
	char path[64], line[4096];
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		err = snprintf(buf, len, "%s", line + 3) >= (int)len ? -ENAMETOOLONG : 0;
		break;
	}
	fclose(f);
	return err;
}

int mb_proc_cgroup_id(pid_t pid, __u64 *id)
{
	char mnt[512], line[4096], full[4608];
	struct {
		struct file_handle fh;
		__u64 id;
	} h;
	int mount_id, err;

	err = mb_cgroup2_mount(mnt, sizeof(mnt));
	if (err)
		return err;
	err = mb_proc_cgroup_path(pid, line, sizeof(line));
	if (err)
		return err;
	snprintf(full, sizeof(full), "%s%s", mnt, line);
	h.fh.handle_bytes = sizeof(h.id);
	if (name_to_handle_at(AT_FDCWD, full, &h.fh, &mount_id, 0))
		return -errno;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

int mb_proc_ns(pid_t pid, const char *type, __u64 *ino)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, type);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", type);
	if (stat(path, &st))
		return -errno;
	*ino = (__u64)st.st_ino;
	return 0;
}

int mb_proc_netns(pid_t pid, __u64 *ino)
{
	return mb_proc_ns(pid, "net", ino);
}

__u64 mb_ticks_to_ns(__u64 ticks)
{
	return ticks * MB_NSEC_PER_TICK;
}

int mb_proc_inproc_paths(pid_t pid, char *out, size_t len)
{
	static const char mark[] = "/memfd:mb-paths:";
	char path[64], line[512];
	const char *m;
	int found = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		m = strstr(line, mark);
		if (!m || !len)
			continue;
		snprintf(out, len, "%.*s", (int)strcspn(m + sizeof(mark) - 1, " \n"),
			 m + sizeof(mark) - 1);
		found = 0;
	}
	fclose(f);
	return found;
}

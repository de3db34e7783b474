/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Syscall families: "%open" is one rule over open, openat, openat2 and
 * creat. The agent (building its filter), the helper (checking the spec),
 * the supervisor (deciding a call) and the CLI (listing, status) all
 * expand a family from this table, on the arch of the spec: a name the
 * arch lacks is simply not a member there (aarch64 has no open).
 *
 * strace's classes (%file, %network, %desc, %process, %memory) are its own
 * TRACE_FILE, TRACE_NETWORK, TRACE_DESC, TRACE_PROCESS and TRACE_MEMORY
 * flags (strace's src/linux/{x86_64,64}/syscallent.h), the union of both
 * arches, except that %process leaves out exit and exit_group: they cannot
 * fail, and an "error" from them leaves a process running past its end.
 */
#include <errno.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_parse.h"
#include "lib/syscall_families.h"

struct family_def {
	const char *name;
	const char *what; /* for --list-syscalls and the libc warning */
	const char *members; /* space-separated, in the order they are listed */
};

/* clang-format off */
static const struct family_def families[MB_FAMILY_COUNT] = {
	[MB_FAMILY_OPEN] = { "open", "opening a file",
		"open openat openat2 creat " },
	[MB_FAMILY_READ] = { "read", "reading a descriptor",
		"read pread64 readv preadv preadv2 " },
	[MB_FAMILY_WRITE] = { "write", "writing a descriptor",
		"write pwrite64 writev pwritev pwritev2 " },
	[MB_FAMILY_SYNC] = { "sync", "flushing a file to disk",
		"fsync fdatasync sync_file_range syncfs " },
	[MB_FAMILY_STAT] = { "stat", "a file's status",
		"stat lstat fstat newfstatat statx " },
	/* rmdir too: unlinkat removes directories as well (AT_REMOVEDIR, what
	 * rm -r calls), so the family cannot tell the two apart anyway. */
	[MB_FAMILY_UNLINK] = { "unlink", "removing a name",
		"unlink unlinkat rmdir " },
	[MB_FAMILY_RENAME] = { "rename", "renaming a file",
		"rename renameat renameat2 " },
	[MB_FAMILY_FILE] = { "file", "a file name argument, as strace's %file",
	"open stat lstat access execve truncate getcwd chdir rename mkdir "
	"rmdir creat link unlink symlink readlink chmod chown lchown utime "
	"mknod uselib statfs pivot_root chroot acct mount umount2 swapon "
	"swapoff quotactl setxattr lsetxattr getxattr lgetxattr listxattr "
	"llistxattr removexattr lremovexattr utimes inotify_add_watch "
	"openat mkdirat mknodat fchownat futimesat newfstatat unlinkat "
	"renameat linkat symlinkat readlinkat fchmodat faccessat "
	"utimensat fanotify_mark name_to_handle_at renameat2 execveat "
	"statx open_tree move_mount fsconfig fspick openat2 faccessat2 "
	"mount_setattr fchmodat2 setxattrat getxattrat listxattrat "
	"removexattrat open_tree_attr file_getattr file_setattr "
	},
	[MB_FAMILY_NETWORK] = { "network", "sockets, as strace's %network",
	"sendfile socket connect accept sendto recvfrom sendmsg recvmsg "
	"shutdown bind listen getsockname getpeername socketpair "
	"setsockopt getsockopt getpmsg putpmsg accept4 recvmmsg sendmmsg "
	},
	[MB_FAMILY_DESC] = { "desc", "a descriptor argument or result, as strace's %desc",
	"read write open close fstat poll lseek mmap ioctl pread64 "
	"pwrite64 readv writev pipe select dup dup2 sendfile fcntl flock "
	"fsync fdatasync ftruncate getdents fchdir creat fchmod fchown "
	"fstatfs readahead fsetxattr fgetxattr flistxattr fremovexattr "
	"epoll_create getdents64 fadvise64 epoll_wait epoll_ctl "
	"mq_open mq_timedsend mq_timedreceive mq_notify mq_getsetattr "
	"inotify_init inotify_add_watch inotify_rm_watch openat mkdirat "
	"mknodat fchownat futimesat newfstatat unlinkat renameat linkat "
	"symlinkat readlinkat fchmodat faccessat pselect6 ppoll splice "
	"tee sync_file_range vmsplice utimensat epoll_pwait signalfd "
	"timerfd_create eventfd fallocate timerfd_settime timerfd_gettime "
	"signalfd4 eventfd2 epoll_create1 dup3 pipe2 inotify_init1 "
	"preadv pwritev perf_event_open fanotify_init fanotify_mark "
	"name_to_handle_at open_by_handle_at syncfs setns finit_module "
	"renameat2 memfd_create kexec_file_load bpf execveat userfaultfd "
	"copy_file_range preadv2 pwritev2 statx pidfd_send_signal "
	"io_uring_setup io_uring_enter io_uring_register open_tree "
	"move_mount fsopen fsconfig fsmount fspick pidfd_open openat2 "
	"pidfd_getfd faccessat2 process_madvise epoll_pwait2 mount_setattr "
	"quotactl_fd landlock_create_ruleset landlock_add_rule "
	"landlock_restrict_self memfd_secret process_mrelease cachestat "
	"fchmodat2 setxattrat getxattrat listxattrat removexattrat "
	"open_tree_attr file_getattr file_setattr "
	},
	[MB_FAMILY_PROCESS] = { "process", "process lifecycle, as strace's %process (without exit)",
	"clone fork vfork execve wait4 kill rt_sigqueueinfo tkill tgkill "
	"waitid rt_tgsigqueueinfo execveat pidfd_send_signal clone3 "
	},
	[MB_FAMILY_MEMORY] = { "memory", "memory mapping, as strace's %memory",
	"mmap mprotect munmap brk mremap msync mincore madvise "
	"shmat shmdt mlock munlock mlockall munlockall io_setup "
	"io_destroy remap_file_pages mbind set_mempolicy get_mempolicy "
	"migrate_pages move_pages mlock2 pkey_mprotect io_uring_register "
	"set_mempolicy_home_node map_shadow_stack mseal "
	},
};
/* clang-format on */

static const struct family_def *def_of(unsigned fam)
{
	return fam > MB_FAMILY_NONE && fam < MB_FAMILY_COUNT ? &families[fam] : NULL;
}

int mb_family_by_name(const char *name)
{
	unsigned f;

	for (f = MB_FAMILY_NONE + 1; name && f < MB_FAMILY_COUNT; f++)
		if (!strcmp(families[f].name, name))
			return (int)f;
	return -ENOENT;
}

const char *mb_family_name(unsigned fam)
{
	const struct family_def *d = def_of(fam);

	return d ? d->name : NULL;
}

const char *mb_family_what(unsigned fam)
{
	const struct family_def *d = def_of(fam);

	return d ? d->what : NULL;
}

const char *mb_nearest_family_at(void *ctx, size_t i)
{
	(void)ctx;
	return mb_family_name((unsigned)i + 1);
}

/* Whether a call of this syscall names a file that path= can match. */
static bool has_file_arg(const char *name)
{
	return mb_syscall_path_arg(name) >= 0 || mb_syscall_fd_path_arg(name) >= 0;
}

int mb_family_each(enum mb_arch arch, unsigned fam, bool file_args_only,
		   int (*fn)(const char *name, int nr, void *ctx), void *ctx)
{
	const struct family_def *d = def_of(fam);
	const char *p, *sp;
	char name[32];
	int n = 0, nr, ret;

	if (!d)
		return -EINVAL;
	for (p = d->members; *p; p = sp + 1) {
		sp = strchr(p, ' ');
		if (!sp || (size_t)(sp - p) >= sizeof(name))
			return -EINVAL; /* the table's own shape, kept by its test */
		memcpy(name, p, (size_t)(sp - p));
		name[sp - p] = '\0';
		nr = mb_syscall_by_name(arch, name);
		if (nr < 0 || nr >= MB_NR_SET_MAX || (file_args_only && !has_file_arg(name)))
			continue;
		n++;
		if (fn && (ret = fn(name, nr, ctx)))
			return ret;
	}
	return n;
}

static int add_to_set(const char *name, int nr, void *ctx)
{
	(void)name;
	mb_nr_set_add(ctx, nr);
	return 0;
}

int mb_rule_nr_set(enum mb_arch arch, const struct mb_rule *r, struct mb_nr_set *out)
{
	memset(out, 0, sizeof(*out));
	if (r->kind != MB_RULE_SYSCALL)
		return 0;
	if (r->sys.family == MB_FAMILY_NONE) {
		if (r->sys.nr < 0 || r->sys.nr >= MB_NR_SET_MAX)
			return -EINVAL;
		mb_nr_set_add(out, r->sys.nr);
		return 1;
	}
	/* With path=, a member that takes no file (pipe, socket) can never
	 * match: it is not routed, and costs nothing. */
	return mb_family_each(arch, r->sys.family, r->flags & MB_F_PATH, add_to_set, out);
}

int mb_rule_path_arg(enum mb_arch arch, const struct mb_rule *r, int nr, bool *fd)
{
	const char *name;
	int arg;

	*fd = false;
	if (r->sys.family == MB_FAMILY_NONE) {
		*fd = r->flags & MB_F_PATH_FD;
		return r->sys.path_arg;
	}
	name = mb_syscall_name(arch, nr);
	arg = mb_syscall_path_arg(name);
	if (arg < 0) {
		arg = mb_syscall_fd_path_arg(name);
		*fd = arg >= 0;
	}
	return arg;
}

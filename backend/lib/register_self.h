/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Registers the calling process with mb-helper and installs its filter:
 * what the agent's constructor does, and what `minderbinder run` does for
 * a static binary before it execs it.
 */
#ifndef MB_REGISTER_SELF_H
#define MB_REGISTER_SELF_H

#include <sys/types.h>
#include "minderbinder/registry.h"
#include "minderbinder/wire.h"
#include "lib/spec_parse.h"

struct mb_register_opts {
	enum mb_scope scope;
	enum mb_engine_wish wish;
	const char *helper;     /* path of mb-helper (when socket is NULL) */
	const char *socket;     /* the daemon's socket instead (lib/transport.h) */
	int socket_from_env;    /* socket came from MINDERBINDER_SOCKET */
	const char *interfaces; /* comma list for drop rules, NULL = all */
	unsigned flags;         /* MB_REG_API: the C API's registration */
	int control_fd;         /* with MB_REG_API: handed to the supervisor */
	const __s32 *tids;      /* with MB_REG_NET_UPDATE: per rule, or NULL */
	const char *log_path;   /* MINDERBINDER_LOG (absolute), or NULL */
	/* MINDERBINDER_SUPERVISED=inprocess: the filter routes the share
	 * call and exits to the supervisor (lib/inproc.h) */
	int inproc;
};

struct mb_registration {
	__u32 engines[MB_MAX_RULES];
	__u32 key; /* our registry key (the helper's PLAN says it) */
	pid_t supervisor;
	/* The helper found this process a target already, by the fork of a
	 * tree target (MB_PLAN_INHERITED): nothing was installed. */
	int inherited;
};

/* MINDERBINDER_HELPER_TIMEOUT seconds (1..3600, default 30) bound every
 * wait, the helper's exit included; a bad value is an error naming the
 * variable. */
int mb_register_self(const struct mb_spec *spec, const struct mb_register_opts *o,
		     struct mb_registration *out, struct mb_error *err);

/* "tree" / "process" (and "thread" when allow_thread). */
int mb_scope_parse(const char *var, const char *text, int allow_thread,
		   enum mb_scope *out, struct mb_error *err);
/* "auto", "seccomp", "kprobe", "fmod_ret". */
int mb_engine_wish_parse(const char *var, const char *text,
			 enum mb_engine_wish *out, struct mb_error *err);
const char *mb_engine_name(enum mb_engine e);
/* MINDERBINDER_SUPERVISED: "supervisor" (0) or "inprocess" (1). */
int mb_supervised_parse(const char *var, const char *text, int *inproc, struct mb_error *err);

/* MINDERBINDER_HELPER_TIMEOUT (whole seconds, 1..3600) in ms, else the
 * default (30 s). 0, or -EINVAL with err naming the variable.
 * mb_register_self reads it; `run` calls it to refuse a bad value first. */
int mb_helper_timeout(int *ms, struct mb_error *err);

/* A MINDERBINDER_LOG value: absolute, shorter than MB_LOG_PATH_MAX, no
 * control characters. 0, or -EINVAL with err naming var. */
int mb_log_path_check(const char *var, const char *path, struct mb_error *err);

/* The one search for an installed piece: name next to the object that
 * holds `anchor` (NULL: the running executable) when access(mode) allows
 * it there (the build tree, or an install that keeps them together), else
 * in fallback_dir. 0 with the path in buf, or -ENOENT / -ENAMETOOLONG. */
int mb_find_beside(const void *anchor, const char *name, const char *fallback_dir, int mode,
		   char *buf, size_t len);

/* mb-helper (executable): beside anchor, else MB_LIBEXECDIR. The agent
 * and the C API pass one of their functions, the CLI NULL (next to the
 * minderbinder executable). */
int mb_helper_find(const void *anchor, char *buf, size_t len);
/* MINDERBINDER_HELPER when set (it must be executable), else
 * mb_helper_find: what `run` and `sweep` hand their commands. 0, or
 * -errno with err naming the variable or where it looked. */
int mb_helper_choose(const void *anchor, char *buf, size_t len, struct mb_error *err);

#endif

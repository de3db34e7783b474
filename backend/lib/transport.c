/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one choice between the set-uid helper and the node daemon (see
 * transport.h for the order). A container image has no set-uid helper
 * (images drop the bit) but may have the daemon's socket mounted in; a
 * workstation has the helper; MINDERBINDER_SOCKET overrides both, and
 * never falls back: a test that asked for the daemon must not quietly get
 * the helper.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mb_paths.h"
#include "minderbinder/pins.h"
#include "lib/register_self.h"
#include "lib/transport.h"

static int set_socket(struct mb_transport *t, const char *path, int from_env,
		      struct mb_error *err)
{
	if (strlen(path) >= sizeof(t->socket)) {
		mb_error_set(err, "%s: socket path too long (at most %zu bytes)",
			     from_env ? MB_SOCKET_VAR : path, sizeof(t->socket) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(t->socket, path);
	t->from_env = from_env;
	return 0;
}

static int setuid_root(const char *path)
{
	struct stat st;

	return !stat(path, &st) && st.st_uid == 0 && (st.st_mode & S_ISUID);
}

static int is_socket(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISSOCK(st.st_mode);
}

int mb_transport_choose(const void *anchor, const char *who, struct mb_transport *t,
			struct mb_error *err)
{
	const char *env = getenv(MB_SOCKET_VAR);
	int found;

	t->helper[0] = t->socket[0] = '\0';
	t->from_env = 0;
	if (env && *env)
		return set_socket(t, env, 1, err);
	env = getenv("MINDERBINDER_HELPER");
	if (env && *env)
		return mb_helper_choose(anchor, t->helper, sizeof(t->helper), err);
	found = !mb_helper_find(anchor, t->helper, sizeof(t->helper));
	if (found && setuid_root(t->helper))
		return 0;
	if (is_socket(MB_DAEMON_SOCKET)) {
		t->helper[0] = '\0';
		return set_socket(t, MB_DAEMON_SOCKET, 0, err);
	}
	if (found)
		return 0;
	t->helper[0] = '\0';
	mb_error_set(err, "cannot find mb-helper next to %s or in %s (set MINDERBINDER_HELPER), "
		     "nor the daemon's socket %s (or set " MB_SOCKET_VAR ")", who, MB_LIBEXECDIR,
		     MB_DAEMON_SOCKET);
	return -ENOENT;
}

int mb_daemon_connect(const char *path, int from_env, int *fd, struct mb_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, ret;

	*fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		mb_error_set(err, "%s: socket path too long", from_env ? MB_SOCKET_VAR : path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0) {
		ret = -errno;
		mb_error_set(err, "cannot create a socket for the minderbinder daemon: %s",
			     strerror(-ret));
		return ret;
	}
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(s);
		if (from_env)
			mb_error_set(err, MB_SOCKET_VAR ": cannot connect to '%.200s': %s%s", path,
				     strerror(-ret),
				     ret == -ENOENT || ret == -ECONNREFUSED
					     ? " (is `mb-helper --daemon` running?)"
					     : "");
		else
			mb_error_set(err, "cannot connect to the minderbinder daemon at %s: %s",
				     path, strerror(-ret));
		return ret;
	}
	*fd = s;
	return 0;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <string.h>

#include "helper/validate.h"
#include "lib/name_tables.h"
#include "minderbinder/scope.h"

#define IFACE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@,"

static int check_hdr(const struct mb_msg_hdr *h, size_t len, size_t want, enum mb_msg_type type,
		     const char *what, struct mb_error *err)
{
	if (len != want) {
		mb_error_set(err, "mb-helper: malformed %s (%zu bytes, want %zu: agent and "
			     "helper from different builds?)", what, len, want);
		return -EPROTO;
	}
	if (h->magic != MB_WIRE_MAGIC || h->version != MB_WIRE_VERSION || h->type != type) {
		mb_error_set(err, "mb-helper: malformed %s (magic 0x%x version %u type %u, want "
			     "0x%x %u %u: agent and helper from different builds?)", what,
			     h->magic, h->version, h->type, MB_WIRE_MAGIC, MB_WIRE_VERSION, type);
		return -EPROTO;
	}
	return 0;
}

static int check_flags(const struct mb_register_msg *m, struct mb_error *err)
{
	const __u32 known = MB_REG_API | MB_REG_NET_UPDATE;

	if (m->scope != MB_SCOPE_TREE && m->scope != MB_SCOPE_PROCESS) {
		mb_error_set(err, "mb-helper: bad scope %u (want %u, tree, or %u, process)",
			     m->scope, MB_SCOPE_TREE, MB_SCOPE_PROCESS);
		return -EINVAL;
	}
	if (m->flags & ~known) {
		mb_error_set(err, "mb-helper: bad flags 0x%x (unknown bits 0x%x)", m->flags,
			     m->flags & ~known);
		return -EINVAL;
	}
	if ((m->flags & MB_REG_NET_UPDATE) && !(m->flags & MB_REG_API)) {
		mb_error_set(err, "mb-helper: bad flags 0x%x (a network update comes from the "
			     "C API only)", m->flags);
		return -EINVAL;
	}
	if ((m->flags & MB_REG_API) && m->scope != MB_SCOPE_PROCESS) {
		mb_error_set(err, "mb-helper: bad scope %u with flags 0x%x (the C API registers "
			     "scope process, %u)", m->scope, m->flags, MB_SCOPE_PROCESS);
		return -EINVAL;
	}
	if (m->wish > MB_WISH_FMOD_RET) {
		mb_error_set(err, "mb-helper: bad engine wish %u (at most %u)", m->wish,
			     MB_WISH_FMOD_RET);
		return -EINVAL;
	}
	if (m->timeout_ms > MB_TIMEOUT_MS_MAX) {
		mb_error_set(err, "mb-helper: bad timeout %u ms (at most %u)", m->timeout_ms,
			     MB_TIMEOUT_MS_MAX);
		return -EINVAL;
	}
	return 0;
}

static int check_strings(const struct mb_register_msg *m, struct mb_error *err)
{
	const unsigned char *c;

	if (!memchr(m->interfaces, '\0', sizeof(m->interfaces))) {
		mb_error_set(err, "MINDERBINDER_INTERFACES: list not terminated");
		return -EINVAL;
	}
	if (strspn(m->interfaces, IFACE_CHARS) != strlen(m->interfaces)) {
		mb_error_set(err, "MINDERBINDER_INTERFACES: bad character 0x%02x at %zu",
			     (unsigned char)m->interfaces[strspn(m->interfaces, IFACE_CHARS)],
			     strspn(m->interfaces, IFACE_CHARS));
		return -EINVAL;
	}
	if (!memchr(m->log_path, '\0', sizeof(m->log_path))) {
		mb_error_set(err, "MINDERBINDER_LOG: path not terminated");
		return -EINVAL;
	}
	if (!m->log_path[0])
		return 0;
	for (c = (const unsigned char *)m->log_path; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			break;
	if (m->log_path[0] != '/' || *c) {
		mb_error_set(err, "MINDERBINDER_LOG: want an absolute path with no control "
			     "characters");
		return -EINVAL;
	}
	return 0;
}

int mb_register_msg_check(const struct mb_register_msg *m, size_t len, struct mb_error *err)
{
	struct mb_error spec_err;
	__u32 i;
	int ret;

	ret = check_hdr(&m->hdr, len, sizeof(*m), MB_MSG_REGISTER, "request", err);
	if (!ret)
		ret = check_flags(m, err);
	if (!ret)
		ret = check_strings(m, err);
	if (ret)
		return ret;
	/* The architecture first: its syscall numbers mean nothing here. */
	if (m->spec.arch != mb_native_arch()) {
		mb_error_set(err, "mb-helper: spec for another architecture (%u, this is %u)",
			     m->spec.arch, mb_native_arch());
		return -EINVAL;
	}
	if (mb_spec_validate(&m->spec, &spec_err)) {
		mb_error_set(err, "mb-helper: rejected %s", spec_err.msg);
		return -EINVAL;
	}
	if (!m->spec.n_rules && !(m->flags & MB_REG_API)) {
		mb_error_set(err, "mb-helper: empty spec (no rule)");
		return -EINVAL;
	}
	/* Only a network update names threads, one per rule (the slots past
	 * n_rules are not read). */
	for (i = 0; i < MB_MAX_RULES; i++) {
		if ((m->flags & MB_REG_NET_UPDATE) ? i < m->spec.n_rules && m->tids[i] < 0
						   : m->tids[i] != 0) {
			mb_error_set(err, "mb-helper: bad tid %d for rule %u", m->tids[i], i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

int mb_installed_msg_check(const struct mb_installed_msg *m, size_t len, int nfds, int ctrunc,
			   struct mb_error *err)
{
	int ret = check_hdr(&m->hdr, len, sizeof(*m), MB_MSG_INSTALLED, "INSTALLED", err);

	if (ret)
		return ret;
	if (ctrunc || m->has_listener > 1 || m->has_control > 1 ||
	    nfds != (int)(m->has_listener + m->has_control)) {
		mb_error_set(err, "mb-helper: bad INSTALLED (listener %u, control %u, %d "
			     "descriptors%s)", m->has_listener, m->has_control, nfds,
			     ctrunc ? ", truncated" : "");
		return -EPROTO;
	}
	if (m->status > 0 || m->status < -4095) {
		mb_error_set(err, "mb-helper: bad INSTALLED status %d (want 0 or -errno)",
			     m->status);
		return -EPROTO;
	}
	return 0;
}

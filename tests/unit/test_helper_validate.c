/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The helper's checks of REGISTER and INSTALLED (backend/helper/validate.c):
 * a real message passes, and each bad field is refused with a message that
 * names the field and its bad value.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helper/validate.h"
#include "minderbinder/scope.h"
#include "lib/name_tables.h"
#include "lib/spec_parse.h"

/* Each Criterion test runs in its own process: statics are per test. */
static struct mb_register_msg m;
static struct mb_error err;

static void init_register(void)
{
	struct mb_defaults d;

	memset(&m, 0, sizeof(m));
	m.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_REGISTER };
	m.scope = MB_SCOPE_TREE;
	m.timeout_ms = 30000;
	mb_defaults_init(&d);
	mb_spec_init(&m.spec, mb_native_arch());
	cr_assert_eq(mb_spec_add_syscalls(&m.spec, "t", "openat:ENOENT:path=/x*", &d, &err), 0);
	cr_assert_eq(mb_spec_add_net(&m.spec, "t", "tcp:9:drop", &d, &err), 0);
	memset(&err, 0, sizeof(err));
}

static void refused(int want, const char *text)
{
	cr_assert_eq(mb_register_msg_check(&m, sizeof(m), &err), want, "%s", err.msg);
	cr_assert(strstr(err.msg, text), "'%s' does not say '%s'", err.msg, text);
}

TestSuite(register_msg, .init = init_register);

Test(register_msg, a_real_message_passes)
{
	cr_assert_eq(mb_register_msg_check(&m, sizeof(m), &err), 0, "%s", err.msg);
}

Test(register_msg, length_names_both_sizes)
{
	cr_assert_eq(mb_register_msg_check(&m, sizeof(m) - 1, &err), -EPROTO);
	cr_assert(strstr(err.msg, "bytes, want"), "%s", err.msg);
}

/* Each case spoils a real message in one way. */
Test(register_msg, each_bad_field_is_named)
{
	const enum mb_arch other =
		mb_native_arch() == MB_ARCH_X86_64 ? MB_ARCH_AARCH64 : MB_ARCH_X86_64;

#define REFUSED(mutation, want, text)  \
	do {                           \
		init_register();       \
		mutation;              \
		refused(want, text);   \
	} while (0)
	REFUSED(m.hdr.version = 77, -EPROTO, "version 77");
	REFUSED(m.scope = 7, -EINVAL, "bad scope 7");
	REFUSED(m.flags = 0x18, -EINVAL, "bad flags 0x18 (unknown bits 0x18)");
	REFUSED(m.flags = MB_REG_NET_UPDATE, -EINVAL,
		"bad flags 0x2 (a network update comes from the C API only)");
	REFUSED(m.flags = MB_REG_API, -EINVAL, "bad scope 0 with flags 0x1");
	REFUSED(m.wish = 9, -EINVAL, "bad engine wish 9");
	REFUSED(m.timeout_ms = MB_TIMEOUT_MS_MAX + 1, -EINVAL, "bad timeout 3600001 ms");
	REFUSED(strcpy(m.interfaces, "lo;eth0"), -EINVAL,
		"MINDERBINDER_INTERFACES: bad character 0x3b at 2");
	REFUSED(memset(m.interfaces, 'a', sizeof(m.interfaces)), -EINVAL,
		"MINDERBINDER_INTERFACES: list not terminated");
	REFUSED(strcpy(m.log_path, "log.json"), -EINVAL,
		"MINDERBINDER_LOG: want an absolute path");
	REFUSED(memset(m.log_path, '/', sizeof(m.log_path)), -EINVAL,
		"MINDERBINDER_LOG: path not terminated");
	REFUSED(m.spec.arch = other, -EINVAL, "spec for another architecture");
	REFUSED(m.spec.n_rules = 0, -EINVAL, "empty spec");
	REFUSED(m.tids[3] = 5, -EINVAL, "bad tid 5 for rule 4");
	REFUSED((m.flags = MB_REG_API | MB_REG_NET_UPDATE, m.scope = MB_SCOPE_PROCESS,
		 m.tids[1] = -3),
		-EINVAL, "bad tid -3 for rule 2");
	REFUSED(m.spec.n_rules = MB_MAX_RULES + 1, -EINVAL, "mb-helper: rejected");
#undef REFUSED
}

static struct mb_installed_msg inst = {
	.hdr = { MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_INSTALLED },
	.has_listener = 1,
};

Test(installed_msg, a_real_message_passes)
{
	cr_assert_eq(mb_installed_msg_check(&inst, sizeof(inst), 1, 0, &err), 0, "%s", err.msg);
}

Test(installed_msg, descriptors_must_match)
{
	cr_assert_eq(mb_installed_msg_check(&inst, sizeof(inst), 2, 0, &err), -EPROTO);
	cr_assert(strstr(err.msg, "listener 1, control 0, 2 descriptors"), "%s", err.msg);
	cr_assert_eq(mb_installed_msg_check(&inst, sizeof(inst), 1, 1, &err), -EPROTO);
	cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);
}

Test(installed_msg, flags_are_0_or_1)
{
	inst.has_listener = 2;
	cr_assert_eq(mb_installed_msg_check(&inst, sizeof(inst), 2, 0, &err), -EPROTO);
}

Test(installed_msg, status_is_0_or_errno)
{
	inst.status = 5;
	cr_assert_eq(mb_installed_msg_check(&inst, sizeof(inst), 1, 0, &err), -EPROTO);
	cr_assert(strstr(err.msg, "status 5"), "%s", err.msg);
}

Test(installed_msg, header)
{
	inst.hdr.type = MB_MSG_REGISTER;
	cr_assert_eq(mb_installed_msg_check(&inst, sizeof(inst), 1, 0, &err), -EPROTO);
	cr_assert_eq(mb_installed_msg_check(&inst, sizeof(inst) + 1, 1, 0, &err), -EPROTO);
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The node daemon's policy file (helper/policy.c): each key, each message
 * (FILE:LINE, the nearest key or section, the bad token), and each
 * decision, with the line that made it.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helper/policy.h"

static struct mb_policy p;
static struct mb_error err;

static int parse(const char *text)
{
	memset(&err, 0, sizeof(err));
	return mb_policy_parse("policy.ini", text, &p, &err);
}

static int check(__u32 uid, const char *cg, int nested, __u64 ns)
{
	struct mb_policy_caller c = { .uid = uid, .cgroup = cg, .nested_userns = nested,
				      .userns = ns };

	memset(&err, 0, sizeof(err));
	return mb_policy_check(&p, &c, &err);
}

Test(daemon_policy, empty_allows_anyone_but_not_host_interfaces)
{
	cr_assert_eq(parse(""), 0, "%s", err.msg);
	cr_assert_eq(check(1234, "/a/b", 1, 99), 0);
	cr_assert_eq(mb_policy_check_host_ifaces(&p, &err), -EPERM);
	cr_assert(strstr(err.msg, "host_interfaces is no unless"), "%s", err.msg);
	cr_assert_eq(p.has_quota, 0);
}

Test(daemon_policy, uids_refused_with_their_line)
{
	cr_assert_eq(parse("; node policy\n[register]\nallow_uids = 0, 1000\n"), 0, "%s", err.msg);
	cr_assert_eq(check(1000, "/", 0, 1), 0);
	cr_assert_eq(check(0, "/", 0, 1), 0);
	cr_assert_eq(check(65534, "/", 0, 1), -EPERM);
	cr_assert_str_eq(err.msg, "policy.ini:3: uid 65534 is not in 'allow_uids'");
}

Test(daemon_policy, cgroup_prefixes_end_at_a_component)
{
	cr_assert_eq(parse("[register]\nallow_cgroups = /kubepods/pod1/ /ci\n"), 0, "%s", err.msg);
	cr_assert_eq(check(0, "/kubepods/pod1", 0, 1), 0);
	cr_assert_eq(check(0, "/kubepods/pod1/ctr", 0, 1), 0);
	cr_assert_eq(check(0, "/ci/job7", 0, 1), 0);
	cr_assert_eq(check(0, "/kubepods/pod12", 0, 1), -EPERM);
	cr_assert_str_eq(err.msg, "policy.ini:2: cgroup /kubepods/pod12 is under none of 'allow_cgroups'");
	cr_assert_eq(check(0, "/cix", 0, 1), -EPERM);
}

Test(daemon_policy, user_namespaces)
{
	cr_assert_eq(parse("[register]\n\nallow_userns = nested 4026532000\n"), 0, "%s", err.msg);
	cr_assert_eq(check(0, "/", 1, 5), 0);
	cr_assert_eq(check(0, "/", 0, 4026532000ULL), 0);
	cr_assert_eq(check(0, "/", 0, 4026531837ULL), -EPERM);
	cr_assert_str_eq(err.msg,
			 "policy.ini:3: user namespace 4026531837 (host) is not in 'allow_userns'");
}

Test(daemon_policy, host_interfaces_yes_and_no)
{
	cr_assert_eq(parse("[register]\nhost_interfaces = yes\n"), 0, "%s", err.msg);
	cr_assert_eq(mb_policy_check_host_ifaces(&p, &err), 0);
	cr_assert_eq(parse("[register]\nhost_interfaces = no\n"), 0, "%s", err.msg);
	cr_assert_eq(mb_policy_check_host_ifaces(&p, &err), -EPERM);
	cr_assert(!strncmp(err.msg, "policy.ini:2: network rules may not attach", 42), "%s", err.msg);
}

Test(daemon_policy, quota_goes_to_the_quota_parser_with_the_files_lines)
{
	cr_assert_eq(parse("[register]\nallow_uids = 0\n[quota]\ntargets = 3\n"), 0, "%s", err.msg);
	cr_assert_eq(p.has_quota, 1);
	cr_assert_eq(p.quota.targets, 3);
	cr_assert_eq(parse("[register]\nallow_uids = 0\n[quota]\nrules = 1\ntargts = 3\n"), -EINVAL);
	cr_assert(strstr(err.msg, "policy.ini:5: [quota] unknown key 'targts', did you mean targets"),
		  "%s", err.msg);
}

Test(daemon_policy, bad_lines_name_file_line_and_nearest)
{
	cr_assert_eq(parse("[register]\n\nallow_uid = 0\n"), -EINVAL);
	cr_assert_str_eq(err.msg, "policy.ini:3: [register] unknown key 'allow_uid', did you mean "
				  "allow_uids (keys: allow_uids, allow_cgroups, allow_userns, "
				  "host_interfaces)");
	cr_assert_eq(parse("[regster]\nallow_uids = 0\n"), -EINVAL);
	cr_assert(strstr(err.msg, "policy.ini:2: unknown section [regster]: did you mean [register]?"),
		  "%s", err.msg);
	cr_assert_eq(parse("[register]\nallow_uids = 0 root\n"), -EINVAL);
	cr_assert(strstr(err.msg, "policy.ini:2: [register] allow_uids: bad uid 'root'"), "%s", err.msg);
	cr_assert_eq(parse("[register]\nallow_cgroups = kubepods\n"), -EINVAL);
	cr_assert(strstr(err.msg, "bad prefix 'kubepods'"), "%s", err.msg);
	cr_assert_eq(parse("[register]\nallow_cgroups = /a/../b\n"), -EINVAL);
	cr_assert_eq(parse("[register]\nallow_userns = hots\n"), -EINVAL);
	cr_assert(strstr(err.msg, "policy.ini:2: [register] allow_userns: bad value 'hots'"), "%s",
		  err.msg);
	cr_assert_eq(parse("[register]\nhost_interfaces = maybe\n"), -EINVAL);
	cr_assert(strstr(err.msg, "bad value 'maybe' (want yes or no)"), "%s", err.msg);
	cr_assert_eq(parse("[register]\nallow_uids = 0\nallow_uids = 1\n"), -EINVAL);
	cr_assert_str_eq(err.msg, "policy.ini:3: [register] allow_uids given twice (first at line 2)");
	cr_assert_eq(parse("[register]\nnonsense\n"), -EINVAL);
	cr_assert(!strncmp(err.msg, "policy.ini:2: ", 14), "%s", err.msg);
}

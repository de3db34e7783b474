/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * /etc/minderbinder.conf's [quota]: the defaults, every accepted form, one
 * test per message (each naming FILE:LINE, the key and the bad token), and
 * the file checks the set-uid helper relies on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/quota_config.h"

static struct mb_quota_limits l;
static struct mb_error err;

static int parse(const char *text)
{
	memset(&err, 0, sizeof(err));
	l = (struct mb_quota_limits){ .targets = 7, .rules = 7 };
	return mb_quota_config_parse("q.conf", text, &l, &err);
}

Test(quota_config, defaults_are_a_quarter_of_the_registry)
{
	mb_quota_defaults(&l);
	cr_assert_eq(l.targets, MB_MAX_TARGETS / 4);
	cr_assert_eq(l.rules, MB_MAX_RULE_ENTRIES / 4);
	cr_assert_eq(l.set, 1);
	cr_assert_eq(parse(""), 0);
	cr_assert_eq(l.targets, MB_MAX_TARGETS / 4);
	cr_assert_eq(l.rules, MB_MAX_RULE_ENTRIES / 4);
}

Test(quota_config, both_keys)
{
	cr_assert_eq(parse("; site limits\n[quota]\ntargets = 4\nrules = 40 ; a comment\n"), 0,
		     "%s", err.msg);
	cr_assert_eq(l.targets, 4);
	cr_assert_eq(l.rules, 40);
	cr_assert_eq(l.set, 1);
}

Test(quota_config, one_key_keeps_the_other_default)
{
	cr_assert_eq(parse("[quota]\nrules=100\n"), 0, "%s", err.msg);
	cr_assert_eq(l.targets, MB_QUOTA_DEFAULT_TARGETS);
	cr_assert_eq(l.rules, 100);
}

Test(quota_config, zero_and_unlimited_and_the_maximum)
{
	cr_assert_eq(parse("[quota]\ntargets=0\nrules=unlimited\n"), 0, "%s", err.msg);
	cr_assert_eq(l.targets, 0);
	cr_assert_eq(l.rules, MB_MAX_RULE_ENTRIES);
	cr_assert_eq(parse("[quota]\ntargets=16384\n"), 0, "%s", err.msg);
	cr_assert_eq(l.targets, MB_MAX_TARGETS);
}

static void refused(const char *text, const char *want)
{
	cr_assert_eq(parse(text), -EINVAL, "accepted: %s", text);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(l.targets, 7, "a refused file changed the limits");
}

Test(quota_config, bad_value_names_key_token_and_range)
{
	refused("[quota]\ntargets = lots\n",
		"q.conf:2: [quota] targets: bad value 'lots' (want 0..16384 or unlimited)");
	refused("[quota]\n\nrules = 65537\n",
		"q.conf:3: [quota] rules: bad value '65537' (want 0..65536 or unlimited)");
	refused("[quota]\ntargets = -1\n",
		"q.conf:2: [quota] targets: bad value '-1' (want 0..16384 or unlimited)");
	refused("[quota]\ntargets = 12k\n",
		"q.conf:2: [quota] targets: bad value '12k' (want 0..16384 or unlimited)");
	refused("[quota]\ntargets = 99999999999999999999\n",
		"q.conf:2: [quota] targets: bad value '99999999999999999999' (want 0..16384 or unlimited)");
	refused("[quota]\ntargets =\n",
		"q.conf:2: [quota] targets: bad value '' (want 0..16384 or unlimited)");
}

Test(quota_config, unknown_key_names_the_nearest)
{
	refused("[quota]\ntragets = 4\n",
		"q.conf:2: [quota] unknown key 'tragets', did you mean targets (keys: targets, rules)");
	refused("[quota]\nrule = 4\n",
		"q.conf:2: [quota] unknown key 'rule', did you mean rules (keys: targets, rules)");
	refused("[quota]\nbandwidth = 4\n",
		"q.conf:2: [quota] unknown key 'bandwidth' (keys: targets, rules)");
}

Test(quota_config, unknown_section_and_keys_outside_one)
{
	refused("[qouta]\ntargets = 4\n",
		"q.conf:2: unknown section [qouta]: did you mean [quota]? (the only one is [quota])");
	refused("targets = 4\n", "q.conf:1: unknown section [] (the only one is [quota])");
}

Test(quota_config, the_first_error_wins)
{
	refused("[quota]\ntargets = x\nrules = y\n",
		"q.conf:2: [quota] targets: bad value 'x' (want 0..16384 or unlimited)");
}

Test(quota_config, not_ini)
{
	refused("[quota]\nthis is not a key\n", "q.conf:2: not an INI line");
}

/* --- the file: what the helper reads with root's rights ------------------- */

static char path[64];

static void write_conf(const char *text, mode_t mode)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/mbquota.XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
}

static int load(uid_t owner)
{
	memset(&err, 0, sizeof(err));
	l = (struct mb_quota_limits){ .targets = 7, .rules = 7 };
	return mb_quota_config_load(path, owner, &l, &err);
}

Test(quota_config, file_of_the_owner_loads)
{
	write_conf("[quota]\ntargets = 3\n", 0644);
	cr_assert_eq(load(getuid()), 0, "%s", err.msg);
	cr_assert_eq(l.targets, 3);
	unlink(path);
}

Test(quota_config, no_file_means_the_defaults)
{
	snprintf(path, sizeof(path), "/nonexistent/minderbinder.conf");
	cr_assert_eq(load(0), 0, "%s", err.msg);
	cr_assert_eq(l.targets, MB_QUOTA_DEFAULT_TARGETS);
	cr_assert_eq(l.rules, MB_QUOTA_DEFAULT_RULES);
}

Test(quota_config, file_of_another_owner_is_refused)
{
	char want[160];

	write_conf("[quota]\ntargets = 3\n", 0644);
	snprintf(want, sizeof(want), "%s: refused: owned by uid %u, not %u", path,
		 (unsigned)getuid(), (unsigned)getuid() + 1);
	cr_assert_eq(load(getuid() + 1), -EPERM);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(l.targets, 7);
	unlink(path);
}

Test(quota_config, file_writable_by_group_or_others_is_refused)
{
	char want[160];

	write_conf("[quota]\ntargets = 3\n", 0664);
	snprintf(want, sizeof(want), "%s: refused: writable by group or others (mode 0664)", path);
	cr_assert_eq(load(getuid()), -EPERM);
	cr_assert_str_eq(err.msg, want);
	unlink(path);
	write_conf("[quota]\ntargets = 3\n", 0602);
	cr_assert_eq(load(getuid()), -EPERM);
	unlink(path);
}

Test(quota_config, symlink_is_refused)
{
	char link[80];

	write_conf("[quota]\ntargets = 3\n", 0644);
	snprintf(link, sizeof(link), "%s.lnk", path);
	cr_assert_eq(symlink(path, link), 0);
	memset(&err, 0, sizeof(err));
	cr_assert_eq(mb_quota_config_load(link, getuid(), &l, &err), -ELOOP);
	cr_assert(strstr(err.msg, "cannot open"), "%s", err.msg);
	unlink(link);
	unlink(path);
}

Test(quota_config, directory_is_refused)
{
	snprintf(path, sizeof(path), "/tmp");
	cr_assert_eq(load(0), -EPERM);
	cr_assert_str_eq(err.msg, "/tmp: refused: not a regular file");
}

Test(quota_config, bad_file_names_file_and_line)
{
	char want[200];

	write_conf("[quota]\n\ntargets = many\n", 0600);
	snprintf(want, sizeof(want),
		 "%s:3: [quota] targets: bad value 'many' (want 0..16384 or unlimited)", path);
	cr_assert_eq(load(getuid()), -EINVAL);
	cr_assert_str_eq(err.msg, want);
	unlink(path);
}

/* --- the messages of a refused registration -------------------------------- */

static char msg[256];

static void message(int e, __u32 held_t, __u32 held_r, __u32 refused_forks, __u32 n_rules)
{
	struct mb_quota_charge q = { .uid = 65534,
				     .held = { held_t, held_r, refused_forks, 0 },
				     .limits = { 4096, 16384, 1, 0 } };
	struct mb_quota_usage sum = { 4100, 16500, 0, 0 };

	mb_quota_message(e, 65534, n_rules, 1234, &q, &sum, "/etc/minderbinder.conf", msg,
			 sizeof(msg));
}

Test(quota_message, full_target_quota_says_whose_and_how_many)
{
	message(-EDQUOT, 4096, 4096, 0, 1);
	cr_assert_str_eq(msg, "mb-helper: uid 65534 holds 4096 of its 4096 targets (quota, "
			      "/etc/minderbinder.conf [quota] targets=); registry: 4100 of 16384");
}

Test(quota_message, refused_forks_are_told)
{
	message(-EDQUOT, 4096, 4096, 3, 1);
	cr_assert(strstr(msg, "; 3 forks of its targets got no entry; registry: 4100 of 16384"),
		  "%s", msg);
}

Test(quota_message, full_rule_quota)
{
	message(-EDQUOT, 10, 16380, 0, 32);
	cr_assert_str_eq(msg, "mb-helper: uid 65534 holds 16380 of its 16384 rule entries, 32 more "
			      "asked (quota, /etc/minderbinder.conf [quota] rules=); registry: "
			      "16500 of 65536");
}

Test(quota_message, full_registry_is_never_argument_list_too_long)
{
	message(-E2BIG, 10, 20, 0, 1);
	cr_assert_str_eq(msg, "mb-helper: the registry is full: 4100 of 16384 targets, 16500 of "
			      "65536 rule entries (uid 65534 holds 10 targets, 20 rule entries)");
	cr_assert_null(strstr(msg, "Argument list too long"));
}

Test(quota_message, other_errors_keep_the_plain_form)
{
	message(-ENOMEM, 0, 0, 0, 1);
	cr_assert_str_eq(msg, "mb-helper failed to register pid 1234: Cannot allocate memory");
}

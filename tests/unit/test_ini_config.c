/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The INI loader: the example file, sameness with the spec grammar, and one
 * test per message, each pinned to FILE:LINE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/ini_config.h"
#include "lib/name_tables.h"
#include "lib/spec_parse.h"

#define CHAOS_INI MB_SOURCE_DIR "/examples/chaos.ini"

/* Each Criterion test runs in its own process: statics are per test. */
static struct mb_ini_config cfg;
static struct mb_error err;

static int load(const char *text)
{
	memset(&err, 0, sizeof(err));
	return mb_ini_load_string("t.ini", text, mb_native_arch(), &cfg, &err);
}

/* The one rule that spec text gives, as the env grammar parses it. */
static struct mb_rule spec_rule(const char *text, bool net)
{
	static struct mb_spec spec;
	struct mb_defaults d;
	struct mb_error e = { "" };
	int ret;

	mb_defaults_init(&d);
	mb_spec_init(&spec, mb_native_arch());
	ret = net ? mb_spec_add_net(&spec, "test", text, &d, &e)
		  : mb_spec_add_syscalls(&spec, "test", text, &d, &e);
	cr_assert_eq(ret, 0, "%s: %s", text, e.msg);
	cr_assert_eq(spec.n_rules, 1);
	return spec.rules[0];
}

static void assert_same_rule(const struct mb_rule *got, const char *text,
			     bool net)
{
	struct mb_rule want = spec_rule(text, net);

	cr_assert(memcmp(got, &want, sizeof(want)) == 0,
		  "INI rule differs from '%s'", text);
}

/* Loading text fails with -EINVAL and a message that starts with where
 * ("t.ini:3: ") and contains each of the NULL-terminated words. */
static void assert_fails(const char *text, const char *where, ...)
{
	const char *word;
	va_list ap;
	int ret = load(text);

	cr_assert_eq(ret, -EINVAL, "ret %d for:\n%s", ret, text);
	cr_assert(!strncmp(err.msg, where, strlen(where)),
		  "message '%s' does not start with '%s'", err.msg, where);
	va_start(ap, where);
	while ((word = va_arg(ap, const char *)))
		cr_assert(strstr(err.msg, word), "message '%s' lacks '%s'", err.msg,
			  word);
	va_end(ap);
	cr_assert(!strstr(err.msg, "column"),
		  "message '%s' names a column of text the user never wrote",
		  err.msg);
}

#define SYS_OK "syscall = openat\nret_code = -2\ntargets = curl\n"

/* --- the example ----------------------------------------------------------- */

Test(ini, chaos_example_loads)
{
	const struct mb_ini_section *s, *n;
	int ret;

	memset(&err, 0, sizeof(err));
	ret = mb_ini_load(CHAOS_INI, mb_native_arch(), &cfg, &err);
	cr_assert_eq(ret, 0, "%s", err.msg);
	cr_assert_eq(cfg.n_sections, 2);

	s = &cfg.sections[0];
	cr_assert_str_eq(s->name, "break_curl_openat");
	cr_assert_eq(s->n_targets, 1);
	cr_assert_str_eq(s->targets[0], "curl");
	cr_assert_gt(s->line, 0);
	cr_assert_eq(s->rule.kind, MB_RULE_SYSCALL);
	cr_assert_eq(s->rule.sys.nr, mb_syscall_by_name(mb_native_arch(), "openat"));
	cr_assert_eq(s->rule.sys.result, MB_RES_ERRNO);
	cr_assert_eq(s->rule.sys.value, ENOENT);
	cr_assert_eq(s->rule.delay_ns, 100000000ull);
	cr_assert_eq(s->rule.rate_ppm, MB_RATE_ONE);
	cr_assert_eq(s->rule.flags, MB_F_DELAY | MB_F_RATE);

	n = &cfg.sections[1];
	cr_assert_str_eq(n->name, "break_wget_network");
	cr_assert_eq(n->n_targets, 1);
	cr_assert_str_eq(n->targets[0], "wget");
	cr_assert_gt(n->line, s->line);
	cr_assert_eq(n->rule.kind, MB_RULE_NET);
	cr_assert_eq(n->rule.net.proto, MB_PROTO_ANY);
	cr_assert_eq(n->rule.net.action, MB_NET_DROP);
	cr_assert_eq(n->rule.net.port_lo, 0);
	cr_assert_eq(n->rule.net.port_hi, 65535);
	cr_assert_eq(n->rule.delay_ns, 100000000ull);
	cr_assert_eq(n->rule.rate_ppm, MB_RATE_ONE);
}

Test(ini, chaos_example_equals_spec_grammar)
{
	int ret = mb_ini_load(CHAOS_INI, mb_native_arch(), &cfg, &err);

	cr_assert_eq(ret, 0, "%s", err.msg);
	assert_same_rule(&cfg.sections[0].rule, "openat:-2:delay=100ms:rate=100%",
			 false);
	assert_same_rule(&cfg.sections[1].rule, "any:*:drop:delay=100ms:rate=100%",
			 true);
}

/* --- what loads ------------------------------------------------------------ */

Test(ini, section_lines_count_blank_and_comment_lines)
{
	int ret = load("; top\n\n[syscall a]\n" SYS_OK "\n# x\n[outgoing_network b]\n"
		       "targets = wget\n");

	cr_assert_eq(ret, 0, "%s", err.msg);
	cr_assert_eq(cfg.sections[0].line, 3);
	cr_assert_eq(cfg.sections[1].line, 9);
}

Test(ini, empty_file_has_no_sections)
{
	cfg.n_sections = 7;
	cr_assert_eq(load(""), 0, "%s", err.msg);
	cr_assert_eq(cfg.n_sections, 0);
}

Test(ini, comments_and_blank_lines_only)
{
	cfg.n_sections = 7;
	cr_assert_eq(load("; a\n# b\n\n   \n\t; indented\n"), 0, "%s", err.msg);
	cr_assert_eq(cfg.n_sections, 0);
}

Test(ini, comments_everywhere)
{
	int ret = load("# header\n"
		       "[syscall a] ; trailing comment\n"
		       "; between keys\n"
		       "syscall = openat ; inline\n"
		       "  # indented comment\n"
		       "ret_code = -2 ; (ENOENT)\n"
		       "targets = curl wget # hash comment too\n");

	cr_assert_eq(ret, 0, "%s", err.msg);
	cr_assert_eq(cfg.sections[0].n_targets, 2);
	cr_assert_str_eq(cfg.sections[0].targets[1], "wget");
	assert_same_rule(&cfg.sections[0].rule, "openat:-2", false);
}

Test(ini, ret_code_forms)
{
	cr_assert_eq(load("[syscall a]\nsyscall = openat\nret_code = ENOENT\ntargets = x\n"
			  "[syscall b]\nsyscall = openat\nret_code = -ENOENT\ntargets = x\n"
			  "[syscall c]\nsyscall = write\nret_code = +0\ntargets = x\n"),
		     0, "%s", err.msg);
	assert_same_rule(&cfg.sections[0].rule, "openat:-2", false);
	assert_same_rule(&cfg.sections[1].rule, "openat:ENOENT", false);
	assert_same_rule(&cfg.sections[2].rule, "write:+0", false);
	cr_assert_eq(cfg.sections[2].rule.sys.result, MB_RES_VALUE);
}

Test(ini, defaults_when_optional_keys_are_absent)
{
	cr_assert_eq(load("[syscall a]\n" SYS_OK), 0, "%s", err.msg);
	cr_assert_eq(cfg.sections[0].rule.rate_ppm, MB_RATE_ONE);
	cr_assert_eq(cfg.sections[0].rule.delay_ns, 0);
	cr_assert_eq(cfg.sections[0].rule.flags, 0);
	assert_same_rule(&cfg.sections[0].rule, "openat:-2", false);
}

Test(ini, failure_rate_forms)
{
	cr_assert_eq(load("[syscall a]\n" SYS_OK "failure_rate = 50%\n"
			  "[syscall b]\n" SYS_OK "failure_rate = 12.5\n"
			  "[syscall c]\n" SYS_OK "failure_rate = 0\n"),
		     0, "%s", err.msg);
	cr_assert_eq(cfg.sections[0].rule.rate_ppm, 500000);
	cr_assert_eq(cfg.sections[1].rule.rate_ppm, 125000);
	cr_assert_eq(cfg.sections[2].rule.rate_ppm, 0);
	assert_same_rule(&cfg.sections[1].rule, "openat:-2:rate=12.5%", false);
}

Test(ini, syscall_extensions)
{
	int ret = load("[syscall a]\n" SYS_OK "path = /etc/*\nafter = 2\ntimes = 3\n"
		       "latency_ms = 5\nseed = 7\ndelay_ms = 10\n");

	cr_assert_eq(ret, 0, "%s", err.msg);
	assert_same_rule(&cfg.sections[0].rule,
			 "openat:-2:delay=10ms:after=2:times=3:path=/etc/*:latency=5ms:seed=7",
			 false);
	cr_assert_str_eq(cfg.sections[0].rule.sys.path, "/etc/*");
	cr_assert_eq(cfg.sections[0].rule.latency_ns, 5000000ull);
}

Test(ini, path_keeps_spec_separators)
{
	cr_assert_eq(load("[syscall a]\n" SYS_OK "path = /tmp/a:b;c\\d*\n"), 0, "%s",
		     err.msg);
	cr_assert_str_eq(cfg.sections[0].rule.sys.path, "/tmp/a:b;c\\d*");
}

Test(ini, network_extensions)
{
	int ret = load("[outgoing_network a]\ntargets = wget\nprotocol = tcp\n"
		       "port = 443\naddr = 10.0.0.0/8\naction = refuse\n"
		       "failure_rate = 50\n"
		       "[outgoing_network b]\ntargets = dig\nprotocol = udp\n"
		       "port = 53-60\naction = ECONNRESET\n"
		       "[outgoing_network c]\ntargets = x\nport = *\naction = drop\n"
		       "addr = fd00::/8\n");

	cr_assert_eq(ret, 0, "%s", err.msg);
	assert_same_rule(&cfg.sections[0].rule,
			 "tcp:443:refuse:rate=50%:addr=10.0.0.0/8", true);
	cr_assert_eq(cfg.sections[0].rule.net.proto, MB_PROTO_TCP);
	cr_assert_eq(cfg.sections[0].rule.net.action, MB_NET_ERRNO);
	cr_assert_eq(cfg.sections[0].rule.net.err, ECONNREFUSED);
	cr_assert_eq(cfg.sections[0].rule.net.prefix_len, 8);
	assert_same_rule(&cfg.sections[1].rule, "udp:53-60:ECONNRESET", true);
	cr_assert_eq(cfg.sections[1].rule.net.port_hi, 60);
	/* The grammar needs "\:" inside a value; the loader adds it. */
	assert_same_rule(&cfg.sections[2].rule, "any:*:drop:addr=fd00\\:\\:/8", true);
	cr_assert_eq(cfg.sections[2].rule.net.family, 6);
}

Test(ini, targets_lists)
{
	/* Commas or blanks, repeats dropped, indented lines go on. */
	int ret = load("[syscall a]\nsyscall = openat\nret_code = -2\n"
		       "targets = curl, wget,,bash  zsh\tcurl\n"
		       "  dash, sh\n"
		       "  fifteen_chars_x\n");

	cr_assert_eq(ret, 0, "%s", err.msg);
	cr_assert_eq(cfg.sections[0].n_targets, 7);
	cr_assert_str_eq(cfg.sections[0].targets[0], "curl");
	cr_assert_str_eq(cfg.sections[0].targets[3], "zsh");
	cr_assert_str_eq(cfg.sections[0].targets[4], "dash");
	cr_assert_str_eq(cfg.sections[0].targets[6], "fifteen_chars_x");
}

Test(ini, colon_separator_crlf_and_bom)
{
	int ret = load("\xEF\xBB\xBF[syscall a]\r\nsyscall: openat\r\n"
		       "ret_code: -2\r\ntargets: curl\r\n");

	cr_assert_eq(ret, 0, "%s", err.msg);
	cr_assert_str_eq(cfg.sections[0].name, "a");
	cr_assert_str_eq(cfg.sections[0].targets[0], "curl");
	assert_same_rule(&cfg.sections[0].rule, "openat:-2", false);
}

Test(ini, long_section_names_are_kept_whole)
{
	/* inih itself keeps only 50 bytes of a section header. */
	const char *name =
		"a_section_name_that_is_sixty_three_characters_long_xxxxxxxxxxxx";
	char text[256];

	cr_assert_eq(strlen(name), MB_INI_NAME_MAX - 1);
	snprintf(text, sizeof(text), "[outgoing_network %s]\ntargets = x\n", name);
	cr_assert_eq(load(text), 0, "%s", err.msg);
	cr_assert_str_eq(cfg.sections[0].name, name);
}

Test(ini, same_name_in_both_types_is_a_duplicate)
{
	assert_fails("[syscall a]\n" SYS_OK "[outgoing_network a]\ntargets = x\n",
		     "t.ini:5: ", "duplicate section name 'a'", "line 1", NULL);
}

Test(ini, failure_leaves_config_untouched)
{
	struct mb_ini_config before;

	memset(&cfg, 0xab, sizeof(cfg));
	memcpy(&before, &cfg, sizeof(cfg));
	cr_assert_eq(load("[syscall a]\n" SYS_OK "[syscall b]\n" SYS_OK
			  "delay_ms = soon\n"),
		     -EINVAL);
	cr_assert(!memcmp(&before, &cfg, sizeof(cfg)));
}

Test(ini, the_most_sections)
{
	char *text = malloc(MB_INI_MAX_SECTIONS * 80 + 1);
	size_t len = 0;
	int i;

	cr_assert_not_null(text);
	for (i = 0; i < MB_INI_MAX_SECTIONS; i++)
		len += (size_t)sprintf(text + len, "[syscall s%d]\n" SYS_OK, i);
	cr_assert_eq(load(text), 0, "%s", err.msg);
	cr_assert_eq(cfg.n_sections, MB_INI_MAX_SECTIONS);
	cr_assert_str_eq(cfg.sections[MB_INI_MAX_SECTIONS - 1].name, "s31");
	free(text);
}

/* --- section errors -------------------------------------------------------- */

Test(ini, err_unknown_section_type_suggests)
{
	assert_fails("\n[sycall a]\n" SYS_OK, "t.ini:2: ",
		     "unknown section type 'sycall'", "did you mean 'syscall'", NULL);
	assert_fails("[outgoing_netwrk a]\ntargets = x\n", "t.ini:1: ",
		     "unknown section type 'outgoing_netwrk'",
		     "did you mean 'outgoing_network'", NULL);
}

Test(ini, err_unknown_section_type_lists_types)
{
	assert_fails("[kernel a]\n", "t.ini:1: ", "unknown section type 'kernel'",
		     "[syscall NAME]", "[outgoing_network NAME]", NULL);
}

Test(ini, err_section_without_name)
{
	assert_fails("[syscall]\n" SYS_OK, "t.ini:1: ", "[syscall]", "no name",
		     NULL);
}

Test(ini, err_empty_section_header)
{
	assert_fails("[ ]\n", "t.ini:1: ", "empty section header", NULL);
}

Test(ini, err_section_name_two_words)
{
	assert_fails("[syscall break curl]\n" SYS_OK, "t.ini:1: ",
		     "section name 'break curl'", "one word", NULL);
}

Test(ini, err_section_name_too_long)
{
	assert_fails("[syscall a_section_name_that_is_sixty_four_characters_long_xxxxxxxxxxxxxx]\n",
		     "t.ini:1: ", "longer than 63", NULL);
}

Test(ini, err_duplicate_section_name)
{
	assert_fails("[syscall a]\n" SYS_OK "\n[syscall a]\n" SYS_OK, "t.ini:6: ",
		     "duplicate section name 'a'", "first used at line 1", NULL);
}

Test(ini, err_too_many_sections)
{
	char *text = malloc((MB_INI_MAX_SECTIONS + 1) * 80 + 1);
	size_t len = 0;
	char where[32];
	int i;

	cr_assert_not_null(text);
	for (i = 0; i <= MB_INI_MAX_SECTIONS; i++)
		len += (size_t)sprintf(text + len, "[syscall s%d]\n" SYS_OK, i);
	snprintf(where, sizeof(where), "t.ini:%d: ", MB_INI_MAX_SECTIONS * 4 + 1);
	assert_fails(text, where, "too many sections", "32", NULL);
	free(text);
}

Test(ini, err_unterminated_section_header)
{
	assert_fails("[syscall a]\n" SYS_OK "[syscall x\n" SYS_OK, "t.ini:5: ",
		     "unterminated section header '[syscall x'", "missing ']'", NULL);
}

Test(ini, err_text_after_section_header)
{
	assert_fails("[syscall a] junk\n" SYS_OK, "t.ini:1: ", "unexpected 'junk'",
		     "after section header", NULL);
}

/* --- key errors ------------------------------------------------------------ */

Test(ini, err_key_outside_section)
{
	assert_fails("; comment\ndelay_ms = 100\n[syscall a]\n" SYS_OK, "t.ini:2: ",
		     "key 'delay_ms'", "outside any section", NULL);
}

Test(ini, err_unknown_key_suggests)
{
	assert_fails("[syscall a]\nsyscall = openat\nret_cod = -2\ntargets = x\n",
		     "t.ini:3: ", "unknown key 'ret_cod'", "[syscall a]",
		     "did you mean 'ret_code'", NULL);
	assert_fails("[outgoing_network n]\ntargets = x\nprotcol = tcp\n",
		     "t.ini:3: ", "unknown key 'protcol'", "did you mean 'protocol'",
		     NULL);
}

Test(ini, err_unknown_key_lists_keys)
{
	assert_fails("[outgoing_network n]\ntargets = x\ncolour = blue\n", "t.ini:3: ",
		     "unknown key 'colour'", "keys: targets, delay_ms, failure_rate",
		     "action", NULL);
}

Test(ini, err_key_of_the_other_section_type)
{
	assert_fails("[syscall a]\n" SYS_OK "port = 443\n", "t.ini:5: ",
		     "key 'port'", "belongs in [outgoing_network]", NULL);
	assert_fails("[outgoing_network n]\ntargets = x\nret_code = -2\n",
		     "t.ini:3: ", "key 'ret_code'", "belongs in [syscall]", NULL);
}

Test(ini, err_duplicate_key)
{
	assert_fails("[syscall a]\n" SYS_OK "delay_ms = 1\ndelay_ms = 2\n",
		     "t.ini:6: ", "key 'delay_ms' given twice", "first at line 5",
		     NULL);
}

Test(ini, err_key_without_value)
{
	assert_fails("[syscall a]\n" SYS_OK "delay_ms =\n", "t.ini:5: ",
		     "key 'delay_ms' has no value", NULL);
}

Test(ini, err_key_without_name)
{
	assert_fails("[syscall a]\n" SYS_OK "= 5\n", "t.ini:5: ",
		     "missing key name", NULL);
}

Test(ini, err_missing_required_key)
{
	assert_fails("[syscall a]\n" SYS_OK "\n[syscall b]\nsyscall = openat\n"
		     "targets = x\n",
		     "t.ini:6: ", "[syscall b]", "missing required key 'ret_code'",
		     NULL);
	assert_fails("\n[outgoing_network n]\nport = 53\n", "t.ini:2: ",
		     "[outgoing_network n]", "missing required key 'targets'", NULL);
}

Test(ini, err_missing_required_keys)
{
	assert_fails("[syscall a]\ndelay_ms = 5\n", "t.ini:1: ",
		     "missing required keys 'syscall', 'ret_code', 'targets'", NULL);
}

Test(ini, err_garbage_line)
{
	assert_fails("[syscall a]\n" SYS_OK "this is not ini\n", "t.ini:5: ",
		     "expected 'key = value'", "'this is not ini'", NULL);
}

Test(ini, err_line_too_long)
{
	char text[1024];

	snprintf(text, sizeof(text), "[syscall a]\n" SYS_OK "path = /%0600d\n", 0);
	assert_fails(text, "t.ini:5: ", "line too long", NULL);
}

Test(ini, long_comment_lines_are_fine)
{
	char text[2048];

	snprintf(text, sizeof(text), "[syscall a]\n; %0600d\n" SYS_OK
		 "   # %0600d\ndelay_ms = 1\n", 0, 0);
	cr_assert_eq(load(text), 0, "%s", err.msg);
	cr_assert_eq(cfg.sections[0].rule.delay_ns, 1000000);
}

Test(ini, err_indented_key_reads_as_continuation)
{
	assert_fails("[syscall a]\n" SYS_OK "delay_ms = 5\n  failure_rate = 50\n",
		     "t.ini:6: ", "continuation of 'delay_ms'",
		     "remove the indentation", NULL);
	assert_fails("[syscall a]\n" SYS_OK "  failure_rate = 50\n", "t.ini:5: ",
		     "continuation of 'targets'", NULL);
	assert_fails("[syscall a]\n" SYS_OK "  [syscall b]\n", "t.ini:5: ",
		     "'[syscall b]'", "continuation of 'targets'", NULL);
}

/* --- value errors ---------------------------------------------------------- */

Test(ini, err_unknown_syscall_from_the_parser)
{
	assert_fails("[syscall a]\nret_code = -2\nsyscall = opnat\ntargets = x\n",
		     "t.ini:3: ", "unknown syscall 'opnat'", "did you mean 'openat'",
		     NULL);
}

Test(ini, err_bad_ret_code_from_the_parser)
{
	assert_fails("[syscall a]\nsyscall = openat\nret_code = ENOENTT\ntargets = x\n",
		     "t.ini:3: ", "unknown errno 'ENOENTT'", "did you mean 'ENOENT'",
		     NULL);
	assert_fails("[syscall a]\nsyscall = openat\nret_code = 2\ntargets = x\n",
		     "t.ini:3: ", "ambiguous result '2'", NULL);
}

Test(ini, err_ret_code_with_equals)
{
	assert_fails("[syscall a]\nsyscall = openat\nret_code = latency=1ms\ntargets = x\n",
		     "t.ini:3: ", "ret_code must be an errno", "'latency=1ms'", NULL);
}

Test(ini, err_ret_code_cannot_smuggle_fields)
{
	/* ':' and ';' stay inside the value: no second field, no second rule. */
	assert_fails("[syscall a]\nsyscall = openat\nret_code = -2;write\ntargets = x\n",
		     "t.ini:3: ", "-2;write", NULL);
	assert_fails("[syscall a]\nsyscall = openat:-2\nret_code = -2\ntargets = x\n",
		     "t.ini:2: ", "unknown syscall 'openat:-2'", NULL);
}

Test(ini, err_bad_delay_ms)
{
	assert_fails("[outgoing_network n]\ntargets = x\ndelay_ms = 100ms\n",
		     "t.ini:3: ", "delay_ms must be whole milliseconds", "'100ms'",
		     NULL);
	assert_fails("[syscall a]\n" SYS_OK "latency_ms = -1\n", "t.ini:5: ",
		     "latency_ms must be whole milliseconds", NULL);
}

Test(ini, err_bad_failure_rate)
{
	assert_fails("[syscall a]\n" SYS_OK "failure_rate = 150\n", "t.ini:5: ",
		     "failure_rate must be a percentage from 0 to 100", "'150'", NULL);
}

Test(ini, err_bad_option_values_from_the_parser)
{
	assert_fails("[syscall a]\n" SYS_OK "times = 0\n", "t.ini:5: ",
		     "bad count for times=", NULL);
	assert_fails("[syscall a]\nsyscall = getpid\nret_code = EIO\ntargets = x\n"
		     "path = /etc/*\n",
		     "t.ini:5: ", "option 'path'", "'getpid' has none", NULL);
}

Test(ini, err_bad_network_values_from_the_parser)
{
	assert_fails("[outgoing_network n]\ntargets = x\nprotocol = sctp\n",
		     "t.ini:3: ", "unknown protocol", "'sctp'", NULL);
	assert_fails("[outgoing_network n]\ntargets = x\nport = 70000\nprotocol = tcp\n",
		     "t.ini:3: ", "bad port", "'70000'", NULL);
	assert_fails("[outgoing_network n]\naction = drp\ntargets = x\n",
		     "t.ini:2: ", "unknown action", "did you mean 'drop'", NULL);
	assert_fails("[outgoing_network n]\ntargets = x\naddr = 10.0.0.1/8\n",
		     "t.ini:3: ", "host bits set", "10.0.0.0/8", NULL);
}

/* --- targets --------------------------------------------------------------- */

Test(ini, err_target_name_too_long)
{
	assert_fails("[syscall a]\nsyscall = openat\nret_code = -2\n"
		     "targets = curl, sixteen_chars_xx\n",
		     "t.ini:4: ", "target 'sixteen_chars_xx'", "longer than 15",
		     "did you mean 'sixteen_chars_x'", NULL);
}

Test(ini, err_too_many_targets)
{
	assert_fails("[outgoing_network n]\n"
		     "targets = a b c d e f g h i j k l m n o p\n  q\n",
		     "t.ini:3: ", "too many targets", "16", NULL);
}

Test(ini, err_targets_names_no_process)
{
	assert_fails("[outgoing_network n]\ntargets = , ,\n", "t.ini:2: ",
		     "'targets' names no process", NULL);
}

/* --- files ----------------------------------------------------------------- */

static char tmp_path[64];

static void write_tmp(const char *data, size_t len)
{
	int fd;

	strcpy(tmp_path, "/tmp/mb-ini-test-XXXXXX");
	fd = mkstemp(tmp_path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

Test(ini, err_file_not_found)
{
	int ret = mb_ini_load("/nonexistent/chaos.ini", mb_native_arch(), &cfg, &err);

	cr_assert_eq(ret, -ENOENT);
	cr_assert(strstr(err.msg, "/nonexistent/chaos.ini"), "%s", err.msg);
	cr_assert(strstr(err.msg, strerror(ENOENT)), "%s", err.msg);
}

Test(ini, err_file_is_a_directory)
{
	cr_assert_eq(mb_ini_load("/tmp", mb_native_arch(), &cfg, &err), -EISDIR);
	cr_assert(strstr(err.msg, "/tmp"), "%s", err.msg);
}

Test(ini, err_file_messages_name_the_path)
{
	static const char data[] = "[syscall a]\n" SYS_OK "delay_ms = x\n";
	char where[96];
	int ret;

	write_tmp(data, sizeof(data) - 1);
	ret = mb_ini_load(tmp_path, mb_native_arch(), &cfg, &err);
	unlink(tmp_path);
	cr_assert_eq(ret, -EINVAL);
	snprintf(where, sizeof(where), "%s:5: ", tmp_path);
	cr_assert(!strncmp(err.msg, where, strlen(where)), "%s", err.msg);
}

Test(ini, err_nul_byte_in_file)
{
	static const char data[] = "[syscall a]\nsyscall = open\0at\n";
	int ret;

	write_tmp(data, sizeof(data) - 1);
	ret = mb_ini_load(tmp_path, mb_native_arch(), &cfg, &err);
	unlink(tmp_path);
	cr_assert_eq(ret, -EINVAL);
	cr_assert(strstr(err.msg, ":2: NUL byte"), "%s", err.msg);
}

# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The seccomp supervisor (mb_supervise) on the real kernel. Needs no
# privilege: the test's child installs its own filter. Each line the
# program prints ("PASS name" / "FAIL name: why") becomes one check.
. "$(dirname "$0")/lib.sh"

prog="$PROGS/test_supervisor"
if [ ! -x "$prog" ]; then
	fail "supervisor: test_supervisor" "$prog not built"
	exit 0
fi
out=$("$prog" 2>&1)
status=$?
failed=0
while IFS= read -r line; do
	case $line in
	"PASS "*)
		pass "supervisor: ${line#PASS }"
		;;
	"FAIL "*)
		rest=${line#FAIL }
		fail "supervisor: ${rest%%: *}" "${rest#*: }"
		failed=1
		;;
	esac
done <<END
$out
END
# A crash or a hang (alarm) leaves no FAIL line of its own.
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
	fail "supervisor: test_supervisor" "exited $status: $(echo "$out" | tail -5)"
fi

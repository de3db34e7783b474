#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Rules that can never fire: `run --expect-faults` (exit 120 and one line
# per rule that injected nothing), a command's status and signal passed
# through with and without it, MINDERBINDER_EXPECT_FAULTS, a relative
# path= glob refused, and rules in the environment refused for a static
# program.
. "$(dirname "$0")/agent_lib.sh"

need_root "expect: run --expect-faults" || exit 0
mb_setup "expect: setup"

# status_of CMD...: how a parent sees CMD end: "exit N" or "signal N".
status_of() {
	python3 -c '
import subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("signal %d" % -r.returncode if r.returncode < 0 else "exit %d" % r.returncode)' "$@"
}

# expect NAME WANT_RC FILE REGEX: the last run exited WANT_RC and FILE has REGEX.
expect() {
	if [ "$rc" = "$2" ] && has_line "$3" "$4"; then
		pass "$1"
	else
		fail "$1" "exit $rc (want $2), stderr '$(lines "$3" | cut -c1-400)'"
	fi
}

HOST=/etc/hostname

# --- a rule that never fired -----------------------------------------------------
if [ "$(uname -m)" = x86_64 ]; then
	# glibc opens with openat: a rule on open(2) sees nothing. times= keeps
	# it with the supervisor (counted) whatever engine this kernel has.
	$MB run --expect-faults -s open:ENOENT:times=1000000 -- cat $HOST > "$T/o1" 2> "$T/e1"
	rc=$?
	expect "expect: open:ENOENT on cat (glibc calls openat) exits 120 with 'never fired: 0 calls matched'" \
		120 "$T/e1" "^minderbinder: rule 0 'open:ENOENT:times=1000000' never fired: 0 calls matched$"
	if cmp -s "$T/o1" $HOST && has_line "$T/e1" "exit 120 \(CMD exited with 0\)"; then
		pass "expect: the command itself ran untouched, and its own status is told"
	else
		fail "expect: the command itself ran untouched, and its own status is told" "$(lines "$T/e1")"
	fi
	# The plain rule: counted by a BPF engine (0 calls), or answered in the
	# seccomp filter, uncounted: either way not shown to fire.
	$MB run --expect-faults -s open:ENOENT -- cat $HOST > /dev/null 2> "$T/e2"
	rc=$?
	expect "expect: plain open:ENOENT on cat exits 120 and says why" 120 "$T/e2" \
		"rule 0 'open:ENOENT' (never fired: 0 calls matched|cannot be shown to fire: the seccomp filter answers it)"
else
	notrun "expect: open:ENOENT on cat" "open(2) is x86_64's; this is $(uname -m)"
fi

$MB run --expect-faults -s "openat:ENOENT:after=1000:path=$HOST" -- cat $HOST > /dev/null 2> "$T/e3"
rc=$?
expect "expect: a rule whose window never opened: 'N calls matched, none faulted'" 120 "$T/e3" \
	"^minderbinder: rule 0 'openat:ENOENT:after=1000:path=$HOST' never fired: 1 call matched, none faulted$"

$MB run --expect-faults -s "openat:ENOENT:path=$HOST" -s "openat:EIO:path=/nonexistent/*" \
	-- cat $HOST > /dev/null 2> "$T/e4"
rc=$?
if [ $rc = 120 ] && has_line "$T/e4" "rule 1 'openat:EIO:path=/nonexistent/\*' never fired" &&
	! has_line "$T/e4" "rule 0 .*never fired"; then
	pass "expect: of two rules only the one that did not fire is named"
else
	fail "expect: of two rules only the one that did not fire is named" "exit $rc, $(lines "$T/e4")"
fi

MINDERBINDER_EXPECT_FAULTS=1 $MB run -s "openat:EIO:path=/nonexistent/*" -- true 2> "$T/e5"
rc=$?
expect "expect: MINDERBINDER_EXPECT_FAULTS=1 is the flag" 120 "$T/e5" "rule 0 .* never fired: 0 calls matched"
MINDERBINDER_EXPECT_FAULTS=yes $MB run -s "openat:EIO:path=/nonexistent/*" -- touch "$T/ran5" 2> "$T/e6"
rc=$?
if [ $rc = 2 ] && [ ! -e "$T/ran5" ] && has_line "$T/e6" "MINDERBINDER_EXPECT_FAULTS: bad value 'yes' \(want 0, 1 or warn\)"; then
	pass "expect: MINDERBINDER_EXPECT_FAULTS=yes is refused (exit 2), nothing runs"
else
	fail "expect: MINDERBINDER_EXPECT_FAULTS=yes is refused (exit 2), nothing runs" "exit $rc, $(lines "$T/e6")"
fi

# --- a rule that fired: CMD's status and signal, unchanged --------------------------
$MB run --expect-faults -s "openat:ENOENT:path=$HOST" -- cat $HOST > /dev/null 2> "$T/e7"
rc=$?
if [ $rc = 1 ] && ! has_line "$T/e7" "never fired|--expect-faults" &&
	has_line "$T/e7" "$HOST: No such file or directory"; then
	pass "expect: a rule that fired passes: cat's own status (1), no line of ours"
else
	fail "expect: a rule that fired passes: cat's own status (1), no line of ours" "exit $rc, $(lines "$T/e7")"
fi
FIRE="openat:ENOENT:path=$HOST"
# The flag; neither (exec, nothing watches); the watcher of the warnings.
for mode in --expect-faults exec warn; do
	case $mode in
	--expect-faults) pre="" flag=--expect-faults ;;
	exec) pre="" flag="" ;;
	warn) pre="MINDERBINDER_EXPECT_FAULTS=warn" flag="" ;;
	esac
	got=$(status_of env $pre $MB run $flag -s "$FIRE" -- sh -c "cat $HOST; exit 7")
	check "expect: exit 7 passes through ($mode)" [ "$got" = "exit 7" ]
	got=$(status_of env $pre $MB run $flag -s "$FIRE" -- sh -c "cat $HOST; kill -TERM \$\$")
	check "expect: a command killed by SIGTERM kills run by SIGTERM ($mode)" [ "$got" = "signal 15" ]
	got=$(status_of env $pre $MB run $flag -s "$FIRE" -- sh -c "cat $HOST; kill -SEGV \$\$")
	check "expect: a command killed by SIGSEGV kills run by SIGSEGV ($mode)" [ "$got" = "signal 11" ]
done
# A SIGTERM sent to run (not to CMD) reaches CMD, and run dies of it.
$MB run --expect-faults -s "$FIRE" -- sh -c "cat $HOST; echo ready; exec sleep 300" > "$T/o8" 2> "$T/e8" &
pid=$!
if wait_line "$T/o8" '^ready$' 600 "$pid"; then
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	check "expect: SIGTERM sent to run goes to CMD, run ends by it (143)" [ "$rc" = 143 ]
else
	kill -KILL "$pid" 2> /dev/null
	wait "$pid"
	fail "expect: SIGTERM sent to run goes to CMD" "CMD never said ready: $(lines "$T/e8")"
fi
$MB run --expect-faults -s "$FIRE" -- /nonexistent/cmd 2> "$T/e9"
rc=$?
expect "expect: a command that cannot be run is 127, as without the flag" 127 "$T/e9" \
	"/nonexistent/cmd: command not found"

# --- without the flag: a warning, and CMD still takes run's place ---------------------
# On a terminal (script(1) gives it one), by default.
script -qec "$MB run -s 'openat:EIO:path=/nonexistent/*' -- sh -c 'echo ran; exit 4'" /dev/null > "$T/w0" 2>&1
rc=$?
if [ $rc = 4 ] && has_line "$T/w0" "^ran" &&
	has_line "$T/w0" "^minderbinder: warning: rule 0 'openat:EIO:path=/nonexistent/\*' never fired: 0 calls matched"; then
	pass "expect: without the flag, on a terminal, a rule that never fired is a warning; the status stays CMD's (4)"
else
	fail "expect: without the flag, on a terminal, a rule that never fired is a warning" "exit $rc, $(lines "$T/w0")"
fi
# Not a terminal: CMD's output alone, unless asked for.
$MB run -s "openat:EIO:path=/nonexistent/*" -- cat $HOST > /dev/null 2> "$T/w1n"
rc=$?
check "expect: stderr not a terminal: no warning unless asked for" [ "$rc" = 0 -a ! -s "$T/w1n" ]
MINDERBINDER_EXPECT_FAULTS=warn $MB run -s "openat:EIO:path=/nonexistent/*" -- cat $HOST > "$T/w1" 2> "$T/w1e"
rc=$?
if [ $rc = 0 ] && cmp -s "$T/w1" $HOST &&
	has_line "$T/w1e" "^minderbinder: warning: rule 0 'openat:EIO:path=/nonexistent/\*' never fired: 0 calls matched$"; then
	pass "expect: MINDERBINDER_EXPECT_FAULTS=warn: the warning on any stderr, the status stays cat's (0)"
else
	fail "expect: MINDERBINDER_EXPECT_FAULTS=warn: the warning on any stderr" "exit $rc, $(lines "$T/w1e")"
fi
MINDERBINDER_EXPECT_FAULTS=warn $MB run -s "$FIRE" -- cat $HOST > /dev/null 2> "$T/w2e"
rc=$?
if [ $rc = 1 ] && ! has_line "$T/w2e" "warning"; then
	pass "expect: without the flag a rule that fired says nothing"
else
	fail "expect: without the flag a rule that fired says nothing" "exit $rc, $(lines "$T/w2e")"
fi
script -qec "MINDERBINDER_EXPECT_FAULTS=0 $MB run -s 'openat:EIO:path=/nonexistent/*' -- true" /dev/null > "$T/w3e" 2>&1
rc=$?
if [ $rc = 0 ] && ! has_line "$T/w3e" "warning"; then
	pass "expect: MINDERBINDER_EXPECT_FAULTS=0 turns the warning off, even on a terminal"
else
	fail "expect: MINDERBINDER_EXPECT_FAULTS=0 turns the warning off" "exit $rc, $(lines "$T/w3e")"
fi
MINDERBINDER_EXPECT_FAULTS=warn $MB run -s "openat:EIO:path=/nonexistent/*" -- sh -c "echo \$\$ > $T/w4" 2> /dev/null &
pid=$!
wait $pid
check "expect: without the flag CMD keeps run's pid (exec)" [ "$(cat "$T/w4")" = "$pid" ]

# --- a static program -------------------------------------------------------------
if progs_built "expect: static program" static-openfile; then
	$MB run --expect-faults -s "openat:ENOENT:path=$HOST" -- "$STATIC" $HOST > "$T/s1" 2> "$T/s1e"
	rc=$?
	remember_pid "$T/s1"
	if [ $rc = 0 ] && has_line "$T/s1" "^$HOST errno 2$" && ! has_line "$T/s1e" "never fired"; then
		pass "expect: a static program's rule fired: its own status (0)"
	else
		fail "expect: a static program's rule fired: its own status (0)" "exit $rc, $(lines "$T/s1") $(lines "$T/s1e")"
	fi
	$MB run --expect-faults -s "read:EIO:after=100000" -- "$STATIC" $HOST > "$T/s2" 2> "$T/s2e"
	rc=$?
	expect "expect: a static program's rule that never fired: 120" 120 "$T/s2e" \
		"^minderbinder: rule 0 'read:EIO:after=100000' never fired: [0-9]+ calls? matched, none faulted$"
	MINDERBINDER_EXPECT_FAULTS=warn $MB run -s "read:EIO:after=100000" -- "$STATIC" $HOST > "$T/s5" 2> "$T/s5e"
	rc=$?
	expect "expect: a static program's rule that never fired, without the flag: a warning, exit 0" 0 "$T/s5e" \
		"^minderbinder: warning: rule 0 'read:EIO:after=100000' never fired: [0-9]+ calls? matched, none faulted$"
	MINDERBINDER_SYSCALL=openat:ENOENT $MB run -s read:EIO -- "$STATIC" $HOST > "$T/s3" 2> "$T/s3e"
	rc=$?
	if [ $rc = 2 ] && [ ! -s "$T/s3" ] &&
		has_line "$T/s3e" "MINDERBINDER_SYSCALL is set \('openat:ENOENT'\), but .*static-openfile is static: .* give them to run with -s$"; then
		pass "expect: MINDERBINDER_SYSCALL for a static program is refused (exit 2), it does not run"
	else
		fail "expect: MINDERBINDER_SYSCALL for a static program is refused" "exit $rc, $(lines "$T/s3") $(lines "$T/s3e")"
	fi
	MINDERBINDER_NET=tcp:1:refuse $MB run -s read:EIO -- "$STATIC" $HOST > "$T/s4" 2> "$T/s4e"
	rc=$?
	if [ $rc = 2 ] && [ ! -s "$T/s4" ] && has_line "$T/s4e" "MINDERBINDER_NET is set .* with -n$"; then
		pass "expect: MINDERBINDER_NET for a static program is refused (exit 2)"
	else
		fail "expect: MINDERBINDER_NET for a static program is refused" "exit $rc, $(lines "$T/s4e")"
	fi
fi

# --- a relative path= glob --------------------------------------------------------
$MB run -s openat:ENOENT:path=app.json -- touch "$T/ran10" 2> "$T/e10"
rc=$?
if [ $rc = 2 ] && [ ! -e "$T/ran10" ] &&
	has_line "$T/e10" "^minderbinder: -s: relative path= glob never matches \(paths are made absolute first\): 'app.json' at column 15 \(did you mean '\*/app.json'\?\)$"; then
	pass "expect: a relative path= glob is refused (exit 2), suggesting */app.json; nothing runs"
else
	fail "expect: a relative path= glob is refused" "exit $rc, $(lines "$T/e10")"
fi
MINDERBINDER_SYSCALL=openat:ENOENT:path=conf/app.json LD_PRELOAD=$AGENT /bin/true 2> "$T/e11"
rc=$?
expect "expect: the agent refuses it too, naming MINDERBINDER_SYSCALL" 125 "$T/e11" \
	"MINDERBINDER_SYSCALL: relative path= glob .*'conf/app.json' at column 15 \(did you mean '\*/conf/app.json'\?\)"

mb_no_leftovers "expect: no helper, supervisor or registry entry left"

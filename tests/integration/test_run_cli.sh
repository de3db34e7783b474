#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `minderbinder run`: a dynamic binary through the agent, a static one
# through the CLI registering itself before exec, bad options, --scope,
# and a profile of examples/chaos.ini.
. "$(dirname "$0")/agent_lib.sh"

need_root "run: minderbinder run" || exit 0
mb_setup "run: setup"
F=$T/target.file
echo x > "$F"

# --- a dynamic binary -------------------------------------------------------------
$MB run -s openat:ENOENT -- cat /etc/hostname > "$T/cat.out" 2> "$T/cat.err"
rc=$?
name="run: -s openat:ENOENT -- cat /etc/hostname fails like the environment form"
if [ $rc != 0 ] && [ ! -s "$T/cat.out" ] && grep -q '/etc/hostname: No such file or directory' "$T/cat.err"; then
	pass "$name (exit $rc)"
else
	fail "$name" "exit $rc, stdout '$(cat "$T/cat.out")', stderr '$(cat "$T/cat.err")'"
fi
$MB run -s "openat:EACCES:path=$F" -- "$PROBE" open "$F" /etc/hostname > "$T/dyn" 2>&1
remember_pid "$T/dyn"
if [ "$(field "$T/dyn" errnos)" = "13 0" ]; then
	pass "run: a dynamic program gets a supervised rule (path=) with its errno"
else
	fail "run: a dynamic program gets a supervised rule (path=) with its errno" "$(tr '\n' ' ' < "$T/dyn" | cut -c1-300)"
fi
$MB run -s mkdirat:EROFS -- sh -c 'exit 7' > /dev/null 2>&1
rc=$?
if [ $rc = 7 ]; then
	pass "run: the exit status is the command's"
else
	fail "run: the exit status is the command's" "exit $rc, want 7"
fi

# --- a static binary ---------------------------------------------------------------
name="run: a static program gets the fault (the CLI registers itself, then execs)"
if readelf -l "$STATIC" 2>/dev/null | grep -q INTERP; then
	fail "$name" "$STATIC has a program interpreter: not static"
else
	# The environment form cannot reach it: there is no dynamic loader.
	env MINDERBINDER_SYSCALL=openat:ENOENT LD_PRELOAD="$AGENT" "$STATIC" /etc/hostname > "$T/st0" 2>&1
	$MB run -s openat:ENOENT -- "$STATIC" /etc/hostname > "$T/st1" 2>&1
	rc=$?
	remember_pid "$T/st1"
	if ! grep -qx '/etc/hostname ok' "$T/st0"; then
		fail "$name" "precondition: LD_PRELOAD reached the static program: $(cat "$T/st0")"
	elif [ $rc = 0 ] && grep -qx '/etc/hostname errno 2' "$T/st1"; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(tr '\n' ' ' < "$T/st1")"
	fi
fi
$MB run -s "openat:EACCES:rate=100%:path=$F" -- "$STATIC" "$F" /etc/hostname > "$T/st2" 2>&1
remember_pid "$T/st2"
if grep -qx "$F errno 13" "$T/st2" && grep -qx '/etc/hostname ok' "$T/st2"; then
	pass "run: a static program gets a supervised rule (path=)"
else
	fail "run: a static program gets a supervised rule (path=)" "$(tr '\n' ' ' < "$T/st2")"
fi
$MB run --scope process -s openat:ENOENT -- "$STATIC" /etc/hostname > "$T/st3" 2>&1
remember_pid "$T/st3"
if grep -qx '/etc/hostname errno 2' "$T/st3"; then
	pass "run: --scope process reaches a static program itself"
else
	fail "run: --scope process reaches a static program itself" "$(tr '\n' ' ' < "$T/st3")"
fi

# --- bad options -----------------------------------------------------------------------
# bad_run NAME OUT WORD... -- RUN-ARGS: exit 2, the command never ran,
# the message holds every WORD.
bad_run() {
	name=$1 o=$2
	shift 2
	words=""
	while [ "$1" != -- ]; do
		words="$words
$1"
		shift
	done
	shift
	$MB run "$@" > "$T/$o" 2> "$T/$o.err"
	rc=$?
	msg=$(cat "$T/$o.err")
	if [ $rc != 2 ]; then
		fail "$name" "exit $rc, want 2: $msg"
		return
	fi
	if [ -s "$T/$o" ]; then
		fail "$name" "the command ran: $(head -2 "$T/$o" | tr '\n' ' ')"
		return
	fi
	echo "$words" | while IFS= read -r w; do
		[ -z "$w" ] && continue
		case $msg in
		*"$w"*) ;;
		*) echo "message lacks '$w'" ;;
		esac
	done > "$T/$o.lacks"
	if [ -s "$T/$o.lacks" ]; then
		fail "$name" "$(cat "$T/$o.lacks"): $msg"
	else
		pass "$name"
	fi
}
bad_run "run: bad -s spec exits 2 and names the token (dynamic program not started)" b1 \
	"'opennat'" "did you mean 'openat'" -- -s opennat:ENOENT -- "$PROBE" none
bad_run "run: bad -s spec exits 2 and names the token (static program not started)" b2 \
	"'opennat'" "did you mean 'openat'" -- -s opennat:ENOENT -- "$STATIC" /etc/hostname
bad_run "run: a bad second -s spec rejects the whole command" b3 \
	"'150%'" -- -s mkdirat:EROFS -s 'openat:-2:rate=150%' -- "$PROBE" none
bad_run "run: --scope tre exits 2 with a suggestion" b4 \
	"'tre'" "did you mean 'tree'" -- --scope tre -s mkdirat:EROFS -- "$PROBE" none
bad_run "run: --profile of a section the file lacks exits 2 and names it" b5 \
	"'no_such_profile'" -- --config "$REPO/examples/chaos.ini" --profile no_such_profile -- "$PROBE" none

# --- scope ----------------------------------------------------------------------------------
# As in test_scope_strict.sh: a shell that opens F itself, then a
# grandchild probe that opens F and reports its environment.
run_scope() {
	scope=$1 out=$2
	$MB run --scope "$scope" -s "openat:ENOENT:path=$F" -- \
		sh -c 'if read v < "$1"; then echo target-ok; else echo target-fault; fi
		sh -c "\"\$0\" open \"\$1\"; \"\$0\" env; true" "$2" "$1"
		true' sh "$F" "$PROBE" > "$T/$out" 2> "$T/$out.err"
	TARGET_PIDS="$TARGET_PIDS $(sed -n 's/^pid //p' "$T/$out" | tr '\n' ' ')"
}
run_scope process sp
name="run: --scope process faults the command but not its children, which see no MINDERBINDER_*"
e=$(sed -n 's/^env //p' "$T/sp" | tr '\n' ' ')
if grep -qx target-fault "$T/sp" && [ "$(field "$T/sp" errnos)" = 0 ] && grep -q '^env-end' "$T/sp"; then
	case $e in
	*MINDERBINDER_* | *libmbpreload.so*) fail "$name" "the child sees: $e" ;;
	*) pass "$name" ;;
	esac
else
	fail "$name" "$(tr '\n' ' ' < "$T/sp" | cut -c1-300) $(cat "$T/sp.err")"
fi
run_scope tree st
if grep -qx target-fault "$T/st" && [ "$(field "$T/st" errnos)" = 2 ]; then
	pass "run: --scope tree (the default) faults the command's grandchildren"
else
	fail "run: --scope tree (the default) faults the command's grandchildren" "$(tr '\n' ' ' < "$T/st" | cut -c1-300)"
fi

# --- the INI file -------------------------------------------------------------------------
# [syscall break_curl_openat]: openat, ret_code -2, delay_ms 100. The
# probe opens every 10 ms for 400 ms and sorts its calls against its
# start + 100 ms.
$MB run --config "$REPO/examples/chaos.ini" --profile break_curl_openat -- \
	"$PROBE" -n 40 -i 10000 -D 100 open /etc/hostname > "$T/ini" 2> "$T/ini.err"
rc=$?
remember_pid "$T/ini"
d=$(field "$T/ini" delay)
others=$(field "$T/ini" errnos | tr ' ' '\n' | grep -cvx '[02]')
name="run: --config examples/chaos.ini --profile break_curl_openat: ENOENT on openat after 100ms, none before"
case "$rc:$others:$d" in
"0:0:early_faults=0 early_ok="*" late_faults="[1-9]*" late_ok=0 "*) pass "$name" ;;
*) fail "$name" "exit $rc, other errnos $others, ${d:-no report} $(cat "$T/ini.err")" ;;
esac

# --- MINDERBINDER_ENGINE without --engine ------------------------------------------------
# The environment's engine holds, as it does for the agent: forcing one
# this kernel lacks stops CMD (125, naming it); where every engine is here,
# forcing seccomp shows in status instead of auto's BPF pick.
"$MB" status > "$T/status" 2>&1
lacks=$(awk '$1 ~ /^(fmod_ret|kprobe)$/ && $2 == "unavailable:" { print $1; exit }' "$T/status")
if [ -n "$lacks" ]; then
	MINDERBINDER_ENGINE=$lacks $MB run -s mkdirat:EROFS -- "$PROBE" none > "$T/envengine" 2> "$T/envengine.err"
	rc=$?
	name="run: MINDERBINDER_ENGINE=$lacks (missing here) without --engine: exit 125 naming it, command not run"
	if [ $rc = 125 ] && [ ! -s "$T/envengine" ] && grep -q "MINDERBINDER_ENGINE=$lacks: this kernel lacks it" "$T/envengine.err"; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(cat "$T/envengine" "$T/envengine.err" | head -3)"
	fi
else
	out=$(MINDERBINDER_ENGINE=seccomp $MB run -s getppid:EIO -- sh -c 'echo "pid $$"; "$0" status' "$MB" 2>&1)
	TARGET_PIDS="$TARGET_PIDS $(echo "$out" | sed -n 's/^pid //p' | head -1)"
	name="run: MINDERBINDER_ENGINE=seccomp without --engine puts the rule on seccomp"
	if echo "$out" | grep -Eq '\[0\] getppid:EIO +seccomp'; then pass "$name"; else fail "$name" "$out"; fi
fi
MINDERBINDER_ENGINE=kprob $MB run -s mkdirat:EROFS -- "$PROBE" none > "$T/badengine" 2> "$T/badengine.err"
rc=$?
name="run: a misspelt MINDERBINDER_ENGINE: exit 2 naming the variable, suggesting kprobe"
if [ $rc = 2 ] && [ ! -s "$T/badengine" ] && grep -q "MINDERBINDER_ENGINE" "$T/badengine.err" &&
	grep -q "'kprobe'" "$T/badengine.err"; then
	pass "$name"
else
	fail "$name" "exit $rc: $(cat "$T/badengine" "$T/badengine.err" | head -3)"
fi

# --- the helper or the agent missing -------------------------------------------------------
mkdir "$T/lonely"
cp "$MB" "$T/lonely/"
if [ -e /usr/local/libexec/minderbinder/mb-helper ] || [ -e /usr/libexec/minderbinder/mb-helper ]; then
	notrun "run: no helper next to the CLI nor installed: exit 125" "an installed mb-helper exists"
else
	"$T/lonely/minderbinder" run -s mkdirat:EROFS -- "$PROBE" none > "$T/lonely.out" 2> "$T/lonely.err"
	rc=$?
	if [ $rc = 125 ] && [ ! -s "$T/lonely.out" ] && grep -q '^minderbinder: .*mb-helper' "$T/lonely.err"; then
		pass "run: no helper next to the CLI nor installed: exit 125, command not run"
	else
		fail "run: no helper next to the CLI nor installed: exit 125, command not run" \
			"exit $rc: $(cat "$T/lonely.out" "$T/lonely.err" | head -3)"
	fi
fi

mb_no_leftovers "run: no helper, supervisor or registry entry left"

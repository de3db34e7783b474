#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# MINDERBINDER_SCOPE (tree reaches grandchildren, process keeps children
# clean), strict mode (exit 125 when registration fails, a warning with
# MINDERBINDER_STRICT=0) and bad specs in the environment (the program
# never starts, the message names the token).
. "$(dirname "$0")/agent_lib.sh"

need_root "scope/strict: agent registration" || exit 0
mb_setup "scope: setup"
F=$T/target.file
echo x > "$F"

# --- scope ------------------------------------------------------------------------
# The target is a shell that opens F itself (a builtin with a redirection
# runs in the shell's own process), starts the probe on F (a child), then
# a shell that starts the probe on F (a grandchild) and once more to
# report its environment. Stderr goes to a file: the target shell's own
# error lands there too.
run_tree() {
	scope=$1 rules=$2 out=$3
	shift 3
	env MINDERBINDER_SCOPE="$scope" MINDERBINDER_SYSCALL="$rules" LD_PRELOAD="$AGENT" \
		sh -c 'if read v < "$1"; then echo target-ok; else echo target-fault; fi
		"$2" open "$1"
		sh -c "\"\$0\" open \"\$1\"; \"\$0\" env; true" "$2" "$1"
		true' sh "$F" "$PROBE" > "$T/$out" 2> "$T/$out.err"
	TARGET_PIDS="$TARGET_PIDS $(sed -n 's/^pid //p' "$T/$out" | tr '\n' ' ')"
}
# The errnos of the child's and of the grandchild's call, and the
# environment the grandchild saw.
child_errnos() { sed -n 's/^errnos //p' "$T/$1" | sed -n 1p; }
grand_errnos() { sed -n 's/^errnos //p' "$T/$1" | sed -n 2p; }
grand_env() { sed -n 's/^env //p' "$T/$1" | tr '\n' ' '; }

run_tree tree "openat:ENOENT:path=$F" tree1
if grep -qx target-fault "$T/tree1" && [ "$(child_errnos tree1)" = 2 ] && [ "$(grand_errnos tree1)" = 2 ]; then
	pass "scope: tree reaches a child and a grandchild started through sh -c (supervised rule)"
else
	fail "scope: tree reaches a child and a grandchild started through sh -c (supervised rule)" \
		"$(tr '\n' ' ' < "$T/tree1") $(cat "$T/tree1.err")"
fi
# An unconditional rule is answered by the filter alone, which the
# grandchild inherits with everything else.
env MINDERBINDER_SCOPE=tree MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$AGENT" \
	sh -c 'sh -c "\"\$0\" mkdir \"\$1\"; true" "$1" "$2"; true' sh "$PROBE" "$T/tree.d" > "$T/tree2" 2>&1
remember_pid "$T/tree2"
if [ "$(field "$T/tree2" errnos)" = 30 ] && [ ! -d "$T/tree.d" ]; then
	pass "scope: tree reaches a grandchild started through sh -c (in-filter rule)"
else
	fail "scope: tree reaches a grandchild started through sh -c (in-filter rule)" "$(tr '\n' ' ' < "$T/tree2")"
fi

run_tree process "openat:ENOENT:path=$F" proc1
name="scope: process faults the target but not its child nor grandchild"
if grep -qx target-fault "$T/proc1" && [ "$(child_errnos proc1)" = 0 ] && [ "$(grand_errnos proc1)" = 0 ]; then
	pass "$name"
elif ! grep -qx target-fault "$T/proc1"; then
	fail "$name" "the target itself was not faulted: $(tr '\n' ' ' < "$T/proc1") $(cat "$T/proc1.err")"
else
	fail "$name" "the child got errno '$(child_errnos proc1)', the grandchild '$(grand_errnos proc1)'"
fi
name="scope: process: the child sees no MINDERBINDER_* variable and no libmbpreload.so in LD_PRELOAD"
e=$(grand_env proc1)
if ! grep -q '^env-end' "$T/proc1"; then
	fail "$name" "no environment report: $(cat "$T/proc1.err")"
else
	case $e in
	*MINDERBINDER_* | *libmbpreload.so*) fail "$name" "$e" ;;
	*) pass "$name" ;;
	esac
fi
# The same under tree, where the variables must be there: proves the
# report can tell.
case $(grand_env tree1) in
*MINDERBINDER_SYSCALL=*libmbpreload.so*) pass "scope: tree: the child inherits the variables and the agent" ;;
*) fail "scope: tree: the child inherits the variables and the agent" "$(grand_env tree1)" ;;
esac
# Other preloaded libraries stay: only the agent's entry goes.
LIBC=$(ldd "$PROBE" | awk '$1 ~ /^libc\.so/ { print $3 }')
if [ -f "$LIBC" ]; then
	env MINDERBINDER_SCOPE=process MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$AGENT $LIBC" \
		sh -c '"$0" env; true' "$PROBE" > "$T/proc2" 2>&1
	remember_pid "$T/proc2"
	if [ "$(sed -n 's/^env LD_PRELOAD=//p' "$T/proc2")" = "$LIBC" ] &&
		! grep -q '^env MINDERBINDER_' "$T/proc2"; then
		pass "scope: process removes only the agent from the child's LD_PRELOAD"
	else
		fail "scope: process removes only the agent from the child's LD_PRELOAD" "$(grand_env proc2)"
	fi
else
	notrun "scope: process removes only the agent from the child's LD_PRELOAD" "no libc path from ldd"
fi

# --- strict mode ---------------------------------------------------------------------
# expect_refusal NAME OUT WORD...: exit 125, the program's own output
# absent, one "minderbinder: " line on stderr holding every WORD.
expect_refusal() {
	name=$1 o=$2
	shift 2
	rc=$(cat "$T/$o.rc")
	msg=$(cat "$T/$o.err")
	if [ "$rc" != 125 ]; then
		fail "$name" "exit $rc, want 125: $msg"
		return
	fi
	if [ -s "$T/$o" ]; then
		fail "$name" "the program ran: $(head -3 "$T/$o" | tr '\n' ' ')"
		return
	fi
	if [ "$(echo "$msg" | wc -l)" != 1 ] || [ "${msg#minderbinder: }" = "$msg" ]; then
		fail "$name" "want one 'minderbinder: ' line, got: $msg"
		return
	fi
	for w in "$@"; do
		case $msg in
		*"$w"*) ;;
		*) fail "$name" "message lacks '$w': $msg"; return ;;
		esac
	done
	pass "$name"
}
# run_env OUT VAR=VALUE...: the probe under the agent with these variables.
run_env() {
	o=$1
	shift
	env "$@" LD_PRELOAD="$AGENT" "$PROBE" mkdir "$T/never.d" > "$T/$o" 2> "$T/$o.err"
	echo $? > "$T/$o.rc"
	remember_pid "$T/$o"
}

run_env nohelper MINDERBINDER_SYSCALL=mkdirat:EROFS MINDERBINDER_HELPER=/nonexistent
expect_refusal "strict: a missing helper stops the program with exit 125" nohelper /nonexistent

# A refusal by the helper: forcing the kprobe engine where this kernel
# lacks it (status names the missing piece: CONFIG_KPROBES here,
# CONFIG_BPF_KPROBE_OVERRIDE on Debian's kernels).
KPROBE_LACKS=$("$OUT/minderbinder" status 2>/dev/null | sed -n 's/^  kprobe  *unavailable: //p')
if [ -z "$KPROBE_LACKS" ]; then
	notrun "strict: MINDERBINDER_ENGINE=kprobe on a kernel without the kprobe engine" \
		"this kernel has it (no refusal to test)"
else
	run_env kprobe MINDERBINDER_SYSCALL=mkdirat:EROFS MINDERBINDER_ENGINE=kprobe
	expect_refusal "strict: the helper's refusal (MINDERBINDER_ENGINE=kprobe, not on this kernel) stops the program and names what is missing" \
		kprobe kprobe "$KPROBE_LACKS"
fi

# expect_warning NAME OUT: exit 0, the program ran without faults, and a
# warning on stderr.
expect_warning() {
	name=$1 o=$2
	rc=$(cat "$T/$o.rc")
	if [ "$rc" = 0 ] && [ "$(field "$T/$o" errnos)" = 0 ] &&
		grep -q '^minderbinder: warning: ' "$T/$o.err"; then
		pass "$name"
	else
		fail "$name" "exit $rc, errnos '$(field "$T/$o" errnos)', stderr: $(cat "$T/$o.err")"
	fi
}
run_env lax1 MINDERBINDER_SYSCALL=mkdirat:EROFS MINDERBINDER_HELPER=/nonexistent MINDERBINDER_STRICT=0
expect_warning "strict: MINDERBINDER_STRICT=0 runs the program untouched, with a warning (missing helper)" lax1
run_env lax2 MINDERBINDER_SYSCALL=mkdirat:EROFS MINDERBINDER_ENGINE=kprobe MINDERBINDER_STRICT=0
if [ -z "$KPROBE_LACKS" ]; then
	notrun "strict: MINDERBINDER_STRICT=0 with a refused registration" "this kernel has the kprobe engine"
else
	expect_warning "strict: MINDERBINDER_STRICT=0 runs the program untouched, with a warning (helper refused)" lax2
fi

# --- bad specs in the environment ------------------------------------------------------
bad() {
	o=bad$1 name=$2 var=$3 val=$4
	shift 4
	if [ "$var" = MINDERBINDER_SYSCALL ]; then
		run_env "$o" "$var=$val"
	else
		run_env "$o" MINDERBINDER_SYSCALL=mkdirat:EROFS "$var=$val"
	fi
	expect_refusal "bad spec: $name" "$o" "$var" "$@"
}
bad 1 "misspelt syscall 'opennat'" MINDERBINDER_SYSCALL opennat:-2 "'opennat'" "did you mean 'openat'"
bad 2 "misspelt errno 'ENOENTT'" MINDERBINDER_SYSCALL openat:ENOENTT "'ENOENTT'" "did you mean 'ENOENT'"
bad 3 "rate=150%" MINDERBINDER_SYSCALL 'openat:-2:rate=150%' "'150%'"
bad 4 "unknown option 'bogus'" MINDERBINDER_SYSCALL openat:-2:bogus=1 "'bogus'"
bad 5 "duration without a unit" MINDERBINDER_SYSCALL openat:-2:delay=100 "'100'" "delay=100ms"
bad 6 "a bad third rule rejects the whole spec" MINDERBINDER_SYSCALL 'mkdirat:EROFS;openat:-2;closee:EIO' "'closee'" "did you mean 'close'"
bad 7 "syscall without a result" MINDERBINDER_SYSCALL openat "'openat'"
bad 8 "MINDERBINDER_SCOPE=tre" MINDERBINDER_SCOPE tre "'tre'" "did you mean 'tree'"
bad 9 "MINDERBINDER_ENGINE=kprob" MINDERBINDER_ENGINE kprob "'kprob'" "did you mean 'kprobe'"
bad 10 "MINDERBINDER_STRICT=2" MINDERBINDER_STRICT 2 "'2'"
bad 11 "MINDERBINDER_FAILURE_RATE=abc" MINDERBINDER_FAILURE_RATE abc "'abc'"
bad 12 "MINDERBINDER_DELAY_MS=soon" MINDERBINDER_DELAY_MS soon "'soon'"
bad 13 "MINDERBINDER_NET port 99999" MINDERBINDER_NET tcp:99999:drop "'99999'"
bad 14 "MINDERBINDER_HELPER_TIMEOUT=0" MINDERBINDER_HELPER_TIMEOUT 0 "'0'" "1 to 3600"
bad 15 "MINDERBINDER_HELPER_TIMEOUT=5s" MINDERBINDER_HELPER_TIMEOUT 5s "'5s'" "whole seconds"

# A helper that never answers: the program gives up after
# MINDERBINDER_HELPER_TIMEOUT seconds and says which variable to raise.
printf '#!/bin/sh\nexec sleep 3\n' > "$T/mute-helper"
chmod +x "$T/mute-helper"
run_env mute MINDERBINDER_SYSCALL=mkdirat:EROFS MINDERBINDER_HELPER="$T/mute-helper" \
	MINDERBINDER_HELPER_TIMEOUT=1
expect_refusal "strict: a helper silent past MINDERBINDER_HELPER_TIMEOUT=1 stops the program" \
	mute "did not answer within 1 s" MINDERBINDER_HELPER_TIMEOUT

mb_no_leftovers "scope/strict: no helper, supervisor or registry entry left"

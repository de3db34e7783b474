#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The agent (libmbpreload.so) in real programs: the original project's example, a sibling
# that did not opt in, threads that exist before the agent's constructor,
# a program started with its standard descriptors closed, and the agent's
# exported symbols.
. "$(dirname "$0")/agent_lib.sh"

need_root "agent: syscall faults through LD_PRELOAD" || exit 0
mb_setup "agent: setup"

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# --- the original project's example -------------------------------------------------------
want=$(cat /etc/hostname)
out=$(MINDERBINDER_SYSCALL=openat:-2 LD_PRELOAD=$AGENT cat /etc/hostname 2>&1)
rc=$?
case "$rc:$out" in
0:*) fail "agent: cat /etc/hostname under openat:-2 fails with ENOENT" "exit 0: $out" ;;
*"/etc/hostname: No such file or directory"*)
	pass "agent: cat /etc/hostname under openat:-2 fails with ENOENT (exit $rc)" ;;
*) fail "agent: cat /etc/hostname under openat:-2 fails with ENOENT" "exit $rc: $out" ;;
esac

out=$(cat /etc/hostname 2>&1)
if [ $? = 0 ] && [ "$out" = "$want" ] && [ -n "$want" ]; then
	pass "agent: the same cat without the agent reads /etc/hostname"
else
	fail "agent: the same cat without the agent reads /etc/hostname" "$out"
fi

# --- a sibling started at the same moment is untouched ----------------------
# Both loops run for one second side by side: the target (same program,
# same user, same parent) registers again and again while the sibling reads.
end=$(($(now_ms) + 1000 * SLOW))
(
	n=0 bad=0
	while [ "$(now_ms)" -lt $end ]; do
		sh -c 'echo $$ >> "$1"; exec env MINDERBINDER_SYSCALL=openat:-2 LD_PRELOAD="$2" cat /etc/hostname' \
			sh "$T/target.pids" "$AGENT" > "$T/t.out" 2> "$T/t.err"
		rc=$?
		if [ $rc = 0 ] || [ -s "$T/t.out" ] ||
			! grep -q 'No such file or directory' "$T/t.err"; then
			bad=$((bad + 1))
			cp "$T/t.err" "$T/t.bad"
		fi
		n=$((n + 1))
	done
	echo "$n $bad" > "$T/target.res"
) &
tloop=$!
(
	n=0 bad=0
	while [ "$(now_ms)" -lt $end ]; do
		if ! out=$(cat /etc/hostname 2>&1) || [ "$out" != "$want" ]; then
			bad=$((bad + 1))
			echo "$out" > "$T/s.bad"
		fi
		n=$((n + 1))
	done
	echo "$n $bad" > "$T/sibling.res"
) &
sloop=$!
wait $tloop $sloop
read -r tn tbad < "$T/target.res"
read -r sn sbad < "$T/sibling.res"
TARGET_PIDS="$TARGET_PIDS $(cat "$T/target.pids" 2>/dev/null | tr '\n' ' ')"
name="agent: sibling cat running alongside the target is untouched"
if [ "$sbad" = 0 ] && [ "$sn" -ge 5 ] && [ "$tbad" = 0 ] && [ "$tn" -ge 2 ]; then
	pass "$name ($sn sibling runs all read the file, $tn target runs all got ENOENT)"
elif [ "$sbad" != 0 ]; then
	fail "$name" "$sbad of $sn sibling runs failed: $(cat "$T/s.bad")"
else
	fail "$name" "target: $tbad of $tn runs not faulted ($(cat "$T/t.bad" 2>/dev/null)); sibling: $sn runs"
fi

# --- threads that exist before the agent's constructor ----------------------
RULES='mkdirat:EROFS;openat:ENOENT:path=/etc/hostname'
# seccomp must have put its filter on the thread; a BPF engine puts none.
ENGINE=$(sys_engine)
# check_early NAME FILE: the thread got both faults, the in-filter one
# (mkdirat) and the supervised one (openat, path=); with "first" the
# thread must also have existed before the filter did.
check_early() {
	name=$1 f=$2 first=$3
	remember_pid "$f"
	got="$(field "$f" filters_at_start)/$(field "$f" thread_mkdir_errno)/$(field "$f" thread_open_errno)"
	if [ "$first" = first ] && [ "$(field "$f" filters_at_start)" != 0 ]; then
		fail "$name" "the thread did not start before the agent (filters at its start: $(field "$f" filters_at_start)): nothing tested"
	elif [ "$(field "$f" thread_mkdir_errno)" = 30 ] && [ "$(field "$f" thread_open_errno)" = 2 ] &&
		[ "$(field "$f" main_mkdir_errno)" = 30 ] && [ "$(field "$f" main_open_errno)" = 2 ] &&
		{ [ "$ENGINE" != seccomp ] || [ "$(field "$f" thread_filters)" -ge 1 ] 2>/dev/null; }; then
		pass "$name"
	else
		fail "$name" "want thread/main mkdirat EROFS(30), openat ENOENT(2); got: $(tr '\n' ' ' < "$f")"
	fi
}

EARLY_THREAD_DIR=$T/early.d EARLY_THREAD_FILE=/etc/hostname MINDERBINDER_SYSCALL=$RULES \
	LD_PRELOAD=$AGENT "$BIN/early_thread" > "$T/early.out" 2>&1
check_early "agent: a thread the program started before the agent (preinit_array) gets the faults too (TSYNC)" \
	"$T/early.out" first

# The same thread from another preloaded library's constructor. The
# dynamic loader runs the constructors of LD_PRELOAD from the last entry
# to the first, so the library goes after the agent to start first.
CC=${CC:-cc}
if command -v "$CC" > /dev/null &&
	"$CC" -shared -fPIC -pthread -O2 -DEARLY_THREAD_SO -o "$T/libearlythread.so" \
		"$REPO/tests/integration/targets/early_thread.c" 2> "$T/cc.err"; then
	EARLY_THREAD_DIR=$T/early.d EARLY_THREAD_FILE=/etc/hostname MINDERBINDER_SYSCALL=$RULES \
		LD_PRELOAD="$AGENT:$T/libearlythread.so" /bin/true > "$T/early-so.out" 2>&1
	check_early "agent: a thread another preloaded library's constructor started before the agent gets the faults too (TSYNC)" \
		"$T/early-so.out" first
	EARLY_THREAD_DIR=$T/early.d EARLY_THREAD_FILE=/etc/hostname MINDERBINDER_SYSCALL=$RULES \
		LD_PRELOAD="$T/libearlythread.so:$AGENT" /bin/true > "$T/early-so2.out" 2>&1
	check_early "agent: a thread a preloaded library's constructor starts after the agent gets the faults" \
		"$T/early-so2.out"
else
	notrun "agent: a thread another preloaded library's constructor started before the agent" \
		"cannot build a test library with $CC: $(head -3 "$T/cc.err" 2>/dev/null)"
fi

# --- standard descriptors closed -----------------------------------------------
# The agent's socket and the helper's descriptors land on 0..2 here; the
# report goes to a file.
sh -c 'exec 0<&- 1>&- 2>&-; exec env MINDERBINDER_SYSCALL="openat:ENOENT:path=/etc/hostname" LD_PRELOAD="$1" "$2" -o "$3" open /etc/hostname /etc/passwd' \
	sh "$AGENT" "$PROBE" "$T/closed1.out"
rc=$?
remember_pid "$T/closed1.out"
if [ "$(field "$T/closed1.out" stdfds_at_start)" != 0 ]; then
	fail "agent: program started with fds 0-2 closed is registered, supervised rule works" \
		"precondition: the program started with descriptors open (mask $(field "$T/closed1.out" stdfds_at_start))"
elif [ $rc = 0 ] && [ "$(field "$T/closed1.out" errnos)" = "2 0" ]; then
	pass "agent: program started with fds 0-2 closed is registered, supervised rule works"
else
	fail "agent: program started with fds 0-2 closed is registered, supervised rule works" \
		"exit $rc, report: $(tr '\n' ' ' < "$T/closed1.out" 2>/dev/null)"
fi
sh -c 'exec 0<&- 1>&- 2>&-; exec env MINDERBINDER_SYSCALL="mkdirat:EROFS" LD_PRELOAD="$1" "$2" -o "$3" mkdir "$4"' \
	sh "$AGENT" "$PROBE" "$T/closed2.out" "$T/closed.d"
rc=$?
remember_pid "$T/closed2.out"
if [ $rc = 0 ] && [ "$(field "$T/closed2.out" errnos)" = 30 ] && [ ! -d "$T/closed.d" ] &&
	[ "$(field "$T/closed2.out" stdfds_at_start)" = 0 ]; then
	pass "agent: program started with fds 0-2 closed is registered, in-filter rule works"
else
	fail "agent: program started with fds 0-2 closed is registered, in-filter rule works" \
		"exit $rc, report: $(tr '\n' ' ' < "$T/closed2.out" 2>/dev/null)"
fi
out=$(sh -c 'exec 0<&-; exec env MINDERBINDER_SYSCALL=openat:-2 LD_PRELOAD="$1" cat /etc/hostname' sh "$AGENT" 2>&1)
rc=$?
case "$rc:$out" in
0:*) fail "agent: cat with stdin closed still gets ENOENT" "exit 0: $out" ;;
*"No such file or directory"*) pass "agent: cat with stdin closed still gets ENOENT" ;;
*) fail "agent: cat with stdin closed still gets ENOENT" "exit $rc: $out" ;;
esac

# --- nothing exported -------------------------------------------------------------
if ! command -v nm > /dev/null; then
	notrun "agent: libmbpreload.so exports no symbol" "no nm (binutils)"
else
	defined=$(nm -D --defined-only "$AGENT" 2>&1)
	imports=$(nm -D --undefined-only "$AGENT" 2>/dev/null | grep -c ' U ')
	if [ -z "$defined" ] && [ "$imports" -gt 0 ]; then
		pass "agent: libmbpreload.so exports no symbol (nm -D --defined-only is empty, $imports imports)"
	else
		fail "agent: libmbpreload.so exports no symbol" "defined: $(echo "$defined" | tr '\n' ' ')"
	fi
fi

mb_no_leftovers "agent: no helper, supervisor or registry entry left"

#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Issue 19, items 4, 6, 7 and 9c, attacked for real by an unprivileged user
# (65534) against the helper installed set-uid root; each check passes
# because the attack fails:
#   4  a user stops its own helper while it holds the registry lock, and
#      every other registration with network rules hangs; the lock held by
#      anybody makes a registration wait for ever; a FIFO MINDERBINDER_LOG
#      parks the helper;
#   6  the orphaned child of a tree target (`daemon &`) registers again
#      from under its inherited filter and dies with 125;
#   7  a helper that never answers hangs the agent past its timeout.
. "$(dirname "$0")/agent_lib.sh"

need_root "robust: the set-uid helper" || exit 0
mb_setup "robust: setup"
as_nobody "robust: the set-uid helper" || exit 0
progs_built "robust: setup" helper_stop || exit 0

# The helper set-uid root, in a directory that honours the bit.
suid_helper "robust: the set-uid helper" "$PROBE" "$PROGS/helper_stop" || exit 0
KILL_PIDS=""
cleanup() {
	for p in $KILL_PIDS; do kill "$p" 2>/dev/null; done
	mb_cleanup
}
trap cleanup EXIT
echo x > "$W/a.fail"
echo x > "$W/a.ok"
chmod 644 "$W/a.fail" "$W/a.ok"

# A hang is a failure, not a stuck suite: every registration here runs
# under this bound, well past any helper timeout the test sets.
HANG=$((20 * SLOW))
# nobody OUT ARG...: runs ARG... as 65534 (at most $HANG s), report in
# $T/OUT, exit status in OUT.rc.
nobody() {
	o=$1
	shift
	timeout $HANG $AS_NOBODY "$@" > "$T/$o" 2> "$T/$o.err"
	echo $? > "$T/$o.rc"
	remember_pid "$T/$o"
}
rc() { cat "$T/$1.rc"; }
report() { echo "exit $(rc "$1"): $(tr '\n' ' ' < "$T/$1" | cut -c1-300) $(cat "$T/$1.err")"; }

# --- 4: no user can stop the helper, nor hold the lock for ever ---------------------
# The attacker's helper, caught holding the lock if it can be, and kept
# stopped (or, if it cannot be stopped, parked waiting for INSTALLED) as
# long as the attacker likes; meanwhile root registers network rules,
# which must complete (a stopped lock holder would hang it).
hold_open
$AS_NOBODY "$S/helper_stop" "$S/mb-helper" < "$HOLD" > "$T/stop" 2> "$T/stop.err" &
STOPPER=$!
KILL_PIDS="$KILL_PIDS $STOPPER"
hold_writer
wait_line "$T/stop" '^(parked|holding)' 300 "$STOPPER"
timeout $HANG env MINDERBINDER_NET=tcp:9:drop LD_PRELOAD="$AGENT" "$PROBE" none > "$T/other" 2>&1
other=$?
remember_pid "$T/other"
release
kill -CONT "$(field "$T/stop" helper)" 2>/dev/null
wait_line "$T/stop" '^helper_exit ' 300 "$STOPPER"
name="robust: uid $NOBODY cannot SIGSTOP its own set-uid helper (EPERM)"
if [ "$(field "$T/stop" sigstop_errno)" = 1 ] && [ "$(field "$T/stop" stopped)" = 0 ]; then
	pass "$name (caught it holding the lock: $(field "$T/stop" caught_lock))"
else
	fail "$name" "$(tr '\n' ' ' < "$T/stop") $(cat "$T/stop.err")"
fi
name="robust: the helper ignores the tty's stop signals (SIGTSTP, SIGTTIN, SIGTTOU), and kill() of them by uid $NOBODY is refused"
if [ "$(field "$T/stop" stopped)" = 0 ] && [ "$(field "$T/stop" plan_status)" = 0 ] && has_line "$T/stop" '^parked' &&
	[ "$(field "$T/stop" ignores_tty_stops)" = 1 ] &&
	[ "$(field "$T/stop" sigtstp_errno)" != 0 ] && [ "$(field "$T/stop" sigttou_errno)" != 0 ]; then
	pass "$name"
else
	fail "$name" "$(tr '\n' ' ' < "$T/stop")"
fi
name="robust: another user's network registration completes while uid $NOBODY holds its helper"
if [ "$other" = 0 ]; then pass "$name"; else fail "$name" "exit $other: $(cat "$T/other")"; fi

# The lock held (by root, as long as it likes): a registration with
# network rules fails within MINDERBINDER_HELPER_TIMEOUT, naming the lock.
LOCK=/run/minderbinder/registry.lock
if command -v flock > /dev/null && [ -e "$LOCK" ]; then
	flock "$LOCK" sh -c 'echo "held $$"; exec sleep 600' > "$T/lockholder" &
	HOLDER=$!
	KILL_PIDS="$KILL_PIDS $HOLDER"
	if wait_line "$T/lockholder" '^held' 50 "$HOLDER"; then
		KILL_PIDS="$KILL_PIDS $(field "$T/lockholder" held)"
		t0=$(now_ms)
		nobody locked env MINDERBINDER_HELPER_TIMEOUT=$((3 * SLOW)) MINDERBINDER_NET=tcp:9:drop \
			LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" none
		ms=$(($(now_ms) - t0))
		name="robust: a held registry lock makes a registration fail in bounded time, naming $LOCK"
		if [ "$(rc locked)" = 125 ] && grep -q "registry.lock" "$T/locked.err"; then
			pass "$name (${ms} ms)"
		else
			fail "$name" "$(report locked)"
		fi
	else
		fail "robust: holding the registry lock (flock)" "$(cat "$T/lockholder")"
	fi
	kill "$(field "$T/lockholder" held)" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
else
	notrun "robust: a held registry lock" "no flock(1) or no $LOCK"
fi

# A FIFO as MINDERBINDER_LOG, nobody reading it (open would block) and
# with a reader (the supervisor would write into a pipe).
$AS_NOBODY mkfifo "$W/log.fifo"
t0=$(now_ms)
nobody fifo env MINDERBINDER_SYSCALL=mkdirat:EROFS MINDERBINDER_LOG="$W/log.fifo" \
	LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/f1"
ms=$(($(now_ms) - t0))
name="robust: a FIFO MINDERBINDER_LOG nobody reads is refused at once (125, names the variable)"
if [ "$(rc fifo)" = 125 ] && grep -q "MINDERBINDER_LOG: $W/log.fifo is not a regular file" "$T/fifo.err" &&
	[ ! -d "$W/f1" ]; then
	pass "$name (${ms} ms)"
else
	fail "$name" "$(report fifo)"
fi
$AS_NOBODY sh -c 'exec cat "$0" > /dev/null' "$W/log.fifo" &
READER=$!
KILL_PIDS="$KILL_PIDS $READER"
nobody fifo2 env MINDERBINDER_SYSCALL=mkdirat:EROFS MINDERBINDER_LOG="$W/log.fifo" \
	LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/f2"
name="robust: a FIFO MINDERBINDER_LOG with a reader is refused too"
if [ "$(rc fifo2)" = 125 ] && grep -q "is not a regular file" "$T/fifo2.err"; then
	pass "$name"
else
	fail "$name" "$(report fifo2)"
fi
kill "$READER" 2>/dev/null

# --- 6: orphans of a tree target keep working --------------------------------------
# The child waits until its registrant is gone, then execs (its agent
# runs again), faults and prints.
cat > "$W/orphan.sh" << EOF
parent=\$\$
(
	while kill -0 \$parent 2> /dev/null; do sleep 0.05; done
	/bin/echo hi
	cat "$W/a.fail" > /dev/null 2>&1; echo "fail_rc \$?"
	cat "$W/a.ok" > /dev/null 2>&1; echo "ok_rc \$?"
	echo done
) > "$W/orphan.out" 2> "$W/orphan.err" &
exit 0
EOF
rm -f "$W/orphan.out"
nobody orphan env MINDERBINDER_SYSCALL="openat:ENOENT:path=$W/*.fail" \
	LD_PRELOAD="$S/libmbpreload.so" sh "$W/orphan.sh"
wait_line "$W/orphan.out" '^done' 100
name="robust: the orphaned child of a tree target runs, with its faults ('daemon &')"
if [ "$(rc orphan)" = 0 ] && has_line "$W/orphan.out" '^hi$' &&
	[ "$(field "$W/orphan.out" fail_rc)" = 1 ] && [ "$(field "$W/orphan.out" ok_rc)" = 0 ]; then
	pass "$name"
else
	fail "$name" "exit $(rc orphan): $(tr '\n' ' ' < "$W/orphan.out" 2>/dev/null) $(cat "$W/orphan.err" "$T/orphan.err" 2>/dev/null)"
fi

# Network rules only: no filter in the process to ask, the helper reads
# the kernel's registry and finds the fork hook's entry (parent set); a
# registration anew would have replaced it with a root entry (parent 0).
hold_open
cat > "$W/orphan2.sh" << EOF
parent=\$\$
(
	while kill -0 \$parent 2> /dev/null; do sleep 0.05; done
	exec "$S/mbprobe" -H none < "$HOLD"
) > "$W/orphan2.out" 2> "$W/orphan2.err" &
exit 0
EOF
rm -f "$W/orphan2.out"
nobody orphan2 env MINDERBINDER_NET=tcp:9:drop LD_PRELOAD="$S/libmbpreload.so" sh "$W/orphan2.sh"
hold_writer
wait_line "$W/orphan2.out" '^pid ' 100
opid=$(field "$W/orphan2.out" pid)
parent=$(bpftool -j map lookup pinned "$MB_TARGETS_PIN" key $(printf '%d %d %d %d' \
	$((opid & 255)) $((opid >> 8 & 255)) $((opid >> 16 & 255)) $((opid >> 24 & 255))) 2>/dev/null |
	jq -r '.formatted.value.parent // empty' 2>/dev/null)
release
name="robust: the orphan of a tree target with network rules stays the fork hook's target"
if [ "$(rc orphan2)" = 0 ] && [ -n "$opid" ] && [ -n "$parent" ] && [ "$parent" != 0 ]; then
	pass "$name (pid $opid, parent $parent)"
else
	fail "$name" "exit $(rc orphan2), orphan pid '$opid', its entry's parent '$parent': $(cat "$W/orphan2.err" "$T/orphan2.err" 2>/dev/null)"
fi
TARGET_PIDS="$TARGET_PIDS $opid"

# A forged mark in a fresh process: a live pid that is not an ancestor.
sleep 600 &
STRANGER=$!
KILL_PIDS="$KILL_PIDS $STRANGER"
NS=$(stat -L -c %i /proc/self/ns/net)
nobody forged env MINDERBINDER_REGISTERED="$STRANGER:$NS:f" MINDERBINDER_SYSCALL="openat:ENOENT:path=$W/*.fail" \
	LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" open "$W/a.fail"
name="robust: a forged MINDERBINDER_REGISTERED in a fresh process still registers"
if [ "$(rc forged)" = 0 ] && [ "$(field "$T/forged" errnos)" = 2 ]; then
	pass "$name"
else
	fail "$name" "want openat ENOENT: $(report forged)"
fi
kill "$STRANGER" 2>/dev/null

# --- 7: a helper that never answers --------------------------------------------------
cat > "$S/mute-helper" << EOF
#!/bin/sh
echo \$\$ > "$W/mute.pid"
exec sleep 600
EOF
chmod 755 "$S/mute-helper"
t0=$(now_ms)
nobody mute env MINDERBINDER_HELPER="$S/mute-helper" MINDERBINDER_HELPER_TIMEOUT=1 \
	MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/m1"
ms=$(($(now_ms) - t0))
name="robust: MINDERBINDER_HELPER_TIMEOUT bounds the agent's wait on a helper that never answers"
if [ "$(rc mute)" = 125 ] && grep -q MINDERBINDER_HELPER_TIMEOUT "$T/mute.err"; then
	pass "$name (${ms} ms)"
else
	fail "$name" "$(report mute) (${ms} ms)"
fi
[ -s "$W/mute.pid" ] && kill "$(cat "$W/mute.pid")" 2>/dev/null

mb_no_leftovers "robust: no helper, supervisor or registry entry left"

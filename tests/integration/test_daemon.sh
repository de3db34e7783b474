#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Issue 15: the node daemon (mb-helper --daemon) on its own: what stops it
# from starting, its policy (allow_uids, host_interfaces, [quota]), the
# same messages and exit statuses as the set-uid helper, attacks on the
# socket by uid 65534 (each passes because the attack fails), a daemon
# killed mid-run and restarted, and systemd socket activation (the default
# socket, reached with no variable set). Containers: test_daemon_containers.sh.
# An honest connect to 127.0.0.1:PORT fails with ECONNREFUSED (111), the
# rule's fault is ENETUNREACH (101); mkdirat's fault is EROFS (30).
. "$(dirname "$0")/daemon_lib.sh"

need_root "daemon" || exit 0
mb_setup "daemon: setup"
as_nobody "daemon" || exit 0
net_ready daemon identity_victim daemon_client || exit 0
trap daemon_cleanup EXIT
cp "$PROGS/identity_victim" "$PROGS/daemon_client" "$BIN/"
VICTIM=$BIN/identity_victim
CLIENT=$BIN/daemon_client
PORT=$((20000 + $$ % 20000))
SOCK=$T/daemon.sock
W=$T/w
mkdir -p "$W"
chmod 777 "$W"
RULES="MINDERBINDER_SYSCALL=mkdirat:EROFS MINDERBINDER_NET=tcp:$PORT:ENETUNREACH"

report() { tr '\n' ' ' < "$1" | cut -c1-400; }
faulted() { [ "$(field "$1" connect_errno)" = 101 ] && [ "$(field "$1" mkdir_errno)" = 30 ]; }
clean() { [ "$(field "$1" connect_errno)" = 111 ] && [ "$(field "$1" mkdir_errno)" = 0 ]; }
in_targets() { map_rows mb_targets 2>/dev/null | grep -qx "$1"; }
# refused NAME RC FILE REGEX: the command exited RC and said REGEX.
refused() {
	if [ "$2" = "$3" ] && grep -q -- "$5" "$4"; then pass "$1"; else fail "$1" "exit $2: $(report "$4")"; fi
}

# --- 1. what stops the daemon from starting -----------------------------------------
$AS_NOBODY "$HELPER" --daemon --socket "$W/mine.sock" > "$T/start0" 2>&1
refused "daemon: refuses to start for uid 65534 (exit 2)" $? 2 "$T/start0" "must be started by root"
if suid_helper "daemon: the set-uid copy" "$CLIENT" && cp "$VICTIM" "$S/"; then
	printf '[register]\n' > "$W/mine.ini"
	$AS_NOBODY "$HELPER" --daemon --socket "$W/mine.sock" --policy "$W/mine.ini" > "$T/start1" 2>&1
	refused "daemon: the set-uid mb-helper refuses --daemon for uid 65534 (no root daemon with a user's policy)" $? 2 "$T/start1" "must be started by root (uid 65534)"
	HELPER=$BIN/mb-helper
fi
policy "$T/bad1.ini" "; comment" "[register]" "alow_uids = 0"
"$HELPER" --daemon --socket "$SOCK" --policy "$T/bad1.ini" > "$T/start2" 2>&1
refused "daemon: a misspelt key stops it with FILE:LINE and the nearest key" $? 2 "$T/start2" \
	"refusing to start: $T/bad1.ini:3: \[register\] unknown key 'alow_uids', did you mean allow_uids"
policy "$T/bad2.ini" "[registr]" "allow_uids = 0"
"$HELPER" --daemon --socket "$SOCK" --policy "$T/bad2.ini" > "$T/start3" 2>&1
refused "daemon: a misspelt section stops it with FILE:LINE" $? 2 "$T/start3" "$T/bad2.ini:2: unknown section \[registr\]: did you mean \[register\]"
policy "$T/bad3.ini" "[register]" "allow_uids = 0 bob" "[quota]" "targets = lots"
"$HELPER" --daemon --socket "$SOCK" --policy "$T/bad3.ini" > "$T/start4" 2>&1
refused "daemon: a bad uid stops it with FILE:LINE" $? 2 "$T/start4" "$T/bad3.ini:2: \[register\] allow_uids: bad uid 'bob'"
policy "$T/bad4.ini" "[register]" "allow_uids = 0" "[quota]" "targets = lots"
"$HELPER" --daemon --socket "$SOCK" --policy "$T/bad4.ini" > "$T/start5" 2>&1
refused "daemon: a bad [quota] value stops it with FILE:LINE (the quota file's parser)" $? 2 "$T/start5" "$T/bad4.ini:4: \[quota\] targets: bad value 'lots'"
policy "$T/bad5.ini" "[register]"
chmod 666 "$T/bad5.ini"
"$HELPER" --daemon --socket "$SOCK" --policy "$T/bad5.ini" > "$T/start6" 2>&1
refused "daemon: a policy others may write is refused" $? 2 "$T/start6" "writable by group or others"
"$HELPER" --daemon --socket "$SOCK" --policy "$T/none.ini" > "$T/start7" 2>&1
refused "daemon: a --policy that does not exist is refused" $? 2 "$T/start7" "$T/none.ini: no such file"
"$HELPER" --daemon --sockt "$SOCK" > "$T/start8" 2>&1
refused "daemon: a misspelt flag names the nearest" $? 2 "$T/start8" "unknown option '--sockt' (did you mean '--socket'?)"
name="daemon: a daemon that refused to start left no socket"
if [ ! -e "$SOCK" ]; then pass "$name"; else fail "$name" "$(ls -l "$SOCK")"; fi

# --- 2. the policy ------------------------------------------------------------------
policy "$T/policy.ini" "[register]" "allow_uids = 0 65534" "host_interfaces = no" "[quota]" "targets = 1"
if ! start_daemon "$T/daemon.log" --socket "$SOCK" --policy "$T/policy.ini"; then
	fail "daemon: starts with a policy" "$(lines "$T/daemon.log")"
	exit 0
fi
pass "daemon: starts with a policy"
touch "$T/go0"
env MINDERBINDER_SOCKET="$SOCK" $RULES LD_PRELOAD="$AGENT" "$VICTIM" "$T/go0" $PORT "$W" > "$T/r0" 2>&1
name="daemon: a root target registered through MINDERBINDER_SOCKET gets its syscall and network faults"
if faulted "$T/r0" && grep -q "pid $(field "$T/r0" pid) uid 0: ok" "$T/daemon.log"; then pass "$name"; else
	fail "$name" "$(report "$T/r0") log: $(tail -2 "$T/daemon.log" | tr '\n' '|')"; fi
MINDERBINDER_SOCKET="$SOCK" "$MB" run --syscall mkdirat:EROFS --net tcp:$PORT:ENETUNREACH -- \
	"$VICTIM" "$T/go0" $PORT "$W" > "$T/run0" 2>&1
name="daemon: minderbinder run goes through MINDERBINDER_SOCKET too"
if faulted "$T/run0" && grep -q "pid $(field "$T/run0" pid) uid 0: ok" "$T/daemon.log"; then pass "$name"; else
	fail "$name" "$(report "$T/run0")"; fi
TARGET_PIDS="$TARGET_PIDS $(field "$T/run0" pid)"

setpriv --reuid=65533 --regid=65533 --clear-groups env MINDERBINDER_SOCKET="$SOCK" $RULES \
	LD_PRELOAD="$AGENT" "$VICTIM" "$T/go0" $PORT "$W" > "$T/r1" 2>&1
refused "daemon: uid 65533 is refused, naming the policy line (exit 125, as for the helper)" $? 125 "$T/r1" \
	"$T/policy.ini:2: uid 65533 is not in 'allow_uids'"
env MINDERBINDER_SOCKET="$SOCK" MINDERBINDER_NET=tcp:$PORT:drop LD_PRELOAD="$AGENT" "$VICTIM" "$T/go0" $PORT "$W" > "$T/r2" 2>&1
refused "daemon: a drop rule on the daemon's own interfaces is refused by host_interfaces, naming its line" $? 125 "$T/r2" \
	"$T/policy.ini:3: network rules may not attach to the daemon's own interfaces"
env MINDERBINDER_HELPER="$HELPER" MINDERBINDER_NET=tcp:$PORT:drop MINDERBINDER_INTERFACES=nosuch0 \
	LD_PRELOAD="$AGENT" "$VICTIM" "$T/go0" $PORT "$W" > "$T/r3h" 2>&1
rc_h=$?
env MINDERBINDER_SOCKET="$SOCK" MINDERBINDER_NET=tcp:$PORT:drop MINDERBINDER_INTERFACES=nosuch0 \
	LD_PRELOAD="$AGENT" "$VICTIM" "$T/go0" $PORT "$W" > "$T/r3d" 2>&1
rc_d=$?
name="daemon: the same refusal as the set-uid helper, word for word, and the same exit status ($rc_h)"
if [ $rc_h = 125 ] && [ $rc_d = $rc_h ] && cmp -s "$T/r3h" "$T/r3d" && grep -q nosuch0 "$T/r3d"; then pass "$name"; else
	fail "$name" "helper $rc_h: $(report "$T/r3h") daemon $rc_d: $(report "$T/r3d")"; fi
env MINDERBINDER_SOCKET="$T/nobody-here.sock" $RULES LD_PRELOAD="$AGENT" "$VICTIM" "$T/go0" $PORT "$W" > "$T/r4" 2>&1
refused "daemon: MINDERBINDER_SOCKET naming no daemon is an error naming the variable (no fall-back to the helper)" $? 125 "$T/r4" \
	"MINDERBINDER_SOCKET: cannot connect to '$T/nobody-here.sock'"

# --- 2b. SIGHUP reloads the policy; a bad file is not taken ---------------------------
# hups N: the daemon has said N reloads (taken or not) by now.
hups() { wait_for 100 sh -c '[ "$(grep -c "SIGHUP: " "$1")" -ge "$2" ]' _ "$T/daemon.log" "$1"; }
as_65533() {
	setpriv --reuid=65533 --regid=65533 --clear-groups env MINDERBINDER_SOCKET="$SOCK" $RULES \
		LD_PRELOAD="$AGENT" "$VICTIM" "$T/go0" $PORT "$W" > "$1" 2>&1
}
policy "$T/policy.ini" "[register]" "allow_uids = 0 65534 65533" "host_interfaces = no" "[quota]" "targets = 1"
kill -HUP $DAEMON_PID
hups 1
as_65533 "$T/h1"
name="daemon: SIGHUP: a policy that now allows uid 65533 is in force at its next registration"
if grep -q "SIGHUP: policy $T/policy.ini reloaded" "$T/daemon.log" && faulted "$T/h1"; then pass "$name"; else
	fail "$name" "$(report "$T/h1") log: $(grep SIGHUP "$T/daemon.log" | tr '\n' '|')"; fi
TARGET_PIDS="$TARGET_PIDS $(field "$T/h1" pid)"
policy "$T/policy.ini" "[register]" "alow_uids = 0"
kill -HUP $DAEMON_PID
hups 2
as_65533 "$T/h2"
name="daemon: SIGHUP: a bad policy file is not taken (the daemon says why, serves on with the one in force)"
if grep -q "SIGHUP: keeping the policy in force: $T/policy.ini:2: \[register\] unknown key 'alow_uids'" "$T/daemon.log" &&
	kill -0 $DAEMON_PID 2>/dev/null && faulted "$T/h2"; then pass "$name"; else
	fail "$name" "$(report "$T/h2") log: $(grep SIGHUP "$T/daemon.log" | tr '\n' '|')"; fi
TARGET_PIDS="$TARGET_PIDS $(field "$T/h2" pid)"
policy "$T/policy.ini" "[register]" "allow_uids = 0 65534" "host_interfaces = no" "[quota]" "targets = 1"
kill -HUP $DAEMON_PID
hups 3
as_65533 "$T/h3"
refused "daemon: SIGHUP: the policy put back refuses uid 65533 again, naming its line" $? 125 "$T/h3" \
	"$T/policy.ini:2: uid 65533 is not in 'allow_uids'"

# --- 3. attacks by uid 65534 on the socket -------------------------------------------
"$VICTIM" "$T/go5" $PORT "$W" > "$T/v5" 2>&1 &
V=$!
KILL_AT_EXIT="$KILL_AT_EXIT $V"
TARGET_PIDS="$TARGET_PIDS $V"
wait_line "$T/v5" '^euid' 100 $V
$AS_NOBODY "$CLIENT" creds "$SOCK" $PORT $V > "$T/a1" 2>&1
name="daemon: attack: SCM_CREDENTIALS claiming a root process's pid is refused by the kernel (EPERM)"
if [ "$(field "$T/a1" send_errno)" = 1 ] && ! in_targets $V; then pass "$name"; else fail "$name" "$(report "$T/a1")"; fi
$AS_NOBODY "$CLIENT" pidfd "$SOCK" $PORT $V > "$T/a2" 2>&1
name="daemon: attack: a pidfd of a root process sent along registers the sender alone"
if [ "$(field "$T/a2" plan_status)" = 0 ] && [ "$(field "$T/a2" plan_key)" = "$(field "$T/a2" pid)" ] &&
	[ "$(field "$T/a2" plan_key)" != $V ] && ! in_targets $V; then pass "$name"; else fail "$name" "$(report "$T/a2")"; fi
$AS_NOBODY "$CLIENT" handoff "$SOCK" $PORT > "$T/a3" 2>&1
wait_line "$T/a3" '^plan_' 100
hp=$(field "$T/a3" pid)
name="daemon: attack: a connection handed to another process after its maker exited registers nobody"
if [ -n "$hp" ] && [ "$(field "$T/a3" plan_status)" != 0 ] && [ -n "$(field "$T/a3" plan_status)" ] && ! in_targets "$hp"; then
	pass "$name ($(field "$T/a3" plan_msg | cut -c1-80))"
else
	fail "$name" "$(report "$T/a3")"
fi
$AS_NOBODY "$CLIENT" silent "$SOCK" $PORT > "$T/a5" 2>&1 &
SILENT=$!
KILL_AT_EXIT="$KILL_AT_EXIT $SILENT"
wait_line "$T/a5" '^connected' 100 $SILENT
$AS_NOBODY "$CLIENT" honest "$SOCK" $PORT > "$T/a4" 2>&1
name="daemon: attack control: the same client, honest, is registered as itself"
if [ "$(field "$T/a4" plan_status)" = 0 ] && [ "$(field "$T/a4" plan_key)" = "$(field "$T/a4" pid)" ]; then pass "$name"; else fail "$name" "$(report "$T/a4")"; fi
name="daemon: a caller that connected and says nothing does not hold up another's registration"
if kill -0 $SILENT 2>/dev/null && [ "$(field "$T/a4" plan_status)" = 0 ]; then pass "$name"; else fail "$name" "$(report "$T/a4")"; fi
kill $SILENT 2>/dev/null
touch "$T/go5"
wait_line "$T/v5" '^done' 100 $V
name="daemon: attacks: the root process they aimed at is not faulted"
if clean "$T/v5"; then pass "$name"; else fail "$name" "$(report "$T/v5")"; fi

# --- 4. [quota] of the policy ---------------------------------------------------------
# The first with a rule the seccomp supervisor answers: the daemon forks
# it, and it must run as the caller, as the set-uid helper's does.
$AS_NOBODY env MINDERBINDER_SOCKET="$SOCK" MINDERBINDER_ENGINE=seccomp MINDERBINDER_SYSCALL=mkdirat:EROFS:times=100 \
	LD_PRELOAD="$AGENT" "$VICTIM" "$T/go6" $PORT "$W" > "$T/q1" 2>&1 &
Q1=$!
KILL_AT_EXIT="$KILL_AT_EXIT $Q1"
wait_registered "$T/q1" '^euid' $Q1
sups=""
for p in $(our_helpers); do
	[ "$p" = "$DAEMON_PID" ] && continue
	sups="$sups $(awk '$1 == "Uid:" { print $2 "/" $3 }' /proc/$p/status 2>/dev/null)"
done
name="daemon: the supervisor it forks for uid 65534's target runs as uid 65534"
if echo "$sups" | grep -q '65534/65534' && ! echo "$sups" | grep -q ' 0/'; then pass "$name"; else fail "$name" "supervisors' uids:$sups"; fi
$AS_NOBODY env MINDERBINDER_SOCKET="$SOCK" $RULES LD_PRELOAD="$AGENT" "$VICTIM" "$T/go6" $PORT "$W" > "$T/q2" 2>&1
refused "daemon: the policy's [quota] targets = 1 refuses uid 65534's second target, naming the policy file" $? 125 "$T/q2" \
	"uid 65534 holds 1 of its 1 targets (quota, $T/policy.ini \[quota\] targets=)"
"$OUT/minderbinder" status > "$T/qstatus" 2>&1
name="daemon: status names the daemon's policy as where the quota in force came from"
if grep -q "^quota (the node daemon's policy \[quota\]): 1 targets" "$T/qstatus"; then pass "$name"; else
	fail "$name" "$(grep '^quota' "$T/qstatus")"; fi
touch "$T/go6"
wait $Q1
TARGET_PIDS="$TARGET_PIDS $(field "$T/q1" pid) $(field "$T/r0" pid)"

# --- 5. killed mid-run, restarted ---------------------------------------------------
env MINDERBINDER_SOCKET="$SOCK" MINDERBINDER_SYSCALL=mkdirat:EROFS:times=100 MINDERBINDER_NET=tcp:$PORT:ENETUNREACH \
	LD_PRELOAD="$AGENT" "$VICTIM" "$T/go7" $PORT "$W" > "$T/k1" 2>&1 &
K1=$!
KILL_AT_EXIT="$KILL_AT_EXIT $K1"
TARGET_PIDS="$TARGET_PIDS $K1"
wait_registered "$T/k1" '^euid' $K1
stop_daemon KILL
name="daemon: killed (SIGKILL): its target's entry stays in the pinned registry"
if in_targets $K1; then pass "$name"; else fail "$name" "mb_targets: $(map_rows mb_targets | tr '\n' ' ')"; fi
if start_daemon "$T/daemon2.log" --socket "$SOCK" --policy "$T/policy.ini"; then
	pass "daemon: restarts on the socket the killed one left"
else
	fail "daemon: restarts on the socket the killed one left" "$(lines "$T/daemon2.log")"
fi
touch "$T/go8"
env MINDERBINDER_SOCKET="$SOCK" $RULES LD_PRELOAD="$AGENT" "$VICTIM" "$T/go8" $PORT "$W" > "$T/k2" 2>&1
name="daemon: the restarted daemon serves a new registration"
if faulted "$T/k2"; then pass "$name"; else fail "$name" "$(report "$T/k2")"; fi
TARGET_PIDS="$TARGET_PIDS $(field "$T/k2" pid)"
touch "$T/go7"
wait_line "$T/k1" '^done' 100 $K1
name="daemon: the target registered before the kill keeps its faults (supervised or BPF), without a hang"
if faulted "$T/k1"; then pass "$name"; else fail "$name" "$(report "$T/k1")"; fi
stop_daemon
name="daemon: SIGTERM stops it and removes its socket"
if [ ! -e "$SOCK" ]; then pass "$name"; else fail "$name" "$(ls -l "$SOCK")"; fi

# --- the C API's own tests, every registration through the daemon -----------------------
if [ ! -x "$OUT/tests/capi-tests" ]; then
	notrun "daemon: the C API's tests through the daemon" "$OUT/tests/capi-tests not built (make $OUT/tests/capi-tests)"
else
	policy "$T/capi.ini" "[register]" "host_interfaces = yes"
	if start_daemon "$T/daemon3.log" --socket "$SOCK" --policy "$T/capi.ini"; then
		# The suite's own timeouts (30 s, 60 s for the 10,000 enables) are
		# for a real CPU: under TCG they scale like every other wait here.
		MINDERBINDER_SOCKET="$SOCK" "$OUT/tests/capi-tests" --jobs 1 --timeout $((60 * SLOW)) \
			> "$T/capi.out" 2>&1
		rc=$?
		n=$(grep -c ': ok$' "$T/daemon3.log")
		name="daemon: the C API's tests pass with MINDERBINDER_SOCKET set, every registration the daemon's ($n)"
		if [ $rc = 0 ] && [ "$n" -gt 0 ] && grep -q 'Failing: 0 | Crashing: 0' "$T/capi.out"; then pass "$name"; else
			fail "$name" "exit $rc: $(tail -4 "$T/capi.out" | tr '\n' '|')"; fi
		stop_daemon
	else
		fail "daemon: the C API's tests through the daemon" "$(lines "$T/daemon3.log")"
	fi
fi

# --- 6. socket activation -------------------------------------------------------------
if ! command -v systemd-socket-activate > /dev/null; then
	notrun "daemon: socket activation" "no systemd-socket-activate"
else
	policy "$T/open.ini" "[register]"
	ASOCK=$T/act.sock
	systemd-socket-activate --seqpacket -l "$ASOCK" "$HELPER" --daemon --policy "$T/open.ini" > "$T/act.log" 2>&1 &
	DAEMON_PID=$!
	wait_for 50 test -S "$ASOCK"
	touch "$T/go9"
	env MINDERBINDER_SOCKET="$ASOCK" $RULES LD_PRELOAD="$AGENT" "$VICTIM" "$T/go9" $PORT "$W" > "$T/s1" 2>&1
	name="daemon: socket activation (LISTEN_FDS=1): started by its first caller, which gets its faults"
	if faulted "$T/s1" && grep -q "serving the activated socket (systemd)" "$T/act.log"; then pass "$name"; else
		fail "$name" "$(report "$T/s1") log: $(lines "$T/act.log")"; fi
	TARGET_PIDS="$TARGET_PIDS $(field "$T/s1" pid)"
	stop_daemon
	# The default socket, reached with no variable set: the helper beside
	# the agent is not set-uid, so the socket comes first.
	if [ -e "$MB_DAEMON_SOCKET" ]; then
		notrun "daemon: the default socket $MB_DAEMON_SOCKET" "it exists already (another daemon's)"
	else
		systemd-socket-activate --seqpacket -l "$MB_DAEMON_SOCKET" "$HELPER" --daemon --policy "$T/open.ini" > "$T/act2.log" 2>&1 &
		DAEMON_PID=$!
		wait_for 50 test -S "$MB_DAEMON_SOCKET"
		env $RULES LD_PRELOAD="$AGENT" "$VICTIM" "$T/go9" $PORT "$W" > "$T/s2" 2>&1
		env MINDERBINDER_HELPER="$HELPER" $RULES LD_PRELOAD="$AGENT" "$VICTIM" "$T/go9" $PORT "$W" > "$T/s3" 2>&1
		name="daemon: with no variable set and no set-uid helper, the default socket $MB_DAEMON_SOCKET is used"
		if faulted "$T/s2" && grep -q "pid $(field "$T/s2" pid) uid 0: ok" "$T/act2.log"; then pass "$name"; else
			fail "$name" "$(report "$T/s2") log: $(lines "$T/act2.log")"; fi
		name="daemon: MINDERBINDER_HELPER set goes to that helper even with the default socket there"
		if faulted "$T/s3" && ! grep -q "pid $(field "$T/s3" pid) " "$T/act2.log"; then pass "$name"; else
			fail "$name" "$(report "$T/s3") log: $(lines "$T/act2.log")"; fi
		TARGET_PIDS="$TARGET_PIDS $(field "$T/s2" pid) $(field "$T/s3" pid)"
		stop_daemon
		rm -f "$MB_DAEMON_SOCKET"
	fi
fi
touch "$T/go5" "$T/go6" "$T/go7"
mb_no_leftovers "daemon: no helper, supervisor or registry entry left"

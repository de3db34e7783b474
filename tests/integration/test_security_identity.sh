#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Issue 19, items 1-3: the set-uid helper acts for the process the kernel
# vouches for, never for a pid number, and the BPF programs check at use
# time that the running task is the registered process with the
# registrant's rights. Each attack is made for real by uid 65534 against
# the helper installed 4755 (as test_setuid.sh installs it), aimed at a
# root process; each check passes because the attack fails.
#   1. pid reuse: the helper is parked after it identified its caller
#      (a MINDERBINDER_LOG FIFO nobody reads, then SIGSTOP), the caller
#      exits, a root process gets its pid, the helper goes on;
#   2. set-uid exec while the helper is parked;
#   3. a target in a pid namespace: its faults go to it, not to the
#      process outside whose global pid is its inner pid;
#   and, as root, stale entries written by hand (a wrong start time, a
#   registrant that is not the task's user) are ignored by cgroup connect,
#   socket tagging, the fork hook and the BPF syscall engines.
# Every victim connects to 127.0.0.1:PORT, where nothing listens: an
# honest connect fails with ECONNREFUSED (111), the rule's fault is
# ENETUNREACH (101); its mkdirat faults with EROFS (30).
. "$(dirname "$0")/agent_lib.sh"

need_root "identity: the set-uid helper" || exit 0
mb_setup "identity: setup"
as_nobody "identity: the set-uid helper" unshare || exit 0
net_ready identity identity_victim stale_entry at_pid || exit 0
cp "$PROGS/identity_victim" "$PROGS/stale_entry" "$PROGS/at_pid" "$BIN/"
VICTIM=$BIN/identity_victim

# The helper set-uid root, in a directory that honours the bit.
suid_helper "identity: the set-uid helper" "$BIN/helper_impostor" "$VICTIM" || exit 0
KILL_AT_EXIT=""
trap 'for p in $KILL_AT_EXIT; do kill -KILL $p 2>/dev/null; done; mb_cleanup' EXIT
cp "$VICTIM" "$S/suid-victim"
chmod 4755 "$S/suid-victim"
PORT=$((20000 + $$ % 20000))
NET="tcp:$PORT:ENETUNREACH"

report() { tr '\n' ' ' < "$1" | cut -c1-400; }
in_targets() { map_rows mb_targets 2>/dev/null | grep -qx "$1"; }
none_held() { [ -z "$(registry_holds "$@")" ]; }
# unfaulted NAME REPORT: the victim's calls went through unfaulted.
unfaulted() {
	c=$(field "$2" connect_errno)
	m=$(field "$2" mkdir_errno)
	if [ -n "$c" ] && [ "$c" != 101 ] && [ -n "$m" ] && [ "$m" != 30 ]; then
		pass "$1"
	else
		fail "$1" "connect errno '$c' (101: faulted), mkdir errno '$m' (30: faulted): $(report "$2")"
	fi
}

# --- control: the rules fault an honest uid 65534 target ----------------------------------
touch "$T/go0"
$AS_NOBODY env MINDERBINDER_NET="$NET" MINDERBINDER_SYSCALL=mkdirat:EROFS \
	LD_PRELOAD="$S/libmbpreload.so" "$S/identity_victim" "$T/go0" $PORT "$W" > "$T/ctl" 2>&1
remember_pid "$T/ctl"
name="identity: an honest uid $NOBODY target gets tcp:$PORT:ENETUNREACH and mkdirat:EROFS (control)"
if [ "$(field "$T/ctl" connect_errno)" = 101 ] && [ "$(field "$T/ctl" mkdir_errno)" = 30 ]; then
	pass "$name"
else
	fail "$name" "$(report "$T/ctl")"
fi

# park OUT FIFO [PROG ARG...]: uid 65534 starts the helper, parks it and
# exits (or execs PROG); the report in $T/OUT. In the background with PROG.
# FIFO -: no log, a SIGSTOP once the helper runs (park_any uses it
# where the helper refuses FIFO logs).
park() {
	o=$1 fifo=$2
	shift 2
	if [ "$fifo" != - ]; then
		rm -f "$fifo"
		mkfifo "$fifo"
		chown $NOBODY "$fifo"
	fi
	if [ $# -gt 0 ]; then
		$AS_NOBODY "$S/helper_impostor" park "$fifo" $PORT "$S/mb-helper" "$@" > "$T/$o" 2>&1 &
		wait_line "$T/$o" '^(euid|exec_failed|send_failed)' 300 $!
	else
		$AS_NOBODY "$S/helper_impostor" park "$fifo" $PORT "$S/mb-helper" > "$T/$o" 2>&1
	fi
	P=$(field "$T/$o" pid)
	H=$(field "$T/$o" helper)
	HOLDER=$(field "$T/$o" holder)
	KILL_AT_EXIT="$KILL_AT_EXIT $HOLDER"
	[ -n "$P" ] && TARGET_PIDS="$TARGET_PIDS $P"
}

# park_any WHAT OUT FIFO [PROG ARG...]: park, and where the helper refused
# the FIFO log, once more with SIGSTOP alone (the layer's PASS said first).
park_any() {
	what=$1 o=$2 f=$3
	shift 3
	park "$o" "$f" "$@"
	has_line "$T/$o" '^refused' || return 0
	pass "identity: $what: the helper refuses to be parked on a FIFO log ($(field "$T/$o" refused))"
	kill -KILL "$HOLDER" 2>/dev/null
	[ -n "$P" ] && kill -KILL "$P" 2>/dev/null
	park "$o" - "$@"
}

# parked_layers WHAT OUT: PASS lines for each way of parking the helper
# that failed; returns 1 when none worked (the attack failed there).
parked_layers() {
	how=""
	if [ "$(field "$T/$2" parked)" = fifo ]; then
		how="a MINDERBINDER_LOG FIFO"
	elif [ "$(field "$T/$2" parked)" = no ] && ! has_line "$T/$2" '^refused'; then
		: # SIGSTOP alone (park_any): wherever the helper then was
	elif has_line "$T/$2" '^refused'; then
		pass "identity: $1: the helper refuses to be parked ($(field "$T/$2" refused))"
	else
		fail "identity: $1: parking on a FIFO log" "neither parked nor refused: $(report "$T/$2")"
	fi
	if [ "$(field "$T/$2" sigstop)" = 0 ]; then
		how="${how:+$how and }SIGSTOP"
	else
		pass "identity: $1: uid $NOBODY cannot SIGSTOP its helper (errno $(field "$T/$2" sigstop))"
	fi
	if [ -z "$how" ] || gone "$H"; then
		pass "identity: $1: the helper cannot be parked, so the attack ends there"
		return 1
	fi
	echo "# $1: helper $H parked by $how"
}

# unpark FIFO: a reader on the FIFO (read-write: it never blocks, and the
# helper's later opens find it too), SIGCONT as the caller's uid, then
# until the helper is done (an old helper waits forever with the entry in).
unpark() {
	sleep 600 <> "$1" &
	KILL_AT_EXIT="$KILL_AT_EXIT $!"
	$AS_NOBODY kill -CONT "$H" 2>/dev/null
	wait_for 100 gone "$H"
}

# reuse_pid PID OUT GOFILE: a root victim at PID (which the caller left),
# report in $T/OUT; VP its pid, or empty when PID could not be had (the
# reason in $T/OUT). at_pid asks the kernel for the number (clone3's
# set_tid), so no other fork can take it first.
reuse_pid() {
	VP=""
	"$BIN/at_pid" "$1" "$VICTIM" "$3" $PORT "$W" > "$T/$2" 2>&1 &
	a=$!
	KILL_AT_EXIT="$KILL_AT_EXIT $a"
	wait_line "$T/$2" '^euid' 50 "$a" && [ "$(field "$T/$2" pid)" = "$1" ] && VP=$1
}

# refused_no_entry NAME: the parked helper $H, let go, has ended and left
# no entry for pid $P.
refused_no_entry() {
	if ! gone "$H"; then
		fail "$1" "the helper is still waiting, registry: $(registry_holds "$P" | tr "\n" " ")"
	elif [ -n "$(registry_holds "$P")" ]; then
		fail "$1" "registry holds $(registry_holds "$P" | tr "\n" " ")"
	else
		pass "$1"
	fi
}

# --- 1. pid reuse: the caller exits while its helper is parked ---------------------------------
park_any "pid reuse" att1 "$W/log1.fifo"
if parked_layers "pid reuse" att1; then
	reuse_pid "$P" vic1 "$T/go1"
	if [ -z "$VP" ]; then
		notrun "identity: pid reuse" "could not start a process at pid $P: $(lines "$T/vic1")"
	else
		KILL_AT_EXIT="$KILL_AT_EXIT $VP"
		wait_line "$T/vic1" '^euid' 50 "$VP"
		unpark "$W/log1.fifo"
		refused_no_entry "identity: pid reuse: the helper refuses and leaves no entry for pid $P, now a root process's"
		touch "$T/go1"
		wait_line "$T/vic1" '^done' 100 "$VP"
		unfaulted "identity: pid reuse: the root process at the reused pid $P is not faulted" "$T/vic1"
	fi
fi
kill -KILL "$H" "$HOLDER" 2>/dev/null

# --- 2. set-uid exec while the helper is parked ------------------------------------------------
park_any "set-uid exec" att2 "$W/log2.fifo" "$S/suid-victim" "$T/go2" $PORT "$W"
if [ "$(field "$T/att2" euid)" != 0 ]; then
	fail "identity: set-uid exec: the set-uid-root victim runs with euid 0 (precondition)" "$(report "$T/att2")"
elif parked_layers "set-uid exec" att2; then
	KILL_AT_EXIT="$KILL_AT_EXIT $P"
	unpark "$W/log2.fifo"
	refused_no_entry "identity: set-uid exec: the helper refuses and leaves no entry once its caller is euid 0"
	touch "$T/go2"
	wait_line "$T/att2" '^done' 100 "$P"
	unfaulted "identity: set-uid exec: the set-uid-root program (pid $P) is not faulted" "$T/att2"
fi
touch "$T/go2"
kill -KILL "$H" "$HOLDER" 2>/dev/null

# --- 1b, 2b. the same with the helper held by root at the registry lock ------------------------
# Where uid 65534 cannot park the helper (above), its checks after the
# entry is written are still tested: root holds the registry lock, which
# the helper takes next (to attach the network programs) right after it
# wrote the entry; meanwhile the caller exits, its pid goes to a root
# process (1b), or it execs a set-uid-root program (2b).
LOCK=/run/minderbinder/registry.lock
lock_held() { [ -e "$LOCK" ] && ! flock -n "$LOCK" true; }
held() {
	what=$1 o=$2
	shift 2
	rm -f "$T/$o.release" "$T/$o.exit"
	touch "$LOCK"
	flock -x "$LOCK" sh -c 'while [ ! -e "$0" ]; do sleep 0.05; done' "$T/$o.release" &
	KILL_AT_EXIT="$KILL_AT_EXIT $!"
	if ! wait_for 50 lock_held; then
		fail "identity: $what (held at the lock): root holds the registry lock" "flock never got it"
		touch "$T/$o.release"
		return
	fi
	MB_IMPOSTOR_EXIT_WHEN="$T/$o.exit" $AS_NOBODY "$S/helper_impostor" park - $PORT "$S/mb-helper" "$@" \
		> "$T/$o" 2>&1 &
	IMP=$!
	wait_line "$T/$o" '^holder' 100 $IMP
	P=$(field "$T/$o" pid)
	H=$(field "$T/$o" helper)
	KILL_AT_EXIT="$KILL_AT_EXIT $(field "$T/$o" holder) $IMP"
	TARGET_PIDS="$TARGET_PIDS $P"
	if ! wait_for 100 in_targets "$P"; then
		fail "identity: $what (held at the lock): the helper writes the entry first" "$(report "$T/$o")"
		touch "$T/$o.release" "$T/$o.exit"
		return
	fi
	touch "$T/$o.exit"
	if [ $# -eq 0 ]; then
		wait $IMP
		reuse_pid "$P" "$o.vic" "$T/$o.go"
		if [ -z "$VP" ]; then
			notrun "identity: $what (held at the lock)" "could not start a process at pid $P: $(lines "$T/$o.vic")"
			touch "$T/$o.release"
			return
		fi
		KILL_AT_EXIT="$KILL_AT_EXIT $VP"
		vic=$T/$o.vic
	else
		wait_line "$T/$o" '^euid' 100 $IMP
		vic=$T/$o
	fi
	wait_line "$vic" '^euid' 50
	touch "$T/$o.release"
	wait_for 100 gone "$H"
	name="identity: $what (held at the lock): the helper removes the entry it wrote for pid $P and refuses"
	if ! gone "$H"; then
		fail "$name" "the helper is still waiting, registry: $(registry_holds "$P" | tr "\n" " ")"
	elif [ -n "$(registry_holds "$P")" ]; then
		fail "$name" "registry holds $(registry_holds "$P" | tr "\n" " ")"
	else
		pass "$name"
	fi
	touch "$T/$o.go"
	wait_line "$vic" '^done' 100
	unfaulted "identity: $what (held at the lock): the root process (pid $P, euid $(field "$vic" euid)) is not faulted" "$vic"
}
held "pid reuse" att1b
held "set-uid exec" att2b "$S/suid-victim" "$T/att2b.go" $PORT "$W"

# --- 3. a target in a pid namespace ------------------------------------------------------------
# Outside: a root process at global pid X. Inside: the target at inner pid X.
"$VICTIM" "$T/go3" $PORT "$W" > "$T/out3" 2>&1 &
X=$!
KILL_AT_EXIT="$KILL_AT_EXIT $X"
unshare -p -f --mount-proc "$BIN/at_pid" "$X" $AS_NOBODY env MINDERBINDER_NET="$NET" \
	MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/identity_victim" \
	"$T/go3" $PORT "$W" > "$T/in3" 2>&1 &
NS=$!
KILL_AT_EXIT="$KILL_AT_EXIT $NS"
wait_line "$T/in3" '^euid' 100 "$NS"
G=""
for st in /proc/[0-9]*/status; do
	if grep -Eq "^NSpid:[[:space:]]*[0-9]+[[:space:]]+$X\$" "$st" 2>/dev/null; then
		G=$(sed -n 's/^NSpid:[[:space:]]*\([0-9]*\).*/\1/p' "$st")
		break
	fi
done
if [ "$(field "$T/in3" pid)" != "$X" ] || [ -z "$G" ]; then
	fail "identity: pid namespace: a target at inner pid $X (precondition)" "inner pid '$(field "$T/in3" pid)', global '$G': $(report "$T/in3")"
else
	TARGET_PIDS="$TARGET_PIDS $G $X"
	name="identity: pid namespace: the registry keys the target by its global pid $G, not its inner pid $X"
	if in_targets "$G" && ! in_targets "$X"; then pass "$name"; else fail "$name" "mb_targets: $(map_rows mb_targets | tr '\n' ' ')"; fi
	touch "$T/go3"
	wait_line "$T/in3" '^done' 100 "$NS"
	wait_line "$T/out3" '^done' 100 "$X"
	name="identity: pid namespace: the target (inner pid $X, global $G) gets its network and syscall faults"
	if [ "$(field "$T/in3" connect_errno)" = 101 ] && [ "$(field "$T/in3" mkdir_errno)" = 30 ]; then
		pass "$name"
	else
		fail "$name" "$(report "$T/in3")"
	fi
	unfaulted "identity: pid namespace: the root process outside at global pid $X is not faulted" "$T/out3"
	wait "$NS" 2>/dev/null
	name="identity: pid namespace: the target's exit removes its entry (neither $G nor $X left)"
	wait_for 30 none_held "$G" "$X"
	held=$(registry_holds "$G" "$X")
	if [ -z "$held" ]; then pass "$name"; else fail "$name" "registry holds $held"; fi
fi
touch "$T/go3"

# --- 4. the BPF programs refuse stale entries (root writes them by hand) -----------------------
# stale NAME TICKS UID EXPECT: a root victim with an entry of start time
# TICKS and registrant UID; EXPECT faulted (the control) or unfaulted.
stale() {
	n=$1
	rm -f "$T/go4$n" "$T/go4$n.end"
	"$VICTIM" -f "$T/go4$n" $PORT "$W" > "$T/r4$n" 2>&1 &
	R=$!
	KILL_AT_EXIT="$KILL_AT_EXIT $R"
	TARGET_PIDS="$TARGET_PIDS $R"
	wait_line "$T/r4$n" '^euid' 50 "$R"
	if ! "$BIN/stale_entry" add "$R" "$2" "$3" $PORT > "$T/se4$n" 2>&1; then
		fail "identity: stale entries: write one by hand" "$(report "$T/se4$n")"
		kill "$R"
		return
	fi
	touch "$T/go4$n"
	wait_line "$T/r4$n" '^mkdir_errno' 100 "$R"
	wait_line "$T/r4$n" '^child' 50 "$R"
	C=$(field "$T/r4$n" child)
	TARGET_PIDS="$TARGET_PIDS $C"
	forked=no
	[ -n "$C" ] && in_targets "$C" && forked=yes
	tagged=no
	bpftool -j map dump pinned "$PIN/mb_sockets" 2>/dev/null | grep -q "\"tgid\":$R," && tagged=yes
	touch "$T/go4$n.end"
	wait_line "$T/r4$n" '^done' 100 "$R"
	sysbpf=$(field "$T/se4$n" sysbpf)
	c=$(field "$T/r4$n" connect_errno)
	m=$(field "$T/r4$n" mkdir_errno)
	got="connect errno $c, fork hook copied: $forked, socket tagged: $tagged, mkdir errno $m ($sysbpf)"
	if [ "$4" = faulted ]; then
		name="identity: stale entries: an entry with the right start time and uid 0 faults a root process (control: $got)"
		if [ "$c" = 101 ] && [ $forked = yes ] && [ $tagged = yes ] &&
			{ [ "$sysbpf" = none ] || [ "$m" = 30 ]; }; then
			pass "$name"
		else
			fail "$name" "$(report "$T/r4$n")"
		fi
	else
		eng=" and the $sysbpf syscall engine"
		[ "$sysbpf" = none ] && eng=""
		name="identity: stale entries: $n: cgroup connect, socket tagging, the fork hook$eng ignore it ($got)"
		if [ "$c" != 101 ] && [ $forked = no ] && [ $tagged = no ] && [ "$m" != 30 ]; then
			pass "$name"
		else
			fail "$name" "$(report "$T/r4$n")"
		fi
	fi
	[ "$sysbpf" = none ] && [ "$n" = control ] &&
		notrun "identity: stale entries: the BPF syscall engines' use-time check" "no BPF syscall engine could take mkdirat here (the VM tier runs it): $(grep -h 'cannot attach' "$T/se4$n" | tr '\n' ' ')minderbinder status: $("$OUT/minderbinder" status 2>&1 | awk '$1 ~ /^(fmod_ret|kprobe)$/' | tr -s ' ' | tr '\n' ';')"
	"$BIN/stale_entry" remove "$R" > /dev/null 2>&1
}
stale control real 0 faulted
stale "a start time that is not the process's" real+7 0 unfaulted
stale "a registrant uid ($NOBODY) that is not the root task's" real $NOBODY unfaulted

# --- 9a. the supervisor's counting and the helper's updates compare the start time ---------------
"$VICTIM" "$T/go9" $PORT "$W" > "$T/r9" 2>&1 &
R=$!
KILL_AT_EXIT="$KILL_AT_EXIT $R"
TARGET_PIDS="$TARGET_PIDS $R"
wait_line "$T/r9" '^euid' 50 "$R"
"$BIN/stale_entry" reuse "$R" > "$T/se9" 2>&1
name="identity: registry: counting, updating and removing for another start time at pid $R leave its entry alone; its own work"
# -ESRCH (3) for another process's start time, 0 for its own: one call counted, its n_rules kept.
if [ "$(field "$T/se9" "count_other rc")" = -3 ] && [ "$(field "$T/se9" "update_other rc")" = -3 ] &&
	[ "$(field "$T/se9" "remove_other rc")" = -3 ] && [ "$(field "$T/se9" "count_own rc")" = 0 ] &&
	[ "$(field "$T/se9" "update_own rc")" = 0 ] && [ "$(field "$T/se9" calls)" = 1 ] &&
	[ "$(field "$T/se9" n_rules)" = 1 ] && [ "$(field "$T/se9" "remove_own rc")" = 0 ]; then
	pass "$name"
else
	fail "$name" "$(report "$T/se9")"
fi
touch "$T/go9"
wait_line "$T/r9" '^done' 50 "$R"

mb_no_leftovers "identity: no helper, supervisor or registry entry left"

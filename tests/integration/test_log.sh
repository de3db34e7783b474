#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# MINDERBINDER_LOG and `run --log`: one JSON line per injected syscall
# fault, written by the supervisor (every syscall rule goes through it
# while a log is set), whole lines across processes, and a log path that
# is bad or unwritable stops registration (exit 125) before the filter.
# Network faults (tc drops, cgroup errnos) go to the same file, through
# the registrant's ring buffer and its logger.
. "$(dirname "$0")/agent_lib.sh"

need_root "log: MINDERBINDER_LOG" || exit 0
mb_setup "log: setup"
bin_progs "log: setup" log_target || exit 0
TARGET=$BIN/log_target
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	notrun "log: MINDERBINDER_LOG" "no /usr/bin/python3 to parse the JSON"
	exit 0
fi

# jcheck NAME LOG PYTHON-EXPR...: every line of LOG is a JSON object (L is
# the list of them, P the target's pid, C the script's other arguments);
# the expression must hold, else it prints why.
jcheck() {
	name=$1 log=$2 expr=$3
	shift 3
	if why=$("$PY" - "$log" "$expr" "$@" 2>&1 <<'EOF'
import json, sys
log, expr, C = sys.argv[1], sys.argv[2], sys.argv[3:]
L = []
with open(log, "rb") as f:
    for n, raw in enumerate(f, 1):
        if not raw.endswith(b"\n"):
            sys.exit("line %d is not terminated" % n)
        try:
            o = json.loads(raw.decode("utf-8"))
        except Exception as e:
            sys.exit("line %d is not JSON (%s): %r" % (n, e, raw[:200]))
        if not isinstance(o, dict):
            sys.exit("line %d is not an object" % n)
        L.append(o)
if not eval(expr):
    sys.exit("%d lines; %s is false; first lines: %s" % (len(L), expr, [json.dumps(o) for o in L[:3]]))
EOF
	); then
		pass "$name"
	else
		fail "$name" "$why"
	fi
}

# --- the known run ------------------------------------------------------------------
LOG=$T/log.jsonl
MINDERBINDER_SYSCALL='getppid:EIO:times=7;openat:ENOENT:path=/nonexistent/*;getpgid:EPERM' \
	MINDERBINDER_LOG=$LOG LD_PRELOAD=$AGENT "$TARGET" > "$T/main.out" 2> "$T/main.err"
rc=$?
P=$(sed -n 's/^pid //p' "$T/main.out")
TID=$(sed -n 's/^tid //p' "$T/main.out")
TARGET_PIDS="$TARGET_PIDS $P"
if [ $rc = 0 ] && grep -qx done "$T/main.out" && [ -f "$LOG" ]; then
	pass "log: a target with MINDERBINDER_LOG runs and the log exists"
else
	fail "log: a target with MINDERBINDER_LOG runs and the log exists" "exit $rc: $(cat "$T/main.err")"
fi
jcheck "log: exactly 11 lines, each a JSON object (7 getppid + 3 openat + 1 getpgid)" "$LOG" \
	'len(L) == 11'
jcheck "log: 7 getppid lines, result EIO, rule 0" "$LOG" \
	'sum(1 for o in L if o.get("syscall") == "getppid" and o.get("result") == "EIO" and o.get("rule_index") == 0 and o.get("rule") == "getppid:EIO:times=7") == 7'
jcheck "log: 3 openat lines with path /nonexistent/a, result ENOENT" "$LOG" \
	'sum(1 for o in L if o.get("syscall") == "openat" and o.get("path") == "/nonexistent/a" and o.get("result") == "ENOENT" and o.get("rule") == "openat:ENOENT:path=/nonexistent/*" and o.get("rule_index") == 1) == 3'
jcheck "log: no line for the /etc/hostname open that no rule faulted" "$LOG" \
	'not any("hostname" in o.get("path", "") for o in L)'
jcheck "log: an unconditional rule (getpgid:EPERM) is logged: it went through the supervisor" "$LOG" \
	'[o["syscall"] for o in L if o.get("result") == "EPERM"] == ["getpgid"]'
jcheck "log: pid, tid and comm are the target's" "$LOG" \
	'all(o.get("pid") == int(C[0]) and o.get("tid") == int(C[1]) and o.get("comm") == "log_target" for o in L)' \
	"${P:-0}" "${TID:-0}"
jcheck "log: every line has time (UTC, microseconds) and engine seccomp" "$LOG" \
	'all(__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", o.get("time", "")) and o.get("engine") == "seccomp" for o in L)'
if [ "$(stat -c %a "$LOG" 2>/dev/null)" = 644 ]; then
	pass "log: a new log is created with mode 0644"
else
	fail "log: a new log is created with mode 0644" "mode $(stat -c %a "$LOG" 2>&1)"
fi

# A rule without path= on a syscall that takes one: the path is still read.
LOG2=$T/nopath.jsonl
MINDERBINDER_SYSCALL='openat:EACCES:times=1' MINDERBINDER_LOG=$LOG2 LD_PRELOAD=$AGENT \
	"$TARGET" > "$T/nopath.out" 2> "$T/nopath.err"
jcheck "log: a rule without path= still logs the path it faulted (openat /nonexistent/a)" "$LOG2" \
	'len(L) == 1 and L[0].get("path") == "/nonexistent/a" and L[0].get("result") == "EACCES"'

# A fake return value and a latency-only rule.
LOG3=$T/value.jsonl
MINDERBINDER_SYSCALL='getppid:+0:times=2;getpgid:latency=1ms' MINDERBINDER_LOG=$LOG3 \
	LD_PRELOAD=$AGENT "$TARGET" > /dev/null 2> "$T/value.err"
jcheck "log: a fake return value is \"+0\", a latency-only fault \"latency\"" "$LOG3" \
	'[o.get("result") for o in L] == ["+0", "+0", "latency"]'

# JSON escaping: quote, backslash and a newline in a path.
WEIRD=$(printf '%s/we"i\\rd\nname' "$T")
LOG4=$T/escape.jsonl
MINDERBINDER_SYSCALL="openat:ENOENT:path=$T/we*" MINDERBINDER_LOG=$LOG4 LD_PRELOAD=$AGENT \
	"$PROBE" open "$WEIRD" > "$T/escape.out" 2> "$T/escape.err"
remember_pid "$T/escape.out"
jcheck "log: quote, backslash and newline in a path are escaped" "$LOG4" \
	'len(L) == 1 and L[0].get("path") == C[0] and L[0].get("comm") == "mbprobe"' "$WEIRD"

# --- two processes, one log ---------------------------------------------------------
LOG5=$T/two.jsonl
for i in 1 2; do
	MINDERBINDER_SYSCALL='getppid:EIO' MINDERBINDER_LOG=$LOG5 LD_PRELOAD=$AGENT \
		"$TARGET" -n 2000 > "$T/two$i.out" 2> "$T/two$i.err" &
done
wait
P1=$(sed -n 's/^pid //p' "$T/two1.out")
P2=$(sed -n 's/^pid //p' "$T/two2.out")
TARGET_PIDS="$TARGET_PIDS $P1 $P2"
jcheck "log: two processes appending to one log: 4000 whole lines, 2000 each" "$LOG5" \
	'len(L) == 4000 and sum(o["pid"] == int(C[0]) for o in L) == 2000 and sum(o["pid"] == int(C[1]) for o in L) == 2000' \
	"${P1:-0}" "${P2:-0}"

# --- bad log paths ------------------------------------------------------------------
MINDERBINDER_SYSCALL='getppid:EIO' MINDERBINDER_LOG=relative.jsonl LD_PRELOAD=$AGENT \
	"$TARGET" > "$T/rel.out" 2> "$T/rel.err"
rc=$?
if [ $rc = 125 ] && grep -q 'MINDERBINDER_LOG' "$T/rel.err" && ! grep -q '^pid' "$T/rel.out"; then
	pass "log: a relative MINDERBINDER_LOG: exit 125 naming the variable, before main"
else
	fail "log: a relative MINDERBINDER_LOG: exit 125 naming the variable" "exit $rc: $(cat "$T/rel.err")"
fi
MINDERBINDER_SYSCALL='getppid:EIO' MINDERBINDER_LOG=/proc/nonexistent/log LD_PRELOAD=$AGENT \
	"$TARGET" > "$T/bad.out" 2> "$T/bad.err"
rc=$?
if [ $rc = 125 ] && grep -q 'MINDERBINDER_LOG: cannot open /proc/nonexistent/log: No such file or directory' "$T/bad.err"; then
	pass "log: an unopenable log: exit 125 with the path and the reason"
else
	fail "log: an unopenable log: exit 125 with the path and the reason" "exit $rc: $(cat "$T/bad.err")"
fi
ln -s "$T/target-of-link" "$T/link.jsonl"
MINDERBINDER_SYSCALL='getppid:EIO' MINDERBINDER_LOG=$T/link.jsonl LD_PRELOAD=$AGENT \
	"$TARGET" > "$T/link.out" 2> "$T/link.err"
rc=$?
if [ $rc = 125 ] && grep -q 'MINDERBINDER_LOG: cannot open' "$T/link.err" && [ ! -e "$T/target-of-link" ]; then
	pass "log: a symlink as the log is refused (O_NOFOLLOW)"
else
	fail "log: a symlink as the log is refused (O_NOFOLLOW)" "exit $rc: $(cat "$T/link.err")"
fi

# The log is opened as the caller, not as the set-uid helper.
if command -v setpriv > /dev/null && [ "$(findmnt -n -T "$T" -o OPTIONS 2>/dev/null | grep -c nosuid)" = 0 ]; then
	S=$T/suid
	mkdir -p "$S" "$T/rootonly" "$T/open"
	cp "$HELPER" "$AGENT" "$TARGET" "$S/"
	chown root:root "$S" "$S"/* "$T/rootonly"
	chmod 755 "$S" "$S"/* "$T/rootonly"
	chmod 4755 "$S/mb-helper"
	chmod 1777 "$T/open"
	HELPER=$S/mb-helper # our_helpers looks for this one
	AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
	# (setpriv itself must not get the agent: it would register as root.)
	$AS_NOBODY env MINDERBINDER_SYSCALL='getppid:EIO' MINDERBINDER_LOG=$T/rootonly/log \
		LD_PRELOAD=$S/libmbpreload.so "$S/log_target" > "$T/nb1.out" 2> "$T/nb1.err"
	rc=$?
	if [ $rc = 125 ] && grep -q "cannot open $T/rootonly/log: Permission denied" "$T/nb1.err" &&
		[ ! -e "$T/rootonly/log" ]; then
		pass "log: a normal user cannot make the set-uid helper write where it may not (125, Permission denied)"
	else
		fail "log: a normal user cannot make the set-uid helper write where it may not" "exit $rc: $(cat "$T/nb1.err")"
	fi
	$AS_NOBODY env MINDERBINDER_SYSCALL='getppid:EIO:times=3' MINDERBINDER_LOG=$T/open/log \
		LD_PRELOAD=$S/libmbpreload.so "$S/log_target" > "$T/nb2.out" 2> "$T/nb2.err"
	rc=$?
	TARGET_PIDS="$TARGET_PIDS $(sed -n 's/^pid //p' "$T/nb2.out")"
	if [ $rc = 0 ] && [ "$(stat -c %u "$T/open/log" 2>/dev/null)" = 65534 ] &&
		[ "$(wc -l < "$T/open/log")" = 3 ]; then
		pass "log: a normal user's log is created by and for that user (3 lines)"
	else
		fail "log: a normal user's log is created by and for that user" "exit $rc: $(cat "$T/nb2.err"); $(ls -ln "$T/open" 2>&1)"
	fi
else
	notrun "log: the log is opened as the caller" "no setpriv, or $T is nosuid"
fi

# --- minderbinder run --log ---------------------------------------------------------
(cd "$T" && "$MB" run --log run.jsonl -s 'getppid:EIO:times=4' -- "$TARGET" -n 10) \
	> "$T/run.out" 2> "$T/run.err"
rc=$?
TARGET_PIDS="$TARGET_PIDS $(sed -n 's/^pid //p' "$T/run.out")"
if [ $rc = 0 ] && [ -f "$T/run.jsonl" ]; then
	jcheck "log: run --log FILE (relative to the cwd) logs a dynamic command's faults" "$T/run.jsonl" \
		'len(L) == 4 and all(o["syscall"] == "getppid" and o["pid"] == int(C[0]) for o in L)' \
		"$(sed -n 's/^pid //p' "$T/run.out")"
else
	fail "log: run --log FILE logs a dynamic command's faults" "exit $rc: $(cat "$T/run.err")"
fi
# A static command: run registers itself with the log path, then execs.
rm -f "$T/static.jsonl"
"$MB" run --log "$T/static.jsonl" -s "openat:ENOENT:path=$T/nothing-here" -- \
	"$STATIC" "$T/nothing-here" > "$T/static.out" 2> "$T/static.err"
rc=$?
remember_pid "$T/static.out"
jcheck "log: run --log FILE logs a static command's faults (exit $rc)" "$T/static.jsonl" \
	'len(L) >= 1 and all(o["syscall"] == "openat" and o.get("path") == C[0] and o["result"] == "ENOENT" for o in L)' \
	"$T/nothing-here"
"$MB" run --log /proc/nonexistent/log -s 'getppid:EIO' -- "$TARGET" -n 1 > "$T/runbad.out" 2> "$T/runbad.err"
rc=$?
if [ $rc = 125 ] && grep -q 'cannot open /proc/nonexistent/log' "$T/runbad.err"; then
	pass "log: run --log with an unopenable file: exit 125"
else
	fail "log: run --log with an unopenable file: exit 125" "exit $rc: $(cat "$T/runbad.err")"
fi

# --- network faults -----------------------------------------------------------------
NETOK=1
if [ ! -f /sys/fs/cgroup/cgroup.controllers ] && ! grep -q ' cgroup2 ' /proc/mounts; then
	notrun "log: network faults" "cgroup v2 is not mounted"
	NETOK=0
fi
for p in net_tcp_client net_udp_send net_udp_count; do
	[ -x "$PROGS/$p" ] || { notrun "log: network faults" "$PROGS/$p not built"; NETOK=0; }
done
NP=$((30000 + ($$ % 200) * 10))
# ring_holds PID: is there an mb_log_rings entry for PID?
no_helpers() { [ -z "$(our_helpers)" ]; }
ring_holds() {
	# One lookup of the one key (a little-endian u32), not a dump: a dump
	# walks entries that other targets' loggers remove meanwhile.
	bpftool map lookup pinned "$MB_LOG_RINGS_PIN" key $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255)) > /dev/null 2>&1
}
if [ $NETOK = 1 ]; then
	# Refused connects (cgroup engine): 3 to the rule's port (2 IPv4, 1
	# IPv6), 1 to another port that nothing listens on (refused for real:
	# not ours, not logged). A process without MINDERBINDER_LOG runs the
	# same rule alongside: nothing of it may appear.
	LOGN=$T/net.jsonl
	MINDERBINDER_NET="tcp:$NP:refuse" LD_PRELOAD=$AGENT "$PROGS/net_tcp_client" -w 300 \
		127.0.0.1 "$NP" > "$T/nolog.out" 2>&1 &
	QP=$!
	MINDERBINDER_NET="tcp:$NP:refuse" MINDERBINDER_LOG=$LOGN LD_PRELOAD=$AGENT \
		"$PROGS/net_tcp_client" -t 300 127.0.0.1 "$NP" 127.0.0.1 "$NP" ::1 "$NP" \
		127.0.0.1 $((NP + 1)) > "$T/net.out" 2>&1 &
	NPID=$!
	wait $NPID
	wait $QP
	TARGET_PIDS="$TARGET_PIDS $NPID $QP"
	if [ "$(grep -c '^errno ECONNREFUSED' "$T/net.out")" = 4 ] &&
		grep -q '^errno ECONNREFUSED' "$T/nolog.out"; then
		pass "log: tcp:PORT:refuse with MINDERBINDER_LOG: the connects are refused"
	else
		fail "log: tcp:PORT:refuse with MINDERBINDER_LOG: the connects are refused" \
			"$(cat "$T/net.out" "$T/nolog.out")"
	fi
	jcheck "log: 3 refused connects, 3 lines: flow, result, rule, engine cgroup" "$LOGN" \
		'[o.get("flow") for o in L] == ["tcp 127.0.0.1:" + C[0]] * 2 + ["tcp [::1]:" + C[0]] and all(o.get("result") == "ECONNREFUSED" and o.get("rule") == "tcp:%s:refuse" % C[0] and o.get("rule_index") == 0 and o.get("engine") == "cgroup" for o in L)' \
		"$NP"
	jcheck "log: network lines carry the caller's pid, tid, comm and a UTC time" "$LOGN" \
		'all(o.get("pid") == int(C[0]) and o.get("tid") == int(C[0]) and o.get("comm") == "net_tcp_client" and __import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", o.get("time", "")) for o in L)' \
		"$NPID"
	jcheck "log: nothing from the process without MINDERBINDER_LOG" "$LOGN" \
		'not any(o.get("pid") == int(C[0]) for o in L)' "$QP"
	jcheck "log: a refused connect's line names its destination: proto, addr, port (IPv4 and IPv6)" "$LOGN" \
		'[(o.get("proto"), o.get("addr"), o.get("port")) for o in L] == [("tcp", "127.0.0.1", int(C[0]))] * 2 + [("tcp", "::1", int(C[0]))]' \
		"$NP"

	# Dropped datagrams (tc engine): one line per datagram the counting
	# server did not get.
	"$PROGS/net_udp_count" -l 127.0.0.1 $((NP + 2)) > "$T/cnt.out" 2>&1 &
	CPID=$!
	wait_line "$T/cnt.out" '^ready'
	LOGU=$T/udp.jsonl
	MINDERBINDER_NET="udp:$((NP + 2)):drop:rate=50%" MINDERBINDER_LOG=$LOGU LD_PRELOAD=$AGENT \
		"$PROGS/net_udp_send" 127.0.0.1 $((NP + 2)) 300 > "$T/udp.out" 2>&1 &
	UPID=$!
	wait $UPID
	TARGET_PIDS="$TARGET_PIDS $UPID"
	# Its logger drains the ring and exits once the target is gone: then
	# the file is whole.
	wait_for 30 no_helpers
	kill $CPID 2>/dev/null
	wait $CPID 2>/dev/null
	GOT=$(sed -n 's/^received //p' "$T/cnt.out")
	jcheck "log: udp drop rate=50%: lines == datagrams dropped (300 - ${GOT:-?} received)" "$LOGU" \
		'0 < len(L) < 300 and len(L) == 300 - int(C[0] or -1) and all(o.get("flow") == "udp 127.0.0.1:" + C[1] and o.get("result") == "drop" and o.get("engine") == "tc" and o.get("rule_index") == 0 and o.get("pid") == int(C[2]) and o.get("comm") == "net_udp_send" for o in L)' \
		"${GOT:-}" $((NP + 2)) "$UPID"
	jcheck "log: a dropped datagram's line names its destination: proto, addr, port" "$LOGU" \
		'len(L) > 0 and all((o.get("proto"), o.get("addr"), o.get("port")) == ("udp", "127.0.0.1", int(C[0])) for o in L)' \
		$((NP + 2))

	# Connect faults through `minderbinder run --log`, in the children of
	# a tree (no agent in them: they log through the registrant's ring):
	# a refused TCP connect, an unconnected UDP sendto failed with an
	# errno, a dropped SYN; each line with its flow and its parts.
	LOGR=$T/run_net.jsonl
	"$OUT/minderbinder" run --log "$LOGR" -n "tcp:$((NP + 3)):refuse" \
		-n "udp:$((NP + 4)):EHOSTUNREACH" -n "tcp:$((NP + 5)):drop" -- sh -c \
		"env -u LD_PRELOAD $PROGS/net_tcp_client -t 300 127.0.0.1 $((NP + 3)); env -u LD_PRELOAD $PROGS/net_udp_send 127.0.0.1 $((NP + 4)) 1; env -u LD_PRELOAD $PROGS/net_tcp_client -t 300 127.0.0.1 $((NP + 5))" \
		> "$T/run_net.out" 2>&1
	wait_for 30 no_helpers
	jcheck "log: run --log, children of the tree: refused connect, failed sendto and dropped SYN each carry flow, addr and port" "$LOGR" \
		'[(o.get("flow"), o.get("proto"), o.get("addr"), o.get("port"), o.get("result"), o.get("engine")) for o in L][:3] == [("tcp 127.0.0.1:%d" % (int(C[0]) + 3), "tcp", "127.0.0.1", int(C[0]) + 3, "ECONNREFUSED", "cgroup"), ("udp 127.0.0.1:%d" % (int(C[0]) + 4), "udp", "127.0.0.1", int(C[0]) + 4, "EHOSTUNREACH", "cgroup"), ("tcp 127.0.0.1:%d" % (int(C[0]) + 5), "tcp", "127.0.0.1", int(C[0]) + 5, "drop", "tc")] and all(o.get("comm") in ("net_tcp_client", "net_udp_send") for o in L)' \
		"$NP"

	# Syscall and network rules in one spec: both kinds in one file. The
	# client is held (-H, until the test closes the FIFO) so that its
	# logger can be seen, then not. Its "held" comes from main(): by then
	# registration has returned, and the ring went in before PLAN.
	LOGM=$T/mixed.jsonl
	mkfifo "$T/go"
	MINDERBINDER_SYSCALL='close:EIO:times=1' MINDERBINDER_NET="tcp:$NP:refuse" \
		MINDERBINDER_LOG=$LOGM LD_PRELOAD=$AGENT "$PROGS/net_tcp_client" -H -t 300 \
		127.0.0.1 "$NP" 127.0.0.1 "$NP" < "$T/go" > "$T/mixed.out" 2>&1 &
	MPID=$!
	exec 8> "$T/go"
	ALIVE=0 HELD=0
	if wait_registered "$T/mixed.out" '^held' "$MPID"; then
		ALIVE=$(our_helpers | wc -l)
		ring_holds "$MPID" && HELD=1
	fi
	exec 8>&-
	wait $MPID
	TARGET_PIDS="$TARGET_PIDS $MPID"
	jcheck "log: a mixed spec logs both kinds in one file (1 seccomp close, 2 cgroup connects)" "$LOGM" \
		'len(L) == 3 and sum(o.get("engine") == "seccomp" and o.get("syscall") == "close" for o in L) == 1 and sum(o.get("engine") == "cgroup" and o.get("result") == "ECONNREFUSED" for o in L) == 2 and all(o.get("pid") == int(C[0]) for o in L)' \
		"$MPID"
	wait_for 30 no_helpers
	LEFT=$(our_helpers | tr '\n' ' ')
	ring_holds "$MPID" && HELD_AFTER=1 || HELD_AFTER=0
	if [ "$ALIVE" -ge 2 ] && [ $HELD = 1 ] && [ -z "$LEFT" ] && [ $HELD_AFTER = 0 ]; then
		pass "log: the logger (and its mb_log_rings entry) lives as long as the target"
	else
		fail "log: the logger (and its mb_log_rings entry) lives as long as the target" \
			"helpers while running: $ALIVE (supervisor + logger expected), ring entry: $HELD; after: '$LEFT', ring entry: $HELD_AFTER; client: $(lines "$T/mixed.out")"
	fi
fi

mb_no_leftovers "log: no helper, supervisor or registry entry left"

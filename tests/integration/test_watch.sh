# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `minderbinder watch FILE`: processes named in a section's targets become
# targets when they exec; those already running are left alone; SIGINT
# removes the targets watch made; [syscall] sections need a BPF syscall
# engine: with one they fault named programs in the kernel, without one a
# file with such a section is refused unless --skip-unsupported.
. "$(dirname "$0")/lib.sh"

need_root "watch: processes by name as they start" || exit 0
TMP=$(mktemp -d)
P=$((20000 + ($$ + 7) % 10000))
SRV= W= EARLY= LIVE=
cleanup() {
	for p in $W $EARLY $SRV $LIVE; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
"$PROGS/net_tcp_server" 127.0.0.1 "$P" > "$TMP/srv" 2>&1 &
SRV=$!
wait_line "$TMP/srv" '^ready' || { fail "watch: server" "$(lines "$TMP/srv")"; exit 0; }

# The comm is the file name: copies under our own names.
cp "$PROGS/net_tcp_client" "$TMP/mbwclient"
cp "$PROGS/net_tcp_client" "$TMP/mbwother"

# watch_start INI: watch in the background until it says ready.
watch_start() {
	# Emptied here, not by the background job's redirection: the wait
	# below must not find the previous watch's "ready".
	: > "$TMP/watch.out"
	"$OUT/minderbinder" watch "$1" > "$TMP/watch.out" 2> "$TMP/watch.err" &
	W=$!
	wait_line "$TMP/watch.out" '^watch: ready' 100 "$W"
}
# watch_stop: SIGINT; sets WRC to its exit status.
watch_stop() {
	kill -INT "$W"
	wait "$W"
	WRC=$?
	W=
}
# owned_left: the pids watch targeted that mb_targets still holds.
owned_left() {
	pids=$(sed -n 's/^watch: targeting pid \([0-9]*\) .*/\1/p' "$TMP/watch.out")
	keys=$(bpftool -j map dump pinned "$MB_TARGETS_PIN" 2>/dev/null |
		python3 -c 'import json,sys; print(" ".join(str(e["formatted"]["key"]) for e in json.load(sys.stdin)))' 2>/dev/null)
	for p in $pids; do
		for k in $keys; do [ "$p" = "$k" ] && echo "$p"; done
	done
}

printf '[outgoing_network w]\ntargets = mbwclient\nprotocol = tcp\nport = %s\ndelay_ms = 0\n' "$P" > "$TMP/drop.ini"
# Started before watch: waits, then connects while watch runs.
"$TMP/mbwclient" -w 2500 -t 700 127.0.0.1 "$P" > "$TMP/early" 2>&1 &
EARLY=$!
if ! watch_start "$TMP/drop.ini"; then
	fail "watch: prints ready" "$(lines "$TMP/watch.out") $(lines "$TMP/watch.err")"
	exit 0
fi
pass "watch: prints ready"
"$TMP/mbwclient" -t 700 127.0.0.1 "$P" > "$TMP/named" 2>&1
"$TMP/mbwother" -t 700 127.0.0.1 "$P" > "$TMP/other" 2>&1
# A long-lived target, still running when watch stops; it connects only
# when let go after that (-H reads a line from the fifo): a fixed wait
# lost the race on a loaded guest.
mkfifo "$TMP/go"
"$TMP/mbwclient" -H -t 300 127.0.0.1 "$P" < "$TMP/go" > "$TMP/live" 2>&1 &
LIVE=$!
exec 3> "$TMP/go"
wait_line "$TMP/watch.out" "^watch: targeting pid $LIVE " 30 "$W"
wait "$EARLY"
EARLY=

first_line "watch: a process named in targets has its packets dropped" "$TMP/named" '^timeout'
first_line "watch: a process with another name connects" "$TMP/other" '^connected'
first_line "watch: a process started before watch is left alone" "$TMP/early" '^connected'
if grep -Eq '^watch: targeting pid [0-9]+ \(mbwclient\) with \[outgoing_network w\]' "$TMP/watch.out" &&
	! grep -q '(mbwother)' "$TMP/watch.out"; then
	pass "watch: one line per targeted process"
else
	fail "watch: one line per targeted process" "$(lines "$TMP/watch.out")"
fi
if [ -n "$(owned_left)" ]; then
	pass "watch: its targets are in mb_targets while it runs"
else
	fail "watch: its targets are in mb_targets while it runs" "$(lines "$TMP/watch.out")"
fi
watch_stop
left=$(owned_left)
if [ "$WRC" = 0 ] && [ -z "$left" ] &&
	grep -q "^watch: removed target pid $LIVE (mbwclient)" "$TMP/watch.out"; then
	pass "watch: SIGINT exits 0 and removes every target watch made"
else
	fail "watch: SIGINT exits 0 and removes every target watch made" \
		"rc=$WRC left=[$left] $(lines "$TMP/watch.out") $(lines "$TMP/watch.err")"
fi
echo go >&3
exec 3>&-
wait "$LIVE"
if [ "$(sed -n 1p "$TMP/live")" = held ] && sed -n 2p "$TMP/live" | grep -q '^connected'; then
	pass "watch: a removed target connects again"
else
	fail "watch: a removed target connects again" "$(lines "$TMP/live")"
fi

printf '[outgoing_network r]\ntargets = mbwclient\nprotocol = tcp\nport = %s\naction = refuse\n' "$P" > "$TMP/refuse.ini"
if watch_start "$TMP/refuse.ini"; then
	"$TMP/mbwclient" -t 700 127.0.0.1 "$P" > "$TMP/refused" 2>&1
	watch_stop
	if head -1 "$TMP/refused" | grep -q '^errno ECONNREFUSED' && [ "$WRC" = 0 ]; then
		pass "watch: action=refuse gives ECONNREFUSED"
	else
		fail "watch: action=refuse gives ECONNREFUSED" "rc=$WRC $(lines "$TMP/refused")"
	fi
else
	fail "watch: action=refuse gives ECONNREFUSED" "$(lines "$TMP/watch.err")"
	watch_stop
fi

ENGINE=$(sys_engine)
CHAOS="$(dirname "$0")/../../examples/chaos.ini"
if [ "$ENGINE" = seccomp ]; then
	notrun "watch: [syscall] sections" "this kernel has no BPF syscall engine (minderbinder status says why); the VM tier runs them"
	# examples/chaos.ini has a [syscall] section: refused whole, nothing attached.
	"$OUT/minderbinder" watch "$CHAOS" > "$TMP/chaos.out" 2> "$TMP/chaos.err"
	rc=$?
	if [ "$rc" = 2 ] && [ ! -s "$TMP/chaos.out" ] &&
		grep -Eq 'chaos\.ini:[0-9]+: \[syscall break_curl_openat\]: watch mode needs a BPF syscall engine' "$TMP/chaos.err" &&
		grep -q 'kprobe: ' "$TMP/chaos.err" && grep -q 'fmod_ret: ' "$TMP/chaos.err"; then
		pass "watch: a [syscall] section without a BPF syscall engine refuses the file (exit 2)"
	else
		fail "watch: a [syscall] section without a BPF syscall engine refuses the file (exit 2)" \
			"rc=$rc $(lines "$TMP/chaos.err")"
	fi
else
	# The original project's own mode: a syscall faulted in processes by name, in
	# the kernel, with no agent in them.
	cp "$(command -v cat)" "$TMP/mbwcat"
	cp "$(command -v cat)" "$TMP/mbwcat2"
	printf '[syscall s]\nsyscall = openat\nret_code = -13\ntargets = mbwcat\npath = /etc/host*\ndelay_ms = 0\n' > "$TMP/sys.ini"
	if watch_start "$TMP/sys.ini"; then
		"$TMP/mbwcat" /etc/hostname > "$TMP/c1" 2>&1
		rc1=$?
		"$TMP/mbwcat" /etc/passwd > "$TMP/c2" 2>&1
		rc2=$?
		"$TMP/mbwcat2" /etc/hostname > "$TMP/c3" 2>&1
		rc3=$?
		left_running=$(owned_left)
		watch_stop
		if [ $rc1 != 0 ] && grep -q 'Permission denied' "$TMP/c1" && [ $rc2 = 0 ]; then
			pass "watch: a [syscall] section faults the named program's matching calls ($ENGINE, openat EACCES on /etc/host*)"
		else
			fail "watch: a [syscall] section faults the named program's matching calls ($ENGINE)" \
				"rc $rc1 $(lines "$TMP/c1") / other path rc $rc2 / $(lines "$TMP/watch.err")"
		fi
		if [ $rc3 = 0 ]; then
			pass "watch: a program by another name is untouched ($ENGINE)"
		else
			fail "watch: a program by another name is untouched ($ENGINE)" "rc $rc3 $(lines "$TMP/c3")"
		fi
		if [ -z "$(owned_left)" ] && [ "$WRC" = 0 ]; then
			pass "watch: stops cleanly and leaves no target behind ($ENGINE)"
		else
			fail "watch: stops cleanly and leaves no target behind ($ENGINE)" "rc=$WRC left: $(owned_left) $left_running"
		fi
	else
		fail "watch: a [syscall] section faults the named program's matching calls ($ENGINE)" \
			"$(lines "$TMP/watch.out") $(lines "$TMP/watch.err")"
		watch_stop
	fi
fi

# --skip-unsupported runs the rest, with a warning per skipped section.
"$OUT/minderbinder" watch --skip-unsupported "$CHAOS" > "$TMP/watch.out" 2> "$TMP/watch.err" &
W=$!
if wait_line "$TMP/watch.out" '^watch: ready' 100 "$W" &&
	{ [ "$ENGINE" != seccomp ] || grep -q 'warning: .*\[syscall break_curl_openat\]: skipped' "$TMP/watch.err"; } &&
	grep -q '^watch: \[outgoing_network break_wget_network\]' "$TMP/watch.out"; then
	watch_stop
	if [ "$WRC" = 0 ]; then
		pass "watch: --skip-unsupported runs the supported sections of examples/chaos.ini"
	else
		fail "watch: --skip-unsupported runs the supported sections of examples/chaos.ini" "rc=$WRC"
	fi
else
	watch_stop
	fail "watch: --skip-unsupported runs the supported sections of examples/chaos.ini" \
		"$(lines "$TMP/watch.out") $(lines "$TMP/watch.err")"
fi

# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Network shaping (issue 16): latency=, jitter= and bandwidth= on a
# target's traffic, on loopback and through a veth pair into a namespace,
# while a process that did not opt in talks to the same server port at the
# same time, untouched. First the per-call engine (the supervisor; every
# kernel, MINDERBINDER_ENGINE=seccomp), then the EDT engine (the tc program
# and fq; kernels with sch_fq), and what each leaves behind. Lower bounds
# are strict; upper bounds are generous and retried (a loaded machine is
# slow, never fast).
. "$(dirname "$0")/lib.sh"

AGENT="$OUT/libmbpreload.so"
MB="$OUT/minderbinder"
PP="$PROGS/net_pingpong"
NS=mbshape-test
HOSTIF=veth-msA
NSIF=veth-msB
TMP=$(mktemp -d)
SERVERS=""
BASE=$((20000 + ($$ % 120) * 100 + 60))
P=$((BASE + 1))  # the port the rules name
P2=$((BASE + 2)) # another port

cleanup() {
	for p in $SERVERS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOSTIF" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# field FILE NAME: the value of NAME=N on FILE's last line.
field() { tail -1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# serve NAME CMD...: a server in the background, ready.
serve() {
	n=$1; shift
	"$@" > "$TMP/$n.srv" 2>&1 &
	SERVERS="$SERVERS $!"
	wait_line "$TMP/$n.srv" '^ready'
}

# shaped SPEC CMD...: CMD opted in with MINDERBINDER_NET=SPEC, output in
# $TMP/t, in the background (TPID).
shaped() {
	s=$1; shift
	MINDERBINDER_NET="$s" LD_PRELOAD="$AGENT" "$@" > "$TMP/t" 2>&1 &
	TPID=$!
	echo "$TPID" >> "$TMP/pids"
}

# in_registry PID: the target's entry is in the pinned registry map, or
# return 1 once PID is gone (quicker than status: under TCG status takes
# seconds, longer than some targets live).
in_registry() {
	k=$(printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))
	# shellcheck disable=SC2086
	until bpftool map lookup pinned "$MB_TARGETS_PIN" key hex $k > /dev/null 2>&1; do
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.02
	done
}

# registered PID: in_registry, and its supervisor's pid (from status) goes
# to $TMP/sups for the cleanup check.
registered() {
	in_registry "$1" || return 1
	"$MB" status > "$TMP/reg" 2>/dev/null
	sed -n "s/^  pid $1 .* supervisor \([0-9]*\) .*/\1/p" "$TMP/reg" >> "$TMP/sups"
}

net_ready "net shape" net_pingpong || exit 0
# Per call first, whatever this kernel has.
MINDERBINDER_ENGINE=seccomp
export MINDERBINDER_ENGINE

serve p1 "$PP" serve 127.0.0.1 "$P"
serve p2 "$PP" serve 127.0.0.1 "$P2"
"$PP" ping 127.0.0.1 "$P" 3 > "$TMP/warm" 2>&1 || { fail "net shape: echo server" "$(lines "$TMP/warm")"; exit 0; }

# --- latency=: every round trip at least 200 ms longer; a bystander's not.
# One try: (target min >= 200 ms strictly) and, generous, (target median
# < 200 ms + 400 ms, bystander median < 100 ms, both ordered).
latency_try() {
	shaped "tcp:$P:latency=200ms" "$PP" ping 127.0.0.1 "$P" $((8 * SLOW))
	registered "$TPID" || { wait "$TPID"; fail "net shape latency: the target registers" "$(lines "$TMP/t")"; return 2; }
	cp "$TMP/reg" "$TMP/status"
	"$PP" ping 127.0.0.1 "$P" 200 > "$TMP/by" 2>&1
	wait "$TPID"
	tmin=$(field "$TMP/t" min_us); tmed=$(field "$TMP/t" median_us)
	bmed=$(field "$TMP/by" median_us)
	if [ -z "$tmin" ] || [ -z "$bmed" ]; then
		fail "net shape latency: both clients ran" "target: $(lines "$TMP/t") bystander: $(lines "$TMP/by")"
		return 2
	fi
	if [ "$tmin" -lt 200000 ]; then
		fail "net shape latency: tcp:PORT:latency=200ms, every round trip of the target >= 200 ms" \
			"min_us=$tmin: $(tail -1 "$TMP/t")"
		return 2
	fi
	[ "$tmed" -lt $((600000 * SLOW)) ] && [ "$bmed" -lt $((100000 * SLOW)) ] &&
		[ "$(field "$TMP/t" ordered)" = yes ] && [ "$(field "$TMP/by" ordered)" = yes ]
}
ok=1
for try in 1 2 3; do
	latency_try; r=$?
	[ $r = 2 ] && { ok=2; break; }
	[ $r = 0 ] && { ok=0; break; }
done
if [ $ok = 0 ]; then
	pass "net shape latency: tcp:PORT:latency=200ms, every round trip of the target >= 200 ms (min $(field "$TMP/t" min_us) us, median $(field "$TMP/t" median_us) us)"
	pass "net shape latency: a bystander on the same port at the same time is not slowed (median $(field "$TMP/by" median_us) us)"
elif [ $ok = 1 ]; then
	fail "net shape latency: within generous bounds in 3 tries" "target: $(tail -1 "$TMP/t") bystander: $(tail -1 "$TMP/by")"
fi
if grep -Eq "^    \[0\] tcp:$P:latency=200ms +seccomp" "$TMP/status"; then
	pass "net shape: status names the engine serving the rule (seccomp, per call)"
else
	fail "net shape: status names the engine serving the rule" "$(lines "$TMP/status")"
fi

# --- connect is a call too: the handshake leaves late (connect_us is
# connect() and the first write, the one-byte mode).
ct=$(sed -n 's/^connect_us=//p' "$TMP/t")
if [ -n "$ct" ] && [ "$ct" -ge 400000 ]; then
	pass "net shape latency: connect() is held too: connect and the first write take >= 2 x 200 ms ($ct us)"
else
	fail "net shape latency: connect() is held too" "$(lines "$TMP/t")"
fi

# --- another port, another address: not shaped.
other_try() {
	MINDERBINDER_NET="tcp:$P:latency=300ms;tcp:$P2:latency=300ms:addr=127.0.0.2" LD_PRELOAD="$AGENT" \
		"$PP" ping 127.0.0.1 "$P2" 5 > "$TMP/o" 2>&1
	m=$(field "$TMP/o" max_us)
	[ -n "$m" ] && [ "$m" -lt $((250000 * SLOW)) ] && [ "$(sed -n 's/^connect_us=//p' "$TMP/o")" -lt $((250000 * SLOW)) ]
}
if other_try || other_try || other_try; then
	pass "net shape: another port, and the port at another address (addr=), are not held (max $m us)"
else
	fail "net shape: another port / addr= not held" "$(lines "$TMP/o")"
fi

# --- jitter=: within [latency - jitter, latency + jitter] per call, and
# a stream of writes comes back in order. Three writes a round.
jitter_try() {
	MINDERBINDER_NET="tcp:$P:latency=100ms:jitter=30ms:seed=7" LD_PRELOAD="$AGENT" \
		"$PP" ping 127.0.0.1 "$P" 10 3 > "$TMP/j" 2>&1
	jmin=$(field "$TMP/j" min_us); jmax=$(field "$TMP/j" max_us)
	[ -n "$jmin" ] || { fail "net shape jitter: the target ran" "$(lines "$TMP/j")"; return 2; }
	if [ "$jmin" -lt 210000 ]; then
		fail "net shape jitter: latency=100ms:jitter=30ms, 3 writes a round take >= 3 x 70 ms" "min_us=$jmin"
		return 2
	fi
	[ "$jmax" -lt $((390000 + 300000 * SLOW)) ]
}
ok=1
for try in 1 2 3; do
	jitter_try; r=$?
	[ $r = 2 ] && { ok=2; break; }
	[ $r = 0 ] && { ok=0; break; }
done
if [ $ok = 0 ]; then
	pass "net shape jitter: latency=100ms:jitter=30ms, 3 writes a round take >= 3 x 70 ms (min $jmin us, max $jmax us)"
elif [ $ok = 1 ]; then
	fail "net shape jitter: within generous bounds in 3 tries" "$(tail -1 "$TMP/j")"
fi
# Distinct delays: a round is the sum of three draws from +-30 ms (a
# standard deviation of 30 ms); without jitter ten rounds lie within a few
# ms of one another (the latency check above), with it far more.
spread=$(sed -n 's/^rtt_us=//p' "$TMP/j" | sort -n | sed -n '1p;$p' | tr '\n' ' ' | awk '{print $2 - $1}')
if [ -n "$spread" ] && [ "$spread" -gt 20000 ]; then
	pass "net shape jitter: the delays vary (spread of 10 rounds: $spread us)"
else
	fail "net shape jitter: the delays vary" "spread '$spread': $(lines "$TMP/j")"
fi
if [ "$(field "$TMP/j" ordered)" = yes ]; then
	pass "net shape jitter: no reordering of the TCP stream (30 writes echoed in order)"
else
	fail "net shape jitter: no reordering of the TCP stream" "$(tail -1 "$TMP/j")"
fi

# --- bandwidth=: 4 MiB at 8 mbit/s (1,000,000 bytes/s) is 4.19 s; the
# first window (10 segments of lo's 64 KiB) leaves unpaced, so >= 3.5 s.
# A bystander's 4 MiB to the same port meanwhile: generous, < 2 s.
bw_try() {
	shaped "tcp:$P:bandwidth=8mbit" "$PP" bulk 127.0.0.1 "$P" 4194304
	registered "$TPID" || { wait "$TPID"; fail "net shape bandwidth: the target registers" "$(lines "$TMP/t")"; return 2; }
	"$PP" bulk 127.0.0.1 "$P" 4194304 > "$TMP/by" 2>&1
	wait "$TPID"
	tms=$(field "$TMP/t" ms); bms=$(field "$TMP/by" ms)
	if [ -z "$tms" ] || [ -z "$bms" ]; then
		fail "net shape bandwidth: both transfers completed" "target: $(lines "$TMP/t") bystander: $(lines "$TMP/by")"
		return 2
	fi
	if [ "$tms" -lt 3500 ]; then
		fail "net shape bandwidth: bandwidth=8mbit, 4 MiB takes >= 3.5 s" "ms=$tms"
		return 2
	fi
	[ "$bms" -lt $((2000 * SLOW)) ]
}
ok=1
for try in 1 2 3; do
	bw_try; r=$?
	[ $r = 2 ] && { ok=2; break; }
	[ $r = 0 ] && { ok=0; break; }
done
if [ $ok = 0 ]; then
	pass "net shape bandwidth: tcp:PORT:bandwidth=8mbit, 4 MiB takes >= 3.5 s ($tms ms)"
	pass "net shape bandwidth: a bystander's 4 MiB to the same port meanwhile is not paced ($bms ms)"
elif [ $ok = 1 ]; then
	fail "net shape bandwidth: bystander within 2 s in 3 tries" "target $tms ms, bystander $bms ms"
fi

# --- UDP: sendto() names its address (read from the target's memory),
# send() on a connected socket has a peer; each datagram is held.
PU=$((BASE + 3))
if progs_built "net shape udp: test programs" net_udp_send net_udp_count; then
	"$PROGS/net_udp_count" -l -T 30 127.0.0.1 "$PU" > "$TMP/udp.srv" 2>&1 &
	US=$!
	SERVERS="$SERVERS $US"
	wait_line "$TMP/udp.srv" '^ready'
	for mode in sendto send; do
		flag=""; [ $mode = send ] && flag=-c
		t0=$(now_ms)
		MINDERBINDER_NET="udp:$PU:latency=200ms" LD_PRELOAD="$AGENT" \
			"$PROGS/net_udp_send" $flag 127.0.0.1 "$PU" 3 > "$TMP/u.$mode" 2>&1
		dt=$(($(now_ms) - t0))
		if grep -q '^sent 3 0' "$TMP/u.$mode" && [ "$dt" -ge 600 ]; then
			pass "net shape udp: udp:PORT:latency=200ms holds each of 3 datagrams ($mode: $dt ms >= 600)"
		else
			fail "net shape udp: 3 datagrams by $mode held 200 ms each" "$dt ms: $(lines "$TMP/u.$mode")"
		fi
	done
	kill "$US"; wait "$US" 2>/dev/null
	if grep -q '^received 6' "$TMP/udp.srv" && grep -q '^seqs 0,1,2,0,1,2' "$TMP/udp.srv"; then
		pass "net shape udp: all 6 datagrams arrived, in order"
	else
		fail "net shape udp: all 6 datagrams arrived, in order" "$(lines "$TMP/udp.srv")"
	fi
fi

# --- what the engine cannot do is refused before anything is applied.
MINDERBINDER_NET="udp:53:bandwidth=1mbit" LD_PRELOAD="$AGENT" "$PP" ping 127.0.0.1 "$P" 1 > "$TMP/e" 2>&1
rc=$?
if [ "$rc" = 125 ] && grep -q "bandwidth= on udp needs the kernel's fq qdisc" "$TMP/e" && ! grep -q '^rounds=' "$TMP/e"; then
	pass "net shape: bandwidth= on udp is refused before the program runs, saying fq is missing"
else
	fail "net shape: bandwidth= on udp refused" "rc=$rc: $(lines "$TMP/e")"
fi
MINDERBINDER_NET="tcp:$P:latency=5" LD_PRELOAD="$AGENT" "$PP" ping 127.0.0.1 "$P" 1 > "$TMP/e" 2>&1
rc=$?
if [ "$rc" = 125 ] && grep -q "did you mean 'latency=5ms'" "$TMP/e"; then
	pass "net shape: a bad value is refused with the nearest valid form"
else
	fail "net shape: a bad value is refused" "rc=$rc: $(lines "$TMP/e")"
fi

# --- through a veth pair into a namespace of ours.
ip netns del "$NS" 2>/dev/null
ip link del "$HOSTIF" 2>/dev/null
if out=$( (ip netns add "$NS" &&
	ip link add "$HOSTIF" type veth peer name "$NSIF" netns "$NS" &&
	ip addr add 10.201.0.1/24 dev "$HOSTIF" && ip link set "$HOSTIF" up &&
	ip -n "$NS" addr add 10.201.0.2/24 dev "$NSIF" && ip -n "$NS" link set "$NSIF" up &&
	ip -n "$NS" link set lo up) 2>&1); then
	serve ns ip netns exec "$NS" "$PP" serve 10.201.0.2 "$P"
	qd_before=$(tc qdisc show dev "$HOSTIF")
	veth_try() {
		shaped "tcp:$P:latency=150ms" "$PP" ping 10.201.0.2 "$P" $((5 * SLOW))
		registered "$TPID" || { wait "$TPID"; return 2; }
		"$PP" ping 10.201.0.2 "$P" 100 > "$TMP/by" 2>&1
		wait "$TPID"
		vmin=$(field "$TMP/t" min_us); vby=$(field "$TMP/by" median_us)
		[ -n "$vmin" ] && [ -n "$vby" ] || return 2
		[ "$vmin" -ge 150000 ] || return 3
		[ "$vby" -lt $((100000 * SLOW)) ]
	}
	ok=1
	for try in 1 2 3; do
		veth_try; r=$?
		[ $r -ge 2 ] && { ok=$r; break; }
		[ $r = 0 ] && { ok=0; break; }
	done
	case $ok in
	0) pass "net shape veth: round trips to the namespace >= 150 ms (min $vmin us); a bystander's not (median $vby us)" ;;
	3) fail "net shape veth: round trips to the namespace >= 150 ms" "min_us=$vmin" ;;
	*) fail "net shape veth: within generous bounds" "target: $(lines "$TMP/t") bystander: $(lines "$TMP/by")" ;;
	esac
	"$MB" unload > "$TMP/unload" 2>&1
	if [ "$(tc qdisc show dev "$HOSTIF")" = "$qd_before" ] && ! tc qdisc show dev lo | grep -q ' fq '; then
		pass "net shape: the per-call engine replaces no qdisc: the veth's and lo's are as before, after unload too"
	else
		fail "net shape: qdiscs untouched" "before: $qd_before after: $(tc qdisc show dev "$HOSTIF")"
	fi
	HAVE_VETH=1
else
	notrun "net shape veth: veth pair into a namespace" "cannot create it: $out"
fi

# --- the EDT engine: each packet's departure time, fq holds it (sch_fq).
unset MINDERBINDER_ENGINE
"$MB" status > "$TMP/engines" 2>&1
if ! grep -Eq '^  edt +available' "$TMP/engines"; then
	notrun "net shape EDT engine (per packet: tc sets skb->tstamp, fq holds it)" \
		"$(sed -n 's/^  edt *unavailable: //p' "$TMP/engines")"
else
	"$MB" unload > /dev/null 2>&1
	lo_before=$(tc qdisc show dev lo)
	MINDERBINDER_INTERFACES=lo
	export MINDERBINDER_INTERFACES
	edt_latency() {
		shaped "tcp:$P:latency=200ms" "$PP" ping 127.0.0.1 "$P" $((8 * SLOW))
		registered "$TPID" || { wait "$TPID"; fail "net shape edt: the target registers" "$(lines "$TMP/t")"; return 2; }
		cp "$TMP/reg" "$TMP/status"
		# fq goes on before the target's main() runs; the entry that
		# status lists is written a moment before.
		wait_line "$TMP/t" '^rtt_us='
		tc qdisc show dev lo > "$TMP/lo.during"
		"$PP" ping 127.0.0.1 "$P" 200 > "$TMP/by" 2>&1
		wait "$TPID"
		tmin=$(field "$TMP/t" min_us); bmed=$(field "$TMP/by" median_us)
		[ -n "$tmin" ] && [ -n "$bmed" ] || { fail "net shape edt: both clients ran" "$(lines "$TMP/t") / $(lines "$TMP/by")"; return 2; }
		[ "$tmin" -ge 200000 ] || { fail "net shape edt latency: every round trip >= 200 ms" "min_us=$tmin"; return 2; }
		[ "$bmed" -lt $((100000 * SLOW)) ]
	}
	ok=1
	for try in 1 2 3; do
		edt_latency; r=$?
		[ $r = 2 ] && { ok=2; break; }
		[ $r = 0 ] && { ok=0; break; }
	done
	if [ $ok = 0 ]; then
		pass "net shape edt latency: tcp:PORT:latency=200ms, every round trip >= 200 ms (min $tmin us)"
		pass "net shape edt latency: a bystander on the same port at the same time is not slowed (median $bmed us)"
	elif [ $ok = 1 ]; then
		fail "net shape edt latency: bystander within bounds in 3 tries" "$(tail -1 "$TMP/by")"
	fi
	if grep -Eq "^    \[0\] tcp:$P:latency=200ms +edt" "$TMP/status"; then
		pass "net shape edt: status says the EDT engine serves the rule"
	else
		fail "net shape edt: status says the EDT engine serves the rule" "$(lines "$TMP/status")"
	fi
	if grep -q '^qdisc fq 4d42: root' "$TMP/lo.during"; then
		pass "net shape edt: fq (handle 4d42:) is lo's root qdisc while the target shapes"
	else
		fail "net shape edt: fq is lo's root qdisc while the target shapes" "$(lines "$TMP/lo.during")"
	fi
	# Per packet: one round of 5 writes takes >= 70 ms, and comes back in
	# order (departure times never go back within a socket).
	MINDERBINDER_NET="tcp:$P:latency=100ms:jitter=30ms" LD_PRELOAD="$AGENT" \
		"$PP" ping 127.0.0.1 "$P" 10 5 > "$TMP/j5" 2>&1
	if [ "$(field "$TMP/j5" ordered)" = yes ] && [ "$(field "$TMP/j5" min_us)" -ge 70000 ]; then
		pass "net shape edt jitter: 10 rounds of 5 writes, each round >= 70 ms, echoed in order (min $(field "$TMP/j5" min_us) us)"
	else
		fail "net shape edt jitter: >= 70 ms and in order" "$(tail -1 "$TMP/j5")"
	fi
	MINDERBINDER_NET="tcp:$P:latency=100ms:jitter=30ms" LD_PRELOAD="$AGENT" \
		"$PP" ping 127.0.0.1 "$P" 20 > "$TMP/j1" 2>&1
	spread=$(sed -n 's/^rtt_us=//p' "$TMP/j1" | sort -n | sed -n '1p;$p' | tr '\n' ' ' | awk '{print $2 - $1}')
	if [ "$(field "$TMP/j1" min_us)" -ge 70000 ] && [ -n "$spread" ] && [ "$spread" -gt 20000 ]; then
		pass "net shape edt jitter: one packet a round, >= 70 ms, and the delays vary (spread $spread us)"
	else
		fail "net shape edt jitter: one packet a round" "spread '$spread': $(tail -1 "$TMP/j1")"
	fi
	edt_bw() {
		shaped "tcp:$P:bandwidth=8mbit" "$PP" bulk 127.0.0.1 "$P" 4194304
		# In the registry yet? The pinned map, not status: status takes
		# seconds under TCG, longer than this target lives. Not seen
		# before it ended: no bystander ran meanwhile; another try.
		in_registry "$TPID" || { wait "$TPID"; [ -n "$(field "$TMP/t" ms)" ] && return 1; return 2; }
		"$PP" bulk 127.0.0.1 "$P" 4194304 > "$TMP/by" 2>&1
		wait "$TPID"
		tms=$(field "$TMP/t" ms); bms=$(field "$TMP/by" ms)
		[ -n "$tms" ] && [ -n "$bms" ] || return 2
		[ "$tms" -ge 3500 ] || return 3
		[ "$bms" -lt $((2000 * SLOW)) ]
	}
	ok=1
	: > "$TMP/by"
	for try in 1 2 3; do
		edt_bw; r=$?
		[ $r -ge 2 ] && { ok=$r; break; }
		[ $r = 0 ] && { ok=0; break; }
	done
	case $ok in
	0) pass "net shape edt bandwidth: 4 MiB at 8mbit takes >= 3.5 s ($tms ms); a bystander's meanwhile $bms ms" ;;
	3) fail "net shape edt bandwidth: 4 MiB at 8mbit takes >= 3.5 s" "ms=$tms" ;;
	*) fail "net shape edt bandwidth" "target: $(lines "$TMP/t") bystander: $(lines "$TMP/by")" ;;
	esac
	"$MB" unload > "$TMP/unload" 2>&1
	if [ "$(tc qdisc show dev lo)" = "$lo_before" ]; then
		pass "net shape edt: unload restores lo's root qdisc ($(echo "$lo_before" | head -1 | cut -c1-40))"
	else
		fail "net shape edt: unload restores lo's root qdisc" "before: $lo_before after: $(tc qdisc show dev lo) unload: $(lines "$TMP/unload")"
	fi
	if [ -n "${HAVE_VETH:-}" ]; then
		# Someone's root qdisc: refused, untouched.
		tc qdisc replace dev "$HOSTIF" root handle 1: htb default 1
		MINDERBINDER_INTERFACES=$HOSTIF MINDERBINDER_NET="tcp:$P:latency=10ms" LD_PRELOAD="$AGENT" \
			"$PP" ping 10.201.0.2 "$P" 1 > "$TMP/e" 2>&1
		rc=$?
		if [ "$rc" = 125 ] && grep -q "will not replace" "$TMP/e" && tc qdisc show dev "$HOSTIF" | grep -q '^qdisc htb 1: root'; then
			pass "net shape edt: a root qdisc minderbinder did not create is refused, and left as it was"
		else
			fail "net shape edt: a foreign root qdisc refused" "rc=$rc: $(lines "$TMP/e") qdisc: $(tc qdisc show dev "$HOSTIF")"
		fi
		# Someone's fq: used, and still there after unload.
		tc qdisc replace dev "$HOSTIF" root handle 7: fq
		MINDERBINDER_INTERFACES=$HOSTIF MINDERBINDER_NET="tcp:$P:latency=150ms" LD_PRELOAD="$AGENT" \
			"$PP" ping 10.201.0.2 "$P" 3 > "$TMP/v" 2>&1
		"$MB" unload > "$TMP/unload" 2>&1
		if [ "$(field "$TMP/v" min_us)" -ge 150000 ] && tc qdisc show dev "$HOSTIF" | grep -q '^qdisc fq 7: root'; then
			pass "net shape edt veth: an fq that was there is used (min $(field "$TMP/v" min_us) us) and kept by unload"
		else
			fail "net shape edt veth: an fq that was there" "$(lines "$TMP/v") qdisc: $(tc qdisc show dev "$HOSTIF")"
		fi
		tc qdisc del dev "$HOSTIF" root 2>/dev/null
	fi
	unset MINDERBINDER_INTERFACES
fi

# --- --interface with a rule served per call: refused, not ignored (the
# supervisor sees calls, not interfaces). Forced to seccomp, so it is the
# per-call engine on every kernel.
MINDERBINDER_ENGINE=seccomp "$MB" run --interface lo -n "tcp:$P:latency=10ms" -- true \
	> "$TMP/iface" 2>&1
rc=$?
if [ $rc = 125 ] && grep -q "cannot limit it: without fq it is served per call" "$TMP/iface"; then
	pass "net shape --interface with a per-call rule is refused (exit 125), not ignored"
else
	fail "net shape --interface with a per-call rule is refused" "rc=$rc $(lines "$TMP/iface")"
fi

# --- nothing left behind: every target's entry and supervisor gone (a
# supervisor's exit is its own; a zombie not reaped yet has done it).
sups_gone() {
	for s in $(cat "$TMP/sups"); do
		[ "$s" = 0 ] || gone "$s" || return 1
	done
}
wait_for 50 sups_gone
left=""
for p in $(cat "$TMP/pids"); do
	"$MB" status 2>/dev/null | grep -q "^  pid $p " && left="$left target-$p"
done
sups=""
for s in $(cat "$TMP/sups"); do
	[ "$s" != 0 ] && ! gone "$s" && sups="$sups $s"
done
if [ -z "$left" ] && [ -z "$sups" ] && [ -s "$TMP/sups" ]; then
	pass "net shape cleanup: no entry of the $(wc -l < "$TMP/pids") exited targets, no supervisor left"
else
	fail "net shape cleanup" "left:$left supervisors: $sups"
fi

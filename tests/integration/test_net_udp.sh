# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Network faults on UDP, on loopback: port filter (IPv4 and IPv6),
# rate=50% with the per-rule counters, delay=, after=/times=, seed=, and
# udp:PORT:ERRNO on sendto() (cgroup sendmsg hooks).
. "$(dirname "$0")/lib.sh"

AGENT="$OUT/libmbpreload.so"
TMP=$(mktemp -d)
SERVERS=""
BASE=$((20000 + ($$ % 120) * 100 + 50))

cleanup() {
	for p in $SERVERS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# counter NAME ADDR PORT: a counting UDP server (listing sequence
# numbers) in the background, ready; its pid in CPID_NAME via eval.
counter() {
	"$PROGS/net_udp_count" -l "$2" "$3" > "$TMP/$1.cnt" 2>&1 &
	eval "CPID_$1=$!"
	SERVERS="$SERVERS $!"
	wait_line "$TMP/$1.cnt" '^ready' || { echo "counter $1 $2 $3: $(lines "$TMP/$1.cnt")"; return 1; }
}

# finish NAME: stop the counter, wait for its report; GOT is the number
# of datagrams it received. (Not in $(...): a subshell cannot wait for
# the counter.)
finish() {
	eval "p=\$CPID_$1"
	sleep 0.2
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	GOT=$(sed -n 's/^received //p' "$TMP/$1.cnt")
}
seqs() { sed -n 's/^seqs //p' "$TMP/$1.cnt"; }

# counters_of PID IDX: "calls faults" of that rule in mb_counters.
counters_of() {
	bpftool -j map dump pinned "$MB_COUNTERS_PIN" 2>/dev/null |
		sed 's/"formatted"/\n/g' | grep "\"tgid\":$1,\"idx\":$2}" |
		sed -n 's/.*"calls":\([0-9]*\),"faults":\([0-9]*\).*/\1 \2/p'
}

net_ready "net udp" net_udp_send net_udp_count || exit 0
SEND="$PROGS/net_udp_send"
P1=$((BASE + 1))
P2=$((BASE + 2))

net_registers "net udp: a target with a drop rule registers and runs" "udp:$P2:drop" '^sent 1 0' \
	"$SEND" 127.0.0.1 "$P1" 1 || exit 0

# --- port filter, IPv4: the same rule, datagrams to its port are lost,
# to another port delivered (and sendto() itself succeeds: a silent drop).
if counter a 127.0.0.1 "$P1" && counter b 127.0.0.1 "$P2"; then
	net_target "$TMP/pa" "udp:$P1:drop" "$SEND" 127.0.0.1 "$P1" 20
	wait "$TPID"
	net_target "$TMP/pb" "udp:$P1:drop" "$SEND" 127.0.0.1 "$P2" 20
	wait "$TPID"
	finish a
	ra=$GOT
	finish b
	rb=$GOT
	if [ "$ra" = 0 ] && grep -q '^sent 20 0' "$TMP/pa"; then
		pass "net udp port filter: datagrams to the matched port are lost, sendto() succeeds (IPv4)"
	else
		fail "net udp port filter: datagrams to the matched port are lost (IPv4)" \
			"server got '$ra' of 20; sender: $(lines "$TMP/pa")"
	fi
	if [ "$rb" = 20 ]; then
		pass "net udp port filter: datagrams to another port are delivered (IPv4)"
	else
		fail "net udp port filter: datagrams to another port are delivered (IPv4)" \
			"server got '$rb' of 20; sender: $(lines "$TMP/pb")"
	fi
else
	fail "net udp: counting servers on 127.0.0.1" "could not start them"
fi

# --- the same for IPv6 on ::1.
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
	if counter a6 ::1 "$P1" && counter b6 ::1 "$P2"; then
		net_target "$TMP/pa6" "udp:$P1:drop" "$SEND" ::1 "$P1" 20
		wait "$TPID"
		net_target "$TMP/pb6" "udp:$P1:drop" "$SEND" ::1 "$P2" 20
		wait "$TPID"
		finish a6
		ra=$GOT
		finish b6
		rb=$GOT
		if [ "$ra" = 0 ] && [ "$rb" = 20 ]; then
			pass "net udp port filter: IPv6 (::1) matched port lost, another delivered"
		else
			fail "net udp port filter: IPv6 (::1)" "matched port got '$ra' (want 0), other '$rb' (want 20)"
		fi
	else
		fail "net udp: counting servers on ::1" "could not start them"
	fi
else
	notrun "net udp port filter: IPv6 (::1)" "no ::1 on lo"
fi

# --- proto any, and a tcp rule that must leave UDP alone.
if counter y 127.0.0.1 "$P1"; then
	net_target "$TMP/any" "any:$P1:drop" "$SEND" 127.0.0.1 "$P1" 10
	wait "$TPID"
	net_target "$TMP/tcp" "tcp:$P1:drop" "$SEND" 127.0.0.1 "$P1" 10
	wait "$TPID"
	finish y
	got=$GOT
	s=$(seqs y)
	if [ "$got" = 10 ] && [ "$s" = "0,1,2,3,4,5,6,7,8,9" ]; then
		pass "net udp proto: any:PORT:drop drops UDP, tcp:PORT:drop leaves it alone"
	else
		fail "net udp proto: any drops UDP, tcp does not" "received '$got' datagrams (want the tcp-rule sender's 10 only): $s"
	fi
else
	fail "net udp proto" "could not start the counting server"
fi

# --- rate=50% over N datagrams: the number dropped is Binomial(N, 1/2);
# accept mean +- 5 sigma (a correct implementation fails once in ~1.7
# million runs). The counters must say exactly what happened, read while
# the sender is still alive (it pauses before exit).
N=2000
LO=$(awk -v n=$N 'BEGIN { printf "%d", n / 2 - 5 * sqrt(n / 4) + 0.999 }')
HI=$(awk -v n=$N 'BEGIN { printf "%d", n / 2 + 5 * sqrt(n / 4) }')
if counter r 127.0.0.1 "$P1"; then
	net_target "$TMP/rate" "udp:$P1:drop:rate=50%" "$SEND" -p 4000 127.0.0.1 "$P1" "$N"
	T=$TPID
	if wait_line "$TMP/rate" '^done' 100; then
		sleep 0.2
		cnt=$(counters_of "$T" 0)
	else
		cnt=""
	fi
	finish r
	got=$GOT
	drops_rcv=$(sed -n 's/^rcvbuf_drops //p' "$TMP/r.cnt")
	kill "$T" 2>/dev/null
	wait "$T" 2>/dev/null
	dropped=$((N - ${got:-0}))
	if grep -q "^sent $N 0" "$TMP/rate" && [ "$dropped" -ge "$LO" ] && [ "$dropped" -le "$HI" ]; then
		pass "net udp rate=50%: $dropped of $N dropped, within [$LO, $HI] (5 sigma)"
	else
		fail "net udp rate=50%: drop fraction" \
			"$dropped of $N dropped, want [$LO, $HI]; sender: $(lines "$TMP/rate"); receiver socket drops: $drops_rcv"
	fi
	if [ "$cnt" = "$N $dropped" ] && [ "$drops_rcv" = 0 ]; then
		pass "net udp rate=50%: mb_counters of the live sender: calls=$N (sent), faults=$dropped (sent - received)"
	else
		fail "net udp rate=50%: mb_counters of the live sender" \
			"calls faults = '$cnt', want '$N $dropped' (received ${got:-?}, receiver socket drops $drops_rcv)"
	fi
else
	fail "net udp rate=50%" "could not start the counting server"
fi

# --- delay=D: a datagram sent at once arrives, one sent D+200 ms later is
# dropped. delay= counts from the process's start, so a slow start (a
# loaded guest: the agent's registration alone can take that long) can
# send the first one after the window opened; the sender prints each
# burst's age, and the check moves to a longer delay until the first
# burst is clearly inside it and the second clearly past it.
delay_checked=""
for D in 500 2000 6000; do
	counter d 127.0.0.1 "$P1" || break
	net_target "$TMP/delay" "udp:$P1:drop:delay=${D}ms" "$SEND" -a 127.0.0.1 "$P1" 1 1@$((D + 200))
	wait "$TPID"
	finish d
	a0=$(sed -n 's/^age 0 //p' "$TMP/delay")
	a1=$(sed -n 's/^age 1 //p' "$TMP/delay")
	# 50 ms either side of the edge: the start time has 10 ms steps.
	if [ -n "$a0" ] && [ -n "$a1" ] && [ "$a0" -ge 0 ] && [ "$a0" -lt $((D - 50)) ] &&
		[ "$a1" -gt $((D + 50)) ]; then
		delay_checked=$D
		break
	fi
	echo "# delay=${D}ms: first burst at ${a0:-?} ms, second at ${a1:-?} ms after start: too slow to tell; longer" >&2
done
if [ -z "$delay_checked" ]; then
	if [ -n "${a0:-}" ]; then
		notrun "net udp delay=: the datagram sent at once arrives, the later one is dropped" \
			"this machine started the sender too slowly (first datagram ${a0} ms after start even with delay=6000ms)"
	else
		fail "net udp delay=" "could not start the counting server or the sender: $(lines "$TMP/delay")"
	fi
else
	got=$GOT
	s=$(seqs d)
	if [ "$got" = 1 ] && [ "$s" = 0 ]; then
		pass "net udp delay=${delay_checked}ms: the datagram sent at once (${a0} ms) arrives, the one at ${a1} ms is dropped"
	else
		fail "net udp delay=${delay_checked}ms" "received '$got' datagrams, seqs '$s' (want only 0); sender: $(lines "$TMP/delay")"
	fi
fi

# --- after=3:times=2: the first 3 pass, the next 2 are dropped, the rest pass.
if counter t 127.0.0.1 "$P1"; then
	net_target "$TMP/after" "udp:$P1:drop:after=3:times=2" "$SEND" 127.0.0.1 "$P1" 10
	wait "$TPID"
	finish t
	s=$(seqs t)
	if [ "$s" = "0,1,2,5,6,7,8,9" ]; then
		pass "net udp after=3:times=2: datagrams 3 and 4 (of 0..9) dropped, the rest delivered"
	else
		fail "net udp after=3:times=2" "received seqs '$s', want 0,1,2,5,6,7,8,9"
	fi
else
	fail "net udp after=/times=" "could not start the counting server"
fi

# --- seed=: the same seed, the same datagrams dropped.
if counter s1 127.0.0.1 "$P1"; then
	net_target "$TMP/seed1" "udp:$P1:drop:rate=50%:seed=42" "$SEND" 127.0.0.1 "$P1" 200
	wait "$TPID"
	finish s1
	counter s2 127.0.0.1 "$P1"
	net_target "$TMP/seed2" "udp:$P1:drop:rate=50%:seed=42" "$SEND" 127.0.0.1 "$P1" 200
	wait "$TPID"
	finish s2
	a=$(seqs s1)
	b=$(seqs s2)
	na=$(sed -n 's/^received //p' "$TMP/s1.cnt")
	if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$na" -gt 0 ] && [ "$na" -lt 200 ]; then
		pass "net udp seed=42: two runs drop the same datagrams"
	else
		fail "net udp seed=42: two runs drop the same datagrams" \
			"run 1 received $(echo "$a" | tr ',' '\n' | wc -l): $(echo "$a" | cut -c1-60)...; run 2 received $(echo "$b" | tr ',' '\n' | wc -l): $(echo "$b" | cut -c1-60)..."
	fi
else
	fail "net udp seed=" "could not start the counting server"
fi

# seed= is one stream on every engine (minderbinder/rng.h): the first run
# received the datagrams the generator lets through, one draw each.
want=$("$PROGS/seed_stream" -r 42 50 200)
if [ -n "$want" ] && [ "$(seqs s1 2>/dev/null)" = "$want" ]; then
	pass "net udp seed=42: the datagrams dropped are those minderbinder/rng.h predicts, as the supervisor's faults are"
else
	fail "net udp seed=42: the datagrams dropped are those minderbinder/rng.h predicts" \
		"received $(seqs s1 2>/dev/null | cut -c1-60)...; predicted $(echo "$want" | cut -c1-60)..."
fi

# --- udp:PORT:ENETUNREACH: sendto() with an address fails with it; another
# port is not affected; a plain sender at the same moment is not either.
if counter e 127.0.0.1 "$P1" && counter e2 127.0.0.1 "$P2"; then
	net_target "$TMP/unreach" "udp:$P1:ENETUNREACH" "$SEND" 127.0.0.1 "$P1" 3
	T=$TPID
	"$SEND" 127.0.0.1 "$P1" 5 > "$TMP/unreach_sib" 2>&1 &
	S=$!
	wait "$T" "$S"
	net_target "$TMP/unreach2" "udp:$P1:ENETUNREACH" "$SEND" 127.0.0.1 "$P2" 3
	wait "$TPID"
	finish e
	got=$GOT
	finish e2
	got2=$GOT
	if grep -q '^sent 0 3' "$TMP/unreach" && grep -q '^errno ENETUNREACH' "$TMP/unreach"; then
		pass "net udp errno: udp:PORT:ENETUNREACH makes sendto() fail with ENETUNREACH"
	else
		fail "net udp errno: udp:PORT:ENETUNREACH makes sendto() fail" "sender: $(lines "$TMP/unreach")"
	fi
	if [ "$got" = 5 ] && grep -q '^sent 5 0' "$TMP/unreach_sib"; then
		pass "net udp errno: a non-opted sender at the same moment delivers all 5 (and the target none)"
	else
		fail "net udp errno: a non-opted sender at the same moment is untouched" \
			"server got '$got' (want 5 from the plain sender); plain: $(lines "$TMP/unreach_sib")"
	fi
	if [ "$got2" = 3 ] && grep -q '^sent 3 0' "$TMP/unreach2"; then
		pass "net udp errno: sendto() to another port succeeds"
	else
		fail "net udp errno: sendto() to another port succeeds" "server got '$got2'; sender: $(lines "$TMP/unreach2")"
	fi
else
	fail "net udp errno" "could not start the counting servers"
fi

# --- untouched: a plain sender, same program, same user, while a target
# with udp:*:drop sends to the same server.
if counter u 127.0.0.1 "$P1"; then
	net_target "$TMP/ut" "udp:*:drop" "$SEND" -u 100 127.0.0.1 "$P1" 300
	T=$TPID
	"$SEND" -u 100 127.0.0.1 "$P1" 300 > "$TMP/us" 2>&1 &
	S=$!
	wait "$T" "$S"
	finish u
	got=$GOT
	if [ "$got" = 300 ] && grep -q '^sent 300 0' "$TMP/ut"; then
		pass "net udp untouched: all 300 of the plain sender arrive, none of the concurrent target's 300"
	else
		fail "net udp untouched" "server got '$got', want the plain sender's 300 and none of the target's; target: $(lines "$TMP/ut"); plain: $(lines "$TMP/us")"
	fi
else
	fail "net udp untouched" "could not start the counting server"
fi

# --- the exited targets left nothing behind.
net_no_leftovers "net udp" "$TMP/pids"

# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Network faults on TCP, on loopback: drop (tc engine), refuse and custom
# errnos (cgroup engine), port and address filters, IPv6, SO_MARK, and a
# process that did not opt in, started at the same moment, untouched.
. "$(dirname "$0")/lib.sh"

AGENT="$OUT/libmbpreload.so"
TMP=$(mktemp -d)
SERVERS=""
# Ports below the ephemeral range, spread by our pid so that two runs
# at the same time do not collide.
BASE=$((20000 + ($$ % 120) * 100))

cleanup() {
	for p in $SERVERS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# server NAME ADDR PORT...: a TCP server in the background, ready.
server() {
	n=$1; shift
	"$PROGS/net_tcp_server" "$@" > "$TMP/$n.srv" 2>&1 &
	SERVERS="$SERVERS $!"
	wait_line "$TMP/$n.srv" '^ready' || { echo "server $*: $(lines "$TMP/$n.srv")"; return 1; }
}

# plain OUT CMD...: CMD without the agent, in the background; PPID_ is its pid.
plain() {
	o=$1; shift
	"$@" > "$o" 2>&1 &
	PPID_=$!
}

# expect NAME FILE LINE REGEX: line LINE of FILE matches REGEX.
expect() {
	l=$(sed -n "$3p" "$2")
	if echo "$l" | grep -Eq -- "$4"; then pass "$1"; else fail "$1" "line $3 is '$l', want /$4/; output: $(lines "$2")"; fi
}

ms_of() { sed -n "$2p" "$1" | sed -n 's/.*ms=\([0-9]*\).*/\1/p'; }

net_ready "net tcp" net_tcp_client net_tcp_server || exit 0

P1=$((BASE + 1)) # the port the rules name
P2=$((BASE + 2)) # another port
if ! server main 127.0.0.1 "$P1" 127.0.0.1 "$P2" 127.0.0.2 "$P1" 127.0.0.2 "$P2" > "$TMP/main.err"; then
	fail "net tcp: servers on 127.0.0.1/127.0.0.2" "$(lines "$TMP/main.err")"
	exit 0
fi
HAVE6=0
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128' &&
	server six ::1 "$P1" ::1 "$P2" > "$TMP/six.err"; then
	HAVE6=1
fi

net_registers "net tcp: a target with a drop rule registers and runs" "tcp:$P1:drop" '^connected' \
	"$PROGS/net_tcp_client" -t 300 127.0.0.1 "$P2" || exit 0
# The engines that just served it are reported as such.
"$OUT/minderbinder" status > "$TMP/status" 2>&1
if grep -Eq '^ *cgroup +available' "$TMP/status" && grep -Eq '^ *tc +available' "$TMP/status"; then
	pass "net tcp: minderbinder status reports the cgroup and tc engines available"
else
	fail "net tcp: minderbinder status reports the cgroup and tc engines available" \
		"$(grep -E '^ *(cgroup|tc) ' "$TMP/status" | tr '\n' '|')"
fi

# --- drop: the SYN vanishes; a plain client at the same moment connects.
plain "$TMP/before" "$PROGS/net_tcp_client" -t 1000 127.0.0.1 "$P1"
wait "$PPID_"
expect "net tcp drop: without the agent the client connects" "$TMP/before" 1 '^connected'

net_target "$TMP/drop" "tcp:$P1:drop" "$PROGS/net_tcp_client" -t 1000 127.0.0.1 "$P1"
T=$TPID
plain "$TMP/sibling" "$PROGS/net_tcp_client" -t 1000 127.0.0.1 "$P1"
S=$PPID_
wait "$T" "$S"
expect "net tcp drop: tcp:PORT:drop, the connection does not complete (1 s timeout)" \
	"$TMP/drop" 1 '^timeout'
expect "net tcp drop: a non-opted client connecting at the same moment succeeds" \
	"$TMP/sibling" 1 '^connected'

# --- port filter, IPv4: one process, the named port dropped, the other not.
net_target "$TMP/ports" "tcp:$P1:drop" "$PROGS/net_tcp_client" -t 700 127.0.0.1 "$P1" 127.0.0.1 "$P2"
wait "$TPID"
expect "net tcp port filter: the matched port is dropped (IPv4)" "$TMP/ports" 1 '^timeout'
expect "net tcp port filter: another port passes (IPv4)" "$TMP/ports" 2 '^connected'

# A port range and the wildcard.
net_target "$TMP/range" "tcp:$P1-$((P1 + 0)):drop;tcp:$((P2 + 1))-$((P2 + 50)):drop" \
	"$PROGS/net_tcp_client" -t 700 127.0.0.1 "$P2" 127.0.0.1 "$P1"
wait "$TPID"
expect "net tcp port filter: a range N-M that excludes the port passes" "$TMP/range" 1 '^connected'
expect "net tcp port filter: a range N-N drops its port" "$TMP/range" 2 '^timeout'
net_target "$TMP/star" "tcp:*:drop" "$PROGS/net_tcp_client" -t 700 127.0.0.1 "$P2"
wait "$TPID"
expect "net tcp port filter: tcp:*:drop drops every port" "$TMP/star" 1 '^timeout'
net_target "$TMP/udponly" "udp:*:drop" "$PROGS/net_tcp_client" -t 700 127.0.0.1 "$P1"
wait "$TPID"
expect "net tcp port filter: a udp rule leaves TCP alone" "$TMP/udponly" 1 '^connected'

# --- IPv6.
if [ "$HAVE6" = 1 ]; then
	net_target "$TMP/six" "tcp:$P1:drop" "$PROGS/net_tcp_client" -t 700 ::1 "$P1" ::1 "$P2"
	wait "$TPID"
	expect "net tcp port filter: the matched port is dropped (IPv6, ::1)" "$TMP/six" 1 '^timeout'
	expect "net tcp port filter: another port passes (IPv6, ::1)" "$TMP/six" 2 '^connected'
	net_target "$TMP/six_addr" "tcp:$P1:drop:addr=[::1]/128" \
		"$PROGS/net_tcp_client" -t 700 127.0.0.1 "$P1" ::1 "$P1"
	wait "$TPID"
	expect "net tcp addr filter: addr=[::1]/128 leaves IPv4 to the same port alone" \
		"$TMP/six_addr" 1 '^connected'
	expect "net tcp addr filter: addr=[::1]/128 drops ::1" "$TMP/six_addr" 2 '^timeout'
	# A dual-stack (AF_INET6) socket reaching 127.0.0.1 as ::ffff:127.0.0.1
	# (what Java and others do): its packets are IPv4, and an IPv4 addr=
	# rule must apply to it, for drop (tc) and refuse (connect6) alike.
	net_target "$TMP/mapped" "tcp:$P1:drop:addr=127.0.0.1/32;tcp:$P2:refuse:addr=127.0.0.1/32" \
		"$PROGS/net_tcp_client" -t 700 ::ffff:127.0.0.1 "$P1" ::ffff:127.0.0.1 "$P2"
	wait "$TPID"
	expect "net tcp addr filter: drop with addr=127.0.0.1/32 applies to ::ffff:127.0.0.1 (dual-stack socket)" \
		"$TMP/mapped" 1 '^timeout'
	expect "net tcp addr filter: refuse with addr=127.0.0.1/32 applies to ::ffff:127.0.0.1 (dual-stack socket)" \
		"$TMP/mapped" 2 '^errno ECONNREFUSED'
else
	notrun "net tcp: IPv6 on ::1" "no ::1 on lo: $(cat "$TMP/six.err" 2>/dev/null)"
fi

# --- addr= filter: 127.0.0.2 vs 127.0.0.1, both on lo.
net_target "$TMP/addr" "tcp:$P1:drop:addr=127.0.0.2/32" \
	"$PROGS/net_tcp_client" -t 700 127.0.0.2 "$P1" 127.0.0.1 "$P1"
wait "$TPID"
expect "net tcp addr filter: addr=127.0.0.2/32 drops 127.0.0.2" "$TMP/addr" 1 '^timeout'
expect "net tcp addr filter: addr=127.0.0.2/32 leaves 127.0.0.1 alone" "$TMP/addr" 2 '^connected'
net_target "$TMP/addr8" "tcp:*:drop:addr=127.0.0.0/8" \
	"$PROGS/net_tcp_client" -t 700 127.0.0.2 "$P2"
wait "$TPID"
expect "net tcp addr filter: addr=127.0.0.0/8 covers 127.0.0.2" "$TMP/addr8" 1 '^timeout'

# --- refuse: ECONNREFUSED at once although a server listens; a plain
# client at the same moment connects.
net_target "$TMP/refuse" "tcp:$P1:refuse" "$PROGS/net_tcp_client" -t 2000 127.0.0.1 "$P1" 127.0.0.1 "$P2"
T=$TPID
plain "$TMP/refuse_sib" "$PROGS/net_tcp_client" -t 2000 127.0.0.1 "$P1"
S=$PPID_
wait "$T" "$S"
expect "net tcp refuse: connect() fails with ECONNREFUSED although a server listens" \
	"$TMP/refuse" 1 '^errno ECONNREFUSED'
ms=$(ms_of "$TMP/refuse" 1)
if [ -n "$ms" ] && [ "$ms" -lt 500 ]; then
	pass "net tcp refuse: ECONNREFUSED comes at once (${ms} ms < 500 ms)"
else
	fail "net tcp refuse: ECONNREFUSED comes at once" "took '${ms}' ms: $(lines "$TMP/refuse")"
fi
expect "net tcp refuse: another port connects" "$TMP/refuse" 2 '^connected'
expect "net tcp refuse: a non-opted client at the same moment connects" \
	"$TMP/refuse_sib" 1 '^connected'
if [ "$HAVE6" = 1 ]; then
	net_target "$TMP/refuse6" "tcp:$P1:refuse" "$PROGS/net_tcp_client" -t 2000 ::1 "$P1"
	wait "$TPID"
	expect "net tcp refuse: IPv6 connect() fails with ECONNREFUSED (connect6)" \
		"$TMP/refuse6" 1 '^errno ECONNREFUSED'
fi

# --- custom errnos, two rules in one spec.
net_target "$TMP/errnos" "tcp:$P1:ETIMEDOUT;tcp:$P2:EHOSTUNREACH" \
	"$PROGS/net_tcp_client" -t 2000 127.0.0.1 "$P1" 127.0.0.1 "$P2"
wait "$TPID"
expect "net tcp errno: tcp:PORT:ETIMEDOUT gives ETIMEDOUT" "$TMP/errnos" 1 '^errno ETIMEDOUT'
expect "net tcp errno: tcp:PORT:EHOSTUNREACH gives EHOSTUNREACH" "$TMP/errnos" 2 '^errno EHOSTUNREACH'
net_target "$TMP/errnum" "tcp:$P1:-101" "$PROGS/net_tcp_client" -t 2000 127.0.0.1 "$P1"
wait "$TPID"
expect "net tcp errno: a numeric errno (-101) gives ENETUNREACH" "$TMP/errnum" 1 '^errno ENETUNREACH'
# First matching rule decides: a narrow addr= rule before a broad one.
net_target "$TMP/order" "tcp:$P1:EACCES:addr=127.0.0.2/32;tcp:$P1:refuse" \
	"$PROGS/net_tcp_client" -t 2000 127.0.0.2 "$P1" 127.0.0.1 "$P1"
wait "$TPID"
expect "net tcp errno: the first matching rule decides (narrow rule)" "$TMP/order" 1 '^errno EACCES'
expect "net tcp errno: the first matching rule decides (broad rule)" "$TMP/order" 2 '^errno ECONNREFUSED'
# times= on an errno rule: one refusal, then through.
net_target "$TMP/times" "tcp:$P1:refuse:times=1" \
	"$PROGS/net_tcp_client" -t 2000 127.0.0.1 "$P1" 127.0.0.1 "$P1"
wait "$TPID"
expect "net tcp errno: times=1 refuses once" "$TMP/times" 1 '^errno ECONNREFUSED'
expect "net tcp errno: times=1 then lets the connect through" "$TMP/times" 2 '^connected'

# --- SO_MARK: the target keeps the mark it set, and its rule still works.
net_target "$TMP/mark" "tcp:$P1:drop" "$PROGS/net_tcp_client" -m 42 -t 700 127.0.0.1 "$P1" 127.0.0.1 "$P2"
wait "$TPID"
expect "net tcp SO_MARK: a target sets SO_MARK=42 and reads 42 back" "$TMP/mark" 1 '^mark set=42 got=42$'
expect "net tcp SO_MARK: its drop rule still drops" "$TMP/mark" 2 '^timeout'
expect "net tcp SO_MARK: the mark is still 42 after the dropped connect" "$TMP/mark" 3 '^mark after=42$'
expect "net tcp SO_MARK: another port still connects with the mark" "$TMP/mark" 5 '^connected'
expect "net tcp SO_MARK: the mark is still 42 after a connect" "$TMP/mark" 6 '^mark after=42$'

# --- untouched: several plain clients (same program, same user) run
# while a target with a drop rule on every port runs.
net_target "$TMP/busy" "tcp:*:drop" "$PROGS/net_tcp_client" -t 1000 127.0.0.1 "$P1"
T=$TPID
pids=""
for i in 1 2 3; do
	plain "$TMP/free$i" "$PROGS/net_tcp_client" -t 1000 127.0.0.1 "$P1" 127.0.0.1 "$P2"
	pids="$pids $PPID_"
done
# shellcheck disable=SC2086
wait "$T" $pids
ok=1
for i in 1 2 3; do
	sed -n 1p "$TMP/free$i" | grep -q '^connected' || ok=0
	sed -n 2p "$TMP/free$i" | grep -q '^connected' || ok=0
done
if [ "$ok" = 1 ] && grep -q '^timeout' "$TMP/busy"; then
	pass "net tcp untouched: three non-opted clients connect while a tcp:*:drop target is dropped"
else
	fail "net tcp untouched: non-opted clients connect while a target is dropped" \
		"target: $(lines "$TMP/busy") others: $(cat "$TMP"/free* | tr '\n' '|')"
fi

# --- scope: a child of a target (tree, the default) has the rule for its
# own sockets; with MINDERBINDER_SCOPE=process it is untouched. `; true`
# makes sh fork the client rather than exec it.
C="$PROGS/net_tcp_client -t 700 127.0.0.1 $P1"
net_target "$TMP/tree" "tcp:$P1:drop" sh -c "$C; true"
wait "$TPID"
expect "net tcp scope tree: a child of the target has its packets dropped too" "$TMP/tree" 1 '^timeout'
MINDERBINDER_SCOPE=process MINDERBINDER_NET="tcp:$P1:drop" LD_PRELOAD="$AGENT" \
	sh -c "$C; true" > "$TMP/proc" 2>&1
expect "net tcp scope process: a child of the target is untouched" "$TMP/proc" 1 '^connected'
# A syscall rule next to the network rule: the child registers its own
# network rule through mb-helper, which must not suffer the target's
# syscall faults (mkdir:EPERM here; the client itself makes no mkdir).
MINDERBINDER_SYSCALL="mkdir:EPERM" MINDERBINDER_NET="tcp:$P1:drop" LD_PRELOAD="$AGENT" \
	sh -c "$C; echo status=\$?" > "$TMP/tree_sys" 2>&1
expect "net tcp scope tree: a child of a target with a syscall rule (mkdir:EPERM) and a drop rule runs, dropped" \
	"$TMP/tree_sys" 1 '^timeout'

# --- the exited targets left nothing behind.
net_no_leftovers "net tcp" "$TMP/pids"

# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Network faults across a veth pair into a namespace of our own, the
# interface choice (--interface / MINDERBINDER_INTERFACES), and what
# `minderbinder unload` leaves behind: none of its own filters, qdiscs,
# pins or programs, and every qdisc and filter that was there before it.
#
#   root ns: veth-mbA 10.200.0.1/24  <->  ns mbnet-test: veth-mbB 10.200.0.2/24
. "$(dirname "$0")/lib.sh"

AGENT="$OUT/libmbpreload.so"
MB="$OUT/minderbinder"
NS=mbnet-test
HOSTIF=veth-mbA
NSIF=veth-mbB
TMP=$(mktemp -d)
SERVERS=""
BASE=$((20000 + ($$ % 120) * 100 + 80))

cleanup() {
	for p in $SERVERS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null # takes veth-mbB and so veth-mbA with it
	ip link del "$HOSTIF" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

expect() {
	l=$(sed -n "$3p" "$2")
	if echo "$l" | grep -Eq -- "$4"; then pass "$1"; else fail "$1" "line $3 is '$l', want /$4/; output: $(lines "$2")"; fi
}

# Our filter on DEV's egress hook (handle 0x4d42)?
mb_filter_on() { tc filter show dev "$1" egress 2>/dev/null | grep -q 'handle 0x4d42'; }
clsact_on() { tc qdisc show dev "$1" 2>/dev/null | grep -q 'clsact'; }
max_id() { bpftool "$1" show 2>/dev/null | sed -n 's/^\([0-9][0-9]*\): .*/\1/p' | sort -n | tail -1; }

net_ready "net veth" net_tcp_client net_tcp_server || exit 0
CLIENT="$PROGS/net_tcp_client"

# --- the namespace and the veth pair (leftovers of a killed run first).
ip netns del "$NS" 2>/dev/null
ip link del "$HOSTIF" 2>/dev/null
if ! out=$( (ip netns add "$NS" &&
	ip link add "$HOSTIF" type veth peer name "$NSIF" netns "$NS" &&
	ip addr add 10.200.0.1/24 dev "$HOSTIF" &&
	ip link set "$HOSTIF" up &&
	ip -n "$NS" addr add 10.200.0.2/24 dev "$NSIF" &&
	ip -n "$NS" link set "$NSIF" up &&
	ip -n "$NS" link set lo up) 2>&1); then
	notrun "net veth: veth pair into a namespace" "cannot create it: $out"
	exit 0
fi
P=$((BASE + 1))
ip netns exec "$NS" "$PROGS/net_tcp_server" 10.200.0.2 "$P" > "$TMP/ns.srv" 2>&1 &
SERVERS="$SERVERS $!"
"$PROGS/net_tcp_server" 127.0.0.1 "$P" > "$TMP/lo.srv" 2>&1 &
SERVERS="$SERVERS $!"
if ! wait_line "$TMP/ns.srv" '^ready' || ! wait_line "$TMP/lo.srv" '^ready'; then
	fail "net veth: servers" "ns: $(lines "$TMP/ns.srv") lo: $(lines "$TMP/lo.srv")"
	exit 0
fi

net_registers "net veth: a target with a drop rule registers and runs" "tcp:$((P + 1)):drop" '^connected' \
	"$CLIENT" -t 300 127.0.0.1 "$P" || exit 0

# A fresh start: no filter of an earlier test on any interface, so that
# the veth gets one only when a rule here puts it there. Whether lo had a
# clsact qdisc now tells what unload must leave at the end.
"$MB" unload > "$TMP/unload0" 2>&1
check "net veth: minderbinder unload (fresh start) succeeds" test "$?" = 0
LO_CLSACT_BEFORE=0
clsact_on lo && LO_CLSACT_BEFORE=1
# A clsact and a filter of our own on the veth, there before minderbinder.
# The filter sits after minderbinder's (prio 65000 > 0xc0de): one that
# ends classification first would hide every drop. matchall where the
# kernel has it, else u32 (match everything, no action: pass).
OWN_CLSACT=0
if tc qdisc add dev "$HOSTIF" clsact 2> "$TMP/tcerr"; then
	if tc filter add dev "$HOSTIF" egress prio 65000 matchall action pass 2>> "$TMP/tcerr" ||
		tc filter add dev "$HOSTIF" egress prio 65000 u32 match u32 0 0 2>> "$TMP/tcerr"; then
		OWN_CLSACT=1
	fi
fi
if [ "$OWN_CLSACT" = 0 ]; then
	notrun "net veth: a clsact that was there before survives unload" "tc: $(lines "$TMP/tcerr")"
fi
own_filter_on() { tc filter show dev "$HOSTIF" egress 2>/dev/null | grep -Eq 'pref 65000 (matchall|u32)'; }

"$CLIENT" -t 1000 10.200.0.2 "$P" > "$TMP/plain" 2>&1
expect "net veth: without the agent a client reaches the namespace over the veth" "$TMP/plain" 1 '^connected'

# --- --interface lo: the filter is not attached to the veth, so the veth
# traffic passes; on lo the rule still drops. (A registration elsewhere
# on this machine since our unload may have put a filter on the veth:
# unload again then.)
i=0
while mb_filter_on "$HOSTIF" && [ "$i" -lt 3 ]; do
	echo "note: a registration outside this test attached a filter to $HOSTIF; unloading again"
	"$MB" unload > /dev/null 2>&1
	i=$((i + 1))
done
"$MB" run --interface lo -n "tcp:$P:drop" -- "$CLIENT" -t 700 10.200.0.2 "$P" 127.0.0.1 "$P" > "$TMP/iflo" 2>&1 &
echo $! >> "$TMP/pids"
wait $!
expect "net veth: run --interface lo, traffic over the veth passes" "$TMP/iflo" 1 '^connected'
expect "net veth: run --interface lo, traffic on lo is dropped" "$TMP/iflo" 2 '^timeout'
if mb_filter_on "$HOSTIF"; then
	fail "net veth: run --interface lo attaches nothing to the veth" "$(tc filter show dev "$HOSTIF" egress | tr '\n' '|')"
else
	pass "net veth: run --interface lo attaches nothing to the veth"
fi
MINDERBINDER_INTERFACES=lo MINDERBINDER_NET="tcp:$P:drop" LD_PRELOAD="$AGENT" \
	"$CLIENT" -t 700 10.200.0.2 "$P" > "$TMP/envlo" 2>&1 &
echo $! >> "$TMP/pids"
wait $!
expect "net veth: MINDERBINDER_INTERFACES=lo, traffic over the veth passes" "$TMP/envlo" 1 '^connected'

# --- --interface veth-mbA: the other way round. `run --help` promises
# "drop rules act on this interface only", so lo must pass although the
# target above left minderbinder's (shared) filter on lo.
"$MB" run --interface "$HOSTIF" -n "tcp:$P:drop" -- "$CLIENT" -t 700 10.200.0.2 "$P" 127.0.0.1 "$P" > "$TMP/ifveth" 2>&1 &
echo $! >> "$TMP/pids"
wait $!
expect "net veth: run --interface veth-mbA, traffic over the veth is dropped" "$TMP/ifveth" 1 '^timeout'
expect "net veth: run --interface veth-mbA, the rule does not act on lo (filter left there by another target)" \
	"$TMP/ifveth" 2 '^connected'

# --- an interface that does not exist: refused before anything runs.
"$MB" run --interface nosuch-mb0 -n "tcp:$P:drop" -- "$CLIENT" -t 700 10.200.0.2 "$P" > "$TMP/nosuch" 2>&1
rc=$?
if [ "$rc" != 0 ] && grep -q 'nosuch-mb0' "$TMP/nosuch" && ! grep -q '^connected\|^timeout' "$TMP/nosuch"; then
	pass "net veth: run --interface with no such interface fails (status $rc) and names it"
else
	fail "net veth: run --interface with no such interface fails" "status $rc: $(lines "$TMP/nosuch")"
fi

# --- every up interface (the default): the veth drops; a non-opted
# client at the same moment passes.
MINDERBINDER_NET="tcp:$P:drop" LD_PRELOAD="$AGENT" "$CLIENT" -t 1000 10.200.0.2 "$P" > "$TMP/all" 2>&1 &
T=$!
echo $T >> "$TMP/pids"
"$CLIENT" -t 1000 10.200.0.2 "$P" > "$TMP/all_sib" 2>&1 &
S=$!
wait "$T" "$S"
expect "net veth: a drop rule drops on the veth (filter on every up interface)" "$TMP/all" 1 '^timeout'
expect "net veth: a non-opted client at the same moment reaches the namespace" "$TMP/all_sib" 1 '^connected'
if mb_filter_on "$HOSTIF"; then
	pass "net veth: the tc filter (handle 0x4d42) is on veth-mbA's egress"
else
	fail "net veth: the tc filter is on veth-mbA's egress" "$(tc filter show dev "$HOSTIF" egress | tr '\n' '|')"
fi

# --- the exited targets left nothing behind.
net_no_leftovers "net veth" "$TMP/pids"

# --- unload: exactly what minderbinder added goes. Objects created by a
# registration that starts after our unload (another test run on this
# machine) have higher ids than any that existed before it.
MAXPROG=$(max_id prog)
MAXMAP=$(max_id map)
MAXLINK=$(max_id link)
"$MB" unload > "$TMP/unload" 2>&1
check "net veth unload: minderbinder unload succeeds" test "$?" = 0
if mb_filter_on lo; then
	fail "net veth unload: no minderbinder filter left on lo egress" "$(tc filter show dev lo egress | tr '\n' '|')"
else
	pass "net veth unload: no minderbinder filter (handle 0x4d42) left on lo egress"
fi
if [ "$LO_CLSACT_BEFORE" = 0 ]; then
	if clsact_on lo; then
		fail "net veth unload: the clsact minderbinder created on lo is gone" "$(tc qdisc show dev lo | tr '\n' '|')"
	else
		pass "net veth unload: the clsact minderbinder created on lo is gone"
	fi
else
	if clsact_on lo; then
		pass "net veth unload: lo's clsact, there before the first registration, is kept"
	else
		fail "net veth unload: lo's clsact, there before the first registration, is kept" "it is gone"
	fi
fi
if mb_filter_on "$HOSTIF"; then
	fail "net veth unload: no minderbinder filter left on veth-mbA" "$(tc filter show dev "$HOSTIF" egress | tr '\n' '|')"
else
	pass "net veth unload: no minderbinder filter left on veth-mbA"
fi
if [ "$OWN_CLSACT" = 1 ]; then
	if clsact_on "$HOSTIF" && own_filter_on; then
		pass "net veth unload: the clsact and the filter that were on veth-mbA before survive"
	else
		fail "net veth unload: the clsact and filter that were on veth-mbA before survive" \
			"qdiscs: $(tc qdisc show dev "$HOSTIF" | tr '\n' '|') filters: $(tc filter show dev "$HOSTIF" egress | tr '\n' '|')"
	fi
fi

# Nothing pinned, no program left (a program is freed a moment after its
# last reference goes: wait up to 3 s).
stale_pins() {
	[ -d "$PIN" ] || return 0
	for f in "$PIN"/*; do
		[ -e "$f" ] || continue
		id=$(bpftool map show pinned "$f" 2>/dev/null | sed -n '1s/^\([0-9]*\):.*/\1/p')
		max=$MAXMAP
		if [ -z "$id" ]; then
			id=$(bpftool link show pinned "$f" 2>/dev/null | sed -n '1s/^\([0-9]*\):.*/\1/p')
			max=$MAXLINK
		fi
		if [ -z "$id" ]; then
			id=$(bpftool prog show pinned "$f" 2>/dev/null | sed -n '1s/^\([0-9]*\):.*/\1/p')
			max=$MAXPROG
		fi
		if [ -z "$id" ] || [ "$id" -le "${max:-0}" ]; then
			echo "${f##*/}"
		fi
	done
}
stale_progs() {
	bpftool prog show 2>/dev/null | sed -n 's/^\([0-9][0-9]*\): .* name \(mb_[A-Za-z0-9_]*\) .*/\1 \2/p' |
		while read -r id name; do
			[ "$id" -le "${MAXPROG:-0}" ] && echo "$name($id)"
		done
}
i=0
while [ "$i" -lt 30 ]; do
	sp=$(stale_pins)
	sg=$(stale_progs)
	[ -z "$sp" ] && [ -z "$sg" ] && break
	sleep 0.1
	i=$((i + 1))
done
newer=""
[ -d "$PIN" ] && newer=" (ignoring $(ls "$PIN" | wc -l) pins of a registration made after the unload)"
if [ -z "$sp" ]; then
	pass "net veth unload: nothing left under $PIN$newer"
else
	fail "net veth unload: nothing left under $PIN" "left: $(echo "$sp" | tr '\n' ' ')"
fi
if [ -z "$sg" ]; then
	pass "net veth unload: bpftool prog show lists no mb_* program"
else
	fail "net veth unload: bpftool prog show lists no mb_* program" "left: $(echo "$sg" | tr '\n' ' ')"
fi

# --- a target inside the namespace (same mount namespace, so cgroup v2
# and bpffs are there): the filter goes on the namespace's interfaces.
# unload in the root namespace cannot reach them and says "run unload
# there"; running unload there must then remove them.
ip netns exec "$NS" "$PROGS/net_tcp_server" 127.0.0.1 "$P" > "$TMP/nslo.srv" 2>&1 &
SERVERS="$SERVERS $!"
if wait_line "$TMP/nslo.srv" '^ready' && command -v nsenter > /dev/null; then
	MINDERBINDER_NET="tcp:$P:drop" LD_PRELOAD="$AGENT" \
		nsenter --net="/run/netns/$NS" "$CLIENT" -t 700 127.0.0.1 "$P" > "$TMP/inns" 2>&1
	expect "net veth: a target inside the namespace has its packets dropped there" "$TMP/inns" 1 '^timeout'
	"$MB" unload > "$TMP/unload_root" 2>&1
	nsenter --net="/run/netns/$NS" "$MB" unload > "$TMP/unload_ns" 2>&1
	if ip netns exec "$NS" tc filter show dev lo egress | grep -q 'handle 0x4d42'; then
		fail "net veth unload: unload in the root namespace, then in the target's namespace, removes the filter there" \
			"the filter is still on the namespace's lo; root unload said: $(grep -i namespace "$TMP/unload_root" | tr '\n' '|') ns unload said: $(lines "$TMP/unload_ns")"
	else
		pass "net veth unload: unload in the root namespace, then in the target's namespace, removes the filter there"
	fi
else
	notrun "net veth: a target inside the namespace" "no server in the namespace or no nsenter: $(lines "$TMP/nslo.srv")"
fi

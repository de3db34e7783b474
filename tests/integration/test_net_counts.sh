# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Network after= and times= count once for the whole registration (the
# process tree under scope tree), as syscall rules do: `sh -c 'c; c'` with
# times=1 has one of its two connects refused, not one per child. Real
# children (no agent in them: the fork hook makes them targets), a real
# listener on loopback.
. "$(dirname "$0")/lib.sh"

AGENT="$OUT/libmbpreload.so"
TMP=$(mktemp -d)
SRV=
trap 'kill $SRV 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
P=$((30000 + ($$ % 120) * 100 + 1))

net_ready "net counts" net_tcp_client net_tcp_server || exit 0

"$PROGS/net_tcp_server" 127.0.0.1 "$P" > "$TMP/srv" 2>&1 &
SRV=$!
if ! wait_line "$TMP/srv" '^ready'; then
	fail "net counts: a server on 127.0.0.1:$P" "$(lines "$TMP/srv")"
	exit 0
fi
C="$PROGS/net_tcp_client"
# The agent is in sh only (env -u keeps it out of the clients): the
# children are targets by the fork hook alone.
KIDS="env -u LD_PRELOAD $C -t 1000 127.0.0.1 $P"

# want NAME FILE EXPECTED: FILE's lines, joined by '|' with the ms=
# figures taken out, are EXPECTED.
want() {
	got=$(sed 's/ ms=[0-9]*//' "$2" | tr '\n' '|')
	if [ "$got" = "$3" ]; then pass "$1"; else fail "$1" "got '$got', want '$3'"; fi
}

# --- times=1 through `minderbinder run`: the issue's own case.
"$OUT/minderbinder" run -n "tcp:$P:refuse:times=1" -- sh -c "$KIDS; $KIDS" > "$TMP/run" 2>&1
want "net counts: run -n tcp:PORT:refuse:times=1 -- sh -c 'c; c': one refusal for the tree" \
	"$TMP/run" "errno ECONNREFUSED|connected|"

# --- the same through the agent.
MINDERBINDER_NET="tcp:$P:refuse:times=1" LD_PRELOAD="$AGENT" sh -c "$KIDS; $KIDS; $KIDS" \
	> "$TMP/agent" 2>&1
want "net counts: MINDERBINDER_NET times=1, three children: the first refused, the others connect" \
	"$TMP/agent" "errno ECONNREFUSED|connected|connected|"

# --- after=1: the first connect of the tree passes, every later one fails.
"$OUT/minderbinder" run -n "tcp:$P:refuse:after=1" -- sh -c "$KIDS; $KIDS; $KIDS" > "$TMP/after" 2>&1
want "net counts: after=1 across three children: the first connects, the next two are refused" \
	"$TMP/after" "connected|errno ECONNREFUSED|errno ECONNREFUSED|"

# --- after=1:times=1: exactly the second connect of the tree.
"$OUT/minderbinder" run -n "tcp:$P:refuse:after=1:times=1" -- sh -c "$KIDS; $KIDS; $KIDS" \
	> "$TMP/both" 2>&1
want "net counts: after=1:times=1 across three children: only the second connect is refused" \
	"$TMP/both" "connected|errno ECONNREFUSED|connected|"

# --- the tc engine counts the same way: a dropped SYN is one fault of the
# tree. A SYN is retransmitted after 1 s (the initial RTO), past both
# clients' timeouts: were the second client's first SYN dropped too (a
# count per child), it would time out as well.
D1="env -u LD_PRELOAD $C -t 300 127.0.0.1 $P"
D2="env -u LD_PRELOAD $C -t 900 127.0.0.1 $P"
"$OUT/minderbinder" run -n "tcp:$P:drop:times=1" -- sh -c "$D1; $D2" > "$TMP/drop" 2>&1
want "net counts: drop:times=1 across two children: the first SYN vanishes, the second connects" \
	"$TMP/drop" "timeout|connected|"

# --- the registrant counts with its children: its own connect is the one
# times=1 allows, so neither child is refused.
MINDERBINDER_NET="tcp:$P:refuse:times=1" LD_PRELOAD="$AGENT" sh -c \
	"$C -t 1000 127.0.0.1 $P; $KIDS" > "$TMP/self" 2>&1
want "net counts: times=1 spent by a child with the agent (which registers as inherited) leaves none for its sibling" \
	"$TMP/self" "errno ECONNREFUSED|connected|"

# --- stats: while a child holds, its rule says where it is counted.
mkfifo "$TMP/go"
"$OUT/minderbinder" run -n "tcp:$P:refuse:times=1" -- sh -c \
	"env -u LD_PRELOAD $C -H -t 1000 127.0.0.1 $P < $TMP/go; true" > "$TMP/held" 2>&1 &
RP=$!
exec 7> "$TMP/go"
if wait_line "$TMP/held" '^held'; then
	"$OUT/minderbinder" stats > "$TMP/stats" 2>&1
	# run execs CMD (or forks it): the registrant is run's pid or its sh child.
	SH=$(pgrep -P "$RP" -x sh | head -1)
	if grep -Eq "counted with pid (${SH:-$RP}|$RP), for the whole tree" "$TMP/stats"; then
		pass "net counts: stats says a child's network rule is counted with the registrant"
	else
		fail "net counts: stats says a child's network rule is counted with the registrant" \
			"run $RP, sh ${SH:-?}: $(lines "$TMP/stats")"
	fi
else
	fail "net counts: a held child under run" "$(lines "$TMP/held")"
fi
exec 7>&-
wait "$RP"

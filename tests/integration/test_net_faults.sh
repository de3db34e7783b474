# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The netem-style packet faults (issue 16), with real senders and
# receivers: corrupt (payload on loopback; checksum through a veth pair
# whose sender computes checksums in software, where a receiver verifies
# them), duplicate, reset on a new connection's first data, direction=in
# on a listening target, the log's names, and the grammar's refusals.
# The reset of a connection held before mb_enable is tests/capi/test_net.c.
. "$(dirname "$0")/lib.sh"

AGENT="$OUT/libmbpreload.so"
MB="$OUT/minderbinder"
PY=/usr/bin/python3
NS=mbnet-faults
HOSTIF=veth-mbF
NSIF=veth-mbG
TMP=$(mktemp -d)
SERVERS=""
BASE=$((20000 + ($$ % 120) * 100 + 20))

cleanup() {
	for p in $SERVERS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOSTIF" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# check_server NAME ADDR PORT [ip netns exec NS]: a checking UDP server
# (net_udp_check) in the background, ready; its pid in CPID_NAME.
check_server() {
	n=$1 a=$2 p=$3
	shift 3
	"$@" "$PROGS/net_udp_check" -T 30 "$a" "$p" > "$TMP/$n.chk" 2>&1 &
	eval "CPID_$n=$!"
	SERVERS="$SERVERS $!"
	wait_line "$TMP/$n.chk" '^ready' || { echo "server $n: $(lines "$TMP/$n.chk")"; return 1; }
}

# tally NAME: stop it and read "received N intact I changed C duplicates D".
tally() {
	eval "p=\$CPID_$1"
	sleep 0.3
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	TALLY=$(sed -n 's/^received /received /p' "$TMP/$1.chk")
}

# faulted SEED PERCENT N: how many of N packets seed= faults.
faulted() { "$PROGS/seed_stream" "$1" "$2" "$3" | tr -cd 1 | wc -c; }

net_ready "net faults" net_udp_send net_udp_check seed_stream || exit 0
SEND="$PROGS/net_udp_send"
N=200

# udp_case NAME PORT RULE SEED PERCENT WHAT TALLY [ADDR]: N datagrams
# from a target with RULE (which ends in rate=PERCENT%:seed=SEED) to a
# checking server on loopback (ADDR, 127.0.0.1 by default); NAME passes,
# saying WHAT, when it tallies TALLY (in which $want is how many of N
# seed= picks).
udp_case() {
	want=$(faulted "$4" "$5" $N)
	a=${8:-127.0.0.1}
	check_server "$1" "$a" "$2" || return
	MINDERBINDER_NET="udp:$2:$3" LD_PRELOAD="$AGENT" \
		"$SEND" -u 200 "$a" "$2" $N > "$TMP/$1.out" 2>&1
	tally "$1"
	expected=$(eval "echo \"$7\"")
	if [ "$TALLY" = "$expected" ] && grep -q "^sent $N 0" "$TMP/$1.out"; then
		pass "net faults: udp:PORT:$3 to $a: $(eval "echo \"$6\"")"
	else
		fail "net faults: udp:PORT:$3" "want '$expected', got '$TALLY'; sender: $(lines "$TMP/$1.out")"
	fi
}

# --- corrupt, payload mode: the checksum is fixed up, every datagram
# arrives, exactly those seed= picks with one byte changed.
udp_case cp $((BASE + 1)) "corrupt:rate=30%:seed=42" 42 30 \
	'$want of $N datagrams arrive changed, the rest intact' \
	'received $N intact $((N - want)) changed $want duplicates 0'

udp_case cp6 $((BASE + 11)) "corrupt:rate=30%:seed=42" 42 30 \
	'$want of $N datagrams arrive changed, the rest intact' \
	'received $N intact $((N - want)) changed $want duplicates 0' ::1

# --- corrupt on TCP, payload mode: times=3 changes exactly 3 bytes of
# the stream the server reads (TCP has no other check).
P=$((BASE + 12))
cat > "$TMP/sink.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
c.settimeout(10)
d = b""
while True:
    x = c.recv(65536)
    if not x:
        break
    d += x
print("received", len(d), "changed", sum(1 for b in d if b != ord("a")), flush=True)
EOF
"$PY" "$TMP/sink.py" "$P" > "$TMP/sink.out" 2>&1 &
SERVERS="$SERVERS $!"
if wait_line "$TMP/sink.out" '^ready'; then
	MINDERBINDER_NET="tcp:$P:corrupt:times=3" LD_PRELOAD="$AGENT" "$PY" -c '
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for i in range(100):
    c.sendall(b"a" * 1000)
    time.sleep(0.002)
c.close()' "$P" > "$TMP/src.out" 2>&1
	wait_line "$TMP/sink.out" '^received'
	if grep -q '^received 100000 changed 3$' "$TMP/sink.out"; then
		pass "net faults: tcp:PORT:corrupt:times=3: the server reads 100000 bytes, exactly 3 of them changed"
	else
		fail "net faults: tcp corrupt times=3" "server: $(lines "$TMP/sink.out"); client: $(lines "$TMP/src.out")"
	fi
fi

# --- duplicate: each picked datagram arrives twice.
udp_case dup $((BASE + 2)) "duplicate:rate=10%:seed=7" 7 10 \
	'$want of $N datagrams arrive twice' \
	'received $((N + want)) intact $((N + want)) changed 0 duplicates $want'

# --- corrupt=checksum on loopback: lo neither computes nor verifies the
# checksums of its own packets (CHECKSUM_PARTIAL is trusted), so the bad
# byte is delivered, as with payload mode. Said so, and shown.
udp_case cl $((BASE + 3)) "corrupt=checksum:rate=30%:seed=42" 42 30 \
	'loopback verifies no checksum, $want of $N datagrams arrive changed' \
	'received $N intact $((N - want)) changed $want duplicates 0'

# --- corrupt=checksum where a receiver verifies: through a veth pair into
# a namespace, the sending end's checksum offload off (the kernel then
# computes each checksum before our program, and the receiver checks it).
P=$((BASE + 4))
want=$(faulted 42 30 $N)
ip netns del "$NS" 2>/dev/null
ip link del "$HOSTIF" 2>/dev/null
if ! out=$( (ip netns add "$NS" &&
	ip link add "$HOSTIF" type veth peer name "$NSIF" netns "$NS" &&
	ip addr add 10.201.0.1/24 dev "$HOSTIF" && ip link set "$HOSTIF" up &&
	ip -n "$NS" addr add 10.201.0.2/24 dev "$NSIF" && ip -n "$NS" link set "$NSIF" up &&
	ip -n "$NS" link set lo up) 2>&1); then
	notrun "net faults: corrupt=checksum through a veth pair" "cannot create one: $out"
elif ! out=$("$PY" "$(dirname "$0")/tx_csum.py" "$HOSTIF" off 2>&1); then
	notrun "net faults: corrupt=checksum through a veth pair" "cannot turn the veth's checksum offload off: $out"
elif check_server cv 10.201.0.2 "$P" ip netns exec "$NS"; then
	before=$(ip netns exec "$NS" sed -n 's/^Udp: \([0-9]*\) [0-9]* [0-9]* [0-9]* [0-9]* [0-9]* \([0-9]*\).*/\2/p' /proc/net/snmp)
	MINDERBINDER_NET="udp:$P:corrupt=checksum:rate=30%:seed=42" LD_PRELOAD="$AGENT" \
		"$SEND" -u 200 10.201.0.2 "$P" $N > "$TMP/cv.out" 2>&1
	tally cv
	after=$(ip netns exec "$NS" sed -n 's/^Udp: \([0-9]*\) [0-9]* [0-9]* [0-9]* [0-9]* [0-9]* \([0-9]*\).*/\2/p' /proc/net/snmp)
	if [ "$TALLY" = "received $((N - want)) intact $((N - want)) changed 0 duplicates 0" ] &&
		[ $((after - before)) = "$want" ]; then
		pass "net faults: corrupt=checksum through a veth: $want of $N datagrams fail the receiver's checksum (InCsumErrors +$want), none arrives changed"
	else
		fail "net faults: corrupt=checksum through a veth" "want $((N - want)) intact and $want checksum errors, got '$TALLY', InCsumErrors $before -> $after"
	fi
fi

# --- reset on a new connection's first data: the target's client gets
# ECONNRESET, its peer (the server) too; a bystander's connection to the
# same server at the same time is untouched.
P=$((BASE + 5))
cat > "$TMP/echo.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    try:
        d = c.recv(100)
        c.sendall(d)
        print("server echoed", d.decode(), flush=True)
    except OSError as e:
        print("server", type(e).__name__, flush=True)
    c.close()
EOF
cat > "$TMP/client.py" <<'EOF'
import errno, socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
t = time.monotonic()
try:
    c.sendall(b"hello")
    print("client got", c.recv(100).decode())
except OSError as e:
    print("client errno", errno.errorcode.get(e.errno, e.errno), "after %.1f s" % (time.monotonic() - t))
EOF
"$PY" "$TMP/echo.py" "$P" > "$TMP/echo.out" 2>&1 &
SERVERS="$SERVERS $!"
if wait_line "$TMP/echo.out" '^ready'; then
	MINDERBINDER_NET="tcp:$P:reset" LD_PRELOAD="$AGENT" "$PY" "$TMP/client.py" "$P" > "$TMP/rst.out" 2>&1
	"$PY" "$TMP/client.py" "$P" > "$TMP/by.out" 2>&1
	sleep 0.2
	if grep -q '^client errno ECONNRESET' "$TMP/rst.out"; then
		pass "net faults: reset: a new connection is reset on its first data, the target reads ECONNRESET ($(cat "$TMP/rst.out" | sed 's/client errno ECONNRESET //'))"
	else
		fail "net faults: reset on first data" "target: $(lines "$TMP/rst.out")"
	fi
	if grep -q '^server ConnectionResetError' "$TMP/echo.out"; then
		pass "net faults: reset: the peer reads ECONNRESET, the data never reached it"
	else
		fail "net faults: reset: the peer" "server: $(lines "$TMP/echo.out")"
	fi
	if grep -q '^client got hello' "$TMP/by.out"; then
		pass "net faults: reset: a bystander's connection to the same port is untouched"
	else
		fail "net faults: reset: a bystander" "$(lines "$TMP/by.out")"
	fi
else
	fail "net faults: reset: echo server" "$(lines "$TMP/echo.out")"
fi

# --- direction=in: a listening target does not get requests, while its
# own outgoing connection (to the echo server) works; a bystander
# listening on another port gets its request from the same client.
P=$((BASE + 6))
P_BY=$((BASE + 7))
cat > "$TMP/listener.py" <<'EOF'
import socket, sys
port, echo = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(8)
o = socket.create_connection(("127.0.0.1", echo), timeout=5)
o.sendall(b"out")
print("outgoing", o.recv(10).decode(), flush=True)
print("ready", flush=True)
s.settimeout(float(sys.argv[3]))
try:
    c, _ = s.accept()
    print("request", c.recv(10).decode(), flush=True)
except socket.timeout:
    print("no request", flush=True)
EOF
cat > "$TMP/knock.py" <<'EOF'
import socket, sys
try:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=float(sys.argv[2]))
    c.sendall(b"knock")
    print("connected")
except socket.timeout:
    print("knock timeout")
except OSError as e:
    print("knock", type(e).__name__)
EOF
# The listeners wait long (the target's whole wait is spent: it gets
# nothing), so a slow guest's knocks still find them listening; the
# bystander, which answers at once, is knocked first.
MINDERBINDER_NET="tcp:$P:drop:direction=in" LD_PRELOAD="$AGENT" \
	"$PY" "$TMP/listener.py" "$P" "$((BASE + 5))" 10 > "$TMP/in.out" 2>&1 &
TPID=$!
"$PY" "$TMP/listener.py" "$P_BY" "$((BASE + 5))" 30 > "$TMP/by_in.out" 2>&1 &
BPID=$!
if wait_line "$TMP/in.out" '^ready' && wait_line "$TMP/by_in.out" '^ready'; then
	"$PY" "$TMP/knock.py" "$P_BY" 2 > "$TMP/knock_by.out" 2>&1
	"$PY" "$TMP/knock.py" "$P" 2 > "$TMP/knock.out" 2>&1
	wait "$TPID" "$BPID"
	if grep -q '^outgoing out' "$TMP/in.out" && grep -q '^no request' "$TMP/in.out" &&
		grep -q '^knock timeout' "$TMP/knock.out"; then
		pass "net faults: direction=in: the listening target gets no request (the client's connect times out) while its own outgoing connection works"
	else
		fail "net faults: direction=in on a listening target" "target: $(lines "$TMP/in.out"); client: $(lines "$TMP/knock.out")"
	fi
	if grep -q '^request knock' "$TMP/by_in.out" && grep -q '^connected' "$TMP/knock_by.out"; then
		pass "net faults: direction=in: a bystander listening on another port gets its request"
	else
		fail "net faults: direction=in: the bystander" "$(lines "$TMP/by_in.out"); client: $(lines "$TMP/knock_by.out")"
	fi
else
	fail "net faults: direction=in: listeners" "$(lines "$TMP/in.out") / $(lines "$TMP/by_in.out")"
	kill "$TPID" "$BPID" 2>/dev/null
fi

# --- direction=in on UDP: datagrams to the target's socket are dropped,
# counted; what the same sender sends a bystander arrives.
P=$((BASE + 8))
P_BY=$((BASE + 9))
MINDERBINDER_NET="udp:$P:drop:direction=in" LD_PRELOAD="$AGENT" \
	"$PROGS/net_udp_check" -T 30 127.0.0.1 "$P" > "$TMP/uin.chk" 2>&1 &
CPID_uin=$!
SERVERS="$SERVERS $!"
if wait_line "$TMP/uin.chk" '^ready' && check_server uby 127.0.0.1 "$P_BY"; then
	"$SEND" 127.0.0.1 "$P" 20 > /dev/null 2>&1
	"$SEND" 127.0.0.1 "$P_BY" 20 > /dev/null 2>&1
	tally uin
	t_in=$TALLY
	tally uby
	if [ "$t_in" = "received 0 intact 0 changed 0 duplicates 0" ] &&
		[ "$TALLY" = "received 20 intact 20 changed 0 duplicates 0" ]; then
		pass "net faults: direction=in (udp): the target's socket receives none of 20 datagrams, a bystander all 20"
	else
		fail "net faults: direction=in (udp)" "target '$t_in', bystander '$TALLY'"
	fi
else
	fail "net faults: direction=in (udp): servers" "$(lines "$TMP/uin.chk")"
fi

# --- a connection the target's listener accepts is the target's: its
# reply to a client that connects from port Q is dropped by tcp:Q:drop
# (the handshake is the listener's request socket's, and goes through);
# the same client gets a bystander server's reply.
P=$((BASE + 13))
Q=$((BASE + 14))
P_BY=$((BASE + 15))
cat > "$TMP/acceptor.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
print("ready", flush=True)
s.settimeout(float(sys.argv[2]))
try:
    c, _ = s.accept()
    print("request", c.recv(10).decode(), flush=True)
    c.sendall(b"hello")
    c.settimeout(float(sys.argv[2]))
    c.recv(10)  # until the client is done
except (socket.timeout, OSError) as e:
    print("server", type(e).__name__, flush=True)
EOF
cat > "$TMP/from_port.py" <<'EOF'
import socket, sys
c = socket.socket()
c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
c.bind(("127.0.0.1", int(sys.argv[2])))
c.settimeout(float(sys.argv[3]))
try:
    c.connect(("127.0.0.1", int(sys.argv[1])))
    print("connected", flush=True)
    c.sendall(b"knock")
    print("reply", c.recv(10).decode(), flush=True)
except socket.timeout:
    print("no reply", flush=True)
EOF
MINDERBINDER_NET="tcp:$Q:drop" LD_PRELOAD="$AGENT" "$PY" "$TMP/acceptor.py" "$P" "$(secs 300)" > "$TMP/acc.out" 2>&1 &
TPID=$!
"$PY" "$TMP/acceptor.py" "$P_BY" "$(secs 300)" > "$TMP/acc_by.out" 2>&1 &
BPID=$!
if wait_line "$TMP/acc.out" '^ready' && wait_line "$TMP/acc_by.out" '^ready'; then
	"$PY" "$TMP/from_port.py" "$P" "$Q" "$(secs 20)" > "$TMP/from_t.out" 2>&1
	"$PY" "$TMP/from_port.py" "$P_BY" "$Q" "$(secs 20)" > "$TMP/from_by.out" 2>&1
	kill "$TPID" "$BPID" 2>/dev/null
	wait "$TPID" "$BPID" 2>/dev/null
	name="net faults: a connection the target accepted is the target's: its reply to port $Q is dropped (connected, the request arrived, no reply), a bystander server's reply is not"
	if grep -q '^connected' "$TMP/from_t.out" && grep -q '^no reply' "$TMP/from_t.out" &&
		grep -q '^request knock' "$TMP/acc.out" && grep -q '^reply hello' "$TMP/from_by.out"; then
		pass "$name"
	else
		fail "$name" "target: $(lines "$TMP/acc.out"); its client: $(lines "$TMP/from_t.out"); bystander's client: $(lines "$TMP/from_by.out")"
	fi
else
	fail "net faults: an accepted connection: servers" "$(lines "$TMP/acc.out") / $(lines "$TMP/acc_by.out")"
	kill "$TPID" "$BPID" 2>/dev/null
fi

# --- the log names the new results.
P=$((BASE + 10))
if check_server lg 127.0.0.1 "$P"; then
	"$MB" run --log "$TMP/faults.log" -n "udp:$P:duplicate:times=2" -- "$SEND" 127.0.0.1 "$P" 5 > /dev/null 2>&1
	"$MB" run --log "$TMP/faults.log" -n "udp:$P:corrupt:times=1" -- "$SEND" 127.0.0.1 "$P" 5 > /dev/null 2>&1
	tally lg
	sleep 0.3
	if [ "$(grep -c '"result":"duplicate"' "$TMP/faults.log")" = 2 ] &&
		[ "$(grep -c '"result":"corrupt"' "$TMP/faults.log")" = 1 ] &&
		grep -q "\"rule\":\"udp:$P:corrupt:times=1\"" "$TMP/faults.log"; then
		pass "net faults: MINDERBINDER_LOG names duplicate and corrupt, one line per packet"
	else
		fail "net faults: the log" "$(lines "$TMP/faults.log")"
	fi
fi

# --- the grammar's refusals stop run before anything is applied.
for bad in "udp:53:reset|reset acts on TCP connections" \
	"tcp:443:latency=10ms:jitter=20ms|jitter= larger than latency=" \
	"tcp:443:refuse:direction=in|did you mean 'direction=out'" \
	"udp:53:corrupt=chksum|did you mean 'checksum'"; do
	spec=${bad%%|*}
	says=${bad#*|}
	"$MB" run -n "$spec" -- true > "$TMP/bad.out" 2>&1
	st=$?
	if [ "$st" != 0 ] && grep -q -- "$says" "$TMP/bad.out"; then
		pass "net faults: run -n '$spec' is refused: $says"
	else
		fail "net faults: run -n '$spec'" "exit $st: $(lines "$TMP/bad.out")"
	fi
done

#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Network shaping (issue 16), per-call engine:
#  6. a process that did NOT opt in, with and without a shaped target
#     talking to the same server at the same time: loopback throughput
#     (bench/tcp_stream) and round trips to the target's very port;
#  7. how exact the delay is: added round trip (median, p99) against
#     latency=, and the rate bandwidth= achieves.
# Interleaved runs; medians and ratios, never a verdict.
set -eu
OUT=$(cd "${OUT:-build}" && pwd)
RUNS=${RUNS:-7}
MIB=${MIB:-1024}
stream=$OUT/bench/tcp_stream
pp=$OUT/tests/progs/net_pingpong
AGENT=$OUT/libmbpreload.so
PORT=${PORT:-$((30000 + $$ % 1000))}
TMP=$(mktemp -d)
srv=""
cleanup() { [ -n "$srv" ] && kill $srv 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# pct P: the P-th percentile of the numbers on stdin (nearest rank).
pct() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; print a[i]}'; }
rtts() { sed -n 's/^rtt_us=//p' "$1"; }

# await FILE RE WHAT: FILE gets a line matching RE within 10 s, or exit.
await() {
	n=0
	until grep -qs "$2" "$1"; do
		n=$((n + 1)); [ $n -lt 200 ] || { echo "net_shape: $3 did not start" >&2; exit 1; }
		sleep 0.05
	done
}

"$pp" serve 127.0.0.1 "$PORT" > "$TMP/srv" 2>&1 &
srv=$!
await "$TMP/srv" '^ready' "the server"

# A target shaped on PORT for the whole measurement: a slow ping-pong.
target_on() {
	MINDERBINDER_NET="tcp:$PORT:latency=20ms:jitter=5ms;tcp:*:bandwidth=100mbit" LD_PRELOAD=$AGENT \
		"$pp" ping 127.0.0.1 "$PORT" 100000 > "$TMP/target" 2>&1 &
	target=$!
	await "$TMP/target" '^rtt_us=' "the target"
}
target_off() { kill $target; wait $target 2>/dev/null || true; }

off=""; on=""; loff=""; lon=""; p99off=""; p99on=""
for i in $(seq "$RUNS"); do
	off="$off $("$stream" "$MIB")"
	"$pp" ping 127.0.0.1 "$PORT" 2000 > "$TMP/b0"
	loff="$loff $(rtts "$TMP/b0" | median)"; p99off="$p99off $(rtts "$TMP/b0" | pct 99)"
	target_on
	on="$on $("$stream" "$MIB")"
	"$pp" ping 127.0.0.1 "$PORT" 2000 > "$TMP/b1"
	lon="$lon $(rtts "$TMP/b1" | median)"; p99on="$p99on $(rtts "$TMP/b1" | pct 99)"
	target_off
done
m() { echo $1 | tr ' ' '\n' | median; }
echo "6. A process that did not opt in, beside a shaped target ($RUNS runs each, interleaved)"
echo "   target: MINDERBINDER_NET='tcp:$PORT:latency=20ms:jitter=5ms;tcp:*:bandwidth=100mbit' net_pingpong ping 127.0.0.1 $PORT"
echo "   command: make bench  ->  OUT=$OUT sh bench/net_shape.sh"
printf '   %-44s %10s MiB/s   (runs:%s)\n' "loopback stream, no shaped target" "$(m "$off")" "$off"
printf '   %-44s %10s MiB/s   (runs:%s)\n' "loopback stream, shaped target running" "$(m "$on")" "$on"
awk -v a="$(m "$on")" -v b="$(m "$off")" 'BEGIN { printf "   throughput ratio with/without: %.3f (goal >= 0.97)\n", a / b }'
printf '   %-44s %6s us median, %6s us p99   (medians of %s runs of 2000)\n' \
	"round trip to port $PORT, no shaped target" "$(m "$loff")" "$(m "$p99off")" "$RUNS"
printf '   %-44s %6s us median, %6s us p99\n' \
	"round trip to port $PORT, shaped target on it" "$(m "$lon")" "$(m "$p99on")"
awk -v a="$(m "$lon")" -v b="$(m "$loff")" 'BEGIN { printf "   round-trip ratio with/without: %.3f (goal: no added latency)\n", a / b }'

# --- 7. accuracy: added round trip against the configured latency.
"$pp" ping 127.0.0.1 "$PORT" 500 > "$TMP/base"
base=$(rtts "$TMP/base" | median)
echo
echo "7. Accuracy of latency= (per call) and bandwidth= (TCP pacing)"
echo "   added = a shaped round trip - the unshaped median ($base us); one write and one read a round"
printf '   %-26s %7s %12s %12s %12s %9s\n' rule rounds "median add" "p99 add" "max add" "median err"
for spec in 1ms:500 10ms:200 100ms:30; do
	lat=${spec%:*}; rounds=${spec#*:}
	MINDERBINDER_NET="tcp:$PORT:latency=$lat" LD_PRELOAD=$AGENT "$pp" ping 127.0.0.1 "$PORT" "$rounds" > "$TMP/acc"
	want=$(echo "$lat" | sed 's/ms$//'); want=$((want * 1000))
	rtts "$TMP/acc" | awk -v b="$base" '{print $1 - b}' > "$TMP/add"
	med=$(median < "$TMP/add"); p99=$(pct 99 < "$TMP/add"); mx=$(pct 100 < "$TMP/add")
	printf '   %-26s %7s %9s us %9s us %9s us %+8.1f%%\n' "latency=$lat" "$rounds" "$med" "$p99" "$mx" \
		"$(awk -v a="$med" -v w="$want" 'BEGIN { print (a - w) * 100 / w }')"
done
for bw in 8mbit:1000000 80mbit:10000000; do
	rule=${bw%:*}; bps=${bw#*:}
	MINDERBINDER_NET="tcp:$PORT:bandwidth=$rule" LD_PRELOAD=$AGENT "$pp" bulk 127.0.0.1 "$PORT" 4194304 > "$TMP/bw"
	ms=$(sed -n 's/^bulk bytes=[0-9]* ms=//p' "$TMP/bw")
	awk -v ms="$ms" -v bps="$bps" -v r="$rule" 'BEGIN {
		got = 4194304 / (ms / 1000.0);
		printf "   bandwidth=%-16s 4 MiB in %6d ms: %10.0f bytes/s, %.3fx the configured %d\n", r, ms, got, got / bps, bps }'
done

#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Loopback throughput of a TCP stream that did NOT opt in, with and without
# minderbinder's TC egress filter on lo (kept there by a live target with a
# drop rule for another port). Interleaved runs; prints medians and ratio.
set -eu
OUT=$(cd "${OUT:-build}" && pwd)
RUNS=${RUNS:-5}
MIB=${MIB:-1024}
stream=$OUT/bench/tcp_stream

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

"$OUT/minderbinder" unload >/dev/null
off=""; on=""
for i in $(seq "$RUNS"); do
	off="$off $("$stream" "$MIB")"
	# a target that keeps the filter attached on every up interface
	MINDERBINDER_NET='udp:9:drop' LD_PRELOAD=$OUT/libmbpreload.so sleep 30 &
	target=$!
	# the first registration loads and attaches the programs: wait for it
	n=0
	until tc filter show dev lo egress | grep -q 'handle 0x4d42'; do
		n=$((n + 1))
		[ $n -lt 100 ] || { echo "net_throughput: filter not attached on lo" >&2; exit 1; }
		sleep 0.05
	done
	on="$on $("$stream" "$MIB")"
	kill $target; wait $target 2>/dev/null || true
	"$OUT/minderbinder" unload >/dev/null
done
m_off=$(echo $off | tr ' ' '\n' | median)
m_on=$(echo $on | tr ' ' '\n' | median)
echo "5. Loopback TCP throughput of a process that did not opt in ($MIB MiB per run, $RUNS runs each, interleaved)"
echo "   command: make bench  ->  OUT=$OUT sh bench/net_throughput.sh"
printf '   %-40s %10s MiB/s   (runs:%s)\n' "no minderbinder filter" "$m_off" "$off"
printf '   %-40s %10s MiB/s   (runs:%s)\n' "TC filter on lo (another target's rule)" "$m_on" "$on"
awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "   ratio with/without: %.3f (target >= 0.97)\n", a / b }'

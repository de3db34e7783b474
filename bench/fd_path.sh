#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# What path= on a descriptor costs per call (run as root, after
# `make all build/bench/loop`): bench/loop.c's pwrite64 of one byte to a file, N calls
# per row, each row the median of R runs in an order rotated every round.
#   baseline          no agent
#   supervised        pwrite64:EIO:times=1000000000: every call a round trip
#                     to the supervisor, faulted (no path read)
#   fd path, match    pwrite64:EIO:path=*/bench.file: the round trip and one
#                     readlink of /proc/TID/fd/N, faulted
#   supervised, let   pwrite64:EIO:after=1000000000: round trip, the call runs
#   fd path, no match pwrite64:EIO:path=*/other.file: round trip, readlink,
#                     the call runs
# The two pairs differ by the readlink alone. Prints numbers, never fails on
# one; exit 1 only when a row could not run or its result was not the
# expected one on every call.
set -u
OUT=$(cd "${OUT:-build}" && pwd)
PROG=$OUT/bench/loop
N=${BENCH_CALLS:-20000}
R=${BENCH_ROUNDS:-5}
status=0

[ "$(id -u)" = 0 ] || { echo "bench/fd_path.sh: needs root"; exit 1; }
[ -x "$PROG" ] || { echo "bench/fd_path.sh: build $PROG first (make $PROG)"; exit 1; }
D=$(mktemp -d /tmp/mbbench.XXXXXX) || exit 1
trap 'rm -rf "$D"' EXIT

rows="baseline supervised fdmatch let fdnomatch"
spec() {
	case $1 in
	supervised) echo 'pwrite64:EIO:times=1000000000' ;;
	fdmatch) echo 'pwrite64:EIO:path=*/bench.file' ;;
	let) echo 'pwrite64:EIO:after=1000000000' ;;
	fdnomatch) echo 'pwrite64:EIO:path=*/other.file' ;;
	esac
}
expect() { case $1 in supervised | fdmatch) echo EIO ;; *) echo ok ;; esac; }
label() {
	case $1 in
	baseline) echo "baseline (no agent)" ;;
	supervised) echo "supervised, faulted" ;;
	fdmatch) echo "fd path, match, faulted" ;;
	let) echo "supervised, call runs" ;;
	fdnomatch) echo "fd path, no match, call runs" ;;
	esac
}
run_row() {
	if [ "$1" = baseline ]; then
		"$PROG" pwrite "$N" ok "$D/bench.file"
	else
		MINDERBINDER_ENGINE=seccomp MINDERBINDER_SYSCALL=$(spec "$1") \
			LD_PRELOAD="$OUT/libmbpreload.so" "$PROG" pwrite "$N" "$(expect "$1")" "$D/bench.file"
	fi
}

round=0
while [ $round -lt "$R" ]; do
	# rotate the order each round
	set -- $rows
	k=0
	while [ $k -lt $((round % 5)) ]; do
		first=$1
		shift
		set -- "$@" "$first"
		k=$((k + 1))
	done
	for row in "$@"; do
		line=$(run_row "$row" 2>&1)
		case $line in
		*"matched=$N"*) echo "$line" | sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p' >> "$D/$row" ;;
		*) echo "bench/fd_path.sh: $row: $line" >&2; status=1 ;;
		esac
	done
	round=$((round + 1))
done

med() { [ -s "$D/$1" ] && sort -n "$D/$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(med baseline)
echo "kernel $(uname -r), $N pwrite64 calls per run, median of $R runs"
printf '%-30s %-34s %12s %8s\n' row rule "ns/call" ratio
for row in $rows; do
	m=$(med "$row")
	[ -n "$m" ] || { printf '%-30s could not run\n' "$(label "$row")"; continue; }
	printf '%-30s %-34s %12s %8s\n' "$(label "$row")" "$(spec "$row")" "$m" \
		"$(echo "$m $base" | awk '{ printf "%.2f", $1 / $2 }')"
done
f=$(med fdmatch) s=$(med supervised) l=$(med let) u=$(med fdnomatch)
[ -n "$f$s$l$u" ] && echo "the readlink: $(echo "$f $s" | awk '{ printf "%.0f", $1 - $2 }') ns faulted," \
	"$(echo "$u $l" | awk '{ printf "%.0f", $1 - $2 }') ns when the call runs"
exit $status

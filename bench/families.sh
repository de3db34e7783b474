#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# What a syscall family's length costs a call it does not cover (run as
# root, after `make all build/bench/loop`): the filter checks a call's
# number against each routed syscall in turn, two instructions per member,
# so a process under %desc pays for ~150 compares on every syscall. The
# workload is bench/loop.c's getppid, a member of no family, N calls per
# row, each row the median of R runs in an order rotated every round:
#   baseline   no agent
#   one        openat:EIO:path=/nonexistent/*   1 syscall routed
#   file       %file:EIO:path=/nonexistent/*    strace's %file
#   desc       %desc:EIO:path=/nonexistent/*    %desc's members that take a file
#   all        the five strace classes, one rule each
# Prints numbers, never fails on one; exit 1 only when a row could not run
# or a call did not return what it should.
set -u
OUT=$(cd "${OUT:-build}" && pwd)
PROG=$OUT/bench/loop
N=${BENCH_CALLS:-200000}
R=${BENCH_ROUNDS:-7}
status=0

[ "$(id -u)" = 0 ] || { echo "bench/families.sh: needs root"; exit 1; }
[ -x "$PROG" ] || { echo "bench/families.sh: build $PROG first (make $PROG)"; exit 1; }
D=$(mktemp -d /tmp/mbbench.XXXXXX) || exit 1
trap 'rm -rf "$D"' EXIT

rows="baseline one file desc all"
spec() {
	case $1 in
	one) echo 'openat:EIO:path=/nonexistent/*' ;;
	file) echo '%file:EIO:path=/nonexistent/*' ;;
	desc) echo '%desc:EIO:path=/nonexistent/*' ;;
	all) for f in file network desc process memory; do printf '%%%s:EIO:path=/nonexistent/*;' $f; done ;;
	esac
}
round=0
while [ $round -lt "$R" ]; do
	set -- $rows
	k=0
	while [ $k -lt $((round % 5)) ]; do
		first=$1
		shift
		set -- "$@" "$first"
		k=$((k + 1))
	done
	for row in "$@"; do
		if [ "$row" = baseline ]; then
			line=$("$PROG" getppid "$N" ok 2>&1)
		else
			line=$(MINDERBINDER_ENGINE=seccomp MINDERBINDER_SYSCALL=$(spec "$row") \
				LD_PRELOAD="$OUT/libmbpreload.so" "$PROG" getppid "$N" ok 2>&1)
		fi
		case $line in
		*"matched=$N"*) echo "$line" | sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p' >> "$D/$row" ;;
		*) echo "bench/families.sh: $row: $line" >&2; status=1 ;;
		esac
	done
	round=$((round + 1))
done

med() { [ -s "$D/$1" ] && sort -n "$D/$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(med baseline)
echo "kernel $(uname -r), $N getppid calls per run (no rule covers them), median of $R runs"
printf '%-10s %-40s %10s %8s\n' row rule "ns/call" ratio
for row in $rows; do
	m=$(med "$row")
	[ -n "$m" ] || { printf '%-10s could not run\n' "$row"; continue; }
	r=$(spec "$row")
	printf '%-10s %-40.40s %10s %8s\n' "$row" "${r:-(none)}" "$m" \
		"$(echo "$m $base" | awk '{ printf "%.2f", $1 / $2 }')"
done
exit $status

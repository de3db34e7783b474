#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The syscall engines side by side, on the running kernel (run as root; the
# VM tier runs it in the fault-injection guest: make vm-bench). For each of
# fmod_ret, kprobe and seccomp that this kernel has:
#   faulted   ns per call of getppid in a target whose rule getppid:EIO
#             fires on every call (bench/loop checks each result);
#   bystander ns per call of getppid in a process that did not opt in,
#             while the engine's program is attached (what everyone pays);
#   prog      the BPF program's own run_time_ns / run_cnt
#             (kernel.bpf_stats_enabled=1): its cost per call, every
#             process included; seccomp's filter is not a BPF program here.
# Under TCG every time is emulated: read the ratios, not the nanoseconds.
# Prints numbers, never fails on one; exit 1 only when a row could not run.
set -u
OUT=$(cd "${OUT:-build}" && pwd)
LOOP=$OUT/bench/loop
N=${BENCH_CALLS:-20000}
status=0

[ "$(id -u)" = 0 ] || { echo "bench/engines.sh: needs root"; exit 1; }
[ -x "$LOOP" ] || { echo "bench/engines.sh: build $LOOP first (make bench)"; exit 1; }

ns() { sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p'; }
# prog_cost NAME: "run_time_ns/run_cnt" of the attached programs called NAME.
prog_cost() {
	bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
t = c = 0
for p in json.load(sys.stdin):
    if p.get("name") == sys.argv[1]:
        t += p.get("run_time_ns", 0); c += p.get("run_cnt", 0)
print("%.0f ns x %d calls" % (t / c, c) if c else "-")' "$1"
}

echo 1 > /proc/sys/kernel/bpf_stats_enabled 2>/dev/null ||
	echo "bench/engines.sh: no kernel.bpf_stats_enabled: prog costs not shown"
"$OUT/minderbinder" unload > /dev/null 2>&1
base=$("$LOOP" getppid "$N" ok | ns)
echo "kernel $(uname -r), $N calls per row"
printf '%-9s %14s %9s %14s %9s   %s\n' engine "faulted ns" ratio "bystander ns" ratio "BPF program per call"
printf '%-9s %14s %9s %14s %9s   %s\n' none "-" "-" "$base" 1.00 "-"
for e in fmod_ret kprobe seccomp; do
	if ! "$OUT/minderbinder" status 2>/dev/null | grep -Eq "^  $e +available"; then
		printf '%-9s not on this kernel\n' "$e"
		continue
	fi
	"$OUT/minderbinder" unload > /dev/null 2>&1
	f=$(MINDERBINDER_ENGINE=$e MINDERBINDER_SYSCALL=getppid:EIO LD_PRELOAD="$OUT/libmbpreload.so" \
		"$LOOP" getppid "$N" EIO | ns)
	# The program stays attached (pinned) after its target exits.
	b=$("$LOOP" getppid "$N" ok | ns)
	case $e in
	fmod_ret) pc=$(prog_cost mb_sys_fmod_ret) ;;
	kprobe) pc=$(prog_cost mb_sys_kprobe) ;;
	*) pc="(a seccomp filter in the target only)" ;;
	esac
	if [ -z "$f" ] || [ -z "$b" ]; then
		printf '%-9s could not run\n' "$e"
		status=1
		continue
	fi
	printf '%-9s %14s %9s %14s %9s   %s\n' "$e" "$f" "$(echo "$f $base" | awk '{ printf "%.2f", $1 / $2 }')" \
		"$b" "$(echo "$b $base" | awk '{ printf "%.2f", $1 / $2 }')" "$pc"
done
"$OUT/minderbinder" unload > /dev/null 2>&1
exit $status

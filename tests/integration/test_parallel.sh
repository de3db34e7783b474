#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# 200 processes register at once (64 in the VM tier), each with its own rule (after=A,
# times=N with N distinct per process), all alive together: each sees
# exactly the faults its own rule says, the registry holds each of them
# with counters matching, and nothing of them is left once they exit.
. "$(dirname "$0")/agent_lib.sh"

need_root "parallel: 200 targets at once" || exit 0
mb_setup "parallel: setup"
# Under emulation (the VM tier, SLOW > 1) 64: enough to prove the BPF
# syscall engines under concurrency (past a trampoline's 38 links, where
# a probe per registration once failed), while 200 took 8 of its minutes.
N=200
[ "$SLOW" -gt 1 ] && N=64
D=$T/files
mkdir -p "$D" "$T/out"

hold_open
i=0
while [ $i -lt $N ]; do
	echo x > "$D/f$i"
	after=$((i % 5))
	times=$((i + 1))
	calls=$((after + times + 2))
	# Every third one also carries an in-filter rule: mixed filters.
	rules="openat:ENOENT:after=$after:times=$times:path=$D/f$i"
	[ $((i % 3)) = 0 ] && rules="mkdirat:EROFS;$rules"
	env MINDERBINDER_SYSCALL="$rules" MINDERBINDER_SEED=$i LD_PRELOAD="$AGENT" \
		"$PROBE" -H -n $calls open "$D/f$i" < "$HOLD" > "$T/out/$i" 2>&1 &
	echo $! >> "$T/jobs"
	i=$((i + 1))
done
hold_writer

outs=$(i=0; while [ $i -lt $N ]; do echo "$T/out/$i"; i=$((i + 1)); done)
# shellcheck disable=SC2086 # one word per file
if ! wait_done $outs && ! wait_done $outs; then
	missing=$(for f in $outs; do grep -qx 'done' "$f" || echo "${f##*/}"; done | head -5 | tr '\n' ' ')
	fail "parallel: $N targets registered at once all report" "no report from (first 5): $missing $(cat "$T/out/${missing%% *}" 2>/dev/null | head -3)"
fi

# Every report against its own rule, and against the registry, while all
# of them are alive.
map_rows mb_targets > "$T/targets"
counter_rows > "$T/counters"
bad_pattern=0 bad_reg=0 bad_count=0 first="" first_count=""
i=0
while [ $i -lt $N ]; do
	f=$T/out/$i
	after=$((i % 5))
	times=$((i + 1))
	calls=$((after + times + 2))
	want=$(awk -v a=$after -v t=$times -v n=$calls \
		'BEGIN { for (k = 0; k < n; k++) printf "%d", (k >= a && k < a + t) }')
	pid=$(field "$f" pid)
	[ -n "$pid" ] && TARGET_PIDS="$TARGET_PIDS $pid"
	if [ "$(field "$f" pattern)" != "$want" ] || [ "$(field "$f" faults)" != $times ]; then
		bad_pattern=$((bad_pattern + 1))
		[ -z "$first" ] && first="#$i want $want got $(field "$f" pattern) $(grep minderbinder "$f")"
	fi
	if [ -z "$pid" ] || ! grep -qx "$pid" "$T/targets"; then
		bad_reg=$((bad_reg + 1))
	fi
	# The openat rule is the last one: index 1 when mkdirat comes first.
	idx=0
	[ $((i % 3)) = 0 ] && idx=1
	if ! grep -qx "$pid $idx $calls $times" "$T/counters"; then
		bad_count=$((bad_count + 1))
		[ -z "$first_count" ] && first_count="#$i pid $pid want '$idx $calls $times', have '$(grep "^$pid " "$T/counters" | tr '\n' ';')'"
	fi
	i=$((i + 1))
done
if [ $bad_pattern = 0 ]; then
	pass "parallel: $N targets at once each got exactly the faults of its own after=/times= rule"
else
	fail "parallel: $N targets at once each got exactly the faults of its own after=/times= rule" \
		"$bad_pattern wrong; first: $first"
fi
if [ $bad_reg = 0 ]; then
	pass "parallel: all $N live targets are in mb_targets together"
else
	fail "parallel: all $N live targets are in mb_targets together" "$bad_reg missing"
fi
if [ $bad_count = 0 ]; then
	pass "parallel: each live target's counters (stats) match its own calls and faults"
else
	fail "parallel: each live target's counters (stats) match its own calls and faults" \
		"$bad_count wrong; first: $first_count"
fi

release
bad_exit=0
for j in $(cat "$T/jobs"); do
	wait "$j" || bad_exit=$((bad_exit + 1))
done
if [ $bad_exit = 0 ]; then
	pass "parallel: all $N targets exited 0"
else
	fail "parallel: all $N targets exited 0" "$bad_exit did not"
fi

mb_no_leftovers "parallel: after they exit, no helper, supervisor or registry entry of the $N is left"

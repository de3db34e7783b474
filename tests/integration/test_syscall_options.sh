#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Every option of a syscall rule, end to end through the agent and the
# supervisor: rate, seed, delay, after/times, path, latency, a fake return
# value, and the per-rule counters in the pinned registry.
. "$(dirname "$0")/agent_lib.sh"

need_root "options: syscall rule options" || exit 0
mb_setup "options: setup"
D=$T/files
mkdir -p "$D/sub"
for f in f a b a.fail a.ok sub/b.fail sub/b.ok slow fast; do
	echo x > "$D/$f"
done

# probe OUT RULES [VAR=VALUE]... CMD...: runs CMD (mbprobe) under
# the agent with RULES, report in $T/OUT.
probe() {
	o=$T/$1 rules=$2
	shift 2
	env MINDERBINDER_SYSCALL="$rules" LD_PRELOAD="$AGENT" "$@" > "$o" 2> "$o.err"
	rc=$?
	remember_pid "$o"
	if [ $rc != 0 ] || ! grep -qx 'done' "$o"; then
		echo "exit $rc: $(cat "$o.err")"
		return 1
	fi
}

# within NAME VALUE LO HI
within() {
	if [ -n "$2" ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		pass "$1 ($2 in [$3, $4])"
	else
		fail "$1" "${2:-nothing} not in [$3, $4]"
	fi
}

# --- rate ---------------------------------------------------------------------
# 4000 calls at 50%: the mean is 2000, sigma 31.6; 6 sigma is 190.
if err=$(probe rate "openat:ENOENT:rate=50%:path=$D/f" "$PROBE" -n 4000 open "$D/f"); then
	others=$(field "$T/rate" errnos | tr ' ' '\n' | grep -cvx '[02]')
	if [ "$(field "$T/rate" calls)" = 4000 ] && [ "$others" = 0 ]; then
		within "options: rate=50% faults half of 4000 calls (binomial, 6 sigma)" \
			"$(field "$T/rate" faults)" 1810 2190
	else
		fail "options: rate=50% faults half of 4000 calls" "calls $(field "$T/rate" calls), $others results neither 0 nor ENOENT"
	fi
else
	fail "options: rate=50% faults half of 4000 calls" "$err"
fi
# MINDERBINDER_FAILURE_RATE=25, 2000 calls: mean 500, sigma 19.4.
if err=$(probe rate25 "openat:ENOENT:path=$D/f" MINDERBINDER_FAILURE_RATE=25 "$PROBE" -n 2000 open "$D/f"); then
	within "options: MINDERBINDER_FAILURE_RATE=25 is the default rate (binomial, 6 sigma)" \
		"$(field "$T/rate25" faults)" 384 616
else
	fail "options: MINDERBINDER_FAILURE_RATE=25 is the default rate" "$err"
fi

# --- seed -----------------------------------------------------------------------
name="options: seed=42 gives the identical fault sequence twice"
if probe s42a "openat:ENOENT:rate=50%:seed=42:path=$D/f" "$PROBE" -n 300 open "$D/f" > /dev/null &&
	probe s42b "openat:ENOENT:rate=50%:seed=42:path=$D/f" "$PROBE" -n 300 open "$D/f" > /dev/null; then
	a=$(field "$T/s42a" pattern) b=$(field "$T/s42b" pattern)
	case $a in
	*0*1* | *1*0*)
		if [ "$a" = "$b" ]; then pass "$name"; else fail "$name" "$a != $b"; fi ;;
	*) fail "$name" "sequence is constant, not random: $a" ;;
	esac
else
	fail "$name" "$(cat "$T/s42a.err" "$T/s42b.err")"
fi
# One stream for every engine (minderbinder/rng.h): each open reaches the
# rule's coin, so the faults are the generator's first 300 draws.
name="options: seed=42 faults the calls minderbinder/rng.h predicts, on $(sys_engine) as on any engine"
want=$("$PROGS/seed_stream" 42 50 300)
if [ -n "$want" ] && [ "$(field "$T/s42a" pattern)" = "$want" ]; then
	pass "$name"
else
	fail "$name" "got $(field "$T/s42a" pattern), want $want"
fi
name="options: seed=43 gives another sequence than seed=42"
if probe s43 "openat:ENOENT:rate=50%:seed=43:path=$D/f" "$PROBE" -n 300 open "$D/f" > /dev/null &&
	[ "$(field "$T/s43" pattern)" != "$(field "$T/s42a" pattern)" ] && [ -n "$(field "$T/s43" pattern)" ]; then
	pass "$name"
else
	fail "$name" "seed=43: $(field "$T/s43" pattern)"
fi
name="options: MINDERBINDER_SEED=42 gives the sequence of seed=42"
if probe envseed "openat:ENOENT:rate=50%:path=$D/f" MINDERBINDER_SEED=42 "$PROBE" -n 300 open "$D/f" > /dev/null &&
	[ "$(field "$T/envseed" pattern)" = "$(field "$T/s42a" pattern)" ]; then
	pass "$name"
else
	fail "$name" "MINDERBINDER_SEED=42: $(field "$T/envseed" pattern) $(cat "$T/envseed.err"); seed=42: $(field "$T/s42a" pattern)"
fi
name="options: two unseeded runs give different sequences"
if probe u1 "openat:ENOENT:rate=50%:path=$D/f" "$PROBE" -n 300 open "$D/f" > /dev/null &&
	probe u2 "openat:ENOENT:rate=50%:path=$D/f" "$PROBE" -n 300 open "$D/f" > /dev/null &&
	[ "$(field "$T/u1" pattern)" != "$(field "$T/u2" pattern)" ]; then
	pass "$name"
else
	fail "$name" "$(field "$T/u1" pattern) vs $(field "$T/u2" pattern)"
fi

# --- delay ------------------------------------------------------------------------
# mbprobe sorts its calls against its own start (/proc/self/stat, the
# clock the supervisor uses) + delay: a call that ended before it must
# not fail, a call that began after it must.
check_delay() {
	name=$1 f=$2
	d=$(field "$f" delay)
	case $d in
	"early_faults=0 early_ok="[1-9]*" late_faults="[1-9]*" late_ok=0 "*) pass "$name" ;;
	*) fail "$name" "${d:-no report}: $(cat "$f.err" 2>/dev/null)" ;;
	esac
}
# Registration must end well before the delay does (SLOW: the VM tier).
dl=$((300 * SLOW)) de=$((200 * SLOW)) iv=$((10000 * SLOW))
probe delay "openat:ENOENT:delay=${dl}ms:path=$D/f" "$PROBE" -n 70 -i $iv -D $dl open "$D/f" > /dev/null
check_delay "options: delay=${dl}ms: no fault before start+${dl}ms, every call after it faults" "$T/delay"
probe delayenv "openat:ENOENT:path=$D/f" MINDERBINDER_DELAY_MS=$de "$PROBE" -n 50 -i $iv -D $de open "$D/f" > /dev/null
check_delay "options: MINDERBINDER_DELAY_MS=$de is the default delay" "$T/delayenv"

# --- after / times ----------------------------------------------------------------
name="options: after=3:times=2 lets 3 calls through, fails the next 2, then none"
if err=$(probe after "openat:ENOENT:after=3:times=2" "$PROBE" -n 10 open "$D/f"); then
	p=$(field "$T/after" pattern)
	if [ "$p" = 0001100000 ] && [ "$(field "$T/after" errnos)" = "0 0 0 2 2 0 0 0 0 0" ]; then
		pass "$name"
	else
		fail "$name" "want 0001100000, got $p ($(field "$T/after" errnos))"
	fi
else
	fail "$name" "$err"
fi

# --- path ---------------------------------------------------------------------------
# check_errnos NAME OUT WANT [PROBE-ARGS...]: errnos of the calls, in order.
check_errnos() {
	name=$1 o=$2 want=$3
	got=$(field "$T/$o" errnos)
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "want errnos '$want', got '$got' $(cat "$T/$o.err" 2>/dev/null)"
	fi
}
R="openat:ENOENT:path=$D/*.fail"
probe pabs "$R" "$PROBE" open "$D/a.fail" "$D/a.ok" "$D/sub/b.fail" "$D/sub/b.ok" /etc/hostname > /dev/null
check_errnos "options: path=DIR/*.fail fails only matching absolute paths (* crosses /)" pabs "2 0 2 0 0"
(cd "$D" && probe prel "$R" "$PROBE" open a.fail a.ok ./a.fail sub/b.fail sub/b.ok > /dev/null)
remember_pid "$T/prel"
check_errnos "options: path= matches relative paths against the cwd" prel "2 0 2 2 0"
probe pdirfd "$R" "$PROBE" -d "$D" open a.fail a.ok sub/b.fail > /dev/null
check_errnos "options: path= matches paths relative to an openat dirfd" pdirfd "2 0 2"
# A [:class:] is fnmatch's, whatever the engine: the BPF engines hand such
# a rule to the supervisor rather than match it wrongly.
touch "$D/1.fail"
probe pclass "openat:ENOENT:path=$D/[[:alpha:]].fail" "$PROBE" open "$D/a.fail" "$D/1.fail" > /dev/null
check_errnos "options: path= with [[:alpha:]] matches as fnmatch does (a.fail, not 1.fail)" pclass "2 0"

# --- latency ------------------------------------------------------------------------
name="options: latency=200ms slows a matching call by >=200ms and lets it run"
probe lat "openat:latency=200ms:path=$D/slow" "$PROBE" open "$D/slow" "$D/fast" > /dev/null
set -- $(field "$T/lat" us)
if [ "$(field "$T/lat" errnos)" = "0 0" ] && [ "${1:-0}" -ge 200000 ] && [ "${2:-999999}" -lt 100000 ]; then
	pass "$name (slow: ${1}us, other path: ${2}us)"
else
	fail "$name" "errnos $(field "$T/lat" errnos), us $*: $(cat "$T/lat.err")"
fi
name="options: EACCES:latency=200ms fails a call after >=200ms"
probe latf "openat:EACCES:latency=200ms:path=$D/slow" "$PROBE" open "$D/slow" > /dev/null
us=$(field "$T/latf" us)
if [ "$(field "$T/latf" errnos)" = 13 ] && [ "${us:-0}" -ge 200000 ]; then
	pass "$name (${us}us)"
else
	fail "$name" "errnos $(field "$T/latf" errnos), us $us: $(cat "$T/latf.err")"
fi

# --- a fake return value -----------------------------------------------------------
# The probe calls write(1, "hello", 5) once and reports with writev to
# another file: a shell would loop forever on a write that returns 0.
name="options: write:+0 returns 0 and writes nothing"
env MINDERBINDER_SYSCALL=write:+0 LD_PRELOAD="$AGENT" "$PROBE" -o "$T/w0.report" write hello > "$T/w0.out" 2> "$T/w0.err"
rc=$?
remember_pid "$T/w0.report"
if [ $rc = 0 ] && [ "$(field "$T/w0.report" ret)" = 0 ] && [ ! -s "$T/w0.out" ]; then
	pass "$name"
else
	fail "$name" "exit $rc, ret '$(field "$T/w0.report" ret)', wrote '$(cat "$T/w0.out")' $(cat "$T/w0.err")"
fi
"$PROBE" -o "$T/w.report" write hello > "$T/w.out"
if [ "$(field "$T/w.report" ret)" = 5 ] && [ "$(cat "$T/w.out")" = hello ]; then
	pass "options: the same write without the agent writes 5 bytes"
else
	fail "options: the same write without the agent writes 5 bytes" "ret $(field "$T/w.report" ret)"
fi

# --- counters ----------------------------------------------------------------------
# Read while the target still runs (it holds on its stdin): calls and
# faults per rule must be what the program saw.
name="options: the registry's counters (stats) match the faults the program saw, per rule"
hold_open
env MINDERBINDER_SYSCALL="openat:EACCES:times=3:path=$D/b;openat:EIO:rate=50%:path=$D/a;openat:EPERM:path=$D/never" \
	LD_PRELOAD="$AGENT" "$PROBE" -H -n 50 open "$D/a" "$D/b" < "$HOLD" > "$T/cnt" 2> "$T/cnt.err" &
cpid=$!
hold_writer
if wait_done "$T/cnt"; then
	remember_pid "$T/cnt"
	pid=$(field "$T/cnt" pid)
	eio=$(count_word "$T/cnt" errnos 5)
	eacces=$(count_word "$T/cnt" errnos 13)
	rows=$(counter_rows | awk -v p="$pid" '$1 == p { print $2, $3, $4 }' | sort -n | tr '\n' ';')
	want="0 50 $eacces;1 50 $eio;2 0 0;"
	if [ "$rows" = "$want" ] && [ "$eacces" = 3 ] && [ "$eio" -gt 0 ] && [ "$eio" -lt 50 ]; then
		pass "$name (EACCES 3/50, EIO $eio/50, unused rule 0/0)"
	else
		fail "$name" "want 'idx calls faults;' = '$want' (EACCES $eacces, EIO $eio), registry has '$rows'"
	fi
else
	fail "$name" "the target did not report: $(cat "$T/cnt.err")"
fi
release
wait $cpid

mb_no_leftovers "options: no helper, supervisor or registry entry left"

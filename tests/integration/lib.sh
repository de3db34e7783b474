# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by every integration test. Each check prints one line:
#   PASS name | FAIL name: why | NOT RUN name: what this machine lacks
# and run.sh adds them up.
: "${OUT:=build}"
OUT=$(cd "$OUT" && pwd)
PROGS="$OUT/tests/progs"
RESULTS=${RESULTS:-/dev/null}
# The pinned registry: the paths the helper was built with.
[ -r "$OUT/gen/pins.sh" ] || { echo "FAIL lib.sh: $OUT/gen/pins.sh missing (make all writes it)"; exit 1; }
. "$OUT/gen/pins.sh"
PIN=$MB_PIN_DIR

# Durations the tests wait or measure are multiplied by this: the VM tier
# (software-emulated CPU, 10-30x slower) sets MB_TEST_SLOW=10.
# (tests/vm/vmcheck.sh marks its guests MB_TEST_VM=tcg).
if [ "${MB_TEST_VM:-}" = tcg ]; then SLOW=${MB_TEST_SLOW:-10}; else SLOW=${MB_TEST_SLOW:-1}; fi
# The agent's wait for the helper scales the same way: under TCG a first
# program load alone takes seconds.
if [ -z "${MINDERBINDER_HELPER_TIMEOUT:-}" ] && [ "$SLOW" -gt 1 ]; then
	MINDERBINDER_HELPER_TIMEOUT=$((30 * SLOW))
	export MINDERBINDER_HELPER_TIMEOUT
fi

pass() { echo "PASS $1"; echo pass >> "$RESULTS"; }
fail() { echo "FAIL $1: $2"; echo fail >> "$RESULTS"; }
notrun() { echo "NOT RUN $1: $2"; echo notrun >> "$RESULTS"; }

# check NAME CMD...: passes when CMD succeeds.
check() {
	name=$1; shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -5)"; fi
}

# sys_engine: the engine syscall rules go to here (outside MINDERBINDER_LOG
# and the C API): the one MINDERBINDER_ENGINE forces, or auto's pick on this
# kernel (`minderbinder status` lists the engines best first). The VM tier
# runs the same tests once per engine.
sys_engine() {
	case ${MINDERBINDER_ENGINE:-auto} in
	kprobe | fmod_ret | seccomp) echo "$MINDERBINDER_ENGINE" ;;
	*) "$OUT/minderbinder" status 2>/dev/null |
		awk '$1 ~ /^(fmod_ret|kprobe|seccomp)$/ && $2 == "available" { print $1; exit }' ;;
	esac
}

need_root() {
	[ "$(id -u)" = 0 ] && return 0
	notrun "$1" "needs root"
	return 1
}

# lines FILE: the file on one line, for a FAIL message.
lines() { tr '\n' '|' < "$1"; }

# secs TENTHS: TENTHS tenths of a second, times SLOW, as seconds for sleep
# or a --timeout.
secs() { echo "$(($1 * SLOW / 10)).$(($1 * SLOW % 10))"; }

# now_ms: the monotonic-enough wall clock, in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for TENTHS CMD...: until CMD succeeds, for TENTHS tenths of a second
# (times SLOW) of wall clock.
wait_for() {
	deadline=$(($(now_ms) + $1 * 100 * SLOW))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# gone PID: exited, or a zombie nobody reaped yet (its work is over).
gone() {
	gone_st=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -z "$gone_st" ] || [ "$gone_st" = Z ]
}

# has_line FILE REGEX: FILE has a line matching REGEX.
has_line() { grep -Eq -- "$2" "$1" 2>/dev/null; }
# line_or_gone FILE REGEX [PID]: the line is there, or PID is gone.
line_or_gone() { has_line "$1" "$2" || { [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; }; }

# wait_line FILE REGEX [TENTHS [PID]]: until FILE has a line matching REGEX,
# for TENTHS tenths of a second (times SLOW) of wall clock, not loop turns:
# under emulation each turn costs more than its sleep. With PID, stop as
# soon as that process is gone (one more look at FILE first).
wait_line() {
	wait_for "${3:-50}" line_or_gone "$1" "$2" "${4:-}"
	has_line "$1" "$2"
}

# wait_registered FILE REGEX PID: a process started with the agent prints
# REGEX from main(), after its registration returned. It does, or it exits
# (the agent gives up after MINDERBINDER_HELPER_TIMEOUT): wait for either,
# as long as the agent itself may wait and 10 s more (times SLOW), never
# for a guess at how long registering takes.
wait_registered() {
	wait_line "$1" "$2" $(((${MINDERBINDER_HELPER_TIMEOUT:-30} * 10 + 100 * SLOW) / SLOW)) "$3"
}

# progs_built NAME PROG...: the named test programs are built, or NAME
# fails saying which is not, and it returns 1.
progs_built() {
	pb_name=$1
	shift
	for p in "$@"; do
		[ -x "$PROGS/$p" ] && continue
		fail "$pb_name" "$PROGS/$p not built (make check-integration builds it)"
		return 1
	done
}

# net_ready NAME PROG...: root, cgroup v2 and the named test programs, or
# say why not (NOT RUN / FAIL) and return 1.
net_ready() {
	name=$1; shift
	need_root "$name: network faults" || return 1
	if [ ! -f /sys/fs/cgroup/cgroup.controllers ] && ! grep -q ' cgroup2 ' /proc/mounts; then
		notrun "$name: network faults" "cgroup v2 is not mounted"
		return 1
	fi
	progs_built "$name: test programs" "$@"
}

# first_line NAME FILE BRE: NAME passes when FILE's first line matches BRE.
first_line() {
	if head -1 "$2" | grep -q -- "$3"; then pass "$1"; else fail "$1" "$(lines "$2")"; fi
}

# net_target OUT SPEC CMD...: CMD opted in with MINDERBINDER_NET=SPEC (the
# agent $AGENT), in the background; TPID is its pid, kept in $TMP/pids for
# net_no_leftovers.
net_target() {
	o=$1; s=$2; shift 2
	MINDERBINDER_NET="$s" LD_PRELOAD="$AGENT" "$@" > "$o" 2>&1 &
	TPID=$!
	echo "$TPID" >> "$TMP/pids"
}

# net_registers NAME SPEC ERE CMD...: CMD opted in with SPEC registers and
# prints a line matching ERE; else NAME fails and it returns 1, for every
# later check would be meaningless.
net_registers() {
	n=$1; s=$2; e=$3; shift 3
	MINDERBINDER_NET="$s" LD_PRELOAD="$AGENT" "$@" > "$TMP/probe" 2>&1
	if [ "$?" = 125 ] || grep -q '^minderbinder:' "$TMP/probe" || ! grep -Eq "$e" "$TMP/probe"; then
		fail "$n" "$(lines "$TMP/probe")"
		return 1
	fi
	pass "$n"
}

# net_no_leftovers NAME PIDFILE: no mb_sockets or mb_targets entry of the
# exited targets whose pids PIDFILE lists.
net_no_leftovers() {
	sleep 0.2
	socks=$(bpftool -j map dump pinned "$PIN/mb_sockets" 2>&1)
	tgts=$(bpftool -j map dump pinned "$MB_TARGETS_PIN" 2>&1)
	left=""
	for p in $(cat "$2"); do
		echo "$socks" | grep -q "\"tgid\":$p," && left="$left socket-of-$p"
		echo "$tgts" | grep -q "\"formatted\":{\"key\":$p," && left="$left target-$p"
	done
	if [ -z "$left" ] && echo "$socks" | grep -q '^\['; then
		pass "$1 cleanup: no mb_sockets or mb_targets entry of the $(wc -l < "$2") exited targets"
	else
		fail "$1 cleanup: exited targets left entries" "${left:-$socks}"
	fi
}

# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by the tests that drive the agent, the helper and `minderbinder
# run` end to end (test_syscall_*.sh, test_scope_strict.sh, test_setuid.sh,
# test_parallel.sh, test_run_cli.sh).
#
# mb_setup copies the built agent, helper, CLI and test programs into a
# fresh directory of this test's own ($BIN), and the tests run those
# copies: a rebuild of $OUT while the tests run cannot swap a binary under
# them, and "no helper or supervisor of ours is left" can be told apart
# from anybody else's by the executable's path.
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
# Every pid of a target this test started; mb_no_leftovers checks them.
TARGET_PIDS=""

mb_cleanup() {
	[ -n "${HOLD_FD_OPEN:-}" ] && exec 9>&-
	# suid_dir's directory, when it is not under $T
	[ -n "${S:-}" ] && [ -n "${T:-}" ] && [ "${S#"$T"/}" = "$S" ] && rm -rf "$S"
	[ -n "${T:-}" ] && rm -rf "$T"
}

# suid_dir NAME: S, a new directory on a file system that honours set-uid
# bits ($T's, else /var/tmp's or the build's), for a set-uid copy of the
# helper; mb_cleanup removes it. Says NOT RUN NAME and returns 1 when
# every candidate is mounted nosuid.
suid_dir() {
	S=
	for base in "$T" /var/tmp "$OUT"; do
		case ",$(findmnt -n -T "$base" -o OPTIONS 2>/dev/null)," in
		*,nosuid,*) continue ;;
		esac
		if [ "$base" = "$T" ]; then S=$T/suid; else S=$(mktemp -d "$base/mbsuid.XXXXXX"); fi
		break
	done
	if [ -z "$S" ]; then
		notrun "$1" "no filesystem without nosuid among $T /var/tmp $OUT"
		return 1
	fi
	mkdir -p "$S"
}

# bin_progs NAME PROG...: copies of the named test programs in $BIN (where
# path= globs and the set-uid copies expect them), or NAME fails and it
# returns 1.
bin_progs() {
	progs_built "$@" || return 1
	shift
	for p in "$@"; do cp "$PROGS/$p" "$BIN/" || return 1; done
}

# as_nobody NAME [TOOL...]: NOBODY (65534) and AS_NOBODY, the command
# prefix that runs as that user. Says NOT RUN NAME and returns 1 when
# setpriv (or a TOOL the caller also needs) is missing.
as_nobody() {
	an_name=$1
	shift
	for tool in setpriv "$@"; do
		command -v "$tool" > /dev/null && continue
		notrun "$an_name" "no $(echo setpriv "$@" | sed 's/ /, /g; s/, \([^,]*\)$/ or \1/') (util-linux)"
		return 1
	done
	NOBODY=65534
	AS_NOBODY="setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups"
}

# suid_helper NAME FILE...: the helper set-uid root in a new suid_dir S,
# with the agent and FILE... beside it (root's, mode 755); HELPER is that
# copy (our_helpers looks for it) and W a directory anyone may write.
suid_helper() {
	suid_dir "$1" || return 1
	shift
	cp "$HELPER" "$AGENT" "$@" "$S/"
	chown root:root "$S" "$S"/*
	chmod 755 "$S" "$S"/*
	chmod 4755 "$S/mb-helper"
	HELPER=$S/mb-helper
	W=$T/w
	mkdir -p "$W"
	chmod 777 "$W"
}

# mb_setup NAME: $T (scratch, mode 755), $BIN with copies of the binaries,
# and AGENT, HELPER, MB, PROBE, STATIC. Fails NAME and exits when the
# build is incomplete.
mb_setup() {
	T=$(mktemp -d /tmp/mbinteg.XXXXXX) || exit 1
	chmod 755 "$T"
	trap mb_cleanup EXIT
	trap 'exit 130' HUP INT PIPE TERM
	BIN=$T/bin
	mkdir "$BIN"
	for f in "$OUT/libmbpreload.so" "$OUT/mb-helper" "$OUT/minderbinder" \
		"$PROGS/mbprobe" "$PROGS/early_thread" "$PROGS/helper_impostor" \
		"$PROGS/static-openfile"; do
		if [ ! -f "$f" ]; then
			fail "$1" "$f not built (make check-integration builds it)"
			exit 0
		fi
		cp "$f" "$BIN/" || exit 1
	done
	chmod 755 "$BIN"
	AGENT=$BIN/libmbpreload.so
	HELPER=$BIN/mb-helper
	MB=$BIN/minderbinder
	PROBE=$BIN/mbprobe
	STATIC=$BIN/static-openfile
	# These tests set their own rules: none may come from the caller. The
	# engine stays (the VM tier runs the suite once per forced engine),
	# and so does the helper's timeout (lib.sh scales it for the VM tier:
	# unset, 200 registrations at once under TCG had 30 s), and the path
	# supervised rules take (MINDERBINDER_SUPERVISED: the suite runs with
	# each forced).
	for v in $(env | sed -n 's/^\(MINDERBINDER_[A-Z_]*\)=.*/\1/p'); do
		case $v in MINDERBINDER_ENGINE | MINDERBINDER_HELPER_TIMEOUT | MINDERBINDER_SUPERVISED) ;;
		*) unset "$v" ;; esac
	done
	unset LD_PRELOAD
}

# field FILE KEY: the value of the "KEY value" line of a probe report.
field() {
	sed -n "s/^$2 //p" "$1" | head -1
}

# count_word FILE KEY WORD: how many of KEY's values are WORD.
count_word() {
	field "$1" "$2" | tr ' ' '\n' | grep -cx "$3"
}

# The pid a probe report names, remembered for mb_no_leftovers.
remember_pid() {
	p=$(field "$1" pid)
	[ -n "$p" ] && TARGET_PIDS="$TARGET_PIDS $p"
	return 0
}

# map_rows MAP: one line per entry, "TGID IDX CALLS FAULTS" for
# mb_counters, "TGID IDX" for mb_rules, "TGID" for mb_targets.
map_rows() {
	bpftool -j map dump pinned "$PIN/$1" > "$T/map.json" 2>/dev/null &&
		[ "$(head -c 1 "$T/map.json")" = "[" ] || return 1
	if command -v jq >/dev/null; then
		jq -r '.[] | .formatted |
			if (.key | type) == "object" then
				[.key.tgid, .key.idx, (.value.calls // ""), (.value.faults // "")] | map(tostring) | join(" ")
			else (.key | tostring) end' "$T/map.json"
	else
		/usr/bin/python3 -c '
import json, sys
for e in json.load(sys.stdin):
    f = e["formatted"]; k = f["key"]; v = f["value"]
    if isinstance(k, dict):
        print(" ".join(str(x) for x in (k["tgid"], k["idx"], v.get("calls", ""), v.get("faults", ""))).strip())
    else:
        print(k)' < "$T/map.json"
	fi
}

# counter_rows: "TGID IDX CALLS FAULTS" per rule of every live target, as
# readers see them (`minderbinder stats --json`): the supervisor keeps its
# rules' counters in an array of its own, not in mb_counters.
counter_rows() {
	"$MB" stats --json > "$T/stats.json" 2>/dev/null || return 1
	/usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin)["targets"]:
    for r in t["rules"]:
        print(" ".join("" if x is None else str(x) for x in (t["pid"], r["index"], r["calls"], r["faults"])).strip())' < "$T/stats.json"
}

# registry_holds PID...: prints "MAP:PID" for each entry any map still
# has for one of them ("MAP:unreadable" when it cannot tell).
registry_holds() {
	for m in mb_targets mb_rules mb_counters; do
		if map_rows $m > "$T/map.rows"; then
			awk -v m=$m -v pids=" $* " \
				'index(pids, " " $1 " ") { print m ":" $1 }' "$T/map.rows"
		else
			echo "$m:unreadable"
		fi
	done | sort -u
}

# Our helpers and supervisors still running: processes whose executable
# is one of our copies of mb-helper (a supervisor is a fork of the helper).
our_helpers() {
	for d in /proc/[0-9]*; do
		case $(readlink "$d/exe" 2>/dev/null) in
		"$T"/*mb-helper | "$T"/*"mb-helper (deleted)" | "$HELPER" | "$HELPER (deleted)")
			echo "${d#/proc/}" ;;
		esac
	done
}

# mb_no_leftovers NAME: after every target exited, no helper or supervisor
# of this test runs and the registry holds none of its targets. Waits up
# to 3 s: a supervisor ends when the last process holding its filter did.
mb_no_leftovers() {
	i=0
	while :; do
		procs=$(our_helpers | tr '\n' ' ')
		held=$(registry_holds $TARGET_PIDS | tr '\n' ' ')
		[ -z "$procs$held" ] && break
		i=$((i + 1))
		[ $i -ge 30 ] && break
		sleep 0.1
	done
	if [ -n "$procs" ]; then
		fail "$1" "mb-helper processes still running: $procs"
	elif [ -n "$held" ]; then
		fail "$1" "registry still holds: $held"
	elif [ -z "$TARGET_PIDS" ]; then
		fail "$1" "no target pid was recorded: nothing checked"
	else
		pass "$1 ($(echo $TARGET_PIDS | wc -w) targets)"
	fi
}

# Holding targets alive: hold_open starts a FIFO whose reader end the
# targets get as stdin (mbprobe -H waits for its end of file); release
# lets them all go.
hold_open() {
	HOLD=$T/hold.fifo
	rm -f "$HOLD"
	mkfifo "$HOLD"
}

hold_writer() {
	exec 9>"$HOLD"
	HOLD_FD_OPEN=1
}

release() {
	exec 9>&-
	HOLD_FD_OPEN=
}

# wait_done FILE...: until each file has a "done" line (5 s at most).
wait_done() {
	i=0
	while [ $i -lt 100 ]; do
		missing=0
		for f in "$@"; do
			grep -qx 'done' "$f" 2>/dev/null || { missing=1; break; }
		done
		[ $missing = 0 ] && return 0
		i=$((i + 1))
		sleep 0.05
	done
	return 1
}

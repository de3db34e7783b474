#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `minderbinder sweep`: fails the k-th openat on run k of sweep_target,
# which has exactly one unhandled error path (its second fopen is never
# checked), and must find exactly that one; --json, a process tree, a
# static program, the timeout, bad rules, and nothing left behind.
. "$(dirname "$0")/agent_lib.sh"

need_root "sweep: minderbinder sweep" || exit 0
mb_setup "sweep: setup"
bin_progs "sweep: setup" sweep_target || exit 0
TARGET=$BIN/sweep_target
PY=/usr/bin/python3
# The data apart from $BIN: path= globs below must not match the agent.
D=$T/d
mkdir "$D" && for f in one two three; do echo "$f" > "$D/$f"; done
# The openat calls sweep_target makes of its own (strace counts them, the
# dynamic loader's aside): a sweep is that many faulted runs, and one more
# that reaches no k.
CALLS=3
if command -v strace > /dev/null; then
	strace -f -qq -e trace=openat -o "$T/strace" "$TARGET" "$D/one" "$D/two" "$D/three" \
		> /dev/null 2>&1
	CALLS=$(grep -c "\"$D/" "$T/strace")
fi

# row FILE K: the table row of run K, blanks squeezed.
row() {
	awk -v k="$2" '$1 == k { $1 = $1; print; exit }' "$1"
}

# remember_json FILE: every run's pid, for mb_no_leftovers.
remember_json() {
	TARGET_PIDS="$TARGET_PIDS $($PY -c '
import json, sys
print(" ".join(str(r["pid"]) for r in json.load(sys.stdin)))' < "$1" 2>/dev/null)"
}

# --- the table ----------------------------------------------------------------
$MB sweep -s openat -- "$TARGET" "$D/one" "$D/two" "$D/three" > "$T/table" 2> "$T/table.err"
rc=$?
name="sweep: finds the one unhandled error path (k=2, $D/two, SIGSEGV)"
if [ "$(row "$T/table" 2)" = "2 openat(\"$D/two\") SIGSEGV yes" ]; then
	pass "$name"
else
	fail "$name" "row 2 is '$(row "$T/table" 2)': $(cat "$T/table" "$T/table.err")"
fi
name="sweep: every other k exits cleanly with its own path"
if [ "$(row "$T/table" 1)" = "1 openat(\"$D/one\") 1 no" ] &&
	[ "$(row "$T/table" 3)" = "3 openat(\"$D/three\") 1 no" ] &&
	[ "$(row "$T/table" 4)" = "4 - 0 no" ] &&
	[ "$(grep -c ' yes' "$T/table")" = 1 ]; then
	pass "$name"
else
	fail "$name" "$(cat "$T/table" "$T/table.err")"
fi
runs=$(grep -c '^ *[0-9]' "$T/table")
name="sweep: runs = matching calls + 1 ($CALLS + 1), and the summary says so"
if [ "$runs" = $((CALLS + 1)) ] &&
	grep -qx "sweep: $((CALLS + 1)) runs, 1 crashed (k=2), 0 timeouts" "$T/table"; then
	pass "$name"
else
	fail "$name" "$runs runs: $(tail -1 "$T/table")"
fi
name="sweep: exit status 1 when a run crashed"
if [ $rc = 1 ]; then pass "$name"; else fail "$name" "exit $rc"; fi

# --- --json --------------------------------------------------------------------
$MB sweep --json -s openat:ENOENT -- "$TARGET" "$D/one" "$D/two" "$D/three" \
	> "$T/json" 2> "$T/json.err"
rc=$?
remember_json "$T/json"
name="sweep: --json is one JSON array"
if $PY -c 'import json,sys; json.load(sys.stdin)' < "$T/json" 2> "$T/json.py"; then
	pass "$name"
else
	fail "$name" "$(cat "$T/json.py" "$T/json")"
fi
name="sweep: --json holds the same findings"
got=$($PY -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["k"], r["path"], r["exit"], r["signal"], r["crashed"], r["faulted"], r["calls"])' \
	< "$T/json" 2>&1)
want="1 $D/one 1 None False True 1
2 $D/two None SIGSEGV True True 2
3 $D/three 1 None False True 3
4 None 0 None False False $CALLS"
if [ $rc = 1 ] && [ "$got" = "$want" ]; then
	pass "$name"
else
	fail "$name" "exit $rc, got: $got"
fi

# --- a process tree (scope tree): the crash is a child's ----------------------------
$MB sweep --json -s "openat:EACCES:path=$D/*" -- \
	sh -c "$TARGET $D/one $D/two $D/three; echo after" > "$T/tree" 2> "$T/tree.err"
remember_json "$T/tree"
name="sweep: a child's crash in a shell's tree is found, with its path"
got=$($PY -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["k"], r["path"], r["exit"], r["crashed"], r.get("crash_signal"))' < "$T/tree" 2>&1)
want="1 $D/one 0 False None
2 $D/two 0 True SIGSEGV
3 $D/three 0 False None
4 None 0 False None"
if [ "$got" = "$want" ]; then
	pass "$name"
else
	fail "$name" "got: $got $(cat "$T/tree.err")"
fi

# --- a static program: registered before exec, as `run` does it ----------------------
$MB sweep --json -s "openat:ENOENT:path=$D/*" -- "$STATIC" "$D/one" "$D/two" \
	> "$T/static" 2> "$T/static.err"
rc=$?
remember_json "$T/static"
name="sweep: a static program is swept too"
got=$($PY -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["k"], r["path"], r["exit"], r["crashed"])' < "$T/static" 2>&1)
if [ $rc = 0 ] && [ "$got" = "1 $D/one 0 False
2 $D/two 0 False
3 None 0 False" ]; then
	pass "$name"
else
	fail "$name" "exit $rc, got: $got $(cat "$T/static.err")"
fi

# --- the timeout -------------------------------------------------------------------------
start=$(date +%s)
$MB sweep --timeout "$(secs 5)" -s "openat:EIO:path=$D/*" -- sh -c "cat $D/one; exec sleep 30.5" \
	> "$T/slow" 2> "$T/slow.err"
rc=$?
took=$(($(date +%s) - start))
name="sweep: --timeout kills the run's process group and says timeout"
if [ $rc = 1 ] && [ "$(row "$T/slow" 1)" = "1 openat(\"$D/one\") timeout no" ] &&
	[ "$(row "$T/slow" 2)" = "2 - timeout no" ] &&
	grep -qx 'sweep: 2 runs, 0 crashed, 2 timeouts' "$T/slow" && [ $took -lt $((10 * SLOW)) ] &&
	! pgrep -f "^sleep 30.5$" > /dev/null; then
	pass "$name"
else
	fail "$name" "exit $rc after ${took}s: $(cat "$T/slow" "$T/slow.err"; pgrep -af '^sleep 30.5$')"
fi

# --- bad rules ------------------------------------------------------------------------------
# bad_sweep NAME WORD SPEC: exit 2, nothing on stdout, the message names WORD.
bad_sweep() {
	$MB sweep -s "$3" -- "$TARGET" "$D/one" "$D/two" "$D/three" > "$T/bad" 2> "$T/bad.err"
	rc=$?
	if [ $rc = 2 ] && [ ! -s "$T/bad" ] && grep -q "$2" "$T/bad.err"; then
		pass "$1"
	else
		fail "$1" "exit $rc: $(cat "$T/bad" "$T/bad.err")"
	fi
}
bad_sweep "sweep: an unknown syscall exits 2 and names it" "'opnat'" opnat:EIO
bad_sweep "sweep: an unknown errno exits 2 and names it" "'EIOO'" openat:EIOO
bad_sweep "sweep: after= is sweep's own: exit 2, named" "'after'" openat:EIO:after=2
bad_sweep "sweep: two rules: exit 2" "one rule" 'openat:EIO;read:EIO'

# --- nothing left behind ------------------------------------------------------------------------
mb_no_leftovers "sweep: no helper, supervisor or registry entry is left"

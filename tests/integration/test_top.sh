# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# minderbinder top: a live view in a real terminal (a detached tmux pane of
# 80x24) of a target that keeps faulting: the target, its rule, the rates
# and a sparkline show, no line is wider than the terminal, q quits and
# SIGTERM stops it, the terminal is restored both times; --once prints one
# plain frame without a terminal.
. "$(dirname "$0")/lib.sh"

MB="$OUT/minderbinder"
AGENT="$OUT/libmbpreload.so"
PY=/usr/bin/python3
TMP=$(mktemp -d)
SOCK="mbtop$$" # our own tmux server: nobody else's sessions are touched
KILL=""

cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	for p in $KILL; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

need_root "top: a live view of the counters" || exit 0
for f in "$MB" "$AGENT" "$PROGS/top_target"; do
	if [ ! -e "$f" ]; then
		fail "top: $(basename "$f") built" "$f not built"
		exit 0
	fi
done
if ! command -v tmux > /dev/null; then
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends tmux; } > "$TMP/apt" 2>&1 ||
		{ fail "top: install tmux" "$(tail -3 "$TMP/apt" | tr '\n' '|')"; exit 0; }
fi

MINDERBINDER_SYSCALL='getppid:EIO:rate=50%' LD_PRELOAD="$AGENT" \
	"$PROGS/top_target" > "$TMP/target" 2>&1 &
T=$!
KILL="$KILL $T"
if ! wait_registered "$TMP/target" '^ready' "$T"; then
	fail "top: the target registers and runs" "$(lines "$TMP/target")"
	exit 0
fi

# What runs in the pane: top (its pid in TAG.pid), then its exit status and
# the terminal's settings once it is gone.
cat > "$TMP/pane.sh" <<'PANE'
sh -c 'echo $$ > "$0.pid"; exec "$1" top' "$1" "$2"
echo $? > "$1.rc"
stty -a > "$1.stty" 2>&1
PANE

# wait_file FILE TENTHS
wait_file() {
	i=0
	while [ "$i" -lt "$2" ]; do
		[ -s "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# The terminal is back in canonical mode with echo: not left in cbreak.
restored() {
	grep -Eq '(^| )icanon( |$)' "$1" && grep -Eq '(^| )echo( |$)' "$1"
}

# --- q quits ---------------------------------------------------------------------
tmux -L "$SOCK" new-session -d -s q -x 80 -y 24 "sh $TMP/pane.sh $TMP/q $MB; sleep 30" ||
	{ fail "top: a tmux session of 80x24" "tmux new-session failed"; exit 0; }
sleep 2.5
tmux -L "$SOCK" capture-pane -p -t q > "$TMP/screen"
if grep -q "^pid $T (top_target) " "$TMP/screen"; then
	pass "top: shows the target's pid and comm"
else
	fail "top: shows the target's pid and comm" "$(lines "$TMP/screen")"
fi
if grep -q 'getppid:EIO:rate=50%' "$TMP/screen" && grep -q 'q quits' "$TMP/screen" &&
	grep -q 'targets: [1-9]' "$TMP/screen"; then
	pass "top: shows the header and the rule"
else
	fail "top: shows the header and the rule" "$(lines "$TMP/screen")"
fi
# The rule's line: calls/s and faults/s both running (about 1000/s, half
# of them failed), totals counting.
if grep -Eq '^  \[0\] getppid:EIO:rate=50% +[1-9][0-9]*\.[0-9] +[1-9][0-9]*\.[0-9] +[1-9][0-9]* +[1-9][0-9]*$' \
	"$TMP/screen"; then
	pass "top: calls/s, faults/s and the totals are counting"
else
	fail "top: calls/s, faults/s and the totals are counting" "$(lines "$TMP/screen")"
fi
if grep -q -e '▁' -e '▂' -e '▃' -e '▄' -e '▅' -e '▆' -e '▇' -e '█' "$TMP/screen"; then
	pass "top: draws a faults/s sparkline"
else
	fail "top: draws a faults/s sparkline" "$(lines "$TMP/screen")"
fi
if wide=$($PY -c '
import sys
for n, l in enumerate(open(sys.argv[1], encoding="utf-8").read().split("\n"), 1):
    if len(l) > 80:
        print("line %d has %d columns" % (n, len(l)))
' "$TMP/screen") && [ -z "$wide" ] && [ "$(wc -l < "$TMP/screen")" -le 24 ]; then
	pass "top: no line wider than 80 columns, no more than 24 lines"
else
	fail "top: no line wider than 80 columns, no more than 24 lines" "$wide"
fi
tmux -L "$SOCK" send-keys -t q q
if wait_file "$TMP/q.rc" 20 && [ "$(cat "$TMP/q.rc")" = 0 ]; then
	pass "top: q quits within 2 s (exit 0)"
else
	fail "top: q quits within 2 s (exit 0)" "rc $(cat "$TMP/q.rc" 2>/dev/null)"
fi
if wait_file "$TMP/q.stty" 10 && restored "$TMP/q.stty"; then
	pass "top: the terminal is restored after q"
else
	fail "top: the terminal is restored after q" "$(lines "$TMP/q.stty" 2>/dev/null)"
fi

# --- SIGTERM stops it ------------------------------------------------------------
tmux -L "$SOCK" new-session -d -s t -x 80 -y 24 "sh $TMP/pane.sh $TMP/t $MB; sleep 30"
if wait_file "$TMP/t.pid" 20; then
	sleep 1
	kill -TERM "$(cat "$TMP/t.pid")"
fi
if wait_file "$TMP/t.rc" 20 && [ "$(cat "$TMP/t.rc")" = 143 ] && wait_file "$TMP/t.stty" 10 &&
	restored "$TMP/t.stty"; then
	pass "top: SIGTERM stops it (exit 143) and the terminal is restored"
else
	fail "top: SIGTERM stops it (exit 143) and the terminal is restored" \
		"rc $(cat "$TMP/t.rc" 2>/dev/null) $(lines "$TMP/t.stty" 2>/dev/null)"
fi

# --- without a terminal ----------------------------------------------------------
if "$MB" top --interval 0.5 < /dev/null > "$TMP/nontty" 2>&1; then
	fail "top: without --once, refuses stdin that is no terminal" "$(lines "$TMP/nontty")"
else
	pass "top: without --once, refuses stdin that is no terminal"
fi
if "$MB" top --once --interval 0.5 < /dev/null > "$TMP/once" 2> "$TMP/once.err" &&
	grep -q "^pid $T (top_target) " "$TMP/once" &&
	grep -Eq '^  \[0\] getppid:EIO:rate=50% +[1-9][0-9]*\.[0-9] +[1-9]' "$TMP/once" &&
	! grep -q "$(printf '\033')" "$TMP/once"; then
	pass "top --once: one plain frame with rates, no terminal needed"
else
	fail "top --once: one plain frame with rates, no terminal needed" \
		"$(lines "$TMP/once") $(lines "$TMP/once.err")"
fi

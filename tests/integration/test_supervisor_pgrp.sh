# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The supervisor leaves the target's process group (a Ctrl-C, SIGINT to the
# foreground group, must not kill it before the target's own clean-up
# calls), but not its session: the scheduler groups a session's processes
# (autogroup), and the target's synchronous wake-up is quick only inside
# one group (issue 18).
. "$(dirname "$0")/lib.sh"

AGENT="$OUT/libmbpreload.so"
TMP=$(mktemp -d)
PID=""

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

need_root "supervisor: process group and session" || exit 0
if [ ! -x "$PROGS/sigint_call" ] || [ ! -f "$AGENT" ]; then
	fail "supervisor: sigint_call built" "$PROGS/sigint_call or $AGENT not built"
	exit 0
fi

# A session and process group of its own, as a terminal's foreground
# job has its own group; the agent loads only after setsid(), in env.
setsid env MINDERBINDER_SYSCALL='getppid:EIO:times=1000' LD_PRELOAD="$AGENT" \
	"$PROGS/sigint_call" > "$TMP/out" 2>&1 &
PID=$!
if ! wait_registered "$TMP/out" '^ready' "$PID"; then
	fail "supervisor: the target runs" "$(lines "$TMP/out")"
	exit 0
fi
# setsid may have forked: the target says who it is.
PID=$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$TMP/out")
TPG=$(ps -o pgid= -p "$PID" | tr -d ' ')
TSID=$(ps -o sid= -p "$PID" | tr -d ' ')
# The supervisor: the helper's fork, the one mb-helper in that session.
SUPS=$(ps -e -o pid=,pgid=,sid=,comm= | awk -v s="$TSID" -v p="$PID" '$3 == s && $1 != p && $4 == "mb-helper" { print $1 ":" $2 }')
if [ -z "$SUPS" ]; then
	fail "supervisor: in the target's session" "no mb-helper process in session $TSID: $(ps -e -o pid=,pgid=,sid=,comm= | grep mb-helper | tr '\n' '|')"
else
	pass "supervisor: in the target's session (one scheduler autogroup)"
fi
case " $(echo "$SUPS" | sed 's/.*://' | tr '\n' ' ') " in
*" $TPG "*) fail "supervisor: not in the target's process group" "supervisors $SUPS, target group $TPG" ;;
*) pass "supervisor: not in the target's process group" ;;
esac
kill -INT "-$TPG"
wait_line "$TMP/out" '^getppid after SIGINT' 100 "$PID" || :
if grep -q '^getppid after SIGINT: EIO$' "$TMP/out"; then
	pass "supervisor: SIGINT to the target's process group (Ctrl-C) leaves it answering the target's clean-up"
else
	fail "supervisor: SIGINT to the target's process group leaves it answering" "$(lines "$TMP/out")"
fi

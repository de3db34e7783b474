# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Exact counts under threads: 50 threads call getppid at once, and the
# window (after=, times=) and the counters `minderbinder stats` reads must
# be exact: every call counted once, exactly times= of them faulted, the
# faults the threads saw equal to the faults counted.
. "$(dirname "$0")/lib.sh"

MB="$OUT/minderbinder"
AGENT="$OUT/libmbpreload.so"
PY=/usr/bin/python3
TMP=$(mktemp -d)
KILL=""

cleanup() {
	for p in $KILL; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

need_root "threads: exact counts under 50 threads" || exit 0
for f in "$MB" "$AGENT" "$PROGS/thread_storm"; do
	if [ ! -e "$f" ]; then
		fail "threads: $(basename "$f") built" "$f not built"
		exit 0
	fi
done

# check_storm NAME RULE THREADS CALLS WANT_FAULTS (a number, or "seen": those
# the threads saw, some but not all)
check_storm() {
	name=$1 rule=$2 threads=$3 calls=$4 want=$5
	MINDERBINDER_SYSCALL=$rule LD_PRELOAD="$AGENT" \
		"$PROGS/thread_storm" -t "$threads" -n "$calls" > "$TMP/out" 2>&1 &
	pid=$!
	KILL="$KILL $pid"
	if ! wait_registered "$TMP/out" '^ready' "$pid"; then
		fail "$name" "the target did not run: $(lines "$TMP/out")"
		return
	fi
	"$MB" stats --json > "$TMP/json" 2> "$TMP/json.err"
	total=$((threads * calls))
	if got=$($PY - "$TMP/json" "$pid" "$rule" "$total" "$want" "$TMP/out" << 'PYEOF' 2>&1
import json, re, sys
doc, pid, rule, total, want, out = sys.argv[1:]
seen = re.search(r"^calls=(\d+) failed=(\d+) errno=(\S+) other=(\d+)$", open(out).read(), re.M)
if not seen:
    raise SystemExit("target printed no counts")
calls, failed, errno, other = seen.groups()
if want == "seen":
    if not 0 < int(failed) < int(total):
        raise SystemExit("rate=50%%: %s of %s failed, want some but not all" % (failed, total))
    want = failed
if int(calls) != int(total) or int(failed) != int(want) or (int(want) and errno != "EIO") or int(other):
    raise SystemExit("the threads saw %s calls, %s failed (%s), %s other; want %s, %s EIO, 0"
                     % (calls, failed, errno, other, total, want))
for t in json.load(open(doc))["targets"]:
    if str(t["pid"]) != pid:
        continue
    for r in t["rules"]:
        if r["rule"] == rule:
            if (r["calls"], r["faults"]) != (int(total), int(want)):
                raise SystemExit("stats: calls %s faults %s, want %s %s"
                                 % (r["calls"], r["faults"], total, want))
            print("ok")
            raise SystemExit(0)
raise SystemExit("no rule %r of pid %s in stats" % (rule, pid))
PYEOF
	); then
		pass "$name"
	else
		fail "$name" "$got; $(head -c 600 "$TMP/json" | tr '\n' ' ')"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || :
}

check_storm "threads: 50 threads x 200 getppid, times=2500 after=1000: 10000 calls counted, exactly 2500 faults, as the threads saw" \
	'getppid:EIO:after=1000:times=2500' 50 200 2500
check_storm "threads: 50 threads x 100 getppid, rate=50%: every call counted once, the faults counted are the faults the threads saw" \
	'getppid:EIO:rate=50%:seed=7' 50 100 seen

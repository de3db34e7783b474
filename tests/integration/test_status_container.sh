# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Issue 15: `minderbinder status` (and stats --json/--prometheus, serve,
# top) say which container each target is in: its cgroup v2 path and its
# pid namespace, with its pid in there. A "container" here is real: a
# cgroup of our own under the cgroup v2 mount (found in mountinfo, as the
# code finds it), named with bytes that need escaping, and a new pid
# namespace (unshare -p -f --mount-proc), where the target is pid 1. A
# host target is shown as the host. A registry entry whose pid now names
# another process (a stale start time, written by hand) is never given
# that process's container.
. "$(dirname "$0")/lib.sh"

MB="$OUT/minderbinder"
AGENT="$OUT/libmbpreload.so"
PY=/usr/bin/python3
TMP=$(mktemp -d)
HOSTT="" CT="" STALE=""

need_root "status container: targets in a cgroup and a pid namespace" || exit 0
progs_built "status container: test programs" stats_target stale_entry || exit 0
for tool in unshare curl; do
	if ! command -v $tool > /dev/null; then
		notrun "status container" "no $tool"
		exit 0
	fi
done
# The cgroup v2 mount, from mountinfo as mb_cgroup2_mount reads it: the
# mount point of the first line whose type (after " - ") is cgroup2.
CG2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
	/proc/self/mountinfo)
if [ -z "$CG2" ] || [ ! -w "$CG2/cgroup.procs" ]; then
	notrun "status container: a cgroup of our own" "no writable cgroup v2 mount (${CG2:-none in mountinfo})"
	exit 0
fi
# A name that needs escaping in every output: a space, a quote, a
# backslash and UTF-8.
CNAME=$(printf 'mb-st %s "q\\z \303\251' "$$")
CDIR=$CG2/$CNAME
CPATH=/$CNAME

cg_empty() { ! grep -q 'populated 1' "$1/cgroup.events" 2> /dev/null; }
cleanup() {
	[ -n "$HOSTT" ] && kill -KILL "$HOSTT" 2> /dev/null
	for d in "$CDIR" "$CDIR-moved" "$CDIR-stale"; do
		[ -d "$d" ] || continue
		if [ -e "$d/cgroup.kill" ]; then
			echo 1 > "$d/cgroup.kill"
		else
			for p in $(cat "$d/cgroup.procs"); do kill -KILL "$p" 2> /dev/null; done
		fi
	done
	[ -n "$STALE" ] && "$PROGS/stale_entry" remove "$STALE" > /dev/null 2>&1
	wait 2> /dev/null
	for d in "$CDIR" "$CDIR-moved" "$CDIR-stale"; do
		[ -d "$d" ] || continue
		wait_for 50 cg_empty "$d"
		rmdir "$d" 2> /dev/null || echo "status container: could not remove the cgroup $d" >&2
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! mkdir "$CDIR" 2> "$TMP/mkdir"; then
	fail "status container: create the cgroup $CDIR" "$(lines "$TMP/mkdir")"
	exit 0
fi

# --- the targets -----------------------------------------------------------
# The host target: the test's own cgroup and pid namespace.
MINDERBINDER_SYSCALL='getppid:EIO:times=2' LD_PRELOAD="$AGENT" \
	"$PROGS/stats_target" -g 3 -o 0 > "$TMP/host" 2>&1 &
HOSTT=$!
# The container target: moved into the cgroup first, then pid 1 of a new
# pid namespace with its own /proc.
sh -c 'echo $$ > "$0/cgroup.procs" && exec unshare -p -f --mount-proc env \
	MINDERBINDER_SYSCALL="getppid:EIO:times=5" LD_PRELOAD="$1" "$2" -g 10 -o 0' \
	"$CDIR" "$AGENT" "$PROGS/stats_target" > "$TMP/ct" 2>&1 &
if ! wait_registered "$TMP/host" '^ready' "$HOSTT" || ! wait_registered "$TMP/ct" '^ready' "$!"; then
	fail "status container: both targets register and run" "host: $(lines "$TMP/host") container: $(lines "$TMP/ct")"
	exit 0
fi
# Its global pid: the stats_target among the cgroup's processes.
for p in $(cat "$CDIR/cgroup.procs"); do
	[ "$(cat "/proc/$p/comm" 2> /dev/null)" = stats_target ] && CT=$p
done
HOSTCG=$(sed -n 's/^0:://p' "/proc/$HOSTT/cgroup")
HOSTNS=$(stat -L -c %i "/proc/$HOSTT/ns/pid")
CNS=$(stat -L -c %i "/proc/$CT/ns/pid" 2> /dev/null)
CID=$(stat -c %i "$CDIR")
NSPID=$(sed -n 's/^NSpid:.*[[:space:]]\([0-9]*\)$/\1/p' "/proc/$CT/status" 2> /dev/null)
name="status container: the container target is pid 1 of its own pid namespace, in cgroup $CPATH (the kernel says)"
if [ -n "$CT" ] && [ "$NSPID" = 1 ] && [ -n "$CNS" ] && [ "$CNS" != "$HOSTNS" ] &&
	[ "$(sed -n 's/^0:://p' "/proc/$CT/cgroup")" = "$CPATH" ] &&
	[ "$HOSTNS" = "$(stat -L -c %i /proc/self/ns/pid)" ]; then
	pass "$name"
else
	fail "$name" "global pid '$CT', NSpid '$NSPID', pidns '$CNS' vs host '$HOSTNS'"
	exit 0
fi
if grep -q '^getppid ok=5 failed=5 errno=EIO$' "$TMP/ct" && grep -q '^getppid ok=1 failed=2 errno=EIO$' "$TMP/host"; then
	pass "status container: each target got exactly its own faults (5 of 10, 2 of 3)"
else
	fail "status container: each target got its own faults" "container: $(lines "$TMP/ct") host: $(lines "$TMP/host")"
fi

# --- status ------------------------------------------------------------------
"$MB" status > "$TMP/status" 2>&1
hline=$(grep -F "  pid $HOSTT (stats_target) " "$TMP/status")
cline=$(grep -F "  pid $CT (stats_target) " "$TMP/status")
name="status: the container target's line names its cgroup (id $CID, path $CPATH) and its pid namespace $CNS with its pid 1 there"
case $cline in
*" cgroup $CID ($CPATH) pidns $CNS (pid 1)") pass "$name" ;;
*) fail "$name" "$(lines "$TMP/status")" ;;
esac
name="status: the host target's line says cgroup ($HOSTCG) and pidns host, nothing more"
case $hline in
*" ($HOSTCG) pidns host") pass "$name" ;;
*) fail "$name" "$(lines "$TMP/status")" ;;
esac
if grep -A1 -F "  pid $CT (stats_target) " "$TMP/status" | grep -Eq '^    \[0\] getppid:EIO:times=5 +seccomp \(user notification\) +calls 10 faults 5$|^    \[0\] getppid:EIO:times=5 +(fmod_ret|kprobe) +calls 10 faults 5$'; then
	pass "status: the container target's rule shows calls 10 faults 5"
else
	fail "status: the container target's rule counts" "$(lines "$TMP/status")"
fi

# --- stats table, --json, --prometheus, serve, top ---------------------------
"$MB" stats > "$TMP/table" 2>&1
after() { grep -A1 -F "$1" "$TMP/table" | sed -n 2p; }
name="stats: the container target has a line 'cgroup $CPATH pidns $CNS (pid 1)'"
if [ "$(after "pid $CT (stats_target) uid 0 scope tree")" = "  cgroup $CPATH pidns $CNS (pid 1)" ]; then
	pass "$name"
else
	fail "$name" "$(lines "$TMP/table")"
fi
name="stats: the host target in cgroup $HOSTCG"
if [ "$HOSTCG" = / ]; then
	case $(after "pid $HOSTT (stats_target) uid 0 scope tree") in
	"  RULE "*) pass "$name: no container line" ;;
	*) fail "$name: no container line" "$(lines "$TMP/table")" ;;
	esac
elif [ "$(after "pid $HOSTT (stats_target) uid 0 scope tree")" = "  cgroup $HOSTCG pidns host" ]; then
	pass "$name: its cgroup, pidns host"
else
	fail "$name: its cgroup, pidns host" "$(lines "$TMP/table")"
fi

cat > "$TMP/check.py" << 'EOF'
import json, sys
kind, path, host, ct, hostcg, hostns, cpath, cns = sys.argv[1:9]
text = open(path, encoding="utf-8").read()
if kind == "json":
    got = {str(t["pid"]): t for t in json.loads(text)["targets"]}
    h, c = got[host], got[ct]
    want_h = {"cgroup": hostcg, "pidns": int(hostns), "ns_pid": int(host), "host_pidns": True}
    want_c = {"cgroup": cpath, "pidns": int(cns), "ns_pid": 1, "host_pidns": False}
    for t, w in ((h, want_h), (c, want_c)):
        bad = {k: (t.get(k), v) for k, v in w.items() if t.get(k) != v}
        if bad:
            raise SystemExit("pid %s: (got, want) %r" % (t["pid"], bad))
    r = c["rules"][0]
    if (r["calls"], r["faults"]) != (10, 5):
        raise SystemExit("container rule %r" % r)
else:
    from prometheus_client.parser import text_string_to_metric_families
    want = {host: {"cgroup": hostcg, "pidns": "host", "ns_pid": None},
            ct: {"cgroup": cpath, "pidns": cns, "ns_pid": "1"}}
    seen = set()
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            pid = s.labels.get("pid")
            if pid not in want:
                continue
            got = {k: s.labels.get(k) for k in want[pid]}
            if got != want[pid]:
                raise SystemExit("%s: labels %r, want %r" % (s.name, got, want[pid]))
            seen.add((pid, s.name))
            if pid == ct and s.value != {"minderbinder_calls_total": 10,
                                         "minderbinder_faults_total": 5}[s.name]:
                raise SystemExit("%s = %r" % (s.name, s.value))
    if len(seen) != 4:
        raise SystemExit("samples seen: %r" % sorted(seen))
print("ok")
EOF
check_doc() {
	if out=$($PY "$TMP/check.py" "$2" "$3" "$HOSTT" "$CT" "$HOSTCG" "$HOSTNS" "$CPATH" "$CNS" 2>&1); then
		pass "$1"
	else
		fail "$1" "$(echo "$out" | tail -2 | tr '\n' '|') document: $(head -c 1500 "$3" | tr '\n' '|')"
	fi
}
"$MB" stats --json > "$TMP/json" 2>&1
check_doc "stats --json: cgroup, pidns, ns_pid and host_pidns of both targets, the cgroup name unescaped" json "$TMP/json"
"$MB" stats --prometheus > "$TMP/prom" 2>&1
check_doc "stats --prometheus: cgroup and pidns labels (ns_pid in a pid namespace of its own), unescaped by prometheus_client" \
	prom "$TMP/prom"

"$MB" serve --listen 127.0.0.1:0 > "$TMP/serve" 2>&1 &
SERVE=$!
if wait_line "$TMP/serve" '^serving http://' 50 "$SERVE"; then
	url=$(sed -n 's/^serving //p' "$TMP/serve")
	curl -sS --max-time 10 "$url" > "$TMP/metrics" 2>&1
	check_doc "serve: /metrics carries the same cgroup and pidns labels" prom "$TMP/metrics"
else
	fail "serve: starts" "$(lines "$TMP/serve")"
fi
kill "$SERVE" 2> /dev/null
wait "$SERVE" 2> /dev/null

"$MB" top --once --interval 0.1 > "$TMP/top" 2>&1
# top shows printable ASCII only: é is two '?'.
CTOP=$(printf '%s' "$CPATH" | LC_ALL=C sed 's/[^ -~]/?/g')
if grep -A1 "^pid $CT (stats_target) " "$TMP/top" | grep -qxF "  cgroup $CTOP pidns $CNS (pid 1)"; then
	pass "top --once: the container target's line is followed by its cgroup and pid namespace"
else
	fail "top --once: the container target's cgroup and pid namespace" "$(lines "$TMP/top")"
fi

# --- moved since it registered ---------------------------------------------------
# status names the cgroup id the helper recorded by its path only while
# that is where the target is.
mkdir "$CDIR-moved" && echo "$CT" > "$CDIR-moved/cgroup.procs"
"$MB" status > "$TMP/status3" 2>&1
name="status: a target moved to another cgroup since it registered shows 'cgroup $CID (now in $CPATH-moved)'"
case $(grep -F "  pid $CT (stats_target) " "$TMP/status3") in
*" cgroup $CID (now in $CPATH-moved) pidns $CNS (pid 1)") pass "$name" ;;
*) fail "$name" "$(lines "$TMP/status3")" ;;
esac

# --- a pid that now names another process ---------------------------------------
# A process in a cgroup and pid namespace of their own, not a target; an
# entry for its pid with another start time (a reused pid, as the registry
# sees it): status must not give the entry that process's container.
mkdir "$CDIR-stale"
sh -c 'echo $$ > "$0/cgroup.procs" && exec unshare -p -f --mount-proc sleep 1000' "$CDIR-stale" &
wait_for 50 grep -q . "$CDIR-stale/cgroup.procs"
for p in $(cat "$CDIR-stale/cgroup.procs"); do
	[ "$(cat "/proc/$p/comm" 2> /dev/null)" = sleep ] && STALE=$p
done
if [ -z "$STALE" ] || ! "$PROGS/stale_entry" add "$STALE" real+1 0 $((20000 + $$ % 20000)) > "$TMP/stale" 2>&1; then
	fail "status: a stale entry (written by hand)" "pid '$STALE': $(lines "$TMP/stale")"
else
	"$MB" status > "$TMP/status2" 2>&1
	sline=$(grep -F "  pid $STALE " "$TMP/status2")
	name="status: an entry whose pid now names another process shows '?' and no cgroup path or pid namespace"
	case $sline in
	*"pid $STALE (?) "*" cgroup "*[0-9]) pass "$name" ;;
	*) fail "$name" "line '$sline'" ;;
	esac
	"$MB" stats --json > "$TMP/json2" 2>&1
	name="stats --json: that entry's cgroup, pidns, ns_pid and host_pidns are null"
	if $PY -c 'import json, sys
t = [t for t in json.load(open(sys.argv[1]))["targets"] if t["pid"] == int(sys.argv[2])][0]
assert [t[k] for k in ("cgroup", "pidns", "ns_pid", "host_pidns")] == [None] * 4, t' "$TMP/json2" "$STALE" 2> "$TMP/py"; then
		pass "$name"
	else
		fail "$name" "$(tail -1 "$TMP/py")"
	fi
	"$PROGS/stale_entry" remove "$STALE" > /dev/null 2>&1 && STALE=""
fi

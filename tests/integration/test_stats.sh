# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# minderbinder stats (table, --json, --prometheus) and serve, against real
# targets that keep running: the counts must equal the faults injected,
# exactly, and both machine formats must parse with real parsers
# (Python's json, prometheus_client's text parser).
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

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

need_root "stats: counters of live targets" || exit 0
for f in "$MB" "$AGENT" "$PROGS/stats_target" "$PROGS/net_tcp_server"; do
	if [ ! -x "$f" ] && [ ! -f "$f" ]; then
		fail "stats: $(basename "$f") built" "$f not built"
		exit 0
	fi
done
# The parsers and the HTTP client the checks use (Makefile DEB_PACKAGES).
missing=""
$PY -c 'import prometheus_client.parser' 2>/dev/null || missing="$missing python3-prometheus-client"
command -v curl > /dev/null || missing="$missing curl"
if [ -n "$missing" ]; then
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $missing; } > "$TMP/apt" 2>&1 ||
		{ fail "stats: install$missing" "$(tail -3 "$TMP/apt" | tr '\n' '|')"; exit 0; }
fi

# The syscall rules' engine: the stats differ where seccomp answers in
# its filter (uncounted) and a BPF engine counts.
ENGINE=$(sys_engine)

# --- the targets -----------------------------------------------------------
# A: two supervised syscall rules and one answered in the filter (syncfs,
# which it never calls), under a name that needs escaping everywhere.
NAME=$(printf 'mb"q\\z\nx')
MINDERBINDER_SYSCALL='getppid:EIO:times=5;openat:ENOENT:path=/nonexistent/*;syncfs:EIO' \
	LD_PRELOAD="$AGENT" "$PROGS/stats_target" -g 10 -o 3 -N "$NAME" > "$TMP/a" 2>&1 &
A=$!
KILL="$KILL $A"
# B: tcp:P:refuse although a server listens on P; 4 connects.
P=$(free_port)
"$PROGS/net_tcp_server" 127.0.0.1 "$P" > "$TMP/srv" 2>&1 &
KILL="$KILL $!"
if ! wait_line "$TMP/srv" '^ready'; then
	fail "stats: a TCP server on 127.0.0.1:$P" "$(lines "$TMP/srv")"
	exit 0
fi
MINDERBINDER_NET="tcp:$P:refuse" LD_PRELOAD="$AGENT" \
	"$PROGS/stats_target" -g 0 -o 0 -c "$P" -n 4 > "$TMP/b" 2>&1 &
B=$!
KILL="$KILL $B"
if ! wait_registered "$TMP/a" '^ready' "$A" || ! wait_registered "$TMP/b" '^ready' "$B"; then
	fail "stats: the targets register and run" "A: $(lines "$TMP/a") B: $(lines "$TMP/b")"
	exit 0
fi
# What the targets themselves saw: the faults really happened.
if grep -q '^getppid ok=5 failed=5 errno=EIO$' "$TMP/a" &&
	grep -q '^open failed=3 errno=ENOENT$' "$TMP/a" &&
	grep -q '^connect refused=4 other=0$' "$TMP/b"; then
	pass "stats: targets saw 5 of 10 getppid fail, 3 of 3 opens fail, 4 of 4 connects refused"
else
	fail "stats: the targets saw their faults" "A: $(lines "$TMP/a") B: $(lines "$TMP/b")"
fi

# --- the checks on a metrics document, shared by --json, --prometheus, /metrics
cat > "$TMP/check.py" <<'EOF'
import json, sys
kind, path, a, b, name = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
engine = sys.argv[7]
text = open(path, encoding="utf-8").read()
# seccomp answers syncfs in the filter, uncounted; a BPF engine counts it.
sup, inf = ("seccomp (user notification)", "seccomp (in-filter errno)") \
    if engine == "seccomp" else (engine, engine)
want = {  # (pid, rule) -> (calls, faults, engine, calls_mean, faults_mean)
    (a, "getppid:EIO:times=5"): (10, 5, sup, "calls", "faults"),
    (a, "openat:ENOENT:path=/nonexistent/*"): (3, 3, sup, "calls", "faults"),
    (a, "syncfs:EIO"): ((None, None) if engine == "seccomp" else (0, 0)) + (inf, "calls", "faults"),
    (b, "tcp:%s:refuse" % sys.argv[6]): (4, 4, "cgroup", "connects_seen", "connects_failed"),
}
got, comms, ntargets = {}, {}, None
if kind == "json":
    doc = json.loads(text)
    ntargets = len(doc["targets"])
    for t in doc["targets"]:
        pid = str(t["pid"])
        comms[pid] = t["comm"]
        assert t["scope"] == "tree" and t["parent"] is None and isinstance(t["uid"], int), t
        for r in t["rules"]:
            got[(pid, r["rule"])] = (r["calls"], r["faults"], r["engine"],
                                     r["calls_mean"], r["faults_mean"])
else:
    from prometheus_client.parser import text_string_to_metric_families
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == "minderbinder_targets":
                ntargets = int(s.value)
                continue
            l = s.labels
            key = (l["pid"], l["rule"])
            comms[l["pid"]] = l["comm"]
            c, f, _ = got.get(key, (None, None, None))
            if s.name == "minderbinder_calls_total":
                c = int(s.value)
            elif s.name == "minderbinder_faults_total":
                f = int(s.value)
            else:
                raise SystemExit("unexpected sample %r" % (s,))
            got[key] = (c, f, l["engine"])
    want = {k: v[:3] for k, v in want.items() if v[0] is not None}
    not_counted = "# not counted: pid %s rule 2 \"syncfs:EIO\" is answered in the seccomp filter" % a
    if engine == "seccomp" and not_counted not in text.splitlines():
        raise SystemExit("no comment line %r" % not_counted)
    if engine == "seccomp" and any(k == (a, "syncfs:EIO") for k in got):
        raise SystemExit("the in-filter rule has samples")
bad = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
if bad:
    raise SystemExit("got != want: %r" % bad)
if comms.get(a) != name:
    raise SystemExit("comm of %s is %r, want %r" % (a, comms.get(a), name))
if ntargets is None or ntargets < 2:
    raise SystemExit("targets %r, want >= 2" % ntargets)
print("ok")
EOF
# check_doc NAME KIND FILE: FILE holds exactly the counts of A and B.
check_doc() {
	if out=$($PY "$TMP/check.py" "$2" "$3" "$A" "$B" "$NAME" "$P" "$ENGINE" 2>&1); then
		pass "$1"
	else
		fail "$1" "$(echo "$out" | tail -3 | tr '\n' '|') document: $(head -c 1500 "$3" | tr '\n' '|')"
	fi
}

# --- stats -------------------------------------------------------------------
if [ "$ENGINE" = seccomp ]; then
	SUP='seccomp \(user notification\)' INF='syncfs:EIO +seccomp \(in-filter errno\) +not counted'
else
	SUP=$ENGINE INF="syncfs:EIO +$ENGINE +0  0 faults\$"
fi
"$MB" stats > "$TMP/table" 2>&1
if grep -Eq "^pid $A \(mb\"q\\\\z\?x\) uid 0 scope tree$" "$TMP/table" &&
	grep -Eq "^  \[0\] +getppid:EIO:times=5 +$SUP +10  5 faults\$" "$TMP/table" &&
	grep -Eq "^  \[1\] +openat:ENOENT:path=/nonexistent/\* +$SUP +3  3 faults\$" "$TMP/table" &&
	grep -Eq "^  \[2\] +$INF" "$TMP/table" &&
	grep -Eq "^  \[0\] +tcp:$P:refuse +cgroup +4  4 failed$" "$TMP/table"; then
	pass "stats: the table shows calls 10 faults 5, calls 3 faults 3, connects 4 failed 4, and the in-filter rule as not counted"
else
	fail "stats: the table" "$(lines "$TMP/table")"
fi

"$MB" stats --json > "$TMP/json" 2> "$TMP/json.err"
check_doc "stats --json: parses (Python json) and holds the exact counts, engines, meanings, null for the in-filter rule, the comm unescaped" \
	json "$TMP/json"

"$MB" stats --prometheus > "$TMP/prom" 2> "$TMP/prom.err"
check_doc "stats --prometheus: parses (prometheus_client) and holds the exact counts, the comm unescaped, the in-filter rule as a comment" \
	prom "$TMP/prom"
if grep -q '^# HELP minderbinder_calls_total ' "$TMP/prom" && grep -q '^# TYPE minderbinder_calls_total counter$' "$TMP/prom" &&
	grep -q '^# TYPE minderbinder_faults_total counter$' "$TMP/prom" && grep -q '^# TYPE minderbinder_targets gauge$' "$TMP/prom"; then
	pass "stats --prometheus: HELP and TYPE lines for the three families"
else
	fail "stats --prometheus: HELP and TYPE lines" "$(grep '^#' "$TMP/prom" | tr '\n' '|')"
fi

"$MB" stats --json --prometheus > "$TMP/both" 2>&1
st=$?
if [ "$st" = 2 ] && grep -q 'exclude each other' "$TMP/both"; then
	pass "stats: --json with --prometheus is a usage error (exit 2)"
else
	fail "stats: --json with --prometheus" "exit $st: $(lines "$TMP/both")"
fi

# Not root: a clear message, exit 1 (nobody may run the binary: the tree is 755).
if command -v setpriv > /dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$MB" stats > "$TMP/nonroot" 2>&1
	st=$?
	if [ "$st" = 1 ] && grep -q '^minderbinder: stats: needs root' "$TMP/nonroot"; then
		pass "stats: as a normal user, says it needs root (exit 1)"
	else
		fail "stats: as a normal user" "exit $st: $(lines "$TMP/nonroot")"
	fi
else
	notrun "stats: as a normal user" "no setpriv"
fi

# --- serve ---------------------------------------------------------------------
# serve_up NAME ADDR: starts serve --listen ADDR; SRV is its pid, URL its /metrics.
serve_up() {
	"$MB" serve --listen "$2" > "$TMP/$1.out" 2>&1 &
	SRV=$!
	KILL="$KILL $SRV"
	wait_line "$TMP/$1.out" '^serving ' || return 1
	URL=$(sed -n 's/^serving //p' "$TMP/$1.out")
}
# stop_serve SIG OUT: SIG stops the serve SRV cleanly (exit 0, "stopped (SIGSIG)").
stop_serve() {
	kill -"$1" "$SRV"
	wait "$SRV"
	st=$?
	if [ "$st" = 0 ] && grep -q "^stopped (SIG$1)\$" "$2"; then
		pass "serve: SIG$1 stops it cleanly (exit 0)"
	else
		fail "serve: SIG$1 stops it cleanly" "exit $st: $(lines "$2")"
	fi
}

SP=$(free_port)
if serve_up v4 "127.0.0.1:$SP" && [ "$URL" = "http://127.0.0.1:$SP/metrics" ]; then
	curl -sS -D "$TMP/v4.hdr" -o "$TMP/v4.body" "$URL" 2> "$TMP/v4.curl"
	check_doc "serve: curl $URL gets the same metrics (prometheus_client parses them)" prom "$TMP/v4.body"
	if grep -qi '^content-type: text/plain; version=0.0.4' "$TMP/v4.hdr"; then
		pass "serve: /metrics is served as text/plain; version=0.0.4"
	else
		fail "serve: /metrics content type" "$(lines "$TMP/v4.hdr")"
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SP/")
	code2=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SP/metrics/x")
	if [ "$code" = 404 ] && [ "$code2" = 404 ]; then
		pass "serve: / and /metrics/x answer 404"
	else
		fail "serve: other paths answer 404" "/ -> $code, /metrics/x -> $code2"
	fi
	# A second server on the same address fails and says why.
	"$MB" serve --listen "127.0.0.1:$SP" > "$TMP/busy" 2>&1 &
	BUSY=$!
	KILL="$KILL $BUSY"
	wait "$BUSY"
	st=$?
	if [ "$st" = 1 ] && grep -q "failed to listen on 127.0.0.1:$SP: Address already in use" "$TMP/busy"; then
		pass "serve: an address in use is an error that says so (exit 1)"
	else
		fail "serve: an address in use" "exit $st: $(lines "$TMP/busy")"
	fi
	stop_serve TERM "$TMP/v4.out"
else
	fail "serve: starts on 127.0.0.1:$SP" "$(lines "$TMP/v4.out")"
fi

if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
	if serve_up v6 '[::1]:0'; then
		curl -sS -g -o "$TMP/v6.body" "$URL" 2> "$TMP/v6.curl"
		check_doc "serve: --listen [::1]:0 serves the same metrics over IPv6 ($URL)" prom "$TMP/v6.body"
		stop_serve INT "$TMP/v6.out"
	else
		fail "serve: starts on [::1]:0" "$(lines "$TMP/v6.out")"
	fi
else
	notrun "serve: IPv6 --listen [::1]" "no ::1 on lo"
fi

ok=1
msgs=""
for bad in 127.0.0.1 localhost:2112 127.0.0.1:65536 '[::1]2112' 1.2.3:80 '127.0.0.1:x'; do
	"$MB" serve --listen "$bad" > "$TMP/bad" 2>&1
	st=$?
	if [ "$st" != 2 ] || ! grep -Fq -- "--listen: bad " "$TMP/bad" || ! grep -Fq -- "'$bad'" "$TMP/bad"; then
		ok=0
		msgs="$msgs $bad: exit $st $(lines "$TMP/bad")"
	fi
done
if [ "$ok" = 1 ]; then
	pass "serve: a bad --listen exits 2 naming the flag and the token (6 forms)"
else
	fail "serve: a bad --listen" "$msgs"
fi

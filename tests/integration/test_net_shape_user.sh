#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Network shaping (issue 16) for an unprivileged target, through the
# helper installed 4755: uid 65534 shapes its own calls, its supervisor
# (which takes copies of the target's sockets) runs as uid 65534, not
# root, and a root process talking to the same server port at the same
# time is never slowed by it.
. "$(dirname "$0")/agent_lib.sh"

need_root "net shape user: the set-uid helper" || exit 0
mb_setup "net shape user: setup"
as_nobody "net shape user: the set-uid helper" || exit 0
net_ready "net shape user" net_pingpong || exit 0
cp "$PROGS/net_pingpong" "$BIN/"
PP=$BIN/net_pingpong
suid_helper "net shape user: the set-uid helper" || exit 0
SRV=""
trap '[ -n "$SRV" ] && kill $SRV 2>/dev/null; mb_cleanup' EXIT
P=$((20000 + ($$ % 120) * 100 + 70))

"$PP" serve 127.0.0.1 "$P" > "$T/srv" 2>&1 &
SRV=$!
wait_line "$T/srv" '^ready' || { fail "net shape user: server" "$(lines "$T/srv")"; exit 0; }

last() { tail -1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# try ENGINE: MINDERBINDER_ENGINE=ENGINE (seccomp: per call, auto: EDT
# where fq is).
try() {
	$AS_NOBODY env MINDERBINDER_ENGINE="$1" MINDERBINDER_NET="tcp:$P:latency=200ms" \
		LD_PRELOAD="$S/libmbpreload.so" \
		"$PP" ping 127.0.0.1 "$P" $((10 * SLOW)) > "$T/t" 2>&1 &
	tp=$!
	n=0
	# listed (per call: with its supervisor, recorded once it runs)
	want="supervisor [1-9]"
	[ "$1" = seccomp ] || want="supervisor"
	until "$MB" status > "$T/st" 2>&1 && grep -q "^  pid $tp .* $want" "$T/st"; do
		n=$((n + 1))
		kill -0 "$tp" 2>/dev/null && [ $n -lt $((100 * SLOW)) ] || break
		sleep 0.05
	done
	sup=$(sed -n "s/^  pid $tp .* supervisor \([0-9]*\) .*/\1/p" "$T/st")
	sup_uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\)[[:space:]]*\([0-9]*\)[[:space:]]*\([0-9]*\).*/\1 \2 \3/p' \
		"/proc/${sup:-0}/status" 2>/dev/null)
	"$PP" ping 127.0.0.1 "$P" 200 > "$T/by" 2>&1
	wait "$tp"
	tmin=$(last "$T/t" min_us); bmed=$(last "$T/by" median_us)
	[ -n "$tmin" ] && [ -n "$bmed" ] || return 2
	[ "$tmin" -ge 200000 ] || return 3
	[ "$bmed" -lt $((100000 * SLOW)) ]
}
# tries ENGINE WORDS: try ENGINE up to three times, then say so.
tries() {
	r=1
	for i in 1 2 3; do
		try "$1"; r=$?
		[ $r = 1 ] || break
	done
	case $r in
	0)
		pass "net shape user ($2): a uid $NOBODY target's round trips are >= 200 ms (min $tmin us)"
		pass "net shape user ($2): a root process on the same port at the same time is not slowed (median $bmed us)"
		;;
	3) fail "net shape user ($2): a uid $NOBODY target's round trips are >= 200 ms" "min_us=$tmin: $(lines "$T/t")" ;;
	*) fail "net shape user ($2): within generous bounds" "target: $(lines "$T/t") root: $(lines "$T/by")" ;;
	esac
}
tries seccomp "per call"
if [ "$sup_uid" = "$NOBODY $NOBODY $NOBODY" ]; then
	pass "net shape user: the supervisor that copies the target's sockets runs as uid $NOBODY (real, effective, saved)"
else
	fail "net shape user: the supervisor runs as the target's uid" "supervisor '$sup' uids '$sup_uid': $(lines "$T/st")"
fi

if "$MB" status 2>/dev/null | grep -Eq '^  edt +available'; then
	tries auto "EDT, fq"
	"$MB" unload > /dev/null 2>&1
else
	notrun "net shape user (EDT, fq)" "$("$MB" status 2>/dev/null | sed -n 's/^  edt *unavailable: //p')"
fi

#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Issue 19, items 5, 8 and 9b, attacked for real by an unprivileged user
# (65534) through the helper installed set-uid root:
#
#  5. one user fills the registry with a tree of sleeping children: the
#     per-uid quota of /etc/minderbinder.conf stops them, the forks past it
#     get no entry (and are counted), the user's next registration is told
#     why with the counts (exit 125), other uids still register, and the
#     usage is back to what it was once the children are gone;
#     a config file another user could have written is refused;
#  8. a drop rule leaves a tc filter and clsact qdisc on every interface:
#     the next registration of anybody removes what no live target needs,
#     keeps what a live one needs, and keeps a qdisc that was there before.
#
# The test config reaches the helper at its build-time path
# (/etc/minderbinder.conf) by a bind mount in a mount namespace of each
# registering command's own ($IN_CONF): the file on the real /etc is never
# written. Where there is no such file, an empty one (which means the
# defaults, as no file does) is created to mount over, and removed at the
# end.
. "$(dirname "$0")/agent_lib.sh"

need_root "security quota: the set-uid helper" || exit 0
as_nobody "security quota: the set-uid helper" unshare nsenter || exit 0
CONF=/etc/minderbinder.conf

mb_setup "security quota: setup"
OTHER=65533
AS_OTHER="setpriv --reuid=$OTHER --regid=$OTHER --clear-groups"

# The helper set-uid root, in a directory that honours the bit.
suid_helper "security quota: the set-uid helper" "$PROBE" || exit 0
NS=mbquota-$$
cleanup() {
	[ -n "${KILL_PIDS:-}" ] && kill $KILL_PIDS 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	mb_cleanup
}
trap cleanup EXIT

# The test config. $IN_CONF CMD...: CMD in a mount namespace of its own
# where $CONF is a copy of it (CMD's helper, its child, sees it too): an
# overlay on /etc there, so that nothing of this machine's /etc is written
# (the VM tier's is read-only), else a bind mount over an existing $CONF.
# Execs all the way, so that $! of "$IN_CONF CMD &" is CMD's pid.
QCONF=$T/minderbinder.conf
: > "$QCONF"
chown root:root "$QCONF"
chmod 644 "$QCONF"
cat > "$T/in_conf.sh" <<EOF
o=\$(mktemp -d "$T/etc.XXXXXX") && mkdir "\$o/up" "\$o/work" || exit 1
if mount -t overlay overlay -o "lowerdir=/etc,upperdir=\$o/up,workdir=\$o/work" /etc 2> /dev/null; then
	rm -f "$CONF" && cp -p "$QCONF" "$CONF"
else
	mount --bind "$QCONF" "$CONF"
fi && exec "\$@"
EOF
IN_CONF="unshare -m --propagation private sh $T/in_conf.sh"
if ! $IN_CONF true 2> "$T/mnt.err"; then
	notrun "security quota: a test config at $CONF" "neither an overlay on /etc nor a bind mount over $CONF: $(lines "$T/mnt.err")"
	exit 0
fi
# conf TEXT: the config the helper reads from now on.
conf() { printf '%s\n' "$1" > "$QCONF"; }

# as USER OUT ARG...: runs ARG... as USER (nobody, other), report in $T/OUT.
as() {
	who=$1 o=$2
	shift 2
	case $who in
	nobody) $IN_CONF $AS_NOBODY "$@" > "$T/$o" 2> "$T/$o.err" ;;
	other) $IN_CONF $AS_OTHER "$@" > "$T/$o" 2> "$T/$o.err" ;;
	root) $IN_CONF "$@" > "$T/$o" 2> "$T/$o.err" ;;
	esac
	echo $? > "$T/$o.rc"
	remember_pid "$T/$o"
}
report() { echo "exit $(cat "$T/$1.rc"): $(tr '\n' ' ' < "$T/$1" | cut -c1-200) $(tr '\n' ' ' < "$T/$1.err")"; }
# refused TAG NAME -E|-F PATTERN: NAME passes when the command `as` ran as
# TAG exited 125 and its stderr matches PATTERN (grep -E or -F).
refused() {
	if [ "$(cat "$T/$1.rc")" = 125 ] && grep -q "$3" -- "$4" "$T/$1.err"; then
		pass "$2"
	else
		fail "$2" "want /$4/: $(report "$1")"
	fi
}

# quota UID: "targets rules refused" the registry's mb_quota holds for UID.
quota() {
	bpftool -j map dump pinned "$MB_QUOTA_PIN" > "$T/quota.json" 2>/dev/null ||
		{ echo "(no mb_quota)"; return; }
	jq -r --argjson u "$1" '[.[] | .formatted | select(.key == $u) | .value][0] //
			{targets: 0, rules: 0, refused: 0} | "\(.targets) \(.rules) \(.refused)"' "$T/quota.json"
}
quota_is() { [ "$(quota "$1")" = "$2" ]; }
is_target() { registry_holds "$1" | grep -q "^mb_targets:$1\$"; }
all_gone() { for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }

# A registration that must work: the registry is loaded, and so is mb_quota.
conf ""
as nobody warm env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/d0"
if [ "$(field "$T/warm" errnos)" != 30 ] || ! command -v jq > /dev/null; then
	fail "security quota: uid $NOBODY registers (precondition)" "$(report warm); jq: $(command -v jq)"
	exit 0
fi
pass "security quota: uid $NOBODY registers (precondition)"
check "security quota: the registry pins its per-uid usage (mb_quota)" \
	bpftool map show pinned "$MB_QUOTA_PIN"

# --- 5. one user fills the registry ------------------------------------------------
set -- $(quota $NOBODY)
case $1 in '' | *[!0-9]*) set -- 0 0 0 ;; esac # no mb_quota: checked above
BASE_T=$1 BASE_R=$2 BASE_F=$3
# Room for the shell and 3 of its children; it forks 6.
LIMIT=$((BASE_T + 4))
conf "[quota]
targets = $LIMIT
rules = 1000"
$IN_CONF $AS_NOBODY env MINDERBINDER_NET=udp:9:ECONNREFUSED LD_PRELOAD="$S/libmbpreload.so" \
	sh -c 'for i in 1 2 3 4 5 6; do sleep 100 < /dev/null & echo "child $!"; done; echo started; wait' \
	> "$T/tree" 2> "$T/tree.err" &
TREE=$!
KILL_PIDS=$TREE
if ! wait_registered "$T/tree" '^started' "$TREE"; then
	fail "security quota: a tree target of uid $NOBODY forks 6 sleeping children" "$(lines "$T/tree") $(lines "$T/tree.err") alive: $(kill -0 "$TREE" 2>&1 && echo yes)"
	exit 0
fi
KIDS=$(sed -n 's/^child //p' "$T/tree")
KILL_PIDS="$TREE $KIDS"
in=0 out=0
for k in $KIDS; do
	if is_target "$k"; then in=$((in + 1)); else out=$((out + 1)); fi
done
name="security quota: a tree of uid $NOBODY stops at its quota ($LIMIT targets): 3 of 6 children are targets, 3 are not"
if [ "$in" = 3 ] && [ "$out" = 3 ] && is_target "$TREE" && quota_is $NOBODY "$LIMIT $((BASE_R + 4)) $((BASE_F + 3))"; then
	pass "$name"
else
	fail "$name" "targets $in, not $out, shell $(registry_holds "$TREE"), quota $(quota $NOBODY)"
fi
# The forks past the quota are not silent: each is counted, and the
# user's next registration says so with the counts.
as nobody over env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/d1"
name="security quota: the next registration of uid $NOBODY fails with the quota message and exit 125"
want="uid $NOBODY holds $LIMIT of its $LIMIT targets \(quota, $CONF \[quota\] targets=\); 3 forks of its targets got no entry; registry: [0-9]+ of 16384"
if [ "$(cat "$T/over.rc")" = 125 ] && grep -Eq "$want" "$T/over.err" &&
	! grep -q 'Argument list too long' "$T/over.err"; then
	pass "$name"
else
	fail "$name" "want /$want/: $(report over)"
fi
"$MB" status > "$T/status" 2>&1
name="security quota: minderbinder status shows what uid $NOBODY holds of its quota"
if grep -q "^  uid $NOBODY holds $LIMIT targets, $((BASE_R + 4)) rule entries; $((BASE_F + 3)) forks refused" "$T/status" &&
	grep -q "^quota ($CONF \[quota\]): $LIMIT targets, 1000 rule entries per uid" "$T/status"; then
	pass "$name"
else
	fail "$name" "$(grep -A3 '^quota' "$T/status" | tr '\n' '|')"
fi
as other oth env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/d2"
name="security quota: uid $OTHER still registers while uid $NOBODY is at its quota"
if [ "$(field "$T/oth" errnos)" = 30 ]; then pass "$name"; else fail "$name" "$(report oth)"; fi
as root rootreg env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/d3"
name="security quota: root still registers while uid $NOBODY is at its quota"
if [ "$(field "$T/rootreg" errnos)" = 30 ]; then pass "$name"; else fail "$name" "$(report rootreg)"; fi

# Exact counting: once the tree is gone, uid 65534 holds what it held.
kill $KIDS $TREE 2>/dev/null
wait "$TREE" 2>/dev/null
name="security quota: after the tree exits uid $NOBODY holds again $BASE_T targets, $BASE_R rule entries"
if wait_for 50 all_gone $KIDS $TREE && wait_for 30 quota_is $NOBODY "$BASE_T $BASE_R $((BASE_F + 3))"; then
	pass "$name"
else
	fail "$name" "quota $(quota $NOBODY), alive: $(for p in $KIDS $TREE; do kill -0 $p 2>/dev/null && echo $p; done)"
fi
KILL_PIDS=

# A fork past the quota under the seccomp engine keeps the filter it
# inherited: its syscall faults go on (only network and BPF-engine rules,
# which need an entry, are gone), and the refusal is counted.
if [ "$(sys_engine)" = seccomp ]; then
	set -- $(quota $NOBODY)
	case $1 in '' | *[!0-9]*) set -- 0 0 0 ;; esac
	conf "[quota]
targets = $(($1 + 2))"
	$IN_CONF $AS_NOBODY env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" \
		sh -c 'sleep 100 < /dev/null & echo "child $!"; "$0" mkdir "$1"; echo started; wait' \
		"$S/mbprobe" "$W/r1" > "$T/sec" 2> "$T/sec.err" &
	SEC=$!
	KILL_PIDS=$SEC
	name="security quota: a fork past the quota (seccomp engine) keeps its inherited syscall faults, and is counted"
	if wait_registered "$T/sec" '^started' "$SEC" && [ "$(field "$T/sec" errnos)" = 30 ] && [ ! -d "$W/r1" ] &&
		quota_is $NOBODY "$(($1 + 2)) $(($2 + 2)) $(($3 + 1))"; then
		pass "$name"
	else
		fail "$name" "quota $(quota $NOBODY) (was $*): $(lines "$T/sec") $(lines "$T/sec.err")"
	fi
	kill $(sed -n 's/^child //p' "$T/sec") "$SEC" 2>/dev/null
	wait "$SEC" 2>/dev/null
	KILL_PIDS=
	wait_for 50 quota_is $NOBODY "$1 $2 $(($3 + 1))" ||
		fail "security quota: the seccomp tree's share is back after it exits" "quota $(quota $NOBODY)"
else
	notrun "security quota: a fork past the quota keeps its inherited syscall faults" \
		"syscall rules go to $(sys_engine) here, which faults by registry entry: such a fork has none"
fi

# Rule entries: a registration needing more than are left is refused.
conf "[quota]
targets = $((BASE_T + 10))
rules = $((BASE_R + 2))"
as nobody rules env MINDERBINDER_NET='udp:9:ECONNREFUSED;udp:10:ECONNREFUSED;udp:11:ECONNREFUSED' \
	LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" none
want="uid $NOBODY holds $BASE_R of its $((BASE_R + 2)) rule entries, 3 more asked \(quota, $CONF \[quota\] rules=\)"
refused rules "security quota: a registration of 3 rules with 2 rule entries left is refused naming rules=" -E "$want"

# --- the config is root's, or nobody's registration is refused ---------------------------
conf "[quota]
targets = lots"
as nobody badval env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/d4"
want="$CONF:2: \[quota\] targets: bad value 'lots' \(want 0\.\.16384 or unlimited\)"
refused badval "security quota: a bad value in $CONF refuses registration naming file, line, key and token" -E "$want"
conf "[quota]
tragets = 1"
as nobody badkey env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/d5"
refused badkey "security quota: an unknown key in $CONF is refused naming the nearest one" -F "unknown key 'tragets', did you mean targets"
# uid 65534 writes itself a generous quota: refused, whoever owns it or
# whoever may write it.
conf "[quota]
targets = unlimited
rules = unlimited"
chown $NOBODY "$QCONF"
as nobody owned env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/d6"
refused owned "security quota: a $CONF owned by uid $NOBODY is refused" -F "$CONF: refused: owned by uid $NOBODY, not 0"
chown root "$QCONF"
chmod 666 "$QCONF"
as nobody wr env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/d7"
refused wr "security quota: a $CONF writable by others is refused" -F "$CONF: refused: writable by group or others (mode 0666)"
chmod 644 "$QCONF"
conf ""

# --- 8. interface state has an owner ------------------------------------------------
mb_filter_on() { tc -n "$NS" filter show dev "$1" egress 2>/dev/null | grep -q 'handle 0x4d42'; }
clsact_on() { tc -n "$NS" qdisc show dev "$1" 2>/dev/null | grep -q 'clsact'; }
filters_on_all() { mb_filter_on lo && mb_filter_on mbq-a && mb_filter_on mbq-b; }
if ! out=$( (ip netns add "$NS" && ip -n "$NS" link add mbq-a type veth peer name mbq-b &&
	ip -n "$NS" link set lo up && ip -n "$NS" link set mbq-a up && ip -n "$NS" link set mbq-b up &&
	tc -n "$NS" qdisc add dev mbq-b clsact) 2>&1); then
	notrun "security quota: interface state (veth pair in a netns)" "cannot create it: $out"
	mb_no_leftovers "security quota: no helper, supervisor or registry entry left"
	exit 0
fi
IN_NS="nsenter --net=/run/netns/$NS"
# A live drop target of uid 65534 in the namespace.
$IN_CONF $IN_NS $AS_NOBODY env MINDERBINDER_NET=udp:9:drop LD_PRELOAD="$S/libmbpreload.so" sleep 100 \
	> "$T/drop" 2>&1 &
DROP=$!
KILL_PIDS=$DROP
name="security quota: a drop target of uid $NOBODY puts the filter on every up interface of its netns"
# (No line to wait for from sleep: its filters, as long as the agent may wait.)
if wait_for $(((${MINDERBINDER_HELPER_TIMEOUT:-30} * 10 + 100 * SLOW) / SLOW)) filters_on_all &&
	clsact_on mbq-a && clsact_on lo; then
	pass "$name"
else
	fail "$name" "$(lines "$T/drop"); lo: $(tc -n "$NS" filter show dev lo egress | tr '\n' ' ')"
fi
TARGET_PIDS="$TARGET_PIDS $DROP"
$IN_CONF $IN_NS $AS_NOBODY env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" \
	"$S/mbprobe" mkdir "$W/d8" > "$T/live" 2>&1
remember_pid "$T/live"
name="security quota: another registration keeps the filters a live drop target needs"
if [ "$(field "$T/live" errnos)" = 30 ] && filters_on_all && clsact_on mbq-a; then
	pass "$name"
else
	fail "$name" "$(lines "$T/live"); mbq-a: $(tc -n "$NS" filter show dev mbq-a egress | tr '\n' ' ')"
fi
kill "$DROP"
wait "$DROP" 2>/dev/null
KILL_PIDS=
# The attack's leftovers, before anyone registers again.
name="security quota: the drop target exited and left its filters (nobody registered since)"
if filters_on_all; then pass "$name"; else fail "$name" "no filter left to sweep: nothing tested below"; fi
$IN_CONF $IN_NS $AS_OTHER env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" \
	"$S/mbprobe" mkdir "$W/d9" > "$T/next" 2>&1
remember_pid "$T/next"
name="security quota: the next registration (uid $OTHER, syscall rules only) removes the filters and the qdiscs minderbinder created"
left=""
for d in lo mbq-a mbq-b; do mb_filter_on $d && left="$left filter:$d"; done
for d in lo mbq-a; do clsact_on $d && left="$left clsact:$d"; done
if [ "$(field "$T/next" errnos)" = 30 ] && [ -z "$left" ]; then
	pass "$name"
else
	fail "$name" "left:$left; $(lines "$T/next")"
fi
name="security quota: a clsact qdisc that was there before minderbinder is kept"
if clsact_on mbq-b; then pass "$name"; else fail "$name" "$(tc -n "$NS" qdisc show dev mbq-b | tr '\n' ' ')"; fi

# `minderbinder watch` with a drop section needs the filters before any
# process it watches is a target: they stay while it runs.
printf '[outgoing_network w]\ntargets = mbqnothing\nprotocol = udp\nport = 9\ndelay_ms = 0\n' > "$T/drop.ini"
$IN_NS "$MB" watch "$T/drop.ini" > "$T/watch.out" 2> "$T/watch.err" &
WATCH=$!
KILL_PIDS=$WATCH
if wait_line "$T/watch.out" '^watch: ready' 100 "$WATCH" && filters_on_all; then
	$IN_CONF $IN_NS $AS_OTHER env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" \
		"$S/mbprobe" mkdir "$W/d10" > "$T/held" 2>&1
	remember_pid "$T/held"
	name="security quota: a registration keeps the filters of a running minderbinder watch with a drop section"
	if [ "$(field "$T/held" errnos)" = 30 ] && filters_on_all; then
		pass "$name"
	else
		fail "$name" "$(lines "$T/held"); lo: $(tc -n "$NS" filter show dev lo egress | tr '\n' ' ')"
	fi
	kill -INT "$WATCH"
	wait "$WATCH"
	KILL_PIDS=
	$IN_CONF $IN_NS $AS_OTHER env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" \
		"$S/mbprobe" mkdir "$W/d11" > "$T/after" 2>&1
	remember_pid "$T/after"
	name="security quota: once watch has stopped, the next registration removes its filters"
	if [ "$(field "$T/after" errnos)" = 30 ] && ! mb_filter_on lo && ! mb_filter_on mbq-a && ! clsact_on lo; then
		pass "$name"
	else
		fail "$name" "$(lines "$T/after"); lo: $(tc -n "$NS" filter show dev lo egress | tr '\n' ' ')"
	fi
else
	fail "security quota: minderbinder watch with a drop section attaches its filters" \
		"$(lines "$T/watch.out") $(lines "$T/watch.err")"
fi

mb_no_leftovers "security quota: no helper, supervisor or registry entry left"

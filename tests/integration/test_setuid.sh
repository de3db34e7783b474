#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The helper installed set-uid root, used by an unprivileged user (65534):
# it registers the caller's own process, refuses to register anybody else
# (a socket made by another process, a caller that changed uid), and a
# registered process that execs a set-uid binary gets no privilege from
# it (the agent sets no_new_privs: the property the seccomp engine
# guarantees).
. "$(dirname "$0")/agent_lib.sh"

need_root "setuid: the set-uid helper" || exit 0
mb_setup "setuid: setup"
as_nobody "setuid: the set-uid helper" || exit 0

# The helper set-uid root, in a directory that honours the bit.
suid_helper "setuid: the set-uid helper" "$PROBE" "$BIN/helper_impostor" || exit 0
cp "$PROBE" "$S/suid-probe"
chmod 4755 "$S/suid-probe"
echo x > "$W/a.fail"
echo x > "$W/a.ok"
chmod 644 "$W/a.fail" "$W/a.ok"

# nobody OUT ARG...: runs ARG... as 65534, report in $T/OUT.
nobody() {
	o=$1
	shift
	$AS_NOBODY "$@" > "$T/$o" 2> "$T/$o.err"
	echo $? > "$T/$o.rc"
	remember_pid "$T/$o"
}
report() { echo "exit $(cat "$T/$1.rc"): $(tr '\n' ' ' < "$T/$1" | cut -c1-300) $(cat "$T/$1.err")"; }

# --- preconditions ------------------------------------------------------------------
nobody pre "$S/suid-probe" none
if [ "$(field "$T/pre" euid)" = 0 ]; then
	pass "setuid: set-uid root binaries run with euid 0 in $S (precondition)"
else
	fail "setuid: set-uid root binaries run with euid 0 in $S (precondition)" "$(report pre)"
fi
nobody pre2 "$S/mbprobe" mkdir "$W/d0"
if [ "$(field "$T/pre2" errnos)" = 0 ] && [ "$(field "$T/pre2" euid)" = $NOBODY ]; then
	pass "setuid: uid $NOBODY can mkdir in $W without the agent (precondition)"
else
	fail "setuid: uid $NOBODY can mkdir in $W without the agent (precondition)" "$(report pre2)"
fi

# --- (a) faults in its own process --------------------------------------------------
nobody own1 env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" "$S/mbprobe" mkdir "$W/d1"
if [ "$(field "$T/own1" errnos)" = 30 ] && [ "$(field "$T/own1" euid)" = $NOBODY ] && [ ! -d "$W/d1" ]; then
	pass "setuid: uid $NOBODY gets an in-filter fault (mkdirat:EROFS) in its own process"
else
	fail "setuid: uid $NOBODY gets an in-filter fault (mkdirat:EROFS) in its own process" "$(report own1)"
fi
# 400 calls at 50% on one path (mean 200, sigma 10) and 400 on another.
nobody own2 env MINDERBINDER_SYSCALL="openat:ENOENT:rate=50%:path=$W/*.fail" LD_PRELOAD="$S/libmbpreload.so" \
	"$S/mbprobe" -n 400 open "$W/a.fail" "$W/a.ok"
p=$(field "$T/own2" pattern)
hits=$(printf %s "$p" | cut -c1-400 | tr -cd 1 | wc -c)
stray=$(printf %s "$p" | cut -c401-800 | tr -cd 1 | wc -c)
if [ ${#p} = 800 ] && [ "$hits" -ge 140 ] && [ "$hits" -le 260 ] && [ "$stray" = 0 ]; then
	pass "setuid: uid $NOBODY gets supervised faults (rate=50%, path=) in its own process ($hits/400, other path 0/400)"
else
	fail "setuid: uid $NOBODY gets supervised faults (rate=50%, path=) in its own process" \
		"faults $hits/400 (want 140..260), other path $stray/400: $(report own2)"
fi

# --- (b) it cannot register another process -------------------------------------------
# plan REPORT: "STATUS|MESSAGE" of the helper's PLAN answer.
plan() { echo "$(field "$T/$1" plan_status)|$(field "$T/$1" plan_msg)"; }
# refused_unregistered NAME REPORT TEXT: the PLAN was a refusal naming
# TEXT, and the impostor's pid got no registry entry.
refused_unregistered() {
	case $(plan "$2") in
	-*"|"*"$3"*)
		held=$(registry_holds "$(field "$T/$2" pid)")
		if [ -z "$held" ]; then pass "$1"; else fail "$1" "refused, yet registered: $held"; fi ;;
	*) fail "$1" "$(tr '\n' ' ' < "$T/$2") $(cat "$T/$2.err" 2>/dev/null)" ;;
	esac
}

"$BIN/helper_impostor" self "$S/mb-helper" > "$T/imp0" 2>&1
remember_pid "$T/imp0"
case $(plan imp0) in
"0|"*) pass "setuid: the impostor program speaks the protocol: an honest root caller is accepted (control)" ;;
*) fail "setuid: the impostor program speaks the protocol: an honest root caller is accepted (control)" "$(tr '\n' ' ' < "$T/imp0")" ;;
esac
nobody imp1 "$S/helper_impostor" self "$S/mb-helper"
case $(plan imp1) in
"0|"*) pass "setuid: an honest uid $NOBODY caller is accepted by the set-uid helper (control)" ;;
*) fail "setuid: an honest uid $NOBODY caller is accepted by the set-uid helper (control)" "$(report imp1)" ;;
esac

nobody imp2 "$S/helper_impostor" forked "$S/mb-helper"
refused_unregistered "setuid: the helper refuses a socket made by another process than its parent (uid $NOBODY)" \
	imp2 "only the process that started it"

"$S/helper_impostor" dropuid $NOBODY "$S/mb-helper" > "$T/imp3" 2>&1
remember_pid "$T/imp3"
refused_unregistered "setuid: the helper refuses a caller whose socket was made under another uid (root, then $NOBODY)" \
	imp3 "another uid"

# --- (c) no privilege through a set-uid exec -----------------------------------------------
# seccomp: the agent's filter comes with no_new_privs, so the exec raises
# nothing and the faults go on. A BPF syscall engine sets no flag on the
# process: its exec guard forgets the target at an exec the kernel marks
# secure (set-uid, set-gid, file capabilities), so the binary runs with
# its privilege and without faults. A plain exec keeps the faults either way.
ENGINE=$(sys_engine)
nobody plainexec env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" \
	sh -c 'exec "$0" mkdir "$1"' "$S/mbprobe" "$W/d1b"
name="setuid: a registered process keeps its faults across a plain exec ($ENGINE)"
if [ "$(field "$T/plainexec" errnos)" = 30 ] && [ ! -d "$W/d1b" ]; then
	pass "$name"
else
	fail "$name" "want mkdirat EROFS: $(report plainexec)"
fi
nobody nnp env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$S/libmbpreload.so" \
	sh -c 'exec "$0" mkdir "$1"' "$S/suid-probe" "$W/d2"
case $ENGINE in
seccomp)
	name="setuid: a registered process that execs a set-uid-root binary runs it without privilege (no_new_privs)"
	if [ "$(field "$T/nnp" euid)" = $NOBODY ] && [ "$(field "$T/nnp" nnp)" = 1 ] &&
		[ "$(field "$T/nnp" errnos)" = 30 ]; then
		pass "$name"
	else
		fail "$name" "want euid $NOBODY, nnp 1, mkdirat EROFS: $(report nnp)"
	fi ;;
*)
	name="setuid: exec guard ($ENGINE): a registered process that execs a set-uid-root binary loses its faults there"
	if [ "$(field "$T/nnp" euid)" = 0 ] && [ "$(field "$T/nnp" errnos)" = 0 ]; then
		pass "$name"
	else
		fail "$name" "want euid 0 and mkdirat unfaulted: $(report nnp)"
	fi ;;
esac
# The same from root, with a binary set-uid to 65534: root would become
# 65534 without the agent.
cp "$PROBE" "$S/suid-nobody"
chown $NOBODY:$NOBODY "$S/suid-nobody"
chmod 4755 "$S/suid-nobody"
"$S/suid-nobody" none > "$T/sn0" 2>&1
env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$AGENT" \
	sh -c 'exec "$0" mkdir "$1"' "$S/suid-nobody" "$W/d3" > "$T/sn1" 2>&1
remember_pid "$T/sn1"
if [ "$(field "$T/sn0" euid)" != $NOBODY ]; then
	fail "setuid: set-uid-$NOBODY binaries change root's euid (precondition)" \
		"without the agent the binary ran with euid $(field "$T/sn0" euid)"
elif [ "$ENGINE" = seccomp ]; then
	name="setuid: a registered root process that execs a set-uid-$NOBODY binary keeps euid 0 (no_new_privs)"
	if [ "$(field "$T/sn1" euid)" = 0 ] && [ "$(field "$T/sn1" nnp)" = 1 ] && [ "$(field "$T/sn1" errnos)" = 30 ]; then
		pass "$name"
	else
		fail "$name" "$(tr '\n' ' ' < "$T/sn1" | cut -c1-300)"
	fi
else
	name="setuid: exec guard ($ENGINE): a registered root process that execs a set-uid-$NOBODY binary loses its faults there"
	if [ "$(field "$T/sn1" euid)" = $NOBODY ] && [ "$(field "$T/sn1" errnos)" = 0 ]; then
		pass "$name"
	else
		fail "$name" "want euid $NOBODY and mkdirat unfaulted: $(tr '\n' ' ' < "$T/sn1" | cut -c1-300)"
	fi
fi

mb_no_leftovers "setuid: no helper, supervisor or registry entry left"

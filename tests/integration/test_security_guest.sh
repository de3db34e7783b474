#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Issue 14, children after in-process rules: a process under a C API
# session's filter registers through the session's supervisor (a guest,
# backend/engines/seccomp/guest.c), whose root registrar writes its entry.
# Each attack is made by uid 65534 against the helper installed 4755, and
# passes because it fails:
#   - a process outside every session's filter asks for a supervisor;
#   - a uid 65534 process in root's session's chain asks root's
#     supervisor to serve it (another uid's supervisor);
#   - the process that said hello exits and another takes over its socket
#     (a supervisor made to act on a process that did not opt in);
#   - a process that never said hello registers on a stolen socket: the
#     rules are the hello caller's, never the sender's;
#   - bytes that are no REGISTER: refused, the supervisor serves on.
. "$(dirname "$0")/agent_lib.sh"

need_root "guest: the set-uid helper" || exit 0
mb_setup "guest: setup"
as_nobody "guest: the set-uid helper" || exit 0
progs_built "guest: test programs" guest_attack || exit 0
suid_helper "guest: the set-uid helper" "$PROGS/guest_attack" "$OUT/libminderbinder.so" || exit 0
ATTACK=$S/guest_attack
LIB=$S/libminderbinder.so
echo hi > "$W/f"
chmod 644 "$W/f"
F=$W/f
# The session's own rule, on a file nobody else opens.
SESSION_RULE="openat:EACCES:path=$W/g"

# kv FILE KEY: the value of the KEY=value line.
kv() { sed -n "s/^$2=//p" "$1" | head -1; }
report() { tr '\n' ' ' < "$1" | cut -c1-400; }
# session OUT CMD...: as uid 65534, a C API session that enabled and
# disabled a rule, then ran CMD; output and status in $T/OUT.
session() {
	o=$1
	shift
	$AS_NOBODY env MINDERBINDER_HELPER="$HELPER" "$ATTACK" session "$LIB" "$SESSION_RULE" "$@" \
		> "$T/$o" 2>&1
	echo "status=$?" >> "$T/$o"
}

# --- control: an honest child of the session is served -------------------------------
session ctl env LD_PRELOAD="$S/libmbpreload.so" MINDERBINDER_SYSCALL="openat:ENOENT:path=$F" cat "$F"
name="guest: an honest uid $NOBODY child of a uid $NOBODY session gets its path= rule (control)"
if [ "$(kv "$T/ctl" status)" = 1 ] && grep -q "No such file or directory" "$T/ctl"; then
	pass "$name"
else
	fail "$name" "$(report "$T/ctl")"
fi

# --- outside every session's filter: no supervisor answers ---------------------------
$AS_NOBODY "$ATTACK" hello > "$T/out" 2>&1
name="guest: a process under no session's filter gets no socket to anyone's supervisor (EBADF)"
if [ "$(kv "$T/out" hello)" = -9 ]; then pass "$name"; else fail "$name" "$(report "$T/out")"; fi

# --- another uid's supervisor --------------------------------------------------------
env MINDERBINDER_HELPER="$HELPER" "$ATTACK" session "$LIB" "$SESSION_RULE" \
	$AS_NOBODY env LD_PRELOAD="$S/libmbpreload.so" MINDERBINDER_SYSCALL="openat:ENOENT:path=$F" \
	cat "$F" > "$T/root" 2>&1
echo "status=$?" >> "$T/root"
name="guest: a uid $NOBODY process in root's session's chain is refused by root's supervisor (exit 125)"
if [ "$(kv "$T/root" status)" = 125 ] && grep -q "refuses.*uid $NOBODY's process.*uid 0's" "$T/root"; then
	pass "$name"
else
	fail "$name" "$(report "$T/root")"
fi
env MINDERBINDER_HELPER="$HELPER" "$ATTACK" session "$LIB" "$SESSION_RULE" \
	$AS_NOBODY "$ATTACK" sender "$F" > "$T/root2" 2>&1
name="guest: by hand, root's supervisor refuses a uid $NOBODY REGISTER and faults nobody"
if [ "$(kv "$T/root2" plan)" -lt 0 ] 2>/dev/null && [ "$(kv "$T/root2" hello_open)" = 0 ] &&
	[ "$(kv "$T/root2" sender_open)" = 0 ] && [ "$(kv "$T/root2" child_open)" = 0 ]; then
	pass "$name"
else
	fail "$name" "$(report "$T/root2")"
fi

# --- the one that said hello is gone: its socket registers nobody --------------------
session handoff "$ATTACK" handoff "$F"
name="guest: a socket handed on by a process that exited registers nobody (its holder is untouched)"
if [ "$(kv "$T/handoff" hello)" -ge 0 ] 2>/dev/null && [ "$(kv "$T/handoff" plan)" != 0 ] &&
	[ -n "$(kv "$T/handoff" plan)" ] && [ "$(kv "$T/handoff" sender_open)" = 0 ]; then
	pass "$name"
else
	fail "$name" "$(report "$T/handoff")"
fi

# --- a REGISTER on a stolen socket: the hello caller's rules, nobody else's ----------
session sender "$ATTACK" sender "$F"
name="guest: a REGISTER sent by another process faults only the one that said hello"
if [ "$(kv "$T/sender" plan)" = 0 ] && [ "$(kv "$T/sender" hello_open)" = 2 ] &&
	[ "$(kv "$T/sender" sender_open)" = 0 ] && [ "$(kv "$T/sender" child_open)" = 0 ]; then
	pass "$name"
else
	fail "$name" "$(report "$T/sender")"
fi

# --- garbage: refused, and the supervisor still serves -------------------------------
session garbage sh -c "'$ATTACK' garbage; LD_PRELOAD='$S/libmbpreload.so' \
MINDERBINDER_SYSCALL='openat:ENOENT:path=$F' cat '$F'"
name="guest: bytes that are no REGISTER are refused, and the supervisor serves the next child"
if [ "$(kv "$T/garbage" plan)" = -71 ] && grep -q "No such file or directory" "$T/garbage" &&
	[ "$(kv "$T/garbage" status)" = 1 ]; then
	pass "$name"
else
	fail "$name" "$(report "$T/garbage")"
fi

# --- nothing left: the supervisors and their root registrars end with the sessions -------
for o in ctl root root2 handoff sender garbage; do
	for k in session_pid hello_pid sender_pid; do
		p=$(kv "$T/$o" $k)
		[ -n "$p" ] && TARGET_PIDS="$TARGET_PIDS $p"
	done
done
mb_no_leftovers "guest: once the sessions and their children exited, no supervisor or registrar of theirs runs, no entry of theirs is left"

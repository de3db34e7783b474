#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The syscall engines on this kernel: status names each with "available" or
# the piece it lacks; forcing a missing one (MINDERBINDER_ENGINE) is an
# error naming that piece, before main, with nothing registered; a present
# BPF engine faults in the kernel and says so in status. On this machine the
# BPF engines are NOT RUN by name; the VM tier (make vmcheck) runs them.
. "$(dirname "$0")/agent_lib.sh"

need_root "engines: probing this kernel" || exit 0
mb_setup "engines: setup"
"$OUT/minderbinder" status > "$T/status" 2>&1
for e in fmod_ret kprobe seccomp cgroup tc; do
	line=$(grep -E "^  $e +" "$T/status")
	case $line in
	*" available") pass "engines: status: $e available" ;;
	*" unavailable: "?*) pass "engines: status: $e unavailable, naming why (${line#*unavailable: })" ;;
	*) fail "engines: status lists $e with available or the missing piece" "$(lines "$T/status")" ;;
	esac
done

# Each engine on a syscall of its own: a syscall takes one BPF engine (the
# kernel ignores a kprobe's override where a trampoline is). The call is
# made by the process that then reads status: counts live with the target
# that made the call, and a child's entry goes when the child exits.
for e in fmod_ret kprobe; do
	line=$(grep -E "^  $e +" "$T/status")
	case $e in
	fmod_ret) rule=statfs:EIO call='os.statvfs("/")' msg="Input/output error" ;;
	*) rule=uname:EPERM call='os.uname()' msg="Operation not permitted" ;;
	esac
	case $line in
	*" available")
		out=$(MINDERBINDER_ENGINE=$e MINDERBINDER_SYSCALL=$rule LD_PRELOAD=$AGENT \
			/usr/bin/python3 -c 'import os, subprocess, sys
print("pid %d" % os.getpid(), flush=True)
try:
    '"$call"'
except OSError as e:
    print(e, flush=True)
subprocess.run([sys.argv[1], "status"])' "$OUT/minderbinder" 2>&1)
		TARGET_PIDS="$TARGET_PIDS $(echo "$out" | sed -n 's/^pid //p' | head -1)"
		if echo "$out" | grep -q "$msg" &&
			echo "$out" | grep -Eq "\[0\] $rule +$e +calls [1-9]"; then
			pass "engines: MINDERBINDER_ENGINE=$e faults ${rule%%:*} in the kernel ($call: $msg), counted in status"
		else
			fail "engines: MINDERBINDER_ENGINE=$e faults ${rule%%:*} in the kernel, counted in status" "$out"
		fi ;;
	*)
		why=${line#*unavailable: }
		notrun "engines: the $e syscall engine" "not run here (kernel lacks it: $why)"
		out=$(MINDERBINDER_ENGINE=$e MINDERBINDER_SYSCALL=openat:-2 LD_PRELOAD=$AGENT \
			sh -c 'echo main ran' 2>&1)
		rc=$?
		if [ $rc = 125 ] && ! echo "$out" | grep -q 'main ran' &&
			echo "$out" | grep -Fq "MINDERBINDER_ENGINE=$e: this kernel lacks it: $why"; then
			pass "engines: forcing the missing $e engine exits 125 before main, naming the missing piece"
		else
			fail "engines: forcing the missing $e engine exits 125 before main, naming the missing piece" \
				"exit $rc: $out"
		fi ;;
	esac
done

# auto: the first available in the order fmod_ret, kprobe, seccomp.
want=$(awk '$1 ~ /^(fmod_ret|kprobe|seccomp)$/ && $2 == "available" { print $1; exit }' "$T/status")
out=$(env -u MINDERBINDER_ENGINE MINDERBINDER_SYSCALL=getppid:EIO:rate=100% LD_PRELOAD=$AGENT \
	sh -c 'echo $$ > "$1"; "$0" status' "$OUT/minderbinder" "$T/auto.pid" 2>&1)
TARGET_PIDS="$TARGET_PIDS $(cat "$T/auto.pid")"
got=$(echo "$out" | awk '$1 == "[0]" { print $3; exit }')
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	pass "engines: auto serves a syscall rule with $want, the best this kernel has"
else
	fail "engines: auto serves a syscall rule with the best engine this kernel has ($want)" "$out"
fi
out=$(MINDERBINDER_ENGINE=kprobes MINDERBINDER_SYSCALL=openat:-2 LD_PRELOAD=$AGENT env true 2>&1)
rc=$?
if [ $rc = 125 ] && echo "$out" | grep -q "MINDERBINDER_ENGINE" && echo "$out" | grep -q "kprobe"; then
	pass "engines: a misspelt MINDERBINDER_ENGINE exits 125 naming the variable and suggesting kprobe"
else
	fail "engines: a misspelt MINDERBINDER_ENGINE exits 125 naming the variable and suggesting kprobe" "exit $rc: $out"
fi
mb_no_leftovers "engines: no helper, supervisor or registry entry left"
# The programs attached above stay pinned; a syscall takes one BPF engine,
# so a later script forcing the other engine on getppid would be refused.
"$OUT/minderbinder" unload > "$T/unload" 2>&1 ||
	fail "engines: minderbinder unload after the checks" "$(lines "$T/unload")"

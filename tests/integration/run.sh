#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs the integration tests given as arguments and prints one closing line
# "integration: N passed, N failed, N skipped" (skipped = NOT RUN, by name).
#
# A script that stops before its end must say why, as a FAIL or NOT RUN
# line: one that exits 0 before its last line having said neither is a
# FAIL of its own here, never just a shorter count.
RESULTS=$(mktemp)
export RESULTS
status=0
# The first registration after boot or unload loads every BPF program
# (~0.7 s here); tests that time delay= against a process's start should not
# pay for it. Warm up once (root only; the tests say NOT RUN otherwise),
# through env: the shell's builtin true would load no agent at all. On
# seccomp: a BPF syscall engine's program, once on getppid, would hold that
# syscall for the run (one BPF engine per syscall until unload).
if [ "$(id -u)" = 0 ]; then
	MINDERBINDER_ENGINE=seccomp MINDERBINDER_NET=tcp:9:drop MINDERBINDER_SYSCALL=getppid:EIO \
		LD_PRELOAD="$(cd "${OUT:-build}" && pwd)/libmbpreload.so" env true ||
		echo "run.sh: warm-up registration failed (the tests will say why)"
fi
for t in "$@"; do
	echo "-- $t"
	before=$(wc -l < "$RESULTS")
	# Sourced by a shell of its own ($0 stays the script's path, for its
	# dirname): what follows it runs only when the script got to its end
	# (whose status stays the script's); its own exit, early or not,
	# skips it.
	rc=0
	sh -c '. "$0"; s=$?; echo end >> "$RESULTS"; exit $s' "$t" || rc=$?
	mine=$(tail -n +"$((before + 1))" "$RESULTS")
	if [ "$rc" != 0 ]; then
		echo "FAIL $t: exited $rc"
		echo fail >> "$RESULTS"
	elif ! echo "$mine" | grep -qx 'end\|fail\|notrun'; then
		echo "FAIL $t: stopped before its end after $(echo "$mine" | grep -cx pass) checks, without a FAIL or NOT RUN line saying why"
		echo fail >> "$RESULTS"
	fi
done
p=$(grep -c '^pass$' "$RESULTS")
f=$(grep -c '^fail$' "$RESULTS")
n=$(grep -c '^notrun$' "$RESULTS")
rm -f "$RESULTS"
echo "integration: $p passed, $f failed, $n skipped"
[ "$f" = 0 ] && [ "$p" -gt 0 ] || status=1
exit $status

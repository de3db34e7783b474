#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs the integration tests given as arguments and prints one closing line
# "integration: N passed, N failed, N skipped" (skipped = NOT RUN, by name).
RESULTS=$(mktemp)
export RESULTS
status=0
# The first registration after boot or unload loads every BPF program
# (~0.7 s here); tests that time delay= against a process's start should not
# pay for it. Warm up once (root only; the tests say NOT RUN otherwise).
if [ "$(id -u)" = 0 ]; then
	MINDERBINDER_NET=tcp:9:drop MINDERBINDER_SYSCALL=getppid:EIO \
		LD_PRELOAD="$(cd "${OUT:-build}" && pwd)/libmbpreload.so" true ||
		echo "run.sh: warm-up registration failed (the tests will say why)"
fi
for t in "$@"; do
	echo "-- $t"
	sh "$t" || { echo "FAIL $t: exited $?"; echo fail >> "$RESULTS"; }
done
p=$(grep -c '^pass$' "$RESULTS")
f=$(grep -c '^fail$' "$RESULTS")
n=$(grep -c '^notrun$' "$RESULTS")
rm -f "$RESULTS"
echo "integration: $p passed, $f failed, $n skipped"
[ "$f" = 0 ] && [ "$p" -gt 0 ] || status=1
exit $status

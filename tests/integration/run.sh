#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs the integration tests given as arguments and prints one closing line
# "integration: N passed, N failed, N skipped" (skipped = NOT RUN, by name).
RESULTS=$(mktemp)
export RESULTS
status=0
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

#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Per-command chaos from a shell script: each check runs one ordinary
# program with one fault, through the environment (LD_PRELOAD) or through
# `minderbinder run`, and checks its exit status and its message. Each
# check first runs the same command without the fault, so a PASS cannot
# come from a broken setup.
#
#   sh examples/shell/chaos.sh          (OUT=build-san for another build dir)
#
# Prints one PASS or FAIL line per check; exits 1 if any failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "${OUT:-$HERE/../../build}" && pwd)
AGENT="$OUT/libmbpreload.so"
MB="$OUT/minderbinder"
TMP=$(mktemp -d)
trap 'cd /; rm -rf "$TMP"' EXIT
failed=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

# expect NAME STATUS TEXT CMD...: CMD must exit with STATUS and print TEXT
# (a fixed string) on stderr; TEXT "" means nothing at all on stderr.
expect() {
	name=$1 want=$2 text=$3
	shift 3
	"$@" > "$TMP/out" 2> "$TMP/err"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "$name" "exit status $got, want $want; stderr: $(tr '\n' '|' < "$TMP/err")"
	elif [ -z "$text" ] && [ -s "$TMP/err" ]; then
		fail "$name" "unexpected stderr: $(tr '\n' '|' < "$TMP/err")"
	elif [ -n "$text" ] && ! grep -qF -- "$text" "$TMP/err"; then
		fail "$name" "stderr lacks '$text': $(tr '\n' '|' < "$TMP/err")"
	elif [ -s "$TMP/err" ]; then
		pass "$name: status $got, $(head -1 "$TMP/err")"
	else
		pass "$name: status $got"
	fi
}

# the files the commands work on; commands name them relative to $TMP, the
# rules by absolute path (relative paths are made absolute before matching)
cd "$TMP" || exit 1
head -c 1048576 /dev/urandom > "$TMP/big.bin"
mkdir -p "$TMP/tree"
echo "public" > "$TMP/tree/public.txt"
echo "secret" > "$TMP/tree/secret.txt"

# 1. A full disk under cp. cp 9.x copies with copy_file_range; EXDEV (no
#    copy offload, as between some filesystems) sends it back to read and
#    write, whose first write finds the disk full. times=1 leaves later
#    writes alone, so cp's own message still reaches stderr.
DISK_FULL='copy_file_range:EXDEV;write:ENOSPC:times=1'
expect "cp without faults" 0 "" cp big.bin copy0.bin
expect "cp, disk full (env)" 1 "No space left on device" \
	env MINDERBINDER_SYSCALL="$DISK_FULL" LD_PRELOAD="$AGENT" \
	cp big.bin copy1.bin
expect "cp, disk full (minderbinder run)" 1 "No space left on device" \
	"$MB" run -s "$DISK_FULL" -- cp big.bin copy2.bin

# 2. One unreadable file: only the path the rule names fails, the other
#    file is still printed.
NO_SECRET="openat:EACCES:path=$TMP/tree/secret.txt"
expect "cat without faults" 0 "" cat tree/secret.txt tree/public.txt
expect "cat, one file EACCES (env)" 1 "secret.txt: Permission denied" \
	env MINDERBINDER_SYSCALL="$NO_SECRET" LD_PRELOAD="$AGENT" \
	cat tree/secret.txt tree/public.txt
if [ "$(cat "$TMP/out")" = "public" ]; then
	pass "cat, one file EACCES (env): the other file was printed"
else
	fail "cat, one file EACCES (env)" "stdout: $(tr '\n' '|' < "$TMP/out")"
fi
expect "cat, one file EACCES (minderbinder run)" 1 "secret.txt: Permission denied" \
	"$MB" run -s "$NO_SECRET" -- cat tree/secret.txt tree/public.txt

# 3. tar meets an unreadable file: status 2, and the archive holds the rest.
expect "tar without faults" 0 "" tar -cf t0.tar tree
expect "tar, one file EACCES (minderbinder run)" 2 "secret.txt: Cannot open: Permission denied" \
	"$MB" run -s "$NO_SECRET" -- tar -cf t1.tar tree
if [ "$(tar -tf "$TMP/t1.tar" | sort | tr '\n' ' ')" = "tree/ tree/public.txt " ]; then
	pass "tar, one file EACCES (minderbinder run): the archive holds the rest"
else
	fail "tar archive" "holds: $(tar -tf "$TMP/t1.tar" | tr '\n' ' ')"
fi
expect "tar, one file EACCES (env)" 2 "secret.txt: Cannot open: Permission denied" \
	env MINDERBINDER_SYSCALL="$NO_SECRET" LD_PRELOAD="$AGENT" \
	tar -cf t2.tar tree

# 4. The shell running this script was never touched.
if cat tree/secret.txt > /dev/null 2>&1; then
	pass "this shell is untouched afterwards"
else
	fail "this shell" "cannot read secret.txt"
fi

[ "$failed" = 0 ] && echo "chaos.sh: all checks passed" || echo "chaos.sh: some checks FAILED"
exit "$failed"

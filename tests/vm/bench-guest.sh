#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make vm-bench runs this in the guest, through the suite's runner: the
# syscall engines side by side (bench/engines.sh) on the guest's kernel.
# One result line: whether the bench could run every row; the numbers are
# printed, never judged.
. "$(dirname "$0")/../integration/lib.sh"
need_root "vm-bench" || exit 0
if BENCH_CALLS=${BENCH_CALLS:-200000} OUT=$OUT sh "$(dirname "$0")/../../bench/engines.sh"; then
	pass "vm-bench: bench/engines.sh ran every row this kernel has"
else
	fail "vm-bench: bench/engines.sh" "a row could not run (see above)"
fi

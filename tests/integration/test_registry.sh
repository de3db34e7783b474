# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
. "$(dirname "$0")/lib.sh"

if need_root "registry: exit program forgets a target"; then
	check "registry: exit program forgets a target (tp_btf/sched_process_exit)" \
		"$PROGS/test_registry"
	check "registry: maps, exit and fork links pinned under $PIN" \
		ls "$MB_TARGETS_PIN" "$MB_EXIT_LINK_PIN" "$MB_FORK_LINK_PIN"
fi

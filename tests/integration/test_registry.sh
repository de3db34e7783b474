# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
. "$(dirname "$0")/lib.sh"

if need_root "registry: exit program forgets a target"; then
	check "registry: exit program forgets a target (tp_btf/sched_process_exit)" \
		"$PROGS/registry_exit"
	check "registry: maps and exit link pinned under /sys/fs/bpf/minderbinder/v2" \
		sh -c 'ls /sys/fs/bpf/minderbinder/v2/mb_targets /sys/fs/bpf/minderbinder/v2/mb_exit_link'
fi

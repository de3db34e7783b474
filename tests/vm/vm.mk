# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The VM tier (tests/vm/vmcheck.sh), included by the Makefile.
#
#   make vm-suite                       every configuration (about 25 min under TCG)
#   make vm-suite VM_KERNELS=stock      one kernel; VM_ENGINES=kprobe one engine
#   make vm-suite VM_TESTS="test_registry.sh test_stats.sh"
#   make vm-bench                       bench/engines.sh in the guest
#   make vm-kernel                      build the fault-injection kernel from
#                                       linux-source-6.12 (when ../shared/vm
#                                       has none)
#
# Variables given on make's command line reach the script's environment.

# The C API's test binary too: test_daemon.sh runs it through the daemon,
# and one left from an older build would look for an older pin layout.
vm-suite: all $(TEST_PROGS) $(STATIC_PROGS) $(OUT)/tests/capi-tests
	$(Q)OUT=$(OUT) sh tests/vm/vmcheck.sh

vm-kernel: | $(DEPS_STAMP)
	$(Q)OUT=$(OUT) sh tests/vm/build-kernel.sh



# make vm-bench: bench/engines.sh (the syscall engines' per-call cost and
# their programs' run_time_ns/run_cnt, side by side) in the fault-injection
# guest; VM_CONFIGS=stock:auto for Debian's kernel.
vm-bench: all $(OUT)/bench/loop
	$(Q)OUT=$(OUT) VM_CONFIGS="$(or $(VM_CONFIGS),faultinject:auto)" \
		VM_TESTS=tests/vm/bench-guest.sh VM_VERBOSE=1 sh tests/vm/vmcheck.sh



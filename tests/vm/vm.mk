# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The VM tier (tests/vm/vmcheck.sh), included by the Makefile.
#
#   make vm-suite                       every configuration (about 35 min under TCG)
#   make vm-suite VM_KERNELS=stock      one kernel; VM_ENGINES=kprobe one engine
#   make vm-suite VM_TESTS="test_registry.sh test_stats.sh"
#   make vm-kernel                      build the fault-injection kernel from
#                                       linux-source-6.12 (when ../shared/vm
#                                       has none)
#
# Variables given on make's command line reach the script's environment.

vm-suite: all $(TEST_PROGS) $(STATIC_PROGS)
	$(Q)OUT=$(OUT) sh tests/vm/vmcheck.sh

vm-kernel: | $(DEPS_STAMP)
	$(Q)OUT=$(OUT) sh tests/vm/build-kernel.sh

.PHONY: vm-suite vm-kernel

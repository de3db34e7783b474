# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# One build: bpf/*.bpf.c -> .bpf.o -> .skel.h -> binaries and libraries, all
# under $(OUT). `make check` runs every test tier this machine can run.
# Quiet by default; V=1 shows the commands.

.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
OUT ?= build-san
else
OUT ?= build
endif

PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
LIBEXECDIR ?= $(PREFIX)/libexec/minderbinder
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share/minderbinder
# The site configuration the set-uid helper reads (quotas): fixed at build.
SYSCONFDIR ?= /etc
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# The node daemon's units (minderbinder.socket, minderbinder.service).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# The one version: `minderbinder --version`, the man pages, minderbinder.pc.
VERSION := $(shell cat VERSION)

CC ?= cc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ifeq ($(SANITIZE),1)
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -fPIC -D_GNU_SOURCE \
	-Iinclude -Ibackend -I$(OUT) -I$(OUT)/gen

# --- dependencies: a fresh Debian 12 needs nothing but this Makefile -------
DEB_PACKAGES := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
	libinih-dev libcriterion-dev pkg-config linux-libc-dev-arm64-cross \
	iproute2 strace fiu-utils libmicrohttpd-dev python3-prometheus-client python3-pytest curl tmux \
	golang-go nodejs python3-setuptools python3-pip python3-pytest-xdist sqlite3 \
	python3-yaml python3-kubernetes
DEPS_STAMP := $(OUT)/.deps-ok

# Re-checked when the Makefile (and so the package list) changes.
$(DEPS_STAMP): Makefile
	$(Q)mkdir -p $(OUT)
	$(Q)missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:$$missing"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi
	$(Q)touch $@

deps: $(DEPS_STAMP)

# --- generated name tables --------------------------------------------------
GEN := $(OUT)/gen
GEN_TABLES := $(GEN)/errno_table.inc $(GEN)/syscalls_x86_64.inc $(GEN)/syscalls_aarch64.inc \
	$(GEN)/mb_paths.h $(GEN)/pins.sh $(GEN)/mb_version.h

# Where the installed pieces find each other. Rewritten only when PREFIX
# (or LIBDIR, LIBEXECDIR, SYSCONFDIR) changes, so `make install PREFIX=/usr` after a
# plain `make` rebuilds what embeds the paths.
$(GEN)/mb_paths.h: FORCE | $(DEPS_STAMP)
	$(Q)mkdir -p $(GEN)
	$(Q)printf '#define MB_LIBDIR "%s"\n#define MB_LIBEXECDIR "%s"\n#define MB_CONFIG_PATH "%s"\n' \
		'$(LIBDIR)' '$(LIBEXECDIR)' '$(SYSCONFDIR)/minderbinder.conf' > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

FORCE:

$(GEN)/mb_version.h: VERSION | $(DEPS_STAMP)
	$(Q)mkdir -p $(GEN)
	$(Q)printf '#define MB_VERSION "%s"\n' '$(VERSION)' > $@

# The pin paths for the tests' shell, expanded by the compiler from the
# one list (include/minderbinder/pins.h): MB_PIN_DIR=..., MB_TARGETS_PIN=...
$(GEN)/pins.sh: include/minderbinder/pins.h | $(DEPS_STAMP)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(GEN)
	$(Q)sed -n 's/^#define \(MB_[A-Z0-9_]*\) .*/sh_\1=\1/p' $< | \
		{ echo '#include "minderbinder/pins.h"'; cat; } | \
		$(CC) -E -P -Iinclude -x c - | sed -n 's/" "//g; s/^sh_\(MB_[A-Z0-9_]*\)=\(".*"\)$$/\1=\2/p' > $@.tmp
	$(Q)grep -q '^MB_PIN_DIR="/' $@.tmp && mv $@.tmp $@

$(GEN)/errno_table.inc: backend/lib/gen-errno.sh | $(DEPS_STAMP)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(GEN) && sh $< $(CC) > $@

$(GEN)/syscalls_x86_64.inc: backend/lib/gen-syscalls.sh | $(DEPS_STAMP)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(GEN) && sh $< $(CC) x86_64 > $@

$(GEN)/syscalls_aarch64.inc: backend/lib/gen-syscalls.sh | $(DEPS_STAMP)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(GEN) && sh $< $(CC) aarch64 > $@

# --- BPF: vmlinux.h -> .bpf.o -> .skel.h -----------------------------------
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

ifdef VMLINUX_H
$(OUT)/vmlinux.h: $(VMLINUX_H) | $(DEPS_STAMP)
	$(Q)mkdir -p $(OUT) && cp $< $@
else
$(OUT)/vmlinux.h: | $(DEPS_STAMP)
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(OUT) && $(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@
endif

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h $(wildcard include/minderbinder/*.h) | $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(OUT)/bpf
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-I$(OUT) -Iinclude -c $< -o $@
	$(Q)llvm-strip -g $@ 2>/dev/null || true

.SECONDARY: $(BPF_OBJS)
$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# --- backend/lib: shared by agent, helper, CLI, C API (grammar, tables, INI) --
LIB_SRCS := $(wildcard backend/lib/*.c)
LIB_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS))
LIB_A := $(OUT)/libmbshared.a

$(OUT)/obj/%.o: %.c $(GEN_TABLES) | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Each object that includes a skeleton depends on that one (as in
# libbpf-bootstrap's $(APPS).o: %.o: %.skel.h); the compiler's .d files
# keep the rest of its headers.
SKEL_USERS := $(shell grep -l '^\#include ".*\.skel\.h"' $(wildcard backend/*/*.c backend/*/*/*.c))
$(foreach c,$(SKEL_USERS),$(eval $(OUT)/obj/$(c:.c=.o): \
	$(patsubst %,$(OUT)/%,$(shell sed -n 's/^\#include "\(.*\.skel\.h\)"/\1/p' $(c)))))

$(LIB_A): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

-include $(wildcard $(addprefix $(OUT)/obj/,*/*.d */*/*.d */*/*/*.d */*/*/*/*.d))

# --- programs --------------------------------------------------------------
BPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
INIH_LIBS := $(shell pkg-config --libs inih 2>/dev/null || echo -linih)
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)

# Link lists follow the folders: the helper is the trust boundary, the
# registry and every engine; the CLI reads the registry and loads what it
# shows (the probes, watch's programs) but never arms a target.
REGISTRY_SRCS := $(wildcard backend/registry/*.c)
ENGINE_SRCS := $(wildcard backend/engines/*.c backend/engines/seccomp/*.c)
HELPER_SRCS := $(wildcard backend/helper/*.c) $(REGISTRY_SRCS) $(ENGINE_SRCS)
CLI_SRCS := $(wildcard backend/cli/*.c) $(REGISTRY_SRCS) $(ENGINE_SRCS)
AGENT_SRCS := $(wildcard preload/*.c)

PROGS :=
ifneq ($(wildcard backend/helper/main.c),)
PROGS += $(OUT)/mb-helper
$(OUT)/mb-helper: $(patsubst %.c,$(OUT)/obj/%.o,$(HELPER_SRCS)) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(BPF_LIBS) $(INIH_LIBS)
endif
ifneq ($(wildcard backend/cli/main.c),)
PROGS += $(OUT)/minderbinder
$(OUT)/minderbinder: $(patsubst %.c,$(OUT)/obj/%.o,$(CLI_SRCS)) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(BPF_LIBS) $(INIH_LIBS) $(MHD_LIBS)
endif
# The agent is never instrumented, not even with SANITIZE=1: a sanitizer
# runtime cannot be preloaded into a program that was not built with it.
AGENT_CFLAGS := $(filter-out $(SAN_FLAGS),$(ALL_CFLAGS))
AGENT_OBJS := $(patsubst %.c,$(OUT)/obj-agent/%.o,$(AGENT_SRCS))
AGENT_LIB_A := $(OUT)/libmbshared-agent.a

$(AGENT_LIB_A): $(patsubst %.c,$(OUT)/obj-agent/%.o,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/obj-agent/%.o: %.c $(GEN_TABLES) | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(AGENT_CFLAGS) -MMD -MP -c $< -o $@

-include $(wildcard $(addprefix $(OUT)/obj-agent/,*/*.d */*/*.d */*/*/*.d))

ifneq ($(AGENT_SRCS),)
PROGS += $(OUT)/libmbpreload.so
# The agent lives in other people's processes: no sanitizer runtime, every
# symbol hidden but those the version script exports. Lazy binding: -z now
# cost ~25 us at every start of every preloaded program (make bench).
$(OUT)/libmbpreload.so: $(AGENT_OBJS) $(AGENT_LIB_A) preload/libmbpreload.map
	$(call msg,LINK,$@)
	$(Q)$(CC) -shared -o $@ $(filter %.o %.a,$^) \
		-Wl,--version-script=preload/libmbpreload.map -Wl,-z,defs
endif

# The C API: libminderbinder.so (only the public API exported) and .a.
CAPI_OBJS := $(OUT)/obj/backend/capi/minderbinder.o
PROGS += $(OUT)/libminderbinder.so $(OUT)/libminderbinder.a
$(OUT)/libminderbinder.so: $(CAPI_OBJS) $(LIB_A) backend/capi/libminderbinder.map
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libminderbinder.so.0 -o $@ $(filter %.o %.a,$^) \
		-Wl,--version-script=backend/capi/libminderbinder.map -Wl,-z,defs -pthread
	$(Q)ln -sf libminderbinder.so $(OUT)/libminderbinder.so.0

$(OUT)/libminderbinder.a: $(CAPI_OBJS) $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

all: $(DEPS_STAMP) $(SKELS) $(LIB_A) $(PROGS)

# --- man pages ---------------------------------------------------------------
# docs/man/*.in are the one source (plain man(7) roff): make fills in the
# version and the paths this build was configured with.
MAN_SRCS := $(wildcard docs/man/*.in)
MAN_PAGES := $(patsubst docs/man/%.in,$(OUT)/man/%,$(MAN_SRCS))

$(OUT)/man/%: docs/man/%.in VERSION $(GEN)/mb_paths.h $(GEN)/pins.sh
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q). $(abspath $(GEN))/pins.sh && sed -e 's|@VERSION@|$(VERSION)|g' -e "s|@PIN_DIR@|$$MB_PIN_DIR|g" \
		-e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
		-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' $< > $@.tmp
	$(Q)! grep -n '@[A-Z_]*@' $@.tmp && mv $@.tmp $@

man: $(MAN_PAGES)
all: $(MAN_PAGES)

# The node daemon's systemd units: the service names the installed helper.
UNITS := $(OUT)/systemd/minderbinder.socket $(OUT)/systemd/minderbinder.service
$(OUT)/systemd/minderbinder.service: backend/helper/systemd/minderbinder.service.in $(GEN)/mb_paths.h
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' $< > $@.tmp && ! grep -n '@[A-Z_]*@' $@.tmp && mv $@.tmp $@
$(OUT)/systemd/minderbinder.socket: backend/helper/systemd/minderbinder.socket
	$(Q)mkdir -p $(dir $@) && cp $< $@
all: $(UNITS)

# --- tests -----------------------------------------------------------------
# The helper's message checks and the engine choice are pure (no socket,
# no /proc, no kernel): unit-tested and fuzzed with the core.
HELPER_PURE_SRCS := backend/helper/validate.c backend/engines/select.c backend/helper/policy.c
# The unit suite always builds the core again with ASan/UBSan.
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN := $(OUT)/tests/unit-tests
CRITERION_LIBS := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(LIB_SRCS) $(HELPER_PURE_SRCS) $(wildcard backend/lib/*.h backend/helper/*.h backend/engines/select.h include/minderbinder/*.h) $(GEN_TABLES) | $(DEPS_STAMP)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -DMB_SOURCE_DIR='"$(CURDIR)"' -o $@ \
		$(UNIT_SRCS) $(LIB_SRCS) $(HELPER_PURE_SRCS) $(CRITERION_LIBS) $(INIH_LIBS)

check-unit: $(UNIT_BIN)
	@echo "== unit tests (Criterion, ASan/UBSan)"
	$(Q)ASAN_OPTIONS=detect_leaks=1 $(UNIT_BIN) --jobs 2

# Small real programs the integration tests drive; they may use the
# registry and the shared core.
# What the integration scripts run, all built into $(OUT)/tests/progs:
# targets/ are the programs faults are aimed at (and the attacker's tools of
# the security tests); c/ are whole tests written in C, that a script runs
# and reads the verdict of.
TEST_PROG_SRCS := $(wildcard tests/integration/targets/*.c)
TEST_C_SRCS := $(wildcard tests/integration/c/*.c)
TEST_PROGS := $(patsubst tests/integration/targets/%.c,$(OUT)/tests/progs/%,$(TEST_PROG_SRCS)) \
	$(patsubst tests/integration/c/%.c,$(OUT)/tests/progs/%,$(TEST_C_SRCS))

TEST_LINK_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(filter-out backend/helper/main.c backend/helper/daemon.c,$(HELPER_SRCS)))

define test_prog_rule
$(OUT)/tests/progs/%: tests/integration/$(1)/%.c $(wildcard tests/integration/targets/*.h) $(TEST_LINK_OBJS) $(LIB_A)
	$$(call msg,CC,$$@)
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -pthread -o $$@ $$< $(TEST_LINK_OBJS) $(LIB_A) $(BPF_LIBS) $(INIH_LIBS)
endef
$(eval $(call test_prog_rule,targets))
$(eval $(call test_prog_rule,c))

# Static programs (no libc dynamic loader, so LD_PRELOAD cannot reach them):
# what `minderbinder run` must cover by registering before exec.
STATIC_PROG_SRCS := $(wildcard tests/integration/targets/static/*.c)
STATIC_PROGS := $(patsubst tests/integration/targets/static/%.c,$(OUT)/tests/progs/static-%,$(STATIC_PROG_SRCS))

$(OUT)/tests/progs/static-%: tests/integration/targets/static/%.c | $(DEPS_STAMP)
	$(call msg,CC-STATIC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -static -o $@ $<

INTEG_SCRIPTS := $(sort $(wildcard tests/integration/test_*.sh))
# The C API's test binary too: test_daemon.sh runs it through the daemon.
check-integration: all $(TEST_PROGS) $(STATIC_PROGS) $(OUT)/tests/capi-tests
	@echo "== integration tests (root, real kernel)"
	$(Q)OUT=$(OUT) sh tests/integration/run.sh $(INTEG_SCRIPTS)

# The whole integration suite again with the in-process path forced
# (MINDERBINDER_SUPERVISED=inprocess): every check must hold whichever side
# decides a supervised rule (scripts with no such rule run as they did).
check-inprocess: all $(TEST_PROGS) $(STATIC_PROGS) $(OUT)/tests/capi-tests
	@echo "== integration tests again, the in-process path forced (MINDERBINDER_SUPERVISED=inprocess)"
	$(Q)OUT=$(OUT) MINDERBINDER_SUPERVISED=inprocess sh tests/integration/run.sh $(INTEG_SCRIPTS)

# --- fuzzing (libFuzzer) ---------------------------------------------------
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 20
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1

$(OUT)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(HELPER_PURE_SRCS) $(GEN_TABLES) | $(DEPS_STAMP)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -Ibackend -I$(GEN) \
		-o $@ $< $(LIB_SRCS) $(HELPER_PURE_SRCS) $(INIH_LIBS)

fuzz-build: $(FUZZ_BINS)

# make fuzz FUZZ_SECONDS=600 for a long run; check runs each one briefly.
fuzz: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do \
		name=$$(basename $$f); corpus=$(OUT)/fuzz/corpus-$$name; \
		mkdir -p $$corpus; cp tests/fuzz/corpus/$$name/* $$corpus/ 2>/dev/null; \
		echo "== fuzz $$name ($(FUZZ_SECONDS)s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 $$corpus \
			2> $(OUT)/fuzz/$$name.log || { tail -40 $(OUT)/fuzz/$$name.log; exit 1; }; \
		grep -E '^Done|#[0-9]+.*DONE' $(OUT)/fuzz/$$name.log | tail -1; \
	done

demo: deps all
	$(Q)OUT=$(OUT) sh examples/demo.sh

# The quick look at the fault-injection kernel (about 30 s).
vm-smoke: all
	$(Q)OUT=$(OUT) sh tests/vm/vm-smoke.sh

# The VM tier's targets live with its harness (tests/vm/vm.mk). vmcheck is
# every configuration of it; .ci/run runs it after make check when
# ../shared/vm is there.
-include tests/vm/vm.mk

vmcheck: vm-suite


# --- install ---------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(INCLUDEDIR)/minderbinder $(DESTDIR)$(DATADIR)/examples
	install -m 0644 include/minderbinder/*.h $(DESTDIR)$(INCLUDEDIR)/minderbinder/
	install -m 0644 examples/chaos.ini $(DESTDIR)$(DATADIR)/examples/
	install -m 0644 backend/helper/systemd/policy.ini $(DESTDIR)$(DATADIR)/examples/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 $(UNITS) $(DESTDIR)$(SYSTEMDUNITDIR)/
	$(if $(wildcard $(OUT)/minderbinder),install -m 0755 $(OUT)/minderbinder $(DESTDIR)$(BINDIR)/)
	$(if $(wildcard $(OUT)/libmbpreload.so),install -m 0755 $(OUT)/libmbpreload.so $(DESTDIR)$(LIBDIR)/)
	install -m 0644 include/minderbinder.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0755 $(OUT)/libminderbinder.so $(DESTDIR)$(LIBDIR)/libminderbinder.so.0
	ln -sf libminderbinder.so.0 $(DESTDIR)$(LIBDIR)/libminderbinder.so
	install -m 0644 $(OUT)/libminderbinder.a $(DESTDIR)$(LIBDIR)/
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' \
		backend/capi/minderbinder.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/minderbinder.pc
	$(foreach m,$(MAN_PAGES),install -d $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m))) && \
		install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/;)
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 backend/cli/completion.bash $(DESTDIR)$(BASHCOMPDIR)/minderbinder
	$(if $(wildcard $(OUT)/mb-helper),install -m 0755 $(OUT)/mb-helper $(DESTDIR)$(LIBEXECDIR)/)
	@# setuid root: the helper is what lets a normal user's process opt in
	$(if $(wildcard $(OUT)/mb-helper),if [ "$$(id -u)" = 0 ]; then chown root:root $(DESTDIR)$(LIBEXECDIR)/mb-helper && chmod 4755 $(DESTDIR)$(LIBEXECDIR)/mb-helper; \
		else echo "  NOTE     not root: $(DESTDIR)$(LIBEXECDIR)/mb-helper is not setuid; run 'chown root $(DESTDIR)$(LIBEXECDIR)/mb-helper && chmod 4755 $(DESTDIR)$(LIBEXECDIR)/mb-helper' as root"; fi)

clean:
	rm -rf build build-san

.DEFAULT_GOAL := all

# --- bench -----------------------------------------------------------------
# `make bench`: start-up and per-call cost side by side with strace and
# libfiu, in one run (bench/README.md). Reports numbers, never fails on one.
# Always -O2 without sanitizers: the numbers are of the real thing.
BENCH_DIR := $(OUT)/bench
BENCH_CFLAGS := -O2 -g $(WARN) -std=gnu11 -D_GNU_SOURCE

# bench itself is main + its parts; every other bench/X.c is a program alone.
BENCH_PARTS := bench/measure.c bench/startup.c bench/percall.c
$(BENCH_DIR)/bench: bench/bench.c $(BENCH_PARTS) bench/bench.h | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(BENCH_DIR)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $(filter %.c,$^)

$(BENCH_DIR)/%: bench/%.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(BENCH_DIR)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_DIR)/libempty.so: bench/empty_preload.c | $(DEPS_STAMP)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(BENCH_DIR)
	$(Q)$(CC) $(BENCH_CFLAGS) -fPIC -shared -o $@ $<

$(BENCH_DIR)/tcp_stream: bench/tcp_stream.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(BENCH_DIR)
	$(Q)$(CC) $(BENCH_CFLAGS) -pthread -o $@ $<

$(BENCH_DIR)/capi_pair: bench/capi_pair.c $(OUT)/libminderbinder.so | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(BENCH_DIR)
	$(Q)$(CC) $(BENCH_CFLAGS) -Iinclude -o $@ $< -L$(OUT) -lminderbinder -Wl,-rpath,$(abspath $(OUT))

# Registration through the node daemon vs the helper per registration.
$(BENCH_DIR)/bench-daemon: bench/daemon.c bench/measure.c bench/bench.h | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(BENCH_DIR)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $(filter %.c,$^)

bench-daemon: all $(BENCH_DIR)/bench-daemon
	$(Q)$(BENCH_DIR)/bench-daemon --build $(abspath $(OUT))

bench: all $(BENCH_DIR)/bench $(BENCH_DIR)/loop $(BENCH_DIR)/libempty.so $(BENCH_DIR)/tcp_stream \
		$(BENCH_DIR)/capi_pair $(BENCH_DIR)/seccomp_floor $(OUT)/tests/progs/net_pingpong \
		$(BENCH_DIR)/bench-daemon
	$(Q)$(BENCH_DIR)/bench --build $(OUT)
	$(Q)$(BENCH_DIR)/seccomp_floor 100000 5 $(abspath $(OUT))/libmbpreload.so \
		$(abspath $(BENCH_DIR))/loop | tee -a $(BENCH_DIR)/results.txt
	$(Q)OUT=$(OUT) sh bench/net_throughput.sh | tee -a $(BENCH_DIR)/results.txt
	$(Q)OUT=$(OUT) sh bench/net_shape.sh | tee -a $(BENCH_DIR)/results.txt
	$(Q)$(BENCH_DIR)/capi_pair | tee -a $(BENCH_DIR)/results.txt
	$(Q)$(BENCH_DIR)/bench-daemon --build $(abspath $(OUT)) | tee -a $(BENCH_DIR)/results.txt


# --- C API tests and examples ----------------------------------------------
# `make check-capi`: the C API against the real kernel (root; Criterion runs
# each test in a process of its own, --jobs 1 because tests time real loops
# and sockets). `make check-examples`: examples/c-criterion, examples/shell
# and examples/python, each run for real.
EXAMPLES_PYTHON := /usr/bin/python3
CAPI_TEST_BIN := $(OUT)/tests/capi-tests
EXAMPLE_C_BIN := $(OUT)/examples/c-criterion/test-handler
CAPI_USER_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude
CAPI_USER_LIBS := -L$(OUT) -lminderbinder -Wl,-rpath,$(abspath $(OUT)) $(CRITERION_LIBS) -pthread

$(CAPI_TEST_BIN): $(wildcard tests/capi/*.c tests/capi/*.h) include/minderbinder.h $(OUT)/libminderbinder.so | $(DEPS_STAMP)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CAPI_USER_CFLAGS) -DMB_BUILD_DIR='"$(abspath $(OUT))"' $(LDFLAGS) -o $@ \
		$(filter %.c,$^) $(CAPI_USER_LIBS)

$(EXAMPLE_C_BIN): $(wildcard examples/c-criterion/*.c examples/c-criterion/*.h) include/minderbinder.h \
		$(OUT)/libminderbinder.so | $(DEPS_STAMP)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CAPI_USER_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(CAPI_USER_LIBS)

check-capi: all $(CAPI_TEST_BIN)
	@echo "== C API tests (root, real kernel)"
	$(Q)if [ "$$(id -u)" != 0 ]; then echo "NOT RUN check-capi: needs root"; exit 0; fi; \
		$(CAPI_TEST_BIN) --jobs 1

check-examples: all $(EXAMPLE_C_BIN)
	$(Q)if [ "$$(id -u)" != 0 ]; then echo "NOT RUN check-examples: needs root"; exit 0; fi; \
	echo "== examples/c-criterion" && $(EXAMPLE_C_BIN) --jobs 1 && \
	echo "== examples/shell" && OUT=$(OUT) sh examples/shell/chaos.sh && \
	echo "== examples/python" && \
	if [ "$(SANITIZE)" = 1 ]; then \
		echo "NOT RUN examples/python: ctypes cannot load the ASan-built $(OUT)/libminderbinder.so"; \
	else \
		MINDERBINDER_LIB=$(abspath $(OUT))/libminderbinder.so PYTHONPATH=$(PY_CHECK_SITE) PYTHONDONTWRITEBYTECODE=1 \
			$(EXAMPLES_PYTHON) -m pytest -q -p no:cacheprovider examples/python; \
	fi

# --- Go (backend/go, examples/go) and Node (examples/node) -----------------
# `make check-go`: the Go package's tests and the original project's Big Picture as a
# real `go test`, as root and as uid 65534 with a set-uid helper
# (backend/go/check.sh). Go's cache and the test binaries live under
# $(OUT)/go; no module is ever downloaded (GOPROXY=off).
# `make check-node`: examples/node with `node --test`.
GO_OUT := $(abspath $(OUT))/go
GO_ENV := OUT=$(OUT) GO_OUT=$(GO_OUT) GOCACHE=$(GO_OUT)/cache GOPATH=$(GO_OUT)/path \
	GOPROXY=off GOFLAGS= GOTOOLCHAIN=local GO111MODULE=on \
	CGO_CFLAGS="-I$(CURDIR)/include" \
	CGO_LDFLAGS="-L$(abspath $(OUT)) -Wl,-rpath,$(abspath $(OUT))"

check-go: all
	$(Q)if [ "$(SANITIZE)" = 1 ]; then \
		echo "NOT RUN check-go: cgo cannot link the ASan-built $(OUT)/libminderbinder.so"; exit 0; fi; \
	if ! command -v go > /dev/null; then echo "NOT RUN check-go: no go (Debian's golang-go)"; exit 0; fi; \
	mkdir -p $(GO_OUT) && $(GO_ENV) sh backend/go/check.sh

check-node: all
	$(Q)if ! command -v node > /dev/null; then echo "NOT RUN check-node: no node (Debian's nodejs)"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "NOT RUN check-node: needs root"; exit 0; fi; \
	echo "== examples/node (node --test)" && \
	MB_BUILD=$(abspath $(OUT)) node --test examples/node/
# --- end Go and Node --------------------------------------------------------

# --- backend/python: the minderbinder package and its pytest plugin ---------
# `make install` puts it where /usr/bin/python3 finds it (sitedir.py: Debian's
# /usr/lib/python3/dist-packages for PREFIX=/usr, /usr/local/lib/python3.X/
# dist-packages for /usr/local), with its dist-info and the pytest11 entry
# point, and records LIBDIR in minderbinder/_install.py. Built from a copy
# under $(OUT) (setuptools builds in the tree it is given), offline.
# `make check-python` installs it into $(OUT)/python/root with that same rule
# and runs backend/python/tests from outside the tree, through the plugin
# pytest loads by its entry point, with 2 xdist workers.
PY_BUILD := $(OUT)/python
PYTHON_SITEDIR = $(shell $(EXAMPLES_PYTHON) backend/python/sitedir.py $(PREFIX))
PY_CHECK_ROOT := $(abspath $(PY_BUILD))/root
PY_CHECK_SITE = $(PY_CHECK_ROOT)$(shell $(EXAMPLES_PYTHON) backend/python/sitedir.py /usr)
PY_SRCS := backend/python/pyproject.toml backend/python/README.md $(wildcard backend/python/minderbinder/*.py)
PY_PIP := $(EXAMPLES_PYTHON) -m pip install -q --no-build-isolation --no-deps --no-index --root-user-action=ignore

install: install-python
# examples/python imports the package installed here.
check-examples: $(PY_BUILD)/.installed
install-python: $(PY_SRCS) backend/python/sitedir.py | $(DEPS_STAMP)
	$(Q)rm -rf $(PY_BUILD)/pkg && mkdir -p $(PY_BUILD)/pkg/minderbinder
	$(Q)cp backend/python/pyproject.toml backend/python/README.md $(PY_BUILD)/pkg/
	$(Q)cp backend/python/minderbinder/*.py $(PY_BUILD)/pkg/minderbinder/
	$(Q)printf '# Written by make install.\nLIBDIR = "%s"\n' '$(LIBDIR)' > $(PY_BUILD)/pkg/minderbinder/_install.py
	rm -rf $(DESTDIR)$(PYTHON_SITEDIR)/minderbinder $(DESTDIR)$(PYTHON_SITEDIR)/minderbinder-*.dist-info
	$(PY_PIP) --target $(DESTDIR)$(PYTHON_SITEDIR) $(PY_BUILD)/pkg

$(PY_BUILD)/.installed: $(PY_SRCS) backend/python/sitedir.py | $(DEPS_STAMP)
	$(call msg,INSTALL,$(PY_CHECK_SITE))
	$(Q)rm -rf $(PY_CHECK_ROOT)
	$(Q)$(MAKE) --no-print-directory install-python OUT=$(OUT) DESTDIR=$(PY_CHECK_ROOT) PREFIX=/usr >/dev/null
	$(Q)touch $@

check-python: all $(PY_BUILD)/.installed
	@echo "== backend/python (the installed package and pytest plugin)"
	$(Q)if [ "$$(id -u)" != 0 ]; then echo "NOT RUN check-python: needs root"; exit 0; fi; \
	if [ "$(SANITIZE)" = 1 ]; then \
		echo "NOT RUN check-python: ctypes cannot load the ASan-built $(OUT)/libminderbinder.so"; exit 0; \
	fi; \
	mkdir -p $(PY_BUILD)/run && cd $(PY_BUILD)/run && \
	MINDERBINDER_LIB=$(abspath $(OUT))/libminderbinder.so PYTHONPATH=$(PY_CHECK_SITE) \
		MB_SOURCE_TREE=$(CURDIR) PYTHONDONTWRITEBYTECODE=1 \
		$(EXAMPLES_PYTHON) -m pytest -q -p no:cacheprovider -n 2 \
		--rootdir=$(CURDIR)/backend/python/tests $(CURDIR)/backend/python/tests

# --- make check: every tier this machine can run ---------------------------
check: deps all check-unit check-integration check-inprocess fuzz check-capi check-examples check-go check-node check-python
	@echo "== make check: all tiers passed"

.PHONY: all deps demo vm-smoke vmcheck check check-unit check-integration check-inprocess check-capi check-examples check-go check-node \
	fuzz fuzz-build install clean bench bench-daemon vm-suite vm-kernel vm-bench FORCE check-python install-python

#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The VM tier: the integration suite (tests/integration/run.sh), unchanged,
# inside QEMU guests, on kernels and with syscall engines this machine's
# own kernel cannot offer:
#
#   faultinject fmod_ret   ../shared/vm/bzImage-6.12-faultinject (or one
#   faultinject kprobe     built by build-kernel.sh), engine forced
#   stock auto             Debian's linux-image-6.12.*-cloud-amd64: no
#                          error injection, so the engine choice falls back
#
# Each configuration ends with one line
#   vmcheck KERNEL ENGINE: N passed, N failed, N skipped
# after the suite's FAIL lines. The guests run side by side (VM_JOBS). Exit status 1 when any configuration had a
# failure or its guest did not finish.
#
# The guest sees this machine's root file system, read-only (9p on the
# fault-injection kernel, which has it built in; virtio-fs on the stock
# kernel, which has no 9p at all but virtio-fs built in), chroots into it
# and so has every tool the tests use (bash, python3, ip, tc, strace,
# bpftool, setpriv, tmux) at the paths the tests expect. Writable: tmpfs on
# /tmp, /var/tmp, /run, /dev/shm. The suite runs from a snapshot of the
# build (OUT) and of tests/, include/ and examples/: other people's
# rebuilds during a long TCG run cannot swap binaries under it.
#
# Knobs (environment, or make variables: make vm-suite VM_KERNELS=stock):
#   VM_CONFIGS   "KERNEL:ENGINE ..."   (default: faultinject:fmod_ret
#                faultinject:kprobe stock:auto); ENGINE auto sets no
#                MINDERBINDER_ENGINE
#   VM_KERNELS   only these kernels of VM_CONFIGS (faultinject, stock)
#   VM_ENGINES   only these engines of VM_CONFIGS
#   VM_TESTS     test scripts for every configuration: names under
#                tests/integration/ ("test_registry.sh test_stats.sh"), or
#                paths (absolute, or relative to the project's top)
#   VM_TESTS_FI, VM_TESTS_STOCK   the defaults per kernel
#   VM_TIMEOUT   seconds per guest (default 2700: side by side, three hung
#                guests and make check still fit CI's 90 minutes; one
#                after the other, VM_JOBS=1, set it to 1200), VM_MEM (2G),
#                VM_SMP (2)
#   VM_JOBS      guests at once (default 3; 1: one after the other, with
#                each FAIL line shown as the guest prints it)
#   VM_VERBOSE=1 the suite's whole output as it runs, not only FAIL lines
#   KERNEL_FI    the fault-injection bzImage
#   VM_STOCK_PKG the Debian kernel package (default: newest 6.12 cloud)
#   VM_MODULES   modules the stock guest loads up front
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-build}
OUT=$(cd "$OUT" && pwd)
VMDIR=$OUT/vm
mkdir -p "$VMDIR/logs"

VM_CONFIGS=${VM_CONFIGS:-faultinject:fmod_ret faultinject:kprobe stock:auto}
VM_KERNELS=${VM_KERNELS:-}
VM_ENGINES=${VM_ENGINES:-}
VM_TIMEOUT=${VM_TIMEOUT:-2700}
VM_MEM=${VM_MEM:-2G}
VM_SMP=${VM_SMP:-2}
# Guests side by side. A TCG guest keeps about one host core busy (its
# vCPUs wait on the suite's own waits much of the time), so on two cores
# three at once end in about half the time of one after the other.
VM_JOBS=${VM_JOBS:-3}
VM_VERBOSE=${VM_VERBOSE:-0}
VIRTIOFSD=/usr/lib/qemu/virtiofsd
# The syscall engines are what the fault-injection kernel is for; the net
# tests do not depend on the syscall engine, nor does sweep (always
# seccomp): those run on the stock kernel only.
SYSCALL_TESTS="test_engines.sh test_syscall_agent.sh test_syscall_options.sh test_scope_strict.sh
	test_setuid.sh test_parallel.sh test_run_cli.sh test_registry.sh test_stats.sh test_watch.sh
	test_security_identity.sh"
VM_TESTS_FI=${VM_TESTS_FI:-$SYSCALL_TESTS}
# The stock kernel: every script but test_parallel, which proves the
# seccomp engine there (auto's pick), as make check does here with 200;
# test_daemon_containers, whose 100 containers of namespaces took 856 s of
# a guest's 1800 under TCG and ask the kernel nothing the host's run does
# not; and test_kubernetes_manifests, which checks files against the
# build tree (the guest has no make to ask).
VM_HOST_ONLY="test_parallel.sh test_daemon_containers.sh test_kubernetes_manifests.sh"
VM_TESTS_STOCK=${VM_TESTS_STOCK:-$(cd "$ROOT/tests/integration" && ls test_*.sh |
	grep -vxF "$(echo "$VM_HOST_ONLY" | tr ' ' '\n')" | tr '\n' ' ')}
# Loaded before the suite: what the network engines and test_net_veth need
# (tc's clsact qdisc, cls_bpf, veth). Anything else is loaded on demand
# through the kernel's own request_module.
VM_MODULES=${VM_MODULES:-veth sch_ingress cls_bpf}

say() { echo "vmcheck: $*"; }
[ "$(id -u)" = 0 ] || { say "NOT RUN: needs root (mount namespaces, virtiofsd, packages)"; exit 0; }

# --- what the host needs --------------------------------------------------------
# qemu-system-x86 brings virtiofsd (qemu-system-common); kmod: depmod for
# the stock kernel's modules, and modprobe inside the guest, which runs
# this machine's own binaries.
missing=""
for p in qemu-system-x86 busybox-static cpio kmod; do
	dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "  DEPS     installing:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing > /dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $missing > /dev/null; }
fi

# --- kernels --------------------------------------------------------------------
# The prebuilt image, else one built here (build-kernel.sh caches it). A
# KERNEL_FI given by name must exist: a typo should not cost a kernel build.
kernel_fi() {
	if [ -n "${KERNEL_FI:-}" ]; then
		[ -r "$KERNEL_FI" ] || { say "KERNEL_FI=$KERNEL_FI: no such kernel image"; return 1; }
	elif [ -r "$ROOT/../shared/vm/bzImage-6.12-faultinject" ]; then
		KERNEL_FI=$(cd "$ROOT/../shared/vm" && pwd)/bzImage-6.12-faultinject
	else
		say "no ../shared/vm/bzImage-6.12-faultinject: building one from linux-source-6.12 (tests/vm/build-kernel.sh)"
		KERNEL_FI=$(OUT=$OUT sh "$ROOT/tests/vm/build-kernel.sh") || return 1
	fi
	KERNEL=$KERNEL_FI
	MODBASE=""
}

# The stock kernel, unpacked once under $VMDIR/stock/PKG (the .ok file says
# the unpacking and depmod finished). The package carries no modules.dep
# (its postinst makes it): depmod here, so the guest's modprobe resolves
# dependencies.
kernel_stock() {
	pkg=${VM_STOCK_PKG:-}
	re='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64$'
	if [ -z "$pkg" ]; then
		pkg=$(apt-cache search --names-only "$re" 2>/dev/null | awk '{print $1}' | sort -V | tail -1)
	fi
	if [ -z "$pkg" ]; then
		# No package lists: the newest one unpacked before, else update.
		pkg=$(ls "$VMDIR/stock" 2>/dev/null | grep -E "$re" | sort -V | tail -1 || true)
		if [ -z "$pkg" ]; then
			apt-get update -qq
			pkg=$(apt-cache search --names-only "$re" | awk '{print $1}' | sort -V | tail -1)
		fi
	fi
	[ -n "$pkg" ] || { say "no linux-image-6.12.*-cloud-amd64 package known to apt"; return 1; }
	dir=$VMDIR/stock/$pkg
	ver=${pkg#linux-image-}
	if [ ! -f "$dir/.ok" ]; then
		say "fetching $pkg"
		rm -rf "$dir" "$dir.tmp"
		# Chained: called as `kernel_stock || ...`, where set -e is off.
		# -o APT::Sandbox::User=root: _apt cannot write into build/.
		mkdir -p "$dir.tmp" &&
			(cd "$dir.tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg") &&
			dpkg-deb -x "$dir.tmp"/*.deb "$dir.tmp/root" &&
			depmod -b "$dir.tmp/root" "$ver" &&
			mv "$dir.tmp/root" "$dir" &&
			rm -rf "$dir.tmp" &&
			touch "$dir/.ok" || { say "could not fetch and unpack $pkg"; return 1; }
	fi
	KERNEL=$dir/boot/vmlinuz-$ver
	MODBASE=$dir
	# Debian 12's QEMU ships the C virtiofsd (its options are used below).
	[ -x "$VIRTIOFSD" ] || { say "no $VIRTIOFSD (qemu-system-common) to share the root with the stock kernel"; return 1; }
}

# --- a snapshot of what the suite runs --------------------------------------------
RUN=$(mktemp -d "$VMDIR/run.XXXXXX")
# The share is mounted only inside boot's private namespace; should it ever
# show here, removing $RUN would walk into this machine's root.
cleanup() {
	# A guest still running (the script was interrupted): timeout hands
	# the signal on to its process group, qemu and virtiofsd. Side by
	# side, each job stops its own guest.
	for j in ${JOBS:-}; do kill -TERM "${j%%=*}" 2> /dev/null || true; done
	for j in ${JOBS:-}; do wait "${j%%=*}" 2> /dev/null || true; done
	if [ -n "${BOOT_PID:-}" ]; then
		kill -TERM "$BOOT_PID" 2> /dev/null || true
		wait "$BOOT_PID" 2> /dev/null || true
	fi
	if mountpoint -q "$RUN/share" 2> /dev/null; then
		say "$RUN/share is still mounted: leaving $RUN"
	else
		rm -rf "$RUN"
	fi
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM
STAGE=$RUN/tree
mkdir -p "$STAGE/out"
tar -C "$ROOT" -cf - tests include examples bench VERSION docs/man backend/cli/completion.bash | tar -C "$STAGE" -xf -
# Everything of the build the tests (and make vm-bench) could use, but not
# objects, fuzzers or this tier's own caches.
tar -C "$OUT" --exclude=./obj --exclude=./obj-agent --exclude=./fuzz --exclude=./vm \
	--exclude=./gen -cf - . | tar -C "$STAGE/out" -xf -
# Of the generated files, the pin paths the tests' shell reads (lib.sh).
mkdir -p "$STAGE/out/gen" && cp "$OUT/gen/pins.sh" "$STAGE/out/gen/"

# --- the initramfs: busybox, an /init that mounts the host's root and chroots --
IR=$RUN/initramfs
mkdir -p "$IR/bin" "$IR/sbin" "$IR/proc" "$IR/sys" "$IR/dev" "$IR/host"
cp /bin/busybox "$IR/bin/"
cat > "$IR/init" <<'EOF'
#!/bin/busybox sh
# vmcheck_dir (the configuration's directory, holding guest.sh) and
# vmcheck_modbase come from the kernel command line as environment.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# ttyS1 carries the suite's output alone (the console has the kernel's).
exec 3> /dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2> /dev/null
finish() { echo "vmcheck-exit $1" >&3; exec 3>&-; reboot -f; }
H=/host
# request_module() runs /sbin/modprobe in the initramfs's root, not in the
# chroot, and with an environment of the kernel's: hand it to this
# machine's modprobe with the stock kernel's modules as its base directory.
if [ -n "${vmcheck_modbase:-}" ]; then
	printf '#!/bin/busybox sh\nexec /bin/busybox chroot %s /sbin/modprobe -d %s "$@"\n' \
		$H "$vmcheck_modbase" > /sbin/modprobe
	chmod 755 /sbin/modprobe
fi
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot $H 2> /e9p ||
	mount -t virtiofs -o ro hostroot $H 2> /evfs ||
	{ echo "vmcheck-guest: cannot mount the host's root with 9p or virtio-fs (tag hostroot): $(cat /e9p /evfs)" >&3; finish 97; }
mount -t proc proc $H/proc
mount -t sysfs sys $H/sys
mount -t devtmpfs dev $H/dev
mkdir -p $H/dev/pts $H/dev/shm
mount -t devpts -o ptmxmode=0666 devpts $H/dev/pts
mount -t tmpfs shm $H/dev/shm
# What udev and systemd make on a real system: bash's <(...) needs /dev/fd.
ln -sf /proc/self/fd $H/dev/fd
ln -sf /proc/self/fd/0 $H/dev/stdin
ln -sf /proc/self/fd/1 $H/dev/stdout
ln -sf /proc/self/fd/2 $H/dev/stderr
mount -t bpf bpf $H/sys/fs/bpf
mount -t cgroup2 cgroup2 $H/sys/fs/cgroup
mount -t tracefs tracefs $H/sys/kernel/tracing 2> /dev/null
mount -t debugfs debugfs $H/sys/kernel/debug 2> /dev/null
for d in tmp var/tmp run; do mount -t tmpfs -o mode=1777 tmp $H/$d; done
chmod 755 $H/run
[ -n "${vmcheck_modules:-}" ] && [ -n "${vmcheck_modbase:-}" ] && /sbin/modprobe -a $(echo "$vmcheck_modules" | tr , ' ') >&3 2>&1
ip link set lo up
hostname vm
[ -f "$H$vmcheck_dir/guest.sh" ] || { echo "vmcheck-guest: no $vmcheck_dir/guest.sh" >&3; finish 98; }
chroot $H /bin/sh "$vmcheck_dir/guest.sh" >&3 2>&1
finish $?
EOF
chmod +x "$IR/init"
(cd "$IR" && find . | cpio -o -H newc --quiet | gzip -1 > "$RUN/initramfs.gz")

# --- one configuration ------------------------------------------------------------
# boot KERNEL-NAME KERNEL-IMAGE CFGDIR: runs the guest, in a mount namespace
# of its own where / is bound read-only at $RUN/share (non-recursive: the
# host's /proc, /sys, /dev stay out of it). Bounded by VM_TIMEOUT; the
# timeout signals the whole process group (qemu and virtiofsd with it).
boot() {
	# In the background, so that the suite's lines can be shown as they
	# come and an interrupted run can stop the guest (cleanup).
	timeout -k 10 "$VM_TIMEOUT" unshare -m --propagation private sh -c '
		set -e
		kname=$1 kernel=$2 cfg=$3 run=$4 mem=$5 smp=$6 modbase=$7 modules=$8 virtiofsd=$9
		share=$run/share
		mkdir -p "$share"
		mount --bind / "$share"
		mount -o remount,bind,ro "$share"
		set -- -accel tcg -cpu max -m "$mem" -smp "$smp" -display none -monitor none \
			-no-reboot -kernel "$kernel" -initrd "$run/initramfs.gz" \
			-serial "file:$cfg/console" -serial "file:$cfg/log" \
			-device virtio-rng-pci
		append="console=ttyS0 quiet panic=-1 vmcheck_dir=$cfg"
		if [ "$kname" = stock ]; then
			# No 9p in the stock kernel; vhost-user needs the guest memory shared.
			"$virtiofsd" --socket-path="$run/vfs.sock" -o source="$share" \
				-o cache=always -o log_level=err > "$cfg/virtiofsd.log" 2>&1 &
			vfsd=$!
			i=0
			while [ ! -S "$run/vfs.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
			set -- "$@" -chardev socket,id=vfs,path="$run/vfs.sock" \
				-device vhost-user-fs-pci,chardev=vfs,tag=hostroot \
				-object memory-backend-memfd,id=mem,size="$mem",share=on -numa node,memdev=mem
			append="$append vmcheck_modbase=$modbase vmcheck_modules=$modules"
		else
			set -- "$@" -virtfs local,path="$share",mount_tag=hostroot,security_model=none,readonly=on
		fi
		rc=0
		qemu-system-x86_64 "$@" -append "$append" 2> "$cfg/qemu.err" || rc=$?
		[ -z "${vfsd:-}" ] || { kill $vfsd 2> /dev/null; wait $vfsd 2> /dev/null || true; }
		exit $rc
		' vmcheck-boot "$1" "$2" "$3" "$RUN" "$VM_MEM" "$VM_SMP" "${MODBASE:-}" \
		"$(echo $VM_MODULES | tr ' ' ,)" "$VIRTIOFSD" &
	BOOT_PID=$!
	shown=0
	while alive "$BOOT_PID"; do
		sleep 2
		show_new "$3/log"
	done
	wait "$BOOT_PID" || true
	BOOT_PID=
	show_new "$3/log"
}

# alive PID: running (a child that ended stays a zombie until waited for).
alive() {
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2> /dev/null) && [ "$st" != Z ]
}

# show_new LOG: the complete lines of LOG not shown yet that are to be
# shown: the suite's FAIL lines, or with VM_VERBOSE=1 all of its output.
show_new() {
	n=$(wc -l < "$1")
	[ "$n" -gt "$shown" ] || return 0
	head -n "$n" "$1" | tail -n +"$((shown + 1))" | tr -d '\r' |
		if [ "$VM_VERBOSE" = 1 ]; then grep -av '^vmcheck-time '; else grep -a '^FAIL '; fi || true
	shown=$n
}

in_list() { # WORD LIST: LIST empty or WORD in it
	[ -z "$2" ] && return 0
	case " $(echo $2) " in *" $1 "*) return 0 ;; esac
	return 1
}

# run_config KERNEL-NAME ENGINE: one configuration, booted and reported on
# (its lines on stdout); returns 1 when it failed or did not finish.
run_config() {
	kname=$1
	engine=$2
	case $kname in
	faultinject) kernel_fi && tests=${VM_TESTS:-$VM_TESTS_FI} ;;
	stock) kernel_stock && tests=${VM_TESTS:-$VM_TESTS_STOCK} ;;
	*) say "unknown kernel '$kname' in VM_CONFIGS (faultinject, stock)"; false ;;
	esac || {
		echo "vmcheck $kname $engine: did not run"
		return 1
	}
	cfg=$RUN/$kname-$engine
	mkdir -p "$cfg"
	set -- $tests
	paths=""
	# A bare name is a test of tests/integration/; a path (a script of
	# one's own, say) is taken as it is, relative to the snapshot's top.
	for t in "$@"; do
		case $t in */*) paths="$paths $t" ;; *) paths="$paths tests/integration/$t" ;; esac
	done
	{
		echo "#!/bin/sh"
		echo "# Runs in the guest, chrooted into the host's root."
		echo "cd '$STAGE' || exit 96"
		echo "echo \"vmcheck-guest: kernel \$(uname -r), engine $engine, $# test scripts\""
		echo "out/minderbinder status 2>&1 | sed 's/^/status: /'"
		# A clean environment, as a developer's shell would have it; the
		# engine forced for the helper (MINDERBINDER_ENGINE) and named for
		# the tests (MB_TEST_ENGINE); MB_TEST_VM=tcg tells a test that the
		# CPU is emulated (several times slower than the host), should
		# one want to widen a timing window for it.
		printf '{ env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root'
		printf ' LANG=C.UTF-8 TERM=xterm OUT=out MB_TEST_VM=tcg MB_TEST_ENGINE=%s' "$engine"
		[ "$engine" = auto ] || printf ' MINDERBINDER_ENGINE=%s' "$engine"
		printf ' sh tests/integration/run.sh%s; echo $? > /run/vmcheck.rc; } 2>&1 |\n' "$paths"
		# The guest's clock before each script and at the end: where a slow
		# TCG run spends its time. Lines pass through otherwise untouched.
		cat <<-'EOF'
		while IFS= read -r l; do
			case $l in "-- "* | "integration: "*) echo "vmcheck-time $(cut -d' ' -f1 /proc/uptime)" ;; esac
			printf '%s\n' "$l"
		done
		exit "$(cat /run/vmcheck.rc)"
		EOF
	} > "$cfg/guest.sh"
	: > "$cfg/log"
	: > "$cfg/console"
	echo "== vmcheck $kname $engine ($KERNEL, $# test scripts)"
	t0=$(date +%s)
	boot "$kname" "$KERNEL" "$cfg"
	secs=$(($(date +%s) - t0))
	tr -d '\r' < "$cfg/log" > "$VMDIR/logs/$kname-$engine.log"
	tr -d '\r' < "$cfg/console" > "$VMDIR/logs/$kname-$engine.console"
	cat "$cfg/qemu.err" "$cfg/virtiofsd.log" >> "$VMDIR/logs/$kname-$engine.console" 2> /dev/null || true
	log=$VMDIR/logs/$kname-$engine.log
	# Seconds per test script, from the guest's clock lines.
	awk '/^vmcheck-time / { if (name != "") printf "%6.1f s  %s\n", $2 - t, name; t = $2; name = "" }
		/^-- / { name = $2 }' "$log" > "$VMDIR/logs/$kname-$engine.times"
	summary=$(sed -n 's/^integration: //p' "$log" | tail -1)
	rc=$(sed -n 's/^vmcheck-exit //p' "$log" | tail -1)
	if [ -z "$rc" ]; then
		echo "   the guest did not finish in ${VM_TIMEOUT}s; last lines of $log:"
		tail -5 "$log" | sed 's/^/   | /'
		tail -5 "$VMDIR/logs/$kname-$engine.console" | sed 's/^/   console| /'
		echo "vmcheck $kname $engine: ${summary:-did not finish}${summary:+ (unfinished)}"
		return 1
	elif [ -z "$summary" ]; then
		echo "   the suite did not run (guest exit $rc); last lines of $log:"
		tail -8 "$log" | sed 's/^/   | /'
		echo "vmcheck $kname $engine: did not run"
		return 1
	fi
	echo "   guest: $secs s, log $log"
	echo "vmcheck $kname $engine: $summary"
	[ "$rc" = 0 ]
}

selected=""
for c in $VM_CONFIGS; do
	in_list "${c%%:*}" "$VM_KERNELS" && in_list "${c#*:}" "$VM_ENGINES" && selected="$selected $c"
done
[ -n "$selected" ] || { say "no configuration left by VM_CONFIGS='$VM_CONFIGS' VM_KERNELS='$VM_KERNELS' VM_ENGINES='$VM_ENGINES'"; exit 1; }
configs=$(echo $selected | wc -w)
# The kernels are fetched (or built) once, up front: side by side, two
# configurations would fetch the same package into the same place.
for k in $(for c in $selected; do echo "${c%%:*}"; done | sort -u); do
	case $k in faultinject) kernel_fi || true ;; stock) kernel_stock || true ;; esac
done
t_all=$(date +%s)
if [ "$VM_JOBS" -le 1 ]; then
	failed=0
	for c in $selected; do
		run_config "${c%%:*}" "${c#*:}" || failed=$((failed + 1))
	done
else
	# Side by side, VM_JOBS at a time: each job's report goes to a file
	# of its own and is shown whole when the job ends, so that lines of
	# two guests never mix. The guests' own FAIL lines come with it.
	: > "$RUN/failed"
	pending=$selected
	JOBS=""
	while [ -n "$pending" ] || [ -n "$JOBS" ]; do
		still=""
		for j in $JOBS; do
			pid=${j%%=*}
			c=${j#*=}
			if alive "$pid"; then
				still="$still $j"
			else
				wait "$pid" || echo "$c" >> "$RUN/failed"
				cat "$RUN/report.$(echo "$c" | tr : -)"
			fi
		done
		JOBS=$still
		while [ -n "$pending" ] && [ "$(echo $JOBS | wc -w)" -lt "$VM_JOBS" ]; do
			set -- $pending
			c=$1
			shift
			pending="$*"
			echo "== vmcheck ${c%%:*} ${c#*:}: started"
			(
				BOOT_PID=
				trap 'exit 130' HUP INT TERM
				trap 'if [ -n "$BOOT_PID" ]; then kill -TERM "$BOOT_PID" 2> /dev/null; wait "$BOOT_PID" 2> /dev/null; fi' EXIT
				run_config "${c%%:*}" "${c#*:}"
			) > "$RUN/report.$(echo "$c" | tr : -)" 2>&1 &
			JOBS="$JOBS $!=$c"
		done
		[ -z "$JOBS" ] || sleep 2
	done
	failed=$(wc -l < "$RUN/failed")
fi
say "$((configs - failed)) of $configs configurations passed ($(($(date +%s) - t_all)) s)"
[ "$failed" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The first piece of the VM tier (issue 5): boots a kernel under QEMU
# (TCG: KVM does not work on these machines) with an initramfs packed from
# busybox and the built binaries with their libraries, runs minderbinder's
# smoke checks inside, and reads the verdict from the serial console.
#
#   make vm-smoke [KERNEL=../shared/vm/bzImage-6.12-faultinject]
#
# Not yet `make vmcheck`: the full integration suite inside the guest and
# the BPF syscall engines come with issue 5.
set -eu
OUT=$(cd "${OUT:-build}" && pwd)
KERNEL=${KERNEL:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/vm/bzImage-6.12-faultinject}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[ -r "$KERNEL" ] || { echo "NOT RUN vm-smoke: no kernel at $KERNEL"; exit 0; }
for p in qemu-system-x86 busybox-static cpio; do
	dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'ok installed' ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $p >/dev/null
done

R=$WORK/root
mkdir -p "$R/bin" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/mb"
cp /bin/busybox "$R/bin/"
for a in sh mount mkdir cat echo ip reboot true grep; do ln -s busybox "$R/bin/$a"; done
cp "$OUT/minderbinder" "$OUT/mb-helper" "$OUT/libmbpreload.so" "$R/mb/"
# their shared libraries, at the paths the loader looks for them
for b in "$R"/mb/*; do ldd "$b"; done | awk '/=> \// {print $3} /^\t\// {print $1}' | sort -u |
	while read -r lib; do mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"; done
echo vm > "$R/etc/hostname"
cat > "$R/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /sys/fs/cgroup /sys/fs/bpf
mount -t cgroup2 none /sys/fs/cgroup; mount -t bpf bpf /sys/fs/bpf; mount -t tmpfs tmp /tmp
ip link set lo up
check() { name=$1; shift; if "$@"; then echo "VM PASS $name"; else echo "VM FAIL $name"; fi; }
echo "VM kernel $(cat /proc/sys/kernel/osrelease)"
/mb/minderbinder status > /tmp/status 2>&1; cat /tmp/status
check "status probes the kernel (seccomp available)" grep -q "seccomp   available" /tmp/status
/mb/minderbinder run -s openat:-2 -- cat /etc/hostname > /tmp/o1 2>&1
check "seed example through run (static busybox cat): ENOENT" grep -q "No such file" /tmp/o1
/mb/minderbinder run -s "openat:EACCES:path=/etc/host*" -- cat /etc/hostname > /tmp/o2 2>&1
check "supervised path= rule: EACCES" grep -q "Permission denied" /tmp/o2
/mb/minderbinder run -n tcp:9:refuse -- true > /tmp/o3 2>&1
check "network engines load and attach (cgroup, tc)" test $? = 0
echo "VM done"
reboot -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1 > "$WORK/initramfs.gz")
timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 1G -nographic -no-reboot \
	-kernel "$KERNEL" -initrd "$WORK/initramfs.gz" \
	-append "console=ttyS0 quiet panic=-1" > "$WORK/console" 2>&1 || true
tr -d '\r' < "$WORK/console" | grep -E 'VM |^  [a-z_]+ +(available|unavailable|kernel has)'
grep -q '^VM done' "$WORK/console" || { echo "vm-smoke: the guest did not finish"; exit 1; }
p=$(grep -c '^VM PASS' "$WORK/console" || true)
f=$(grep -c '^VM FAIL' "$WORK/console" || true)
echo "vm-smoke: $p passed, $f failed"
[ "$f" = 0 ]

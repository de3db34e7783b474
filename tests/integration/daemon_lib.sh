# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by test_daemon*.sh: the node daemon (mb-helper --daemon) started
# from this test's copy of the helper, and "containers" made for real from
# namespaces (pid, mount, network and, where the kernel allows, user) with
# a root of their own built from bind mounts: /usr (and the /lib, /bin
# links into it), the build's agent and test programs, a shared scratch
# directory and the daemon's socket. No mb-helper is inside.
. "$(dirname "$0")/agent_lib.sh"

DAEMON_PID=""
CGROUPS=""
daemon_cleanup() {
	[ -n "$DAEMON_PID" ] && kill -KILL $DAEMON_PID 2>/dev/null
	for p in ${KILL_AT_EXIT:-}; do kill -KILL "$p" 2>/dev/null; done
	for c in $CGROUPS; do rmdir "$c" 2>/dev/null; done
	mb_cleanup
}

# start_daemon LOG ARG...: $HELPER --daemon ARG... in the background,
# DAEMON_PID its pid; waits until its socket ($SOCK) answers. 1 if it did
# not start (LOG says why).
start_daemon() {
	sd_log=$1
	shift
	"$HELPER" --daemon "$@" >> "$sd_log" 2>&1 &
	DAEMON_PID=$!
	wait_for 100 sh -c '[ -S "$1" ] && grep -q "serving" "$2"' _ "$SOCK" "$sd_log" ||
		{ kill -0 $DAEMON_PID 2>/dev/null || DAEMON_PID=""; return 1; }
}

stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -"${1:-TERM}" $DAEMON_PID 2>/dev/null
	wait $DAEMON_PID 2>/dev/null
	DAEMON_PID=""
}

# policy FILE LINE...: FILE, root's and mode 644, one LINE a line.
policy() {
	pf=$1
	shift
	printf '%s\n' "$@" > "$pf"
	chown root:root "$pf"
	chmod 644 "$pf"
}

# userns_ok: the kernel lets root make a user namespace here.
userns_ok() { unshare --user true 2>/dev/null; }

# container_setup: the script that turns a fresh set of namespaces into a
# container ($T/enter.sh), the files it mounts in ($T/cfiles), and the
# shared directory $SHARE (/share inside; $SHARE/w is mkdirat's).
container_setup() {
	SHARE=$T/share
	mkdir -p "$SHARE/w"
	chmod 777 "$SHARE" "$SHARE/w"
	: > "$T/cfiles"
	for f in "$@"; do echo "$f" >> "$T/cfiles"; done
	# A user namespace as a container runtime makes it: the runtime (host
	# root) writes the map from outside, then the process becomes the
	# namespace's root before it execs anything (an exec with an unmapped
	# uid would drop every capability).
	cat > "$T/userns.py" <<'SCRIPT'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
base = int(sys.argv[1])
r, w = os.pipe()
r2, w2 = os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(0x10000000) != 0:
        os._exit(98)
    os.write(w, b"u")
    os.read(r2, 1)
    os.setgroups([])
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)
    os.execvp(sys.argv[2], sys.argv[2:])
os.read(r, 1)
for m in ("uid_map", "gid_map"):
    with open("/proc/%d/%s" % (pid, m), "w") as f:
        f.write("0 %d 65536\n" % base)
os.write(w2, b"g")
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
SCRIPT
	cat > "$T/enter.sh" <<'SCRIPT'
# enter.sh ROOT SOCK SHARE FILES CMD...: in new namespaces, build ROOT and
# run CMD chrooted in it.
R=$1 sock=$2 share=$3 files=$4
shift 4
set -e
mount -t tmpfs -o mode=755 tmpfs "$R"
mkdir -p "$R/usr" "$R/proc" "$R/mb" "$R/share" "$R/run/minderbinder" "$R/dev" "$R/tmp"
for l in lib lib64 bin sbin; do
	if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$R/$l"; elif [ -d "/$l" ]; then mkdir "$R/$l" && mount --rbind "/$l" "$R/$l"; fi
done
mount --rbind /usr "$R/usr"
# An installed set-uid helper must not be inside: a container image has none.
if [ -d "$R/usr/local/libexec/minderbinder" ]; then mount -t tmpfs tmpfs "$R/usr/local/libexec/minderbinder"; fi
while read -r f; do
	touch "$R/mb/${f##*/}"
	mount --bind "$f" "$R/mb/${f##*/}"
done < "$files"
mount --bind "$share" "$R/share"
touch "$R/run/minderbinder/helper.sock" "$R/dev/null"
mount --bind "$sock" "$R/run/minderbinder/helper.sock"
mount --bind /dev/null "$R/dev/null"
mount -t proc proc "$R/proc"
ip link set lo up
exec chroot "$R" "$@"
SCRIPT
}

# container NAME [CGROUP] -- CMD...: CMD (paths inside: /mb/..., /share/...)
# in a new container, in the background, as the container's root (host uid
# $UBASE when USERNS=1); its output in $T/NAME.out, its outermost pid CPID.
# CGROUP: a cgroup v2 directory it starts in.
container() {
	cn=$1
	shift
	cg=
	if [ "$1" != -- ]; then cg=$1; shift; fi
	shift
	mkdir -p "$T/root.$cn"
	wrap=
	if [ "$USERNS" = 1 ]; then wrap="/usr/bin/python3 $T/userns.py $UBASE"; fi
	sh -c 'if [ -n "$1" ]; then echo 0 > "$1/cgroup.procs" || exit 99; fi; shift; exec "$@"' _ "$cg" \
		$wrap unshare --pid --fork --mount --net --propagation private \
		sh "$T/enter.sh" "$T/root.$cn" "$SOCK" "$SHARE" "$T/cfiles" "$@" \
		> "$T/$cn.out" 2>&1 &
	CPID=$!
	KILL_AT_EXIT="${KILL_AT_EXIT:-} $CPID"
}

# global_of NSPID: the global pid of the process whose innermost pid is
# NSPID in a nested pid namespace (the first such, if several).
globals_of() {
	for st in /proc/[0-9]*/status; do
		awk -v x="$1" '$1 == "NSpid:" && NF > 2 && $NF == x { print $2 }' "$st" 2>/dev/null
	done
}

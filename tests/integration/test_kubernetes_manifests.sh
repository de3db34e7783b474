# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Issue 15: examples/kubernetes, checked offline, since no cluster is
# reachable here: every YAML document parses and is valid against the
# Kubernetes API's own types (python3-kubernetes), and holds the paths,
# flags and variables the built tree uses: MB_BPFFS_ROOT and MB_PIN_DIR
# (build/gen/pins.sh), the daemon's socket and policy (pins.h, where the
# daemon has landed; else the documented defaults), the registry lock
# (registry.h), the variables the agent reads (its sources and the built
# libmbpreload.so), the libraries the binaries need (readelf, dpkg). Then
# the pod's rules are given to the built agent here and must fault what
# the README says they fault; where this tree has the daemon, it must
# accept the ConfigMap's policy.ini (and refuse a broken one), and the demo
# pod, simulated with a cgroup and a pid namespace, must get its fault
# through it, or its refusal. Last, the checker must fail on each of
# fifteen broken copies of the manifests.
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
K8S=$REPO/examples/kubernetes
CHECK=$REPO/tests/integration/kubernetes_manifests.py
PY=/usr/bin/python3
TMP=$(mktemp -d)
DAEMON_PID=""
cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2> /dev/null
	wait 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# python3-yaml and python3-kubernetes: Makefile DEB_PACKAGES.
if ! $PY -c 'import yaml, kubernetes.client' 2> "$TMP/import"; then
	fail "kubernetes: python3-yaml and python3-kubernetes (make deps)" "$(lines "$TMP/import")"
	exit 0
fi

# --- what the built tree says -------------------------------------------------
# The agent's variables: string literals in the sources it is built from,
# that the built library carries too.
AGENT_ENV=""
for v in $(grep -ho '"MINDERBINDER_[A-Z0-9_]*"' "$REPO"/preload/*.c "$REPO"/backend/lib/*.[ch] \
	"$REPO"/include/minderbinder/*.h | tr -d '"' | sort -u); do
	grep -aq "$v" "$OUT/libmbpreload.so" && AGENT_ENV="$AGENT_ENV $v"
done
LOCK=$(sed -n 's/^#define MB_REGISTRY_LOCK_PATH "\(.*\)"$/\1/p' "$REPO/backend/registry/registry.h")
LIBEXECDIR=$(sed -n 's/^#define MB_LIBEXECDIR "\(.*\)"$/\1/p' "$OUT/gen/mb_paths.h")
DAEMON_HELP=$("$OUT/mb-helper" --daemon --help 2>&1) && DAEMON=1 || DAEMON=0
if [ $DAEMON = 1 ] && [ -n "${MB_DAEMON_SOCKET:-}" ]; then
	SOCKET_FROM="pins.h MB_DAEMON_SOCKET"
else
	SOCKET_FROM="the documented default: this tree has no daemon yet"
fi
# Each library the three binaries need, and the package that has it here.
NEEDED=""
for b in mb-helper minderbinder libmbpreload.so; do
	for lib in $(readelf -d "$OUT/$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		path=$(ldd "$OUT/$b" | awk -v l="$lib" '$1 == l { print $3 }')
		pkg=$(dpkg -S "$(readlink -f "$path")" 2> /dev/null | sed -n '1s/:.*//p')
		[ -z "$pkg" ] && pkg=$(dpkg -S "$path" 2> /dev/null | sed -n '1s/:.*//p')
		NEEDED="$NEEDED $lib=${pkg:-unknown}=$b"
	done
done
. /etc/os-release
export OUT MB_BPFFS_ROOT MB_PIN_DIR LOCK LIBEXECDIR DAEMON DAEMON_HELP SOCKET_FROM AGENT_ENV NEEDED VERSION_ID
export MB_DAEMON_SOCKET="${MB_DAEMON_SOCKET:-/run/minderbinder/helper.sock}"
export MB_DAEMON_POLICY="${MB_DAEMON_POLICY:-/etc/minderbinder/policy.ini}"
export MB_SOCKET_VAR="${MB_SOCKET_VAR:-MINDERBINDER_SOCKET}"
export MB_VERSION="$(cat "$REPO/VERSION")"
$PY -c '
import json, os
e = os.environ
needed, by = {}, {}
for item in e["NEEDED"].split():
    lib, pkg, b = item.split("=")
    needed[lib] = pkg
    by.setdefault(lib, []).append(b)
print(json.dumps({
    "out": e["OUT"], "bpffs": e["MB_BPFFS_ROOT"], "pin_dir": e["MB_PIN_DIR"],
    "cgroup": "/sys/fs/cgroup", "lock": e["LOCK"], "libexecdir": e["LIBEXECDIR"],
    "socket": e["MB_DAEMON_SOCKET"], "socket_from": e["SOCKET_FROM"],
    "policy": e["MB_DAEMON_POLICY"],
    "policy_from": "pins.h MB_DAEMON_POLICY" if e["DAEMON"] == "1" else "the documented default",
    "socket_var": e["MB_SOCKET_VAR"], "agent_env": e["AGENT_ENV"].split(),
    "daemon": e["DAEMON"] == "1", "daemon_flags": e["DAEMON_HELP"],
    "version": e["MB_VERSION"], "debian": e["VERSION_ID"], "needed": needed, "needed_by": by}))' \
	> "$TMP/facts.json"
if [ -z "$LOCK" ] || [ -z "$LIBEXECDIR" ] || [ -z "$AGENT_ENV" ] || ! grep -q '"needed": {"' "$TMP/facts.json"; then
	fail "kubernetes: what the built tree says" "lock '$LOCK', libexecdir '$LIBEXECDIR', agent variables '$AGENT_ENV', libraries '$NEEDED'"
	exit 0
fi

# --- the manifests ----------------------------------------------------------------
# relay FILE: the checker's lines, counted as this test's.
relay() {
	while IFS= read -r line; do
		case $line in
		"PASS "*) pass "kubernetes: ${line#PASS }" ;;
		"FAIL "*) r=${line#FAIL }; fail "kubernetes: ${r%%: *}" "${r#*: }" ;;
		"NOT RUN "*) r=${line#NOT RUN }; notrun "kubernetes: ${r%%: *}" "${r#*: }" ;;
		esac
	done < "$1"
}
if ! $PY "$CHECK" "$K8S" "$TMP/facts.json" "$TMP/policy.ini" > "$TMP/check" 2> "$TMP/check.err"; then
	fail "kubernetes: the checker runs" "$(tail -3 "$TMP/check.err" | tr '\n' '|')"
	exit 0
fi
relay "$TMP/check"

# --- the pod's rules, given to the built agent here ---------------------------------
# What the opted-in container runs, cat /etc/hostname, with its variables
# (LD_PRELOAD and the socket are the pod's paths: ours here): it must fail
# as the README says, and the not-opted-in container's must not.
APP_ENV=$(sed -n 's/^APP_ENV //p' "$TMP/check")
if [ "$(id -u)" != 0 ]; then
	notrun "kubernetes: the pod's rules fault cat /etc/hostname here" "needs root (the helper registers)"
elif [ -z "$APP_ENV" ]; then
	fail "kubernetes: the pod's rules fault cat /etc/hostname here" "the checker found no opted-in container"
else
	$PY -c 'import json, os, sys
env = dict(os.environ, **json.loads(sys.argv[1]), LD_PRELOAD=sys.argv[2])
os.execvpe("cat", ["cat", "/etc/hostname"], env)' "$APP_ENV" "$OUT/libmbpreload.so" > "$TMP/app" 2>&1
	rc=$?
	cat /etc/hostname > "$TMP/sidecar" 2>&1
	src=$?
	name="kubernetes: the pod's rules ($APP_ENV) make cat /etc/hostname fail with ENOENT; unopted, it reads the file"
	if [ $rc = 1 ] && grep -q '^cat: /etc/hostname: No such file or directory$' "$TMP/app" && [ $src = 0 ] &&
		grep -q . "$TMP/sidecar"; then
		pass "$name"
	else
		fail "$name" "opted in: exit $rc $(lines "$TMP/app"); not: exit $src"
	fi
fi

# --- the ConfigMap's policy.ini, read by the daemon -----------------------------------
# start_daemon NAME POLICY: the built daemon on $TMP/run/NAME.sock, its
# output in $TMP/NAME, until it serves the socket or exits (DAEMON_PID);
# stop_daemon ends it.
start_daemon() {
	"$OUT/mb-helper" --daemon --socket "$TMP/run/$1.sock" --policy "$2" > "$TMP/$1" 2>&1 &
	DAEMON_PID=$!
	up() { [ -S "$TMP/run/$1.sock" ] || ! kill -0 "$DAEMON_PID" 2> /dev/null; }
	wait_for 100 up "$1"
}
stop_daemon() {
	kill "$DAEMON_PID" 2> /dev/null
	wait "$DAEMON_PID" 2> /dev/null
	DAEMON_PID=""
}
if [ $DAEMON = 0 ]; then
	notrun "kubernetes: the daemon accepts the ConfigMap's policy.ini" "this tree has no daemon yet (mb-helper --daemon)"
elif [ "$(id -u)" != 0 ]; then
	notrun "kubernetes: the daemon accepts the ConfigMap's policy.ini" "needs root"
elif [ ! -s "$TMP/policy.ini" ]; then
	fail "kubernetes: the daemon accepts the ConfigMap's policy.ini" "the checker wrote no policy.ini"
else
	chmod 0644 "$TMP/policy.ini"
	mkdir -m 0755 "$TMP/run"
	start_daemon good "$TMP/policy.ini"
	name="kubernetes: the daemon accepts the ConfigMap's policy.ini and serves its socket"
	if [ -S "$TMP/run/good.sock" ] && kill -0 "$DAEMON_PID" 2> /dev/null; then
		pass "$name"
	else
		fail "$name" "$(lines "$TMP/good")"
	fi
	stop_daemon
	# And the same check fails on a broken policy: the daemon refuses to
	# start, naming the file and line.
	sed 's/^allow_uids =/allow_uid =/' "$TMP/policy.ini" > "$TMP/bad.ini"
	chmod 0644 "$TMP/bad.ini"
	line=$(grep -n '^allow_uid =' "$TMP/bad.ini" | cut -d: -f1)
	start_daemon bad "$TMP/bad.ini"
	# Its own exit status (2), or 143: we had to end it.
	kill "$DAEMON_PID" 2> /dev/null
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=""
	name="kubernetes: the daemon refuses the policy.ini with allow_uid for allow_uids, naming bad.ini:$line"
	if [ $rc != 0 ] && [ $rc != 143 ] && grep -q "bad.ini:$line: .*allow_uid" "$TMP/bad"; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(lines "$TMP/bad")"
	fi
fi

# --- the demo pod, simulated: its policy, its variables, the daemon ------------------
# Where this tree has the daemon: it serves the ConfigMap's policy.ini, and
# a "pod" is made as the kubelet would make it: a cgroup under the
# policy's BestEffort prefix, a new pid namespace, uid 1000 (its
# securityContext), no set-uid helper, the agent and the socket where its
# variables say (our paths here). The opted-in container's cat fails, the
# sidecar's does not, and the same container as uid 2000 is refused by
# the policy (exit 125, naming the policy line).
CG2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
	/proc/self/mountinfo)
POD_CG=$CG2/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podmbtest$$.slice
pod_cleanup() {
	[ -e "$POD_CG/cgroup.kill" ] && echo 1 > "$POD_CG/cgroup.kill"
	cg_empty() { ! grep -q 'populated 1' "$POD_CG/cgroup.events" 2> /dev/null; }
	wait_for 50 cg_empty
	rmdir "$POD_CG" 2> /dev/null
	rmdir "$CG2/kubepods.slice/kubepods-besteffort.slice" "$CG2/kubepods.slice" 2> /dev/null
}
if [ $DAEMON = 0 ] || [ "$(id -u)" != 0 ] || [ ! -s "$TMP/policy.ini" ]; then
	notrun "kubernetes: the demo pod, simulated with namespaces, through the daemon" \
		"needs root and the daemon (mb-helper --daemon) in this tree"
elif [ -z "$CG2" ] || [ -e "$CG2/kubepods.slice" ] || ! command -v setpriv > /dev/null; then
	notrun "kubernetes: the demo pod, simulated with namespaces, through the daemon" \
		"needs setpriv and a writable cgroup v2 mount without a kubepods.slice of its own (${CG2:-none})"
else
	chmod 0755 "$TMP"
	mkdir -m 0755 -p "$TMP/pod/minderbinder" "$TMP/run"
	cp "$OUT/libmbpreload.so" "$TMP/pod/minderbinder/"
	start_daemon helper "$TMP/policy.ini"
	mkdir -p "$POD_CG"
	# in_pod UID CMD...: CMD as UID, in the pod's cgroup and a new pid namespace.
	in_pod() {
		u=$1
		shift
		sh -c 'echo $$ > "$0/cgroup.procs" && exec unshare -p -f --mount-proc "$@"' "$POD_CG" \
			setpriv --reuid="$u" --regid="$u" --clear-groups "$@"
	}
	run_app() {
		in_pod "$1" $PY -c 'import json, os, sys
env = dict(os.environ, **json.loads(sys.argv[1]), LD_PRELOAD=sys.argv[2], MINDERBINDER_SOCKET=sys.argv[3])
env.pop("MINDERBINDER_HELPER", None)
os.execvpe("cat", ["cat", "/etc/hostname"], env)' "$APP_ENV" "$TMP/pod/minderbinder/libmbpreload.so" "$TMP/run/helper.sock"
	}
	run_app 1000 > "$TMP/pod.app" 2>&1
	arc=$?
	in_pod 1000 cat /etc/hostname > "$TMP/pod.sidecar" 2>&1
	src=$?
	run_app 2000 > "$TMP/pod.refused" 2>&1
	rrc=$?
	pline=$(grep -n '^allow_uids' "$TMP/policy.ini" | cut -d: -f1)
	name="kubernetes: the demo pod, simulated (uid 1000, cgroup ${POD_CG#"$CG2"}, own pid namespace): app's cat fails with ENOENT through the daemon, sidecar's reads the file"
	if [ $arc = 1 ] && grep -q '^cat: /etc/hostname: No such file or directory$' "$TMP/pod.app" && [ $src = 0 ]; then
		pass "$name"
	else
		fail "$name" "app: exit $arc $(lines "$TMP/pod.app"); sidecar: exit $src $(lines "$TMP/pod.sidecar"); daemon: $(lines "$TMP/helper")"
	fi
	name="kubernetes: the demo pod as uid 2000: the ConfigMap's policy refuses it (exit 125, naming policy.ini:$pline)"
	if [ $rrc = 125 ] && grep -q "policy.ini:$pline" "$TMP/pod.refused"; then
		pass "$name"
	else
		fail "$name" "exit $rrc: $(lines "$TMP/pod.refused")"
	fi
	stop_daemon
	pod_cleanup
fi

# --- the checker fails on broken manifests ---------------------------------------------
# broken WHAT FILE OLD NEW WANT: a copy with OLD replaced by NEW in FILE (it
# must be there once) gets a FAIL line that says WANT.
broken() {
	rm -rf "$TMP/b" && cp -r "$K8S" "$TMP/b"
	if ! $PY -c 'import sys
p, old, new = sys.argv[1:4]
s = open(p).read()
assert s.count(old) == 1, "%r is in %s %d times" % (old, p, s.count(old))
open(p, "w").write(s.replace(old, new))' "$TMP/b/$2" "$3" "$4" 2> "$TMP/b.err"; then
		fail "kubernetes: broken ($1): make the copy" "$(tail -1 "$TMP/b.err")"
		return
	fi
	$PY "$CHECK" "$TMP/b" "$TMP/facts.json" > "$TMP/b.out" 2>&1
	if grep '^FAIL ' "$TMP/b.out" | grep -qF -- "$5"; then
		pass "kubernetes: the checker fails when $1 (it says '$5')"
	else
		fail "kubernetes: the checker fails when $1" "no FAIL line saying '$5': $(grep -v '^PASS' "$TMP/b.out" | tr '\n' '|' | cut -c1-600)"
	fi
}
broken "a YAML file does not parse" daemonset.yaml "      tolerations:" "      tolerations: [" \
	"every YAML file parses (daemonset.yaml demo-pod.yaml namespace.yaml policy-configmap.yaml): daemonset.yaml: "
broken "a field is misspelt" daemonset.yaml "mountPropagation:" "mountPropogation:" "did you mean 'mountPropagation'"
broken "a required field is missing (the sidecar's image)" demo-pod.yaml \
	"    - name: sidecar
      image: debian:12-slim" "    - name: sidecar" "image"
broken "a volumeMount names no declared volume" demo-pod.yaml \
	"        - name: agent
          mountPath: /minderbinder
          readOnly: true" "        - name: agnet
          mountPath: /minderbinder
          readOnly: true" "mounts volume 'agnet', which is not declared"
broken "the selector does not match the labels" daemonset.yaml \
	"  selector:
    matchLabels:
      app.kubernetes.io/name: minderbinder-node" "  selector:
    matchLabels:
      app.kubernetes.io/name: minderbinder" "is not a label of the template"
broken "a variable is one the agent does not read" demo-pod.yaml "name: MINDERBINDER_SYSCALL" \
	"name: MINDERBINDER_SYSCALLS" "MINDERBINDER_SYSCALLS is not a variable the agent reads (did you mean MINDERBINDER_SYSCALL?)"
broken "LD_PRELOAD is not where the init container copies the agent" demo-pod.yaml \
	"value: /minderbinder/libmbpreload.so" "value: /minderbinder/lib/libmbpreload.so" "LD_PRELOAD=/minderbinder/lib/libmbpreload.so, but the agent is at"
broken "bpffs is mounted from another host path" daemonset.yaml "path: /sys/fs/bpf" "path: /sys/fs/bpf2" \
	"is mounted from '/sys/fs/bpf2'"
broken "the daemon's --socket is not the code's" daemonset.yaml "- /run/minderbinder/helper.sock" \
	"- /run/minderbinder/daemon.sock" "--socket /run/minderbinder/daemon.sock"
broken "the pod's socket is not the node's" demo-pod.yaml "path: /run/minderbinder/helper.sock" \
	"path: /run/helper.sock" "is mounted from '/run/helper.sock'"
broken "the daemon is not hostPID" daemonset.yaml "hostPID: true" "hostPID: false" "hostPID is not true"
broken "the policy is a whole ConfigMap volume" daemonset.yaml \
	"              mountPath: /etc/minderbinder/policy.ini
              subPath: policy.ini" "              mountPath: /etc/minderbinder/policy.ini" "mount the key with subPath"
broken "the sidecar is opted in too" demo-pod.yaml \
	"      command: [\"sh\", \"-c\", \"while :; do cat /etc/hostname; sleep 5; done\"]
  volumes:" "      command: [\"sh\", \"-c\", \"while :; do cat /etc/hostname; sleep 5; done\"]
      env:
        - name: LD_PRELOAD
          value: /minderbinder/libmbpreload.so
  volumes:" "one container opted in, another not"
broken "the image lacks a package a binary needs" Dockerfile "libbpf1 libinih1" "libbpf1" "needs package libinih1"
broken "the image puts mb-helper where the build does not look" Dockerfile \
	"/usr/local/libexec/minderbinder/mb-helper" "/usr/local/bin/mb-helper" "the build's MB_LIBEXECDIR is"

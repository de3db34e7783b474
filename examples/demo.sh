#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `make demo`: real faults in real programs, each next to the same command
# without minderbinder.
set -u
OUT=$(cd "${OUT:-build}" && pwd)
AGENT=$OUT/libmbpreload.so
MB=$OUT/minderbinder

if [ "$(id -u)" != 0 ] && [ ! -u "$OUT/mb-helper" ]; then
	echo "demo: run as root, or install the helper setuid root (make install)" >&2
	exit 1
fi

show() { printf '\n$ %s\n' "$*"; sh -c "$*" 2>&1; printf '[exit status %s]\n' $?; }

echo "== 1. The original project's example: openat fails with ENOENT (-2), for this cat only"
show "cat /etc/hostname"
show "MINDERBINDER_SYSCALL=openat:-2 LD_PRELOAD=$AGENT cat /etc/hostname"

echo
echo "== 2. A probabilistic fault: 30% of reads of /etc/hostname fail, repeatably (seed=3)"
show "MINDERBINDER_SYSCALL='openat:EIO:rate=30%:seed=3:path=/etc/hostname' LD_PRELOAD=$AGENT \
sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do cat /etc/hostname >/dev/null 2>&1 && printf ok. || printf FAIL.; done; echo'"

echo
echo "== 3. A path-scoped fault through the CLI: only /etc/os-* is refused"
show "$MB run -s 'openat:EACCES:path=/etc/os-*' -- sh -c 'head -c 20 /etc/hostname; echo; head -1 /etc/os-release'"

echo
echo "== 4. A bad spec is refused whole, naming the token"
show "MINDERBINDER_SYSCALL='openat:ENOENT;opennat:EIO' LD_PRELOAD=$AGENT cat /etc/hostname"

echo
echo "== 5. Network faults: a refused and a dropped connection to a local HTTP server"
PY=/usr/bin/python3
$PY -m http.server 18765 --bind 127.0.0.1 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
sleep 1
GET="$PY -c 'import urllib.request as u
try: print(u.urlopen(\"http://127.0.0.1:18765/\", timeout=2).status)
except Exception as e: raise SystemExit(e)'"
show "$GET"
show "MINDERBINDER_NET=tcp:18765:refuse LD_PRELOAD=$AGENT $GET"
show "MINDERBINDER_NET=tcp:18765:drop LD_PRELOAD=$AGENT $GET"
show "$MB run -n 'tcp:18765:ETIMEDOUT' -- $GET"

#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# path= on a syscall whose argument is a descriptor (issue 13, part 1): the
# descriptor's current path (/proc/TID/fd/N, read by the supervisor) is
# matched. sqlite3's pwrite64 to its database, a shell redirect's write,
# pipes, sockets and eventfds that never match, a file unlinked while
# open, a descriptor number reused for another file, the refusal of path=
# where there is neither a path nor a descriptor, and status/stats naming
# the engine.
. "$(dirname "$0")/agent_lib.sh"

need_root "fd path: minderbinder run" || exit 0
mb_setup "fd path: setup"

# --- sqlite3: the database's writes fail, the process's other writes work ------
name="fd path: sqlite3 'pwrite64:ENOSPC:path=*/t.db' fails the INSERT with 'database or disk is full'"
if ! command -v sqlite3 > /dev/null; then
	notrun "$name" "no sqlite3 (Debian's sqlite3; make deps installs it)"
else
	D=$T/sq
	mkdir "$D"
	sqlite3 "$D/t.db" "CREATE TABLE x(a TEXT);"
	# One process: other.db is written (pwrite64 too) before and after the
	# insert into t.db, stdout is a file too; stdin keeps the CLI going
	# after the error.
	printf '%s\n' "ATTACH '$D/other.db' AS o;" "CREATE TABLE o.y(a);" \
		"INSERT INTO o.y VALUES('first');" "INSERT INTO x VALUES('lost');" \
		"INSERT INTO o.y VALUES('second');" "SELECT 'stdout works';" |
		$MB run -s 'pwrite64:ENOSPC:path=*/t.db' -- sqlite3 "$D/t.db" > "$D/out" 2> "$D/err"
	rc=$?
	if [ $rc != 0 ] && grep -q 'database or disk is full' "$D/err"; then
		pass "$name (exit $rc)"
	else
		# Which syscall did it write its pages with, if not pwrite64?
		used=$(strace -f -qq -e trace=write,pwrite64,pwritev,pwritev2,writev -o /dev/stdout \
			sqlite3 "$D/t.db" "INSERT INTO x VALUES('probe'); DELETE FROM x;" 2>&1 |
			sed -n 's/^[0-9]* *\([a-z0-9]*\)(3,.*/\1/p' | sort -u | tr '\n' ' ')
		fail "$name" "exit $rc, stderr '$(lines "$D/err")'; strace says it writes t.db (fd 3) with: $used"
	fi
	name="fd path: sqlite3's other writes in the same process work (other.db, stdout to a file)"
	if [ "$(sqlite3 "$D/other.db" 'SELECT a FROM y;' | tr '\n' ' ')" = "first second " ] &&
		grep -qx 'stdout works' "$D/out"; then
		pass "$name"
	else
		fail "$name" "other.db '$(sqlite3 "$D/other.db" 'SELECT a FROM y;' 2>&1 | tr '\n' ' ')', stdout '$(lines "$D/out")'"
	fi
	name="fd path: sqlite3 t.db afterwards (no rule): PRAGMA integrity_check is ok, the insert is not there"
	got=$(sqlite3 "$D/t.db" 'PRAGMA integrity_check; SELECT count(*) FROM x;' 2>&1 | tr '\n' ' ')
	if [ "$got" = "ok 0 " ]; then
		pass "$name"
	else
		fail "$name" "got '$got', want 'ok 0 '"
	fi
fi

# --- a shell redirect ------------------------------------------------------------
# stdout is the $(...) pipe: it never matches, even path=*.
out=$($MB run -s 'write:EIO:path=*/out.txt' -- sh -c \
	'echo lost > "$1"; echo "redirect $?"; echo kept > "$2"; echo "other $?"' sh \
	"$T/out.txt" "$T/other.txt" 2> "$T/redir.err")
name="fd path: 'write:EIO:path=*/out.txt' fails the redirect's write, not stdout's nor another file's"
if [ "$out" = "redirect 1
other 0" ] && [ ! -s "$T/out.txt" ] && [ "$(cat "$T/other.txt")" = kept ] &&
	grep -q 'I/O error' "$T/redir.err"; then
	pass "$name"
else
	fail "$name" "stdout '$(echo "$out" | tr '\n' '|')', out.txt '$(cat "$T/out.txt")', other.txt '$(cat "$T/other.txt")', stderr '$(lines "$T/redir.err")'"
fi

# --- what has no path, what was unlinked, what was reopened -------------------------
if ! command -v python3 > /dev/null; then
	notrun "fd path: pipes, sockets, eventfds, unlinked and reused descriptors" "no python3"
else
	# path=* matches any file: the file write proves the rule is live.
	cat > "$T/nopath.py" << 'EOF'
import os, socket, sys
def w(what, fd, data=b"x"):
    try:
        os.write(fd, data)
        print(what, "ok")
    except OSError as e:
        print(what, "errno", e.errno)
r, wp = os.pipe(); w("pipe", wp); os.read(r, 1)
a, b = socket.socketpair(); w("socket", a.fileno()); b.recv(1)
e = os.eventfd(0); w("eventfd", e, (1).to_bytes(8, "little"))
f = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644); w("file", f)
sys.stdout.flush()
EOF
	out=$($MB run -s 'write:EIO:path=*' -- python3 "$T/nopath.py" "$T/any.file" 2>&1)
	name="fd path: 'write:EIO:path=*' never matches a pipe, a socket or an eventfd (a file it does)"
	if [ "$out" = "pipe ok
socket ok
eventfd ok
file errno 5" ]; then
		pass "$name"
	else
		fail "$name" "got '$(echo "$out" | tr '\n' '|')'"
	fi

	cat > "$T/reuse.py" << 'EOF'
import os, sys
def w(what, fd):
    try:
        os.write(fd, b"x")
        print(what, fd == first, "ok")
    except OSError as e:
        print(what, fd == first, "errno", e.errno)
first = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
w("a", first)
os.close(first)
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT, 0o644)
w("b", fd)
os.close(fd)
fd = os.open(sys.argv[1], os.O_WRONLY)
os.unlink(sys.argv[1])
w("a-unlinked", fd)
os.close(fd)
# unlinked while another link to it is left: still the name it had
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
os.link(sys.argv[1], sys.argv[2] + ".link")
os.unlink(sys.argv[1])
w("a-unlinked-linked", fd)
os.close(fd)
# a live file whose name really ends in " (deleted)": its whole name
fd = os.open(sys.argv[3] + " (deleted)", os.O_WRONLY | os.O_CREAT, 0o644)
w("c-live", fd)
sys.stdout.flush()
EOF
	out=$($MB run -s 'write:EIO:path=*/a.txt;write:ENOSPC:path=*/c.txt' -- \
		python3 "$T/reuse.py" "$T/a.txt" "$T/b.txt" "$T/c.txt" 2>&1)
	name="fd path: the descriptor's path now: its number reused for b.txt does not match, a.txt unlinked while open does (another link left or not), a live 'c.txt (deleted)' is not c.txt"
	if [ "$out" = "a True errno 5
b True ok
a-unlinked True errno 5
a-unlinked-linked True errno 5
c-live True ok" ]; then
		pass "$name"
	else
		fail "$name" "got '$(echo "$out" | tr '\n' '|')'"
	fi
fi

# --- refused: neither a path nor a descriptor -----------------------------------------
$MB run -s 'getpid:EIO:path=*/x' -- "$PROBE" none > "$T/bad.out" 2> "$T/bad.err"
rc=$?
name="fd path: 'getpid:EIO:path=*/x' is refused, naming getpid and both kinds of argument"
if [ $rc = 2 ] && [ ! -s "$T/bad.out" ] && grep -q "option 'path' at column 12 needs a syscall with a path argument .* or a file descriptor argument .*; 'getpid' has none" "$T/bad.err"; then
	pass "$name"
else
	fail "$name" "exit $rc, stdout '$(lines "$T/bad.out")', stderr '$(lines "$T/bad.err")'"
fi

# --- status, stats and the log say which engine serves it ----------------------------
mkfifo "$T/hold"
mkdir "$T/held.d"
MINDERBINDER_LOG=$T/fault.log $MB run -s 'write:EIO:path=*/out.txt' -- sh -c \
	'echo lost > "$1"; echo "pid $$"; read x < "$2"' sh "$T/held.d/out.txt" "$T/hold" > "$T/held" 2>&1 &
held=$!
if wait_registered "$T/held" '^pid [0-9]+$' $held; then
	remember_pid "$T/held"
	$MB status > "$T/status" 2>&1
	$MB stats > "$T/stats" 2>&1
	echo go > "$T/hold"
	wait $held
	name="fd path: status names the rule's engine: seccomp (user notification), 1 call 1 fault"
	if grep -Eq '^ +\[0\] write:EIO:path=\*/out\.txt +seccomp \(user notification\) +calls 1 faults 1$' "$T/status"; then
		pass "$name"
	else
		fail "$name" "$(lines "$T/status")"
	fi
	name="fd path: stats names the rule's engine"
	if grep -Eq '^ +\[0\] +write:EIO:path=\*/out\.txt +seccomp \(user notification\) +1 +1 fault' "$T/stats"; then
		pass "$name"
	else
		fail "$name" "$(lines "$T/stats")"
	fi
	name="fd path: the fault log names the descriptor's path"
	if grep -q "\"syscall\":\"write\",\"path\":\"$T/held.d/out.txt\",\"result\":\"EIO\"" "$T/fault.log"; then
		pass "$name"
	else
		fail "$name" "$(lines "$T/fault.log")"
	fi
else
	echo go > "$T/hold" &
	wait $held
	fail "fd path: status, stats and the log" "the target never said ready: $(lines "$T/held")"
fi

mb_no_leftovers "fd path: no helper, supervisor or registry entry left"

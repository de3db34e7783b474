#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Syscall families (issue 13, part 2): '%sync' fires on sqlite3's fdatasync
# where 'fsync' never does, '%open:ENOENT:path=*/x' fails cat's openat and
# a raw SYS_open alike, '%write:EIO:after=2:times=1' fails exactly the
# third write-family call across write/pwrite64/writev/pwritev, '%stat' on
# ls and stat(1), a static program, an INI section, status and the log
# showing the rule as written (and the member that fired), unknown
# families naming the nearest, the libc warning once per tree, and
# --list-syscalls.
. "$(dirname "$0")/agent_lib.sh"

need_root "families: minderbinder run" || exit 0
mb_setup "families: setup"
progs_built "families: targets" family_calls || exit 0
cp "$PROGS/family_calls" "$BIN/" || exit 1
FC=$BIN/family_calls
arch=$(uname -m)

# --- %sync on sqlite3: it syncs with fdatasync, never fsync ------------------------
name="families: sqlite3 (PRAGMA synchronous=FULL) fails 'disk I/O error' under '%sync:EIO:times=1', which --expect-faults says fired"
if ! command -v sqlite3 > /dev/null; then
	notrun "$name" "no sqlite3 (Debian's sqlite3; make deps installs it)"
	notrun "families: 'fsync:EIO:times=1' never fires on sqlite3" "no sqlite3"
else
	sql="PRAGMA synchronous=FULL; CREATE TABLE t(a); INSERT INTO t VALUES(1);"
	$MB run --expect-faults -s '%sync:EIO:times=1' -- sqlite3 "$T/s1.db" "$sql" > "$T/s1.out" 2>&1
	rc=$?
	if [ $rc != 0 ] && [ $rc != 120 ] && grep -q 'disk I/O error' "$T/s1.out" &&
		! grep -q 'never fired' "$T/s1.out"; then
		pass "$name (exit $rc)"
	else
		fail "$name" "exit $rc: $(lines "$T/s1.out")"
	fi
	name="families: 'fsync:EIO:times=1' never fires on sqlite3: --expect-faults exits 120, the insert works"
	$MB run --expect-faults -s 'fsync:EIO:times=1' -- sqlite3 "$T/s2.db" "$sql" > "$T/s2.out" 2>&1
	rc=$?
	if [ $rc = 120 ] && grep -q "rule 0 'fsync:EIO:times=1' never fired: 0 calls matched" "$T/s2.out" &&
		[ "$(sqlite3 "$T/s2.db" 'SELECT a FROM t;')" = 1 ]; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(lines "$T/s2.out")"
	fi
fi

name="families: '%sync:EIO' fails fdatasync, fsync and syncfs, not write"
out=$($MB run -s '%sync:EIO' -- "$FC" sync "$T/sync.f" 2>&1 | tr '\n' '|')
if [ "$out" = "write ok|fdatasync EIO|fsync EIO|syncfs EIO|" ]; then
	pass "$name"
else
	fail "$name" "got '$out'"
fi

# --- %open with path=: openat's path is argument 1, open's argument 0 ---------------
: > "$T/x"
: > "$T/y"
name="families: '%open:ENOENT:path=*/x' makes cat fail on x (openat), not on y"
$MB run -s '%open:ENOENT:path=*/x' -- sh -c 'cat "$1"; echo "x $?"; cat "$2"; echo "y $?"' sh \
	"$T/x" "$T/y" > "$T/cat.out" 2>&1
if grep -q "cat: $T/x: No such file or directory" "$T/cat.out" && grep -qx 'x 1' "$T/cat.out" &&
	grep -qx 'y 0' "$T/cat.out"; then
	pass "$name"
else
	fail "$name" "$(lines "$T/cat.out")"
fi
name="families: '%open:ENOENT:path=*/x' fails a raw SYS_open and SYS_openat of x, neither of y"
out=$($MB run -s '%open:ENOENT:path=*/x' -- sh -c '"$0" open "$1"; "$0" open "$2"' "$FC" "$T/x" "$T/y" 2>&1 |
	tr '\n' '|')
case $arch in
x86_64) want="open ENOENT|openat ENOENT|open ok|openat ok|" ;;
*) want="openat ENOENT|openat ok|" ;; # aarch64 has no open: no member there
esac
if [ "$out" = "$want" ]; then
	pass "$name ($arch)"
else
	fail "$name" "got '$out', want '$want'"
fi
name="families: a static program under '%open:ENOENT:path=*/x' (run registers it itself)"
out=$($MB run -s '%open:ENOENT:path=*/x' -- "$STATIC" "$T/x" "$T/y" 2>&1)
if echo "$out" | grep -qx "$T/x errno 2" && echo "$out" | grep -qx "$T/y ok"; then
	pass "$name"
else
	fail "$name" "$(echo "$out" | tr '\n' '|')"
fi

# --- one rule, one count: the third write-family call, whichever it is ---------------
name="families: '%write:EIO:after=2:times=1' fails exactly the third call of write, pwrite64, writev, pwritev, write, pwrite64"
out=$($MB run --log "$T/w.log" -s '%write:EIO:after=2:times=1' -- "$FC" write "$T/w.f" 2>&1 | tr '\n' '|')
if [ "$out" = "write ok|pwrite64 ok|writev EIO|pwritev ok|write ok|pwrite64 ok|" ]; then
	pass "$name"
else
	fail "$name" "got '$out'"
fi
name="families: the log has one line: the member that fired (writev) and the rule as written"
if [ "$(wc -l < "$T/w.log")" = 1 ] &&
	grep -q '"syscall":"writev",.*"result":"EIO","rule":"%write:EIO:after=2:times=1","rule_index":0,"engine":"seccomp"' "$T/w.log"; then
	pass "$name"
else
	fail "$name" "$(lines "$T/w.log")"
fi
name="families: the log names each member that fired under '%open' (open, openat)"
$MB run --log "$T/o.log" -s '%open:ENOENT:path=*/x' -- "$FC" open "$T/x" > /dev/null 2>&1
if grep -q '"syscall":"openat","path":"'"$T"'/x","result":"ENOENT","rule":"%open:ENOENT:path=\*/x"' "$T/o.log" &&
	{ [ "$arch" != x86_64 ] || grep -q '"syscall":"open","path":"'"$T"'/x"' "$T/o.log"; }; then
	pass "$name"
else
	fail "$name" "$(lines "$T/o.log")"
fi

# --- status: the rule as written, one count over its members, the engine ------------
name="families: status shows '%open:ENOENT:times=5:path=*/x' on seccomp (user notification), one count for cat and the raw calls"
$MB run -s '%open:ENOENT:times=5:path=*/x' -- sh -c 'cat "$1" 2>/dev/null; "$2" open "$1" >/dev/null; "$3" status' \
	sh "$T/x" "$FC" "$MB" > "$T/st.out" 2>&1
case $arch in x86_64) n=3 ;; *) n=2 ;; esac
# the targets status saw, and the writer the log names: gone at the end
TARGET_PIDS="$(sed -n 's/^  pid \([0-9]*\) .*/\1/p' "$T/st.out" | tr '\n' ' ')$(sed -n 's/.*"pid":\([0-9]*\),.*/\1/p' "$T/w.log")"
if grep -Eq "^ +\[0\] %open:ENOENT:times=5:path=\*/x +seccomp \(user notification\) +calls $n faults $n\$" "$T/st.out"; then
	pass "$name (engine $(sys_engine) asked for: families go to the supervisor)"
else
	fail "$name" "$(lines "$T/st.out")"
fi

# The filter answers before any BPF program runs: a rule on a family's member
# goes to seccomp too (under auto, asked for here whatever the tier forces:
# with fmod_ret or kprobe on the kernel, rule 0 alone would take it), so
# the first rule still decides.
name="families: 'openat:EACCES:path=*/x;%open:ENOENT:path=*/x' under auto: the first rule decides cat's openat, both on seccomp"
MINDERBINDER_ENGINE=auto $MB run -s 'openat:EACCES:path=*/x;%open:ENOENT:path=*/x' -- sh -c 'cat "$1"; "$2" status' sh "$T/x" "$MB" \
	> "$T/mix.out" 2>&1
if grep -q "cat: $T/x: Permission denied" "$T/mix.out" &&
	grep -Eq '^ +\[0\] openat:EACCES:path=\*/x +seccomp \(user notification\) +calls 1 faults 1$' "$T/mix.out" &&
	grep -Eq '^ +\[1\] %open:ENOENT:path=\*/x +seccomp \(user notification\) +calls 0 faults 0$' "$T/mix.out"; then
	pass "$name (auto's pick here for rule 0 alone: $(MINDERBINDER_ENGINE=auto sys_engine))"
else
	fail "$name" "$(lines "$T/mix.out")"
fi

name="families: --expect-faults names a family that never fired as written; stats shows it"
$MB run --expect-faults -s '%sync:EIO:times=1' -- sh -c '"$1" stats' sh "$MB" > "$T/ex.out" 2>&1
rc=$?
if [ $rc = 120 ] && grep -q "^minderbinder: rule 0 '%sync:EIO:times=1' never fired: 0 calls matched$" "$T/ex.out" &&
	grep -Eq '^ +\[0\] +%sync:EIO:times=1 +seccomp \(user notification\) +0 +0 fault' "$T/ex.out"; then
	pass "$name"
else
	fail "$name" "exit $rc: $(lines "$T/ex.out")"
fi

# --- %stat on ls and stat(1): newfstatat and statx, never stat ---------------------
: > "$T/target"
name="families: '%stat:ENOENT:path=*/target' makes ls and stat(1) fail on the file"
$MB run -s '%stat:ENOENT:path=*/target' -- sh -c 'ls "$1"; echo "ls $?"; stat "$1"; echo "stat $?"' sh "$T/target" \
	> "$T/stat.out" 2>&1
if grep -q "ls: cannot access '$T/target': No such file or directory" "$T/stat.out" &&
	grep -qx 'ls 2' "$T/stat.out" && grep -q "stat: cannot statx '$T/target': No such file or directory" "$T/stat.out" &&
	grep -qx 'stat 1' "$T/stat.out"; then
	pass "$name"
else
	fail "$name" "$(lines "$T/stat.out")"
fi
name="families: 'stat:ENOENT:path=*/target' (no family) leaves ls and stat(1) alone, and warns to use '%stat'"
$MB run -s 'stat:ENOENT:path=*/target' -- sh -c 'ls "$1" >/dev/null; echo "ls $?"; stat "$1" >/dev/null; echo "stat $?"' sh \
	"$T/target" > "$T/stat2.out" 2>&1
if grep -qx 'ls 0' "$T/stat2.out" && grep -qx 'stat 0' "$T/stat2.out" &&
	grep -q "use '%stat' to cover stat, lstat, fstat, newfstatat and statx" "$T/stat2.out"; then
	pass "$name"
else
	fail "$name" "$(lines "$T/stat2.out")"
fi

# --- INI -------------------------------------------------------------------------------
cat > "$T/fam.ini" << EOF
[syscall third_write]
syscall = %write
ret_code = -5
targets = family_calls
after = 2
times = 1
EOF
name="families: an INI section with 'syscall = %write' counts across the family"
out=$($MB run --config "$T/fam.ini" -- "$FC" write "$T/w2.f" 2>&1 | tr '\n' '|')
if [ "$out" = "write ok|pwrite64 ok|writev EIO|pwritev ok|write ok|pwrite64 ok|" ]; then
	pass "$name"
else
	fail "$name" "got '$out'"
fi

# --- unknown families ---------------------------------------------------------------
name="families: run -s '%opne:ENOENT' is refused (exit 2), naming '%open'"
$MB run -s '%opne:ENOENT' -- true > "$T/u1" 2>&1
rc=$?
if [ $rc = 2 ] && grep -qx "minderbinder: -s: unknown syscall family '%opne' at column 1 (did you mean '%open'?)" "$T/u1"; then
	pass "$name"
else
	fail "$name" "exit $rc: $(lines "$T/u1")"
fi
name="families: MINDERBINDER_SYSCALL='openat:EIO:path=/n;%wrte:EIO' stops the program (125), naming the variable, column and '%write'"
MINDERBINDER_SYSCALL='openat:EIO:path=/n;%wrte:EIO' LD_PRELOAD=$AGENT sh -c 'echo ran' > "$T/u2" 2>&1
rc=$?
if [ $rc = 125 ] && ! grep -q ran "$T/u2" &&
	grep -qx "minderbinder: MINDERBINDER_SYSCALL: unknown syscall family '%wrte' at column 20 (did you mean '%write'?)" "$T/u2"; then
	pass "$name"
else
	fail "$name" "exit $rc: $(lines "$T/u2")"
fi
name="families: an INI 'syscall = %sinc' is refused naming the file, line and '%sync'"
printf '[syscall s]\nsyscall = %%sinc\nret_code = -5\ntargets = x\n' > "$T/bad.ini"
$MB run --config "$T/bad.ini" -- true > "$T/u3" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "bad.ini:2: unknown syscall family '%sinc' (did you mean '%sync'?)" "$T/u3"; then
	pass "$name"
else
	fail "$name" "exit $rc: $(lines "$T/u3")"
fi

name="families: sweep refuses a family (it follows one syscall), naming --list-syscalls=%open"
$MB sweep -s '%open:ENOENT' -- true > "$T/u4" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "sweep takes one syscall, '%open:ENOENT' is a family (name one of .minderbinder run --list-syscalls=%open.)" "$T/u4"; then
	pass "$name"
else
	fail "$name" "exit $rc: $(lines "$T/u4")"
fi

# --- the libc warning: once per tree, only where it helps ------------------------------
warns() { grep -c "^minderbinder: warning: .*glibc on" "$1"; }
echo hi > "$T/h"
name="families: run -s open:ENOENT warns once (not per child), cat still works"
$MB run -s 'open:ENOENT' -- sh -c 'cat "$1"; sh -c "cat $1"' sh "$T/h" > "$T/w1" 2>&1
if [ "$(warns "$T/w1")" = 1 ] && [ "$(grep -cx hi "$T/w1")" = 2 ] &&
	grep -qx "minderbinder: warning: run: rule 0 'open:ENOENT': glibc on x86_64 opens files (open, fopen) with openat; use '%open' to cover open, openat, openat2 and creat" "$T/w1"; then
	pass "$name"
elif [ "$arch" != x86_64 ]; then
	notrun "$name" "x86_64 only ($arch has no open syscall: the rule is refused)"
else
	fail "$name" "$(lines "$T/w1")"
fi
name="families: no warning for openat:ENOENT, %open:ENOENT or creat:EIO (glibc makes creat itself)"
$MB run -s 'openat:ENOENT:path=/n*;%open:ENOENT:path=/n*;creat:EIO' -- sh -c 'sh -c true' > "$T/w2" 2>&1
if [ "$(warns "$T/w2")" = 0 ]; then
	pass "$name"
else
	fail "$name" "$(lines "$T/w2")"
fi
if [ "$arch" = x86_64 ]; then
	name="families: the agent warns once for a tree (MINDERBINDER_WARN=1), from the registrant only"
	MINDERBINDER_WARN=1 MINDERBINDER_SYSCALL='open:ENOENT' LD_PRELOAD=$AGENT sh -c 'sh -c true; sh -c "sh -c true"' \
		> "$T/w3" 2>&1
	if [ "$(warns "$T/w3")" = 1 ] && grep -q "MINDERBINDER_SYSCALL: rule 0 'open:ENOENT'" "$T/w3"; then
		pass "$name"
	else
		fail "$name" "$(lines "$T/w3")"
	fi
	name="families: the agent says nothing on a stderr that is not a terminal (a program's parsed stderr)"
	MINDERBINDER_SYSCALL='open:ENOENT' LD_PRELOAD=$AGENT sh -c 'echo ok >&2' > "$T/w4" 2>&1
	if [ "$(cat "$T/w4")" = ok ]; then
		pass "$name"
	else
		fail "$name" "$(lines "$T/w4")"
	fi
	name="families: on a terminal the agent warns once; MINDERBINDER_WARN=0 silences run and agent"
	if command -v script > /dev/null; then
		script -qec "MINDERBINDER_SYSCALL=open:ENOENT LD_PRELOAD=$AGENT sh -c 'sh -c true'" /dev/null > "$T/w5" 2>&1
		MINDERBINDER_WARN=0 script -qec "$MB run -s open:ENOENT -- true; MINDERBINDER_SYSCALL=open:ENOENT LD_PRELOAD=$AGENT true" \
			/dev/null > "$T/w6" 2>&1
		if [ "$(warns "$T/w5")" = 1 ] && [ "$(warns "$T/w6")" = 0 ]; then
			pass "$name"
		else
			fail "$name" "tty: $(lines "$T/w5") / WARN=0: $(lines "$T/w6")"
		fi
	else
		notrun "$name" "no script(1) (bsdutils)"
	fi
	name="families: MINDERBINDER_WARN=yes is refused naming the variable"
	MINDERBINDER_WARN=yes $MB run -s openat:EIO:path=/n -- true > "$T/w7" 2>&1
	rc=$?
	if [ $rc = 2 ] && grep -qx "minderbinder: MINDERBINDER_WARN: bad value 'yes' (want 0 or 1)" "$T/w7"; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(lines "$T/w7")"
	fi
fi

# --- the names ------------------------------------------------------------------------
name="families: --list-syscalls ends with the families, --list-syscalls=%open lists its members, --list-syscalls=% each family with them"
$MB run --list-syscalls > "$T/l1" 2>&1
$MB run --list-syscalls=%open > "$T/l2" 2>&1
$MB run --list-syscalls=% > "$T/l3" 2>&1
case $arch in x86_64) want="open openat openat2 creat " ;; *) want="openat openat2 " ;; esac
if [ "$(tail -12 "$T/l1" | tr '\n' ' ')" = "%open %read %write %sync %stat %unlink %rename %file %network %desc %process %memory " ] &&
	grep -qx openat "$T/l1" && [ "$(tr '\n' ' ' < "$T/l2")" = "$want" ] &&
	grep -qx "%open (opening a file): ${want% }" "$T/l3" &&
	grep -q "^%sync (flushing a file to disk): fsync fdatasync sync_file_range syncfs$" "$T/l3"; then
	pass "$name"
else
	fail "$name" "tail '$(tail -3 "$T/l1" | tr '\n' ' ')', %open '$(lines "$T/l2")', families '$(head -3 "$T/l3" | tr '\n' '|')'"
fi
name="families: --list-syscalls=%opn is refused naming '%open'"
$MB run --list-syscalls=%opn > "$T/l4" 2>&1
rc=$?
if [ $rc = 2 ] && grep -qx "minderbinder: --list-syscalls: unknown syscall family '%opn' (did you mean '%open'?)" "$T/l4"; then
	pass "$name"
else
	fail "$name" "exit $rc: $(lines "$T/l4")"
fi
name="families: bash completion offers '%' names after -s"
if command -v bash > /dev/null && [ -r "$(dirname "$0")/../../backend/cli/completion.bash" ]; then
	got=$(MB="$MB" bash -c '. "$1"; COMP_WORDBREAKS=" :;="; COMP_LINE="$MB run -s %o"; COMP_POINT=${#COMP_LINE};
		COMP_WORDS=("$MB" run -s %o); COMP_CWORD=3; _minderbinder; echo "${COMPREPLY[*]}"' \
		sh "$(dirname "$0")/../../backend/cli/completion.bash" 2>&1)
	if [ "$got" = "%open" ]; then
		pass "$name"
	else
		fail "$name" "got '$got'"
	fi
else
	notrun "$name" "no bash"
fi

mb_no_leftovers "families: no helper, supervisor or registry entry left"

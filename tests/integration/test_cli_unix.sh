#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The CLI behaves like a Unix tool: every command's --help prints its usage
# and does nothing else, an unknown argument is refused with the usage and
# exit 2, `unload --help` (or a misspelt `unlaod`) removes nothing,
# --version and `help [CMD]`, MINDERBINDER_HELPER for `run`, errors that
# name the flag, a fix named when the helper is not set-uid, the man pages
# render, `make install` puts them and the bash completion in place, and
# the completion offers what the binary knows.
. "$(dirname "$0")/agent_lib.sh"

need_root "cli unix: the CLI's behaviour" || exit 0
mb_setup "cli unix: setup"

# --- --help and unknown arguments, per command -----------------------------------------
# usage_check CMD: --help prints "Usage: minderbinder CMD" on stdout (exit 0,
# nothing on stderr); --no-such-flag gets the usage on stderr, exit 2, no
# stdout. The commands without operands also refuse a stray word.
for cmd in run status stats serve top watch sweep unload; do
	"$MB" $cmd --help > "$T/h.out" 2> "$T/h.err" < /dev/null
	hrc=$?
	"$MB" $cmd --no-such-flag > "$T/b.out" 2> "$T/b.err" < /dev/null
	brc=$?
	why=""
	[ $hrc = 0 ] && head -1 "$T/h.out" | grep -q "^Usage: minderbinder $cmd" && [ ! -s "$T/h.err" ] ||
		why="--help: exit $hrc, stdout '$(head -1 "$T/h.out")', stderr '$(lines "$T/h.err")'"
	[ $brc = 2 ] && grep -q "^Usage: minderbinder $cmd" "$T/b.err" && [ ! -s "$T/b.out" ] ||
		why="$why --no-such-flag: exit $brc, stdout '$(lines "$T/b.out")', stderr '$(head -2 "$T/b.err" | tr '\n' '|')'"
	case $cmd in
	status | stats | serve | top | unload)
		"$MB" $cmd stray-word > "$T/s.out" 2> "$T/s.err" < /dev/null
		src=$?
		[ $src = 2 ] && grep -q "^Usage: minderbinder $cmd" "$T/s.err" &&
			grep -q "unexpected argument 'stray-word'" "$T/s.err" && [ ! -s "$T/s.out" ] ||
			why="$why stray-word: exit $src, stderr '$(lines "$T/s.err")'" ;;
	esac
	name="cli unix: $cmd --help prints its usage (exit 0); an unknown argument gets the usage and exit 2"
	if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
done

# run --help with a command after it runs nothing.
"$MB" run -s getppid:EIO --help -- touch "$T/ran" > /dev/null 2>&1
rc=$?
if [ $rc = 0 ] && [ ! -e "$T/ran" ]; then
	pass "cli unix: run --help -- CMD prints the usage and does not run CMD"
else
	fail "cli unix: run --help -- CMD prints the usage and does not run CMD" "exit $rc, ran: $([ -e "$T/ran" ] && echo yes || echo no)"
fi

# --- --version, help [CMD], did you mean ------------------------------------------------
want=$(cat "$REPO/VERSION")
out=$("$MB" --version 2>&1)
rc=$?
if [ $rc = 0 ] && [ "$out" = "minderbinder $want" ]; then
	pass "cli unix: --version prints 'minderbinder $want' (the VERSION file)"
else
	fail "cli unix: --version prints 'minderbinder $want' (the VERSION file)" "exit $rc: $out"
fi
"$MB" help > "$T/help" 2>&1
rc=$?
missing=""
for cmd in run status stats serve top watch sweep unload help; do
	grep -q "^  $cmd " "$T/help" || missing="$missing $cmd"
done
if [ $rc = 0 ] && [ -z "$missing" ]; then
	pass "cli unix: help lists every command (exit 0)"
else
	fail "cli unix: help lists every command (exit 0)" "exit $rc, missing:$missing"
fi
"$MB" help sweep > "$T/help.sweep" 2>&1
rc=$?
"$MB" sweep --help > "$T/sweep.help" 2>&1
if [ $rc = 0 ] && cmp -s "$T/help.sweep" "$T/sweep.help"; then
	pass "cli unix: help sweep prints what sweep --help prints"
else
	fail "cli unix: help sweep prints what sweep --help prints" "exit $rc: $(head -2 "$T/help.sweep" | tr '\n' '|')"
fi
"$MB" help no-such-command > /dev/null 2> "$T/help.bad"
rc=$?
if [ $rc = 2 ] && grep -q "unknown command 'no-such-command'" "$T/help.bad"; then
	pass "cli unix: help NO-SUCH-COMMAND: exit 2 naming it"
else
	fail "cli unix: help NO-SUCH-COMMAND: exit 2 naming it" "exit $rc: $(lines "$T/help.bad")"
fi
"$MB" hlep > /dev/null 2> "$T/hlep"
rc=$?
if [ $rc = 2 ] && grep -q "unknown command 'hlep' (did you mean 'help'?)" "$T/hlep"; then
	pass "cli unix: a misspelt 'hlep' says did you mean 'help' (exit 2)"
else
	fail "cli unix: a misspelt 'hlep' says did you mean 'help' (exit 2)" "exit $rc: $(lines "$T/hlep")"
fi

# --- unload: --help, a typo and --dry-run remove nothing; it warns, then resets --------
# A live target (held on a fifo) keeps the registry pinned.
mkfifo "$T/hold"
env MINDERBINDER_SYSCALL=getppid:EIO LD_PRELOAD="$AGENT" "$PROBE" -H none < "$T/hold" > "$T/live" 2>&1 &
LIVE=$!
exec 9> "$T/hold"
HOLD_FD_OPEN=1
wait_registered "$T/live" '^pid ' "$LIVE"
remember_pid "$T/live"
lpid=$(field "$T/live" pid)
ls "$PIN" > "$T/pins0" 2>&1
"$MB" unload --help > "$T/u.help" 2>&1
urc=$?
"$MB" unlaod > "$T/u.typo" 2>&1
trc=$?
"$MB" unload --bogus > "$T/u.bogus" 2>&1
"$MB" unload extra > "$T/u.extra" 2>&1
"$MB" unload --dry-run > "$T/u.dry" 2> "$T/u.dry.err"
drc=$?
ls "$PIN" > "$T/pins1" 2>&1
name="cli unix: unload --help, 'unlaod', unload --bogus, unload extra and unload --dry-run remove nothing"
if [ -z "$lpid" ]; then
	fail "$name" "the target did not register: $(lines "$T/live")"
elif [ $urc = 0 ] && [ $trc = 2 ] && [ $drc = 0 ] && [ -s "$T/pins0" ] && cmp -s "$T/pins0" "$T/pins1" &&
	! grep -q '^removed' "$T/u.help" "$T/u.typo" "$T/u.bogus" "$T/u.extra" "$T/u.dry" &&
	"$MB" status 2>/dev/null | grep -q "pid $lpid "; then
	pass "$name ($(wc -l < "$T/pins0") pins, the target still listed)"
else
	fail "$name" "exits $urc/$trc/$drc, pins before $(wc -l < "$T/pins0") after $(wc -l < "$T/pins1"); typo said: $(lines "$T/u.typo")"
fi
name="cli unix: unload --dry-run lists what would go and names the live target"
if grep -q "^unload: would remove [1-9][0-9]* pins under $PIN" "$T/u.dry" &&
	grep -q "^would remove $PIN/mb_targets$" "$T/u.dry" && grep -q '^dry run: nothing removed$' "$T/u.dry" &&
	grep -q "warning: unload: 1 live target would lose its faults: pid $lpid (mbprobe)" "$T/u.dry.err"; then
	pass "$name"
else
	fail "$name" "stdout: $(head -3 "$T/u.dry" | tr '\n' '|') stderr: $(lines "$T/u.dry.err")"
fi
"$MB" unload > "$T/u.real" 2> "$T/u.real.err"
rrc=$?
name="cli unix: unload says what it removes, warns that the live target loses its faults, then removes it"
if [ $rrc = 0 ] && grep -q "^unload: removing [1-9][0-9]* pins under $PIN" "$T/u.real" &&
	grep -q "^removed $PIN/mb_targets$" "$T/u.real" && [ ! -e "$PIN" ] &&
	grep -q "warning: unload: 1 live target loses its faults: pid $lpid (mbprobe)" "$T/u.real.err"; then
	pass "$name"
else
	fail "$name" "exit $rrc, $PIN $([ -e "$PIN" ] && echo still there || echo gone); stdout: $(head -2 "$T/u.real" | tr '\n' '|') stderr: $(lines "$T/u.real.err")"
fi
"$MB" unload > "$T/u.none" 2>&1
rc=$?
if [ $rc = 0 ] && [ "$(cat "$T/u.none")" = "nothing to remove" ]; then
	pass "cli unix: unload with nothing pinned prints 'nothing to remove'"
else
	fail "cli unix: unload with nothing pinned prints 'nothing to remove'" "exit $rc: $(lines "$T/u.none")"
fi
exec 9>&-
HOLD_FD_OPEN=
wait "$LIVE" 2>/dev/null

# --- run honours MINDERBINDER_HELPER ------------------------------------------------------
# A CLI with no helper beside it (and none in its libexec directory, or the
# check is not telling) uses the one the variable names: a wrapper that
# leaves a mark and execs a copy elsewhere.
mkdir "$T/lonely" "$T/elsewhere"
cp "$MB" "$AGENT" "$T/lonely/"
cp "$HELPER" "$T/elsewhere/mb-helper-copy"
printf '#!/bin/sh\necho used >> "%s"\nexec "%s" "$@"\n' "$T/elsewhere/used" "$T/elsewhere/mb-helper-copy" > "$T/elsewhere/wrap"
chmod 755 "$T/elsewhere/wrap"
libexec=$(sed -n 's/^#define MB_LIBEXECDIR "\(.*\)"$/\1/p' "$OUT/gen/mb_paths.h")
if [ -e "$libexec/mb-helper" ]; then
	notrun "cli unix: run without MINDERBINDER_HELPER and no helper beside it" "$libexec/mb-helper is installed here"
else
	"$T/lonely/minderbinder" run -s openat:ENOENT -- cat /etc/hostname > /dev/null 2> "$T/nohelper"
	rc=$?
	if [ $rc = 125 ] && grep -q "cannot find mb-helper.*(set MINDERBINDER_HELPER)" "$T/nohelper"; then
		pass "cli unix: run without a helper beside it: exit 125, says to set MINDERBINDER_HELPER"
	else
		fail "cli unix: run without a helper beside it: exit 125, says to set MINDERBINDER_HELPER" "exit $rc: $(lines "$T/nohelper")"
	fi
fi
MINDERBINDER_HELPER=$T/elsewhere/wrap "$T/lonely/minderbinder" run -s openat:ENOENT -- cat /etc/hostname > "$T/viaenv" 2>&1
rc=$?
MINDERBINDER_HELPER=$T/elsewhere/wrap "$T/lonely/minderbinder" run -s openat:ENOENT -- "$STATIC" /etc/hostname > "$T/viaenv.st" 2>&1
src=$?
name="cli unix: run uses MINDERBINDER_HELPER (a copy elsewhere), for a dynamic and a static command"
if [ $rc != 0 ] && grep -q '/etc/hostname: No such file or directory' "$T/viaenv" &&
	[ $src = 0 ] && grep -qx '/etc/hostname errno 2' "$T/viaenv.st" && [ "$(grep -c used "$T/elsewhere/used" 2>/dev/null)" -ge 2 ]; then
	pass "$name"
else
	fail "$name" "exits $rc/$src, helper runs $(grep -c used "$T/elsewhere/used" 2>/dev/null): $(lines "$T/viaenv") / $(lines "$T/viaenv.st")"
fi
MINDERBINDER_HELPER=/nonexistent/mb-helper "$MB" run -s openat:ENOENT -- touch "$T/ran2" > /dev/null 2> "$T/badenv"
rc=$?
name="cli unix: run with MINDERBINDER_HELPER=/nonexistent/mb-helper: exit 125 naming the variable, CMD not run"
if [ $rc = 125 ] && [ ! -e "$T/ran2" ] &&
	grep -q "MINDERBINDER_HELPER: cannot run '/nonexistent/mb-helper': No such file or directory" "$T/badenv"; then
	pass "$name"
else
	fail "$name" "exit $rc: $(lines "$T/badenv")"
fi

# --- --engine errors name the flag -------------------------------------------------------
"$MB" status > "$T/status" 2>&1
lacks=$(awk '$1 ~ /^(fmod_ret|kprobe)$/ && $2 == "unavailable:" { print $1; exit }' "$T/status")
if [ -z "$lacks" ]; then
	notrun "cli unix: run --engine ENGINE this kernel lacks names --engine" "this kernel has fmod_ret and kprobe"
else
	"$MB" run --engine "$lacks" -s mkdirat:EROFS -- "$PROBE" none > "$T/eng" 2> "$T/eng.err"
	rc=$?
	"$MB" run --engine "$lacks" -s mkdirat:EROFS -- "$STATIC" /etc/hostname > "$T/eng.st" 2> "$T/eng.st.err"
	src=$?
	name="cli unix: run --engine $lacks (missing here) says '--engine $lacks: this kernel lacks it', not the variable"
	if [ $rc = 125 ] && [ $src = 125 ] && [ ! -s "$T/eng" ] && [ ! -s "$T/eng.st" ] &&
		grep -q -- "--engine $lacks: this kernel lacks it" "$T/eng.err" &&
		grep -q -- "--engine $lacks: this kernel lacks it" "$T/eng.st.err" &&
		! grep -q MINDERBINDER_ENGINE "$T/eng.err" "$T/eng.st.err"; then
		pass "$name"
	else
		fail "$name" "exits $rc/$src: $(lines "$T/eng.err") / $(lines "$T/eng.st.err")"
	fi
fi

# --- not root, and the helper not set-uid: say how to fix it -----------------------------
if as_nobody "cli unix: not root and no set-uid helper"; then
	mkdir "$T/plain"
	cp "$MB" "$AGENT" "$HELPER" "$T/plain/"
	chmod 755 "$T/plain" "$T/plain"/*
	$AS_NOBODY "$T/plain/minderbinder" run -s openat:ENOENT -- cat /etc/hostname > "$T/np" 2> "$T/np.err"
	rc=$?
	$AS_NOBODY env MINDERBINDER_SYSCALL=mkdirat:EROFS LD_PRELOAD="$T/plain/libmbpreload.so" "$PROBE" none \
		> "$T/np2" 2> "$T/np2.err"
	rc2=$?
	name="cli unix: uid 65534 with a helper that is not set-uid: exit 125, the message says make install or run as root"
	fix="mb-helper ($T/plain/mb-helper) is not set-uid root and this process is not root: install it set-uid root with \`make install\` as root"
	if [ $rc = 125 ] && [ $rc2 = 125 ] && [ ! -s "$T/np" ] && [ ! -s "$T/np2" ] &&
		grep -qF "$fix" "$T/np.err" && grep -qF "$fix" "$T/np2.err" &&
		grep -q "or run as root" "$T/np.err"; then
		pass "$name"
	else
		fail "$name" "exits $rc/$rc2: $(lines "$T/np.err") / $(lines "$T/np2.err")"
	fi
fi

# --- the names the completion asks for ------------------------------------------------------
"$MB" run --list-syscalls > "$T/sys" 2>&1
rc=$?
"$MB" run --list-errnos > "$T/err" 2>&1
erc=$?
if [ $rc = 0 ] && [ $erc = 0 ] && grep -qx openat "$T/sys" && grep -qx fdatasync "$T/sys" &&
	grep -qx ENOENT "$T/err" && grep -qx EWOULDBLOCK "$T/err" && ! grep -qvx '[%a-zA-Z0-9_]*' "$T/sys" "$T/err"; then
	pass "cli unix: run --list-syscalls ($(wc -l < "$T/sys") names) and --list-errnos ($(wc -l < "$T/err")) print one name a line"
else
	fail "cli unix: run --list-syscalls and --list-errnos print one name a line" "exits $rc/$erc: $(head -3 "$T/sys" | tr '\n' ' ')"
fi

# --- make install: man pages, completion, pkg-config --------------------------------------
# With the prefix the build was configured with, so install rebuilds nothing.
prefix=${libexec%/libexec/minderbinder}
libdir=$(sed -n 's/^#define MB_LIBDIR "\(.*\)"$/\1/p' "$OUT/gen/mb_paths.h")
conf=$(sed -n 's/^#define MB_CONFIG_PATH "\(.*\)\/minderbinder.conf"$/\1/p' "$OUT/gen/mb_paths.h")
INST=$T/inst
if ! command -v make > /dev/null || [ ! -w "$OUT" ] || [ "$prefix" = "$libexec" ]; then
	notrun "cli unix: make install" "no make, $OUT not writable, or $OUT/gen/mb_paths.h unreadable"
	INST=
elif ! make -s -C "$REPO" OUT="$OUT" PREFIX="$prefix" LIBDIR="$libdir" LIBEXECDIR="$libexec" \
	SYSCONFDIR="$conf" DESTDIR="$INST" install > "$T/install" 2>&1; then
	fail "cli unix: make install DESTDIR=..." "$(tail -5 "$T/install" | tr '\n' '|')"
	INST=
else
	missing=""
	for f in share/man/man1/minderbinder.1 share/man/man8/mb-helper.8 share/man/man7/minderbinder-spec.7 \
		share/man/man3/minderbinder.3 share/bash-completion/completions/minderbinder; do
		[ -f "$INST$prefix/$f" ] || missing="$missing $f"
	done
	pcv=$(sed -n 's/^Version: //p' "$INST$libdir/pkgconfig/minderbinder.pc")
	if [ -z "$missing" ] && [ "$pcv" = "$want" ] && grep -q "\"minderbinder $want\"" "$INST$prefix/share/man/man1/minderbinder.1"; then
		pass "cli unix: make install puts the four man pages and the bash completion under $prefix/share; minderbinder.pc and the man pages say version $want"
	else
		fail "cli unix: make install puts the four man pages and the bash completion in place" "missing:$missing; pc version '$pcv'"
	fi
fi

# --- the man pages render without warnings ----------------------------------------------------
for page in minderbinder.1 mb-helper.8 minderbinder-spec.7 minderbinder.3; do
	f=$OUT/man/$page
	[ -n "$INST" ] && f=$INST$prefix/share/man/man${page##*.}/$page
	name="cli unix: man page $page renders without warnings (groff -ww, man --warnings)"
	if ! command -v groff > /dev/null || ! command -v man > /dev/null; then
		notrun "$name" "no groff or man (groff-base, man-db)"
	elif [ ! -f "$f" ]; then
		fail "$name" "$f missing (make all builds it)"
	else
		g=$(groff -man -ww -z "$f" 2>&1)
		m=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 > "$T/page")
		if [ -z "$g$m" ] && grep -q "minderbinder $want" "$T/page" && [ "$(wc -l < "$T/page")" -gt 20 ]; then
			pass "$name"
		else
			fail "$name" "groff: $g man: $m"
		fi
	fi
done

# --- bash completion -----------------------------------------------------------------------------
COMP=$REPO/backend/cli/completion.bash
[ -n "$INST" ] && COMP=$INST$prefix/share/bash-completion/completions/minderbinder
if ! command -v bash > /dev/null; then
	notrun "cli unix: bash completion" "no bash"
else
	# comp LINE WORD...: COMPREPLY for LINE, with COMP_WORDS split as
	# readline splits them (WORD...).
	cat > "$T/comp.bash" <<'EOF'
. "$1"; shift
complete -p minderbinder
comp() {
	COMP_LINE=$1; COMP_POINT=${#COMP_LINE}; shift
	COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_minderbinder
	echo "${COMPREPLY[*]}"
}
comp "$MB un" "$MB" un
comp "$MB run --li" "$MB" run --li
comp "$MB unload -" "$MB" unload -
comp "$MB run -s opena" "$MB" run -s opena
comp "$MB run -s openat:ENOEN" "$MB" run -s openat : ENOEN
comp "$MB run -s openat:ENOENT:tim" "$MB" run -s openat : ENOENT : tim
comp "$MB run -n tcp:443:dr" "$MB" run -n tcp : 443 : dr
comp "$MB run --engine fm" "$MB" run --engine fm
comp "$MB run -s " "$MB" run -s ""
EOF
	MB=$MB bash --norc --noprofile "$T/comp.bash" "$COMP" > "$T/comp.out" 2>&1
	{
		echo "complete -F _minderbinder minderbinder"
		echo unload
		echo "--list-errnos --list-syscalls"
		echo "--dry-run --help -h -n"
		echo "openat openat2"
		echo "ENOENT"
		echo "times="
		echo "drop"
		echo "fmod_ret"
		tr '\n' ' ' < "$T/sys" | sed 's/ $//'
		echo
	} > "$T/comp.want"
	if cmp -s "$T/comp.out" "$T/comp.want"; then
		pass "cli unix: bash completion: complete -p, commands, flags from --help, syscall and errno names from the binary, rule options"
	else
		fail "cli unix: bash completion" "$(diff "$T/comp.want" "$T/comp.out" | head -8 | cut -c1-200 | tr '\n' '|')"
	fi
fi

mb_no_leftovers "cli unix: no helper, supervisor or registry entry is left"

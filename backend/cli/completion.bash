# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# bash completion for minderbinder: commands, flags, syscall names, errno
# names and rule options. Every list is asked of the binary being completed
# (its `help`, each command's --help, `run --list-syscalls`/`--list-errnos`),
# so a name or flag it learns is offered without touching this file.

# The binary on the command line (build/minderbinder, ~/bin/minderbinder).
_minderbinder_bin() {
	local b=${COMP_WORDS[0]}
	[[ $b == "~/"* ]] && b=$HOME/${b#"~/"}
	if [[ $b == */* ]] || command -v "$b" > /dev/null 2>&1; then
		printf '%s' "$b"
	else
		printf 'minderbinder'
	fi
}

# Readline replaces only what follows the last COMP_WORDBREAKS character of
# the word (':', '=' and ';' are among them): cut that much off each reply.
_minderbinder_trim() {
	local cur=$1 pre="" c i
	[[ $COMP_LINE == *[\'\"]"$cur" ]] && return
	for ((i = ${#cur} - 1; i >= 0; i--)); do
		c=${cur:i:1}
		if [[ $COMP_WORDBREAKS == *"$c"* ]]; then
			pre=${cur:0:i+1}
			break
		fi
	done
	[[ -n $pre ]] || return
	for i in "${!COMPREPLY[@]}"; do
		COMPREPLY[i]=${COMPREPLY[i]#"$pre"}
	done
}

# COMPREPLY: head followed by each name that, so joined, starts with cur.
# No compgen -W: the head may hold what it would expand (path=/etc/*, $).
_minderbinder_prefixed() {
	local head=$1 cur=$2 name
	shift 2
	COMPREPLY=()
	for name in "$@"; do
		[[ $head$name == "$cur"* ]] && COMPREPLY+=("$head$name")
	done
}

# A syscall spec (-s): SYSCALL:RESULT:OPTION... rules separated by ';'.
_minderbinder_syscall_spec() {
	local mb=$1 cur=$2 rule head names=() n
	rule=${cur##*;}
	head=${cur%"$rule"}
	n=${rule//[^:]/}
	case ${#n} in
	0) mapfile -t names < <("$mb" run --list-syscalls 2> /dev/null) ;;
	1) mapfile -t names < <("$mb" run --list-errnos 2> /dev/null)
	   names+=(+0)
	   names=("${names[@]/#/${rule%%:*}:}") ;;
	*) [[ ${rule##*:} == *=* ]] && return
	   names=(rate= delay= after= times= path= latency= seed=)
	   names=("${names[@]/#/${rule%:*}:}") ;;
	esac
	_minderbinder_prefixed "$head" "$cur" "${names[@]}"
	compopt -o nospace 2> /dev/null
}

# A network spec (-n): PROTO:PORT:ACTION:OPTION...
_minderbinder_net_spec() {
	local mb=$1 cur=$2 rule head names=() n
	rule=${cur##*;}
	head=${cur%"$rule"}
	n=${rule//[^:]/}
	case ${#n} in
	0) names=(tcp: udp: any:) ;;
	1) return ;;
	2) mapfile -t names < <("$mb" run --list-errnos 2> /dev/null)
	   names=(drop refuse "${names[@]}")
	   names=("${names[@]/#/${rule%:*}:}") ;;
	*) [[ ${rule##*:} == *=* ]] && return
	   names=(rate= delay= after= times= seed= addr=)
	   names=("${names[@]/#/${rule%:*}:}") ;;
	esac
	_minderbinder_prefixed "$head" "$cur" "${names[@]}"
	compopt -o nospace 2> /dev/null
}

_minderbinder() {
	local line=${COMP_LINE:0:COMP_POINT} mb cmd cur prev i words=()
	mb=$(_minderbinder_bin)
	read -r -a words <<< "$line"
	[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
	cur=${words[-1]}
	# Inside an open quote readline completes what follows the quote.
	cur=${cur#[\'\"]}
	prev=""
	((${#words[@]} > 1)) && prev=${words[-2]}
	COMPREPLY=()

	if ((${#words[@]} == 2)); then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "--help --version" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$("$mb" help 2> /dev/null |
				awk '/^Commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')" -- "$cur")
		fi
		return
	fi
	cmd=${words[1]}
	if [[ $cmd == help ]]; then
		((${#words[@]} == 3)) && mapfile -t COMPREPLY < <(compgen -W "$("$mb" help 2> /dev/null |
			awk '/^Commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')" -- "$cur")
		return
	fi
	# After `--` (run, sweep): the command and its own arguments.
	for ((i = 2; i < ${#words[@]} - 1; i++)); do
		if [[ ${words[i]} == -- ]]; then
			if ((i == ${#words[@]} - 2)); then
				mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			else
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			fi
			return
		fi
	done

	case $prev in
	-s | --syscall)
		_minderbinder_syscall_spec "$mb" "$cur"
		_minderbinder_trim "$cur"
		return ;;
	-n | --net)
		if [[ $cmd == run ]]; then
			_minderbinder_net_spec "$mb" "$cur"
			_minderbinder_trim "$cur"
			return
		fi ;;
	--scope)
		mapfile -t COMPREPLY < <(compgen -W "tree process" -- "$cur")
		return ;;
	--strict)
		mapfile -t COMPREPLY < <(compgen -W "0 1" -- "$cur")
		return ;;
	--engine)
		mapfile -t COMPREPLY < <(compgen -W "auto seccomp kprobe fmod_ret" -- "$cur")
		return ;;
	--supervised)
		mapfile -t COMPREPLY < <(compgen -W "supervisor inprocess" -- "$cur")
		return ;;
	--interface)
		mapfile -t COMPREPLY < <(compgen -W "$(ls /sys/class/net 2> /dev/null)" -- "$cur")
		return ;;
	--config | --log)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--profile)
		# The sections of the --config file given before it.
		for ((i = 2; i < ${#words[@]} - 2; i++)); do
			if [[ ${words[i]} == --config && -r ${words[i + 1]} ]]; then
				mapfile -t COMPREPLY < <(compgen -W "$(sed -n \
					's/^[[:space:]]*\[[a-z_]*[[:space:]]\{1,\}\([^]]*\)\].*/\1/p' \
					"${words[i + 1]}")" -- "$cur")
			fi
		done
		return ;;
	--listen | --interval | --max | --timeout)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$({ echo --help; "$mb" "$cmd" --help 2> /dev/null; } |
			grep -oE -- '(^|[][ ,|])--?[a-zA-Z][a-zA-Z-]*' |
			tr -d '][ ,|' | sort -u)" -- "$cur")
		_minderbinder_trim "$cur"
		return
	fi
	[[ $cmd == watch ]] && mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -F _minderbinder minderbinder

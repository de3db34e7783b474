# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The INI file's [outgoing_network] section (the original project's config.yaml) drives
# the same engines as MINDERBINDER_NET, through `minderbinder run --config`.
. "$(dirname "$0")/lib.sh"

need_root "net ini: [outgoing_network] through run --config" || exit 0
TMP=$(mktemp -d)
P=$((20000 + $$ % 10000))
"$PROGS/net_tcp_server" 127.0.0.1 "$P" > "$TMP/srv" 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMP"' EXIT
wait_line "$TMP/srv" '^ready'

# examples/chaos.ini: break_wget_network drops everything after 100 ms.
# The same section with a longer delay_ms shows the grace period without
# racing the first registration (which loads the programs) against 100 ms.
sed 's/^delay_ms = 100/delay_ms = 3000/' "$(dirname "$0")/../../examples/chaos.ini" > "$TMP/slow.ini"
"$OUT/minderbinder" run --config "$TMP/slow.ini" --profile break_wget_network -- \
	"$PROGS/net_tcp_client" -t 700 127.0.0.1 "$P" > "$TMP/early" 2>&1
"$OUT/minderbinder" run --config "$(dirname "$0")/../../examples/chaos.ini" \
	--profile break_wget_network -- \
	"$PROGS/net_tcp_client" -t 700 -w 300 127.0.0.1 "$P" > "$TMP/late" 2>&1
first_line "net ini: [outgoing_network] delay_ms lets the first connect through" "$TMP/early" '^connected'
first_line "net ini: break_wget_network drops the target's packets after delay_ms" "$TMP/late" '^timeout'
printf '[outgoing_network refuse_db]\ntargets = app\nprotocol = tcp\nport = %s\naction = refuse\n' "$P" > "$TMP/db.ini"
"$OUT/minderbinder" run --config "$TMP/db.ini" -- "$PROGS/net_tcp_client" -t 700 127.0.0.1 "$P" > "$TMP/refuse" 2>&1
first_line "net ini: protocol/port/action=refuse extensions give ECONNREFUSED" "$TMP/refuse" '^errno ECONNREFUSED'

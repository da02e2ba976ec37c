#!/bin/bash
# The JSON contract: every sample and every public capture through
# `analyze -F json`, a few through `-F ndjson`, standard input, several
# captures at once and a capture cut off mid-packet, all validated against
# schema/report.schema.json (ndjson lines against schema/session.schema.json).
#
# Environment: FTPAUDIT (binary, default ./ftpaudit), srcdir (sources,
# default .), FTPAUDIT_SHARED (default $srcdir/../shared: its pcaps/ are
# used when present).  Exit 0 pass, 1 fail, 77 skip, 99 hard error.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
src=${srcdir:-.}
PY=/usr/bin/python3
schema="$src/schema/report.schema.json"
session_schema="$src/schema/session.schema.json"
check="$src/tests/integration/schema_check.py"

[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }
"$PY" -c 'from jsonschema import Draft202012Validator' 2>/dev/null || {
	echo "SKIP: $PY has no jsonschema with draft 2020-12 (Debian: python3-jsonschema)"
	exit 77
}
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
for f in "$schema" "$session_schema" "$check"; do
	[ -r "$f" ] || { echo "ERROR: $f missing"; exit 99; }
done

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/json" "$tmp/ndjson"
fail=0 n=0

# run OUT ARGS...: ftpaudit analyze ARGS > OUT; it must exit 0.
run() {
	local out=$1; shift
	"$FTPAUDIT" analyze -q "$@" >"$out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL analyze $*: exit $rc: $(head -c 300 "$tmp/err")"
		fail=1
		rm -f "$out"
	fi
}

# json NAME ARGS...: one -F json document.
json() {
	local name=$1; shift
	n=$((n + 1))
	run "$tmp/json/$n-$name.json" -F json "$@"
}

# ndjson NAME ARGS...: -F ndjson, one session a line.
ndjson() {
	local name=$1; shift
	n=$((n + 1))
	run "$tmp/ndjson/$n-$name.ndjson" -F ndjson "$@"
}

samples=()
for f in "$src"/samples/*.pcap "$src"/samples/*.pcapng; do
	[ -f "$f" ] && samples+=("$f")
done
if [ "${#samples[@]}" -eq 0 ]; then
	echo "ERROR: no captures in $src/samples"
	exit 99
fi
for f in "${samples[@]}"; do
	json "$(basename "$f")" "$f"
done

shared="${FTPAUDIT_SHARED:-$src/../shared}/pcaps"
public=()
if [ -d "$shared" ]; then
	while IFS= read -r -d '' f; do
		public+=("$f")
	done < <(find "$shared" -type f \( -name '*.pcap' -o -name '*.pcapng' \
	    -o -name '*.cap' -o -name '*.pcap.gz' -o -name '*.pcapng.gz' \) \
	    -print0 | sort -z)
	for f in "${public[@]}"; do
		json "$(basename "$f")" "$f"
	done
else
	echo "note: $shared not found; public captures not checked"
fi

# Several captures at once (inputs[] in command-line order), standard
# input, the other shapes of each session's "firewall" list, and a capture
# cut off in the middle of a packet (exit 0, warning, "truncated": true).
json several "${samples[@]:0:3}"
json stdin - <"${samples[0]}"
json gateway-helper-any --side=gateway --strategy=helper --peers=any "${samples[@]}"
json client --side=client "${samples[@]}"
"$PY" - "${samples[0]}" "$tmp/cut.pcap" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(data[:len(data) * 2 // 3])
PY
json cut "$tmp/cut.pcap"
if [ -f "$tmp/json/$n-cut.json" ] && ! "$PY" -c '
import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["inputs"][0]["truncated"] else 1)
' "$tmp/json/$n-cut.json"; then
	echo "FAIL cut capture: \"truncated\" is not true"
	fail=1
fi

# NDJSON: the richest samples and a few public captures (many sessions,
# IPv6, fuzzed bytes); every line is one session.
for f in "$src"/samples/vsftpd-mixed.pcap "$src"/samples/crafted-bounce.pcap \
    "$src"/samples/vsftpd-curl-ipv6-eprt.pcap "$src"/samples/pyftpd-nat-curl-pasv.pcap \
    "$shared"/markofu-pcaps/ftp-crack.pcap "$shared"/nDPI/fuzz-2006-06-26-2594.pcap \
    "$shared"/zeek/ftp__ipv6.pcap "$shared"/zeek/ftp__cwd-navigation.pcap; do
	[ -f "$f" ] && ndjson "$(basename "$f")" "$f"
done
ndjson all-samples "${samples[@]}"
if [ "$(cat "$tmp"/ndjson/*.ndjson 2>/dev/null | wc -l)" -eq 0 ]; then
	echo "FAIL: -F ndjson wrote no session at all"
	fail=1
fi

echo "-F json: ${#samples[@]} samples, ${#public[@]} public captures, 5 more cases"
"$PY" "$check" "$schema" "$tmp"/json/*.json || fail=1
echo "-F ndjson:"
"$PY" "$check" "$session_schema" --ndjson "$tmp"/ndjson/*.ndjson || fail=1

exit "$fail"

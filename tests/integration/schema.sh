#!/bin/bash
# SPDX-License-Identifier: ISC
# The JSON contract: every sample and every public capture through
# `analyze -F json`, a few through `-F ndjson`, standard input, several
# captures at once and a capture cut off mid-packet, all validated against
# schema/report.schema.json (ndjson lines against schema/record.schema.json).
# The NDJSON stream must hold everything the document holds: its records
# put together give the -F json document of the same capture.
#
# Environment: FTPAUDIT (binary, default ./ftpaudit), srcdir (sources,
# default .), FTPAUDIT_SHARED (default $srcdir/../shared: its pcaps/ are
# used when present).  Exit 0 pass, 1 fail, 77 skip, 99 hard error.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
src=${srcdir:-.}
PY=/usr/bin/python3
schema="$src/schema/report.schema.json"
record_schema="$src/schema/record.schema.json"
check="$src/tests/integration/schema_check.py"

[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }
"$PY" -c 'from jsonschema import Draft202012Validator' 2>/dev/null || {
	echo "SKIP: $PY has no jsonschema with draft 2020-12 (Debian: python3-jsonschema)"
	exit 77
}
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
for f in "$schema" "$record_schema" "$check"; do
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

# ndjson NAME ARGS...: -F ndjson, one record a line, and -F json of the
# same input beside it (not validated again) to compare.
ndjson() {
	local name=$1; shift
	n=$((n + 1))
	run "$tmp/ndjson/$n-$name.ndjson" -F ndjson "$@"
	run "$tmp/ndjson/$n-$name.doc" -F json "$@"
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
# IPv6, fuzzed bytes, a data connection no session claimed).
for f in "$src"/samples/vsftpd-mixed.pcap "$src"/samples/crafted-bounce.pcap \
    "$src"/samples/vsftpd-curl-ipv6-eprt.pcap "$src"/samples/pyftpd-nat-curl-pasv.pcap \
    "$shared"/markofu-pcaps/ftp-crack.pcap "$shared"/nDPI/fuzz-2006-06-26-2594.pcap \
    "$shared"/markofu-pcaps/ftp-uploadfailed.pcap \
    "$shared"/zeek/ftp__ipv6.pcap "$shared"/zeek/ftp__cwd-navigation.pcap; do
	[ -f "$f" ] && ndjson "$(basename "$f")" "$f"
done
ndjson all-samples "${samples[@]}"
if [ "$(cat "$tmp"/ndjson/*.ndjson 2>/dev/null | wc -l)" -eq 0 ]; then
	echo "FAIL: -F ndjson wrote no record at all"
	fail=1
fi
# The records, put together, are the document: the same sessions in the
# same order, the unattributed connections, and the totals last.
"$PY" - "$tmp"/ndjson/*.ndjson <<'PY' || fail=1
import json, sys
bad = unatt = 0
for path in sys.argv[1:]:
    recs = [json.loads(l) for l in open(path)]
    doc = json.load(open(path[:-len(".ndjson")] + ".doc"))
    def fail(msg):
        global bad
        bad += 1
        print("FAIL %s: %s" % (path, msg))
    kinds = [r.get("record") for r in recs]
    if not kinds or kinds[-1] != "stats" or kinds.count("stats") != 1:
        fail("not one \"stats\" record, last")
        continue
    strip = lambda r: {k: v for k, v in r.items() if k != "record"}
    sessions = [strip(r) for r in recs if r["record"] == "session"]
    un = [strip(r) for r in recs if r["record"] == "unattributed"]
    unatt += len(un)
    st = recs[-1]
    if sessions != doc["sessions"]:
        fail("sessions differ from -F json's")
    if un[:10000] != doc["unattributed"] or \
            max(0, len(un) - 10000) != doc["unattributed_dropped"]:
        fail("unattributed connections differ from -F json's")
    if st["unattributed_dropped"] != 0:
        fail("the stream dropped unattributed connections")
    for k in ("tool", "version", "schema_version", "inputs", "stats"):
        if st[k] != doc[k]:
            fail("stats record: %s differs from -F json's" % k)
    if set(doc) - set(st) - {"sessions", "unattributed"}:
        fail("-F json holds %s, the stream not" % (set(doc) - set(st) - {"sessions", "unattributed"}))
if unatt == 0 and any("ftp-uploadfailed" in p for p in sys.argv[1:]):
    bad += 1
    print("FAIL: no \"unattributed\" record at all (ftp-uploadfailed.pcap has one)")
print("-F ndjson against -F json: %d streams, %d unattributed records, %d failed"
      % (len(sys.argv) - 1, unatt, bad))
sys.exit(1 if bad else 0)
PY

echo "-F json: ${#samples[@]} samples, ${#public[@]} public captures, 5 more cases"
"$PY" "$check" "$schema" "$tmp"/json/*.json || fail=1
echo "-F ndjson:"
"$PY" "$check" "$record_schema" --ndjson "$tmp"/ndjson/*.ndjson || fail=1

exit "$fail"

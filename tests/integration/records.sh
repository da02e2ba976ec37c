#!/bin/bash
# SPDX-License-Identifier: ISC
# records.sh: `rules --records` and `audit --records` equal the same from
# the captures.  For every capture in samples/ and ../shared/pcaps (when
# there): `analyze -F ndjson` records, whole, split over two files by
# session with different --sensor names (given in reverse order), and as
# live -F ndjson session_end events; `rules -F json` and `-F nft` and
# `audit -F json` (tests/integration/audit-data/server-mixed.nft.json)
# from each equal those from the capture, but for the sensor names, which
# must name exactly the sensors of the sessions behind each rule and
# flow.  Split files have no order between them but each session's end:
# there, an address set may list its members in another order (sessions
# that ended by timeout carry their last packet's time), so sets are
# compared as sets.  Then bad input: a broken line, another schema_version, a
# non-JSON file: one line naming FILE:LINE, exit 1, nothing on stdout.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
PY=/usr/bin/python3
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: missing python3"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
RS=$srcdir/tests/integration/audit-data/server-mixed.nft.json
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

caps=$(ls "$srcdir"/samples/*.pcap "$srcdir"/samples/*.pcapng 2>/dev/null)
shared="$srcdir/../shared/pcaps"
if [ -d "$shared" ]; then
	caps="$caps
$(find "$shared" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)"
else
	echo "# $shared absent: samples only"
fi

# Split: odd sessions of A (sensor a) into a.nd, even ones of B (sensor b)
# into b.nd, each with its stats; the same sessions as live events.
cat > "$tmp/split.py" <<'PY'
import json, sys
a, b, out = sys.argv[1], sys.argv[2], sys.argv[3]
def recs(p):
    return [json.loads(l) for l in open(p) if l.strip()]
with open(out + "/a.nd", "w") as fa, open(out + "/b.nd", "w") as fb, \
        open(out + "/live.nd", "w") as fl:
    for r in recs(a):
        if r["record"] != "session" or r["id"] % 2 == 1:
            fa.write(json.dumps(r) + "\n")
    for r in recs(b):
        if r["record"] != "session" or r["id"] % 2 == 0:
            fb.write(json.dumps(r) + "\n")
        if r["record"] == "session":
            fl.write(json.dumps({"event": "session_start", "ts": r["start"],
                "sensor": "l", "session": r["id"]}) + "\n")
            fl.write(json.dumps({"event": "session_end", "ts": r["end"],
                "sensor": "l", "session": r["id"], "end_reason": r["end_reason"],
                "record": {k: v for k, v in r.items()
                           if k not in ("record", "sensor")}}) + "\n")
PY

# cmp.py KIND CAPTURE_OUT RECORDS_OUT MODE: equal once the sensor names
# are taken out; MODE split: each names its sessions' sensors (odd a,
# even b), live: all l, none: no sensor at all.
cat > "$tmp/cmp.py" <<'PY'
import json, sys
kind, x, y, mode = sys.argv[1:5]
want, got = json.load(open(x)), json.load(open(y))
def expect(ids):
    if mode == "none":
        return None
    if mode == "live":
        return ["l"] if ids else None
    s = sorted({"a" if i % 2 else "b" for i in ids})
    return s or None
errs = []
if kind == "rules":
    for r in got.get("rules", []):
        ev = r.get("evidence") or {}
        s = ev.pop("sensors", None)
        if s != expect(ev.get("sessions", [])):
            errs.append("rule %s: sensors %r for sessions %r" % (r.get("id"), s, ev.get("sessions")))
else:
    for f in got.get("flows", []):
        s = f.pop("sensor", None)
        e = expect([f["session"]])
        if s != (e[0] if e else None):
            errs.append("flow %s/%s: sensor %r" % (f["session"], f.get("transfer"), s))
def sets(v):
    # Lists of addresses and ports, sorted: the members of one set.
    if isinstance(v, dict):
        return {k: sets(x) for k, x in v.items()}
    if isinstance(v, list):
        v = [sets(x) for x in v]
        if all(isinstance(x, (str, int)) for x in v):
            v = sorted(v, key=str)
    return v
if mode == "split":
    want, got = sets(want), sets(got)
if want != got:
    errs.append("differs from the capture's once sensors are removed")
for e in errs[:5]:
    print("%s %s: %s" % (kind, y, e))
sys.exit(1 if errs else 0)
PY

# An nft set's members sorted: { b, a } is { a, b }.
cat > "$tmp/nftsets.py" <<'PY'
import re, sys
for l in sys.stdin:
    sys.stdout.write(re.sub(r"\{ ([^{}]*) \}", lambda m: "{ " + ", ".join(
        sorted(m.group(1).split(", "))) + " }", l))
PY

fail=0 checked=0
one() {	# one CAPTURE
	local c=$1 d=$tmp/w m f
	rm -rf "$d"; mkdir -p "$d"
	"$FTPAUDIT" analyze -F ndjson "$c" > "$d/all.nd" 2>/dev/null || return 0
	"$FTPAUDIT" analyze -F ndjson --sensor a "$c" > "$d/A" 2>/dev/null
	"$FTPAUDIT" analyze -F ndjson --sensor b "$c" > "$d/B" 2>/dev/null
	"$PY" "$tmp/split.py" "$d/A" "$d/B" "$d" || { echo "FAIL $c: split"; return 1; }
	"$FTPAUDIT" rules -F json --allow-empty "$c" > "$d/rules.json" 2>/dev/null
	"$FTPAUDIT" rules -F nft --allow-empty "$c" > "$d/rules.nft" 2>/dev/null
	"$FTPAUDIT" audit -F json --no-fail --ruleset "$RS" "$c" > "$d/audit.json" 2>/dev/null
	for m in none split live; do
		case $m in
		none) set -- "$d/all.nd" ;;
		split) set -- "$d/b.nd" "$d/a.nd" ;;
		live) set -- - ;;
		esac
		exec 3<"$d/live.nd"
		"$FTPAUDIT" rules -F json --allow-empty --records "$@" <&3 > "$d/r.json" || { echo "FAIL $c $m: rules -F json exit $?"; return 1; }
		exec 3<"$d/live.nd"
		"$FTPAUDIT" rules -F nft --allow-empty --records "$@" <&3 > "$d/r.nft" || { echo "FAIL $c $m: rules -F nft exit $?"; return 1; }
		exec 3<"$d/live.nd"
		"$FTPAUDIT" audit -F json --no-fail --ruleset "$RS" --records "$@" <&3 > "$d/a.json" || { echo "FAIL $c $m: audit exit $?"; return 1; }
		exec 3<&-
		if [ $m = split ]; then
			"$PY" "$tmp/nftsets.py" < "$d/rules.nft" > "$d/rules.nft.s"
			"$PY" "$tmp/nftsets.py" < "$d/r.nft" > "$d/r.nft.s"
			cmp -s "$d/rules.nft.s" "$d/r.nft.s"
		else
			cmp -s "$d/rules.nft" "$d/r.nft"
		fi || { echo "FAIL $c $m: rules -F nft differs"; diff "$d/rules.nft" "$d/r.nft" | head -5; return 1; }
		"$PY" "$tmp/cmp.py" rules "$d/rules.json" "$d/r.json" $m || { echo "FAIL $c $m: rules -F json"; return 1; }
		"$PY" "$tmp/cmp.py" audit "$d/audit.json" "$d/a.json" $m || { echo "FAIL $c $m: audit -F json"; return 1; }
	done
	return 0
}
while IFS= read -r c; do
	[ -n "$c" ] || continue
	checked=$((checked + 1))
	one "$c" || fail=$((fail + 1))
done <<< "$caps"
echo "# $checked captures, $fail failed"

# Bad input: exit 1, one line naming FILE:LINE and the problem, no output.
good=$tmp/good.nd
"$FTPAUDIT" analyze -F ndjson "$srcdir/samples/crafted-basic.pcap" > "$good" 2>/dev/null
bad() {	# NAME FILE PATTERN
	local name=$1 f=$2 pat=$3 rc
	for cmd in "rules -F json" "audit -F json --ruleset $RS"; do
		$FTPAUDIT $cmd --records "$good" "$f" > "$tmp/out" 2> "$tmp/err"
		rc=$?
		if [ $rc != 1 ] || [ -s "$tmp/out" ] || [ "$(wc -l < "$tmp/err")" != 1 ] ||
		    ! grep -q -- "$pat" "$tmp/err"; then
			echo "FAIL bad input $name ($cmd): exit $rc, stdout $(wc -c < "$tmp/out") bytes, stderr: $(cat "$tmp/err")"
			fail=$((fail + 1))
		fi
	done
}
{ head -1 "$good"; echo '{"record":"session","id":2,'; tail -1 "$good"; } > "$tmp/broken.nd"
bad broken-line "$tmp/broken.nd" "broken.nd:2: not JSON"
sed 's/"schema_version":1/"schema_version":2/' "$good" > "$tmp/v2.nd"
bad schema-version "$tmp/v2.nd" "v2.nd:2: schema_version"
bad not-json "$srcdir/samples/crafted-basic.pcap" "crafted-basic.pcap:1: not JSON"
echo '[1, 2]' > "$tmp/array.nd"
bad not-a-record "$tmp/array.nd" "array.nd:1: not a record"
bad missing "$tmp/none.nd" "none.nd: No such file"
# Session ids 1 and 2 from two sensors, b's ending years before a's: the
# audit lists the flows by session, then sensor, then transfer, and each
# sensor's as its capture's own audit has them (but for the fixes' ids).
sa=$srcdir/samples/vsftpd-mixed.pcap sb=$srcdir/samples/crafted-port-collision.pcap
"$FTPAUDIT" analyze -F ndjson --sensor a "$sa" > "$tmp/a2.nd" 2>/dev/null
"$FTPAUDIT" analyze -F ndjson --sensor b "$sb" > "$tmp/b2.nd" 2>/dev/null
"$FTPAUDIT" audit -F json --no-fail --ruleset "$RS" "$sa" > "$tmp/one-a.json" 2>/dev/null
"$FTPAUDIT" audit -F json --no-fail --ruleset "$RS" "$sb" > "$tmp/one-b.json" 2>/dev/null
"$FTPAUDIT" audit -F json --no-fail --ruleset "$RS" --records "$tmp/b2.nd" \
    "$tmp/a2.nd" > "$tmp/two.json" 2>/dev/null
"$PY" - "$tmp/one-a.json" "$tmp/one-b.json" "$tmp/two.json" <<'PY' || { echo "FAIL two sensors: flows out of order"; fail=$((fail + 1)); }
import json, sys
def flows(path, sensor=None):
    return [dict((k, v) for k, v in f.items() if k not in ("sensor", "fix"))
            for f in json.load(open(path))["flows"]
            if sensor is None or f["sensor"] == sensor]
two = json.load(open(sys.argv[3]))["flows"]
key = [(f["session"], f["sensor"], f["transfer"] or 0) for f in two]
ok = key == sorted(key) and key[0] == (1, "a", 0) and (1, "b", 0) in key
ok = ok and flows(sys.argv[3], "a") == flows(sys.argv[1])
ok = ok and flows(sys.argv[3], "b") == flows(sys.argv[2])
sys.exit(0 if ok else 1)
PY
[ $fail = 0 ] || exit 1
echo "PASS: records.sh"

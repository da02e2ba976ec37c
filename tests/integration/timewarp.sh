#!/bin/sh
# SPDX-License-Identifier: ISC
# Time that runs backwards within a capture file: warned about once per
# file on standard error (the file, the frame, how far back), counted in
# the stats and in the file's inputs entry, in every report format; small
# steps back and files merged by time are not.  Captures are made from a
# sample: stored twice (back to its start, 46 ms), with a copy 30 s back
# in the middle, with steps of 0.5 s.  ftpaudit(1), CAVEATS.
#
# Environment: FTPAUDIT (binary), srcdir (sources), FTPAUDIT_SHARED
# (default $srcdir/../shared: markofu-pcaps/ftp-crack.pcap when there).
# Exit 0 pass, 1 fail, 77 skip, 99 hard error.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
src=${srcdir:-.}
shared=${FTPAUDIT_SHARED:-$src/../shared}
PY=/usr/bin/python3
sample=$src/samples/vsftpd-mixed.pcap

[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
[ -r "$sample" ] || { echo "ERROR: $sample missing"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

# make OUT KIND: the sample rewritten (classic pcap, microseconds).
make() {
	"$PY" - "$sample" "$1" "$2" <<'PY' || exit 99
import struct, sys
src, dst, kind = sys.argv[1:4]
raw = open(src, "rb").read()
e = "<" if raw[:4] == b"\xd4\xc3\xb2\xa1" else ">"
recs, off = [], 24
while off + 16 <= len(raw):
    sec, us, incl, orig = struct.unpack(e + "IIII", raw[off:off + 16])
    recs.append([sec * 1000000 + us, raw[off + 8:off + 16 + incl]])
    off += 16 + incl
n = len(recs)
if kind == "twice":          # the same capture stored twice
    out = recs + recs
elif kind == "back30":       # a clock stepped back 30 s, twice
    out = [[t if i < n // 3 else t - 30000000 if i < 2 * n // 3
            else t - 60000000, d] for i, (t, d) in enumerate(recs)]
elif kind == "jitter":       # every 10th frame 0.5 s late
    out = [[t + 500000 if i % 10 == 5 else t, d] for i, (t, d) in enumerate(recs)]
elif kind == "later":        # all 100 s later (merged with the sample)
    out = [[t + 100000000, d] for t, d in recs]
with open(dst, "wb") as f:
    f.write(raw[:24])
    for t, d in out:
        f.write(struct.pack(e + "II", t // 1000000, t % 1000000) + d)
print(n)
PY
}

n=$(make "$tmp/twice.pcap" twice)
make "$tmp/back30.pcap" back30 >/dev/null
make "$tmp/jitter.pcap" jitter >/dev/null
make "$tmp/later.pcap" later >/dev/null

not() { echo "FAIL: $*"; fail=1; }

# analyze FORMAT OUT ERR ARGS...: exit 0 expected.
analyze() {
	local fmt=$1 out=$2 err=$3; shift 3
	"$FTPAUDIT" analyze -F "$fmt" "$@" >"$out" 2>"$err"
	[ $? -eq 0 ] || not "analyze -F $fmt $*: exit status not 0"
}

# json FILE EXPR: a Python expression on the document d must hold.
json() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" || not "$1: $2"
}

# Stored twice: one warning naming the file, frame n+1 and the 46 ms.
analyze json "$tmp/t.json" "$tmp/t.err" "$tmp/twice.pcap"
[ "$(grep -c 'time runs back' "$tmp/t.err")" -eq 1 ] ||
	not "stored twice: not one warning: $(cat "$tmp/t.err")"
grep -q "twice.pcap: warning: time runs back 0\.[0-9]* s at frame $((n + 1)), to its first frame's time" \
    "$tmp/t.err" || not "stored twice: warning: $(cat "$tmp/t.err")"
json "$tmp/t.json" 'd["stats"]["time_jumps_back"] == 1'
json "$tmp/t.json" 'd["inputs"][0]["first_time_jump"]["frame"] == '"$((n + 1))"
json "$tmp/t.json" 'd["inputs"][0]["first_time_jump"]["to_start"] is True'
# The second copy meets its connections, still held: no new sessions.
analyze json "$tmp/one.json" /dev/null "$sample"
json "$tmp/t.json" 'len(d["sessions"]) == len(json.load(open("'"$tmp/one.json"'"))["sessions"])'

# Two steps of 30 s: counted twice, warned once.
analyze json "$tmp/b.json" "$tmp/b.err" "$tmp/back30.pcap"
[ "$(grep -c 'time runs back' "$tmp/b.err")" -eq 1 ] ||
	not "30 s back: not one warning: $(cat "$tmp/b.err")"
grep -q 'time runs back [23][0-9]\.[0-9]* s at frame [0-9]* (2 times in all)$' "$tmp/b.err" ||
	not "30 s back: warning: $(cat "$tmp/b.err")"
json "$tmp/b.json" 'd["stats"]["time_jumps_back"] == 2'
json "$tmp/b.json" 'd["inputs"][0]["time_jumps_back"] == 2'
json "$tmp/b.json" 'd["inputs"][0]["first_time_jump"]["to_start"] is False'
json "$tmp/b.json" '29000000 < d["inputs"][0]["first_time_jump"]["back_us"] < 31000000'

# Half a second back, often: within the tolerance.
analyze json "$tmp/j.json" "$tmp/j.err" "$tmp/jitter.pcap"
[ -s "$tmp/j.err" ] && not "0.5 s steps: warned: $(cat "$tmp/j.err")"
json "$tmp/j.json" 'd["stats"]["time_jumps_back"] == 0'
json "$tmp/j.json" '"time_jumps_back" not in d["inputs"][0]'

# Merged by time: a later file given first goes back, but each file is
# checked on its own; the one that ran back is the one named.
analyze json "$tmp/m.json" "$tmp/m.err" "$tmp/later.pcap" "$sample"
[ -s "$tmp/m.err" ] && not "merged: warned: $(cat "$tmp/m.err")"
json "$tmp/m.json" 'd["stats"]["time_jumps_back"] == 0'
analyze json "$tmp/m2.json" "$tmp/m2.err" "$sample" "$tmp/twice.pcap"
[ "$(grep -c 'time runs back' "$tmp/m2.err")" -eq 1 ] && grep -q 'twice.pcap:' "$tmp/m2.err" ||
	not "merged with a twice-stored file: $(cat "$tmp/m2.err")"
json "$tmp/m2.json" 'd["stats"]["time_jumps_back"] == 1 and "time_jumps_back" not in d["inputs"][0] and d["inputs"][1]["time_jumps_back"] == 1'

# -q: no warning, still counted; text and NDJSON say it too.
analyze json "$tmp/q.json" "$tmp/q.err" -q "$tmp/twice.pcap"
[ -s "$tmp/q.err" ] && not "-q: warned: $(cat "$tmp/q.err")"
json "$tmp/q.json" 'd["stats"]["time_jumps_back"] == 1'
analyze text "$tmp/t.txt" /dev/null -q "$tmp/twice.pcap"
grep -A1 "^ *time runs back 1 time(s), first at frame $((n + 1)) by 0\.[0-9]* s$" \
    "$tmp/t.txt" | grep -q "^ *(to the first frame's time)$" ||
    not "text: no time line: $(grep -A2 '^  capture' "$tmp/t.txt")"
analyze ndjson "$tmp/t.ndjson" /dev/null -q "$tmp/twice.pcap"
tail -n 1 "$tmp/t.ndjson" > "$tmp/last.json"
# (Before the NDJSON stream had records, it had no stats to check.)
grep -q '"record"' "$tmp/t.ndjson" &&
	json "$tmp/last.json" 'd["stats"]["time_jumps_back"] == 1 and d["inputs"][0]["time_jumps_back"] == 1'

# Against the schema, when python3-jsonschema is there.
if "$PY" -c 'from jsonschema import Draft202012Validator' 2>/dev/null; then
	for f in t b m2; do
		"$PY" -c 'import json, sys
from jsonschema import Draft202012Validator
s = json.load(open(sys.argv[1]))
Draft202012Validator(s).validate(json.load(open(sys.argv[2])))' \
		    "$src/schema/report.schema.json" "$tmp/$f.json" ||
			not "$f.json: not valid against report.schema.json"
	done
fi

# The capture of the issue, stored twice, back at frame 9,866.
crack=$shared/pcaps/markofu-pcaps/ftp-crack.pcap
if [ -r "$crack" ]; then
	analyze json "$tmp/c.json" "$tmp/c.err" "$crack"
	grep -q 'time runs back 44\.602753 s at frame 9866, to its first frame' "$tmp/c.err" ||
		not "ftp-crack.pcap: $(cat "$tmp/c.err")"
	json "$tmp/c.json" 'd["stats"]["time_jumps_back"] == 1'
fi

[ "$fail" -eq 0 ] && echo "PASS: timewarp"
exit "$fail"

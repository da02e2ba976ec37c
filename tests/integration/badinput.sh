#!/bin/bash
# SPDX-License-Identifier: ISC
# Bad input: each case gives its one-line error and exit code, or a warning
# and a partial report; never a crash.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
src=${srcdir:-.}
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
good="$src/samples/vsftpd-curl-pasv.pcap"

# name, expected exit, expected stderr fragment, ftpaudit arguments...
check() {
	local name=$1 want=$2 msg=$3; shift 3
	"$FTPAUDIT" analyze -F json "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -ne "$want" ] ||
	    { [ -n "$msg" ] && ! grep -q -- "$msg" "$tmp/err"; } ||
	    { [ -z "$msg" ] && [ -s "$tmp/err" ]; } ||
	    { [ "$want" != 2 ] && [ "$(wc -l <"$tmp/err")" -gt 1 ]; } ||
	    { [ "$want" = 2 ] && [ "$(sed -n '2,$p' "$tmp/err")" != \
	    "see ftpaudit analyze --help" ]; }; then
		echo "FAIL $name: exit $rc (want $want), stderr: $(head -c 300 "$tmp/err")"
		fail=$((fail + 1))
	else
		echo "ok   $name: exit $rc: $(cat "$tmp/err")"
		pass=$((pass + 1))
	fi
}

/usr/bin/python3 - "$tmp" "$good" <<'PY'
import os, random, struct, sys
d, good = sys.argv[1], sys.argv[2]
g = open(good, "rb").read()
open(os.path.join(d, "empty.pcap"), "wb").close()
open(os.path.join(d, "text.pcap"), "w").write("this is not a capture\n" * 20)
random.seed(7)
open(os.path.join(d, "random.pcap"), "wb").write(bytes(random.getrandbits(8) for _ in range(4096)))
open(os.path.join(d, "cut-header.pcap"), "wb").write(g[:14])
# Cut in the middle of the third record.
off = 24
for _ in range(2):
    off += 16 + struct.unpack("<I", g[off + 8:off + 12])[0]
open(os.path.join(d, "cut-record.pcap"), "wb").write(g[:off + 30])
# Unknown link type 147 (DLT_USER0).
open(os.path.join(d, "linktype.pcap"), "wb").write(g[:20] + struct.pack("<I", 147) + g[24:])
# Absurd snaplen in the header: libpcap copes or refuses; never a crash.
open(os.path.join(d, "snaplen.pcap"), "wb").write(g[:16] + struct.pack("<I", 0x7fffffff) + g[20:])
# A record claiming more captured bytes than the snaplen allows.
rec = bytearray(g)
struct.pack_into("<I", rec, 24 + 8, 0x00ffffff)
open(os.path.join(d, "bigrecord.pcap"), "wb").write(bytes(rec))
# pcapng: SHB, an unknown block type, IDB, EPB.
def blk(t, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)
shb = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
unk = blk(0x00000BAD, b"unknown block contents")
idb = blk(1, struct.pack("<HHI", 1, 0, 65535))
pkt = bytes.fromhex("000000000002000000000001080045000028000100004006000001020304050607080015c0de0000000100000000500200000000000000")
epb = blk(6, struct.pack("<IIIII", 0, 0, 0, len(pkt), len(pkt)) + pkt)
open(os.path.join(d, "unknown-block.pcapng"), "wb").write(shb + unk + idb + epb)
PY

check "missing file" 1 "no-such.pcap: No such file" "$tmp/no-such.pcap"
check "empty file" 1 "empty.pcap: empty file" "$tmp/empty.pcap"
check "text file" 1 "text.pcap: not a pcap or pcapng capture" "$tmp/text.pcap"
check "random bytes" 1 "random.pcap: " "$tmp/random.pcap"
check "cut in the header" 1 "cut-header.pcap: " "$tmp/cut-header.pcap"
check "unknown link type" 1 "linktype.pcap: unsupported link type" "$tmp/linktype.pcap"
check "directory" 1 "is a directory" "$tmp"
check "cut in a record" 0 "cut-record.pcap: warning: capture is cut off" "$tmp/cut-record.pcap"
if /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["inputs"][0]["truncated"] and d["inputs"][0]["packets"] == 2 else 1)' "$tmp/out"; then
	echo "ok   cut in a record: partial report, truncated: true"; pass=$((pass + 1))
else
	echo "FAIL cut in a record: report not marked truncated"; fail=$((fail + 1))
fi
check "record longer than snaplen" 0 "bigrecord.pcap: warning" "$tmp/bigrecord.pcap"
"$FTPAUDIT" analyze -q "$tmp/snaplen.pcap" >/dev/null 2>&1
rc=$?
if [ "$rc" -le 1 ]; then echo "ok   absurd snaplen: exit $rc"; pass=$((pass + 1));
else echo "FAIL absurd snaplen: exit $rc"; fail=$((fail + 1)); fi
check "pcapng with an unknown block" 0 "" "$tmp/unknown-block.pcapng"
# The text report keeps its firewall section in a temporary file: a
# TMPDIR that will not do is one line and exit 1; NDJSON needs none.
TMPDIR=$tmp/no-such-dir check "unusable TMPDIR" 1 \
    "cannot make a temporary file in $tmp/no-such-dir (TMPDIR): No such file" -F text "$good"
if TMPDIR=$tmp/no-such-dir "$FTPAUDIT" analyze -F ndjson "$good" 2>"$tmp/err" |
    /usr/bin/python3 -c 'import json,sys; sys.exit(0 if [json.loads(l).get("id") for l in sys.stdin] == [1, None] else 1)' &&
    [ ! -s "$tmp/err" ]; then
	echo "ok   unusable TMPDIR, ndjson: one session, no error"; pass=$((pass + 1))
else
	echo "FAIL unusable TMPDIR, ndjson: $(head -c 300 "$tmp/err")"; fail=$((fail + 1))
fi
# Pipes cannot be rewound after a look at the first bytes: read as stdin.
check "named pipe" 0 "" <(cat "$good")
sessions=$(grep -c '"client"' "$tmp/out")
check "gzip through a named pipe" 0 "" <(gzip -c "$good")
if [ "$sessions" -ge 1 ] && [ "$(grep -c '"client"' "$tmp/out")" = "$sessions" ]; then
	echo "ok   pipes: $sessions session(s) each"; pass=$((pass + 1))
else
	echo "FAIL pipes: $sessions session(s), then $(grep -c '"client"' "$tmp/out")"
	fail=$((fail + 1))
fi

# SIGTERM while a pipe has stopped sending (the read blocks in the reader
# thread): exit 0 within a second, and the report covers every packet
# read.  SIGTERM, as a background job here ignores SIGINT until ftpaudit
# installs its handler.
mkfifo "$tmp/stall" || exit 1
/usr/bin/python3 - "$good" "$tmp/stall" <<'PY' &
import sys, time
g = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(g[:24])
    n = 0
    while n < 400000:          # more than zlib's 256 KiB read-ahead
        f.write(g[24:]); n += len(g) - 24
    f.flush()
    time.sleep(30)
PY
writer=$!
# -q: the capture repeated runs back in time, and that warns.
"$FTPAUDIT" analyze -q -F json "$tmp/stall" >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 1.5
kill -TERM "$pid"
for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
rc=running
kill -0 "$pid" 2>/dev/null && kill -9 "$pid" || { wait "$pid"; rc=$?; }
if [ "$rc" != 0 ]; then
	echo "FAIL stalled pipe: exit status $rc 1 s after SIGTERM"
	fail=$((fail + 1))
elif /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
read, seen = d["inputs"][0]["packets"], d["stats"]["packets"]
sys.exit(0 if read > 100 and read == seen and d["sessions"] else 1)' "$tmp/out" &&
    [ ! -s "$tmp/err" ]; then
	echo "ok   stalled pipe: SIGTERM ends it, every packet read reported"
	pass=$((pass + 1))
else
	echo "FAIL stalled pipe: $(head -c 300 "$tmp/err")"; fail=$((fail + 1))
fi
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null

check "usage: no capture" 2 "no capture given"
check "usage: bad format" 2 "expected text, json, ndjson, zeek, zeek-json, eve or html" -F yaml "$good"
check "usage: bad ports" 2 "--ports" -P 21,x "$good"
check "usage: bad number" 2 "--max-line" --max-line=abc "$good"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

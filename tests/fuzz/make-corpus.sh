#!/bin/sh
# SPDX-License-Identifier: ISC
# make-corpus.sh: build seed corpora for the libFuzzer harnesses from
# samples/*.pcap* and the hand seeds in tests/fuzz/seeds/.
#
#   tests/fuzz/make-corpus.sh OUTDIR
#
# Makes OUTDIR/{pcap,engine,ftp_line,negotiation,reasm,ruleset_nft,
# ruleset_ipt}: whole capture
# files for fuzz_pcap, their frames in fuzz_engine's record format,
# control-stream payloads (one file per direction of each control
# connection, extracted with tshark) for fuzz_ftp_line, PORT/EPRT/LPRT
# arguments and 227/228/229 texts from those streams plus the hand seeds
# for fuzz_negotiation, a few segment scripts for fuzz_reasm, and for
# fuzz_ruleset_nft/ipt the rulesets as the kernel lists them back
# (tests/fuzz/seeds/ruleset_*, made by make-ruleset-seeds.sh, and
# tests/integration/audit-data).  Needs
# /usr/bin/python3; tshark for the control streams (skipped without it).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$1
mkdir -p "$out/pcap" "$out/engine" "$out/ftp_line" "$out/negotiation" "$out/reasm" \
    "$out/ruleset_nft" "$out/ruleset_ipt"
cp "$here"/seeds/ruleset_nft/* "$out/ruleset_nft/"
cp "$here"/seeds/ruleset_ipt/* "$out/ruleset_ipt/"
for f in "$top"/tests/integration/audit-data/*.json; do
	cp "$f" "$out/ruleset_nft/audit-data.$(basename "$f")"
done
for f in "$top"/tests/integration/audit-data/*.ipt; do
	cp "$f" "$out/ruleset_ipt/audit-data.$(basename "$f")"
done

for f in "$top"/samples/*.pcap "$top"/samples/*.pcapng; do
	[ -f "$f" ] && cp "$f" "$out/pcap/"
done
# A gzip-compressed capture goes through the zlib path of capture.c.
gzip -c "$top/samples/crafted-basic.pcap" > "$out/pcap/crafted-basic.pcap.gz"

if command -v tshark >/dev/null 2>&1; then
	for f in "$top"/samples/*.pcap "$top"/samples/*.pcapng; do
		b=$(basename "$f")
		tshark -n -r "$f" -Y 'tcp.len > 0 && (tcp.port == 21 || tcp.port == 2121)' \
		    -T fields -E separator=' ' -e tcp.stream -e tcp.srcport \
		    -e tcp.payload 2>/dev/null > "$out/.streams.$b.txt" || true
	done
else
	echo "make-corpus.sh: no tshark: no control-stream seeds" >&2
fi

/usr/bin/python3 - "$top" "$out" <<'PY'
import glob, os, struct, sys

top, out = sys.argv[1], sys.argv[2]

def w(sub, name, data):
    with open(os.path.join(out, sub, name), "wb") as f:
        f.write(data)

# fuzz_engine: byte 0 link type index, byte 1 format/verify, then records
# (u16 length, timing byte, frame).  Classic pcap only.
DLT_INDEX = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 12: 5, 228: 6, 229: 7, 14: 8}
for path in sorted(glob.glob(os.path.join(top, "samples", "*.pcap"))):
    raw = open(path, "rb").read()
    if len(raw) < 24:
        continue
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        continue
    nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", raw[20:24])[0] & 0xffff
    if linktype not in DLT_INDEX:
        continue
    res, off, last = bytearray([DLT_INDEX[linktype], 0]), 24, None
    while off + 16 <= len(raw):
        sec, frac, incl, orig = struct.unpack(e + "IIII", raw[off:off + 16])
        frame = raw[off + 16:off + 16 + incl][:65535]
        off += 16 + incl
        us = sec * 1000000 + (frac // 1000 if nsec else frac)
        d = 0 if last is None else max(0, us - last)
        last = us
        if d >= 10000000:
            t = 0x40 | min(63, d // 10000000)
        else:
            t = min(63, d // 1000)
        if orig > incl:
            t |= 0x80
        res += struct.pack(">HB", len(frame), t) + frame
    w("engine", os.path.basename(path) + ".eng", bytes(res))

# fuzz_ftp_line and fuzz_negotiation from the tshark dumps.
NEG = (b"PORT ", b"EPRT ", b"LPRT ", b"227", b"228", b"229")
neg = set()
for dump in sorted(glob.glob(os.path.join(out, ".streams.*.txt"))):
    name = os.path.basename(dump)[len(".streams."):-len(".txt")]
    streams = {}
    for line in open(dump):
        parts = line.split()
        if len(parts) != 3:
            continue
        key = (parts[0], parts[1])
        streams.setdefault(key, bytearray()).extend(bytes.fromhex(parts[2].replace(":", "")))
    for i, (key, data) in enumerate(sorted(streams.items())):
        # Header: line cap index 6 (256), chunk sizes 8, 1, 63, 20.
        w("ftp_line", "%s.%d" % (name, i), bytes([6, 7, 0, 62, 19]) + bytes(data))
        for l in bytes(data).split(b"\n"):
            l = l.rstrip(b"\r")
            if l[:5].upper() in NEG[:3]:
                neg.add(l[5:])
            elif l[:3] in NEG[3:]:
                neg.add(l[4:])
    os.unlink(dump)
for i, n in enumerate(sorted(neg)):
    w("negotiation", "sample.%d" % i, n)
for f in sorted(glob.glob(os.path.join(top, "tests", "fuzz", "seeds", "negotiation", "*"))):
    w("negotiation", "hand." + os.path.basename(f), open(f, "rb").read())
# Hand lines: multi-line replies, Telnet IAC, bare LF and CR, long lines.
hand = [
    b"220-Welcome\r\n220-more\r\n 230 not the end\r\n220 end\r\n",
    b"USER anonymous\r\nPASS x\xff\xff\xff\xf4\xff\xf2ABOR\r\nQUIT\n",
    b"\xff\xfa\x18\x01\xff\xf0FEAT\r\n211-Features:\r\n EPSV\r\n MLST size*;\r\n211 End\r\n",
    b"227 Entering Passive Mode (192,168,1,2,19,137).\r\n229 Entering Extended Passive Mode (|||6446|)\r\n",
    b"PORT 10,0,0,1,4,1\r\nEPRT |2|::1|5282|\r\nLPRT 6,16,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,2,4,1\r\n",
    b"A" * 300 + b"\r\nSTOR \r\rx\r\n",
]
for i, h in enumerate(hand):
    w("ftp_line", "hand.%d" % i, bytes([i % 8, 0, 3, 15, 63]) + h)

# fuzz_reasm: caps, budget, ISN, then 5-byte ops (see fuzz_reasm.c).
def op(stream, kind, delta, length, flags=0, far=False):
    b0 = (stream & 1) | (kind << 1) | (0x40 if far else 0)
    d = delta & 0xffff
    return bytes([b0, d >> 8, d & 0xff, length & 0xff, ((length >> 8) & 7) | flags])
SYN, ACK, FLUSH_OR_FIN = 4, 5, 6
hdr = bytes([4, 5, 3]) + b"\xff\xff\xff\x00"
scripts = {
    "inorder": [op(0, SYN, 0, 0), op(0, 0, 0, 100), op(0, 0, 0, 100), op(1, 0, 0, 50), op(0, 7, 0, 10)],
    "reorder": [op(0, SYN, 0, 0), op(0, 0, 100, 100), op(0, 0, 300, 50), op(0, 0, 0, 100), op(0, 0, 0, 200)],
    "retrans": [op(0, 0, 0, 100), op(0, 0, -50, 100), op(0, 0, 20, 10, 0x08), op(0, 0, 10, 30)],
    "ack": [op(1, 0, 0, 10), op(1, 0, 500, 100), op(1, ACK, 400, 0), op(1, 0, 0, 40)],
    "budget": [op(0, 0, 0, 1), op(0, 0, 1000, 400), op(1, 0, 0, 1), op(1, 0, 1000, 400), op(1, FLUSH_OR_FIN, 0, 0, 0x80)],
    "fin": [op(0, 0, 0, 10), op(0, FLUSH_OR_FIN, 200, 0), op(0, 0, 100, 300), op(0, 0, 0, 500)],
}
for name, ops in scripts.items():
    w("reasm", name, hdr + b"".join(ops))
PY
for d in pcap engine ftp_line negotiation reasm ruleset_nft ruleset_ipt; do
	echo "$d: $(ls "$out/$d" | wc -l) files"
done

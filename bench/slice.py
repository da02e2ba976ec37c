#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""slice.py: copy the first packets of a classic pcap, up to a byte budget.

usage: slice.py IN.pcap OUT.pcap MAX_BYTES

Cuts at a packet boundary, so the slice is a valid capture (editcap -c would
write the whole file out as many pieces).  Prints the packet count and size.
"""

import struct
import sys

MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
          b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: slice.py IN.pcap OUT.pcap MAX_BYTES")
    src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(src, "rb") as f:
        buf = f.read(limit)
    order = MAGICS.get(buf[:4])
    if order is None or len(buf) < 24:
        sys.exit("slice.py: %s: not a classic pcap file" % src)
    rec = struct.Struct(order + "IIII")
    off, packets = 24, 0
    while off + 16 <= len(buf):
        caplen = rec.unpack_from(buf, off)[2]
        if off + 16 + caplen > len(buf):
            break
        off += 16 + caplen
        packets += 1
    with open(dst, "wb") as f:
        f.write(memoryview(buf)[:off])
    print("%d packets %d bytes" % (packets, off))


if __name__ == "__main__":
    main()

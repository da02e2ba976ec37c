#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Write NAME.expect.json for a real (lab) capture and check it.

Usage: pcap_expect.py PCAP SPEC.json OUT.expect.json

SPEC is what the sample maker knows by hand: what each client did (the
commands it sends and the replies the server gives, the files and their
sizes).  This script reads the capture with tshark twice:

  1. tshark's FTP dissector (-Y ftp -T fields, with the spec's server ports
     decoded as FTP): the commands and reply codes per control connection;
  2. the raw TCP payload (tcp.payload), reassembled by sequence number and
     split into lines here, with multi-line replies and pipelining handled.

Both views must equal the hand-written spec (tshark decodes only the first
FTP line of a segment: where that matters the spec carries a "tshark_note"
and only view 2 must match).  Only then is the expectation file written,
with what the capture alone can tell: client/server ports, which TCP
connection carried each transfer, and the size of listings.

Nothing here comes from ftpaudit itself.
"""

import json
import re
import subprocess
import sys

TRANSFER_VERBS = {"RETR": "download", "STOR": "upload", "STOU": "upload",
                  "APPE": "upload", "LIST": "listing", "NLST": "listing",
                  "MLSD": "listing"}
NEGOTIATION_VERBS = {"PASV", "EPSV", "PORT", "EPRT", "LPRT", "LPSV"}


def die(msg):
    sys.stderr.write("pcap_expect: %s\n" % msg)
    sys.exit(1)


def tshark(pcap, ports, fields, display_filter=None):
    cmd = ["tshark", "-n", "-r", pcap]
    for p in ports:
        cmd += ["-d", "tcp.port==%d,ftp" % p]
    if display_filter:
        cmd += ["-Y", display_filter]
    cmd += ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode()
    rows = []
    for line in out.splitlines():
        rows.append(dict(zip(fields, line.split("\t"))))
    return rows


class Stream:
    def __init__(self, idx):
        self.idx = idx
        self.first_frame = None
        self.syn_frame = None
        self.client = None  # (ip, port) of the side that sent the SYN
        self.server = None
        self.isn = {}  # (ip, port) -> ISN
        self.segs = {}  # (ip, port) -> {seq: payload}
        self.fin = {}  # (ip, port) -> seq of FIN
        self.frames = []  # (frame, src, seq, payload)

    def bytes_from(self, side):
        """Unique payload bytes sent by side, by sequence number."""
        segs = self.segs.get(side, {})
        covered = 0
        end = None
        for seq in sorted(segs):
            data = segs[seq]
            s, e = seq, seq + len(data)
            if end is not None and s < end:
                s = end
            if e > s:
                covered += e - s
            end = e if end is None else max(end, e)
        return covered

    def data_from(self, side):
        segs = self.segs.get(side, {})
        out = bytearray()
        end = None
        for seq in sorted(segs):
            data = segs[seq]
            if end is None:
                end = seq
            if seq > end:
                die("stream %d: gap in %s's data at %d" % (self.idx, side, seq))
            skip = end - seq
            if skip < len(data):
                out += data[skip:]
                end = seq + len(data)
        return bytes(out)


def read_streams(pcap, ports):
    fields = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport",
              "ip.dst", "ipv6.dst", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack",
              "tcp.flags.fin", "tcp.seq_raw", "tcp.len", "tcp.payload"]
    streams = {}
    for r in tshark(pcap, ports, fields, "tcp"):
        idx = int(r["tcp.stream"])
        st = streams.setdefault(idx, Stream(idx))
        frame = int(r["frame.number"])
        src = (r["ip.src"] or r["ipv6.src"], int(r["tcp.srcport"]))
        dst = (r["ip.dst"] or r["ipv6.dst"], int(r["tcp.dstport"]))
        seq = int(r["tcp.seq_raw"])
        if st.first_frame is None:
            st.first_frame = frame
        syn = r["tcp.flags.syn"] in ("1", "True")
        ack = r["tcp.flags.ack"] in ("1", "True")
        if syn:
            st.isn[src] = seq
            if not ack and st.syn_frame is None:
                st.syn_frame = frame
                st.client, st.server = src, dst
            seq += 1
        payload = bytes.fromhex(r["tcp.payload"].replace(":", "")) if r["tcp.payload"] else b""
        if payload:
            base = st.isn.get(src)
            rel = (seq - base - 1) % (1 << 32) if base is not None else seq
            st.segs.setdefault(src, {})[rel] = payload
        st.frames.append((frame, src, dst, payload))
        if r["tcp.flags.fin"] in ("1", "True"):
            st.fin[src] = seq
    for st in streams.values():
        if st.client is None:
            die("stream %d has no SYN (real captures must hold whole connections)" % st.idx)
    return streams


def split_lines(data):
    """CRLF-terminated lines; an unterminated tail (a connection cut short,
    or TLS records after AUTH) is left out."""
    lines = data.split(b"\r\n")
    lines.pop()
    return [l.decode("latin-1") for l in lines]


def parse_control(st):
    """Commands and replies of a control connection from the raw bytes.

    Returns (banner_code, [[verb, arg, [codes...], final]], tls) where codes
    lists every reply code (preliminary included) given to the command.
    Lines are ordered per direction only; replies are matched to the oldest
    command still waiting for a final reply (which is what pipelining needs).
    Byte positions across directions are ordered by frame number.
    """
    cside, sside = st.client, st.server
    # Interleave the two directions by the frame that carried each line's
    # last byte: reassemble each side, then walk frames.
    events = []  # (frame, side, line)
    for side in (cside, sside):
        data = st.data_from(side)
        # Lab captures deliver each side's bytes in order (no loss, no
        # reordering); a retransmission repeats bytes already seen.
        off = 0
        ends = []  # (offset after this frame's bytes, frame)
        for frame, src, dst, payload in st.frames:
            if src != side or not payload:
                continue
            if data[off:off + len(payload)] != payload:
                if payload in data[:off]:
                    continue
                die("stream %d: out-of-order data in a lab capture" % st.idx)
            off += len(payload)
            ends.append((off, frame))
        start = 0
        for line in split_lines(data):
            end = start + len(line) + 2
            fr = next(f for o, f in ends if o >= end)
            events.append((fr, 0 if side == cside else 1, start, line))
            start = end
    events.sort(key=lambda e: (e[0], e[1], e[2]))

    cmds = []
    pending = []  # indexes of commands waiting for a final reply
    banner = None
    multi = None  # code of the multi-line reply being read
    tls = False
    for frame, who, _, line in events:
        if tls:
            break
        if who == 0:
            verb, _, arg = line.partition(" ")
            cmds.append([verb.upper(), arg if arg else None, [], None, frame])
            pending.append(len(cmds) - 1)
            continue
        if multi is not None:
            if line[:3] == multi and line[3:4] == " ":
                code = int(multi)
                multi = None
            else:
                continue
        else:
            m = re.match(r"^(\d{3})([ -])", line + " ")
            if not m:
                die("stream %d: unexpected reply line %r" % (st.idx, line))
            if m.group(2) == "-":
                multi = m.group(1)
                continue
            code = int(m.group(1))
        if not pending:
            if banner is None and not cmds:
                banner = code
                continue
            die("stream %d: reply %d without a command" % (st.idx, code))
        c = cmds[pending[0]]
        c[2].append(code)
        if code >= 200:
            c[3] = code
            pending.pop(0)
            if c[0] in ("AUTH",) and code == 234:
                tls = True
    return banner, cmds, tls


def tshark_view(pcap, ports, stream_idx):
    """(verb, final code) pairs from tshark's FTP dissector.

    tshark gives one row per frame (the first FTP line of the segment).  A
    multi-line reply is recognised from the Info column ("ddd-" opens it,
    "ddd " closes it).  After AUTH -> 234 the rest is TLS and is not read.
    """
    rows = tshark(pcap, ports, ["frame.number", "ftp.request.command",
                                "ftp.response.code", "_ws.col.Info"],
                  "ftp && tcp.stream==%d" % stream_idx)
    cmds = []
    pending = []
    started = False
    multi = None
    for r in rows:
        info = r["_ws.col.Info"]
        if r["ftp.request.command"]:
            cmds.append([r["ftp.request.command"].upper(), None])
            pending.append(len(cmds) - 1)
            started = True
            continue
        text = info[len("Response: "):] if info.startswith("Response: ") else ""
        if multi is not None:
            if text[:3] == multi and text[3:4] == " ":
                multi = None
                code = int(text[:3])
            else:
                continue
        elif r["ftp.response.code"]:
            code = int(r["ftp.response.code"])
            if text[3:4] == "-":
                multi = text[:3]
                continue
        else:
            continue
        if not started:
            continue  # banner
        if not pending:
            cmds.append(["?", code])  # a reply tshark cannot pair
            continue
        if code >= 200:
            i = pending.pop(0)
            cmds[i][1] = code
            if cmds[i][0] == "AUTH" and code == 234:
                break
    return cmds


def endpoint(side):
    return {"ip": side[0], "port": side[1]}


def main():
    if len(sys.argv) != 4:
        die("usage: pcap_expect.py PCAP SPEC.json OUT.json")
    pcap, spec_path, out_path = sys.argv[1:]
    with open(spec_path) as f:
        spec = json.load(f)
    ports = sorted({s["server_port"] for s in spec["sessions"]})
    streams = read_streams(pcap, ports)

    control = [st for st in sorted(streams.values(), key=lambda s: s.syn_frame)
               if st.server[1] in ports]
    used_spec = set()
    used_data = set()
    sessions = []
    errors = []
    for st in control:
        banner, cmds, tls = parse_control(st)
        seen = [[c[0], c[3]] for c in cmds]
        # Find the hand spec for this session: same server port and commands.
        match = None
        for i, s in enumerate(spec["sessions"]):
            if i in used_spec or s["server_port"] != st.server[1]:
                continue
            if [list(x) for x in s["commands"]] == seen and \
                    s.get("family", 6 if ":" in st.client[0] else 4) == (6 if ":" in st.client[0] else 4):
                match = i
                break
        if match is None:
            errors.append("control connection %s -> %s (stream %d): commands %s match no "
                          "hand-written session" % (st.client, st.server, st.idx, json.dumps(seen)))
            continue
        used_spec.add(match)
        hand = spec["sessions"][match]

        tv = tshark_view(pcap, ports, st.idx)
        if tv != seen:
            if not hand.get("tshark_note"):
                errors.append("stream %d: tshark sees %s, payload parse and hand spec %s"
                              % (st.idx, json.dumps(tv), json.dumps(seen)))
        elif hand.get("tshark_note"):
            errors.append("stream %d: tshark_note given but tshark agrees" % st.idx)

        # Login as the capture shows it.
        user = None
        login = "none"
        for c in cmds:
            if c[0] == "USER":
                user = c[1]
            if c[0] in ("USER", "PASS") and c[3] is not None:
                if c[3] == 230:
                    login = "success"
                elif c[3] == 530:
                    login = "failed"
        for key, val in (("user", user), ("login", login), ("tls", tls)):
            if hand[key] != val:
                errors.append("stream %d: %s is %r in the capture, %r by hand"
                              % (st.idx, key, val, hand[key]))

        # Transfers.
        transfers = []
        neg = None
        hand_tr = list(hand.get("transfers", []))
        for c in cmds:
            verb, arg, codes, final, frame = c
            if verb in NEGOTIATION_VERBS and final is not None and 200 <= final < 300:
                neg = (verb, arg, final, frame, c)
            if verb not in TRANSFER_VERBS:
                continue
            if not codes or codes[0] >= 400:
                continue  # refused, no data connection
            if neg is None:
                errors.append("stream %d: %s without negotiation" % (st.idx, verb))
                continue
            nverb = neg[0]
            mode = "passive" if nverb in ("PASV", "EPSV", "LPSV") else "active"
            dport = None
            if nverb == "PASV":
                txt = st_reply_text(st, neg[3])
                m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", txt)
                dport = int(m.group(5)) * 256 + int(m.group(6))
            elif nverb == "EPSV":
                txt = st_reply_text(st, neg[3])
                m = re.search(r"\((.)\1\1(\d+)\1\)", txt)
                dport = int(m.group(2))
            elif nverb == "PORT":
                nums = [int(x) for x in neg[1].split(",")]
                dport = nums[4] * 256 + nums[5]
            elif nverb == "EPRT":
                d = neg[1][0]
                parts = neg[1].split(d)
                dport = int(parts[3])
            cand = None
            for ds in sorted(streams.values(), key=lambda s: s.syn_frame):
                if ds.idx in used_data or ds.syn_frame < neg[3] or ds is st:
                    continue
                if mode == "passive" and ds.server[1] == dport and ds.client[0] == st.client[0]:
                    cand = ds
                    break
                if mode == "active" and ds.server[1] == dport and ds.client[0] == st.server[0]:
                    cand = ds
                    break
            if cand is None:
                errors.append("stream %d: no data connection for %s after %s" % (st.idx, verb, nverb))
                continue
            used_data.add(cand.idx)
            direction = TRANSFER_VERBS[verb]
            # The FTP server side of the data connection sends downloads and
            # listings; in active mode it is the TCP client.
            ftp_server_side = cand.server if mode == "passive" else cand.client
            ftp_client_side = cand.client if mode == "passive" else cand.server
            sender = ftp_client_side if direction == "upload" else ftp_server_side
            nbytes = cand.bytes_from(sender)
            other = ftp_server_side if sender == ftp_client_side else ftp_client_side
            if cand.bytes_from(other):
                errors.append("stream %d: data flows both ways" % cand.idx)
            tr = {"mode": mode, "negotiation": nverb, "command": verb, "path": arg,
                  "direction": direction, "bytes": nbytes,
                  "data": {"client": endpoint(ftp_client_side),
                           "server": endpoint(ftp_server_side)}}
            if not hand_tr:
                errors.append("stream %d: transfer %s %s not in hand spec" % (st.idx, verb, arg))
                continue
            h = hand_tr.pop(0)
            for k in ("mode", "negotiation", "command", "path", "direction"):
                if h[k] != tr[k]:
                    errors.append("stream %d: transfer %s: %s is %r in capture, %r by hand"
                                  % (st.idx, verb, k, tr[k], h[k]))
            if h.get("bytes") is not None and h["bytes"] != nbytes:
                errors.append("stream %d: transfer %s %s: %d bytes in capture, %d by hand"
                              % (st.idx, verb, arg, nbytes, h["bytes"]))
            transfers.append(tr)
        if hand_tr:
            errors.append("stream %d: hand transfers not found: %s" % (st.idx, hand_tr))

        sess = {"client": endpoint(st.client), "server": endpoint(st.server),
                "user": user, "login": login, "tls": tls,
                "commands": seen, "transfers": transfers}
        for k in ("tshark_note", "note"):
            if hand.get(k):
                sess[k] = hand[k]
        sessions.append(sess)

    if len(used_spec) != len(spec["sessions"]):
        missing = [s["commands"] for i, s in enumerate(spec["sessions"]) if i not in used_spec]
        errors.append("hand-written sessions not in capture: %s" % json.dumps(missing))
    leftover = [s.idx for s in streams.values() if s not in control and s.idx not in used_data]
    n_other = len(leftover)
    if n_other != spec.get("other_tcp_connections", 0):
        errors.append("%d TCP connections are neither control nor tied data connections "
                      "(streams %s); spec says %d" % (n_other, leftover,
                                                       spec.get("other_tcp_connections", 0)))
    if errors:
        for e in errors:
            sys.stderr.write("pcap_expect: %s: %s\n" % (pcap, e))
        sys.exit(1)
    out = {"sample": spec["sample"], "description": spec["description"],
           "source": "lab capture (samples/make-samples.sh); commands checked against "
                     "tshark and the hand-written client script",
           "sessions": sessions}
    if spec.get("other_tcp_connections"):
        out["other_tcp_connections"] = spec["other_tcp_connections"]
    write_expect(out, out_path)


def _fmt(o, ind):
    flat = json.dumps(o)
    if len(flat) + ind <= 100 or not isinstance(o, (list, dict)) or not o:
        return flat
    pad = " " * (ind + 1)
    if isinstance(o, dict):
        items = ["%s%s: %s" % (pad, json.dumps(k), _fmt(v, ind + 1)) for k, v in o.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * ind + "}"
    items = [pad + _fmt(v, ind + 1) for v in o]
    return "[\n" + ",\n".join(items) + "\n" + " " * ind + "]"


def write_expect(obj, path):
    """Write an expectation file: JSON, small lists and objects on one line."""
    with open(path, "w") as f:
        f.write(_fmt(obj, 0) + "\n")


def st_reply_text(st, cmd_frame):
    """Text of the first reply line from the server after frame cmd_frame."""
    # Use frames: the first server payload at or after the command's frame
    # that starts with 227/229.
    for frame, src, dst, payload in st.frames:
        if src == st.server and payload and frame >= cmd_frame:
            for line in payload.decode("latin-1").split("\r\n"):
                if line[:3] in ("227", "229"):
                    return line
    die("stream %d: no 227/229 reply after frame %d" % (st.idx, cmd_frame))


if __name__ == "__main__":
    main()

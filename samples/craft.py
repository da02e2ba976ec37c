#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Crafted FTP captures for reassembly edge cases, with their expectations.

Usage: /usr/bin/python3 samples/craft.py [OUTDIR]     (default: samples/)

No network traffic: packets are built with scapy and written to files here
(classic pcap, nanosecond pcap and pcapng are written by this script itself,
so the bytes do not depend on the scapy version's writers).  Everything is
deterministic: fixed addresses, ports, ISNs, IP ids, timestamps and payloads,
so a rerun gives byte-identical files.

Every sample is one FTP session in the style of vsftpd (banner, USER/PASS,
TYPE I, PASV (or PORT/EPSV), RETR of a 3000-byte file over a data connection,
QUIT) with one twist; the expectation is computed from what was crafted, not
from any tool.  See samples/README.md for the list and the file format.
"""

import os
import struct
import sys
from decimal import Decimal

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scapy.all import IP, TCP, Ether, IPv6, Dot1Q, Dot1AD, Raw  # noqa: E402
from scapy.layers.inet import IPOption_RR, IPOption_Router_Alert  # noqa: E402
from scapy.layers.inet6 import IPv6ExtHdrHopByHop, RouterAlert  # noqa: E402
from scapy.layers.l2 import CookedLinux, CookedLinuxV2  # noqa: E402

from pcap_expect import write_expect  # noqa: E402

M32 = 1 << 32

CLIENT_MAC = "02:00:00:00:01:0a"
SERVER_MAC = "02:00:00:00:02:14"

CLIENT4 = "10.30.1.10"
SERVER4 = "10.30.2.20"
CLIENT6 = "fd30:1::10"
SERVER6 = "fd30:2::20"
CTRL_PORT = 41000       # client's control port
DATA_CPORT = 42000      # client's port for the passive data connection
PASV_PORT = 40000       # 156*256+64
FILE_NAME = "file.bin"
FILE_SIZE = 3000
FILE = bytes((i * 7 + 3) & 0xFF for i in range(FILE_SIZE))
T0 = Decimal("1700000000.000000")
STEP = Decimal("0.000250")

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276


# ---------------------------------------------------------------- writers

def write_pcap(path, frames, linktype=LINKTYPE_ETHERNET, nano=False):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 262144, linktype))
        for t, data in frames:
            sec = int(t)
            frac = int((t - sec) * (10 ** 9 if nano else 10 ** 6))
            f.write(struct.pack("<IIII", sec, frac, len(data), len(data)))
            f.write(data)


def _pad4(b):
    return b + b"\0" * (-len(b) % 4)


def _block(btype, body):
    body = _pad4(body)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def write_pcapng(path, frames, linktype=LINKTYPE_ETHERNET):
    """Section header + one interface (if_tsresol 6 = microseconds) + one
    enhanced packet block per frame."""
    shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
    opt_name = b"veth-s"
    idb_opts = (struct.pack("<HH", 2, len(opt_name)) + _pad4(opt_name) +  # if_name
                struct.pack("<HH", 9, 1) + _pad4(b"\x06") +              # if_tsresol
                struct.pack("<HH", 0, 0))
    idb = struct.pack("<HHI", linktype, 0, 262144) + idb_opts
    with open(path, "wb") as f:
        f.write(_block(0x0A0D0D0A, shb))
        f.write(_block(0x00000001, idb))
        for t, data in frames:
            ts = int(t * 10 ** 6)
            epb = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data))
            f.write(_block(0x00000006, epb + _pad4(data)))


# ---------------------------------------------------------------- packets

class Net:
    """How a TCP segment is wrapped: link layer and IP version/options."""

    def __init__(self, family=4, link="ether", ipopts=False, hbh=False):
        self.family = family
        self.link = link
        self.ipopts = ipopts
        self.hbh = hbh
        self.ipid = {}

    def linktype(self):
        return {"ether": LINKTYPE_ETHERNET, "vlan": LINKTYPE_ETHERNET,
                "qinq": LINKTYPE_ETHERNET, "sll": LINKTYPE_LINUX_SLL,
                "sll2": LINKTYPE_LINUX_SLL2}[self.link]

    def frame(self, src, dst, tcp, from_server):
        if self.family == 4:
            ipid = self.ipid.get(src, 0x1000 if from_server else 0x2000)
            self.ipid[src] = ipid + 1
            ip = IP(src=src, dst=dst, id=ipid, flags="DF", ttl=64)
            if self.ipopts:
                ip.options = [IPOption_Router_Alert(), IPOption_RR(routers=["10.30.0.1"])]
            l3 = ip / tcp
            ethertype = 0x0800
        else:
            ip = IPv6(src=src, dst=dst, hlim=64)
            if self.hbh:
                l3 = ip / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / tcp
            else:
                l3 = ip / tcp
            ethertype = 0x86DD
        smac, dmac = (SERVER_MAC, CLIENT_MAC) if from_server else (CLIENT_MAC, SERVER_MAC)
        # Captured on the server: its own frames are outgoing.
        pkttype = 4 if from_server else 0
        if self.link == "ether":
            p = Ether(src=smac, dst=dmac, type=ethertype) / l3
        elif self.link == "vlan":
            p = Ether(src=smac, dst=dmac) / Dot1Q(vlan=100, type=ethertype) / l3
        elif self.link == "qinq":
            p = Ether(src=smac, dst=dmac) / Dot1AD(vlan=200) / Dot1Q(vlan=100, type=ethertype) / l3
        elif self.link == "sll":
            p = CookedLinux(pkttype=pkttype, lladdrtype=1, lladdrlen=6,
                            src=bytes.fromhex(smac.replace(":", "")) + b"\0\0",
                            proto=ethertype) / l3
        elif self.link == "sll2":
            p = CookedLinuxV2(proto=ethertype, ifindex=2, lladdrtype=1, pkttype=pkttype,
                              lladdrlen=6,
                              src=bytes.fromhex(smac.replace(":", "")) + b"\0\0") / l3
        else:
            raise ValueError(self.link)
        return bytes(p)


class Capture:
    """The timeline: frames in capture order, 250 us apart."""

    def __init__(self, net):
        self.net = net
        self.frames = []

    def add(self, data):
        self.frames.append(data)

    def timed(self):
        return [(T0 + STEP * i, d) for i, d in enumerate(self.frames)]


class Conn:
    """One TCP connection; 'c' is the side that opens it, 's' the other."""

    def __init__(self, cap, c, s, c_isn, s_isn):
        self.cap = cap
        self.ep = {"c": c, "s": s}
        self.isn = {"c": c_isn % M32, "s": s_isn % M32}
        self.nxt = {"c": (c_isn + 1) % M32, "s": (s_isn + 1) % M32}
        self.rcv = {"c": None, "s": None}  # what each side acknowledges
        self.server_side = "s"  # which side is the FTP server (for SLL dir)

    def other(self, side):
        return "s" if side == "c" else "c"

    def segment(self, side, flags, payload=b"", seq=None, emit=True, opts=None):
        src, dst = self.ep[side], self.ep[self.other(side)]
        seq = self.nxt[side] if seq is None else seq % M32
        ack = self.rcv[side]
        tcp = TCP(sport=src[1], dport=dst[1], seq=seq, ack=ack if ack is not None else 0,
                  flags=flags, window=64240 if side == "c" else 65160,
                  options=opts or [])
        if payload:
            tcp = tcp / Raw(payload)
        data = self.cap.net.frame(src[0], dst[0], tcp, side == self.server_side)
        if emit:
            self.cap.add(data)
        return data

    def open(self, emit=True):
        mss = 1460 if self.cap.net.family == 4 else 1440
        self.rcv["s"] = (self.isn["c"] + 1) % M32
        self.segment("c", "S", seq=self.isn["c"], emit=emit, opts=[("MSS", mss)])
        self.segment("s", "SA", seq=self.isn["s"], emit=emit, opts=[("MSS", mss)])
        self.rcv["c"] = (self.isn["s"] + 1) % M32
        self.segment("c", "A", emit=emit)

    def send(self, side, data, pieces=None, order=None, drop=(), dup=(), emit=True):
        """Send data from side as segments of the sizes in pieces (default one
        segment), in capture order `order` (indexes), leaving the indexes in
        drop out of the capture (sent and delivered, not captured) and
        repeating those in dup (an identical retransmission after them).
        The receiver then acknowledges everything with a pure ACK.
        Returns the relative offset (from ISN+1) of the data's first byte."""
        start = self.nxt[side]
        pieces = pieces or [len(data)]
        assert sum(pieces) == len(data)
        segs = []
        off = 0
        for n in pieces:
            segs.append((start + off, data[off:off + n]))
            off += n
        order = order if order is not None else list(range(len(segs)))
        for i in order:
            seq, chunk = segs[i]
            self.nxt[side] = seq
            pkt = self.segment(side, "PA", chunk, seq=seq, emit=False)
            if emit and i not in drop:
                self.cap.add(pkt)
        for i in dup:
            seq, chunk = segs[i]
            pkt = self.segment(side, "PA", chunk, seq=seq, emit=False)
            if emit:
                self.cap.add(pkt)
        self.nxt[side] = (start + len(data)) % M32
        self.rcv[self.other(side)] = self.nxt[side]
        self.segment(self.other(side), "A", emit=emit)
        return (start - self.isn[side] - 1) % M32

    def close(self, first, emit=True):
        second = self.other(first)
        self.segment(first, "FA", emit=emit)
        self.nxt[first] = (self.nxt[first] + 1) % M32
        self.rcv[second] = self.nxt[first]
        self.segment(second, "FA", emit=emit)
        self.nxt[second] = (self.nxt[second] + 1) % M32
        self.rcv[first] = self.nxt[second]
        self.segment(first, "A", emit=emit)


def endpoint(ep):
    return {"ip": ep[0], "port": ep[1]}


# ---------------------------------------------------------------- session

def session(v=None):
    """Build the standard session with the twists in dict v; returns
    (Capture, expectation session dict)."""
    v = v or {}
    family = v.get("family", 4)
    net = Net(family=family, link=v.get("link", "ether"), ipopts=v.get("ipopts", False),
              hbh=v.get("hbh", False))
    cap = Capture(net)
    cip, sip = (CLIENT4, SERVER4) if family == 4 else (CLIENT6, SERVER6)
    cip = v.get("client_ip", cip)
    cli = (cip, CTRL_PORT)
    srv = (sip, 21)
    c_isn = v.get("c_isn", 1000000)
    s_isn = v.get("s_isn", 2000000)
    ctl = Conn(cap, cli, srv, c_isn, s_isn)
    commands = []
    transfers = []
    gaps = []
    conflicts = []
    # Capturing starts at the first command named in v["start_at"].
    capturing = [v.get("start_at") is None]

    def emit():
        return capturing[0]

    ctl.open(emit=emit())

    def reply(text, **kw):
        ctl.send("s", text.encode() + b"\r\n", emit=emit(), **kw)

    def command(text, replies, cmd_kw=None, reply_kw=None, record=True):
        verb = text.split(" ")[0]
        if v.get("start_at") == verb:
            capturing[0] = True
        cmd_kw = dict(cmd_kw or {})
        off = ctl.send("c", text.encode() + b"\r\n", emit=emit(), **cmd_kw)
        if cmd_kw.get("drop"):
            gaps.append({"from": "client", "offset": off, "length": len(text) + 2})
            record = False
        for i, r in enumerate(replies):
            reply(r, **((reply_kw or {}) if i == len(replies) - 1 else {}))
        if record and emit():
            commands.append([verb, int(replies[-1][:3])])

    reply("220 (vsFTPd 3.0.3)")
    command("USER anonymous", ["331 Please specify the password."])
    command("PASS guest@", ["230 Login successful."])
    if v.get("nul_verb"):
        # The server knows no verb "USER\0x" (500): the user stays.
        # Reported upper-cased, the NUL quoted as \x00 (ftpaudit(1),
        # Escaping of wire bytes).
        ctl.send("c", b"USER\0x mallory\r\n")
        reply("500 Unknown command.")
        commands.append(["USER\\x00X", 500])

    if v.get("pipeline"):
        # Two commands in one segment; two replies in two segments.
        if emit():
            commands.append(["TYPE", 200])
            commands.append(["PASV", 227])
        ctl.send("c", b"TYPE I\r\nPASV\r\n", emit=emit())
        reply("200 Switching to Binary mode.")
        reply(pasv_reply(sip), pieces=None)
        neg = "PASV"
    else:
        command("TYPE I", ["200 Switching to Binary mode."], cmd_kw=v.get("type_kw"))
        mode = v.get("mode", "PASV")
        if mode == "PASV":
            rkw = dict(v.get("pasv_reply_kw", {}))
            if v.get("split_pasv_reply"):
                r = pasv_reply(sip)
                cut = r.index("(10,30,2,") + len("(10,30,2,")
                rkw = {"pieces": [cut, len(r) + 2 - cut]}
            command("PASV", [pasv_reply(sip)], cmd_kw=v.get("pasv_kw"), reply_kw=rkw)
        elif mode == "EPSV":
            command("EPSV", ["229 Entering Extended Passive Mode (|||%d|)" % PASV_PORT])
        elif mode == "PORT":
            a = v["port_announce"]
            port_arg = ",".join(a[0].split(".") + [str(a[1] >> 8), str(a[1] & 0xFF)])
            command("PORT " + port_arg, ["200 PORT command successful. Consider using PASV."])
        neg = mode

    # The data connection.
    passive = neg in ("PASV", "EPSV")
    retr = "RETR " + FILE_NAME
    if passive:
        dcli, dsrv = (cip, DATA_CPORT), (sip, PASV_PORT)
        data = Conn(cap, dcli, dsrv, v.get("dc_isn", 5000000), v.get("ds_isn", 6000000))
        data.open(emit=emit())
        sender = "s"
    else:
        dsrv, dcli = (sip, 20), v["port_target"]
        # Active: the FTP server opens the connection; its Conn side "c".
        data = Conn(cap, dsrv, dcli, v.get("ds_isn", 6000000), v.get("dc_isn", 5000000))
        data.server_side = "c"
        sender = "c"
    retr_kw = v.get("retr_kw")
    off = ctl.send("c", retr.encode() + b"\r\n", emit=emit(), **(retr_kw or {}))
    if v.get("overlap"):
        # A second copy of the RETR segment's tail with other bytes, running
        # on into a new command: the receiver (Linux) keeps what it had (the
        # first copy) and takes only the new bytes after it.
        fake = b"evil.bin\r\nNOOP\r\n"
        tail = len("RETR ")
        seq = ctl.isn["c"] + 1 + off + tail
        ctl.segment("c", "PA", fake, seq=seq)
        conflicts.append({"from": "client", "offset": off + tail, "length": len(FILE_NAME) + 2,
                          "kept": FILE_NAME + "\r\n", "other": "evil.bin\r\n"})
        ctl.nxt["c"] = (seq + len(fake)) % M32
        ctl.rcv["s"] = ctl.nxt["c"]
        ctl.segment("s", "A")
    if not passive:
        data.open(emit=emit())  # the server connects, then says 150
    reply("150 Opening BINARY mode data connection for %s (%d bytes)." % (FILE_NAME, FILE_SIZE))
    dkw = v.get("data_kw", {"pieces": [1448, 1448, 104]})
    data.send(sender, FILE, emit=emit(), **dkw)
    data.close(sender, emit=emit())
    reply("226 Transfer complete.")
    if emit():
        commands.append(["RETR", 226])
    if v.get("overlap"):
        reply("200 NOOP ok.")
        commands.append(["NOOP", 200])
    command("QUIT", ["221 Goodbye."])
    ctl.close("s", emit=emit())

    # FTP client / server ends of the data connection.
    d_client, d_server = dcli, dsrv
    tr = {"mode": "passive" if passive else "active", "negotiation": neg,
          "command": "RETR", "path": FILE_NAME, "direction": "download",
          "bytes": FILE_SIZE,
          "data": {"client": endpoint(d_client), "server": endpoint(d_server)}}
    if v.get("port_announce") and tuple(v["port_announce"]) != tuple(d_client):
        tr["announced"] = endpoint(v["port_announce"])
    if "bytes_captured" in v:
        tr["bytes_captured"] = v["bytes_captured"]
    transfers.append(tr)
    start_at = v.get("start_at")
    sess = {"client": endpoint(cli), "server": endpoint(srv),
            "user": None if start_at else "anonymous",
            "login": "none" if start_at else "success",
            "tls": False, "commands": commands, "transfers": transfers}
    if gaps:
        sess["gaps"] = gaps
    if conflicts:
        sess["conflicts"] = conflicts
    return cap, sess


def pasv_reply(sip):
    h = sip.split(".")
    return "227 Entering Passive Mode (%s,%d,%d)." % (",".join(h), PASV_PORT >> 8, PASV_PORT & 0xFF)


# ---------------------------------------------------------------- two clients

CLIENT4_B = "10.30.1.11"
FILE_B_NAME = "other.bin"
FILE_B = bytes((i * 13 + 5) & 0xFF for i in range(5000))


def shared_port(v):
    """Two clients, A (10.30.1.10) and B (10.30.1.11), of the same server
    address, each told in a 227 to connect to 10.30.2.20:40000.  v["mode"]:
    "collision": two servers behind that address answer both PASVs before
    either client connects, and A connects first; "reannounced": A's
    connection never reaches the server (a firewall in front of the capture
    point dropped its SYNs, and A's client, which connects before it sends
    RETR, sends none), the server announces the port again to B, and A's
    last SYN retransmission gets through, to be closed at once by the
    server (a foreign address) before B connects.  Returns
    (Capture, [session A, session B])."""
    cap = Capture(Net())
    srv = (SERVER4, 21)
    a = {"cli": (CLIENT4, CTRL_PORT), "dcli": (CLIENT4, DATA_CPORT), "isn": 1000000,
         "file": (FILE_NAME, FILE), "commands": [], "transfers": []}
    b = {"cli": (CLIENT4_B, CTRL_PORT + 1), "dcli": (CLIENT4_B, DATA_CPORT + 1),
         "isn": 3000000, "file": (FILE_B_NAME, FILE_B), "commands": [], "transfers": []}
    for x in (a, b):
        x["ctl"] = Conn(cap, x["cli"], srv, x["isn"], x["isn"] + 1000000)

    def command(x, text, reply):
        x["ctl"].send("c", text.encode() + b"\r\n")
        x["ctl"].send("s", reply.encode() + b"\r\n")
        x["commands"].append([text.split(" ")[0], int(reply[:3])])

    def login(x):
        x["ctl"].open()
        x["ctl"].send("s", b"220 (vsFTPd 3.0.3)\r\n")
        command(x, "USER anonymous", "331 Please specify the password.")
        command(x, "PASS guest@", "230 Login successful.")
        command(x, "TYPE I", "200 Switching to Binary mode.")

    def data_conn(x):
        return Conn(cap, x["dcli"], (SERVER4, PASV_PORT), x["isn"] + 4000000,
                    x["isn"] + 5000000)

    def retr(x, d):
        name, content = x["file"]
        x["ctl"].send("c", ("RETR " + name).encode() + b"\r\n")
        x["ctl"].send("s", ("150 Opening BINARY mode data connection for %s (%d bytes)."
                            % (name, len(content))).encode() + b"\r\n")
        d.send("s", content, pieces=[1448] * (len(content) // 1448) +
               ([len(content) % 1448] if len(content) % 1448 else []))
        d.close("s")
        x["ctl"].send("s", b"226 Transfer complete.\r\n")
        x["commands"].append(["RETR", 226])
        x["transfers"].append({
            "mode": "passive", "negotiation": "PASV", "command": "RETR", "path": name,
            "direction": "download", "bytes": len(content),
            "data": {"client": endpoint(x["dcli"]), "server": endpoint((SERVER4, PASV_PORT))}})

    def quit(x):
        command(x, "QUIT", "221 Goodbye.")
        x["ctl"].close("s")

    login(a)
    login(b)
    if v["mode"] == "collision":
        command(a, "PASV", pasv_reply(SERVER4))
        command(b, "PASV", pasv_reply(SERVER4))
        da, db = data_conn(a), data_conn(b)
        da.open()
        db.open()
        retr(a, da)
        retr(b, db)
    else:
        command(a, "PASV", pasv_reply(SERVER4))
        # A's first SYNs are dropped before the capture point; the
        # server gives up on A and announces the port again, to B.
        command(b, "PASV", pasv_reply(SERVER4))
        # A's last retransmission gets through, to B's listener: the
        # server closes it at once, a foreign address.
        late = data_conn(a)
        late.open()
        late.close("s")
        db = data_conn(b)
        db.open()
        retr(b, db)
    quit(a)
    quit(b)
    sessions = []
    for x in (a, b):
        sessions.append({"client": endpoint(x["cli"]), "server": endpoint(srv),
                         "user": "anonymous", "login": "success", "tls": False,
                         "commands": x["commands"], "transfers": x["transfers"]})
    return cap, sessions


# ---------------------------------------------------------------- samples

SAMPLES = [
    # name, description, twists, features, extra session notes
    ("crafted-basic", "the reference session: USER/PASS, TYPE I, PASV, RETR file.bin (3000 bytes in "
     "3 segments), QUIT; every other crafted sample changes one thing", {}, []),
    ("crafted-split-command", "RETR file.bin\\r\\n arrives in two segments, cut inside the verb "
     "('RE' + 'TR file.bin\\r\\n')", {"retr_kw": {"pieces": [2, 13]}}, ["split_command"]),
    ("crafted-two-commands", "TYPE I\\r\\nPASV\\r\\n in one client segment (pipelined); the "
     "replies 200 and 227 come in two segments", {"pipeline": True}, ["pipelined"]),
    ("crafted-out-of-order", "RETR file.bin\\r\\n sent as 'RETR f' + 'ile.bin\\r\\n'; the capture "
     "holds the second segment before the first", {"retr_kw": {"pieces": [6, 9], "order": [1, 0]}},
     ["out_of_order"]),
    ("crafted-retransmission", "the PASV segment and the 227 reply are each captured twice "
     "(identical retransmissions): PASV is one command",
     {"pasv_kw": {"dup": [0]}, "pasv_reply_kw": {"dup": [0]}}, ["retransmission"]),
    ("crafted-overlap-conflict", "after 'RETR file.bin\\r\\n', a segment overlapping its last 10 "
     "bytes with different ones ('evil.bin\\r\\n') and carrying 'NOOP\\r\\n' beyond: the first "
     "copy wins (as in the Linux receiver, confirmed by the 150 reply naming file.bin), NOOP is a "
     "command", {"overlap": True}, ["overlap_conflict"]),
    ("crafted-gap", "the client segment 'TYPE I\\r\\n' is missing from the capture (the server got "
     "it: it ACKs it and replies 200): an 8-byte hole in the client's stream; the 200 reply "
     "belongs to the lost command and is not listed", {"type_kw": {"drop": [0]}}, ["gap"]),
    ("crafted-midstream", "the capture starts after login, at the client's TYPE I segment: no "
     "SYN, no banner, no USER/PASS", {"start_at": "TYPE"}, ["midstream"]),
    ("crafted-vlan", "the reference session in 802.1Q frames (VLAN 100)", {"link": "vlan"},
     ["vlan"]),
    ("crafted-qinq", "the reference session in 802.1ad QinQ frames (outer S-tag 200, inner "
     "C-tag 100)", {"link": "qinq"}, ["qinq"]),
    ("crafted-sll", "the reference session with link type LINUX_SLL (113, 'any' device)",
     {"link": "sll"}, ["linux_sll"]),
    ("crafted-sll2", "the reference session with link type LINUX_SLL2 (276)", {"link": "sll2"},
     ["linux_sll2"]),
    ("crafted-nat-port", "active mode behind NAT: the control connection comes from "
     "203.0.113.5 (the NAT's address) but PORT names 192.168.1.10:40970 (not rewritten); the "
     "server connects from port 20 to 203.0.113.5:40970",
     {"mode": "PORT", "client_ip": "203.0.113.5", "port_announce": ("192.168.1.10", 40970),
      "port_target": ("203.0.113.5", 40970)}, ["active", "port_address_mismatch"]),
    ("crafted-bounce", "FTP bounce: PORT names a third host, 10.30.3.80 port 80; the server "
     "connects from port 20 to 10.30.3.80:80 and sends file.bin there",
     {"mode": "PORT", "port_announce": ("10.30.3.80", 80), "port_target": ("10.30.3.80", 80)},
     ["active", "port_bounce"]),
    ("crafted-split-pasv-reply", "the 227 reply comes in two segments, cut inside the address "
     "('...(10,30,2,' + '20,156,64).\\r\\n')", {"split_pasv_reply": True}, ["split_reply"]),
    ("crafted-data-gap", "the data connection's second segment (1448 bytes) is missing from the "
     "capture; the true size, 3000 bytes, follows from SYN/FIN sequence numbers; 1552 bytes "
     "were captured", {"data_kw": {"pieces": [1448, 1448, 104], "drop": [1]},
                       "bytes_captured": 1552}, ["data_gap"]),
    ("crafted-seq-wrap", "control ISNs near 2^32 (client 4294967290, server 4294967280) and data "
     "ISN 4294966296 (server): sequence numbers wrap inside USER, the banner and the file data",
     {"c_isn": M32 - 6, "s_isn": M32 - 16, "ds_isn": M32 - 1000}, ["seq_wrap"]),
    ("crafted-ipv4-options", "every IPv4 header carries options (Router Alert + Record Route, "
     "IHL 8)", {"ipopts": True}, ["ipv4_options"]),
    ("crafted-nul-verb", "after login the client sends 'USER\\0x mallory' (a NUL inside the "
     "verb), which the server answers 500: the user stays anonymous",
     {"nul_verb": True}, ["nul_in_verb"]),
    ("crafted-ipv6-hbh", "IPv6 session (EPSV) where every packet has a hop-by-hop extension "
     "header (Router Alert) before TCP", {"family": 6, "hbh": True, "mode": "EPSV"},
     ["ipv6", "ipv6_hop_by_hop"]),
]


# Captures of more than one session: name, description, builder's twists,
# features.
MULTI = [
    ("crafted-port-collision", "two servers behind 10.30.2.20 (a load balancer) tell two "
     "clients, 10.30.1.10 and 10.30.1.11, to connect to 10.30.2.20:40000 (two PASVs "
     "answered before either connects); 10.30.1.10 connects first, then 10.30.1.11: "
     "each connection and its bytes (3000 and 5000) belong to its own client's session",
     {"mode": "collision"}, ["passive_port_collision"]),
    ("crafted-port-reannounced", "a firewall before the capture point drops "
     "10.30.1.10's SYNs to 10.30.2.20:40000 (its client connects before RETR, so sends "
     "none); the server announces 10.30.2.20:40000 again, to 10.30.1.11; then a late "
     "SYN retransmission of 10.30.1.10 gets through and is closed at once by the server "
     "(a foreign address), and 10.30.1.11 connects and downloads other.bin (5000 bytes)",
     {"mode": "reannounced"}, ["passive_port_reannounced", "firewall_drop"]),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, desc, twists, feats in MULTI:
        cap, sessions = shared_port(twists)
        frames = cap.timed()
        write_pcap(os.path.join(out, name + ".pcap"), frames, cap.net.linktype())
        exp = {"sample": name, "description": desc,
               "source": "crafted (samples/craft.py); expectation from the crafted content",
               "features": feats, "sessions": sessions}
        write_expect(exp, os.path.join(out, name + ".expect.json"))
        print("   %s.pcap: %d packets" % (name, len(frames)), file=sys.stderr)
    for name, desc, twists, feats in SAMPLES:
        cap, sess = session(twists)
        frames = cap.timed()
        write_pcap(os.path.join(out, name + ".pcap"), frames, cap.net.linktype())
        exp = {"sample": name, "description": desc,
               "source": "crafted (samples/craft.py); expectation from the crafted content",
               "features": feats, "sessions": [sess]}
        write_expect(exp, os.path.join(out, name + ".expect.json"))
        print("   %s.pcap: %d packets" % (name, len(frames)), file=sys.stderr)
        if name == "crafted-basic":
            for suffix, writer, fmt in (
                    ("crafted-basic-pcapng", "pcapng", "pcapng, microsecond timestamps"),
                    ("crafted-basic-nsec", "nsec", "classic pcap with nanosecond timestamps "
                     "(magic a1b23c4d)")):
                path = os.path.join(out, suffix + (".pcapng" if writer == "pcapng" else ".pcap"))
                if writer == "pcapng":
                    write_pcapng(path, frames)
                else:
                    write_pcap(path, [(t + Decimal("0.000000123"), d) for t, d in frames],
                               nano=True)
                e2 = dict(exp, sample=suffix,
                          description="crafted-basic as " + fmt,
                          features=[writer])
                write_expect(e2, os.path.join(out, suffix + ".expect.json"))
                print("   %s: %d packets" % (os.path.basename(path), len(frames)), file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""nat_expect.py PCAP SPEC OUT: the expectation of a NAT sample.

PCAP was taken with tcpdump -i any on the lab's gateway (both sides of
every translation).  SPEC (written by make-nat-samples.sh) says what the
script knows: the NAT kind, the lab's addresses, and per session the
client's control port (curl --local-port), the commands with the final
reply the server gives each, the transfers, and the NAT diagnoses the
scenario deserves.  Everything else comes from tshark, never from
ftpaudit: the two sides of each connection are the two SYNs with the same
sequence number, the commands must equal SPEC's on both sides, the
announced addresses of both sides say whether the payload was rewritten,
and the data connections' endpoints are taken from their SYNs.  A
mismatch stops with an error: nothing is guessed.
"""
import json
import subprocess
import sys

PCAP, SPEC, OUT = sys.argv[1:4]
spec = json.load(open(SPEC))
CLIENT, SERVER, PUBLIC, GW_OUT = (spec["client"], spec["server"], spec["public"],
                                  spec["gw_out"])
KIND = spec["kind"]
DECODE = ["-d", "tcp.port==2121,ftp"]


def die(msg):
    sys.exit("nat_expect: %s: %s" % (spec["sample"], msg))


def tshark(filt, *fields):
    cmd = ["tshark", "-n", "-r", PCAP] + DECODE + ["-Y", filt, "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


# Every connection's first SYN: stream -> (src, sport, dst, dport, seq).
SYNS = {}
for st, src, sp, dst, dp, seq in tshark("tcp.flags.syn==1 && tcp.flags.ack==0",
                                        "tcp.stream", "ip.src", "tcp.srcport",
                                        "ip.dst", "tcp.dstport", "tcp.seq_raw"):
    SYNS.setdefault(int(st), (src, int(sp), dst, int(dp), int(seq)))


def legs(pred):
    """The two sides of the one connection whose SYN matches pred: the
    client's side first."""
    hits = [s for s, v in SYNS.items() if pred(v)]
    seqs = {SYNS[s][4] for s in hits}
    if len(seqs) != 1:
        die("expected one connection, found SYN sequence numbers %s" % sorted(seqs))
    pair = [s for s, v in SYNS.items() if v[4] in seqs]
    if len(pair) != 2:
        die("connection with ISN %s seen %d times, expected on both sides" %
            (seqs, len(pair)))
    a, b = pair
    # The client's side: its client is the client's own address, and
    # (for dnat) it dials the public address.
    def client_side(s):
        src, _, dst, _, _ = SYNS[s]
        if KIND == "snat":
            return src == CLIENT or dst == CLIENT
        return dst == PUBLIC or src == PUBLIC
    if client_side(a) == client_side(b):
        die("cannot tell the sides of streams %d and %d apart" % (a, b))
    return (a, b) if client_side(a) else (b, a)


def commands(stream):
    """[[COMMAND, final reply], ...] of a control stream."""
    out = []
    for cmd, code in tshark("tcp.stream==%d && ftp" % stream, "ftp.request.command",
                            "ftp.response.code"):
        if cmd:
            out.append([cmd.upper(), None])
        elif code and out and not code.startswith("1"):
            out[-1][1] = int(code.split(",")[0])
    return out


def negotiations(stream):
    """The announced (address, port) of each PORT/EPRT/227/229, in order."""
    got = []
    for row in tshark("tcp.stream==%d && (ftp.active.cip || ftp.eprt.port || "
                      "ftp.passive.ip || ftp.epsv.port)" % stream,
                      "ftp.active.cip", "ftp.active.port", "ftp.eprt.ip",
                      "ftp.eprt.port", "ftp.passive.ip", "ftp.passive.port",
                      "ftp.epsv.port"):
        ip = row[0] or row[2] or row[4] or None
        port = row[1] or row[3] or row[5] or row[6]
        got.append((ip, int(port)))
    return got


def ep(ip, port):
    return {"ip": ip, "port": port}


def side_eps(stream):
    src, sp, dst, dp, _ = SYNS[stream]
    return ep(src, sp), ep(dst, dp)


def nat_object(kind, a, b, initiator_client=True):
    """a the client's side, b the server's: inside is where the translated
    host has its own address."""
    (ac, as_), (bc, bs) = a, b
    in_b = (kind == "dnat") == initiator_client
    ins, out = ((bc, bs), (ac, as_)) if in_b else ((ac, as_), (bc, bs))
    return {"kind": kind, "inside": {"client": ins[0], "server": ins[1]},
            "outside": {"client": out[0], "server": out[1]}}


def conn_kind(a, b):
    cl, sv = a[0] != b[0], a[1] != b[1]
    return "both" if cl and sv else "snat" if cl else "dnat" if sv else None


def session(want):
    lport = want["lport"]
    ca, cb = legs(lambda v: v[1] == lport and v[3] == want["server_port"])
    for s in (ca, cb):
        got = commands(s)
        if got != want["commands"]:
            die("stream %d: commands %s, expected %s" % (s, got, want["commands"]))
    na, nb = negotiations(ca), negotiations(cb)
    if len(na) != len(nb):
        die("the two sides negotiated %d and %d times" % (len(na), len(nb)))
    a_c, a_s = side_eps(ca)
    b_c, b_s = side_eps(cb)
    nat = nat_object(KIND, (a_c, a_s), (b_c, b_s))
    if conn_kind((a_c, a_s), (b_c, b_s)) != KIND:
        die("control connection is not %s: %s / %s" % (KIND, (a_c, a_s), (b_c, b_s)))
    nat["payload_rewritten"] = None if not na else any(x != y for x, y in zip(na, nb))
    out = {"client": a_c, "server": b_s, "user": want["user"], "login": want["login"],
           "tls": False, "commands": want["commands"], "transfers": [], "nat": nat,
           "nat_anomalies": want["nat_anomalies"]}
    for t in want["transfers"]:
        t = dict(t)
        if t["mode"] == "passive":
            da, db = legs(lambda v: v[0] == CLIENT and lport < v[1] <= lport + 9)
            a_dc, a_ds = side_eps(da)
            b_dc, b_ds = side_eps(db)
        else:
            port = na[0][1]
            da, db = legs(lambda v: v[2] == CLIENT and v[3] == port)
            a_ds, a_dc = side_eps(da)
            b_ds, b_dc = side_eps(db)
        t["data"] = {"client": a_dc, "server": b_ds}
        k = conn_kind((a_ds, a_dc) if t["mode"] == "active" else (a_dc, a_ds),
                      (b_ds, b_dc) if t["mode"] == "active" else (b_dc, b_ds))
        if k is not None:
            t["nat"] = nat_object(k, (a_dc, a_ds), (b_dc, b_ds),
                                  t["mode"] == "passive")
            t["nat"]["payload_rewritten"] = nat["payload_rewritten"]
        out["transfers"].append(t)
    return out


def main():
    exp = {"sample": spec["sample"], "description": spec["description"],
           "source": "lab capture on the NAT gateway, tcpdump -i any "
                     "(samples/make-nat-samples.sh); commands checked on both "
                     "sides against tshark and the hand-written client script, "
                     "sides paired by tshark's SYN sequence numbers",
           "sessions": [session(s) for s in spec["sessions"]]}
    with open(OUT, "w") as f:
        json.dump(exp, f, indent=1)
        f.write("\n")


main()

#!/usr/bin/python3
"""natlab_check.py: ftpaudit's analysis of the NAT lab's captures against
what the kernel did.  Called by natlab.sh:

  natlab_check.py FTPAUDIT RESULTS CAPDIR CLIENT PUBLIC GW_OUT SERVER

RESULTS has "# scenario NAME" lines, then "NAME:TAG LPORT ok|fail RC" per
curl run (its control connection from LPORT, data from LPORT+1..+9).
CAPDIR holds NAME-any.pcap, NAME-client.pcap and NAME-server.pcap."""
import json
import os
import subprocess
import sys

FTPAUDIT, RESULTS, CAPS, CLIENT, PUBLIC, GW_OUT, SERVER = sys.argv[1:8]
failures = []
checks = 0


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg)


_cache = {}


def analyze(*names):
    key = tuple(names)
    if key not in _cache:
        paths = [os.path.join(CAPS, n) for n in names]
        p = subprocess.run([FTPAUDIT, "analyze", "-q", "-F", "json"] + paths,
                           capture_output=True, text=True)
        if p.returncode != 0:
            check(False, "ftpaudit analyze %s: exit %d: %s" %
                  (" ".join(names), p.returncode, p.stderr.strip()))
            _cache[key] = {"sessions": []}
        else:
            _cache[key] = json.loads(p.stdout)
    return _cache[key]


def runs():
    scen = {}
    cur = None
    with open(RESULTS) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "#":
                cur = w[2]
                scen[cur] = []
                continue
            tag = w[0].split(":", 1)[1]
            scen[cur].append({"tag": tag, "lport": int(w[1]), "ok": w[2] == "ok"})
    return scen


def by_port(rep, lport, ip=None):
    """Sessions whose client port is the run's control port."""
    return [s for s in rep["sessions"] if s["client"]["port"] == lport and
            (ip is None or s["client"]["ip"] == ip)]


def anoms(s, kind=None):
    return [a for a in s.get("anomalies", []) if kind is None or a["type"] == kind]


def active(tag):
    return tag.startswith("port") or tag.startswith("eprt")


def one_sided(name, r):
    """Today's view of each side: the facts the diagnoses rest on."""
    tag, lport = r["tag"], r["lport"]
    cl = by_port(analyze(name + "-client.pcap"), lport, CLIENT)
    check(len(cl) == 1, "%s %s: one session in the client-side capture, got %d" %
          (name, tag, len(cl)))
    sv = by_port(analyze(name + "-server.pcap"), lport)
    check(len(sv) == 1, "%s %s: one session in the server-side capture, got %d" %
          (name, tag, len(sv)))
    if len(cl) != 1 or len(sv) != 1:
        return
    cl, sv = cl[0], sv[0]
    snat = name.startswith("snat")
    check(sv["client"]["ip"] == (GW_OUT if snat else CLIENT),
          "%s %s: server side sees client %s" % (name, tag, sv["client"]["ip"]))
    check(cl["server"]["ip"] == (SERVER if snat else PUBLIC),
          "%s %s: client side sees server %s" % (name, tag, cl["server"]["ip"]))
    neg = [t for t in sv["transfers"] if t.get("announced", {}).get("ip")]
    if snat and active(tag) and neg:
        # What reached the server: the client's own address, unless the
        # helper rewrote it to the gateway's.
        ann = neg[0]["announced"]["ip"]
        check(ann in (CLIENT, GW_OUT), "%s %s: announced %s" % (name, tag, ann))
        if ann == CLIENT:
            check(not r["ok"], "%s %s: unrewritten PORT yet the transfer worked" %
                  (name, tag))
    cneg = [t for t in cl["transfers"] if t.get("announced", {}).get("ip")]
    if not snat and tag.startswith("pasv") and cneg:
        ann = cneg[0]["announced"]["ip"]
        if tag == "pasv-trust" and name != "dnat-norange":
            # A client that trusts the 227 address fails on a private one.
            check(r["ok"] == (ann == PUBLIC),
                  "%s %s: 227 announced %s, transfer %s" %
                  (name, tag, ann, "ok" if r["ok"] else "failed"))


def main():
    scen = runs()
    for name, rs in scen.items():
        for r in rs:
            one_sided(name, r)
    print("natlab_check: %d checks, %d failed" % (checks, len(failures)))
    return 1 if failures else 0


sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: ISC
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
try:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
except ImportError:
    Draft202012Validator = None


def validator():
    """The report schema, when jsonschema can check it."""
    src = os.environ.get("srcdir")
    if Draft202012Validator is None or not src:
        return None
    reg = Registry()
    for n in ("report.schema.json", "session.schema.json"):
        with open(os.path.join(src, "schema", n)) as f:
            doc = json.load(f)
        reg = reg.with_resource(doc["$id"], Resource.from_contents(doc))
    with open(os.path.join(src, "schema", "report.schema.json")) as f:
        return Draft202012Validator(json.load(f), registry=reg)


VALIDATOR = validator()


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
            if VALIDATOR is not None:
                errs = list(VALIDATOR.iter_errors(_cache[key]))
                check(not errs, "%s: report against the schema: %s" %
                      (" ".join(names), errs[0].message if errs else ""))
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
    snat = name.startswith(("snat", "both"))
    dnat = name.startswith(("dnat", "both"))
    check(sv["client"]["ip"] == (GW_OUT if snat else CLIENT),
          "%s %s: server side sees client %s" % (name, tag, sv["client"]["ip"]))
    check(cl["server"]["ip"] == (PUBLIC if dnat else SERVER),
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
    if dnat and tag.startswith("pasv") and cneg:
        ann = cneg[0]["announced"]["ip"]
        if tag == "pasv-trust" and name != "dnat-norange":
            # A client that trusts the 227 address fails on a private one.
            check(r["ok"] == (ann == PUBLIC),
                  "%s %s: 227 announced %s, transfer %s" %
                  (name, tag, ann, "ok" if r["ok"] else "failed"))


DIAG = ("nat_active_unrewritten", "nat_passive_private",
        "nat_passive_range_not_forwarded", "nat_helper_port")


def expected_diag(name, tag):
    """The diagnosis each scenario deserves, from how the lab is built."""
    if name == "snat-h0" and active(tag):
        return "nat_active_unrewritten"
    if name == "dnat-pa0-h0" and tag.startswith("pasv"):
        return "nat_passive_private"
    if name == "dnat-norange":
        return "nat_passive_range_not_forwarded"
    if name == "snat-helperport" and active(tag) and tag.endswith("2121"):
        return "nat_helper_port"
    return None


def expected_rewritten(name, tag):
    """Did nf_nat_ftp have an address to rewrite?"""
    helper = name.endswith("-h1") or (name == "snat-helperport" and
                                      not tag.endswith("2121"))
    if name.startswith("both"):
        return helper and (active(tag) or tag.startswith("pasv"))
    if name.startswith("snat"):
        return helper and active(tag)
    return helper and name.startswith("dnat-pa0") and tag.startswith("pasv")


FIX_WORDS = {
    "nat_active_unrewritten": ["ct helper set", "tcp dport 21",
                               "-j CT --helper ftp", "passive mode"],
    "nat_passive_private": ["pasv_address=" + PUBLIC, "MasqueradeAddress " + PUBLIC,
                            "pure-ftpd -P " + PUBLIC, "masquerade_address",
                            "curl >= 7.74", "ftplib", "passive range"],
    "nat_passive_range_not_forwarded": ["dnat to " + SERVER, "DNAT --to-destination " +
                                        SERVER, "pasv_min_port"],
    "nat_helper_port": ["2121", "ct helper set", "-j CT --helper ftp"],
}


def two_sided(name, r, caps):
    """One session per client connection, paired, diagnosed."""
    tag, lport, what = r["tag"], r["lport"], " + ".join(caps)
    rep = analyze(*caps)
    mine = [s for s in rep["sessions"] if lport <= s["client"]["port"] <= lport + 9]
    check(len(mine) == 1, "%s %s [%s]: one session for the client connection, got %d" %
          (name, tag, what, len(mine)))
    if len(mine) != 1:
        return
    s = mine[0]
    nat = s.get("nat")
    check(nat is not None, "%s %s [%s]: session not paired" % (name, tag, what))
    if nat is None:
        return
    snat, both = name.startswith("snat"), name.startswith("both")
    ctl = 2121 if tag.endswith("2121") else 21
    kind = "both" if both else "snat" if snat else "dnat"
    check(nat["kind"] == kind, "%s %s [%s]: kind %s" % (name, tag, what, nat["kind"]))
    ins, out = nat["inside"], nat["outside"]
    # Inside: where the translated host has its own address (for both,
    # the client's side).
    want_in = (CLIENT, lport, PUBLIC if both else SERVER, ctl)
    want_out = (GW_OUT if snat or both else CLIENT, None,
                SERVER if snat or both else PUBLIC, ctl)
    got_in = (ins["client"]["ip"], ins["client"]["port"], ins["server"]["ip"],
              ins["server"]["port"])
    got_out = (out["client"]["ip"], None, out["server"]["ip"], out["server"]["port"])
    check(got_in == want_in, "%s %s [%s]: inside %s, want %s" % (name, tag, what, got_in, want_in))
    check(got_out == want_out, "%s %s [%s]: outside %s, want %s" %
          (name, tag, what, got_out, want_out))
    check(s["client"]["ip"] == CLIENT and s["server"]["ip"] == SERVER and
          s["client"]["port"] == lport,
          "%s %s [%s]: the session names each host by its own address" % (name, tag, what))
    has_neg = any(t["negotiation"] in ("PASV", "EPSV", "PORT", "EPRT")
                  for t in s["transfers"])
    want_rw = expected_rewritten(name, tag) if has_neg else None
    check(nat["payload_rewritten"] == want_rw, "%s %s [%s]: payload_rewritten %s, want %s" %
          (name, tag, what, nat["payload_rewritten"], want_rw))
    for t in s["transfers"]:
        if t.get("nat"):
            check(t["nat"]["payload_rewritten"] in (False, want_rw),
                  "%s %s [%s]: transfer %d payload_rewritten %s" %
                  (name, tag, what, t["id"], t["nat"]["payload_rewritten"]))
    if r["ok"] and t_ok(s):
        data = [t for t in s["transfers"] if t["status"] == "complete"]
        check(all(t.get("nat") or t["connection"]["server"]["ip"] == SERVER and
                  t["connection"]["client"]["ip"] == CLIENT for t in data),
              "%s %s [%s]: data connection paired" % (name, tag, what))
    want = expected_diag(name, tag)
    got = sorted({a["type"] for a in anoms(s) if a["type"] in DIAG})
    check(got == ([want] if want else []), "%s %s [%s]: diagnoses %s, want %s" %
          (name, tag, what, got, want))
    # Raised exactly where the transfer failed (or curl hid the failure).
    hidden = want == "nat_passive_private" and r["ok"]
    check((want is not None) == (not r["ok"] or hidden),
          "%s %s [%s]: transfer %s, diagnosis %s" %
          (name, tag, what, "ok" if r["ok"] else "failed", want))
    for a in anoms(s, want) if want else []:
        fix = a.get("fix") or ""
        for w in FIX_WORDS[want]:
            check(w in fix, "%s %s [%s]: %s fix lacks %r: %s" % (name, tag, what, want, w, fix))
        if hidden:
            check("ignored the 227 address" in a["detail"],
                  "%s %s [%s]: detail should say curl ignored the 227: %s" %
                  (name, tag, what, a["detail"]))
    check(not anoms(s, "nat_mismatch") and not anoms(s, "pasv_private_address"),
          "%s %s [%s]: one-sided signals left in a paired session" % (name, tag, what))


def t_ok(s):
    return any(t["status"] == "complete" for t in s["transfers"])


def one_sided_fix(name):
    """Today's signals from one side keep firing, now with the fix."""
    for side in ("client", "server"):
        for s in analyze("%s-%s.pcap" % (name, side))["sessions"]:
            check(s.get("nat") is None, "%s %s side: nat object from one side" % (name, side))
            for a in anoms(s):
                check(a["type"] not in DIAG, "%s %s side: two-sided diagnosis %s" %
                      (name, side, a["type"]))
                if a["type"] in ("nat_mismatch", "pasv_private_address"):
                    fix = a.get("fix") or ""
                    check("pasv_address=" in fix or "ct helper set" in fix,
                          "%s %s side: %s without its fix" % (name, side, a["type"]))


def ipv6(name):
    """IPv6 stays without NAT: its session comes through untouched."""
    for caps in ([name + "-any.pcap"], [name + "-client.pcap", name + "-server.pcap"]):
        v6 = [s for s in analyze(*caps)["sessions"] if ":" in s["client"]["ip"]]
        check(len(v6) == 1, "%s %s: one IPv6 session, got %d" % (name, caps, len(v6)))
        for s in v6:
            check(s.get("nat") is None, "%s %s: IPv6 session paired" % (name, caps))
            check([t["status"] for t in s["transfers"]] == ["complete"],
                  "%s %s: IPv6 transfer %s" % (name, caps, s["transfers"]))


def main():
    scen = runs()
    for name, rs in scen.items():
        v4 = [r for r in rs if not r["tag"].endswith("6")]
        for r in v4:
            one_sided(name, r)
            two_sided(name, r, [name + "-any.pcap"])
            two_sided(name, r, [name + "-client.pcap", name + "-server.pcap"])
        for caps in ([name + "-any.pcap"], [name + "-client.pcap", name + "-server.pcap"]):
            rep = analyze(*caps)
            n = len(rep["sessions"])
            check(n == len(rs), "%s %s: %d sessions for %d client connections" %
                  (name, caps, n, len(rs)))
            # The stats count a pair once, as the report lists it.
            check(rep.get("stats", {}).get("ftp_sessions") == n,
                  "%s %s: stats.ftp_sessions %s for %d sessions" %
                  (name, caps, rep.get("stats", {}).get("ftp_sessions"), n))
        one_sided_fix(name)
        if len(v4) != len(rs):
            ipv6(name)
    print("natlab_check: %d checks, %d failed" % (checks, len(failures)))
    return 1 if failures else 0


sys.exit(main())

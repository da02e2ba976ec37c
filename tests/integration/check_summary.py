#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The text report's summary against the JSON document of the same capture.

usage: check_summary.py FTPAUDIT CAPTURE...

For each capture: every count of `analyze --summary` (totals, logins,
transfers by mode and outcome, bytes, each server's row and passive
ports, the top clients, the anomalies by type, the limits) equals what
`analyze -F json` says, and the transfers left out of the firewall rules
the excluded_counts of `rules -F json`; the full text report starts with
the same summary, has one "Session N" per session and no line wider than
100 columns; --summary writes nothing else.
"""
import ipaddress
import json
import re
import subprocess
import sys

WIDTH = 100
SHOW_SERVERS = 20
SHOW_CLIENTS = 10
SGR = re.compile(r"\x1b\[[0-9;]*m")


def human(n):
    """fmt_human(): what the report prints for n bytes."""
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    if n < 1024:
        return "%d B" % n
    d, u = 1, 0
    while u < 4 and n >= 1024 * d:
        d *= 1024
        u += 1
    q, r = n * 10 // d, n * 10 % d
    if 2 * r > d or (2 * r == d and q & 1):
        q += 1
    return "%d.%d %s" % (q // 10, q % 10, units[u])


def addr_key(ip):
    a = ipaddress.ip_address(ip)
    return (a.version, a.packed)


def ep_str(ep, port=True):
    ip = "[%s]" % ep["ip"] if ":" in ep["ip"] else ep["ip"]
    return "%s:%d" % (ip, ep["port"]) if port else ip


def counts():
    return {"sessions": 0, "ok": 0, "failed": 0, "none": 0, "attempts": 0,
            "passive": 0, "active": 0, "bytes": 0, "anomalies": 0}


def add(c, s):
    c["sessions"] += 1
    c["ok"] += s["login"] == "success"
    c["failed"] += s["login"] == "failed"
    c["none"] += s["login"] not in ("success", "failed")
    c["attempts"] += s["login_failures"]
    for t in s["transfers"]:
        c[t["mode"]] += 1
        c["bytes"] += t["bytes"]
    c["anomalies"] += len(s["anomalies"])


def expected(doc):
    """The summary's numbers, worked out from the JSON document."""
    e = {"total": counts(), "servers": {}, "clients": {}, "anom": {},
         "status": {}, "not_captured": 0, "tls": 0, "anoms_dropped": 0,
         "replies_dropped": 0}
    for s in doc["sessions"]:
        add(e["total"], s)
        sk = (s["server"]["ip"], s["server"]["port"])
        sv = e["servers"].setdefault(sk, {"c": counts(), "ports": set(),
                                          "ep": s["server"]})
        add(sv["c"], s)
        ck = s["client"]["ip"]
        add(e["clients"].setdefault(ck, counts()), s)
        for t in s["transfers"]:
            st = "incomplete" if t["status"] == "pending" else t["status"]
            e["status"][st] = e["status"].get(st, 0) + 1
            if t["connection"] is None:
                e["not_captured"] += 1
            elif t["mode"] == "passive":
                sv["ports"].add(t["connection"]["server"]["port"])
        for a in s["anomalies"]:
            e["anom"][a["type"]] = e["anom"].get(a["type"], 0) + 1
        e["tls"] += s["tls"]
        e["anoms_dropped"] += s["limits"]["anomalies_dropped"]
        e["replies_dropped"] += s["limits"]["replies_dropped"]
    return e


def sections(lines):
    """The summary's lines by section title ("" for the totals)."""
    out, cur = {"": []}, ""
    for ln in lines:
        if ln == "":
            continue
        if not ln.startswith(" "):
            cur = ln.split(":")[0] if ":" in ln else ln
            out[cur] = [ln]
        else:
            out[cur].append(ln)
    return out


def rows(sec):
    """Table rows as token lists, an address on a line of its own joined
    to the numbers under it."""
    res, pending = [], None
    for ln in sec[2:]:
        if ln.startswith("  ..."):
            continue
        if re.match(r"^  \S+$", ln):
            pending = ln.strip()
            continue
        tok = ln.split()
        if pending is not None:
            tok = [pending] + tok
            pending = None
        res.append(tok)
    return res


def ints(s):
    return [int(x) for x in re.findall(r"\d+", s)]


class Check:
    def __init__(self, name):
        self.name, self.errs = name, []

    def eq(self, what, got, want):
        if got != want:
            self.errs.append("%s: %r, JSON says %r" % (what, got, want))


def check_totals(ck, sec, doc, e):
    t, st = e["total"], doc["stats"]
    ck.eq("sessions", ints(sec[""][0]) if sec[""] else None,
          [len(doc["sessions"]), st["data_connections"], st["tcp_connections"]])
    lab = {}
    for ln in sec["Summary"][1:]:
        k = ln.split()[0]
        if k != "capture" and not ln.startswith("   "):
            lab[k] = ints(ln)
    ck.eq("logins", lab.get("logins"), [t["ok"], t["failed"], t["none"], t["attempts"]])
    ck.eq("transfers", lab.get("transfers"), [t["passive"] + t["active"], t["passive"],
          t["active"], e["not_captured"]])
    s = e["status"]
    ck.eq("outcomes", lab.get("outcomes"), [s.get(k, 0) for k in
          ("complete", "failed", "aborted", "not_connected", "incomplete")])
    ck.eq("data bytes", (lab.get("data") or [None])[0], t["bytes"])
    ck.eq("tls", lab.get("tls"), [e["tls"]])
    ck.eq("anomalies", lab.get("anomalies"), [t["anomalies"]])
    ck.eq("unattributed", lab.get("unattributed"), [st["unattributed_data_connections"]])
    ncap = sum(1 for ln in sec["Summary"] if ln.startswith("  capture "))
    ck.eq("capture lines", ncap, len(doc["inputs"]))


def ports_str(ports):
    if not ports:
        return "-"
    lo, hi = min(ports), max(ports)
    return ("%d" % lo if lo == hi else "%d..%d" % (lo, hi)) + " (%d)" % len(ports)


def check_servers(ck, sec, e):
    order = sorted(e["servers"].values(), key=lambda v: (
        -v["c"]["sessions"], addr_key(v["ep"]["ip"]), v["ep"]["port"]))
    if not order:
        ck.eq("servers section", "Servers" in sec, False)
        return
    s = sec.get("Servers", [])
    ck.eq("servers title", s[0] if s else None, "Servers: %d, by sessions" % len(order))
    want = []
    for v in order[:SHOW_SERVERS]:
        c = v["c"]
        want.append([ep_str(v["ep"]), str(c["sessions"]), str(c["ok"]), str(c["failed"]),
                     str(c["passive"]), str(c["active"])] + human(c["bytes"]).split() +
                    ports_str(v["ports"]).split())
    ck.eq("server rows", rows(s), want)
    if len(order) > SHOW_SERVERS:
        rest = sum(v["c"]["sessions"] for v in order[SHOW_SERVERS:])
        ck.eq("more servers", s[-1].strip(), "... and %d more servers (%d sessions)" %
              (len(order) - SHOW_SERVERS, rest))


def check_clients(ck, sec, e):
    order = sorted(e["clients"].items(), key=lambda kv: (-kv[1]["sessions"], addr_key(kv[0])))
    if not order:
        return
    s = sec.get("Top clients", [])
    shown = min(len(order), SHOW_CLIENTS)
    ck.eq("clients title", s[0] if s else None,
          "Top clients: %d of %d, by sessions" % (shown, len(order)))
    want = []
    for ip, c in order[:shown]:
        want.append([ep_str({"ip": ip}, False), str(c["sessions"]), str(c["ok"]),
                     str(c["failed"]), str(c["passive"] + c["active"])] +
                    human(c["bytes"]).split() + [str(c["anomalies"])])
    ck.eq("client rows", rows(s), want)


def check_anomalies(ck, sec, e):
    order = sorted(e["anom"].items(), key=lambda kv: (-kv[1], kv[0]))
    if not order:
        ck.eq("anomalies section", "Anomalies" in sec, False)
        return
    s = sec.get("Anomalies", [])
    ck.eq("anomalies title", s[0] if s else None,
          "Anomalies: %d, by type" % e["total"]["anomalies"])
    ck.eq("anomaly rows", [ln.split() for ln in s[1:]], [[str(n), t] for t, n in order])


LIMITS = [
    ("non_ip", "packets not IP"), ("non_tcp", "packets not TCP"),
    ("malformed", "malformed packets"), ("fragments", "IP fragments"),
    ("bad_checksums", "packets with a bad checksum"),
    ("conns_evicted", "connections evicted from the connection table"),
    ("conn_cap_hits", "times the connection table was full"),
    ("reasm_cap_hits", "times a stream's reassembly buffer was full"),
    ("reasm_gaps", "gaps in reassembled streams (lost capture data)"),
    ("reasm_conflicts", "overlapping segments that disagreed"),
    ("lines_truncated", "control lines cut at the line length limit"),
    ("cmds_dropped", "commands not kept (per-session cap)"),
    ("xfers_dropped", "transfers not kept (per-session cap)"),
    ("expect_cap_hits", "times the expectation table was full"),
    ("time_jumps_back", "times a capture's clock ran back"),
]


def check_limits(ck, sec, doc, rules, e):
    s = sec.get("Left out and cut by limits", [])
    got = {}
    for ln in s[1:]:
        m = re.match(r"^ +(\d+)  (.*)$", ln)
        if m:
            got[m.group(2)] = int(m.group(1))
    want = {what: doc["stats"][k] for k, what in LIMITS if doc["stats"][k]}
    cut = sum(1 for i in doc["inputs"] if i["truncated"])
    for n, what in ((cut, "capture(s) cut off in the middle of a packet"),
                    (e["anoms_dropped"], "anomalies not kept (per-session cap)"),
                    (e["replies_dropped"], "replies not kept (per-command cap)"),
                    (doc["unattributed_dropped"],
                     "unattributed connections not listed (cap)")):
        if n:
            want[what] = n
    for reason, n in rules["excluded_counts"].items():
        if n:
            want["transfers left out of the firewall rules: %s" % reason] = n
    ck.eq("limits", got, want)
    if not want:
        ck.eq("limits, none", s[1:], ["  nothing"])


def run(args):
    return subprocess.run(args, capture_output=True, timeout=300)


def check(ftpaudit, path):
    ck = Check(path)
    js = run([ftpaudit, "analyze", "-q", "-F", "json", path])
    sm = run([ftpaudit, "analyze", "-q", "--summary", path])
    full = run([ftpaudit, "analyze", "-q", path])
    rl = run([ftpaudit, "rules", "-q", "-F", "json", "--allow-empty", path])
    for what, r in (("json", js), ("--summary", sm), ("text", full), ("rules", rl)):
        if r.returncode != 0:
            ck.errs.append("%s: exit %d: %s" % (what, r.returncode, r.stderr[:200]))
    if ck.errs:
        return ck
    doc = json.loads(js.stdout)
    text = sm.stdout.decode("ascii")
    ck.eq("colour in a pipe", SGR.search(text + full.stdout.decode("ascii")) is not None, False)
    lines = text.split("\n")
    ck.eq("ends with a newline", lines[-1], "")
    lines = lines[:-1]
    e = expected(doc)
    sec = sections(lines)
    sec[""] = [ln for ln in lines[:1]]
    check_totals(ck, sec, doc, e)
    check_servers(ck, sec, e)
    check_clients(ck, sec, e)
    check_anomalies(ck, sec, e)
    check_limits(ck, sec, doc, json.loads(rl.stdout), e)
    ftext = full.stdout.decode("ascii")
    ck.eq("text starts with the summary", ftext.startswith(text), True)
    ck.eq("--summary alone: no session", "\nSession " in text, False)
    ids = [int(m) for m in re.findall(r"^Session (\d+)  ", ftext, re.M)]
    ck.eq("sessions in the text", sorted(ids), sorted(s["id"] for s in doc["sessions"]))
    wide = [ln for ln in ftext.split("\n") if len(ln) > WIDTH]
    ck.eq("lines over %d columns" % WIDTH, wide[:3], [])
    return ck


def main():
    ftpaudit, paths = sys.argv[1], sys.argv[2:]
    failed = 0
    for p in paths:
        ck = check(ftpaudit, p)
        if ck.errs:
            failed += 1
            print("FAIL %s" % p)
            for e in ck.errs[:8]:
                print("     %s" % e)
        else:
            print("ok   %s" % p)
    print("%d passed, %d failed" % (len(paths) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""check_formats.py FTPAUDIT SRCDIR SHARED TMP: the formats other tools
read (issue 19 parts 3 to 5), over every sample and every public capture.

- community_id (-F ndjson): every session, connected transfer and
  unattributed connection has one, and it is the ID tshark's communityid
  dissector gives the same TCP connection.
- -F zeek: read as zeek-cut reads it (column names from #fields, one
  value per column, #types obeyed); -F zeek-json holds the same rows
  under the same names.  Then compared field by field with what Zeek
  logs for its own test traces (facts from Zeek's testing baselines, see
  ZEEK below), every difference listed with its reason.
- -F eve: every event validates against schema/eve.schema.json; compared
  with what the suricata-verify tests state for their captures (SURICATA
  below).
Prints one line per failure; exit 0 pass, 1 fail.
"""
import json
import multiprocessing
import os
import subprocess
import sys

from jsonschema import Draft202012Validator

BIN, SRC, SHARED, TMP = sys.argv[1:5]
PCAPS = os.path.join(SHARED, "pcaps")
fails = []
EVE = None        # the EVE schema's validator, made by main()


def fail(msg):
    fails.append(msg)


def run(args, cap):
    p = subprocess.run([BIN, "analyze", "-q"] + args + [cap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        fail("%s %s: exit %d: %s" % (" ".join(args), cap, p.returncode,
                                     p.stderr.decode(errors="replace").strip()))
        return None
    return p.stdout.decode("utf-8", errors="surrogateescape")


def captures():
    out = []
    for d, _, files in os.walk(os.path.join(SRC, "samples")):
        out += [os.path.join(d, f) for f in files if f.endswith((".pcap", ".pcapng"))]
    for d, _, files in os.walk(PCAPS):
        if "/_tshark" in d:
            continue
        out += [os.path.join(d, f) for f in files
                if f.endswith((".pcap", ".pcapng")) and "nvt-line-limit" not in f]
    return sorted(out)


# --- Community ID against tshark -------------------------------------------

def tshark_ids(cap):
    p = subprocess.run(["tshark", "-r", cap, "--enable-protocol", "communityid",
                        "-Y", "tcp", "-T", "fields", "-e", "communityid",
                        "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
                        "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ids = {}
    for line in p.stdout.decode().splitlines():
        f = line.split("\t")
        if len(f) < 7 or not f[0]:
            continue
        # Tunnels give several addresses: the innermost is last (and
        # IPv6 inside IPv4, 6to4, is the inner one).
        src = (f[2] or f[1]).split(",")[-1]
        dst = (f[5] or f[4]).split(",")[-1]
        a = (src, int(f[3].split(",")[-1]))
        b = (dst, int(f[6].split(",")[-1]))
        ids[frozenset((a, b))] = f[0].split(",")[-1]
    return ids


def norm(ip):
    import ipaddress
    return str(ipaddress.ip_address(ip))


def check_community(cap, ndjson, ids):
    n = 0
    for line in ndjson.splitlines():
        r = json.loads(line)
        pairs = []
        if r["record"] == "session":
            pairs.append(("session", r["client"], r["server"], r.get("community_id", "missing")))
            for t in r["transfers"]:
                c = t["connection"]
                if c is None:
                    if t.get("community_id", "missing") is not None:
                        fail("%s: transfer %d without a connection has community_id %r"
                             % (cap, t["id"], t.get("community_id")))
                    continue
                pairs.append(("transfer", c["client"], c["server"], t.get("community_id", "missing")))
        elif r["record"] == "unattributed":
            pairs.append(("unattributed", r["initiator"], r["responder"], r.get("community_id", "missing")))
        for kind, a, b, cid in pairs:
            key = frozenset(((norm(a["ip"]), a["port"]), (norm(b["ip"]), b["port"])))
            want = ids.get(key)
            n += 1
            if want is None:
                fail("%s: %s %s:%s-%s:%s: tshark saw no such TCP connection"
                     % (cap, kind, a["ip"], a["port"], b["ip"], b["port"]))
            elif cid != want:
                fail("%s: %s %s:%s-%s:%s: community_id %r, tshark %r"
                     % (cap, kind, a["ip"], a["port"], b["ip"], b["port"], cid, want))
    return n


# --- Zeek ftp.log ------------------------------------------------------------

FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p",
          "user", "password", "command", "arg", "mime_type", "file_size",
          "reply_code", "reply_msg", "data_channel.passive",
          "data_channel.orig_h", "data_channel.resp_h",
          "data_channel.resp_p", "fuid"]
TYPES = ["time", "string", "addr", "port", "addr", "port", "string",
         "string", "string", "string", "string", "count", "count", "string",
         "bool", "addr", "addr", "port", "string"]


def zeek_unescape(v):
    """What a Zeek log reader gets from one TSV value (None: unset)."""
    if v == "-":
        return None
    if v == "(empty)":
        return ""
    out, i = bytearray(), 0
    b = v.encode("utf-8", errors="surrogateescape")
    while i < len(b):
        if b[i:i + 2] == b"\\x" and i + 4 <= len(b):
            out.append(int(b[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8", errors="surrogateescape")


def typed(t, v, where):
    import ipaddress
    if v is None:
        return None
    try:
        if t == "time":
            whole, frac = v.split(".")
            assert len(frac) == 6 and whole.isdigit()
            return v
        if t in ("port", "count"):
            assert v.isdigit()
            return int(v)
        if t == "addr":
            ipaddress.ip_address(v)
            return v
        if t == "bool":
            assert v in ("T", "F")
            return v == "T"
    except (AssertionError, ValueError):
        fail("%s: %r is not a Zeek %s" % (where, v, t))
    return v


def read_zeek_tsv(text, where):
    """zeek-cut's reading: the header's #fields name the columns."""
    rows, fields, types, seen = [], None, None, set()
    lines = text.split("\n")
    if lines[-1] != "":
        fail("%s: does not end with a newline" % where)
    for ln in lines[:-1]:
        if ln.startswith("#"):
            key, _, rest = ln.partition("\t") if not ln.startswith("#separator") else ln.partition(" ")
            seen.add(key)
            if key == "#fields":
                fields = rest.split("\t")
            elif key == "#types":
                types = rest.split("\t")
            continue
        if fields is None:
            fail("%s: a row before #fields" % where)
            return []
        vals = ln.split("\t")
        if len(vals) != len(fields):
            fail("%s: %d values for %d fields: %r" % (where, len(vals), len(fields), ln[:120]))
            continue
        rows.append({f: typed(t, zeek_unescape(v), where)
                     for f, t, v in zip(fields, types, vals)})
    for k in ("#separator", "#set_separator", "#empty_field", "#unset_field",
              "#path", "#open", "#fields", "#types", "#close"):
        if k not in seen:
            fail("%s: no %s line" % (where, k))
    if not text.startswith("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                           "#unset_field\t-\n#path\tftp\n#open\t"):
        fail("%s: header is not Zeek's" % where)
    if fields != FIELDS or types != TYPES:
        fail("%s: #fields/#types are not Zeek's ftp.log columns" % where)
    return rows


def wire_decode(s):
    """The bytes of an ftpaudit JSON wire string (jw_wire's escaping)."""
    out, i = bytearray(), 0
    while i < len(s):
        if s[i] == "\\" and s[i + 1:i + 2] == "\\":
            out.append(0x5c)
            i += 2
        elif s[i] == "\\" and s[i + 1:i + 2] == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out += s[i].encode()
            i += 1
    return out.decode("utf-8", errors="surrogateescape")


def check_zeek_json(tsv_rows, text, where):
    objs = [json.loads(l) for l in text.splitlines()]
    if len(objs) != len(tsv_rows):
        fail("%s: %d zeek-json lines, %d TSV rows" % (where, len(objs), len(tsv_rows)))
        return
    for o, r in zip(objs, tsv_rows):
        extra = set(o) - set(FIELDS) - {"community_id"}
        if extra:
            fail("%s: zeek-json names not in ftp.log: %s" % (where, sorted(extra)))
        if not o.get("community_id", "").startswith("1:"):
            fail("%s: zeek-json row without community_id" % where)
        for f in FIELDS:
            tv, jv = r[f], o.get(f)
            if f == "ts":
                tv = float(tv)
            if isinstance(jv, str):
                jv = wire_decode(jv)
            if tv != jv:
                fail("%s: %s: TSV %r, zeek-json %r" % (where, f, tv, jv))


def dc(p, o, r, port):
    return {"data_channel.passive": p, "data_channel.orig_h": o,
            "data_channel.resp_h": r, "data_channel.resp_p": port}


NODC = dc(None, None, None, None)
# Zeek's ftp.log for its own test traces, as the zeek/zeek testing baselines
# (testing/btest/Baseline/scripts.base.protocols.ftp.*/ftp.log) record it:
# (commands logged, [rows]), a row as the fields compared.  mime_type and
# fuid are left out: they come from Zeek's file analysis, which ftpaudit
# does not do (always unset here).  Where ftpaudit differs on purpose the
# row carries "ours" (what ftpaudit logs) and "why".
A4 = "141.142.220.235", "199.233.217.249"
A6 = "2001:470:1f11:81f:c999:d94:aa7c:2e3e", "2001:470:4867:99::21"
M6 = "2001:470:1f05:17a6:d69a:20ff:fefd:6b88", "2400:3000:20:100::46"
CWD = "10.3.22.91", "10.167.25.101", "205.167.25.101"


def row(cmd, arg, size, code, msg, d=NODC, user=None, pw=None, **kw):
    r = {"command": cmd, "arg": arg, "file_size": size, "reply_code": code,
         "reply_msg": msg}
    r.update(d)
    if user is not None:
        r["user"] = user
    if pw is not None:
        r["password"] = pw
    r.update(kw)
    return r


ZEEK = {
    "zeek/ftp__ipv4.pcap": (None, [
        row("PASV", None, None, 227, "Entering Passive Mode (199,233,217,249,221,90)",
            dc(True, A4[0], A4[1], 56666), "anonymous", "test", id_orig_p=50003),
        row("PASV", None, None, 227, "Entering Passive Mode (199,233,217,249,221,91)",
            dc(True, A4[0], A4[1], 56667)),
        row("RETR", "ftp://199.233.217.249/./robots.txt", 77, 226, "Transfer complete."),
        row("PORT", "141,142,220,235,131,46", None, 200, "PORT command successful.",
            dc(False, A4[1], A4[0], 33582)),
        row("PORT", "141,142,220,235,147,203", None, 200, "PORT command successful.",
            dc(False, A4[1], A4[0], 37835)),
        row("RETR", "ftp://199.233.217.249/./robots.txt", 77, 226, "Transfer complete."),
    ]),
    "zeek/ftp__ipv6.pcap": (None, [
        row("EPSV", None, None, 229, "Entering Extended Passive Mode (|||57086|)",
            dc(True, A6[0], A6[1], 57086), "anonymous", "test"),
        row("EPSV", None, None, 229, "Entering Extended Passive Mode (|||57087|)",
            dc(True, A6[0], A6[1], 57087)),
        row("EPSV", None, None, 229, "Entering Extended Passive Mode (|||57088|)",
            dc(True, A6[0], A6[1], 57088)),
        row("RETR", "ftp://[2001:470:4867:99::21]/robots.txt", 77, 226, "Transfer complete."),
        row("EPRT", "|2|2001:470:1f11:81f:c999:d94:aa7c:2e3e|49189|", None, 200,
            "EPRT command successful.", dc(False, A6[1], A6[0], 49189)),
        row("RETR", "ftp://[2001:470:4867:99::21]/robots.txt", 77, 226, "Transfer complete."),
        row("EPRT", "|2|2001:470:1f11:81f:c999:d94:aa7c:2e3e|49190|", None, 200,
            "EPRT command successful.", dc(False, A6[1], A6[0], 49190)),
    ]),
    # Zeek's test also logs its "<init>" pseudo-command (the banner): not a
    # command, so not a row here.
    "zeek/ftp__ipv6-multiline-reply.pcap": ("USER,PASS,EPSV,RETR", [
        row("USER", "anonymous", None, 331,
            "Guest login ok, send your email address as password.", user="anonymous"),
        row("PASS", "root@sponge.es.net", None, 230,
            "Guest login ok, access restrictions apply.", pw="root@sponge.es.net"),
        row("EPSV", None, None, 229, "Entering Extended Passive Mode (|||60931|)",
            dc(True, M6[0], M6[1], 60931)),
        row("RETR", "ftp://[2400:3000:20:100::46]/pub/FreeBSD/ports/local-distfiles/avl/libssh-0.5.2.tar.gz",
            None, 221, "You could at least say goodbye.",
            ours={"reply_code": 550, "reply_msg": "libssh-0.5.2.tar.gz: No such file or directory."},
            why="the server answered RETR with 550 (tshark agrees); its later 221, "
                "sent as it closed, answers no command, but Zeek keeps the last reply seen"),
    ]),
    "zeek/ftp__cwd-navigation.pcap": (None, [
        row("PASV", None, None, 227, "Entering Passive Mode (205,167,25,101,243,251).",
            dc(True, CWD[0], CWD[2], 62459), "anonymous", "anonymous@"),
        row("RETR", "ftp://10.167.25.101/./pub/data/noaa/isd-lite/2015/720962-99999-2015.gz",
            39695, 226, "Transfer complete"),
        row("PASV", None, None, 227, "Entering Passive Mode (205,167,25,101,236,73).",
            dc(True, CWD[0], CWD[2], 60489)),
        row("RETR", "ftp://10.167.25.101/./pub/data/noaa/isd-lite/2016/720962-99999-2016.gz",
            29306, 226, "Transfer complete"),
        row("PASV", None, None, 227, "Entering Passive Mode (205,167,25,101,245,90).",
            dc(True, CWD[0], CWD[2], 62810)),
        row("RETR", "ftp://10.167.25.101/./pub/data/noaa/isd-lite/2011/720963-99999-2011.gz",
            2847, 226, "Transfer complete"),
    ]),
    "zeek/ftp__ftp-missing-space-after-reply-code.pcap": ("USER,PASS,RETR", [
        row("USER", "zeek", None, 230, "USER OK", user="zeek"),
        row("PASS", "zeek", None, 230, "PASS OK", pw="<hidden>",
            ours={"arg": "<hidden>"},
            why="the PASS argument is the password: hidden as the password field "
                "is (Zeek hides it too since its ftp-password-pass-command-hidden change)"),
        row("RETR", "ftp://127.0.0.1/.", None, 230, "PASS OK",
            ours={"reply_msg": "_no_space"},
            why="Zeek repeats PASS's reply on a RETR whose own reply it could not "
                "parse; the RETR row carries the reply that answered it"),
    ]),
    # Zeek's test adds "<init>" (not a command here) and AUTH.
    "zeek/ftp__ftp-auth-tls.pcap": ("AUTH", [
        row("AUTH", "TLS", None, 234, "Proceed with negotiation.", user="<unknown>",
            password=None),
    ]),
    "zeek/ftp__ftp-invalid-reply-code.pcap": ("USER,PASS,SYST,QUIT", [
        row("USER", "zeek", None, 230, "USER OK", user="zeek"),
        row("PASS", "zeek", None, 230, "PASS OK", pw="<hidden>", ours={"arg": "<hidden>"},
            why="the PASS argument is hidden, as above"),
    ]),
}
ZEEK_MORE = {
    # Zeek stops logging at the malformed reply (its analyzer is disabled
    # on the protocol violation); ftpaudit goes on: later commands are rows.
    "zeek/ftp__ftp-invalid-reply-code.pcap": "rows after the malformed reply",
}
DIFFS = []


def compare_zeek(name, rows):
    cmds, want = ZEEK[name]
    n = 0
    for i, w in enumerate(want):
        if i >= len(rows):
            fail("%s: %d rows, Zeek logs at least %d" % (name, len(rows), len(want)))
            return
        got = rows[i]
        ours = dict(w)
        why = ours.pop("why", None)
        ours.update(ours.pop("ours", {}))
        for f, v in ours.items():
            f = f.replace("id_orig_p", "id.orig_p")
            if got.get(f) != v:
                fail("%s row %d %s: %r, expected %r%s" % (name, i + 1, f, got.get(f), v,
                     " (Zeek: %r)" % w.get(f) if why else ""))
            n += 1
        if why:
            DIFFS.append("%s row %d: %s" % (name, i + 1, why))
    if name in ZEEK_MORE:
        if len(rows) <= len(want):
            fail("%s: expected %s" % (name, ZEEK_MORE[name]))
        DIFFS.append("%s: %s (Zeek logs none)" % (name, ZEEK_MORE[name]))
    return n


# --- Suricata EVE ------------------------------------------------------------

# What the suricata-verify tests (OISF/suricata-verify, tests/*/test.yaml)
# state of Suricata's eve.json for their captures: (match, count).
SURICATA = {
    "suricata-verify/ftp__ftp-download-passive__input.pcap": [
        ({"event_type": "ftp", "src_ip": "172.23.0.3", "dest_ip": "172.23.0.2",
          "ftp.command": "USER"}, 1),
        ({"event_type": "ftp_data", "src_ip": "172.23.0.3", "dest_ip": "172.23.0.2",
          "ftp_data.command": "RETR", "ftp_data.filename": "index.html"}, 1)],
    "suricata-verify/ftp__ftp-download-active__input.pcap": [
        ({"event_type": "ftp", "src_ip": "172.23.0.3", "dest_ip": "172.23.0.2",
          "ftp.command": "USER"}, 1),
        ({"event_type": "ftp_data", "src_ip": "172.23.0.2", "dest_ip": "172.23.0.3",
          "ftp_data.command": "RETR", "ftp_data.filename": "index.html"}, 1)],
    "suricata-verify/ftp__ftp-upload-active__input.pcap": [
        ({"event_type": "ftp", "src_ip": "172.23.0.3", "dest_ip": "172.23.0.2",
          "ftp.command": "USER"}, 1),
        ({"event_type": "ftp_data", "src_ip": "172.23.0.2", "dest_ip": "172.23.0.3",
          "ftp_data.command": "STOR", "ftp_data.filename": "index.html"}, 1)],
    "suricata-verify/ftp-epsv__input.pcap": [
        ({"event_type": "ftp", "ftp.command": "EPSV", "ftp.dynamic_port": 58612}, 1)],
    "suricata-verify/ftp__ftp-bounce__test.pcap": [
        ({"src_port": 33112, "event_type": "ftp", "ftp.mode": "active",
          "ftp.command": "PORT", "ftp.dynamic_port": 59549, "ftp.reply_received": "yes"}, 1),
        ({"src_port": 58316, "event_type": "ftp", "ftp.mode": "active",
          "ftp.command": "PORT", "ftp.dynamic_port": 80, "ftp.reply_received": "yes"}, 1)],
    "suricata-verify/ftp__ftp-too-long-response__ftp-too-long-response.pcap": [
        ({"event_type": "ftp", "ftp.command_truncated": True}, 0),
        ({"event_type": "ftp", "ftp.command": "PASV", "ftp.reply_truncated": True}, 1)],
    "suricata-verify/ftp__ftp-too-long-command-buffered__ftp-too-long-command.pcap": [
        ({"event_type": "ftp", "ftp.command": "RETR", "ftp.command_truncated": True,
          "ftp.reply_truncated": False}, 1),
        ({"event_type": "ftp", "ftp.command": "RETR", "ftp.command_data": "index.html",
          "ftp.command_truncated": False, "ftp.reply_truncated": False}, 1)],
}


def lookup(ev, dotted):
    v = ev
    for k in dotted.split("."):
        if not isinstance(v, dict) or k not in v:
            return KeyError
        v = v[k]
    return v


def check_eve(name, events):
    n = 0
    for match, count in SURICATA.get(name, []):
        got = sum(1 for e in events if all(lookup(e, k) == v for k, v in match.items()))
        n += 1
        if got != count:
            fail("%s: %d events match %s, suricata-verify expects %d" % (name, got, match, count))
    return n


def one(cap):
    """One capture's checks, in a worker of the pool: its counts, its
    failures and its differences from Zeek."""
    del fails[:]
    del DIFFS[:]
    ncid = nev = nrow = nfact = 0
    name = os.path.relpath(cap, PCAPS) if cap.startswith(PCAPS) else os.path.relpath(cap, SRC)
    nd = run(["-F", "ndjson"], cap)
    if nd is not None:
        ncid += check_community(name, nd, tshark_ids(cap))
    eve = run(["-F", "eve"], cap)
    if eve is not None:
        events = []
        for i, line in enumerate(eve.splitlines()):
            e = json.loads(line)
            for err in EVE.iter_errors(e):
                fail("%s: eve line %d: %s" % (name, i + 1, err.message[:200]))
            if e.get("pcap_filename") != cap:
                fail("%s: eve line %d: pcap_filename %r" % (name, i + 1, e.get("pcap_filename")))
            events.append(e)
        nev += len(events)
        nfact += check_eve(name, events)
    cmds = ZEEK.get(name, (None, None))[0]
    extra = ["--zeek-commands=" + cmds] if cmds else []
    tsv = run(["-F", "zeek"] + extra, cap)
    zj = run(["-F", "zeek-json"] + extra, cap)
    if tsv is not None and zj is not None:
        rows = read_zeek_tsv(tsv, name)
        nrow += len(rows)
        check_zeek_json(rows, zj, name)
        if name in ZEEK:
            nfact += compare_zeek(name, rows) or 0
    return (ncid, nev, nrow, nfact), list(fails), list(DIFFS)


def main():
    global EVE
    for tool in ("tshark",):
        if subprocess.run(["which", tool], stdout=subprocess.DEVNULL).returncode:
            print("SKIP: %s missing" % tool)
            sys.exit(77)
    eve_schema = json.load(open(os.path.join(SRC, "schema", "eve.schema.json")))
    Draft202012Validator.check_schema(eve_schema)
    EVE = Draft202012Validator(eve_schema)
    counts = [0, 0, 0, 0]
    bad = 0
    diffs = []
    # Each capture's checks are ftpaudit and tshark runs and Python of
    # their own: as many at once as there are CPUs, reported in order.
    with multiprocessing.Pool(os.cpu_count()) as pool:
        for n, f, d in pool.imap(one, captures()):
            counts = [a + b for a, b in zip(counts, n)]
            for msg in f:
                print("FAIL: " + msg)
            bad += len(f)
            diffs += d
    ncid, nev, nrow, nfact = counts
    missing = [k for k in list(ZEEK) + list(SURICATA) if not os.path.exists(os.path.join(PCAPS, k))]
    if missing:
        print("note: not in %s: %s" % (PCAPS, ", ".join(missing)))
    print("community_id: %d connections agree with tshark; eve: %d events valid; "
          "zeek: %d rows read as zeek-cut reads them; %d facts of Zeek's and "
          "Suricata's own output compared" % (ncid, nev, nrow, nfact))
    for d in diffs:
        print("differs from Zeek on purpose: " + d)
    sys.exit(1 if bad else 0)


main()

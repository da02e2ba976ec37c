#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""check.py: compare ftpaudit's NDJSON sessions with the generator's truth.

usage: check.py [--limit N] TRUTH.ndjson FTPAUDIT.ndjson

Sessions are matched on client ip+port and server ip+port; transfers within
a session are aligned in order on (command, path), so one missing transfer
shows as one difference rather than shifting every later one; each is
compared field by field, and by its data connection's two ends when the
truth gives them.  Every
difference is printed (up to --limit), then a count per kind, then the last
line: "N sessions, M transfers, D differences".  Exit status: 0 when there is
no difference, 1 when there is, 2 when an input cannot be read.
"""

import argparse
import collections
import difflib
import ipaddress
import json
import sys

FIELDS = ("mode", "negotiation", "command", "path", "bytes", "status")


def norm_ip(s):
    """Canonical text of an address, so 2001:DB8::1 and 2001:db8::1 match."""
    try:
        return str(ipaddress.ip_address(str(s).strip("[]")))
    except ValueError:
        return str(s)


def endpoint(obj):
    """(ip, port) of a {"ip","port"} object, or None when malformed."""
    if not isinstance(obj, dict):
        return None
    try:
        return (norm_ip(obj.get("ip")), int(obj.get("port")))
    except (TypeError, ValueError):
        return None


def session_key(s):
    c, v = endpoint(s.get("client")), endpoint(s.get("server"))
    if c is None or v is None:
        return None
    return c + v


def fmt_key(k):
    def ep(ip, port):
        return "[%s]:%d" % (ip, port) if ":" in ip else "%s:%d" % (ip, port)
    return "%s -> %s" % (ep(k[0], k[1]), ep(k[2], k[3]))


def read_ndjson(path, what):
    """Yields (line number, object); a line that is not JSON is fatal."""
    try:
        f = sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as e:
        sys.exit("check.py: %s: %s" % (path, e.strerror))
    with f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as e:
                print("check.py: %s line %d: not JSON (%s)" % (what, n, e),
                      file=sys.stderr)
                sys.exit(2)


def load(path, what):
    """Session objects keyed by endpoints, duplicate keys, other records."""
    sessions, dups, other = {}, [], 0
    for n, obj in read_ndjson(path, what):
        if not isinstance(obj, dict) or "client" not in obj or "server" not in obj:
            other += 1          # totals, summaries, alerts: not sessions
            continue
        k = session_key(obj)
        if k is None:
            print("check.py: %s line %d: session without usable client/server"
                  % (what, n), file=sys.stderr)
            sys.exit(2)
        if k in sessions:
            dups.append(k)
        else:
            sessions[k] = obj
    return sessions, dups, other


def same(field, want, got):
    """A LIST has no path: null, absent and "" all say so."""
    if field == "path" and want in (None, "") and got in (None, ""):
        return True
    return want == got


class Report:
    def __init__(self, limit):
        self.limit = limit
        self.count = 0
        self.kinds = collections.Counter()

    def add(self, kind, key, text):
        self.count += 1
        self.kinds[kind] += 1
        if self.limit is None or self.count <= self.limit:
            print("%s %s: %s" % (kind, fmt_key(key), text))


def xfer_id(t):
    return (t.get("command"), t.get("path") or None)


def same_connection(want, got):
    """The data connection's FTP client and server ends, when the truth
    gives them (gen 2): a connection taken by the wrong transfer shows
    here even when the sizes agree."""
    if want is None:
        return True
    if not isinstance(got, dict):
        return False
    return (endpoint(want.get("client")) == endpoint(got.get("client")) and
            endpoint(want.get("server")) == endpoint(got.get("server")))


def compare_transfers(rep, key, want, got):
    if len(want) != len(got):
        rep.add("transfer_count", key, "want %d, got %d" % (len(want), len(got)))
    sm = difflib.SequenceMatcher(None, [xfer_id(t) for t in want],
                                 [xfer_id(t) for t in got], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            # Same position, maybe different command or path: compare fields.
            for i, j in zip(range(i1, i2), range(j1, j2)):
                for f in FIELDS:
                    if not same(f, want[i].get(f), got[j].get(f)):
                        rep.add(f, key, "transfer %d: want %s, got %s" % (
                            i + 1, json.dumps(want[i].get(f)),
                            json.dumps(got[j].get(f))))
                if not same_connection(want[i].get("connection"),
                                       got[j].get("connection")):
                    rep.add("connection", key, "transfer %d: want %s, got %s" % (
                        i + 1, json.dumps(want[i].get("connection")),
                        json.dumps(got[j].get("connection"))))
            continue
        for i in range(i1, i2):
            rep.add("missing_transfer", key, "transfer %d %s %s" % (
                i + 1, want[i].get("command"), want[i].get("path")))
        for j in range(j1, j2):
            rep.add("extra_transfer", key, "%s %s" % (
                got[j].get("command"), got[j].get("path")))


def compare_session(rep, key, want, got):
    for f in ("user", "login"):
        if want.get(f) != got.get(f):
            rep.add(f, key, "want %s, got %s" % (
                json.dumps(want.get(f)), json.dumps(got.get(f))))
    compare_transfers(rep, key, want.get("transfers") or [],
                      got.get("transfers") or [])


def main():
    ap = argparse.ArgumentParser(description="Compare ftpaudit NDJSON with gen truth.")
    ap.add_argument("--limit", type=int, default=None,
                    help="print at most this many differences (all are counted)")
    ap.add_argument("truth")
    ap.add_argument("actual", help="ftpaudit analyze -F ndjson output, - for stdin")
    a = ap.parse_args()

    truth, tdups, _ = load(a.truth, "truth")
    actual, adups, other = load(a.actual, "ftpaudit")
    if tdups:
        sys.exit("check.py: truth has %d duplicate sessions" % len(tdups))
    rep = Report(a.limit)
    ntransfers = 0
    for key, want in truth.items():
        ntransfers += len(want.get("transfers") or [])
        got = actual.get(key)
        if got is None:
            rep.add("missing_session", key, "user %s, %d transfers" % (
                want.get("user"), len(want.get("transfers") or [])))
        else:
            compare_session(rep, key, want, got)
    for key in actual:
        if key not in truth:
            rep.add("extra_session", key, "user %s" % actual[key].get("user"))
    for key in adups:
        rep.add("duplicate_session", key, "reported more than once")
    if rep.limit is not None and rep.count > rep.limit:
        print("(%d more differences not shown)" % (rep.count - rep.limit))
    if other:
        print("ignored %d non-session lines in ftpaudit output" % other)
    if rep.kinds:
        print("differences by kind: " + ", ".join(
            "%s %d" % kv for kv in sorted(rep.kinds.items())))
    print("%d sessions, %d transfers, %d differences"
          % (len(truth), ntransfers, rep.count))
    return 1 if rep.count else 0


if __name__ == "__main__":
    sys.exit(main())

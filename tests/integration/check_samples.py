#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Compare ftpaudit's JSON report of each sample with its expectation.

usage: check_samples.py FTPAUDIT SAMPLES_DIR

Each samples/NAME.pcap[ng] has samples/NAME.expect.json, written from what
the lab clients did or what craft.py put on the wire (never from ftpaudit).
Sessions are matched by their control endpoints; within a session every
command must appear in order with the final reply code the server sent, and
every transfer with its mode, negotiation, command, path, direction, bytes
and data-connection endpoints.
"""
import glob
import json
import os
import subprocess
import sys


def ep(d):
    return (d["ip"], d["port"])


def path_ok(want, got):
    # The expectation holds the argument as sent; ftpaudit resolves it
    # against the working directory when it knows it.
    if want is None or got is None:
        return want == got
    return got == want or got.endswith("/" + want.lstrip("/"))


def check_transfer(name, i, want, got, errs):
    for k in ("mode", "negotiation", "command", "direction", "bytes"):
        if k in want and want[k] != got.get(k):
            errs.append("%s transfer %d: %s is %r, expected %r" % (name, i, k, got.get(k), want[k]))
    if "bytes_captured" in want and want["bytes_captured"] != got["bytes_captured"]:
        errs.append("%s transfer %d: bytes_captured %r, expected %r" % (name, i, got["bytes_captured"], want["bytes_captured"]))
    # A listing without an argument lists the working directory, which
    # ftpaudit reports as its path when it knows it.
    listing_cwd = want.get("direction") == "listing" and want.get("path") is None
    if "path" in want and not listing_cwd and not path_ok(want["path"], got.get("path")):
        errs.append("%s transfer %d: path %r, expected %r" % (name, i, got.get("path"), want["path"]))
    if "data" in want:
        c = got.get("connection")
        if c is None:
            errs.append("%s transfer %d: no data connection" % (name, i))
        elif ep(c["client"]) != ep(want["data"]["client"]) or ep(c["server"]) != ep(want["data"]["server"]):
            errs.append("%s transfer %d: data %s/%s, expected %s/%s" % (name, i, c["client"], c["server"],
                        want["data"]["client"], want["data"]["server"]))
    if "nat" in want and want["nat"] != got.get("nat"):
        errs.append("%s transfer %d: nat %r, expected %r" % (name, i, got.get("nat"), want["nat"]))
    if "announced" in want and want["announced"]["port"] != got["announced"]["port"]:
        errs.append("%s transfer %d: announced %r, expected %r" % (name, i, got["announced"], want["announced"]))
    if want.get("command") and got.get("status") not in ("complete",):
        errs.append("%s transfer %d: status %r" % (name, i, got.get("status")))


def check_session(name, want, got, errs):
    for k in ("user", "login", "tls"):
        if k in want and want[k] != got[k]:
            errs.append("%s: %s is %r, expected %r" % (name, k, got[k], want[k]))
    cmds = [[c["command"], c["reply_code"]] for c in got["commands"]]
    if cmds != want["commands"]:
        errs.append("%s: commands %s, expected %s" % (name, cmds, want["commands"]))
    if "gaps" in want:
        n = len(want["gaps"]) if isinstance(want["gaps"], list) else want["gaps"]
        if n != got["gaps"]:
            errs.append("%s: gaps %r, expected %r" % (name, got["gaps"], n))
    # Both sides of a NAT translation, paired (samples/nat_expect.py).
    if "nat" in want and want["nat"] != got.get("nat"):
        errs.append("%s: nat %r, expected %r" % (name, got.get("nat"), want["nat"]))
    if "nat_anomalies" in want:
        nat = sorted({a["type"] for a in got["anomalies"] if a["type"].startswith("nat_")})
        if nat != sorted(want["nat_anomalies"]):
            errs.append("%s: NAT anomalies %s, expected %s" % (name, nat, want["nat_anomalies"]))
    # Transfers that carried data, in order: negotiations never used are
    # extra entries in ftpaudit's list and are checked by their own tests.
    xfers = [t for t in got["transfers"] if t["command"] is not None]
    if len(xfers) != len(want["transfers"]):
        errs.append("%s: %d transfers, expected %d" % (name, len(xfers), len(want["transfers"])))
        return
    for i, (w, g) in enumerate(zip(want["transfers"], xfers), 1):
        check_transfer(name, i, w, g, errs)


def check_sample(ftpaudit, pcap, expect):
    errs = []
    want = json.load(open(expect))
    out = subprocess.run([ftpaudit, "analyze", "-F", "json", pcap], capture_output=True, timeout=60)
    if out.returncode != 0:
        return ["exit %d: %s" % (out.returncode, out.stderr.decode(errors="replace").strip())]
    rep = json.loads(out.stdout)
    sessions = {(ep(s["client"]), ep(s["server"])): s for s in rep["sessions"]}
    if len(rep["sessions"]) != len(want["sessions"]):
        errs.append("%d sessions, expected %d" % (len(rep["sessions"]), len(want["sessions"])))
    for w in want["sessions"]:
        key = (ep(w["client"]), ep(w["server"]))
        name = "%s:%d" % key[0]
        if key not in sessions:
            errs.append("session %s -> %s missing" % key)
            continue
        check_session(name, w, sessions[key], errs)
    attributed = sum(1 for s in rep["sessions"] for t in s["transfers"] if t["connection"])
    if "other_tcp_connections" in want:
        other = rep["stats"]["tcp_connections"] - len(rep["sessions"]) - attributed
        if other != want["other_tcp_connections"]:
            errs.append("%d other TCP connections, expected %d" % (other, want["other_tcp_connections"]))
    return errs


def main():
    ftpaudit, samples = sys.argv[1], sys.argv[2]
    passed = failed = 0
    for expect in sorted(glob.glob(os.path.join(samples, "*.expect.json"))):
        base = expect[:-len(".expect.json")]
        pcap = next((base + e for e in (".pcap", ".pcapng") if os.path.exists(base + e)), None)
        name = os.path.basename(base)
        if pcap is None:
            print("FAIL %s: no capture" % name)
            failed += 1
            continue
        errs = check_sample(ftpaudit, pcap, expect)
        if errs:
            failed += 1
            print("FAIL %s" % name)
            for e in errs:
                print("     " + e)
        else:
            passed += 1
            print("ok   %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

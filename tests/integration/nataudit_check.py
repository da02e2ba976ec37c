# SPDX-License-Identifier: ISC
"""nataudit_check.py: one NAT lab scenario's audit against the kernel.

    nataudit_check.py NAME AUDIT.json RESULTS [--dnat-trace] RULESET...

RESULTS holds nat_curl's lines "TAG LPORT ok|fail RC": what the kernel
did with each transfer ("refused": the server refused the negotiation,
no data connection was tried: audit has only the accepted control flow).  RULESET is what audit read, as the gateway saved
it after the transfers: `nft -j list ruleset` (every rule with a counter)
or `iptables-save -c` / `ip6tables-save -c` ([packets:bytes] per rule).
Checks:
  - each transfer's flows are all accepted exactly when the kernel let
    it work (the control flow found by the client's local port);
  - with --dnat-trace, the control flow's trace shows the dnat;
  - the rule audit names as deciding a flow counted packets in the
    kernel: a rule that decided nothing there cannot be the kernel's;
  - no rule audit calls unused (--all-unused) counted packets.
Prints "ok - ..." / "not ok - ..." lines; exits 1 on any failure.
"""
import json
import re
import sys


def nft_counters(path, table):
    """(family, table, chain, handle) -> packets, for nft -j rules."""
    doc = json.load(open(path))
    for obj in doc.get("nftables", []):
        r = obj.get("rule")
        if r is None:
            continue
        n = None
        for e in r.get("expr", []):
            if isinstance(e, dict) and "counter" in e:
                n = e["counter"].get("packets")
        key = (r["family"], r["table"], r["chain"], r["handle"])
        table[key] = n


def ipt_counters(path, table):
    """(source, line) -> packets, for iptables-save -c lines."""
    for i, line in enumerate(open(path), 1):
        m = re.match(r"\[(\d+):(\d+)\] -A ", line)
        if m:
            table[(path, i)] = int(m.group(1))


def counter_of(rule, rulesets, table):
    if rule is None:
        return None, "no rule"
    if "handle" in rule:
        key = (rule["family"], rule["table"], rule["chain"], rule["handle"])
        if key not in table:
            return None, "handle %s not in the ruleset" % rule["handle"]
        if table[key] is None:
            return None, "no counter"
        return table[key], ""
    if "line" in rule:
        for rs in rulesets:
            if (rs, rule["line"]) in table and rule.get("family") == \
                    ("ip6" if rs.endswith(".ip6t") else "ip"):
                return table[(rs, rule["line"])], ""
        return None, "line %s not found" % rule["line"]
    return None, "no handle or line"


def main():
    name, audit_path, res_path = sys.argv[1:4]
    rest = sys.argv[4:]
    dnat_trace = "--dnat-trace" in rest
    rulesets = [x for x in rest if not x.startswith("--")]
    a = json.load(open(audit_path))
    table = {}
    for rs in rulesets:
        if rs.endswith(".json"):
            nft_counters(rs, table)
        else:
            ipt_counters(rs, table)
    bad = 0

    def say(good, text):
        nonlocal bad
        print(("ok - " if good else "not ok - ") + "%s: %s" % (name, text))
        bad += 0 if good else 1

    flows = a["flows"]
    for line in open(res_path):
        if line.startswith("#") or not line.strip():
            continue
        tag, lport, outcome, _ = line.split()
        lport = int(lport)
        ctl = [f for f in flows if f["purpose"] == "control"
               and f["initiator"]["port"] == lport]
        if len(ctl) != 1:
            say(False, "%s: %d control flows from port %d" % (tag, len(ctl), lport))
            continue
        mine = [f for f in flows if f["session"] == ctl[0]["session"]]
        verdict = "ok" if all(f["verdict"] == "accept" for f in mine) else "fail"
        if outcome == "refused":
            # The server refused the negotiation: no data connection was
            # tried, nothing for the firewall to decide.
            verdict = "refused" if verdict == "ok" and len(mine) == 1 else verdict
        say(verdict == outcome, "%s: kernel %s, audit %s %s" % (
            tag, outcome, verdict,
            [(f["purpose"], f["verdict"]) for f in mine]))
        if dnat_trace:
            say(any("prerouting dstnat: dnat" in t for t in ctl[0]["trace"]),
                "%s: the trace shows the dnat" % tag)
        for f in mine:
            if f["rule"] is None:
                continue
            n, why = counter_of(f["rule"], rulesets, table)
            say(n is not None and n > 0,
                "%s %s: deciding rule %r counted %s packets %s" % (
                    tag, f["purpose"], f["rule"]["text"], n, why))
    for r in a.get("unused_rules", []):
        n, why = counter_of(r, rulesets, table)
        if n is None:
            continue
        say(n == 0, "unused rule %r counted %d packets" % (r["text"], n))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

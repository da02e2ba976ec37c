#!/bin/bash
# SPDX-License-Identifier: ISC
# natfix.sh: audit's NAT fix without the lab.  The NAT lab's gateway
# with its passive range not forwarded (audit-data/natlab-norange.*, nft
# JSON and iptables-save) against the capture of that failure
# (samples/nat-dnat-range-not-forwarded.pcap):
#   - fixes[] holds one dnat fix (schema/audit.schema.json nat_fix, with
#     python3-jsonschema), the untranslated passive flow's denied entry
#     names it, the control connection has none;
#   - -F nft and -F iptables draw it as the rules NAT renderers do, at
#     the top of the gateway's prerouting nat chain; -F ip6tables has none;
#   - without a prerouting nat chain there is no fix, the finding stays;
#   - as root with nft and iptables-restore, in a scratch network
#     namespace: the fix loads on the ruleset, and the ruleset the kernel
#     lists back after it denies nothing for the same capture (nataudit.sh
#     proves the transfer itself in the lab).
# Environment: FTPAUDIT, srcdir.  Exit 0 pass, 1 fail, 77 skip, 99 error.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
PY=/usr/bin/python3
D=$srcdir/tests/integration/audit-data
CAP=$srcdir/samples/nat-dnat-range-not-forwarded.pcap
[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failed=$((failed + 1)); }

audit() {	# audit RULESET FORMAT: to stdout
	"$FTPAUDIT" audit -q --no-fail --side gateway --ruleset "$1" \
		--iface=veth-gc,veth-gs -F "$2" "$CAP"
}

# shape JSON NAME: the dnat fix of the passive flow, and nothing else.
shape() {
	"$PY" - "$1" "$srcdir/schema/audit.schema.json" "$2" <<'PYEOF'
import json, sys
a = json.load(open(sys.argv[1]))
err = []
fl = a["flows"]
want = {"clients": "any", "public": {"ip": "10.20.1.1", "ports": [[40001, 40001]]},
        "to": {"ip": "10.20.2.2", "port": None}}
if len(a["fixes"]) != 1:
    err.append("%d fixes" % len(a["fixes"]))
else:
    x = a["fixes"][0]
    if x.get("kind") != "dnat" or x["rule"] != want:
        err.append("fix %s" % x)
    if (x["purpose"], x["chain"], x["family"], x["flows"]) != ("passive-data", "prerouting", "ip", [1]):
        err.append("fix %s %s %s %s" % (x["purpose"], x["chain"], x["family"], x["flows"]))
    p = x["place"]
    if p["position"] != "insert" or p["before"]["index"] != 1 or p["chain"] not in ("nat_pre", "PREROUTING"):
        err.append("place %s" % p)
    if a["denied"] != [{"flow": 1, "fix": x["id"]}]:
        err.append("denied %s" % a["denied"])
if [f["nat"]["untranslated"] for f in fl] != [False, True]:
    err.append("untranslated %s" % [f["nat"] for f in fl])
try:
    import jsonschema
    s = json.load(open(sys.argv[2]))
    e = list(jsonschema.validators.validator_for(s)(s).iter_errors(a))
    if e:
        err.append("schema: %s at %s" % (e[0].message, list(e[0].absolute_path)))
except ImportError:
    pass
print("%s - %s: one dnat fix for the untranslated passive flow%s" % (
    "not ok" if err else "ok", sys.argv[3], ": " + "; ".join(err) if err else ""))
sys.exit(1 if err else 0)
PYEOF
}

NFT=$D/natlab-norange.nft.json
IPT=$D/natlab-norange.ipt
audit "$NFT" json >"$tmp/nft.json" && shape "$tmp/nft.json" nft || failed=$((failed + 1))
audit "$IPT" json >"$tmp/ipt.json" && shape "$tmp/ipt.json" iptables || failed=$((failed + 1))

want='insert rule ip natlab nat_pre position 4 ip daddr 10.20.1.1/32 tcp dport 40001 dnat to 10.20.2.2 comment "N1 dnat passive-data"'
audit "$NFT" nft >"$tmp/fix.nft"
[ "$(grep -v '^#' "$tmp/fix.nft")" = "$want" ] && ok "-F nft: the dnat at the top of nat_pre" ||
	bad "-F nft: $(cat "$tmp/fix.nft")"
want='*nat
-I PREROUTING 1 -p tcp -d 10.20.1.1/32 --dport 40001 -m comment --comment "N1 dnat passive-data" -j DNAT --to-destination 10.20.2.2
COMMIT'
audit "$IPT" iptables >"$tmp/fix.ipt"
[ "$(grep -v '^#' "$tmp/fix.ipt")" = "$want" ] && ok "-F iptables: the DNAT at the top of nat PREROUTING" ||
	bad "-F iptables: $(cat "$tmp/fix.ipt")"
audit "$IPT" ip6tables >"$tmp/fix.ip6t"
[ -z "$(grep -v '^#' "$tmp/fix.ip6t")" ] && ok "-F ip6tables: no NAT" ||
	bad "-F ip6tables: $(cat "$tmp/fix.ip6t")"
audit "$NFT" text >"$tmp/text"
grep -q '^  F1 for flow #1: dnat (the gateway did not translate them), insert before ip natlab nat_pre' "$tmp/text" &&
	grep -q '^      insert rule ip natlab nat_pre position 4 .* dnat to 10.20.2.2' "$tmp/text" &&
	ok "text: the dnat fix and its command" || bad "text: $(grep -A2 '^fixes' "$tmp/text")"

# No prerouting nat chain: the finding only.
"$PY" - "$NFT" >"$tmp/nonat.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["nftables"] = [o for o in d["nftables"]
                 if ("chain" not in o or o["chain"]["name"] != "nat_pre")
                 and ("rule" not in o or o["rule"]["chain"] != "nat_pre")]
json.dump(d, sys.stdout)
PYEOF
audit "$tmp/nonat.json" json >"$tmp/nonat.audit.json"
"$PY" - "$tmp/nonat.audit.json" <<'PYEOF' || failed=$((failed + 1))
import json, sys
a = json.load(open(sys.argv[1]))
ok = (not any(x.get("kind") == "dnat" for x in a["fixes"]) and
      any(f["type"] == "nat-not-forwarded" for f in a["findings"]))
print("%s - no prerouting nat chain: no dnat fix, the nat-not-forwarded finding" %
      ("ok" if ok else "not ok"))
sys.exit(0 if ok else 1)
PYEOF

# The fix applied to the ruleset in a scratch namespace, listed back.
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null && unshare -n true 2>/dev/null; then
	unshare -n sh -c "nft -f '$D/natlab-norange.nft' && nft -f '$tmp/fix.nft' &&
		nft -j list ruleset" >"$tmp/fixed.json" 2>"$tmp/err" ||
		bad "nft: the fix does not load: $(cat "$tmp/err")"
	audit "$tmp/fixed.json" json >"$tmp/fixed.audit.json"
	if command -v iptables-restore >/dev/null; then
		sed 's/^\[[0-9]*:[0-9]*\] //' "$IPT" >"$tmp/load.ipt"
		unshare -n sh -c "iptables-restore <'$tmp/load.ipt' &&
			iptables-restore --noflush <'$tmp/fix.ipt' && iptables-save -c" \
			>"$tmp/fixed.ipt" 2>"$tmp/err" ||
			bad "iptables: the fix does not load: $(cat "$tmp/err")"
		audit "$tmp/fixed.ipt" json >"$tmp/fixed-ipt.audit.json"
	fi
	for j in "$tmp"/fixed*.audit.json; do
		"$PY" - "$j" <<'PYEOF' || failed=$((failed + 1))
import json, sys
a = json.load(open(sys.argv[1]))
ok = a["flows"] and all(f["verdict"] == "accept" for f in a["flows"]) and not a["fixes"]
print("%s - %s: the fixed ruleset, listed back by the kernel, accepts every flow" %
      ("ok" if ok else "not ok", a["ruleset"]["format"]))
sys.exit(0 if ok else 1)
PYEOF
	done
else
	echo "# not root or no nft/netns: the fix is not loaded"
fi
echo "# $failed failed"
[ "$failed" = 0 ]

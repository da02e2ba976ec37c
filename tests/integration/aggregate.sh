#!/bin/bash
# SPDX-License-Identifier: ISC
# aggregate.sh: rules --aggregate on many clients.  Session records
# (rules --records) are made from two samples' sessions (IPv4 passive,
# IPv6 EPSV) with the client replaced by several hundred addresses: a
# whole /24, runs, scattered hosts; the same clients reach two servers.
# Checks:
#  - exact (default): every rule's saddr/daddr hold exactly the hosts of
#    the same rule with --aggregate=none (python ipaddress, address by
#    address), sorted, no two prefixes mergeable; the hosts of every
#    control rule are the clients of its server's sessions;
#  - nft: the lists are named sets (type ipv4_addr / ipv6_addr, flags
#    interval), one per distinct list, shared by the rules that match the
#    same clients; the script, its --standalone and --nft-chain forms load
#    (nft -c -f in a private network namespace) and so does the
#    iptables-restore input (--test);
#  - /24,/64: the header and the JSON say WIDENED; the clients' lists are
#    /24 and /64 prefixes holding every host of evidence.addresses, which
#    only a widened document has;
#  - none: one /32 per host, as without aggregation;
#  - bad input: --aggregate=/99, /24,/129, /, wide...: a bad value as
#    ftpaudit(1) has it, exit 1 and one line naming the option.
# Exit 77 (SKIP) without python3; the loading checks need root and
# unshare -n (else said and left out).
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
PY=/usr/bin/python3
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: missing python3"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {	# check CONDITION-EXIT-STATUS MESSAGE
	if [ "$1" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $2"
	fi
}

"$FTPAUDIT" analyze -q -F ndjson "$srcdir/samples/crafted-basic.pcap" > "$tmp/v4.nd" &&
"$FTPAUDIT" analyze -q -F ndjson "$srcdir/samples/vsftpd-curl-ipv6-epsv.pcap" > "$tmp/v6.nd" ||
	{ echo "ERROR: analyze failed"; exit 99; }

# Records: each sample session again per client and server, the addresses
# replaced in its text (both servers see the same clients).
"$PY" - "$tmp" <<'PY' || { echo "ERROR: making the records failed"; exit 99; }
import json, random, sys
d = sys.argv[1]
random.seed(20)
def session(p):
    return next(l for l in open(p) if '"record":"session"' in l)
v4, v6 = session(d + "/v4.nd"), session(d + "/v6.nd")
clients4 = ["10.40.0.%d" % i for i in range(256)]            # one /24
clients4 += ["10.41.0.%d" % i for i in range(3, 11)]         # a range 3-10
clients4 += ["10.42.%d.%d" % (random.randrange(256), random.randrange(1, 255))
             for _ in range(60)]                              # scattered
clients6 = ["fd40::%x" % i for i in range(0, 16)]             # one /124
clients6 += ["fd41::%x:%x" % (random.randrange(65536), random.randrange(65536))
             for _ in range(20)]
out, sid = [], 0
for srv4, srv6 in (("10.30.2.20", "fd20:2::2"), ("10.30.2.21", "fd20:2::3")):
    for c in clients4:
        sid += 1
        t = v4.replace("10.30.1.10", c).replace("10.30.2.20", srv4)
        t = t.replace("10,30,2,20", srv4.replace(".", ","))
        r = json.loads(t); r["id"] = sid; out.append(r)
    for c in clients6:
        sid += 1
        t = v6.replace('"fd20:1::2"', '"%s"' % c).replace('"fd20:2::2"', '"%s"' % srv6)
        r = json.loads(t); r["id"] = sid; out.append(r)
with open(d + "/many.nd", "w") as f:
    for r in out:
        f.write(json.dumps(r) + "\n")
PY

R="$FTPAUDIT rules -q --records"
$R -F json "$tmp/many.nd" > "$tmp/exact.json"; check $? "rules -F json"
$R -F nft "$tmp/many.nd" > "$tmp/exact.nft"; check $? "rules -F nft"
$R -F nft --standalone "$tmp/many.nd" > "$tmp/standalone.nft"; check $? "--standalone"
$R -F nft --nft-chain='inet filter' "$tmp/many.nd" > "$tmp/chain.nft"; check $? "--nft-chain"
$R -F iptables "$tmp/many.nd" > "$tmp/exact.ipt"; check $? "-F iptables"
$R -F ip6tables "$tmp/many.nd" > "$tmp/exact.ip6t"; check $? "-F ip6tables"
$R -F text "$tmp/many.nd" > "$tmp/exact.txt"; check $? "-F text"
$R -F json --aggregate=/24,/64 "$tmp/many.nd" > "$tmp/wide.json"; check $? "/24,/64 json"
$R -F nft --aggregate=/24,/64 "$tmp/many.nd" > "$tmp/wide.nft"; check $? "/24,/64 nft"
$R -F json --aggregate=none "$tmp/many.nd" > "$tmp/none.json"; check $? "none json"
$R -F nft --aggregate=none "$tmp/many.nd" > "$tmp/none.nft"; check $? "none nft"

"$PY" - "$tmp" <<'PY'
import ipaddress as ip, json, re, sys
d = sys.argv[1]
bad = 0
def check(cond, msg):
    global bad
    if not cond:
        bad += 1
        print("FAIL: " + msg)
def nets(v):
    return [ip.ip_network(c) for c in v]
def hosts(v):
    return {ip.ip_address(c.split("/")[0]) for c in v}
def covers(ns, a):
    return any(a in n for n in ns)
recs = [json.loads(l) for l in open(d + "/many.nd")]
ex, wide, none = (json.load(open(d + "/%s.json" % n)) for n in ("exact", "wide", "none"))
check(ex["aggregate"] == {"mode": "exact", "ipv4_prefix": 32, "ipv6_prefix": 128,
    "widened": False}, "exact: aggregate %s" % ex.get("aggregate"))
check(wide["aggregate"]["widened"] and wide["aggregate"]["ipv4_prefix"] == 24 and
    wide["aggregate"]["ipv6_prefix"] == 64, "wide: aggregate %s" % wide.get("aggregate"))
check("aggregate" not in none, "none: an aggregate member")
exact_of = {r["id"]: r for r in none["rules"]}
check(len(none["rules"]) == len(ex["rules"]), "none and exact: other rules")
check(all("addresses" not in r["evidence"] for r in ex["rules"] + none["rules"]),
    "exact or none: evidence.addresses")
big = 0
for r in ex["rules"]:
    for k in ("saddr", "daddr"):
        if r[k] == "any":
            check(exact_of[r["id"]][k] == "any", "%s %s: any only in exact" % (r["id"], k))
            continue
        seen = hosts(exact_of[r["id"]][k])
        ns = nets(r[k])
        # Exactly: every prefix address by address (the sets are small).
        got = {a for n in ns for a in n}
        check(got == seen, "%s %s: prefixes hold %d addresses, %d seen" %
            (r["id"], k, len(got), len(seen)))
        check(ns == sorted(ns, key=lambda n: (n.version, n.network_address)),
            "%s %s not sorted" % (r["id"], k))
        for a, b in zip(ns, ns[1:]):
            check(a.version != b.version or a.prefixlen != b.prefixlen or
                a.supernet() != b.supernet(), "%s %s: %s and %s make one prefix" %
                (r["id"], k, a, b))
        big = max(big, len(seen))
check(big >= 300, "no rule with many clients (%d)" % big)
# Every session's client is in its rules.
clients = {}
for s in recs:
    clients.setdefault(s["server"]["ip"], set()).add(ip.ip_address(s["client"]["ip"]))
for r in ex["rules"]:
    if r["purpose"] != "control":
        continue
    srv = r["daddr"][0].split("/")[0]
    check({a for n in nets(r["saddr"]) for a in n} == clients[srv],
        "%s: clients of %s differ" % (r["id"], srv))
# none: the hosts, one by one.
for r in none["rules"]:
    for k in ("saddr", "daddr"):
        if r[k] != "any":
            check(all(c.endswith("/32") or c.endswith("/128") for c in r[k]),
                "none: %s %s has a prefix" % (r["id"], k))
# Widened: the clients' lists /24 and /64 only, holding every host seen;
# the servers' stay exact.
for r in wide["rules"]:
    peers = "daddr" if r["purpose"] == "active-data" else "saddr"
    for k in ("saddr", "daddr"):
        if r[k] == "any":
            continue
        ns = nets(r[k])
        if k == peers:
            check(all(n.prefixlen <= (24 if n.version == 4 else 64) for n in ns),
                "wide: %s %s has %s" % (r["id"], k, r[k][:3]))
        else:
            check(hosts(r[k]) == hosts(r["evidence"]["addresses"][k]) and
                all(n.num_addresses == 1 for n in ns),
                "wide: %s %s (servers) widened: %s" % (r["id"], k, r[k][:3]))
        check(all(covers(ns, a) for a in hosts(r["evidence"]["addresses"][k])),
            "wide: %s %s misses a host" % (r["id"], k))
# nft: named sets, one per distinct list, shared.
nft = open(d + "/exact.nft").read()
sets = re.findall(r"^\tset (R[0-9]+_peers) \{\n\t\ttype (ipv[46]_addr); flags interval\n", nft, re.M)
uses = re.findall(r"@(R[0-9]+_peers)", nft)
check(len(sets) >= 2 and {t for _, t in sets} == {"ipv4_addr", "ipv6_addr"},
    "nft: sets %s" % sets)
check(set(uses) == {n for n, _ in sets}, "nft: sets declared %s, used %s" % (sets, set(uses)))
check(len(uses) > len(sets), "nft: no set shared (%d uses of %d sets)" % (len(uses), len(sets)))
check("{ 10.40.0.0/24, 10.41.0.3-10.41.0.10," in nft.replace("\n\t\t\t", " ").replace("elements = { ", "{ "),
    "nft: the /24 and the range are not elements")
check(len(re.findall(r"^\t\t[^\t].*accept comment \"R", nft, re.M)) ==
    len([r for r in ex["rules"]]), "nft: a rule per rule")
chain = open(d + "/chain.nft").read()
check(re.search(r"^add set inet filter ftpaudit_R[0-9]+_peers \{ type ipv4_addr; flags interval; \}$", chain, re.M) is not None and
    "@ftpaudit_R" in chain, "--nft-chain: no named set")
for f in ("exact.nft", "exact.txt", "exact.ipt"):
    check("exactly the" in open(d + "/" + f).read(), f + ": no aggregation line")
check("WIDENED (--aggregate=/24,/64)" in open(d + "/wide.nft").read(), "wide: header")
check("Addresses" not in open(d + "/none.nft").read(), "none: an Addresses line")
txt = open(d + "/exact.txt").read()
check(re.search(r"^R[0-9]+ +input +control +ip +[0-9]+ prefixes ", txt, re.M) is not None,
    "text: no prefix count")
sys.exit(1 if bad else 0)
PY
check $? "aggregation checks"

# Loading: nft -c in a private network namespace (nothing is applied).
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	unshare -n nft -c -f "$tmp/exact.nft"; check $? "exact.nft does not load"
	unshare -n nft -c -f "$tmp/standalone.nft"; check $? "standalone.nft does not load"
	unshare -n nft -c -f "$tmp/wide.nft"; check $? "wide.nft does not load"
	unshare -n sh -c "nft add table inet filter && nft -f '$tmp/chain.nft' &&
	    nft -f '$tmp/chain.nft' && nft list set inet filter \$(sed -n 's/^add set inet filter \([^ ]*\) .*/\1/p' '$tmp/chain.nft' | head -1) >/dev/null"
	check $? "chain.nft does not load twice"
	if command -v iptables-restore >/dev/null 2>&1; then
		unshare -n iptables-restore --test --noflush < "$tmp/exact.ipt"
		check $? "exact.ipt does not load"
		unshare -n ip6tables-restore --test --noflush < "$tmp/exact.ip6t"
		check $? "exact.ip6t does not load"
	fi
else
	echo "# not root or no unshare -n/nft: loading left out"
fi

# Bad input: a bad value (exit 1), one line and nothing else.
for a in /99 /24,/129 / wide /24, /-1; do
	"$FTPAUDIT" rules -q --aggregate="$a" "$srcdir/samples/crafted-basic.pcap" \
	    > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q -- "--aggregate" "$tmp/err" &&
	    [ "$(wc -l < "$tmp/err")" -eq 1 ]
	check $? "--aggregate=$a: exit $rc, $(head -c 300 "$tmp/err")"
done

echo "aggregate: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: ISC
# rules.sh: `ftpaudit rules` on every sample capture, without root, for each
# side, strategy and peers setting: the JSON validates against
# schema/rules.schema.json (when python3-jsonschema is there); every
# "firewall" entry of analyze (-F json and -F ndjson alike) names a rule of
# the same options' recommendation that really matches it (chain, addresses,
# ports); the ids agree between json and ndjson; every rule appears with its
# comment in the nft and iptables forms, each on a line of its own.  The
# proof on a real firewall is firewall.sh.
#
# Environment: FTPAUDIT, srcdir.  Exit 0 pass, 1 fail, 77 skip, 99 error.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

caps=("$srcdir"/samples/*.pcap "$srcdir"/samples/*.pcapng)
validate=1
[ -r "$srcdir/schema/rules.schema.json" ] || validate=0
"$PY" -c 'from jsonschema import Draft202012Validator' 2>/dev/null || {
	echo "note: no python3-jsonschema, the schema is not checked"
	validate=0
}
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

for side in server client gateway; do
for strategy in static helper; do
for peers in observed any; do
	label="$side/$strategy/$peers"
	d=$tmp/$side-$strategy-$peers
	mkdir "$d"
	o=(-q --ports 21,2121,2122 --side "$side" --strategy "$strategy" --peers "$peers")
	ok=1
	"$FTPAUDIT" rules "${o[@]}" -o "$d/rules.json" "${caps[@]}" &&
	"$FTPAUDIT" rules "${o[@]}" -F text -o "$d/rules.txt" "${caps[@]}" &&
	"$FTPAUDIT" rules "${o[@]}" -F nft -o "$d/rules.nft" "${caps[@]}" &&
	"$FTPAUDIT" rules "${o[@]}" -F nft --nft-chain -o "$d/chain.nft" "${caps[@]}" &&
	"$FTPAUDIT" rules "${o[@]}" -F iptables -o "$d/rules.ipt4" "${caps[@]}" &&
	"$FTPAUDIT" rules "${o[@]}" -F ip6tables -o "$d/rules.ipt6" "${caps[@]}" &&
	"$FTPAUDIT" rules "${o[@]}" -F nft --standalone -o "$d/sa.nft" "${caps[@]}" &&
	"$FTPAUDIT" rules "${o[@]}" -F iptables --standalone -o "$d/sa.ipt4" "${caps[@]}" &&
	"$FTPAUDIT" rules "${o[@]}" -F ip6tables --standalone -o "$d/sa.ipt6" "${caps[@]}" &&
	"$FTPAUDIT" analyze "${o[@]}" -F json -o "$d/analyze.json" "${caps[@]}" &&
	"$FTPAUDIT" analyze "${o[@]}" -F ndjson -o "$d/analyze.ndjson" "${caps[@]}" || ok=0
	if [ $ok = 0 ]; then
		fail "$label: ftpaudit failed"
		continue
	fi
	passed=$((passed + 1))
	if [ $validate = 1 ]; then
		"$PY" -c '
import json, sys
for s in json.load(open(sys.argv[1]))["sessions"]:
    for f in s.get("firewall", []):
        print(json.dumps(f))
' "$d/analyze.json" >"$d/openings.ndjson"
		if "$PY" "$srcdir/tests/integration/schema_check.py" \
			"$srcdir/schema/rules.schema.json" "$d/rules.json" >"$d/v1" 2>&1 &&
			"$PY" "$srcdir/tests/integration/schema_check.py" \
			"$srcdir/schema/rules.schema.json#/\$defs/opening" --ndjson \
			"$d/openings.ndjson" >"$d/v2" 2>&1; then
			passed=$((passed + 1))
		else
			fail "$label: schema: $(head -c 400 "$d/v1" "$d/v2")"
		fi
	fi
	out=$("$PY" - "$d" "$side" <<'EOF'
import ipaddress, json, re, sys

d, side = sys.argv[1], sys.argv[2]
rules = json.load(open(d + "/rules.json"))
byid = {r["id"]: r for r in rules["rules"]}
doc = json.load(open(d + "/analyze.json"))
nd = {}
for line in open(d + "/analyze.ndjson"):
    s = json.loads(line)
    if "firewall" in s:
        nd[s["id"]] = s["firewall"]
ok = bad = 0

def check(cond, msg):
    global ok, bad
    if cond:
        ok += 1
    else:
        bad += 1
        print("FAIL: " + msg)

def in_addrs(ip, addrs):
    return addrs == "any" or any(ipaddress.ip_address(ip) in
        ipaddress.ip_network(c) for c in addrs)

def in_ports(port, ranges):
    return ranges == "any" or (port is not None and
        any(lo <= port <= hi for lo, hi in ranges))

chains = {"server": {True: "input", False: "output"},
          "client": {True: "output", False: "input"},
          "gateway": {True: "forward", False: "forward"}}
for s in doc["sessions"]:
    sid = s["id"]
    check(nd.get(sid) == s["firewall"], "session %d: ndjson firewall differs" % sid)
    for f in s["firewall"]:
        if f["rule"] is None:
            continue
        r = byid.get(f["rule"])
        check(r is not None, "session %d: no rule %s" % (sid, f["rule"]))
        if r is None:
            continue
        want = f["purpose"]
        client_opens = want != "active-data"
        if r["purpose"] == "helper-related":
            check(want != "control" and f["helper_covers"],
                "session %d: %s on helper rule %s" % (sid, want, r["id"]))
            check(r["chain"] == chains[side][client_opens],
                "session %d: %s in chain %s" % (sid, r["id"], r["chain"]))
            continue
        check(r["purpose"] == want, "session %d: %s is %s, want %s" %
            (sid, r["id"], r["purpose"], want))
        check(r["chain"] == chains[side][client_opens],
            "session %d: %s in chain %s" % (sid, r["id"], r["chain"]))
        i, p = f["initiator"], f["responder"]
        check(in_addrs(i["ip"], r["saddr"]) and in_addrs(p["ip"], r["daddr"]),
            "session %d: %s -> %s not in %s addresses" % (sid, i["ip"], p["ip"], r["id"]))
        check(in_ports(p["port"], r["dport"]), "session %d: port %d not in %s dport %s"
            % (sid, p["port"], r["id"], r["dport"]))
        if i["port"] is not None:
            check(in_ports(i["port"], r["sport"]), "session %d: sport %d not in %s"
                % (sid, i["port"], r["id"]))

# Every rule in the nft and iptables forms (default and standalone), its
# comment on its own line.  The default iptables form leaves the
# established rules out (only new connections are judged) and says so.
nft = open(d + "/rules.nft").read()
sa = open(d + "/sa.nft").read()
chain = open(d + "/chain.nft").read()
ipt = {"ip": open(d + "/rules.ipt4").read(), "ip6": open(d + "/rules.ipt6").read()}
saipt = {"ip": open(d + "/sa.ipt4").read(), "ip6": open(d + "/sa.ipt6").read()}
check(nft.count("policy drop") == 0 and chain.count("policy") == 0,
    "default nft form has a drop policy")
check("\n:INPUT " not in ipt["ip"] and "\n-A INPUT" not in ipt["ip"],
    "default iptables form touches the built-in chains")
check(rules["scope"] == "ftp-surface", "JSON scope is not ftp-surface")
for r in rules["rules"]:
    c = 'comment "%s %s"' % (r["id"], r["purpose"])
    check(len(re.findall(re.escape(c) + "\n", nft)) == 1, "nft: %s not once" % c)
    check(len(re.findall(re.escape(c) + "\n", sa)) == 1, "nft standalone: %s not once" % c)
    check(len(re.findall(re.escape(c) + "\n", chain)) == 1, "nft chain form: %s not once" % c)
    for fam in ipt:
        want = r["family"] in (fam, "inet")
        c = '--comment "%s %s" -j ' % (r["id"], r["purpose"])
        check((c in saipt[fam]) == want, "%stables standalone: %s %s" % (
            "ip6" if fam == "ip6" else "ip", r["id"], "missing" if want else "of the other family"))
        if r["purpose"] == "established":
            c = "# %s established: not needed here" % r["id"]
        check((c in ipt[fam]) == want, "%stables: %s %s" % (
            "ip6" if fam == "ip6" else "ip", r["id"], "missing" if want else "of the other family"))
for text in (nft, sa, chain):
    for line in text.splitlines():
        if line.startswith("#") or "policy" in line:
            continue
        if re.search(r"\b(accept|ct helper set)\b", line):
            check(re.search(r' comment "(R[0-9]+|base) [a-z0-9-]+"$', line) is not None,
                "nft line without its comment: " + line)
        elif re.search(r"\bdrop\b", line):
            check(re.search(r' ct state (new|related( ct helper "ftp")?) drop comment "surface of R[0-9]+"$', line)
                is not None, "nft drop that is not of the FTP surface: " + line)
for text in ipt.values():
    for line in text.splitlines():
        if line.startswith("-A"):
            check(line.startswith("-A FTPAUDIT-"), "iptables rule outside FTPAUDIT chains: " + line)
            if line.endswith("-j DROP"):
                check(re.search(r'--ctstate (NEW|RELATED).* --comment "surface of R[0-9]+" -j DROP$', line)
                    is not None, "iptables drop that is not of the FTP surface: " + line)
print("counts %d %d" % (ok, bad))
EOF
)
	printf '%s\n' "$out" | grep '^FAIL' | sed "s|^FAIL: |FAIL: $label: |" | head -20
	set -- $(printf '%s\n' "$out" | sed -n 's/^counts //p')
	if [ $# = 2 ]; then
		passed=$((passed + $1))
		failed=$((failed + $2))
	else
		fail "$label: checker crashed: $(printf '%s\n' "$out" | tail -3)"
	fi
done
done
done

# Evidence (issue 17): a bounce and a third-party PORT earn no rule for the
# third host, are listed with their reasons (JSON, text, nft and iptables
# headers, analyze's firewall entries), and --trust=all brings the rule
# back.  bounce: samples/crafted-bounce.pcap (PORT to 10.30.3.80:80,
# connected) and suricata-verify's ftp-bounce (PORT to 2.2.2.3:80, not
# connected); third party: zeek's many-port-expected (500 unanswered PORTs
# to 10.0.0.200, no login: nothing to recommend without --allow-empty).
shared=${FTPAUDIT_SHARED:-$srcdir/../shared}/pcaps
evidence() {	# evidence CAPTURE THIRD REASON [RULES OPTIONS...]
	local cap=$1 third=$2 reason=$3 d=$tmp/evidence out
	shift 3
	[ -r "$cap" ] || { echo "note: $cap absent"; return; }
	mkdir -p "$d"
	"$FTPAUDIT" rules -q "$@" -o "$d/v.json" "$cap" &&
	"$FTPAUDIT" rules -q "$@" -F text -o "$d/v.txt" "$cap" &&
	"$FTPAUDIT" rules -q "$@" -F nft -o "$d/v.nft" "$cap" &&
	"$FTPAUDIT" rules -q "$@" -F iptables -o "$d/v.ipt" "$cap" &&
	"$FTPAUDIT" rules -q "$@" --trust=all -o "$d/all.json" "$cap" &&
	"$FTPAUDIT" analyze -q "${@/--allow-empty/-q}" -F json -o "$d/a.json" "$cap" &&
	"$FTPAUDIT" analyze -q "${@/--allow-empty/-q}" --trust=all -F json -o "$d/aall.json" "$cap" ||
		{ fail "evidence ${cap##*/}: ftpaudit failed"; return; }
	out=$("$PY" - "$d" "$third" "$reason" <<'PYEOF'
import json, sys
d, third, reason = sys.argv[1:]
ok = bad = 0
def check(cond, msg):
    global ok, bad
    if cond:
        ok += 1
    else:
        bad += 1
        print("FAIL: " + msg)
def addrs(doc):
    return {a for r in doc["rules"] for k in ("saddr", "daddr")
        if r[k] != "any" for a in r[k]}
v = json.load(open(d + "/v.json"))
a = json.load(open(d + "/all.json"))
check(third + "/32" not in addrs(v), "vetted rules open " + third)
check(third + "/32" in addrs(a), "--trust=all does not open " + third)
ex = [x for x in v["excluded"] if x["endpoint"]["ip"] == third]
check(ex and all(x["reason"] == reason for x in ex),
    "no exclusion %s for %s: %s" % (reason, third, v["excluded"][:3]))
check(v["excluded_counts"][reason] == len(ex), "excluded_counts disagrees")
check(a["excluded"] == [] and a["trust"] == "all", "--trust=all excludes")
n = v["excluded_counts"][reason]
check("%s %d" % (reason, n) in open(d + "/v.txt").read(), "text lacks the count")
for f in ("v.nft", "v.ipt"):
    t = open(d + "/" + f).read()
    check("# Evidence excluded (transfers): " in t and "%s %d" % (reason, n) in t,
        f + " header lacks the count")
fw = [f for s in json.load(open(d + "/a.json"))["sessions"] for f in s["firewall"]
      if f["responder"]["ip"] == third]
check(fw and all(f["rule"] is None and f["excluded"] == reason for f in fw),
    "analyze: openings to %s not excluded as %s" % (third, reason))
fw = [f for s in json.load(open(d + "/aall.json"))["sessions"] for f in s["firewall"]
      if f["responder"]["ip"] == third]
check(fw and all(f["rule"] and "excluded" not in f for f in fw),
    "analyze --trust=all: openings to %s without a rule" % third)
print("counts %d %d" % (ok, bad))
PYEOF
)
	printf '%s\n' "$out" | grep '^FAIL' | sed "s|^FAIL: |FAIL: evidence ${cap##*/}: |"
	set -- $(printf '%s\n' "$out" | sed -n 's/^counts //p')
	if [ $# = 2 ]; then
		passed=$((passed + $1))
		failed=$((failed + $2))
	else
		fail "evidence ${cap##*/}: checker crashed: $(printf '%s\n' "$out" | tail -3)"
	fi
}
evidence "$srcdir/samples/crafted-bounce.pcap" 10.30.3.80 bounce
evidence "$shared/suricata-verify/ftp__ftp-bounce__test.pcap" 2.2.2.3 bounce
evidence "$shared/suricata-verify/ftp__ftp-bounce__test.pcap" 2.2.2.3 bounce --strategy=helper
evidence "$shared/zeek/ftp__ftp-many-port-expected.pcap" 10.0.0.200 third_party_address --allow-empty
if [ -r "$shared/zeek/ftp__ftp-many-port-expected.pcap" ]; then
	"$FTPAUDIT" rules -F nft "$shared/zeek/ftp__ftp-many-port-expected.pcap" >"$tmp/o" 2>"$tmp/e"
	if [ $? = 1 ] && [ ! -s "$tmp/o" ] && [ "$(wc -l <"$tmp/e")" = 1 ]; then
		passed=$((passed + 1))
	else
		fail "many-port-expected: nothing to recommend is not one line and exit 1"
	fi
fi

# Bad input (issue 17): one line on stderr, nothing on stdout, exit 1.
bad() {	# bad LABEL ARGS...
	local label=$1 rc
	shift
	"$FTPAUDIT" rules "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] && [ ! -s "$tmp/bad.out" ]; then
		passed=$((passed + 1))
	else
		fail "$label: exit $rc, $(wc -l <"$tmp/bad.err") lines: $(head -c 300 "$tmp/bad.err")"
	fi
}
one=${caps[0]}
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0' >"$tmp/empty.pcap"
bad "capture without FTP" -F nft "$tmp/empty.pcap"
bad "capture without FTP, json" "$tmp/empty.pcap"
bad "--nft-chain='ip filter x'" -F nft "--nft-chain=ip filter x" "$one"
bad "--nft-chain='foo filter'" -F nft "--nft-chain=foo filter" "$one"
bad "--nft-chain='bridge filter'" -F nft "--nft-chain=bridge filter" "$one"
bad "--nft-chain='inet 1x'" -F nft "--nft-chain=inet 1x" "$one"
bad "--nft-chain with -F iptables" -F iptables --nft-chain "$one"
bad "--nft-chain with -F json" --nft-chain "$one"
bad "--standalone with -F json" --standalone "$one"
bad "--standalone with -F text" -F text --standalone "$one"
bad "--standalone with --nft-chain" -F nft --standalone --nft-chain "$one"
if "$FTPAUDIT" rules -q --allow-empty -F nft "$tmp/empty.pcap" >"$tmp/bad.out" &&
	grep -q '^table inet ftpaudit {$' "$tmp/bad.out"; then
	passed=$((passed + 1))
else
	fail "--allow-empty: no table written for a capture without FTP"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

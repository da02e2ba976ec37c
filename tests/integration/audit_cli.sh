#!/bin/bash
# audit_cli.sh: `ftpaudit audit` without root: the sample captures against
# rulesets taken from a real kernel (tests/integration/audit-data), the
# verdicts, findings and JSON contract (schema/audit.schema.json when
# python3-jsonschema is there), exit statuses 0/1/2/3 and one-line errors.
# Environment: FTPAUDIT, srcdir.  Exit 0 pass, 1 fail, 77 skip, 99 error.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
PY=/usr/bin/python3
D=$srcdir/tests/integration/audit-data
S=$srcdir/samples
[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

check() {	# check OK|FAIL MESSAGE
	if [ "$1" = OK ]; then
		passed=$((passed + 1))
		echo "ok - $2"
	else
		failed=$((failed + 1))
		echo "not ok - $2"
	fi
}

# expect_rc WANT MESSAGE CMD...: the exit status, stderr kept in $tmp/err.
expect_rc() {
	local want=$1 msg=$2 rc
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = "$want" ] && check OK "$msg (exit $rc)" ||
		check FAIL "$msg: exit $rc, want $want: $(head -c 300 "$tmp/err")"
}

# judge NAME JSON PYTHON-ASSERTIONS: run assertions on the document `a`.
judge() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) check OK "$1: ${line#ok - }" ;;
		*) check FAIL "$1: ${line#not ok - }" ;;
		esac
	done < <("$PY" - "$2" "$srcdir/schema/audit.schema.json" "$3" <<'EOF' 2>&1
import json, sys
a = json.load(open(sys.argv[1]))
try:
    from jsonschema import Draft202012Validator
    errs = list(Draft202012Validator(json.load(open(sys.argv[2]))).iter_errors(a))
    print(("ok - " if not errs else "not ok - ") + "schema: " +
          ("valid" if not errs else "%s at %s" % (errs[0].message, list(errs[0].path))))
except ImportError:
    pass
verdicts = [f["verdict"] for f in a["flows"]]
unused = [r.get("handle", r.get("line")) for r in a["unused_rules"]]
shadowed = [(s["rule"].get("handle", s["rule"].get("line")),
             s["by"].get("handle", s["by"].get("line"))) for s in a["shadowed"]]
findings = sorted(set(f["type"] for f in a["findings"]))
for expr in sys.argv[3].split(";"):
    expr = expr.strip()
    if not expr:
        continue
    try:
        ok = eval(expr)
    except Exception as e:
        ok, expr = False, "%s (%s)" % (expr, e)
    print(("ok - " if ok else "not ok - ") + expr +
          ("" if ok else "  [verdicts=%s unused=%s shadowed=%s findings=%s]"
           % (verdicts, unused, shadowed, findings)))
EOF
)
}

CAPS="$S/vsftpd-curl-pasv.pcap $S/vsftpd-curl-port.pcap $S/vsftpd-curl-ipv6-epsv.pcap"

# nft: the helper runs before conntrack, 10/8 is kept out of the passive
# range, fd20:1::/64 is dropped.
# shellcheck disable=SC2086
expect_rc 3 "nft ruleset with denied flows" "$FTPAUDIT" audit --ruleset="$D/server-mixed.nft.json" -F json $CAPS
cp "$tmp/out" "$tmp/mixed.json"
judge mixed "$tmp/mixed.json" '
	verdicts == ["accept", "drop", "accept", "accept", "drop", "drop"];
	a["ruleset"]["format"] == "nft-json" and a["ruleset"]["rules"] == 12;
	a["flows"][1]["rule"] is None and "policy drop" in a["flows"][1]["policy"];
	a["flows"][4]["rule"]["handle"] == 19;
	[d["flow"] for d in a["denied"]] == [1, 4, 5];
	a["denied"][0]["fix"]["dport"] == [[40007, 40007]] and a["denied"][0]["fix"]["ct_state"] == ["new"];
	a["denied"][0]["fix"]["insert"] == {"family": "inet", "table": "filter", "chain": "input"};
	a["denied"][1]["fix"]["family"] == "ip6" and a["denied"][1]["fix"]["purpose"] == "control";
	sorted(unused) == [9, 11, 13, 16, 18, 20];
	shadowed == [(11, 10)];
	findings == ["helper-unreached"];
	all(f["trace"] for f in a["flows"])'

# The same rules from iptables-save -c: helper in raw works there.
# shellcheck disable=SC2086
expect_rc 0 "iptables-save ruleset, all accepted" "$FTPAUDIT" audit --ruleset="$D/server-helper.ipt" -F json $CAPS
judge ipt "$tmp/out" '
	verdicts == ["accept"] * 6;
	a["ruleset"]["format"] == "iptables-save" and a["ruleset"]["rules"] == 8;
	a["flows"][1]["rule"] == {"table": "filter", "chain": "INPUT", "line": 15};
	sorted(unused) == [14, 18, 19, 20];
	a["denied"] == []'

# iptables-nft rules listed by nft -j: xt expressions are opaque.
# shellcheck disable=SC2086
expect_rc 3 "iptables-nft in nft JSON" "$FTPAUDIT" audit --ruleset="$D/iptables-nft-xt.nft.json" -F json $CAPS
judge xt "$tmp/out" '
	verdicts[:4] == ["indeterminate"] * 4 and verdicts[4:] == ["accept", "accept"];
	"xt" in a["flows"][0]["reason"];
	"indeterminate" in findings;
	a["denied"] == []'

# Verdict maps, a set filled at run time.
# shellcheck disable=SC2086
expect_rc 3 "nft verdict maps" "$FTPAUDIT" audit --ruleset="$D/vmap.nft.json" -F json $CAPS
judge vmap "$tmp/out" '
	verdicts[:4] == ["accept", "accept", "accept", "indeterminate"];
	a["flows"][0]["rule"]["handle"] == 7;
	"@dyn" in a["flows"][3]["reason"];
	8 not in unused'

# Side, interfaces, text, --no-fail, standard input.
expect_rc 0 "--no-fail" "$FTPAUDIT" audit --no-fail --ruleset="$D/server-mixed.nft.json" "$S/vsftpd-curl-pasv.pcap"
grep -q "^fixes: 1" "$tmp/out" && grep -q "^  \[helper-unreached\]" "$tmp/out" &&
	check OK "text: fixes and findings" || check FAIL "text: $(head -c 400 "$tmp/out")"
expect_rc 3 "capture on standard input" sh -c "\"$FTPAUDIT\" audit --ruleset='$D/server-mixed.nft.json' - <'$S/vsftpd-curl-pasv.pcap'"
expect_rc 3 "--side=client: the server's rules do not apply" "$FTPAUDIT" audit --side=client \
	--ruleset="$D/server-helper.ipt" -F json "$S/vsftpd-curl-port.pcap"
judge client "$tmp/out" 'verdicts == ["accept", "reject"]'
printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -m state --state ESTABLISHED -j ACCEPT\n-A INPUT -i eth0 -p tcp --dport 21 -j ACCEPT\nCOMMIT\n' >"$tmp/if.ipt"
expect_rc 3 "iifname without --iface" "$FTPAUDIT" audit --ruleset="$tmp/if.ipt" -F json "$S/vsftpd-curl-port.pcap"
judge noiface "$tmp/out" 'verdicts[0] == "indeterminate" and "--iface" in a["flows"][0]["reason"]'
expect_rc 0 "--iface=eth0 decides it" "$FTPAUDIT" audit --iface=eth0 --ruleset="$tmp/if.ipt" "$S/vsftpd-curl-port.pcap"
expect_rc 3 "--iface=eth1 too" "$FTPAUDIT" audit --iface=eth1 --ruleset="$tmp/if.ipt" -F json "$S/vsftpd-curl-port.pcap"
judge eth1 "$tmp/out" 'verdicts[0] == "drop"' 

# Errors: one line naming the file, exit 1; usage errors exit 2.
expect_rc 1 "missing ruleset file" "$FTPAUDIT" audit --ruleset="$tmp/nope" "$S/vsftpd-curl-pasv.pcap"
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "$tmp/nope" "$tmp/err" &&
	check OK "one line naming the ruleset" || check FAIL "message: $(cat "$tmp/err")"
printf 'this is not a ruleset\n' >"$tmp/bad"
expect_rc 1 "not a ruleset" "$FTPAUDIT" audit --ruleset="$tmp/bad" "$S/vsftpd-curl-pasv.pcap"
grep -q "$tmp/bad: .*line 1" "$tmp/err" && check OK "names the file and line" ||
	check FAIL "message: $(cat "$tmp/err")"
expect_rc 1 "JSON read as iptables-save" "$FTPAUDIT" audit --ruleset-format=iptables-save \
	--ruleset="$D/vmap.nft.json" "$S/vsftpd-curl-pasv.pcap"
printf '{"nftables": [' >"$tmp/cut.json"
expect_rc 1 "truncated nft JSON" "$FTPAUDIT" audit --ruleset="$tmp/cut.json" "$S/vsftpd-curl-pasv.pcap"
expect_rc 2 "no --ruleset" "$FTPAUDIT" audit "$S/vsftpd-curl-pasv.pcap"
expect_rc 2 "bad --side" "$FTPAUDIT" audit --side=router --ruleset="$D/vmap.nft.json" "$S/vsftpd-curl-pasv.pcap"
expect_rc 2 "bad --ruleset-format" "$FTPAUDIT" audit --ruleset-format=pf --ruleset="$D/vmap.nft.json" "$S/vsftpd-curl-pasv.pcap"
expect_rc 2 "bad -F" "$FTPAUDIT" audit -F ndjson --ruleset="$D/vmap.nft.json" "$S/vsftpd-curl-pasv.pcap"
expect_rc 2 "gateway needs two interfaces" "$FTPAUDIT" audit --side=gateway --iface=eth0 \
	--ruleset="$D/vmap.nft.json" "$S/vsftpd-curl-pasv.pcap"
expect_rc 2 "no capture" "$FTPAUDIT" audit --ruleset="$D/vmap.nft.json"
expect_rc 1 "missing capture" "$FTPAUDIT" audit --ruleset="$D/vmap.nft.json" "$tmp/nope.pcap"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

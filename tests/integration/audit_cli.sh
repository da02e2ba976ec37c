#!/bin/bash
# SPDX-License-Identifier: ISC
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
	[d["fix"] for d in a["denied"]] == ["F2", "F1", "F3"];
	[x["id"] for x in a["fixes"]] == ["F1", "F2", "F3"];
	a["fixes"][1]["dport"] == [[40007, 40007]] and a["fixes"][1]["ct_state"] == ["new"];
	a["fixes"][1]["saddr"] == ["10.20.1.2/32"] and a["fixes"][1]["daddr"] == ["10.20.2.2/32"];
	a["fixes"][1]["insert"] == {"family": "inet", "table": "filter", "chain": "input"};
	a["fixes"][1]["place"]["position"] == "add" and a["fixes"][1]["place"]["before"] is None;
	a["fixes"][0]["family"] == "ip6" and a["fixes"][0]["purpose"] == "control";
	a["fixes"][0]["place"]["position"] == "insert" and a["fixes"][0]["place"]["handle"] == 19;
	a["fixes"][0]["place"]["before"]["text"] == "ip6 saddr fd20:1::/64 tcp dport 21 counter drop";
	a["fixes"][0]["flows"] == [4] and a["fixes"][0]["evidence"]["sessions"] == [3];
	sorted(unused) == [11, 16, 18] and a["unused_other"] == 3;
	shadowed == [(11, 10)];
	findings == ["helper-unreached"];
	all(f["trace"] for f in a["flows"])'

# The same rules from iptables-save -c: helper in raw works there.  The
# file says nothing about IPv6: those flows are undecided, not accepted.
# shellcheck disable=SC2086
expect_rc 3 "iptables-save ruleset, IPv6 not covered" "$FTPAUDIT" audit --ruleset="$D/server-helper.ipt" -F json $CAPS
judge ipt "$tmp/out" '
	verdicts == ["accept"] * 4 + ["indeterminate"] * 2;
	all(f["reason"] == "no IPv6 ruleset given" for f in a["flows"][4:]);
	a["ruleset"]["format"] == "iptables-save" and a["ruleset"]["rules"] == 8;
	a["flows"][1]["rule"]["table"] == "filter" and a["flows"][1]["rule"]["chain"] == "INPUT";
	a["flows"][1]["rule"]["line"] == 15 and a["flows"][1]["rule"]["index"] == 2;
	a["flows"][1]["rule"]["text"].startswith("-A INPUT -m conntrack --ctstate RELATED");
	sorted(unused) == [18, 19, 20] and a["unused_other"] == 1;
	a["denied"] == []'
# --all-unused: loopback, ICMP, SSH too.
# shellcheck disable=SC2086
expect_rc 3 "--all-unused" "$FTPAUDIT" audit --all-unused --ruleset="$D/server-mixed.nft.json" -F json $CAPS
judge allunused "$tmp/out" 'sorted(unused) == [9, 11, 13, 16, 18, 20] and a["unused_other"] == 0'
# With the ip6tables-save of the same host, merged: every flow decided.
# shellcheck disable=SC2086
expect_rc 0 "iptables-save + ip6tables-save, all accepted" "$FTPAUDIT" audit --ruleset="$D/server-helper.ipt" \
	--ruleset="$D/server-helper.ip6t" -F json $CAPS
judge ipt46 "$tmp/out" '
	verdicts == ["accept"] * 6;
	a["ruleset"]["rules"] == 16 and len(a["rulesets"]) == 2;
	[p["families"] for p in a["rulesets"]] == [["ip"], ["ip6"]];
	a["flows"][4]["rule"]["family"] == "ip6" and a["flows"][4]["rule"]["line"] == 18;
	a["denied"] == []'
expect_rc 0 "merged, text" "$FTPAUDIT" audit --ruleset="$D/server-helper.ipt" \
	--ruleset="$D/server-helper.ip6t" $CAPS
grep -q "ip6 filter INPUT rule 5: -A INPUT -s fd20:1::/64 -p tcp -m tcp --dport 21 -j ACCEPT" "$tmp/out" &&
	check OK "text names an ip6tables rule by place and text" ||
	check FAIL "text: $(grep -m3 fd20 "$tmp/out")"

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

# Fixes as commands, for the kind of ruleset audited.
# shellcheck disable=SC2086
expect_rc 3 "-F nft" "$FTPAUDIT" audit -F nft --ruleset="$D/server-mixed.nft.json" $CAPS
grep -qx "insert rule inet filter input position 19 ip6 saddr fd20:1::2/128 ip6 daddr fd20:2::2/128 tcp dport 21 ct state new accept comment \"ftpaudit control\"" "$tmp/out" &&
	grep -qx "add rule inet filter input ip saddr 10.20.1.2/32 ip daddr 10.20.2.2/32 tcp dport 40007 ct state new accept comment \"ftpaudit passive-data\"" "$tmp/out" &&
	[ "$(grep -c '^insert rule\|^add rule' "$tmp/out")" = 3 ] &&
	check OK "-F nft: insert before the dropping rule, add after a dropping policy" ||
	check FAIL "-F nft: $(cat "$tmp/out")"
# A fix is a rule of the rules document: the same members, valid against
# its schema (but its id: F, not R), plus its place and flows.
# shellcheck disable=SC2086
"$FTPAUDIT" audit -F json --ruleset="$D/server-mixed.nft.json" $CAPS >"$tmp/fixes.json"
"$PY" - "$tmp/fixes.json" "$srcdir/schema/rules.schema.json" <<'EOF' >"$tmp/shape" 2>&1
import json, sys
a = json.load(open(sys.argv[1]))
try:
    from jsonschema import Draft202012Validator
except ImportError:
    print("skip")
    sys.exit(0)
rs = json.load(open(sys.argv[2]))
rule = dict(rs["$defs"]["rule"], **{"$defs": rs["$defs"]})
v = Draft202012Validator(rule)
bad = 0
for x in a["fixes"]:
    y = {k: x[k] for k in x if k not in ("place", "flows", "insert")}
    y["id"] = "R" + x["id"][1:]
    for e in v.iter_errors(y):
        bad += 1
        print("%s: %s at %s" % (x["id"], e.message, list(e.path)))
print("ok %d" % len(a["fixes"]) if not bad else "bad")
EOF
case $(tail -1 "$tmp/shape") in
"ok 3") check OK "the 3 fixes are rules of the rules document (rules.schema.json)" ;;
skip) ;;
*) check FAIL "fixes against rules.schema.json: $(cat "$tmp/shape")" ;;
esac
# shellcheck disable=SC2086
expect_rc 3 "text fixes" "$FTPAUDIT" audit --ruleset="$D/server-mixed.nft.json" $CAPS
grep -qF "  F1 for flow #4: insert before inet filter input handle 19: ip6 saddr fd20:1::/64 tcp dport 21 counter drop" "$tmp/out" &&
	grep -qF "  F2 for flow #1: add at the end of inet filter input (its policy drops)" "$tmp/out" &&
	grep -qF "      insert rule inet filter input position 19 " "$tmp/out" &&
	check OK "text: each fix says where it goes and the command" ||
	check FAIL "text: $(sed -n '/^fixes/,/^unused/p' "$tmp/out")"
expect_rc 3 "-F iptables" "$FTPAUDIT" audit -F iptables --ruleset="$D/server-helper.ipt" "$S/crafted-bounce.pcap"
[ "$(grep -v '^#' "$tmp/out")" = "*filter
-A INPUT -p tcp -s 10.30.1.10/32 -d 10.30.2.20/32 --dport 21 -m conntrack --ctstate NEW -m comment --comment \"ftpaudit control\" -j ACCEPT
COMMIT" ] && check OK "-F iptables: input for iptables-restore --noflush" ||
	check FAIL "-F iptables: $(cat "$tmp/out")"
expect_rc 0 "-F ip6tables, nothing to fix" "$FTPAUDIT" audit -F ip6tables --ruleset="$D/server-helper.ipt" \
	--ruleset="$D/server-helper.ip6t" "$S/vsftpd-curl-ipv6-epsv.pcap"
[ -z "$(grep -v '^#' "$tmp/out")" ] && check OK "-F ip6tables: only comments" ||
	check FAIL "-F ip6tables: $(cat "$tmp/out")"
expect_rc 1 "-F nft on an iptables-save ruleset" "$FTPAUDIT" audit -F nft --ruleset="$D/server-helper.ipt" "$S/crafted-bounce.pcap"
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "server-helper.ipt: -F nft" "$tmp/err" &&
	check OK "one line naming the file" || check FAIL "message: $(cat "$tmp/err")"
expect_rc 1 "-F iptables on an nft ruleset" "$FTPAUDIT" audit -F iptables --ruleset="$D/vmap.nft.json" "$S/crafted-bounce.pcap"

# An FTP bounce: judged, listed as excluded, neither denied nor fixed;
# --trust=all judges it as any other transfer.
expect_rc 3 "bounce (the control connection is dropped)" "$FTPAUDIT" audit -F json \
	--ruleset="$D/server-helper.ipt" "$S/crafted-bounce.pcap"
judge bounce "$tmp/out" '
	a["flows"][1]["excluded"] == "bounce" and a["flows"][1]["verdict"] == "accept";
	[d["flow"] for d in a["denied"]] == [0] and len(a["fixes"]) == 1;
	a["flows"][0]["policy"] == "filter INPUT policy drop";
	findings == []'
expect_rc 3 "--trust=all" "$FTPAUDIT" audit --trust=all -F json --ruleset="$D/server-helper.ipt" "$S/crafted-bounce.pcap"
judge trustall "$tmp/out" '"excluded" not in a["flows"][1]'
expect_rc 2 "bad --trust" "$FTPAUDIT" audit --trust=some --ruleset="$D/server-helper.ipt" "$S/crafted-bounce.pcap"

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
# Fail closed: whatever is not a ruleset, or holds no rule, is refused
# with one line naming the file and the place (line, or JSON path).
bad_ruleset() {	# bad_ruleset NAME FILE WANT-IN-MESSAGE
	expect_rc 1 "bad ruleset: $1" "$FTPAUDIT" audit --ruleset="$2" "$S/vsftpd-curl-pasv.pcap"
	if [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qF "$2: " "$tmp/err" &&
		grep -qF -- "$3" "$tmp/err"; then
		check OK "bad ruleset: $1: one line naming the file and '$3'"
	else
		check FAIL "bad ruleset: $1: message: $(head -c 300 "$tmp/err")"
	fi
}
printf '{"nftables": [' >"$tmp/cut.json"
bad_ruleset "truncated nft JSON" "$tmp/cut.json" "line 1 column 14"
: >"$tmp/zero"
bad_ruleset "0 bytes" "$tmp/zero" "0 bytes"
bad_ruleset "/dev/null" /dev/null "0 bytes"
printf '\n  \n' >"$tmp/blank"
bad_ruleset "blank lines" "$tmp/blank" "no ruleset"
printf '{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}]}\n' >"$tmp/empty.json"
bad_ruleset "empty nft ruleset" "$tmp/empty.json" '$.nftables: no rule'
printf '{"nftables": [{"metainfo": {}}, {"table": {"family": "inet", "name": "t", "handle": 1}}, {"chain": {"family": "inet", "table": "t", "name": "c", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}]}\n' >"$tmp/nochain.json"
bad_ruleset "nft ruleset of an empty accept chain" "$tmp/nochain.json" '$.nftables: no rule'
printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' >"$tmp/empty.ipt"
bad_ruleset "empty iptables-save" "$tmp/empty.ipt" "no rule"
"$FTPAUDIT" rules -F json "$S/vsftpd-curl-pasv.pcap" >"$tmp/rules.json" 2>/dev/null
bad_ruleset "another program's JSON (ftpaudit rules -F json)" "$tmp/rules.json" '$: no "nftables" array'
printf '[1, 2, 3]\n' >"$tmp/array.json"
expect_rc 1 "a JSON array" "$FTPAUDIT" audit --ruleset-format=nft-json --ruleset="$tmp/array.json" "$S/vsftpd-curl-pasv.pcap"
printf '{"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c", "expr": []}}]}\n' >"$tmp/nometa.json"
bad_ruleset "nft-like JSON without metainfo" "$tmp/nometa.json" '$.nftables: no "metainfo"'
printf '{"nftables": [{"metainfo": {}}, {"rule": {"family": "inet", "table": "t", "chain": "c", "expr": []}}]}\n' >"$tmp/undecl.json"
bad_ruleset "nft rule in an undeclared chain" "$tmp/undecl.json" '$.nftables[1].rule: its chain is not declared'
printf '{"nftables": [{"metainfo": {}}, 7]}\n' >"$tmp/item.json"
bad_ruleset "nft item not an object" "$tmp/item.json" '$.nftables[1]: not an object'
printf '*filter\n:INPUT DROP [0:0]\nCOMMIT\n*bogus\n:INPUT ACCEPT [0:0]\nCOMMIT\n' >"$tmp/table.ipt"
bad_ruleset "iptables-save with an unknown table" "$tmp/table.ipt" "line 4: unknown table 'bogus'"
printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -m comment --comment "\033[31mred" -j ACCEPT\nCOMMIT\n*b\033[2Jx\nCOMMIT\n' >"$tmp/esc.ipt"
bad_ruleset "control bytes in the message are escaped" "$tmp/esc.ipt" 'unknown table '"'"'b\x1b[2Jx'"'"
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

#!/bin/bash
# SPDX-License-Identifier: ISC
# roundtrip.sh: rules and audit agree.  For every capture in samples/ and
# ../shared/pcaps (when there), every side (server, client, gateway) and
# strategy (static, helper), and both firewalls: `ftpaudit rules` is
# loaded into the kernel of a network namespace (nft -f; iptables-restore
# and ip6tables-restore), dumped back (nft -j list ruleset; iptables-save
# and ip6tables-save) and audited with the same capture and side: exit 0,
# every flow accepted (but those rules_vet excludes, which rules opens
# nothing for), no finding, and the document valid against
# schema/audit.schema.json (with python3-jsonschema).  A capture with nothing to recommend (rules
# exits 1) is counted as skipped.  Root, netns, nft, iptables-nft and
# python3, else SKIP (77).  ROUNDTRIP_KEEP=1 keeps the failing files.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
for t in ip nft iptables-restore ip6tables-restore iptables-save ip6tables-save "$PY"; do
	command -v "$t" >/dev/null 2>&1 || { echo "SKIP: missing $t"; exit 77; }
done
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
. "$srcdir/tests/integration/shard.sh"
ip netns add "rt$$" 2>/dev/null || { echo "SKIP: ip netns unusable here"; exit 77; }
ip netns del "rt$$"
top=$(mktemp -d) || exit 99
trap 'rm -rf "$top"' EXIT
trap 'exit 130' INT TERM
t0=$(date +%s)
# A worker's (shard.sh): its namespace and scratch directory.
ns="" tmp=""
in_ns() { ip netns exec "$ns" "$@"; }

caps=$(ls "$srcdir"/samples/*.pcap "$srcdir"/samples/*.pcapng 2>/dev/null)
shared="$srcdir/../shared/pcaps"
if [ -d "$shared" ]; then
	caps="$caps
$(find "$shared" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \
	-o -name '*.pcap.gz' \) | sort)"
else
	echo "# $shared absent: samples only"
fi

checked=0 skipped=0 failed=0 n=0
fail() {	# fail MESSAGE [FILE...]: one combination failed
	local msg=$1 f
	shift
	failed=$((failed + 1))
	echo "not ok - $msg"
	for f in "$@"; do head -c 2000 "$f" | sed 's/^/#   /'; done
	[ "${ROUNDTRIP_KEEP:-0}" = 1 ] && cp "$@" /tmp/ 2>/dev/null
}

# one CAPTURE SIDE STRATEGY FIREWALL N: rules, load, dump, audit.
one() {
	local cap=$1 side=$2 strat=$3 fw=$4 n=$5 rc
	local name="$(basename "$cap") $side $strat $fw" out="$tmp/$n.json"
	local args=(--side="$side" --strategy="$strat")
	in_ns nft flush ruleset
	if [ "$fw" = nft ]; then
		"$FTPAUDIT" rules "${args[@]}" -F nft "$cap" >"$tmp/r.nft" 2>"$tmp/err"
		rc=$?
		[ "$rc" = 1 ] && { skipped=$((skipped + 1)); return; }
		[ "$rc" = 0 ] || { fail "$name: rules exit $rc" "$tmp/err"; return; }
		in_ns nft -f "$tmp/r.nft" 2>"$tmp/err" ||
			{ fail "$name: nft -f refuses it" "$tmp/err" "$tmp/r.nft"; return; }
		in_ns nft -j list ruleset >"$tmp/d.json"
		set -- --ruleset="$tmp/d.json"
	else
		"$FTPAUDIT" rules "${args[@]}" -F iptables "$cap" >"$tmp/r.v4" 2>"$tmp/err"
		rc=$?
		[ "$rc" = 1 ] && { skipped=$((skipped + 1)); return; }
		[ "$rc" = 0 ] || { fail "$name: rules exit $rc" "$tmp/err"; return; }
		"$FTPAUDIT" rules "${args[@]}" -F ip6tables "$cap" >"$tmp/r.v6" 2>"$tmp/err" ||
			{ fail "$name: rules -F ip6tables" "$tmp/err"; return; }
		in_ns iptables-restore --noflush "$tmp/r.v4" 2>"$tmp/err" ||
			{ fail "$name: iptables-restore refuses it" "$tmp/err" "$tmp/r.v4"; return; }
		in_ns ip6tables-restore --noflush "$tmp/r.v6" 2>"$tmp/err" ||
			{ fail "$name: ip6tables-restore refuses it" "$tmp/err" "$tmp/r.v6"; return; }
		# The jumps into ftpaudit's chains, as its header says to add.
		sed -n 's/^#   \(ip6*tables .*\)$/\1/p' "$tmp/r.v4" "$tmp/r.v6" >"$tmp/jumps"
		while IFS= read -r line; do
			in_ns sh -c "$line" 2>"$tmp/err" ||
				{ fail "$name: $line" "$tmp/err"; return; }
		done <"$tmp/jumps"
		in_ns iptables-save >"$tmp/d.v4"
		in_ns ip6tables-save >"$tmp/d.v6"
		set -- --ruleset="$tmp/d.v4" --ruleset="$tmp/d.v6"
	fi
	"$FTPAUDIT" audit -q "$@" --side="$side" -F json "$cap" >"$out" 2>"$tmp/err"
	rc=$?
	checked=$((checked + 1))
	# rules says static rules cannot carry active mode through source
	# NAT (hint nat-active-static): the audit must deny exactly that,
	# with its finding (judged below).
	local hint=-
	grep -q 'hint nat-active-static' "$tmp/r.nft" "$tmp/r.v4" 2>/dev/null &&
		[ "$strat" = static ] && [ "$side" = gateway ] && hint=nat-active
	if [ "$rc" = 3 ] && [ "$hint" = nat-active ]; then
		printf '%s\t%s\t%s\n' "$out" "$name" "$hint" >>"$tmp/list"
		return
	fi
	if [ "$rc" != 0 ]; then
		"$FTPAUDIT" audit -q "$@" --side="$side" "$cap" >"$tmp/text" 2>&1
		fail "$name: audit exit $rc" "$tmp/text"
		return
	fi
	printf '%s\t%s\t%s\n' "$out" "$name" "$hint" >>"$tmp/list"
}

# work: a worker's share of the captures.
work() {
	local cap i=0 side strat fw
	ns=$SHARD_NS tmp=$SHARD_DIR
	: >"$tmp/list"
	while IFS= read -r cap; do
		[ -n "$cap" ] || continue
		shard_mine $((i++)) || continue
		for side in server client gateway; do
			for strat in static helper; do
				for fw in nft iptables; do
					n=$((n + 1))
					one "$cap" "$side" "$strat" "$fw" "$n"
				done
			done
		done
	done <<<"$caps"
	return 0
}

SHARD_SUM="n checked skipped failed"
shard_run "rt$$-" "$top" work || { echo "ERROR: a worker failed"; exit 99; }
cat "$top"/*/list >"$top/list"

# Every audit that exited 0: flows accepted (or excluded), no finding.
"$PY" - "$top/list" "$srcdir/schema/audit.schema.json" <<'PYEOF' >"$top/judged"
import json, sys
bad = 0
try:
    from jsonschema import Draft202012Validator
    schema = Draft202012Validator(json.load(open(sys.argv[2])))
except ImportError:
    schema = None
for line in open(sys.argv[1]):
    path, name, hint = line.rstrip("\n").split("\t", 2)
    a = json.load(open(path))
    errs = list(schema.iter_errors(a)) if schema else []
    if errs:
        bad += 1
        print("not ok - %s: schema/audit.schema.json: %s at %s" % (name,
              errs[0].message[:200], list(errs[0].path)))
    wrong = [f for f in a["flows"] if f["verdict"] != "accept" and "excluded" not in f]
    finds = a["findings"]
    if hint == "nat-active":
        # Only active data may be refused, each with its helper finding
        # (none when no active data reached the gateway).
        helper = [f for f in finds if f["type"] == "nat-active-needs-helper"]
        if (len(helper) != len(wrong) or len(helper) != len(finds)
                or any(f["purpose"] != "active-data" or f["verdict"] != "reject"
                       for f in wrong)):
            bad += 1
            print("not ok - %s: rules' hint nat-active-static, but the audit "
                  "denied %s with findings %s" % (name,
                  [f["purpose"] for f in wrong], [f["type"] for f in finds]))
        continue
    if wrong or finds or a["denied"]:
        bad += 1
        print("not ok - %s: %d flows not accepted, findings %s" % (name, len(wrong),
              [f["text"][:200] for f in a["findings"]]))
print("bad %d" % bad)
PYEOF
grep -v '^bad ' "$top/judged"
bad=$(sed -n 's/^bad //p' "$top/judged")
failed=$((failed + ${bad:-1}))
echo "# $n combinations: $checked checked, $skipped skipped (nothing to recommend), $failed failed, $(($(date +%s) - t0)) s"
[ "$failed" = 0 ] && [ "$checked" -gt 0 ]

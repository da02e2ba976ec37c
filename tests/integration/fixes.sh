#!/bin/bash
# SPDX-License-Identifier: ISC
# fixes.sh: the fixes `ftpaudit audit` prints apply.  For each ruleset of
# audit.sh (audit_lab.sh) that denies a transfer: the transfers run and
# are captured, the ruleset the kernel holds is dumped and audited with
# -F nft (nft -f) or -F iptables (iptables-restore --noflush), that
# output is applied to the running ruleset, and then
#   - every transfer that failed now succeeds (and those that worked
#     still do);
#   - the new transfers, audited against the new dump, give exit 0.
# Root, netns, nft, iptables-nft, vsftpd, curl and python3, else SKIP (77).
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
. "$srcdir/tests/integration/lab.sh"

lab_need_root curl nft iptables-restore iptables-save "$LAB_VSFTPD_BIN" "$LAB_PYTHON"
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
passed=0 failed=0 applied=0
t0=$(date +%s)

check() {	# check OK|FAIL MESSAGE
	if [ "$1" = OK ]; then
		passed=$((passed + 1))
		echo "ok - $2"
	else
		failed=$((failed + 1))
		echo "not ok - $2"
	fi
}

AUDIT_LAB_PREFIX=fx
. "$srcdir/tests/integration/audit_lab.sh"

# fix_case NAME KIND FILE SIDE EXPECTED FINDINGS
fix_case() {
	local name=$1 kind=$2 file=$3 side=$4 expected=$5
	local cap="$W/$name.pcap" rs="$W/$name.dump" res="$W/$name.results"
	local fix="$W/$name.fix" fmt=nft rc
	case $expected in *fail*) ;; *) return 0 ;; esac
	[ "$kind" = iptables ] && fmt=iptables
	echo "# $name ($kind, $side side)"
	audit_side "$side"
	load "$kind" "$file" || { check FAIL "$name: ruleset loads"; return; }
	audit_transfers "$cap" "$res" || { check FAIL "$name: capture"; return; }
	dump "$kind" "$rs"
	"$FTPAUDIT" audit -q --ruleset="$rs" --side="$side" --iface="$AUDIT_IFACE" \
		-F "$fmt" "$cap" >"$fix" 2>"$W/$name.err"
	rc=$?
	[ "$rc" = 3 ] && check OK "$name: audit -F $fmt: exit 3" ||
		check FAIL "$name: audit -F $fmt: exit $rc, want 3: $(head -c 300 "$W/$name.err")"
	grep -Eq '^(insert rule|add rule|-I |-A )' "$fix" &&
		check OK "$name: $(grep -Ec '^(insert rule|add rule|-I |-A )' "$fix") fix command(s)" ||
		check FAIL "$name: no fix command in: $(head -c 300 "$fix")"
	if [ "$kind" = nft ]; then
		fw nft -f "$fix" 2>"$W/$name.err"
	else
		fw iptables-restore --noflush "$fix" 2>"$W/$name.err"
	fi
	rc=$?
	[ "$rc" = 0 ] && check OK "$name: the fixes load" ||
		{ check FAIL "$name: the fixes do not load: $(head -c 300 "$W/$name.err")"; sed 's/^/#   /' "$fix"; return; }
	applied=$((applied + 1))
	audit_transfers "$cap.2" "$res.2" || { check FAIL "$name: capture"; return; }
	if grep -q fail "$res.2"; then
		check FAIL "$name: with the fixes: $(tr '\n' ' ' <"$res.2") (before: $(tr '\n' ' ' <"$res"))"
		sed 's/^/#   /' "$fix"
	else
		check OK "$name: with the fixes every transfer succeeds (before: $(tr '\n' ' ' <"$res"))"
	fi
	dump "$kind" "$rs.2"
	"$FTPAUDIT" audit -q --ruleset="$rs.2" --side="$side" --iface="$AUDIT_IFACE" \
		"$cap.2" >"$W/$name.out2"
	rc=$?
	[ "$rc" = 0 ] && check OK "$name: audited again: exit 0" ||
		{ check FAIL "$name: audited again: exit $rc, want 0"; sed 's/^/#   /' "$W/$name.out2" | head -30; }
	fw nft flush ruleset
	return 0
}

audit_cases fix_case
echo "# $applied rulesets fixed in $(($(date +%s) - t0)) s"
[ "$applied" -gt 0 ] || check FAIL "no ruleset was fixed"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

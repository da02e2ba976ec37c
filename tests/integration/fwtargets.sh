#!/bin/bash
# SPDX-License-Identifier: ISC
# fwtargets.sh: `ftpaudit rules -F aws-sg` and `-F firewalld` on every
# sample capture, for each side, strategy and peers setting, checked by the
# targets' own tools: aws-sg by botocore's parameter validator against the
# EC2 service model (fwtargets_check.py), firewalld by loading it into
# firewall-offline-cmd on a scratch copy of the default configuration
# (never the machine's own /etc/firewalld).  Plus: the gateway side of
# aws-sg is refused with one line and exit 1.
#
# Environment: FTPAUDIT, srcdir.  Exit 0 pass, 1 fail, 77 skip, 99 error.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
# The system python: botocore and firewalld's modules are Debian packages.
PY=/usr/bin/python3
CHECK="$srcdir/tests/integration/fwtargets_check.py"
[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
"$PY" -c 'import botocore.validate' 2>/dev/null || {
	echo "SKIP: no python3-botocore (tests/install-deps.sh)"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
pass() { passed=$((passed + 1)); }

# aws-sg: every document of a side goes to the validator at once.
n=0
for side in server client; do
	files=()
	for cap in "$srcdir"/samples/*.pcap "$srcdir"/samples/*.pcapng; do
		for st in static helper; do
			for peers in observed any; do
				n=$((n + 1))
				out=$tmp/aws.$n.json
				"$FTPAUDIT" rules -F aws-sg --side "$side" \
				    --strategy "$st" --peers "$peers" "$cap" \
				    >"$out" 2>"$tmp/err"
				rc=$?
				if [ $rc -ne 0 ]; then
					# Nothing to recommend is the one refusal.
					grep -q 'nothing to recommend' "$tmp/err" ||
					    fail "aws-sg $side $st $peers $cap: exit $rc: $(cat "$tmp/err")"
					continue
				fi
				if [ "$st" = helper ] &&
				    ! grep -q 'no FTP helper' "$tmp/err"; then
					fail "aws-sg $side helper $cap: fallback not said"
				fi
				files+=("$out")
			done
		done
	done
	[ ${#files[@]} -gt 0 ] || { fail "aws-sg $side: no document"; continue; }
	if "$PY" "$CHECK" aws-sg "$side" "${files[@]}"; then
		pass
		echo "ok: aws-sg $side: ${#files[@]} documents valid for EC2"
	else
		fail "aws-sg $side"
	fi
done

# The validator is not a rubber stamp: a wrong type is caught.
sed 's/"FromPort": \([0-9]*\)/"FromPort": "\1"/' "${files[0]}" >"$tmp/bad.json"
if "$PY" "$CHECK" aws-sg client "$tmp/bad.json" >/dev/null; then
	fail "aws-sg: validator took a string port"
else
	pass
fi

# Gateway: refused, one line, exit 1, nothing on standard output.
"$FTPAUDIT" rules -F aws-sg --side gateway "$srcdir/samples/crafted-basic.pcap" \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q 'per instance' "$tmp/err"; then
	pass
else
	fail "aws-sg gateway: exit $rc, $(cat "$tmp/err")"
fi

# firewalld: each side and strategy's streams to the checker at once.
if ! /usr/bin/python3 -c 'import firewall.core.io.policy' 2>/dev/null ||
    ! command -v firewall-offline-cmd >/dev/null; then
	echo "note: no firewalld (tests/install-deps.sh): -F firewalld not checked"
	echo "fwtargets: $passed passed, $failed failed (firewalld skipped)"
	[ $failed -eq 0 ] || exit 1
	exit 77
fi
for side in server client gateway; do
	for st in static helper; do
		files=()
		for cap in "$srcdir"/samples/*.pcap "$srcdir"/samples/*.pcapng; do
			for peers in observed any; do
				n=$((n + 1))
				out=$tmp/fwd.$n
				"$FTPAUDIT" rules -F firewalld --side "$side" \
				    --strategy "$st" --peers "$peers" "$cap" \
				    >"$out" 2>"$tmp/err"
				rc=$?
				if [ $rc -ne 0 ]; then
					grep -q 'nothing to recommend' "$tmp/err" ||
					    fail "firewalld $side $st $peers $cap: exit $rc: $(cat "$tmp/err")"
					continue
				fi
				files+=("$out")
			done
		done
		if "$PY" "$CHECK" firewalld "$side" "$st" "${files[@]}"; then
			pass
		else
			fail "firewalld $side $st"
		fi
	done
done

# The checker is not a rubber stamp: an address, a service and a helper
# that firewalld does not know are each caught.
"$FTPAUDIT" rules -F firewalld --side client --strategy helper \
    "$srcdir/samples/crafted-basic.pcap" >"$tmp/good" 2>/dev/null
for edit in 's/\(address="[0-9.]*\)\/32"/\1.7\/32"/' \
    's/service name="ftpaudit-ftp"/service name="nosuch"/' \
    's/helper name="ftp"/helper name="nosuch"/'; do
	sed "$edit" "$tmp/good" >"$tmp/bad"
	if cmp -s "$tmp/good" "$tmp/bad"; then
		fail "firewalld negative: '$edit' changed nothing"
	elif "$PY" "$CHECK" firewalld client helper "$tmp/bad" >/dev/null; then
		fail "firewalld checker took '$edit'"
	else
		pass
	fi
done

echo "fwtargets: $passed passed, $failed failed"
[ $failed -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: ISC
# select.sh: --session, --host, --server, --client and --anomalous (issue
# 20, Selection).  select_check.py runs every sample and a few ../shared
# captures through every analyze format, rules and audit with a handful
# of selections each, and compares them with the full output filtered by
# itself.  Then by hand: counts on a known capture, options of one kind
# adding up and kinds combining with AND, and bad values: one line
# naming the option, exit 1, nothing on standard output.
#
# Environment: FTPAUDIT (binary, default ./ftpaudit), srcdir (sources,
# default .), FTPAUDIT_SHARED (default $srcdir/../shared).  Exit 0 pass,
# 1 fail, 77 skip, 99 hard error.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
src=${srcdir:-.}
shared=${FTPAUDIT_SHARED:-$src/../shared}
PY=/usr/bin/python3

[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$PY" "$src/tests/integration/select_check.py" "$FTPAUDIT" "$src" "$shared" "$tmp" || fail=1

basic=$src/samples/crafted-basic.pcap
RS=$src/tests/integration/audit-data/server-mixed.nft.json
count() { "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))'; }

# 30 sessions from one client to one server, every login refused.
brute=$shared/pcaps/zeek/ftp__bruteforce.pcap
if [ -f "$brute" ]; then
	n=$("$FTPAUDIT" analyze -q -F json --session=3,5-7 --session=30 "$brute" | count)
	[ "$n" = 5 ] || bad "bruteforce --session=3,5-7 --session=30: $n sessions, want 5"
	n=$("$FTPAUDIT" analyze -q -F json --host=192.168.56.0/24 "$brute" | count)
	[ "$n" = 30 ] || bad "bruteforce --host=/24: $n sessions, want 30"
	# AND: a session id and an address that is not its.
	n=$("$FTPAUDIT" analyze -q -F json --session=1 --server=192.168.56.1 "$brute" | count)
	[ "$n" = 0 ] || bad "bruteforce --session=1 --server=client's address: $n sessions, want 0"
	n=$("$FTPAUDIT" analyze -q -F json --host=10.0.0.0/8,192.168.56.0/24 "$brute" | count)
	[ "$n" = 30 ] || bad "bruteforce --host=A,B: $n sessions, want 30"
fi

# rules: nothing selected is nothing to recommend, said as such.
"$FTPAUDIT" rules -q --session=99 "$basic" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 1 ] && grep -q "none of 1 FTP sessions selected" "$tmp/e" ||
	bad "rules --session=99: exit $rc, $(cat "$tmp/e")"

# Bad values: one line naming the option, exit 1, no output.
expect_bad() {
	"$FTPAUDIT" "$@" >"$tmp/o" 2>"$tmp/e"
	local rc=$?
	[ "$rc" = 1 ] || bad "$*: exit $rc, want 1"
	[ "$(wc -l <"$tmp/e")" = 1 ] || bad "$*: not one line: $(cat "$tmp/e")"
	[ -s "$tmp/o" ] && bad "$*: wrote output"
	case $(cat "$tmp/e") in
	*"--${opt}:"*) ;;
	*) bad "$*: the message does not name --$opt: $(cat "$tmp/e")" ;;
	esac
}
for cmd in analyze rules "audit --ruleset=$RS"; do
	for v in session=x session=0 session=5-3 session=1,,2 session= \
	    host=300.1.1.1 host=10.0.0.0/33 host=10.0.0.0/x host= \
	    server=::/129 client=fe80::1/-1 client=example.com; do
		opt=${v%%=*}
		# shellcheck disable=SC2086
		expect_bad $cmd "--$v" "$basic"
	done
done
# live shows sessions as they go: it has no selection options.
"$FTPAUDIT" live -i lo --host=10.0.0.1 >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] && grep -q "unknown option '--host'" "$tmp/e" ||
	bad "live --host: exit $rc, $(cat "$tmp/e")"

exit $fail

#!/bin/bash
# SPDX-License-Identifier: ISC
# formats.sh: the formats other tools read (issue 19, parts 3 to 5).
# check_formats.py runs every sample and every public capture through
# -F ndjson (community_id against tshark's), -F eve (each event against
# schema/eve.schema.json, then what suricata-verify states of Suricata's
# output), -F zeek and -F zeek-json (read as zeek-cut reads a log, then
# field by field against Zeek's own ftp.log for its test traces, each
# difference listed with its reason).  Then the command line: the
# logged commands, passwords, bad options.
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
"$PY" -c 'from jsonschema import Draft202012Validator' 2>/dev/null || {
	echo "SKIP: no python3-jsonschema with draft 2020-12"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark missing"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
[ -d "$shared/pcaps" ] || { echo "SKIP: $shared/pcaps missing"; exit 77; }

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$PY" "$src/tests/integration/check_formats.py" "$FTPAUDIT" "$src" "$shared" "$tmp" || fail=1

ipv4=$shared/pcaps/zeek/ftp__ipv4.pcap
brute=$shared/pcaps/zeek/ftp__bruteforce.pcap
rows() { grep -vc '^#'; }

# --zeek-commands: the logged set, case-insensitive; "" logs nothing.
n=$("$FTPAUDIT" analyze -q -F zeek --zeek-commands=retr "$ipv4" | rows)
[ "$n" = 2 ] || bad "--zeek-commands=retr: $n rows, want 2"
n=$("$FTPAUDIT" analyze -q -F zeek --zeek-commands= "$ipv4" | rows)
[ "$n" = 0 ] || bad "--zeek-commands='': $n rows, want 0"
n=$("$FTPAUDIT" analyze -q -F zeek-json --zeek-commands=USER,PASS,QUIT "$brute" | wc -l)
[ "$n" = 90 ] || bad "bruteforce USER,PASS,QUIT: $n rows, want 90 (30 sessions)"

# Passwords: a non-guest's hidden unless --show-passwords (a guest's
# shown, as Zeek does: by custom an e-mail address).
"$FTPAUDIT" analyze -q -F zeek-json --zeek-commands=PASS "$brute" >"$tmp/pw"
grep -q '"password":"<hidden>"' "$tmp/pw" || bad "bruteforce: password not hidden"
"$FTPAUDIT" analyze -q -F zeek-json --zeek-commands=PASS --show-passwords "$brute" >"$tmp/pw2"
grep -q '"password":"<hidden>"' "$tmp/pw2" && bad "--show-passwords: still hidden"
grep -q '"arg":"<hidden>"' "$tmp/pw2" && bad "--show-passwords: PASS argument still hidden"
"$FTPAUDIT" analyze -q -F zeek "$ipv4" | grep -v '^#' | cut -f8 | sort -u >"$tmp/g"
[ "$(cat "$tmp/g")" = test ] || bad "ipv4: anonymous's password should be shown"

# uid and flow_id are the same on every run.
a=$("$FTPAUDIT" analyze -q -F zeek "$ipv4" | grep -v '^#' | cut -f2 | sort -u)
b=$("$FTPAUDIT" analyze -q -F zeek "$ipv4" | grep -v '^#' | cut -f2 | sort -u)
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$(echo "$a" | wc -l)" = 1 ] || bad "uid not stable: $a / $b"
case $a in C[0-9A-Za-z]*) ;; *) bad "uid $a is not C and base62" ;; esac

# Usage errors: one line and the hint, exit 2.
expect_usage() {
	"$FTPAUDIT" "$@" >"$tmp/o" 2>"$tmp/e"
	local rc=$?
	[ "$rc" = 2 ] || bad "$*: exit $rc, want 2"
	[ "$(wc -l <"$tmp/e")" = 2 ] &&
	    [ "$(sed -n 2p "$tmp/e")" = "see ftpaudit $1 --help" ] ||
	    bad "$*: not one line and the hint: $(cat "$tmp/e")"
	[ -s "$tmp/o" ] && bad "$*: wrote output"
}
expect_usage analyze -F zeek --zeek-commands=RETR,BOGUS "$ipv4"
expect_usage analyze -F json --zeek-commands=RETR "$ipv4"
expect_usage analyze -F zeeky "$ipv4"
grep -q "zeek, zeek-json, eve or html" "$tmp/e" || bad "-F zeeky: error does not list the formats"
expect_usage live -i lo -F eve2

exit $fail

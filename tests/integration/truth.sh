#!/bin/sh
# SPDX-License-Identifier: ISC
# The engine against the generator's truth, at a scale the samples do not
# reach: bench/gen makes two captures of 4,000 interleaved sessions, and
# bench/check.py compares every session and transfer of analyze -F ndjson
# with what gen wrote, the data connection's two ends included.
#
#   plain    gen's traffic, with 40% background (80 MB holds no more
#            beside the sessions);
#   collide  the same with --pasv-collide 20: up to a fifth of the
#            sessions (358 here) go to the server of the one before,
#            behind the same address, and are told the same passive port
#            while it is still open.  Each data connection must go to the
#            transfer whose client made it, not to the other (ftpaudit(1),
#            data_from_unexpected_host).  Matching on the address and port
#            alone gave 60 differences here (30 transfers' bytes, 30
#            connections).
#
# make bench checks the main capture the same way; this keeps the exact
# attribution of colliding ports under make check.
#
# Environment: FTPAUDIT (binary), srcdir (sources), CC (default cc).
# Exit 0 pass, 1 fail, 77 skip, 99 hard error.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
src=${srcdir:-.}
PY=/usr/bin/python3

[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

if ! ${CC:-cc} -std=c11 -O2 -o "$tmp/gen" "$src/bench/gen.c"; then
	echo "ERROR: cannot build bench/gen"
	exit 99
fi

# A total of the truth's last line.
total() {
	tail -n 1 "$tmp/$1.truth" | "$PY" -c \
	    'import json, sys; print(json.load(sys.stdin)["totals"][sys.argv[1]])' "$2"
}

# check NAME GEN-OPTIONS...: the capture, ftpaudit's report of it, and
# check.py's verdict, which must be 0 differences.
check() {
	name=$1
	shift
	if ! "$tmp/gen" -q -s 5 -n 4000 -b 80000000 --background 40 "$@" \
	    -o "$tmp/$name.pcap" -t "$tmp/$name.truth"; then
		echo "ERROR: gen $* failed"
		exit 99
	fi
	if ! "$FTPAUDIT" analyze -q -F ndjson -o "$tmp/$name.ndjson" \
	    "$tmp/$name.pcap"; then
		echo "FAIL: $name: ftpaudit analyze failed"
		fail=1
		return
	fi
	"$PY" "$src/bench/check.py" --limit 10 "$tmp/$name.truth" \
	    "$tmp/$name.ndjson" >"$tmp/$name.check" 2>&1
	rc=$?
	last=$(tail -n 1 "$tmp/$name.check")
	case $rc in
	0)	echo "ok: $name: $last" ;;
	1)	echo "FAIL: $name: $last"
		sed -n '1,20p' "$tmp/$name.check"
		fail=1 ;;
	*)	echo "ERROR: $name: check.py: $last"
		exit 99 ;;
	esac
}

check plain
check collide --pasv-collide 20

# The second capture must hold what it is for: sessions told a port
# another client was told.  Anything but a number counts as none.
n=$(total collide pasv_collisions)
case $n in
''|*[!0-9]*) n=0 ;;
esac
if [ "$n" -lt 100 ]; then
	echo "FAIL: collide: gen made $n colliding sessions, not 100 or more"
	fail=1
else
	echo "ok: collide: $n sessions were told a port another client was told"
fi
exit $fail

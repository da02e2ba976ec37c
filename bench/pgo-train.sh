#!/bin/sh
# SPDX-License-Identifier: ISC
# pgo-train.sh FTPAUDIT GEN SRCDIR DIR: the runs whose profile the build
# optimises with (configure --enable-pgo; Makefile.am).  FTPAUDIT is the
# instrumented build, and each of its runs adds to the profile.
#
# What it runs is what ftpaudit is for: a generated capture (FTP sessions
# of every mode and outcome among other TCP traffic, nearly half the
# packets) through every report format, the recommendation and the
# audit, and the bundled samples, captured from real servers and
# clients.  The capture is not the benchmark's: another seed, a
# twentieth of its size.  It is deleted afterwards.
set -eu
[ $# -eq 4 ] || { echo "usage: pgo-train.sh FTPAUDIT GEN SRCDIR DIR" >&2; exit 2; }
fa=$1 gen=$2 srcdir=$3 dir=$4
cap=$dir/train.pcap

"$gen" -q -s 2 -n 5000 -b 100000000 --background 45 -o "$cap" -t "$dir/train.truth"
for f in text json ndjson zeek zeek-json eve html; do
	"$fa" analyze -q -F "$f" -o /dev/null "$cap"
done
for f in json nft iptables; do
	"$fa" rules -q -F "$f" -o /dev/null "$cap"
done
# Exit 3: the audit found what it reports.
st=0
"$fa" audit -q --ruleset "$srcdir/tests/integration/audit-data/server-helper.ipt" \
    -o /dev/null "$cap" || st=$?
[ "$st" -eq 0 ] || [ "$st" -eq 3 ] || { echo "pgo-train.sh: audit failed ($st)" >&2; exit 1; }
for s in "$srcdir"/samples/*.pcap "$srcdir"/samples/*.pcapng; do
	"$fa" analyze -q -F json -o /dev/null "$s"
done
rm -f "$cap" "$dir/train.truth"

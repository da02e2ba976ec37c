#!/bin/sh
# SPDX-License-Identifier: ISC
# threads.sh: ftpaudit's two threads, the reader and the engine, and the
# reports either writes (src/reader.c, src/sinkq.c), and audit's finish
# beside its flows' text (src/cmd_audit.c), under ThreadSanitizer.
#
#   tests/threads.sh FTPAUDIT
#
# FTPAUDIT is a build made with ./configure --enable-sanitizers=thread;
# .ci/run makes one and runs this.  Every sample capture, and the public
# ones in ../shared/pcaps when they are there, go through analyze in each
# format, rules and audit, then a capture of 2,000 interleaved sessions from
# bench/gen, which keeps the queue full; any race TSan reports fails the
# run.  Output is compared with nothing here: make check does that.
set -u
FA=${1:?usage: tests/threads.sh FTPAUDIT}
# Without TSan no race could be reported: that is a skip, not a pass.
if ! nm "$FA" 2>/dev/null | grep -q __tsan_init; then
	echo "SKIP: $FA is not a ThreadSanitizer build" >&2
	exit 77
fi
srcdir=$(cd "$(dirname "$0")/.." && pwd)
RULES=$srcdir/tests/integration/audit-data/server-mixed.nft.json
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log
runs=0 races=0 crashes=0

run() {
	runs=$((runs + 1))
	"$FA" "$@" >/dev/null 2>"$log"
	rc=$?
	if [ $rc -eq 66 ] || grep -q 'ThreadSanitizer' "$log"; then
		races=$((races + 1))
		echo "threads.sh: race: ftpaudit $*" >&2
		sed -n '1,40p' "$log" >&2
	elif [ $rc -ge 124 ]; then	# killed by a signal: a crash, not a verdict
		crashes=$((crashes + 1))
		echo "threads.sh: exit $rc: ftpaudit $*" >&2
		sed -n '1,20p' "$log" >&2
	fi
}

if ! "$FA" --version >/dev/null 2>&1; then
	echo "threads.sh: $FA does not run" >&2
	exit 1
fi
for f in "$srcdir"/samples/*.pcap* $(find "$srcdir/../shared/pcaps" \
    -name '*.pcap*' 2>/dev/null | sort); do
	[ -f "$f" ] || continue
	for fmt in ndjson json text; do
		run analyze -F "$fmt" "$f"
	done
	run rules "$f"
	run audit --ruleset="$RULES" "$f"
done
if ! ${CC:-cc} -O2 -o "$tmp/gen" "$srcdir/bench/gen.c" ||
    ! "$tmp/gen" -q -s 7 -n 2000 -b 80000000 -o "$tmp/many.pcap" \
    -t "$tmp/truth.ndjson"; then
	echo "threads.sh: cannot build or run bench/gen" >&2
	exit 1
fi
for fmt in ndjson json; do
	run analyze -F "$fmt" "$tmp/many.pcap"
done
run rules "$tmp/many.pcap"
run audit --ruleset="$RULES" "$tmp/many.pcap"
echo "threads.sh: $runs runs, $races with a race, $crashes crashed"
[ "$races" -eq 0 ] && [ "$crashes" -eq 0 ]

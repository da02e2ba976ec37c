#!/bin/sh
# run.sh: time ftpaudit, the bare libpcap loop and tshark on one generated capture.
#
# Run from the build directory (`make bench` does): it expects bench/gen,
# bench/floor and ./ftpaudit there.  Environment:
#   BENCH_SESSIONS   FTP sessions (100000)
#   BENCH_BYTES      capture size in bytes (2000000000)
#   BENCH_SEED       generator seed (1)
#   BENCH_GEN_FLAGS  more gen options, e.g. "--background 60"
#   BENCH_SLICE      bytes of the capture tshark reads (100000000)
#   BENCH_RUNS       runs of the floor and of ftpaudit; the fastest counts (3)
#   BENCH_OUT        work directory (bench/out)
#   BENCH_REV        source revision to record (git describe of srcdir)
#   GEN FLOOR FTPAUDIT TSHARK   the programs (bench/gen bench/floor ./ftpaudit tshark)
#   srcdir           top source directory (the directory above this script)
# The capture is made once per parameter set and kept in BENCH_OUT.  The
# table goes to stdout and to $srcdir/bench/RESULTS.md.  Exit status 1 when
# ftpaudit failed or check.py found differences.

set -eu

srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
N=${BENCH_SESSIONS:-100000}
B=${BENCH_BYTES:-2000000000}
SEED=${BENCH_SEED:-1}
FLAGS=${BENCH_GEN_FLAGS:-}
SLICE_BYTES=${BENCH_SLICE:-100000000}
RUNS=${BENCH_RUNS:-3}
OUT=${BENCH_OUT:-bench/out}
GEN=${GEN:-bench/gen}
FLOOR=${FLOOR:-bench/floor}
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
TSHARK=${TSHARK:-tshark}
PY=/usr/bin/python3
TIME=/usr/bin/time
RESULTS=$srcdir/bench/RESULTS.md

die() { echo "run.sh: $*" >&2; exit 2; }

[ -x "$TIME" ] || die "$TIME is missing: install the Debian package time"
[ -x "$PY" ] || die "$PY is missing"
[ -x "$GEN" ] || die "$GEN is missing: run make bench"
[ -x "$FLOOR" ] || die "$FLOOR is missing: run make bench"
mkdir -p "$OUT"

# The file name carries the parameters; the stamp also carries the generator
# version, so a changed generator makes a new capture.
tag=$(printf '%s' "$FLAGS" | cksum | cut -d' ' -f1)
base=$OUT/ftp-s$SEED-n$N-b$B-f$tag
PCAP=$base.pcap
TRUTH=$base.truth.ndjson
STAMP=$base.stamp
want="$("$GEN" --version) -s $SEED -n $N -b $B $FLAGS"

# measure1 NAME CMD...: runs CMD under time -v, stdout to $OUT/NAME.out.
# Sets rc, wall (s), cpu (s) and rss (KiB).  time -v rounds wall time to
# 10 ms, so GNU date takes it when it can.
# One run: wall, cpu and rss of "$@".
measure1() {
	name=$1
	shift
	rc=0
	t0=$(date +%s.%N)
	"$TIME" -v -o "$OUT/$name.time" "$@" >"$OUT/$name.out" \
	    2>"$OUT/$name.err" || rc=$?
	t1=$(date +%s.%N)
	case $t0$t1 in
	*N*)	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
			n = split($2, p, ":"); s = 0
			for (i = 1; i <= n; i++) s = s * 60 + p[i]
			print s }' "$OUT/$name.time") ;;
	*)	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') ;;
	esac
	cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' \
	    "$OUT/$name.time")
	rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' \
	    "$OUT/$name.time")
}

# The best of BENCH_RUNS runs: on a shared machine the slowest runs
# measure the neighbours.  A failure ends the series.
measure() {
	measure1 "$@"
	best=$wall bcpu=$cpu brss=$rss i=1
	while [ "$rc" -eq 0 ] && [ "$i" -lt "$RUNS" ]; do
		measure1 "$@"
		if awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$wall bcpu=$cpu brss=$rss
		fi
		i=$((i + 1))
	done
	wall=$best cpu=$bcpu rss=$brss
}

gen_note="reused from an earlier run"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ] ||
    [ ! -f "$PCAP" ] || [ ! -f "$TRUTH" ]; then
	echo "run.sh: generating $PCAP"
	rm -f "$STAMP"
	# shellcheck disable=SC2086 # FLAGS is a list of options
	measure1 gen "$GEN" -s "$SEED" -n "$N" -b "$B" $FLAGS \
	    -o "$PCAP.tmp" -t "$TRUTH.tmp"
	cat "$OUT/gen.err" >&2
	[ "$rc" -eq 0 ] || die "gen failed"
	mv "$PCAP.tmp" "$PCAP"
	mv "$TRUTH.tmp" "$TRUTH"
	echo "$want" >"$STAMP"
	cp "$OUT/gen.err" "$base.gen.log"
	gen_note=$(awk -v w="$wall" -v b="$B" 'BEGIN {
		printf "generated in %.1f s (%.0f MB/s including the disk)", w,
		    (w > 0 ? b / w / 1e6 : 0) }')
fi

# Facts of the capture, from the truth's totals line.
totals=$(tail -n 1 "$TRUTH")
fact() {
	printf '%s' "$totals" | "$PY" -c \
	    'import json, sys; print(json.load(sys.stdin)["totals"][sys.argv[1]])' "$1"
}
SIZE=$(wc -c <"$PCAP" | tr -d ' ')
PACKETS=$(fact packets)

# Other work on the machine skews every figure: record how busy it was.
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

echo "run.sh: warming the page cache"
cat "$PCAP" >/dev/null

rows=$OUT/rows.txt
: >"$rows"
status=0

# row LABEL PACKETS BYTES SCALE: appends the last measurement to the table;
# SCALE stretches a slice's time to the whole file.
row() {
	awk -v l="$1" -v p="$2" -v b="$3" -v k="$4" -v w="$wall" -v c="$cpu" \
	    -v r="$rss" -v rc="$rc" 'BEGIN {
		if (rc != 0) { printf "%s|failed (exit %s)|||||\n", l, rc; exit }
		printf "%s|%.3f|%.2f|%.0f|%.0f|%.1f|\n", l, w * k, c * k,
		    r / 1024, (w > 0 ? p / w : 0), (w > 0 ? b / w / 1e6 : 0)
	}' >>"$rows"
}

echo "run.sh: floor"
measure floor "$FLOOR" "$PCAP"
row "libpcap floor (bench/floor)" "$PACKETS" "$SIZE" 1

if [ -x "$FTPAUDIT" ]; then
	echo "run.sh: ftpaudit"
	measure ftpaudit "$FTPAUDIT" analyze -F ndjson -o /dev/null "$PCAP"
	row "ftpaudit analyze -F ndjson -o /dev/null" "$PACKETS" "$SIZE" 1
	[ "$rc" -eq 0 ] || status=1
	echo "run.sh: ftpaudit, output kept for check.py"
	measure ftpaudit-file "$FTPAUDIT" analyze -F ndjson \
	    -o "$OUT/ftpaudit.ndjson" "$PCAP"
	row "ftpaudit analyze -F ndjson -o FILE" "$PACKETS" "$SIZE" 1
	if [ "$rc" -eq 0 ]; then
		crc=0
		"$PY" "$srcdir/bench/check.py" "$TRUTH" "$OUT/ftpaudit.ndjson" \
		    >"$OUT/check.txt" 2>&1 || crc=$?
		check=$(tail -n 1 "$OUT/check.txt")
		[ "$crc" -eq 0 ] || status=1
	else
		check="not run: ftpaudit failed (see $OUT/ftpaudit-file.err)"
		status=1
	fi
else
	echo "ftpaudit analyze|not built|||||" >>"$rows"
	check="not run: $FTPAUDIT is missing"
	status=1
fi

if command -v "$TSHARK" >/dev/null 2>&1; then
	echo "run.sh: tshark on the first $SLICE_BYTES bytes"
	SLICE=$OUT/slice-$(basename "$PCAP")
	sl=$("$PY" "$srcdir/bench/slice.py" "$PCAP" "$SLICE" "$SLICE_BYTES")
	sl_packets=${sl%% packets*}
	sl_bytes=$(wc -c <"$SLICE" | tr -d ' ')
	cat "$SLICE" >/dev/null
	measure1 tshark "$TSHARK" -n -r "$SLICE" -Y ftp
	row "tshark -Y ftp (slice, time scaled to the file)" "$sl_packets" \
	    "$sl_bytes" "$(awk -v a="$SIZE" -v b="$sl_bytes" 'BEGIN { print a / b }')"
	rm -f "$SLICE"
else
	echo "tshark -Y ftp|not installed|||||" >>"$rows"
fi

# The table, with each wall time against the floor's.
table=$(awk -F'|' '
	BEGIN {
		print "| run | wall s | CPU s | peak RSS MiB | packets/s | MB/s | x floor |"
		print "|---|---:|---:|---:|---:|---:|---:|"
	}
	$1 ~ /^libpcap floor/ { f = $2 }
	{
		x = ($2 + 0 > 0 && f + 0 > 0) ? sprintf("%.1f", $2 / f) : ""
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, x
	}' "$rows")

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
os=$(uname -s)
if [ -r /etc/os-release ]; then
	# shellcheck disable=SC1091 # present on Linux only
	os=$(. /etc/os-release && echo "$PRETTY_NAME")
fi
rev=${BENCH_REV:-$(git -C "$srcdir" describe --always --dirty 2>/dev/null || echo unknown)}

{
	echo "# ftpaudit benchmark results"
	echo
	echo "Written by bench/run.sh (\`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
	echo "source $rev, $("$FTPAUDIT" --version 2>/dev/null || echo "ftpaudit missing")."
	echo
	echo "## Machine"
	echo
	echo "- CPU: ${cpu_model:-unknown}, $(nproc) cores online"
	echo "- Memory: ${mem:-unknown}"
	echo "- OS: $os, kernel $(uname -r)"
	echo "- Load average before the runs: $load"
	echo
	echo "## Capture"
	echo
	echo "- \`$(echo "gen -s $SEED -n $N -b $B $FLAGS" | sed 's/ *$//')\`, $gen_note"
	echo "- $SIZE bytes, $PACKETS packets: $(fact ftp_control_packets) FTP control," \
	    "$(fact ftp_data_packets) FTP data, $(fact background_packets) background"
	echo "- $(fact sessions) sessions ($(fact login_failed) failed logins)," \
	    "$(fact transfers) transfers carrying $(fact bytes) bytes"
	if [ -f "$base.gen.log" ]; then
		echo
		echo "What gen said:"
		echo
		sed 's/^/    /' "$base.gen.log"
	fi
	echo
	echo "## Times"
	echo
	echo "Page cache warm; wall and peak RSS from /usr/bin/time -v, the fastest of"
	echo "$RUNS runs for the floor and ftpaudit (tshark: one); MB = 10^6 bytes"
	echo "of pcap file.  tshark reads a slice of the first $SLICE_BYTES bytes: its"
	echo "wall and CPU times are scaled to the whole file, its RSS is the slice's."
	echo
	echo "$table"
	echo
	echo "## Correctness"
	echo
	echo "bench/check.py, ftpaudit against the generator's truth: $check"
} >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"

echo
echo "$table"
echo
echo "check.py: $check"
echo "run.sh: wrote $RESULTS"
exit $status

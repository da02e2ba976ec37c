#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh: time ftpaudit, the bare libpcap loop and tshark on generated
# captures, measure its memory, and check each target of the benchmark.
#
# Run from the build directory (`make bench` does): it expects bench/gen,
# bench/floor, bench/hostile and ./ftpaudit there.  Environment:
#   BENCH_SESSIONS   FTP sessions of the main capture (100000)
#   BENCH_BYTES      its size in bytes (2000000000)
#   BENCH_SEED       generator seed (1)
#   BENCH_GEN_FLAGS  more gen options for it, e.g. "--background 60"
#   BENCH_BULK       sessions of the bulk capture, same size, bulk data and
#                    80% background (5000; 0 skips it)
#   BENCH_DOUBLE     1: also the main capture's density for twice as long,
#                    for the memory target (1; 0 skips it)
#   BENCH_COLLIDE    gen --pasv-collide for a tenth of the main capture,
#                    checked against its truth (20; 0 skips it)
#   BENCH_CONNS      TCP connections open at once in the memory test
#                    (1000000; 0 skips it)
#   BENCH_OPEN_SESSIONS  FTP sessions open at once, measured (100000; 0
#                    skips it)
#   BENCH_SLICE      bytes of a capture tshark reads (100000000)
#   BENCH_RUNS       runs of the floor and of each ftpaudit command; the
#                    fastest counts (3)
#   BENCH_RULESET    the ruleset audit judges (tests/integration/audit-data/
#                    server-helper.ipt)
#   BENCH_OUT        work directory (bench/out)
#   BENCH_RESULTS    where the results go ($srcdir/bench/RESULTS.md)
#   BENCH_REV        source revision to record (git describe of srcdir)
#   GEN FLOOR HOSTILE FTPAUDIT TSHARK   the programs
#   srcdir           top source directory (the directory above this script)
# Captures are made once per parameter set and kept in BENCH_OUT.  The
# tables go to stdout and to $srcdir/bench/RESULTS.md.  Exit status 1 when
# ftpaudit failed or check.py found differences; a target missed is
# reported, not an error.

set -eu

srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
N=${BENCH_SESSIONS:-100000}
B=${BENCH_BYTES:-2000000000}
SEED=${BENCH_SEED:-1}
FLAGS=${BENCH_GEN_FLAGS:-}
BULK=${BENCH_BULK:-5000}
DOUBLE=${BENCH_DOUBLE:-1}
COLLIDE=${BENCH_COLLIDE:-20}
CONNS=${BENCH_CONNS:-1000000}
OPEN_SESSIONS=${BENCH_OPEN_SESSIONS:-100000}
SLICE_BYTES=${BENCH_SLICE:-100000000}
RUNS=${BENCH_RUNS:-3}
OUT=${BENCH_OUT:-bench/out}
GEN=${GEN:-bench/gen}
FLOOR=${FLOOR:-bench/floor}
HOSTILE=${HOSTILE:-bench/hostile}
XCORE=${XCORE:-bench/xcore}
WAIT_SHARED=${BENCH_WAIT_SHARED:-90}
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
TSHARK=${TSHARK:-tshark}
PY=/usr/bin/python3
TIME=/usr/bin/time
RESULTS=${BENCH_RESULTS:-$srcdir/bench/RESULTS.md}
RULESET=${BENCH_RULESET:-$srcdir/tests/integration/audit-data/server-helper.ipt}

die() { echo "run.sh: $*" >&2; exit 2; }

# gen's k, M and G suffixes (powers of ten), so that sizes can be doubled
# and divided here.
B=$(echo "$B" | awk '
	/^[0-9]+[kK]$/ { printf "%.0f\n", $0 * 1000; next }
	/^[0-9]+[mM]$/ { printf "%.0f\n", $0 * 1000000; next }
	/^[0-9]+[gG]$/ { printf "%.0f\n", $0 * 1000000000; next }
	/^[0-9]+$/ { print; next }
	{ exit 1 }') || die "bad BENCH_BYTES"

[ -x "$TIME" ] || die "$TIME is missing: install the Debian package time"
[ -x "$PY" ] || die "$PY is missing"
[ -x "$GEN" ] || die "$GEN is missing: run make bench"
[ -x "$FLOOR" ] || die "$FLOOR is missing: run make bench"
[ -x "$FTPAUDIT" ] || die "$FTPAUDIT is missing: run make bench"
[ -r "$RULESET" ] || die "$RULESET is missing (BENCH_RULESET)"
mkdir -p "$OUT"

# measure1 NAME CMD...: runs CMD under time -v, stdout to $OUT/NAME.out.
# Sets rc, wall (s), cpu (s) and rss (KiB).  time -v rounds wall time to
# 10 ms, so GNU date takes it when it can.
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

# measure_pair NAME CMD...: the floor and CMD on $PCAP, taken in turn,
# so that a slow minute on a shared machine falls on both and not on one
# of them.  Sets f_wall f_cpu f_rss f_rc (the floor's best of the series)
# and a_wall a_cpu a_rss a_rc; a failure ends the series.  The floor's
# best of all pairs is kept in best_floor.
#
# A virtual machine's two CPUs may share a cache at times and at times
# not (bench/README.md: the AMD machine's did), and the state can change
# during a row.  So bench/xcore takes the round trip just before and
# just after each of CMD's runs, and a run with both under 200 ns ran on
# the first machine, a 2-core machine of one socket.  The pairs go on
# until RUNS runs did, or 3 x RUNS pairs were run, waiting before each
# pair for a shared cache, at most WAIT_SHARED seconds in all for the
# row.  a_* are the best of the runs with a shared cache, else of all;
# u_wall is the best run without one (empty if none); xc says how many
# runs had it, and the round trips seen.  WAIT_SHARED=0 runs RUNS pairs
# and only sorts them.
wait_budget=0
wait_shared() {
	while [ "$wait_budget" -gt 0 ]; do
		x=$("$XCORE" 2>/dev/null) || return 0
		[ "$x" -lt 200 ] && return 0
		sleep 5
		wait_budget=$((wait_budget - 5))
	done
}

# is_shared NS...: true when every round trip is a number under 200.
is_shared() {
	for x in "$@"; do
		case $x in
		''|*[!0-9]*) return 1 ;;
		esac
		[ "$x" -lt 200 ] || return 1
	done
}

measure_pair() {
	pname=$1
	shift
	wait_budget=$WAIT_SHARED
	i=0 nsh=0 f_wall='' a_wall='' u_wall='' u_cpu='' u_rss='' u_rc=''
	f_cpu='' f_rss='' f_rc=0 a_cpu='' a_rss='' a_rc=0 seen=''
	maxpairs=$((3 * RUNS))
	"$XCORE" >/dev/null 2>&1 || maxpairs=$RUNS
	[ "$WAIT_SHARED" -gt 0 ] || maxpairs=$RUNS
	while [ "$i" -lt "$maxpairs" ] && [ "$nsh" -lt "$RUNS" ]; do
		wait_shared
		measure1 floor "$FLOOR" "$PCAP"
		if [ -z "$f_wall" ] || [ "$rc" -ne 0 ] || awk -v a="$wall" \
		    -v b="$f_wall" 'BEGIN { exit !(a < b) }'; then
			f_wall=$wall f_cpu=$cpu f_rss=$rss f_rc=$rc
		fi
		x0=$("$XCORE" 2>/dev/null || echo '?')
		measure1 "$pname" "$@"
		x1=$("$XCORE" 2>/dev/null || echo '?')
		seen="$seen $x0 $x1"
		if is_shared "$x0" "$x1"; then
			nsh=$((nsh + 1))
			if [ -z "$a_wall" ] || [ "$rc" -ne 0 ] || awk -v a="$wall" \
			    -v b="$a_wall" 'BEGIN { exit !(a < b) }'; then
				a_wall=$wall a_cpu=$cpu a_rss=$rss a_rc=$rc
			fi
		elif [ -z "$u_wall" ] || [ "$rc" -ne 0 ] || awk -v a="$wall" \
		    -v b="$u_wall" 'BEGIN { exit !(a < b) }'; then
			u_wall=$wall u_cpu=$cpu u_rss=$rss u_rc=$rc
		fi
		i=$((i + 1))
		if [ "$f_rc" -ne 0 ] || [ "$rc" -ne 0 ]; then
			a_rc=$rc
			break
		fi
	done
	if [ -z "$a_wall" ]; then
		a_wall=$u_wall a_cpu=$u_cpu a_rss=$u_rss a_rc=${u_rc:-$a_rc}
	fi
	xc=$(echo "$seen" | awk -v k="$nsh" -v n="$i" '{
		lo = hi = ""
		for (j = 1; j <= NF; j++) if ($j ~ /^[0-9]+$/) {
			if (lo == "" || $j + 0 < lo) lo = $j + 0
			if (hi == "" || $j + 0 > hi) hi = $j + 0
		}
		printf "%d of %d", k, n
		if (lo != "") printf " (%s-%s)", lo, hi
	}')
	if [ "$f_rc" -eq 0 ] && { [ -z "$best_floor" ] || awk -v a="$f_wall" \
	    -v b="$best_floor" 'BEGIN { exit !(a < b) }'; }; then
		best_floor=$f_wall best_fcpu=$f_cpu best_frss=$f_rss
	fi
}

mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# capture N BYTES FLAGS: makes (or finds) the capture and its truth.  Sets
# PCAP, TRUTH, base and gen_note.  The file name carries the parameters;
# the stamp also carries the generator version, so a changed generator
# makes a new capture.
capture() {
	tag=$(printf '%s' "$3" | cksum | cut -d' ' -f1)
	base=$OUT/ftp-s$SEED-n$1-b$2-f$tag
	PCAP=$base.pcap
	TRUTH=$base.truth.ndjson
	want="$("$GEN" --version) -s $SEED -n $1 -b $2 $3"
	gen_note="reused from an earlier run"
	if [ -f "$base.stamp" ] && [ "$(cat "$base.stamp")" = "$want" ] &&
	    [ -f "$PCAP" ] && [ -f "$TRUTH" ]; then
		return
	fi
	echo "run.sh: generating $PCAP"
	rm -f "$base.stamp"
	# shellcheck disable=SC2086 # the flags are a list of options
	measure1 gen "$GEN" -s "$SEED" -n "$1" -b "$2" $3 \
	    -o "$PCAP.tmp" -t "$TRUTH.tmp"
	cat "$OUT/gen.err" >&2
	[ "$rc" -eq 0 ] || die "gen failed"
	mv "$PCAP.tmp" "$PCAP"
	mv "$TRUTH.tmp" "$TRUTH"
	echo "$want" >"$base.stamp"
	cp "$OUT/gen.err" "$base.gen.log"
	gen_note=$(awk -v w="$wall" -v b="$2" 'BEGIN {
		printf "generated in %.1f s (%.0f MB/s including the disk)", w,
		    (w > 0 ? b / w / 1e6 : 0) }')
}

# A fact of the capture, from the truth's totals line.
fact() {
	tail -n 1 "$TRUTH" | "$PY" -c \
	    'import json, sys; print(json.load(sys.stdin)["totals"][sys.argv[1]])' "$1"
}

# row LABEL PACKETS BYTES SCALE [FLOOR [XC [UNSHARED]]]: appends the last
# measurement to $rows; SCALE stretches a slice's time to the whole file;
# FLOOR is the floor's time measured in turn with it, XC measure_pair's
# xc and UNSHARED its u_wall.
row() {
	awk -v l="$1" -v p="$2" -v b="$3" -v k="$4" -v fl="${5:-}" -v w="$wall" \
	    -v c="$cpu" -v r="$rss" -v rc="$rc" -v x="${6:-}" -v u="${7:-}" 'BEGIN {
		if (rc != 0) { printf "%s|failed (exit %s)||||||||\n", l, rc; exit }
		printf "%s|%.3f|%.2f|%.0f|%.0f|%.1f|%s||%s|%s\n", l, w * k, c * k,
		    r / 1024, (w > 0 ? p / w : 0), (w > 0 ? b / w / 1e6 : 0), fl, x, u
	}' >>"$rows"
}

# The table of $rows: each wall time against the floor's measured in turn
# with it, else against the best floor.
table() {
	awk -F'|' '
	BEGIN {
		print "| run | wall s | CPU s | peak RSS MiB | packets/s | MB/s | floor s, in turn | x floor | % of the floor | runs with a shared cache (round trips, ns) | best run without one: s, % of the floor |"
		print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
	}
	$1 ~ /^libpcap floor/ { f = $2 }
	{
		g = ($7 != "") ? $7 : f
		x = ($2 + 0 > 0 && g + 0 > 0) ? sprintf("%.2f", $2 / g) : ""
		q = ($2 + 0 > 0 && g + 0 > 0) ? sprintf("%.0f%%", 100 * g / $2) : ""
		u = ($10 + 0 > 0 && g + 0 > 0) ? \
		    sprintf("%.3f, %.0f%%", $10, 100 * g / $10) : ""
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		    $1, $2, $3, $4, $5, $6, $7, x, q, $9, u
	}' "$rows"
}

status=0
body=$OUT/body.md
targets=$OUT/targets.txt
: >"$body"
: >"$targets"

# target NAME WANTED MEASURED MET: a line of the summary.
target() { printf '%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" >>"$targets"; }

# truth_check NAME NDJSON TXT: bench/check.py of the NDJSON that the last
# measurement, NAME, wrote, against $TRUTH, into TXT; the NDJSON is then
# removed.  Sets check (its verdict, the last line) and t_diff (the
# differences, or unknown); a difference or a failure sets status.
truth_check() {
	t_diff=unknown
	if [ "$rc" -eq 0 ]; then
		crc=0
		"$PY" "$srcdir/bench/check.py" "$TRUTH" "$2" >"$3" 2>&1 || crc=$?
		check=$(tail -n 1 "$3")
		t_diff=$(echo "$check" | awk '/differences/ { print $(NF - 1) }')
		[ "$crc" -eq 0 ] || status=1
	else
		check="not run: ftpaudit failed (see $OUT/$1.err)"
		status=1
	fi
	rm -f "$2"
}

# profile TITLE N BYTES FLAGS: the floor, ftpaudit (twice: to /dev/null,
# and to a file for check.py) and tshark on one capture, as a section of
# the results.  Sets p_floor, p_wall, p_rss (KiB) and p_diff.
profile() {
	title=$1
	capture "$2" "$3" "$4"
	size=$(wc -c <"$PCAP" | tr -d ' ')
	packets=$(fact packets)
	echo "run.sh: $title: warming the page cache"
	cat "$PCAP" >/dev/null
	rows=$OUT/rows.txt
	: >"$rows"

	echo "run.sh: $title: the floor and each command, in turn"
	best_floor=''
	pairs=$OUT/pairs.txt
	: >"$pairs"
	# pair KEY LABEL CMD...: one command in turn with the floor, a row.
	pair() {
		key=$1 label=$2
		shift 2
		echo "run.sh: $title: $label"
		measure_pair "ftpaudit-$key" "$@"
		wall=$a_wall cpu=$a_cpu rss=$a_rss rc=$a_rc
		[ "$f_rc" -eq 0 ] || status=1
		[ "$rc" -eq 0 ] || status=1
		row "$label" "$packets" "$size" 1 "$f_wall" "$xc" "$u_wall"
		echo "$key|$f_wall|$a_wall|$a_rss|$a_rc|$nsh" >>"$pairs"
	}
	pair ndjson "ftpaudit analyze -F ndjson -o /dev/null" \
	    "$FTPAUDIT" analyze -F ndjson -o /dev/null "$PCAP"
	pair json "ftpaudit analyze -F json -o /dev/null" \
	    "$FTPAUDIT" analyze -F json -o /dev/null "$PCAP"
	pair text "ftpaudit analyze -F text -o /dev/null" \
	    "$FTPAUDIT" analyze -F text -o /dev/null "$PCAP"
	pair zeek "ftpaudit analyze -F zeek -o /dev/null" \
	    "$FTPAUDIT" analyze -F zeek -o /dev/null "$PCAP"
	pair eve "ftpaudit analyze -F eve -o /dev/null" \
	    "$FTPAUDIT" analyze -F eve -o /dev/null "$PCAP"
	pair rules "ftpaudit rules -F json -o /dev/null" \
	    "$FTPAUDIT" rules -F json -o /dev/null "$PCAP"
	pair audit "ftpaudit audit --ruleset=$(basename "$RULESET") --no-fail -o /dev/null" \
	    "$FTPAUDIT" audit --ruleset="$RULESET" --no-fail -o /dev/null "$PCAP"
	# Formats whose size matters as much as their time: kept for sizes().
	pair html "ftpaudit analyze -F html -o FILE" \
	    "$FTPAUDIT" analyze -F html -o "$OUT/report.html" "$PCAP"
	pair nft "ftpaudit rules -F nft -o FILE" \
	    "$FTPAUDIT" rules -F nft -o "$OUT/rules.nft" "$PCAP"
	"$FTPAUDIT" rules -q -F nft --aggregate=none -o "$OUT/rules-none.nft" \
	    "$PCAP" || status=1
	# The floor's best of all, first in the table.
	wall=$best_floor cpu=$best_fcpu rss=$best_frss rc=0
	[ -n "$wall" ] || { wall=0 rc=1; }
	row "libpcap floor (bench/floor), best of all its runs" "$packets" "$size" 1
	{ tail -n 1 "$rows"; sed '$d' "$rows"; } >"$rows.tmp" && mv "$rows.tmp" "$rows"
	p_floor=$best_floor
	p_wall=$(awk -F'|' '$1 == "ndjson" { print $3 }' "$pairs")
	p_rss=$(awk -F'|' '$1 == "ndjson" { print $4 }' "$pairs")

	echo "run.sh: $title: ftpaudit, output kept for check.py"
	measure ftpaudit-file "$FTPAUDIT" analyze -F ndjson \
	    -o "$OUT/ftpaudit.ndjson" "$PCAP"
	row "ftpaudit analyze -F ndjson -o FILE" "$packets" "$size" 1
	truth_check ftpaudit-file "$OUT/ftpaudit.ndjson" "$OUT/check.txt"
	p_diff=$t_diff

	if command -v "$TSHARK" >/dev/null 2>&1; then
		echo "run.sh: $title: tshark on the first $SLICE_BYTES bytes"
		slice=$OUT/slice-$(basename "$PCAP")
		sl=$("$PY" "$srcdir/bench/slice.py" "$PCAP" "$slice" "$SLICE_BYTES")
		sl_packets=${sl%% packets*}
		sl_bytes=$(wc -c <"$slice" | tr -d ' ')
		cat "$slice" >/dev/null
		measure1 tshark "$TSHARK" -n -r "$slice" -Y ftp
		row "tshark -Y ftp (slice, time scaled to the file)" \
		    "$sl_packets" "$sl_bytes" \
		    "$(awk -v a="$size" -v b="$sl_bytes" 'BEGIN { print a / b }')"
		rm -f "$slice"
	else
		echo "tshark -Y ftp|not installed||||||" >>"$rows"
	fi

	{
		echo "## $title"
		echo
		echo "### Capture"
		echo
		echo "- \`$(echo "gen -s $SEED -n $2 -b $3 $4" | sed 's/ *$//')\`, $gen_note"
		echo "- $size bytes, $packets packets: $(fact ftp_control_packets) FTP" \
		    "control, $(fact ftp_data_packets) FTP data," \
		    "$(fact background_packets) background"
		echo "- $(fact sessions) sessions ($(fact login_failed) failed logins)," \
		    "$(fact transfers) transfers carrying $(fact bytes) bytes"
		if [ -f "$base.gen.log" ]; then
			echo
			echo "What gen said:"
			echo
			sed 's/^/    /' "$base.gen.log"
		fi
		echo
		echo "### Times"
		echo
		table
		echo
		echo "### Output sizes"
		echo
		sizes
		echo
		echo "### Correctness"
		echo
		echo "bench/check.py, ftpaudit against the generator's truth: $check"
		echo
	} >>"$body"
	rm -f "$OUT/report.html" "$OUT/rules.nft" "$OUT/rules-none.nft"
	table
	echo "check.py: $check"
}

# sizes: the size of the page and of the nft rules kept by profile, a
# table; a file that is missing (its command failed) is said so.
sizes() {
	echo "| output | bytes | lines |"
	echo "|---|---:|---:|"
	for x in "analyze -F html|report.html" "rules -F nft|rules.nft" \
	    "rules -F nft --aggregate=none|rules-none.nft"; do
		f=$OUT/${x#*|}
		if [ -f "$f" ]; then
			echo "| ftpaudit ${x%%|*} | $(wc -c <"$f" | tr -d ' ') |" \
			    "$(wc -l <"$f" | tr -d ' ') |"
		else
			echo "| ftpaudit ${x%%|*} | not written | |"
		fi
	done
}

# pct FLOOR WALL: ftpaudit's throughput as a share of the floor's.
pct() { awk -v f="$1" -v w="$2" 'BEGIN { printf "%.0f", (w > 0 ? 100 * f / w : 0) }'; }
yes_if() { if awk "BEGIN { exit !($1) }"; then echo yes; else echo no; fi; }

load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

# pair_target KEY WHAT MIN: a target on the pair KEY of the last profile,
# against the floor measured in turn with it.
pair_target() {
	line=$(awk -F'|' -v k="$1" '$1 == k' "$pairs")
	fw=$(echo "$line" | cut -d'|' -f2)
	aw=$(echo "$line" | cut -d'|' -f3)
	arc=$(echo "$line" | cut -d'|' -f5)
	if [ -z "$line" ] || [ "$arc" != 0 ]; then
		target "$2" "at least $3% of the floor's" "failed" no
		return
	fi
	r=$(pct "$fw" "$aw")
	sh=$(echo "$line" | cut -d'|' -f6)
	if [ "${sh:-0}" -gt 0 ]; then
		sh="shared cache"
	else
		sh="no run had a shared cache"
	fi
	target "$2" "at least $3% of the floor's" "$r% ($aw s; floor $fw s; $sh)" \
	    "$(yes_if "$r >= $3")"
}

profile "Main capture: $N sessions" "$N" "$B" "$FLAGS"
m_floor=$p_floor m_wall=$p_wall m_rss=$p_rss m_diff=$p_diff
pair_target ndjson "throughput, main capture ($N sessions), -F ndjson" 85
pair_target json "throughput, main capture, -F json" 85
pair_target text "throughput, main capture, -F text" 85
pair_target zeek "throughput, main capture, -F zeek" 85
pair_target eve "throughput, main capture, -F eve" 85
pair_target rules "throughput, main capture, rules -F json" 85
pair_target audit "throughput, main capture, audit" 85
target "peak RSS, main capture, NDJSON" "under 64 MiB" "$(mib "$m_rss") MiB" \
    "$(yes_if "$m_rss < 65536")"
target "differences against the truth, main capture" "0" "$m_diff" \
    "$(yes_if "\"$m_diff\" == \"0\"")"

if [ "$BULK" -gt 0 ]; then
	profile "Bulk capture: $BULK sessions, 80% background" "$BULK" "$B" ""
	pair_target ndjson "throughput, bulk capture ($BULK sessions), -F ndjson" 100
	for k in json text zeek eve rules audit; do
		pair_target $k "throughput, bulk capture, $k" 85
	done
	target "differences against the truth, bulk capture" "0" "$p_diff" \
	    "$(yes_if "\"$p_diff\" == \"0\"")"
fi

if [ "$DOUBLE" -ne 0 ]; then
	# Twice the sessions in twice the bytes: the same traffic for twice as
	# long, so only what grows with the file can grow.
	n2=$((N * 2))
	b2=$(awk -v b="$B" 'BEGIN { printf "%.0f", b * 2 }')
	capture "$n2" "$b2" "$FLAGS"
	echo "run.sh: twice the main capture: ftpaudit"
	cat "$PCAP" >/dev/null
	measure1 ftpaudit-double "$FTPAUDIT" analyze -F ndjson -o /dev/null "$PCAP"
	[ "$rc" -eq 0 ] || status=1
	d_rss=$rss
	target "peak RSS independent of the capture's size" \
	    "the same for twice the capture (within 10%)" \
	    "$(mib "$m_rss") MiB for $B bytes, $(mib "$d_rss") MiB for $b2 bytes" \
	    "$(yes_if "$d_rss <= $m_rss * 1.1")"
	{
		echo "## Twice the main capture"
		echo
		echo "\`$(echo "gen -s $SEED -n $n2 -b $b2 $FLAGS" | sed 's/ *$//')\`,"
		echo "$gen_note: the main capture's traffic for twice as long."
		echo "ftpaudit, one run: $wall s, peak RSS $(mib "$d_rss") MiB (main"
		echo "capture: $(mib "$m_rss") MiB)."
		echo
	} >>"$body"
fi

if [ "$COLLIDE" -gt 0 ]; then
	# Two servers behind one address, telling two clients one passive
	# port at once: each data connection must go to its own client's
	# transfer.  A tenth of the main capture, for the truth only.
	nc=$((N / 10 > 0 ? N / 10 : 1))
	bc=$(awk -v b="$B" 'BEGIN { printf "%.0f", b / 10 }')
	cflags=$(echo "$FLAGS --pasv-collide $COLLIDE" | sed 's/^ *//')
	capture "$nc" "$bc" "$cflags"
	echo "run.sh: colliding passive ports: ftpaudit"
	measure1 ftpaudit-collide "$FTPAUDIT" analyze -F ndjson \
	    -o "$OUT/collide.ndjson" "$PCAP"
	truth_check ftpaudit-collide "$OUT/collide.ndjson" "$OUT/collide-check.txt"
	target "differences against the truth, colliding passive ports" "0" \
	    "$t_diff" "$(yes_if "\"$t_diff\" == \"0\"")"
	{
		echo "## Colliding passive ports"
		echo
		echo "\`gen -s $SEED -n $nc -b $bc $cflags\`, $gen_note:"
		echo "$(fact pasv_collisions) sessions go to the server of the session"
		echo "before them, behind the same address, and are told the passive"
		echo "port it was told while that one is still open."
		echo
		echo "bench/check.py, ftpaudit against the generator's truth: $check"
		echo
	} >>"$body"
fi

# hostile_run CASE N NAME: ftpaudit -v on `hostile CASE N` (made once and
# kept in $OUT), measured as NAME.
hostile_run() {
	[ -x "$HOSTILE" ] || die "$HOSTILE is missing: run make bench"
	hpcap=$OUT/$1-$2.pcap
	[ -f "$hpcap" ] || "$HOSTILE" "$1" "$2" "$hpcap" || die "$HOSTILE failed"
	echo "run.sh: hostile $1 $2: ftpaudit"
	measure1 "$3" "$FTPAUDIT" analyze -v -F ndjson -o /dev/null "$hpcap"
	[ "$rc" -eq 0 ] || status=1
}

if [ "$CONNS" -gt 0 ]; then
	hostile_run open "$CONNS" ftpaudit-conns
	at_once=$(sed -n 's/.*(at most \([0-9]*\) at once).*/\1/p' \
	    "$OUT/ftpaudit-conns.err")
	target "TCP connections open at once" "under 300 MiB for 1,000,000" \
	    "$(mib "$rss") MiB for ${at_once:-?}" \
	    "$(yes_if "$rss < 307200 && ${at_once:-0} >= 1000000")"
	{
		echo "## $CONNS TCP connections open at once"
		echo
		echo "\`bench/hostile open $CONNS\`: that many HTTPS-like connections,"
		echo "each a handshake, a request and a response, none closed."
		echo "ftpaudit (\`analyze -v\`) tracked ${at_once:-?} at once in"
		echo "$wall s, peak RSS $(mib "$rss") MiB."
		echo
	} >>"$body"
fi

if [ "$OPEN_SESSIONS" -gt 0 ]; then
	hostile_run sessions "$OPEN_SESSIONS" ftpaudit-sessions
	{
		echo "## $OPEN_SESSIONS FTP sessions open at once"
		echo
		echo "\`bench/hostile sessions $OPEN_SESSIONS\`: that many clients logged in,"
		echo "each with a PASV answered and never connected to, none closed: every"
		echo "session and its expectation are held until the end of the capture"
		echo "(no target: they are bounded by \`--max-connections\`)."
		echo "ftpaudit, one run: $wall s, peak RSS $(mib "$rss") MiB,"
		echo "about $(awk -v r="$rss" -v n="$OPEN_SESSIONS" 'BEGIN { printf "%.1f", r / n }') KiB a session."
		echo
	} >>"$body"
fi

summary=$(awk -F'|' '
	BEGIN {
		print "| target | wanted | measured | met |"
		print "|---|---|---|---|"
	}
	{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$targets")

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
os=$(uname -s)
if [ -r /etc/os-release ]; then
	# shellcheck disable=SC1091 # present on Linux only
	os=$(. /etc/os-release && echo "$PRETTY_NAME")
fi
rev=${BENCH_REV:-$(git -C "$srcdir" describe --always --dirty 2>/dev/null || echo unknown)}
# How ftpaudit was built: make bench runs in the build tree.
build=$(./config.status --config 2>/dev/null) || build="(no config.status here)"
pgo=no
[ -f Makefile ] && grep -q '^PGO_PROFILE =' Makefile && pgo=yes

{
	echo "# ftpaudit benchmark results"
	echo
	echo "Written by bench/run.sh (\`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
	echo "source $rev, $("$FTPAUDIT" --version 2>/dev/null || echo "ftpaudit missing"),"
	echo "configured with \`${build:-(no options)}\`; profile-guided: $pgo"
	echo "(bench/README.md, \"Profile-guided\")."
	echo "bench/README.md says what each capture is and where the time goes."
	echo
	echo "## Machine"
	echo
	echo "- CPU: ${cpu_model:-unknown}, $(nproc) cores online"
	echo "- Memory: ${mem:-unknown}"
	echo "- OS: $os, kernel $(uname -r)"
	echo "- Load average before the runs: $load; after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
	echo
	echo "Page cache warm; wall and peak RSS from /usr/bin/time -v, the fastest"
	echo "run (below).  Each ftpaudit command to /dev/null runs in turn with"
	echo "the floor, and its share of the floor is against the floor's best"
	echo "run of that series: on a machine others share (here 2 cores and"
	echo "several engineers building and testing at once; load average"
	echo "above), a slow minute falls on both, which cancels part of that"
	echo "noise but not all of it.  The floor's row is its best run of all."
	echo "tshark runs once.  MB = 10^6"
	echo "bytes of pcap file.  tshark reads a slice of the first $SLICE_BYTES"
	echo "bytes: its wall and CPU times are scaled to the whole file, its RSS"
	echo "is the slice's.  ftpaudit runs on two threads (a reader that"
	echo "reads and decodes ahead, and the engine; either writes the reports"
	echo "when it has time), so its CPU time can exceed its wall time."
	echo "A virtual machine's two CPUs may share a cache at times and at"
	echo "times not (bench/README.md), and everything ftpaudit's threads"
	echo "hand each other costs more when they do not.  bench/xcore times a"
	echo "cache line's round trip between them just before and just after"
	echo "each ftpaudit run: under 200 ns both times, the run had a shared"
	echo "cache, as a 2-core machine of one socket has.  A row is the best of"
	echo "$RUNS such runs, taken in up to $((3 * RUNS)) pairs with the floor and"
	echo "waiting up to $WAIT_SHARED s in all for a shared cache"
	echo "(BENCH_WAIT_SHARED=0 runs $RUNS pairs and does not wait); the"
	echo "column after it says how many of the row's runs had one, and the"
	echo "round trips seen.  The last column is the best run without one:"
	echo "the same code on the slower machine.  A row with no run that had"
	echo "a shared cache gives its best run, and its target says so."
	echo
	echo "## Targets"
	echo
	echo "$summary"
	echo
	cat "$body"
} >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"

echo
echo "$summary"
echo "run.sh: wrote $RESULTS"
exit $status

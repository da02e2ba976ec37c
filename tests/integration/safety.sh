#!/bin/bash
# SPDX-License-Identifier: ISC
# safety.sh: the proof that the default output of `ftpaudit rules` is safe to
# load on a host that has other work to do (issue 17, "safe by default").
#
# Part 1, loads: for every sample and shared capture, side and strategy,
# every form (nft default, --standalone and --nft-chain; iptables and
# ip6tables default and --standalone) passes `nft -c -f` or
# `iptables-restore --test`, and the default and chain forms load into an
# empty namespace; for the samples, loaded twice, they give the same
# `nft list ruleset` and iptables-save/ip6tables-save (identical outputs are
# loaded once by each worker: shard.sh's four share the captures).
#
# Part 2, the lab (lab.sh): capture curl transfers against vsftpd with no
# firewall; then for each side, strategy and backend load the default output
# twice (same ruleset both times) into that side's namespace, and check that
# a TCP service on a non-FTP port (both ways), a UDP request/response and a
# ping still work in both families, that every transfer passes, and that
# each data rule is still needed: without it, the transfers that used it
# fail (the rest of the FTP surface is dropped) and the others pass.
#
# Part 3, bad input: an empty capture, a bad --nft-chain, options that do not
# apply to the format: one line on stderr and exit 1.
#
# Root, netns, nft, iptables, vsftpd, curl, ping, else SKIP (77).
# Environment: FTPAUDIT, srcdir, FTPAUDIT_SHARED; SAFETY_PARTS="1 2 3".
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
SHARED=${FTPAUDIT_SHARED:-$srcdir/../shared}
. "$srcdir/tests/integration/lab.sh"
. "$srcdir/tests/integration/shard.sh"

lab_need_root curl nft iptables-restore ip6tables-restore iptables-save ping \
	"$LAB_VSFTPD_BIN"
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
PY=$LAB_PYTHON
PARTS=${SAFETY_PARTS:-1 2 3}
passed=0 failed=0
t0=$(date +%s)

check() {	# check OK|FAIL MESSAGE
	if [ "$1" = OK ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $2"
	fi
}

lab_up "sf$$" || exit 99
T=$LAB_DIR/safety
mkdir -p "$T"

# nsx NS CMD...: run in a namespace.
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# jumps NS FILE: the one-time jumps the header of an iptables file lists.
jumps() {
	sed -n 's/^#   \(ip6\{0,1\}tables .*\)$/\1/p' "$2" | while read -r cmd; do
		nsx "$1" sh -c "$cmd" || return 1
	done
}

# twice NS KIND FILE...: load FILE(s) twice into NS (emptied first) and
# compare what the kernel holds; 0 when both loads worked and agree.
twice() {
	local ns=$1 kind=$2 f i
	shift 2
	nsx "$ns" nft flush ruleset || return 1
	for i in 1 2; do
		case $kind in
		nft) for f; do nsx "$ns" nft -f "$f" || return 1; done
		     nsx "$ns" nft list ruleset >"$T/list$i" || return 1 ;;
		ipt) nsx "$ns" iptables-restore --noflush <"$1" &&
		     nsx "$ns" ip6tables-restore --noflush <"$2" || return 1
		     # The header's jumps, once the chains exist; the
		     # second time they must find theirs and add none.
		     jumps "$ns" "$1" && jumps "$ns" "$2" || return 1
		     { nsx "$ns" iptables-save; nsx "$ns" ip6tables-save; } |
			grep -v '^#' >"$T/list$i" || return 1 ;;
		esac
	done
	cmp -s "$T/list1" "$T/list2"
}

# once NS KIND FILE...: load FILE(s) into NS, emptied first.
once() {
	local ns=$1 kind=$2
	shift 2
	nsx "$ns" nft flush ruleset || return 1
	case $kind in
	nft) nsx "$ns" nft -f "$1" ;;
	ipt) nsx "$ns" iptables-restore --noflush <"$1" &&
	     nsx "$ns" ip6tables-restore --noflush <"$2" &&
	     jumps "$ns" "$1" && jumps "$ns" "$2" ;;
	esac
}

# ---- Part 1: every output loads, the default forms idempotently ----------
part1() {
	local caps=()
	caps=("$srcdir"/samples/*.pcap "$srcdir"/samples/*.pcapng)
	if [ -d "$SHARED/pcaps" ]; then
		mapfile -t -O ${#caps[@]} caps < <(find "$SHARED/pcaps" \
			\( -name '*.pcap' -o -name '*.pcapng' \) | sort)
	else
		echo "note: $SHARED/pcaps absent, samples only"
	fi
	loaded=0
	SHARD_SUM="passed failed loaded"
	shard_run "sf$$-" "$T/p1" part1_work "${caps[@]}" ||
		check FAIL "part 1: a worker did not run to its end"
	echo "part 1: ${#caps[@]} captures, $loaded distinct outputs loaded ($(($(date +%s) - t0)) s)"
}

# part1_work CAPTURE...: a worker's share (shard.sh), in its own namespace.
part1_work() {
	local c side st seen=" " h kind out i=0
	local ns=$SHARD_NS T=$SHARD_DIR
	for c; do
		shard_mine $((i++)) || continue
		# Each kernel transaction waits out an RCU grace period: the
		# shared captures are loaded once, the samples twice.
		local load=twice
		case $c in "$SHARED"/*) load=once ;; esac
		for side in server client gateway; do
		for st in static helper; do
			local o=(-q --allow-empty --ports 21,2121 --side "$side" --strategy "$st")
			for kind in nft sa.nft chain.nft ipt sa.ipt; do
				out=$T/p1.$kind
				case $kind in
				nft) "$FTPAUDIT" rules "${o[@]}" -F nft "$c" >"$out" ;;
				sa.nft) "$FTPAUDIT" rules "${o[@]}" -F nft --standalone "$c" >"$out" ;;
				chain.nft) "$FTPAUDIT" rules "${o[@]}" -F nft --nft-chain "$c" >"$out" ;;
				ipt|sa.ipt)
					local sa=()
					[ $kind = sa.ipt ] && sa=(--standalone)
					"$FTPAUDIT" rules "${o[@]}" "${sa[@]}" -F iptables "$c" >"$out.4" &&
					"$FTPAUDIT" rules "${o[@]}" "${sa[@]}" -F ip6tables "$c" >"$out.6" &&
					cat "$out.4" "$out.6" >"$out" ;;
				esac
				if [ $? != 0 ]; then
					check FAIL "${c##*/} $side/$st $kind: ftpaudit failed"
					continue
				fi
				# The header names the version and the counts:
				# identical rules load once.
				h=$(grep -v '^#' "$out" | md5sum | cut -c1-16)$kind
				case $seen in *" $h "*) continue ;; esac
				seen="$seen$h "
				loaded=$((loaded + 1))
				case $kind in
				nft|chain.nft) $load "$ns" nft "$out" ;;
				# The standalone forms are checked, not loaded
				# (firewall.sh loads them in the lab).
				sa.nft) nsx "$ns" nft -c -f "$out" ;;
				ipt) $load "$ns" ipt "$out.4" "$out.6" ;;
				sa.ipt)
					nsx "$ns" iptables-restore --test <"$out.4" &&
						nsx "$ns" ip6tables-restore --test <"$out.6" ;;
				esac >"$T/err" 2>&1
				if [ $? = 0 ]; then
					check OK ""
				else
					check FAIL "${c##*/} $side/$st $kind: does not load or not idempotent: $(head -c 300 "$T/err")"
				fi
			done
		done
		done
	done
	return 0
}

# ---- Part 2: the lab ------------------------------------------------------
FAIL_TIMEOUT=2
OK_TIMEOUT=10
PASV_VS=40000-40001
S4=$LAB_SERVER4 S6="[$LAB_SERVER6]"
NAMES=() ARGS=()
add() { NAMES+=("$1"); shift; ARGS+=("$*"); }
add vs4-pasv-get   --disable-epsv "ftp://$S4/pub/small.bin"
add vs4-epsv-get   "ftp://$S4/pub/medium.bin"
add vs4-port-get   -P - --disable-eprt "ftp://$S4/pub/small.bin"
add vs4-eprt-list  -P - "ftp://$S4/pub/"
add vs4-epsv-put   -T @UP@ "ftp://$S4/incoming/@NAME@"
add vs6-epsv-get   -g "ftp://$S6/pub/small.bin"
add vs6-eprt-get   -g -P - "ftp://$S6/pub/hello.txt"
N=${#NAMES[@]}
seq_no=0

run_case() {	# run_case I TIMEOUT
	local a=${ARGS[$1]}
	seq_no=$((seq_no + 1))
	a=${a//@NAME@/u$$-$seq_no.bin}
	a=${a//@UP@/$LAB_DIR/upload.bin}
	# shellcheck disable=SC2086 # ARGS are words by design
	lab_client curl -sS --max-time "$2" -o /dev/null $a 2>/dev/null
}

warm_pasv() {	# warm_pasv RANGE CURLARGS...: until every port was used
	local range=$1 lo hi p seen=" " i q all
	shift
	lo=${range%-*} hi=${range#*-}
	for ((i = 0; i < 40; i++)); do
		p=$(lab_client curl -sS -v --max-time "$OK_TIMEOUT" -o /dev/null "$@" 2>&1 |
			sed -n 's/.*Connecting to .* port \([0-9]*\).*/\1/p' | tail -1)
		[ -n "$p" ] && seen="$seen$p "
		all=1
		for ((q = lo; q <= hi; q++)); do
			case $seen in *" $q "*) ;; *) all=0 ;; esac
		done
		[ $all = 1 ] && return 0
	done
	echo "warning: passive ports seen:$seen (range $range)" >&2
	return 1
}

# The services that are not FTP: TCP 8080 on the server and 8081 on the
# client (both families), UDP echo on 5005 on the server.
services_up() {
	mkdir -p "$LAB_DIR/www" && echo "not ftp" >"$LAB_DIR/www/index.html"
	local ns
	for ns in "$LAB_NS_SERVER" "$LAB_NS_CLIENT"; do
		nsx "$ns" "$PY" -c '
import http.server, socket, sys, os
os.chdir(sys.argv[1])
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
S(("::", int(sys.argv[2])), H).serve_forever()
' "$LAB_DIR/www" $([ "$ns" = "$LAB_NS_SERVER" ] && echo 8080 || echo 8081) \
			>"$LAB_DIR/http-$ns.log" 2>&1 &
		LAB_PIDS+=($!)
	done
	nsx "$LAB_NS_SERVER" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 5005))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"echo " + d, a)
' >"$LAB_DIR/udp.log" 2>&1 &
	LAB_PIDS+=($!)
	lab_poll 250 0.02 _lab_listening "$LAB_NS_SERVER" 8080 &&
		lab_poll 250 0.02 _lab_listening "$LAB_NS_CLIENT" 8081
}

# udp_echo NS HOST: one datagram to HOST:5005 and its answer.
udp_echo() {
	nsx "$1" "$PY" -c '
import socket, sys
h = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in h else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"ping", (h, 5005))
sys.exit(0 if s.recvfrom(2048)[0] == b"echo ping" else 1)
' "$2" 2>/dev/null
}

# not_ftp LABEL: what is not FTP still works, both families, both ways.
not_ftp() {
	local label=$1 fam
	for fam in 4 6; do
		local s c
		if [ $fam = 4 ]; then s=$LAB_SERVER4 c=$LAB_CLIENT4; else s="[$LAB_SERVER6]" c="[$LAB_CLIENT6]"; fi
		if lab_client curl -gsS --max-time 3 -o /dev/null "http://$s:8080/"; then
			check OK ""
		else
			check FAIL "$label: TCP client -> server:8080 (IPv$fam) blocked"
		fi
		if lab_server curl -gsS --max-time 3 -o /dev/null "http://$c:8081/"; then
			check OK ""
		else
			check FAIL "$label: TCP server -> client:8081 (IPv$fam) blocked"
		fi
		if udp_echo "$LAB_NS_CLIENT" "$([ $fam = 4 ] && echo "$LAB_SERVER4" || echo "$LAB_SERVER6")"; then
			check OK ""
		else
			check FAIL "$label: UDP request/response (IPv$fam) blocked"
		fi
		if lab_client ping -$fam -c 1 -W 2 "$([ $fam = 4 ] && echo "$LAB_SERVER4" || echo "$LAB_SERVER6")" >/dev/null; then
			check OK ""
		else
			check FAIL "$label: ping (IPv$fam) blocked"
		fi
	done
}

side_ns() {
	case $1 in
	server) echo "$LAB_NS_SERVER" ;;
	client) echo "$LAB_NS_CLIENT" ;;
	gateway) echo "$LAB_NS_GW" ;;
	esac
}

needs_file() {	# line I: the data rules transfer I used (analyze's firewall)
	"$PY" -c '
import json, sys
n = int(sys.argv[1])
ss = sorted(json.load(sys.stdin)["sessions"], key=lambda s: s["id"])[-n:]
for s in ss:
    print(" ".join(sorted({f["rule"] for f in s["firewall"]
        if f["purpose"] != "control" and f["rule"]})))
' "$N"
}

data_rules() {
	"$PY" -c '
import json, sys
for r in json.load(sys.stdin)["rules"]:
    if r["purpose"] in ("passive-data", "active-data", "helper-related"):
        print(r["id"])
'
}

# load BACKEND NS DIR [RULE]: the default form without RULE.  nft: loaded,
# then RULE deleted by its handle; iptables: reloaded without RULE's line
# (the FTPAUDIT chains are flushed and refilled).
load() {
	local be=$1 ns=$2 dir=$3 drop=${4:-} chain h
	if [ "$be" = nft ]; then
		twice "$ns" nft "$dir/rules.nft" || return 1
		[ -n "$drop" ] || return 0
		read -r chain h < <(nsx "$ns" nft -a list table inet ftpaudit | awk -v c="comment \"$drop " '
			/^\tchain / { chain = $2 }
			index($0, c) { print chain, $NF; exit }')
		[ -n "${h:-}" ] || { echo "no rule $drop" >&2; return 1; }
		nsx "$ns" nft delete rule inet ftpaudit "$chain" handle "$h"
		return
	fi
	twice "$ns" ipt "$dir/rules.ipt4" "$dir/rules.ipt6" || return 1
	[ -n "$drop" ] || return 0
	grep -vF -- "--comment \"$drop " "$dir/rules.ipt4" | nsx "$ns" iptables-restore --noflush &&
		grep -vF -- "--comment \"$drop " "$dir/rules.ipt6" | nsx "$ns" ip6tables-restore --noflush
}

run_all() {	# run_all LABEL DROP NEEDS
	local label=$1 drop=$2 i rc pids=() names=()
	local -a need
	mapfile -t need <"$3"
	for ((i = 0; i < N; i++)); do
		case " ${need[$i]} " in
		*" $drop "*) run_case "$i" "$FAIL_TIMEOUT" & pids+=($!) names+=("$i") ;;
		*) if run_case "$i" "$OK_TIMEOUT"; then
			check OK ""
		   elif rc=$?; run_case "$i" "$OK_TIMEOUT"; then
			echo "note: $label: ${NAMES[$i]} failed once (curl exit $rc), passed when tried again"
			check OK ""
		   else
			check FAIL "$label: ${NAMES[$i]} failed twice (needs: ${need[$i]:-none})"
		   fi ;;
		esac
	done
	for ((i = 0; i < ${#pids[@]}; i++)); do
		if wait "${pids[$i]}"; then
			check FAIL "$label: ${NAMES[${names[$i]}]} succeeded without $drop"
		else
			check OK ""
		fi
	done
}

part2() {
	lab_files && lab_vsftpd --pasv "$PASV_VS" &&
		lab_gen_file "$LAB_DIR/upload.bin" 20000 5 && services_up || return 99
	local CAP=$T/lab.pcap i side st be ns dir label
	lab_capture_start "$LAB_NS_GW" "$LAB_DEV_GW_CLIENT" "$CAP" tcp ||
		return 99
	warm_pasv "$PASV_VS" --disable-epsv "ftp://$S4/pub/hello.txt"
	warm_pasv "$PASV_VS" -g "ftp://$S6/pub/hello.txt"
	for ((i = 0; i < N; i++)); do
		run_case "$i" "$OK_TIMEOUT" || check FAIL "no firewall: ${NAMES[$i]} failed"
	done
	lab_settle
	lab_capture_stop || return 99
	not_ftp "no firewall"
	for side in ${SAFETY_SIDES:-server gateway client}; do
		ns=$(side_ns "$side")
		for st in static helper; do
			dir=$T/$side-$st
			mkdir -p "$dir"
			local o=(-q --ports 21 --side "$side" --strategy "$st")
			"$FTPAUDIT" rules "${o[@]}" -F nft -o "$dir/rules.nft" "$CAP" &&
				"$FTPAUDIT" rules "${o[@]}" -F iptables -o "$dir/rules.ipt4" "$CAP" &&
				"$FTPAUDIT" rules "${o[@]}" -F ip6tables -o "$dir/rules.ipt6" "$CAP" &&
				"$FTPAUDIT" rules "${o[@]}" -F json -o "$dir/rules.json" "$CAP" &&
				"$FTPAUDIT" analyze "${o[@]}" -F json -o "$dir/analyze.json" "$CAP" ||
				{ check FAIL "$side/$st: ftpaudit failed"; continue; }
			needs_file <"$dir/analyze.json" >"$dir/needs" &&
				data_rules <"$dir/rules.json" >"$dir/data" ||
				{ check FAIL "$side/$st: bad JSON"; continue; }
			for be in nft iptables; do
				label="$side/$st/$be"
				if ! load "$be" "$ns" "$dir" 2>"$T/err"; then
					check FAIL "$label: does not load, or loading twice differs: $(head -c 300 "$T/err")"
					continue
				fi
				check OK ""
				not_ftp "$label"
				run_all "$label" "-" "$dir/needs"
				while read -r id; do
					if ! load "$be" "$ns" "$dir" "$id"; then
						check FAIL "$label: cannot remove $id"
						continue
					fi
					run_all "$label without $id" "$id" "$dir/needs"
				done <"$dir/data"
				echo "$label: $passed passed, $failed failed so far ($(($(date +%s) - t0)) s)"
			done
			nsx "$ns" nft flush ruleset
		done
	done
}

# ---- Part 3: bad input ------------------------------------------------------
# bad LABEL ARGS...: exit 1, one line on stderr, nothing on stdout.
bad() {
	local label=$1 rc
	shift
	"$FTPAUDIT" rules "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -s "$T/out" ]; then
		check OK ""
	else
		check FAIL "$label: exit $rc, $(wc -l <"$T/err") lines: $(head -c 300 "$T/err")"
	fi
}

part3() {
	local s="$srcdir/samples" any
	any=$(ls "$s"/*.pcap | head -1)
	# A capture with no FTP: the pcap header alone.
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0' >"$T/empty.pcap"
	bad "no session" -F nft "$T/empty.pcap"
	bad "no session, json" "$T/empty.pcap"
	if "$FTPAUDIT" rules -q --allow-empty -F nft "$T/empty.pcap" >"$T/out" &&
		grep -q '^table inet ftpaudit {$' "$T/out"; then
		check OK ""
	else
		check FAIL "--allow-empty: no rules written"
	fi
	bad "--nft-chain=ip filter x" -F nft "--nft-chain=ip filter x" "$any"
	bad "--nft-chain=foo filter" -F nft "--nft-chain=foo filter" "$any"
	bad "--nft-chain=bridge filter" -F nft "--nft-chain=bridge filter" "$any"
	bad "--nft-chain=inet 1x" -F nft "--nft-chain=inet 1x" "$any"
	bad "--nft-chain with iptables" -F iptables --nft-chain "$any"
	bad "--standalone with json" --standalone "$any"
	bad "--standalone with text" -F text --standalone "$any"
	bad "--standalone and --nft-chain" -F nft --standalone --nft-chain "$any"
	if [ -r "$SHARED/pcaps/zeek/ftp__ftp-many-port-expected.pcap" ]; then
		bad "all evidence excluded" -F nft "$SHARED/pcaps/zeek/ftp__ftp-many-port-expected.pcap"
	fi
	# --nft-chain='ip filter' loads (only the IPv4 rules go there).
	"$FTPAUDIT" rules -q -F nft "--nft-chain=ip filter" "$srcdir"/samples/*.pcap* >"$T/ip.nft" &&
		nsx "$LAB_NS_GW" nft flush ruleset && nsx "$LAB_NS_GW" nft -f "$T/ip.nft" &&
		! grep -q 'ip6 ' "$T/ip.nft"
	if [ $? = 0 ]; then check OK ""; else check FAIL "--nft-chain='ip filter' does not load"; fi
	nsx "$LAB_NS_GW" nft flush ruleset
}

for p in $PARTS; do
	"part$p" || { echo "ERROR: part $p could not run"; exit 99; }
done
echo "$passed passed, $failed failed ($(($(date +%s) - t0)) s)"
[ "$failed" = 0 ]

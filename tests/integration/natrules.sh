#!/bin/bash
# SPDX-License-Identifier: ISC
# natrules.sh: `ftpaudit rules --side gateway` with NAT, proved on real
# kernels.  In the NAT lab (lab.sh, nat_lib.sh) the gateway first runs the
# lab's own NAT (nat_gw, with the helper) while the client transfers in
# every mode, captured with -i any: a masquerade scenario (snat) and a
# port forward (dnat).  Then, for each capture, strategy (static, helper)
# and firewall (nft, iptables), the gateway's ruleset is flushed and only
# ftpaudit's output is loaded (no hand-written NAT), and every transfer
# runs again: PASV, EPSV, PORT, EPRT downloads, PASV and EPRT uploads.
#
# The routes make NAT necessary, as on a real network: in snat the server
# has no route to the client's net (only the masquerade address on its
# link answers), in dnat the client has none to the server's (only the
# public address on its link).  Expected:
#   - every transfer works, but active mode behind masquerade with the
#     static strategy, which cannot (nothing rewrites PORT/EPRT); the
#     output says so (hint nat-active-static);
#   - with nft, removing each NAT rule (N...) or accept rule (R...) but
#     established, in turn, breaks exactly the transfers that need it:
#     control, snat, dnat control and the helper's rules all of them,
#     passive-data and dnat passive-data the passive ones, active-data
#     and dnat active-data the active ones.
# The transfers of one load run at once, so a load costs one timeout.
# A load where a transfer that should work failed, and none that should
# fail worked, runs once more (at most MAX_AGAIN times a run): see again().
#
# Root, netns, nft, iptables-restore, conntrack, vsftpd and curl, else
# SKIP (77).
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
. "$srcdir/tests/integration/lab.sh"
. "$srcdir/tests/integration/nat_lib.sh"

lab_need_root curl nft iptables-restore conntrack "$LAB_VSFTPD_BIN"
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }

RANGE=40000-40001
NAT_TIMEOUT=${NAT_TIMEOUT:-3}
lab_up "nr$$" || exit 99
lab_files || exit 99
lab_vsftpd --pasv "$RANGE" || exit 99
S4=$LAB_SERVER4
PUB=$NAT_PUBLIC
F=/pub/small.bin
UP=$LAB_DIR/up.bin
head -c "$LAB_SIZE_SMALL" /dev/urandom >"$UP"
nfail=0
npass=0
nagain=0
MAX_AGAIN=2
LPORT=41000

fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
pass() { npass=$((npass + 1)); }

# The transfers, by name: passive ones start with p or e(psv).
TRANSFERS="epsv pasv eprt port pasv-up eprt-up"
is_passive() { case $1 in epsv | pasv | pasv-up) return 0 ;; esac; return 1; }

# one_transfer HOST NAME OUT: curl's options for it, then the run.
one_transfer() {
	local host=$1 name=$2 out=$3 lp=$4 o=()
	case $name in
	epsv) o=() ;;
	pasv) o=(--disable-epsv) ;;
	eprt) o=(-P -) ;;
	port) o=(-P - --disable-eprt) ;;
	pasv-up) o=(--disable-epsv -T "$UP") ;;
	eprt-up) o=(-P - -T "$UP") ;;
	esac
	local url="ftp://$host$F"
	case $name in *-up) url="ftp://$host/incoming/$name-$lp.bin" ;; esac
	rm -f "$out"
	lab_client curl -sS -v --max-time "$NAT_TIMEOUT" --local-port "$lp-$((lp + 9))" \
		-o "$out.body" "${o[@]}" "$url" 2>"$out.log"
	local rc=$?
	if [ "$rc" = 0 ] && { [ "${name%-up}" != "$name" ] ||
		[ "$(stat -c %s "$out.body" 2>/dev/null)" = "$LAB_SIZE_SMALL" ]; }; then
		echo ok >"$out"
	else
		echo "fail($rc)" >"$out"
	fi
}

# group HOST NAME...: these transfers at once.
group() {
	local host=$1 n pids=()
	shift
	# Callers run in $( ): the next local ports are kept in a file.
	LPORT=$(cat "$LAB_DIR/lport" 2>/dev/null || echo 41000)
	for n in "$@"; do
		LPORT=$((LPORT + 10))
		[ "$LPORT" -lt 60000 ] || LPORT=41000
		echo "$LPORT" >"$LAB_DIR/lport"
		one_transfer "$host" "$n" "$LAB_DIR/res-$n" "$LPORT" &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# transfers HOST: every transfer, in two groups of at most two passive
# ones (the range has two ports, and vsftpd gives up when both are
# taken); prints "name=ok|fail(rc) ...".
transfers() {
	local host=$1 n line=''
	group "$host" epsv eprt port eprt-up
	group "$host" pasv pasv-up
	for n in $TRANSFERS; do
		line="$line $n=$(cat "$LAB_DIR/res-$n")"
	done
	echo "${line# }"
}

# Routes that make NAT necessary (see the top); restored by routes_all.
routes_all() {
	ip -n "$LAB_NS_CLIENT" route replace default via "$LAB_GW4_CLIENT"
	ip -n "$LAB_NS_SERVER" route replace default via "$LAB_GW4_SERVER"
}
routes_for() {
	routes_all
	if [ "$1" = snat ]; then
		ip -n "$LAB_NS_SERVER" route del default
	else
		ip -n "$LAB_NS_CLIENT" route del default
	fi
}

# No connection of an earlier load is remembered: a new one is judged
# by this load's rules alone.
gw_flush() {
	lab_gw nft flush ruleset
	lab_gw conntrack -F >/dev/null 2>&1 ||
		{ echo "ERROR: conntrack -F failed in the gateway"; exit 99; }
}

# record KIND: the lab's own NAT with the helper, every transfer, captured.
record() {
	local kind=$1 host=$S4 got
	[ "$kind" = dnat ] && host=$PUB
	gw_flush
	routes_for "$kind"
	nat_gw "$kind" --helper --range "$RANGE" || exit 99
	lab_capture_start "$LAB_NS_GW" any "$LAB_DIR/$kind.pcap" "${NAT_TCPDUMP_OPTS[@]}" tcp ||
		exit 99
	got=$(transfers "$host")
	if again "recorded $kind" "$got" "" "$kind" helper; then
		got=$(transfers "$host")
	fi
	# Every port of the range seen, so that the rules open all of it
	# (vsftpd picks one at random per transfer).
	for i in 1 2 3 4 5 6 7 8; do
		[ "$(ports_seen "$kind")" = "$RANGE" ] && break
		group "$host" pasv
	done
	lab_settle 5 || true
	lab_capture_stop "$LAB_CAPTURE_PID"
	echo "recorded $kind (lab NAT, helper): $got"
	case $got in *fail*)
		grep -h "^[<>]\|curl:" "$LAB_DIR"/res-*-up.log
		echo "ERROR: the lab's own NAT failed a transfer"; exit 99 ;;
	esac
}

# ports_seen KIND: the passive ports the capture so far shows, LO-HI.
ports_seen() {
	"$FTPAUDIT" analyze -q -F json "$LAB_DIR/$1.pcap" 2>/dev/null |
		"$LAB_PYTHON" -c '
import json, sys
p = set()
for s in json.load(sys.stdin).get("sessions", []):
    for t in s.get("transfers", []):
        if t["mode"] == "passive" and t.get("connection"):
            p.add(t["connection"]["server"]["port"])
print("%d-%d" % (min(p), max(p)) if p else "")'
}

# load FW FILE: flush, then ftpaudit's output alone (iptables: its jumps too).
load() {
	local fw=$1 file=$2 line
	gw_flush
	if [ "$fw" = nft ]; then
		lab_gw nft -f "$file" || return 1
		return 0
	fi
	lab_gw iptables-restore --noflush "$file" || return 1
	sed -n 's/^#   \(iptables .*\)$/\1/p' "$file" | while IFS= read -r line; do
		lab_gw sh -c "$line" || exit 1
	done
}

# expected KIND STRATEGY NAME: ok or fail for the full output.
expected() {
	if [ "$1" = snat ] && [ "$2" = static ] && ! is_passive "$3"; then
		echo fail
	else
		echo ok
	fi
}

# wanted KIND STRATEGY NAME BROKEN-NAMES: ok or fail, with the transfers
# named in BROKEN failing.
wanted() {
	case " $4 " in *" $3 "*) echo fail; return ;; esac
	expected "$1" "$2" "$3"
}

# outcome NAME GOT: ok or fail, from transfers' line.
outcome() { echo " $2 " | sed -n "s/.* $1=\([a-z]*\).*/\1/p"; }

# check WHAT GOT [BROKEN-NAMES]: each transfer's outcome against the full
# output's expectation, with the transfers named in BROKEN failing.
check() {
	local what=$1 got=$2 broken=$3 kind=$4 strat=$5 n want have
	for n in $TRANSFERS; do
		want=$(wanted "$kind" "$strat" "$n" "$broken")
		have=$(outcome "$n" "$got")
		if [ "$have" = "$want" ]; then
			pass
		else
			fail "$what: $n: $have, expected $want ($got)"
			last_replies "$n" | sed 's/^/    /'
		fi
	done
}

# last_replies NAME: the server's last replies and curl's error, from the
# transfer's curl -v log.
last_replies() {
	grep -h '^< [1-5][0-9][0-9]\|^curl:' "$LAB_DIR/res-$1.log" | tail -n 4
}

# again WHAT GOT BROKEN KIND STRATEGY: whether to run the load once more.
# Yes when a transfer that should work failed and none that should fail
# worked, at most MAX_AGAIN times a run: a firewall that lets through what
# it should not is never given a second chance, and rules that do not let
# a transfer through fail it both times, but one real transfer among the
# 170 or so of a run, lost to the lab, does not fail the test.  One such
# loss is known: vsftpd draws nine random ports of the range for a
# passive listener (vsf_privop_pasv_listen) and answers the PASV "500
# OOPS: vsf_sysutil_bind" (curl: 13) when none is free; with two ports
# and the group's other passive transfer on one, once in 512.  The first
# try's replies stay in the log.
again() {
	local what=$1 got=$2 broken=$3 kind=$4 strat=$5 n want short=0
	for n in $TRANSFERS; do
		want=$(wanted "$kind" "$strat" "$n" "$broken")
		[ "$(outcome "$n" "$got")" = "$want" ] && continue
		[ "$want" = ok ] || return 1
		short=1
	done
	[ "$short" = 1 ] && [ "$nagain" -lt "$MAX_AGAIN" ] || return 1
	nagain=$((nagain + 1))
	echo "$what: $got: once more"
	for n in $TRANSFERS; do
		case " $got " in *" $n=fail"*)
			last_replies "$n" | sed "s/^/    $n: /" ;;
		esac
	done
	return 0
}

# judge WHAT BROKEN KIND STRATEGY: every transfer through the rules
# loaded, once more if again() says so, checked.
judge() {
	local got
	got=$(transfers "$host")
	if again "$1" "$got" "$2" "$3" "$4"; then
		got=$(transfers "$host")
	fi
	echo "$1: $got"
	check "$1" "$got" "$2" "$3" "$4"
}

# The transfers that removing the rule with this comment breaks.
breaks() {
	local c=$1 n out=''
	case $c in
	*passive-data*)
		for n in $TRANSFERS; do is_passive "$n" && out="$out $n"; done ;;
	*active-data*)
		for n in $TRANSFERS; do is_passive "$n" || out="$out $n"; done ;;
	*) out=$TRANSFERS ;;
	esac
	echo "$out"
}

record snat
record dnat

for kind in snat dnat; do
	host=$S4
	[ "$kind" = dnat ] && host=$PUB
	routes_for "$kind"
	for strat in static helper; do
		args=(--side gateway --strategy "$strat")
		out=$LAB_DIR/$kind-$strat
		"$FTPAUDIT" rules "${args[@]}" -F nft "$LAB_DIR/$kind.pcap" >"$out.nft" ||
			{ fail "$kind $strat: rules -F nft"; continue; }
		"$FTPAUDIT" rules "${args[@]}" -F iptables "$LAB_DIR/$kind.pcap" >"$out.v4" ||
			{ fail "$kind $strat: rules -F iptables"; continue; }
		# The NAT part is there, and says what it cannot do.
		grep -q 'comment "N1 ' "$out.nft" || fail "$kind $strat: no NAT rule"
		grep -q '^\*nat$' "$out.v4" || fail "$kind $strat: no *nat"
		grep -q 'IPv6 stays without NAT' "$out.nft" || fail "$kind $strat: no IPv6 note"
		if [ "$kind" = snat ] && [ "$strat" = static ]; then
			grep -q '^# hint nat-active-static' "$out.nft" ||
				fail "snat static: no nat-active-static hint"
		fi
		if [ "$strat" = helper ]; then
			grep -q 'ct helper set "ftpaudit-ftp"' "$out.nft" ||
				fail "$kind helper: no helper assignment"
			grep -q -- '-j CT --helper ftp' "$out.v4" ||
				fail "$kind helper: no raw CT --helper ftp"
		fi
		for fw in nft iptables; do
			f=$out.nft
			[ "$fw" = iptables ] && f=$out.v4
			load "$fw" "$f" || { fail "$kind $strat $fw: load refused"; continue; }
			# Idempotent: a second load changes nothing.
			load "$fw" "$f" || fail "$kind $strat $fw: second load refused"
			judge "$kind $strat $fw" "" "$kind" "$strat"
		done
		# Each NAT or accept rule removed in turn (nft).
		grep -o 'accept comment "R[0-9]* [a-z-]*"\|comment "N[0-9]* [a-z -]*"\|comment "R[0-9]* helper-assign"' "$out.nft" |
			sed 's/^accept //' | grep -v established | sort -u >"$out.list"
		while IFS= read -r c; do
			grep -vF "$c" "$out.nft" >"$out.cut"
			load nft "$out.cut" || { fail "$kind $strat: load without $c"; continue; }
			judge "$kind $strat without ${c#comment }" "$(breaks "$c")" \
				"$kind" "$strat"
		done <"$out.list"
	done
done
routes_all
echo "natrules: $npass passed, $nfail failed, $nagain loads run once more"
[ "$nfail" = 0 ]

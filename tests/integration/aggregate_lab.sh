#!/bin/bash
# SPDX-License-Identifier: ISC
# aggregate_lab.sh: the aggregated rules, named sets included, proved by a
# real firewall.  In network namespaces (lab.sh): the client gets more
# addresses, .2, .7 and .9 (fd20:1::2, ::7, ::9), and curl downloads from
# vsftpd from each, passive and active (IPv4), EPSV (IPv6), while the
# server's side is captured.  Then on the server, for each --aggregate:
#  - exact (the default): the nft --standalone output, whose client lists
#    are named sets (three addresses, not one prefix), is loaded: every
#    transfer from the addresses seen passes; from .5 and ::5, between
#    them but never seen, the control connection is dropped;
#  - /24,/64: the widened rules let .5 and ::5 through as well;
#  - none, and the iptables-restore input of exact: the addresses seen
#    pass, .5 does not.
# Root, netns, nft, iptables-restore, vsftpd and curl, else SKIP (77).
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
. "$srcdir/tests/integration/lab.sh"

lab_need_root curl nft iptables-restore ip6tables-restore "$LAB_VSFTPD_BIN"
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
passed=0 failed=0
check() {	# check OK|FAIL MESSAGE
	if [ "$1" = OK ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $2"
	fi
}

lab_up "ag$$" || exit 99
lab_files || exit 99
# One passive port: the rule opens the ports seen, and a second one,
# picked at random, might not be among them.
lab_vsftpd --pasv 40000-40000 || exit 99
NET4=${LAB_CLIENT4%.*} NET6=${LAB_CLIENT6%::*}
SEEN4="$NET4.2 $NET4.7 $NET4.9" SEEN6="$NET6::2 $NET6::7 $NET6::9"
for a in 7 9 5; do
	ip -n "$LAB_NS_CLIENT" addr add "$NET4.$a/24" dev "$LAB_DEV_CLIENT" &&
	ip -n "$LAB_NS_CLIENT" addr add "$NET6::$a/64" dev "$LAB_DEV_CLIENT" nodad ||
		exit 99
done
URL4="ftp://$LAB_SERVER4/pub/small.bin" URL6="ftp://[$LAB_SERVER6]/pub/small.bin"

# xfer MODE ADDR TIMEOUT: one download from ADDR; curl's status.
xfer() {
	case $1 in
	pasv) lab_client curl -sS --max-time "$3" --interface "$2" -o /dev/null "$URL4" ;;
	port) lab_client curl -sS --max-time "$3" --interface "$2" -P "$2" -o /dev/null "$URL4" ;;
	epsv) lab_client curl -sS --max-time "$3" --interface "$2" -o /dev/null "$URL6" ;;
	esac 2>/dev/null
}

lab_capture_start "$LAB_NS_SERVER" "$LAB_DEV_SERVER" "$LAB_DIR/agg.pcap" tcp || exit 99
for a in $SEEN4; do
	xfer pasv "$a" 10 || { echo "ERROR: capture: pasv from $a failed"; exit 99; }
	xfer port "$a" 10 || { echo "ERROR: capture: port from $a failed"; exit 99; }
done
for a in $SEEN6; do
	xfer epsv "$a" 10 || { echo "ERROR: capture: epsv from $a failed"; exit 99; }
done
lab_settle
lab_capture_stop

R="$FTPAUDIT rules -q --side server --standalone"
$R -F nft "$LAB_DIR/agg.pcap" > "$LAB_DIR/exact.nft" &&
$R -F nft --aggregate=/24,/64 "$LAB_DIR/agg.pcap" > "$LAB_DIR/wide.nft" &&
$R -F nft --aggregate=none "$LAB_DIR/agg.pcap" > "$LAB_DIR/none.nft" &&
$R -F iptables "$LAB_DIR/agg.pcap" > "$LAB_DIR/exact.ipt" &&
$R -F ip6tables "$LAB_DIR/agg.pcap" > "$LAB_DIR/exact.ip6t" ||
	{ echo "ERROR: ftpaudit rules failed"; exit 99; }
grep -q '^	set R[0-9]*_peers {$' "$LAB_DIR/exact.nft" &&
	grep -q 'type ipv6_addr; flags interval' "$LAB_DIR/exact.nft" &&
	grep -q 'ip saddr @R[0-9]*_peers ' "$LAB_DIR/exact.nft" &&
	grep -q 'ip6 saddr @R[0-9]*_peers ' "$LAB_DIR/exact.nft"
[ $? = 0 ] && check OK || check FAIL "exact.nft has no named sets: $(grep -v '^#' "$LAB_DIR/exact.nft" | head -20)"

# expect LABEL: the seen addresses pass every mode; the unseen one passes
# only when $UNSEEN is pass.
expect() {
	local a m
	for a in $SEEN4; do
		for m in pasv port; do
			xfer $m "$a" 10 && check OK || check FAIL "$1: $m from $a dropped"
		done
	done
	for a in $SEEN6; do
		xfer epsv "$a" 10 && check OK || check FAIL "$1: epsv from $a dropped"
	done
	if [ "$UNSEEN" = pass ]; then
		xfer pasv "$NET4.5" 10 && check OK || check FAIL "$1: pasv from $NET4.5 dropped"
		xfer epsv "$NET6::5" 10 && check OK || check FAIL "$1: epsv from $NET6::5 dropped"
	else
		xfer pasv "$NET4.5" 2 && check FAIL "$1: $NET4.5, never seen, passed" || check OK
		xfer epsv "$NET6::5" 2 && check FAIL "$1: $NET6::5, never seen, passed" || check OK
	fi
}

# load_nft FILE: on an empty ruleset in the server's namespace.
load_nft() {
	lab_server nft flush ruleset && lab_server nft -f "$1"
}

load_nft "$LAB_DIR/exact.nft" && check OK || check FAIL "exact.nft does not load"
lab_server nft list sets | grep -q 'elements = {' && check OK ||
	check FAIL "no set elements in the kernel"
UNSEEN=drop expect exact

load_nft "$LAB_DIR/wide.nft" && check OK || check FAIL "wide.nft does not load"
UNSEEN=pass expect /24,/64

load_nft "$LAB_DIR/none.nft" && check OK || check FAIL "none.nft does not load"
UNSEEN=drop expect none

lab_server nft flush ruleset
lab_server iptables-restore < "$LAB_DIR/exact.ipt" &&
	lab_server ip6tables-restore < "$LAB_DIR/exact.ip6t" && check OK ||
	check FAIL "the iptables input does not load"
UNSEEN=drop expect iptables

echo "aggregate_lab: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

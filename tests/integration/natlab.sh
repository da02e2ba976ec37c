#!/bin/bash
# SPDX-License-Identifier: ISC
# natlab.sh: FTP through NAT with real kernels, servers and clients, and
# what ftpaudit makes of the captures.  In network namespaces (lab.sh,
# nat_lib.sh) the gateway masquerades the client (snat) or forwards its
# address $NAT_PUBLIC's port 21 and a 2-port passive range to the server
# (dnat), with and without the kernel's FTP helper (nf_nat_ftp); vsftpd runs
# with and without pasv_address; curl transfers in every mode, passive also
# with --no-ftp-skip-pasv-ip (a client that trusts the 227 address).
#
# Each scenario is captured on the gateway three ways: -i any (SLL2, both
# sides of every translation), the client-side veth and the server-side
# veth.  Whether a transfer works is the kernel's business: the test
# records it (never assumes it), prints the table, and checks ftpaudit's
# analysis against it (natlab_check.py):
#   - the diagnosis (nat_active_unrewritten, nat_passive_private,
#     nat_passive_range_not_forwarded, nat_helper_port) appears with its
#     fix exactly in the failing scenarios (nat_passive_private also where
#     curl's default hid it: it ignores the 227 address);
#   - from -i any, and from the two one-sided captures given together,
#     one session per client connection, paired, with the right kind,
#     inside/outside endpoints and payload_rewritten;
#   - from each one-sided capture, today's signals and their fix.
#
# Root, netns, nft, vsftpd and curl, else SKIP (77).  Environment: FTPAUDIT,
# srcdir; NATLAB_KEEP=DIR copies the captures and reports to DIR.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
. "$srcdir/tests/integration/lab.sh"
. "$srcdir/tests/integration/nat_lib.sh"

lab_need_root curl nft "$LAB_VSFTPD_BIN"
[ -x "$LAB_PYTHON" ] || lab_skip "missing $LAB_PYTHON"
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }

RANGE=40000-40001
lab_up "nl$$" || exit 99
lab_files || exit 99
RES=$LAB_DIR/results
CAPS=$LAB_DIR/caps
mkdir -p "$CAPS"
: >"$RES"
S4=$LAB_SERVER4
PUB=$NAT_PUBLIC
F=/pub/small.bin

vsftpd_plain() {
	lab_vsftpd_stop
	lab_vsftpd --pasv "$RANGE" || exit 99
}
vsftpd_pasv_address() {
	lab_vsftpd_stop
	# IPv4 only: with listen_ipv6=YES, vsftpd 3.0.3 announces 0,0,0,0
	# in place of pasv_address.
	lab_vsftpd --pasv "$RANGE" --conf-extra "pasv_address=$PUB" \
		--conf-extra listen=YES --conf-extra listen_ipv6=NO || exit 99
}

# scenario NAME: captures for the transfers that follow, until done.
scenario() {
	CUR=$1
	echo "# scenario $CUR" >>"$RES"
	nat_capture_start "$CAPS" "$CUR" || exit 99
}
done_scenario() {
	nat_capture_stop || { echo "ERROR: capture of $CUR lost packets"; exit 99; }
}
# run TAG LPORT URL CURL-OPTIONS...
run() { nat_curl "$RES" "$CUR:$1" "$2" "$3" "${@:4}"; }

# The client behind masquerade; the server on its own address.
vsftpd_plain
for helper in 0 1; do
	h=(); [ "$helper" = 1 ] && h=(--helper)
	nat_gw snat "${h[@]}" || exit 99
	scenario "snat-h$helper"
	run epsv "3${helper}010" "ftp://$S4$F"
	run pasv "3${helper}020" "ftp://$S4$F" --disable-epsv
	run eprt "3${helper}030" "ftp://$S4$F" -P -
	run port "3${helper}040" "ftp://$S4$F" -P - --disable-eprt
	# IPv6 is routed, not translated, in the same captures.
	run epsv6 "3${helper}050" "ftp://[$LAB_SERVER6]$F" -g
	done_scenario
done

# The server behind a port forward of 21 and the passive range.
for pa in 0 1; do
	if [ "$pa" = 1 ]; then vsftpd_pasv_address; else vsftpd_plain; fi
	for helper in 0 1; do
		h=(); [ "$helper" = 1 ] && h=(--helper)
		nat_gw dnat "${h[@]}" --range "$RANGE" || exit 99
		scenario "dnat-pa$pa-h$helper"
		b="3$((2 + pa))${helper}"
		run pasv "${b}10" "ftp://$PUB$F" --disable-epsv
		run pasv-trust "${b}20" "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
		run epsv "${b}30" "ftp://$PUB$F"
		run port "${b}40" "ftp://$PUB$F" -P - --disable-eprt
		done_scenario
	done
done

# Both at once: the client behind masquerade dials the port forward; the
# helper rewrites each negotiation to the address its reader sees.
vsftpd_plain
nat_gw both --helper --range "$RANGE" || exit 99
scenario both-h1
run pasv 36110 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
run epsv 36120 "ftp://$PUB$F"
run port 36130 "ftp://$PUB$F" -P - --disable-eprt
run eprt 36140 "ftp://$PUB$F" -P -
done_scenario

# The passive range not forwarded: the announcement is right (pasv_address).
vsftpd_pasv_address
nat_gw dnat --range "$RANGE" --no-range || exit 99
scenario dnat-norange
run pasv-trust 34010 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
run epsv 34020 "ftp://$PUB$F"
done_scenario

# The helper assigned to port 21 only, a second server on 2121.
vsftpd_plain
PID21=$LAB_VSFTPD_PID
lab_vsftpd --pasv "$RANGE" --port 2121 || exit 99
nat_gw snat --helper --helper-ports 21 || exit 99
scenario snat-helperport
run port21 35010 "ftp://$S4$F" -P - --disable-eprt
run port2121 35020 "ftp://$S4:2121$F" -P - --disable-eprt
run eprt2121 35030 "ftp://$S4:2121$F" -P -
run pasv2121 35040 "ftp://$S4:2121$F" --disable-epsv
done_scenario
lab_vsftpd_stop
lab_kill "$PID21"

echo "transfers as the kernel decided:"
grep -v '^#' "$RES" | sed 's/^/  /'

"$LAB_PYTHON" "$srcdir/tests/integration/natlab_check.py" "$FTPAUDIT" "$RES" "$CAPS" \
	"$LAB_CLIENT4" "$PUB" "$LAB_GW4_SERVER" "$S4"
rc=$?
if [ -n "${NATLAB_KEEP:-}" ]; then
	mkdir -p "$NATLAB_KEEP" && cp "$RES" "$CAPS"/* "$NATLAB_KEEP"/
fi
exit $rc

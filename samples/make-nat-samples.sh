#!/bin/bash
# SPDX-License-Identifier: ISC
# Regenerate the NAT samples: samples/nat-*.pcap and their .expect.json.
# Run as root:
#
#   samples/make-nat-samples.sh            # every NAT sample
#   samples/make-nat-samples.sh NAME...    # only these
#   SAMPLES_OUT=/tmp/x samples/make-nat-samples.sh
#
# The lab of tests/integration/natlab.sh (lab.sh + nat_lib.sh): the client
# behind the gateway's masquerade (snat), or the server behind its port
# forward of $NAT_PUBLIC (dnat), with or without the kernel's FTP helper;
# vsftpd with or without pasv_address.  Each sample is one tcpdump -i any
# on the gateway (link type SLL2): both sides of every translation.
#
# The expectations are written from what this script KNOWS (the scenario,
# the commands curl sends and vsftpd's replies, the files, the diagnosis
# the scenario deserves); samples/nat_expect.py checks them against
# tshark on both sides of each connection and takes from tshark what only
# the capture can tell (ports, which connections are the two sides of one).
set -eu -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=SCRIPTDIR/../tests/integration/lab.sh
. "$ROOT/tests/integration/lab.sh"
# shellcheck source=SCRIPTDIR/../tests/integration/nat_lib.sh
. "$ROOT/tests/integration/nat_lib.sh"
lab_need_root curl nft tshark "$LAB_VSFTPD_BIN"

PY=$LAB_PYTHON
OUT=${SAMPLES_OUT:-$HERE}
ONLY=" $* "
RANGE=40000-40001

lab_up "mn$$"
lab_files
WORK=$LAB_DIR/work
mkdir -p "$WORK"
want() { [ "$ONLY" = "  " ] || [[ $ONLY == *" $1 "* ]]; }

VS21=
vsftpd_restart() {	# [pasv_address]
	[ -n "$VS21" ] && { lab_kill "$VS21"; _lab_forget_pid "$VS21"; }
	lab_poll 100 0.02 _lab_not_listening "$LAB_NS_SERVER" 21 || true
	if [ $# -gt 0 ]; then
		lab_vsftpd --pasv "$RANGE" --conf-extra "pasv_address=$1" \
			--conf-extra listen=YES --conf-extra listen_ipv6=NO
	else
		lab_vsftpd --pasv "$RANGE"
	fi
	VS21=$LAB_VSFTPD_PID
}

CUR=
begin() {
	CUR=$1
	echo "== $CUR" >&2
	rm -f "$WORK/dl"
	lab_capture_start "$LAB_NS_GW" any "$WORK/$CUR.pcap" "${NAT_TCPDUMP_OPTS[@]}" tcp
}

finish() {
	lab_settle 10 || { echo "connections still open" >&2; exit 1; }
	lab_capture_stop
	"$PY" "$HERE/nat_expect.py" "$WORK/$CUR.pcap" "$WORK/$CUR.spec.json" "$WORK/$CUR.expect.json"
	cp "$WORK/$CUR.pcap" "$OUT/$CUR.pcap"
	cp "$WORK/$CUR.expect.json" "$OUT/$CUR.expect.json"
	echo "   $CUR.pcap: $(stat -c %s "$WORK/$CUR.pcap") bytes" >&2
}

# spec KIND DESCRIPTION SESSIONS-JSON
spec() {
	cat >"$WORK/$CUR.spec.json" <<EOF
{"sample":"$CUR","kind":"$1","description":"$2",
 "client":"$LAB_CLIENT4","server":"$LAB_SERVER4","public":"$NAT_PUBLIC","gw_out":"$LAB_GW4_SERVER",
 "sessions":[$3]}
EOF
}

# curl LPORT URL OPTIONS...: control connection from LPORT, data from the
# next nine ports; the exit status is the scenario's business.
ncurl() {
	local lport=$1 url=$2
	shift 2
	lab_client curl -s --max-time 5 --connect-timeout 2 \
		--local-port "$lport-$((lport + 9))" -o "$WORK/dl" "$@" "$url" || true
}

V_LOGIN='["USER",230],["PWD",257],["CWD",250]'
DL='"command":"RETR","direction":"download","path":"small.bin","bytes":1000'
S4=$LAB_SERVER4
PUB=$NAT_PUBLIC
F=/pub/small.bin

vsftpd_restart

if want nat-snat-port-unrewritten; then
	nat_gw snat
	begin nat-snat-port-unrewritten
	ncurl 36010 "ftp://$S4$F" -P - --disable-eprt
	spec snat "client behind masquerade, no FTP helper on the gateway: curl -P - --disable-eprt sends PORT with its inside address, vsftpd refuses it (500)" \
		"{\"lport\":36010,\"server_port\":21,\"user\":\"anonymous\",\"login\":\"success\",
		  \"commands\":[$V_LOGIN,[\"PORT\",500],[\"QUIT\",221]],\"transfers\":[],
		  \"nat_anomalies\":[\"nat_active_unrewritten\"]}"
	finish
fi

if want nat-snat-helper-eprt; then
	nat_gw snat --helper
	begin nat-snat-helper-eprt
	ncurl 36020 "ftp://$S4$F" -P -
	[ "$(stat -c %s "$WORK/dl")" = "$LAB_SIZE_SMALL" ]
	spec snat "client behind masquerade, the gateway's FTP helper rewrites EPRT to the gateway's address: curl -P - downloads small.bin (1000 bytes)" \
		"{\"lport\":36020,\"server_port\":21,\"user\":\"anonymous\",\"login\":\"success\",
		  \"commands\":[$V_LOGIN,[\"EPRT\",200],[\"TYPE\",200],[\"SIZE\",213],[\"RETR\",226],[\"QUIT\",221]],
		  \"transfers\":[{\"mode\":\"active\",\"negotiation\":\"EPRT\",$DL}],
		  \"nat_anomalies\":[]}"
	finish
fi

if want nat-dnat-pasv-private; then
	nat_gw dnat --range "$RANGE"
	begin nat-dnat-pasv-private
	ncurl 36030 "ftp://$PUB$F" --disable-epsv
	[ "$(stat -c %s "$WORK/dl")" = "$LAB_SIZE_SMALL" ]
	ncurl 36040 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
	spec dnat "server behind a port forward, vsftpd without pasv_address, no helper: its 227 names its inside address; curl (which ignores it) downloads small.bin, curl --no-ftp-skip-pasv-ip (which trusts it) gets no answer" \
		"{\"lport\":36030,\"server_port\":21,\"user\":\"anonymous\",\"login\":\"success\",
		  \"commands\":[$V_LOGIN,[\"PASV\",227],[\"TYPE\",200],[\"SIZE\",213],[\"RETR\",226],[\"QUIT\",221]],
		  \"transfers\":[{\"mode\":\"passive\",\"negotiation\":\"PASV\",$DL}],
		  \"nat_anomalies\":[\"nat_passive_private\"]},
		 {\"lport\":36040,\"server_port\":21,\"user\":\"anonymous\",\"login\":\"success\",
		  \"commands\":[$V_LOGIN,[\"PASV\",227]],\"transfers\":[],
		  \"nat_anomalies\":[\"nat_passive_private\"]}"
	finish
fi

if want nat-dnat-range-not-forwarded; then
	vsftpd_restart "$PUB"
	nat_gw dnat --range "$RANGE" --no-range
	begin nat-dnat-range-not-forwarded
	ncurl 36050 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
	spec dnat "server behind a port forward of port 21 only, vsftpd with pasv_address: the 227 is right, the gateway resets the data connection" \
		"{\"lport\":36050,\"server_port\":21,\"user\":\"anonymous\",\"login\":\"success\",
		  \"commands\":[$V_LOGIN,[\"PASV\",227]],\"transfers\":[],
		  \"nat_anomalies\":[\"nat_passive_range_not_forwarded\"]}"
	finish
	vsftpd_restart
fi

if want nat-dnat-helper-pasv-address; then
	vsftpd_restart "$PUB"
	nat_gw dnat --helper --range "$RANGE" --no-range
	begin nat-dnat-helper-pasv-address
	ncurl 36080 "ftp://$PUB$F"
	[ "$(stat -c %s "$WORK/dl")" = "$LAB_SIZE_SMALL" ]
	ncurl 36090 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
	spec dnat "server behind a port forward of port 21 only with the gateway's FTP helper, vsftpd with pasv_address: EPSV names no address and the helper expects its data (works); the 227 names the public address, not the server's own, so the helper expects nothing and the gateway resets the PASV data connection" \
		"{\"lport\":36080,\"server_port\":21,\"user\":\"anonymous\",\"login\":\"success\",
		  \"commands\":[$V_LOGIN,[\"EPSV\",229],[\"TYPE\",200],[\"SIZE\",213],[\"RETR\",226],[\"QUIT\",221]],
		  \"transfers\":[{\"mode\":\"passive\",\"negotiation\":\"EPSV\",$DL}],
		  \"nat_anomalies\":[]},
		 {\"lport\":36090,\"server_port\":21,\"user\":\"anonymous\",\"login\":\"success\",
		  \"commands\":[$V_LOGIN,[\"PASV\",227]],\"transfers\":[],
		  \"nat_anomalies\":[\"nat_passive_range_not_forwarded\"]}"
	finish
	vsftpd_restart
fi

if want nat-helper-port; then
	lab_vsftpd --pasv "$RANGE" --port 2121
	VS2121=$LAB_VSFTPD_PID
	nat_gw snat --helper --helper-ports 21
	begin nat-helper-port
	ncurl 36060 "ftp://$S4$F" -P - --disable-eprt
	[ "$(stat -c %s "$WORK/dl")" = "$LAB_SIZE_SMALL" ]
	ncurl 36070 "ftp://$S4:2121$F" -P - --disable-eprt
	spec snat "client behind masquerade, the gateway's FTP helper assigned to port 21 only: PORT to vsftpd on 21 is rewritten and works, PORT to vsftpd on 2121 crosses unrewritten and is refused (500)" \
		"{\"lport\":36060,\"server_port\":21,\"user\":\"anonymous\",\"login\":\"success\",
		  \"commands\":[$V_LOGIN,[\"PORT\",200],[\"TYPE\",200],[\"SIZE\",213],[\"RETR\",226],[\"QUIT\",221]],
		  \"transfers\":[{\"mode\":\"active\",\"negotiation\":\"PORT\",$DL}],
		  \"nat_anomalies\":[]},
		 {\"lport\":36070,\"server_port\":2121,\"user\":\"anonymous\",\"login\":\"success\",
		  \"commands\":[$V_LOGIN,[\"PORT\",500],[\"QUIT\",221]],\"transfers\":[],
		  \"nat_anomalies\":[\"nat_helper_port\"]}"
	finish
	lab_kill "$VS2121"
fi

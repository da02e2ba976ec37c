#!/bin/bash
# SPDX-License-Identifier: ISC
# Regenerate the lab sample captures in samples/ and their .expect.json files,
# then the crafted ones (craft.py).  Run as root:
#
#   samples/make-samples.sh            # everything
#   samples/make-samples.sh NAME...    # only these lab samples (+ crafted)
#   NO_CRAFT=1 samples/make-samples.sh # lab samples only
#
# Real servers (vsftpd, pyftpdlib) and clients (curl, lftp, Python ftplib)
# run in three network namespaces built by tests/integration/lab.sh; each
# scenario is captured on the server's veth inside the server namespace
# (capture filter "tcp", except vsftpd-mixed which keeps everything).
#
# The expectations are written from what this script KNOWS: the commands each
# client sends and the replies the server gives (written out by hand below,
# per scenario), the files and their sizes.  samples/pcap_expect.py checks
# that the capture says the same, both through tshark's FTP dissector and by
# reassembling the raw TCP payload, and fills in what only the capture can
# tell (ephemeral ports, which TCP connection carried each transfer, the size
# of a listing).  A mismatch stops the script: no expectation is guessed.
set -eu -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=SCRIPTDIR/../tests/integration/lab.sh
. "$ROOT/tests/integration/lab.sh"
lab_need_root curl lftp tshark timeout openssl "$LAB_VSFTPD_BIN"
lab_need_python_module pyftpdlib scapy

PY=$LAB_PYTHON
OUT=${SAMPLES_OUT:-$HERE} # where the samples go
ONLY=" $* "
NAT_ADDR=198.51.100.21 # what pyftpdlib -n announces; nobody has it

lab_up "ms$$"
lab_files
WORK=$LAB_DIR/work
mkdir -p "$WORK"

want() { [ "$ONLY" = "  " ] || [[ $ONLY == *" $1 "* ]]; }

# begin NAME [FILTER...]: fresh server files, capture on the server veth
# (default filter "tcp"; "-" for no filter).
CUR=
begin() {
	CUR=$1
	shift
	echo "== $CUR" >&2
	lab_files >/dev/null
	rm -f "$WORK/dl" "$WORK/list"
	[ $# -gt 0 ] || set -- tcp
	[ "$1" != - ] || set --
	lab_capture_start "$LAB_NS_SERVER" "$LAB_DEV_SERVER" "$WORK/$CUR.pcap" "$@"
}

# finish: stop the capture, check it, derive + check the expectation from
# $WORK/$CUR.spec.json (written by the scenario), install pcap + json.
finish() {
	lab_settle 10 || { echo "connections still open" >&2; exit 1; }
	lab_capture_stop
	local pcap="$WORK/$CUR.pcap" n
	# Offloads really off: no frame beyond the 1500-byte MTU (+14 Ethernet).
	n=$(tshark -n -r "$pcap" -Y 'frame.len > 1514' -T fields -e frame.number 2>/dev/null | wc -l)
	[ "$n" = 0 ] || { echo "$CUR: $n frames longer than the MTU" >&2; exit 1; }
	n=$(tshark -n -r "$pcap" -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status == 0' \
		-T fields -e frame.number 2>/dev/null | wc -l)
	[ "$n" = 0 ] || { echo "$CUR: $n bad TCP checksums" >&2; exit 1; }
	n=$(stat -c %s "$pcap")
	[ "$n" -le 220000 ] || { echo "$CUR: capture is $n bytes" >&2; exit 1; }
	"$PY" "$HERE/pcap_expect.py" "$pcap" "$WORK/$CUR.spec.json" "$WORK/$CUR.expect.json"
	cp "$pcap" "$OUT/$CUR.pcap"
	cp "$WORK/$CUR.expect.json" "$OUT/$CUR.expect.json"
	echo "   $CUR.pcap: $(capinfos -c -M "$pcap" | awk -F': *' '/Number of packets/{print $2}') packets, $n bytes" >&2
}

spec() { cat >"$WORK/$CUR.spec.json"; }

# count FILTER: number of frames of the current capture matching FILTER.
count() {
	tshark -n -r "$WORK/$CUR.pcap" -d tcp.port==2121,ftp -d tcp.port==2122,ftp -Y "$1" \
		-T fields -e frame.number 2>/dev/null | wc -l
}
assert_count() { # FILTER OP N MESSAGE
	local n
	n=$(count "$1")
	if ! test "$n" "$2" "$3"; then
		echo "$CUR: $4 ($1: $n)" >&2
		exit 1
	fi
}

CURL=(lab_client curl --max-time 10 -sS)
S4=$LAB_SERVER4
S6="[$LAB_SERVER6]"
SMALL=$LAB_SIZE_SMALL
MEDIUM=$LAB_SIZE_MEDIUM
UPFILE="$WORK/upload.bin"
cp "$LAB_FTP_ROOT/pub/small.bin" "$UPFILE"

# Hand-written command lists.  vsftpd with no_anon_password=YES answers
# "USER anonymous" with 230 at once (no PASS).  curl: USER, PWD, CWD <dir>,
# negotiation, TYPE, SIZE (downloads only), transfer, QUIT.
V_LOGIN='["USER",230],["PWD",257],["CWD",250]'
DL_PASV='{"mode":"passive","negotiation":"PASV","command":"RETR","direction":"download"'
DL_EPSV='{"mode":"passive","negotiation":"EPSV","command":"RETR","direction":"download"'
DL_PORT='{"mode":"active","negotiation":"PORT","command":"RETR","direction":"download"'
DL_EPRT='{"mode":"active","negotiation":"EPRT","command":"RETR","direction":"download"'

# ---------------------------------------------------------------- vsftpd
lab_vsftpd

if want vsftpd-curl-pasv; then
	begin vsftpd-curl-pasv
	"${CURL[@]}" --disable-epsv -o "$WORK/dl" "ftp://$S4/pub/medium.bin"
	[ "$(stat -c %s "$WORK/dl")" = "$MEDIUM" ]
	spec <<EOF
{"sample":"$CUR","description":"vsftpd + curl --disable-epsv: anonymous login, PASV, RETR pub/medium.bin ($MEDIUM bytes)",
 "sessions":[{"server_port":21,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["PASV",227],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_PASV,"path":"medium.bin","bytes":$MEDIUM}]}]}
EOF
	finish
fi

if want vsftpd-curl-epsv; then
	begin vsftpd-curl-epsv
	"${CURL[@]}" -o "$WORK/dl" "ftp://$S4/pub/small.bin"
	spec <<EOF
{"sample":"$CUR","description":"vsftpd + curl: anonymous login, EPSV, RETR pub/small.bin ($SMALL bytes)",
 "sessions":[{"server_port":21,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["EPSV",229],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_EPSV,"path":"small.bin","bytes":$SMALL}]}]}
EOF
	finish
fi

if want vsftpd-curl-port; then
	begin vsftpd-curl-port
	"${CURL[@]}" -P - --disable-eprt -o "$WORK/dl" "ftp://$S4/pub/small.bin"
	spec <<EOF
{"sample":"$CUR","description":"vsftpd + curl -P - --disable-eprt: active mode, PORT, RETR pub/small.bin ($SMALL bytes); vsftpd connects from port 20",
 "sessions":[{"server_port":21,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["PORT",200],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_PORT,"path":"small.bin","bytes":$SMALL}]}]}
EOF
	assert_count "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.srcport==20" -eq 1 "active data not from port 20"
	finish
fi

if want vsftpd-curl-eprt; then
	begin vsftpd-curl-eprt
	"${CURL[@]}" -P - -o "$WORK/dl" "ftp://$S4/pub/small.bin"
	spec <<EOF
{"sample":"$CUR","description":"vsftpd + curl -P -: active mode, EPRT |1|..., RETR pub/small.bin ($SMALL bytes); vsftpd connects from port 20",
 "sessions":[{"server_port":21,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["EPRT",200],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_EPRT,"path":"small.bin","bytes":$SMALL}]}]}
EOF
	assert_count "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.srcport==20" -eq 1 "active data not from port 20"
	finish
fi

if want vsftpd-curl-upload; then
	begin vsftpd-curl-upload
	"${CURL[@]}" -T "$UPFILE" "ftp://$S4/incoming/up.bin"
	[ "$(stat -c %s "$LAB_FTP_ROOT/incoming/up.bin")" = "$SMALL" ]
	spec <<EOF
{"sample":"$CUR","description":"vsftpd + curl -T: anonymous upload, EPSV, STOR incoming/up.bin ($SMALL bytes)",
 "sessions":[{"server_port":21,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["EPSV",229],["TYPE",200],["STOR",226],["QUIT",221]],
  "transfers":[{"mode":"passive","negotiation":"EPSV","command":"STOR","path":"up.bin","direction":"upload","bytes":$SMALL}]}]}
EOF
	finish
fi

if want vsftpd-curl-list; then
	begin vsftpd-curl-list
	"${CURL[@]}" -o "$WORK/list" "ftp://$S4/pub/"
	# curl turns the listing's CRLF line ends into LF: on the wire it is
	# one byte longer per line than what curl wrote.
	spec <<EOF
{"sample":"$CUR","description":"vsftpd + curl ftp://host/pub/: EPSV, TYPE A, LIST (3 files)",
 "sessions":[{"server_port":21,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["EPSV",229],["TYPE",200],["LIST",226],["QUIT",221]],
  "transfers":[{"mode":"passive","negotiation":"EPSV","command":"LIST","path":null,"direction":"listing","bytes":$(($(stat -c %s "$WORK/list") + $(wc -l <"$WORK/list")))}]}]}
EOF
	finish
fi

if want vsftpd-curl-ipv6-epsv; then
	begin vsftpd-curl-ipv6-epsv
	"${CURL[@]}" -g -o "$WORK/dl" "ftp://$S6/pub/small.bin"
	spec <<EOF
{"sample":"$CUR","description":"vsftpd + curl over IPv6: EPSV, RETR pub/small.bin ($SMALL bytes)",
 "sessions":[{"server_port":21,"family":6,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["EPSV",229],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_EPSV,"path":"small.bin","bytes":$SMALL}]}]}
EOF
	finish
fi

if want vsftpd-curl-ipv6-eprt; then
	begin vsftpd-curl-ipv6-eprt
	"${CURL[@]}" -g -P - -o "$WORK/dl" "ftp://$S6/pub/small.bin"
	spec <<EOF
{"sample":"$CUR","description":"vsftpd + curl -P - over IPv6: EPRT |2|...|, RETR pub/small.bin ($SMALL bytes); vsftpd connects from port 20",
 "sessions":[{"server_port":21,"family":6,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["EPRT",200],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_EPRT,"path":"small.bin","bytes":$SMALL}]}]}
EOF
	assert_count "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.srcport==20" -eq 1 "active data not from port 20"
	finish
fi

if want vsftpd-curl-badlogin; then
	begin vsftpd-curl-badlogin
	# vsftpd is anonymous only: "USER bad" gets 530 at once; curl gives up
	# (exit 67) and closes without QUIT.
	rc=0
	"${CURL[@]}" -u bad:bad -o "$WORK/dl" "ftp://$S4/pub/small.bin" 2>/dev/null || rc=$?
	[ "$rc" = 67 ] || { echo "curl exit $rc, expected 67" >&2; exit 1; }
	spec <<EOF
{"sample":"$CUR","description":"vsftpd (anonymous only) + curl -u bad:bad: USER bad -> 530, curl closes",
 "sessions":[{"server_port":21,"user":"bad","login":"failed","tls":false,
  "commands":[["USER",530]],"transfers":[]}]}
EOF
	finish
fi

if want vsftpd-mixed; then
	# Several sessions, three of them at the same time, IPv4 and IPv6; no
	# capture filter, and empty neighbour caches so that ARP and IPv6
	# neighbour discovery show up too (frames an FTP analyser must skip).
	ip -n "$LAB_NS_SERVER" neigh flush all
	ip -n "$LAB_NS_GW" neigh flush all
	begin vsftpd-mixed -
	"${CURL[@]}" --disable-epsv -o "$WORK/m1" "ftp://$S4/pub/small.bin" &
	p1=$!
	"${CURL[@]}" -g -P - -o "$WORK/m2" "ftp://$S6/pub/hello.txt" &
	p2=$!
	"${CURL[@]}" -P - --disable-eprt -T "$UPFILE" "ftp://$S4/incoming/mixed-up.bin" &
	p3=$!
	wait $p1 $p2 $p3
	"${CURL[@]}" -o "$WORK/mlist" "ftp://$S4/pub/"
	rc=0
	"${CURL[@]}" -u bad:bad "ftp://$S4/pub/" 2>/dev/null || rc=$?
	[ "$rc" = 67 ]
	"${CURL[@]}" -g -o "$WORK/m4" "ftp://$S6/pub/small.bin"
	spec <<EOF
{"sample":"$CUR","description":"vsftpd, six curl sessions (three concurrent): PASV download, IPv6 EPRT download, PORT upload, EPSV listing, failed login, IPv6 EPSV download",
 "sessions":[
 {"server_port":21,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["PASV",227],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_PASV,"path":"small.bin","bytes":$SMALL}]},
 {"server_port":21,"family":6,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["EPRT",200],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_EPRT,"path":"hello.txt","bytes":48}]},
 {"server_port":21,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["PORT",200],["TYPE",200],["STOR",226],["QUIT",221]],
  "transfers":[{"mode":"active","negotiation":"PORT","command":"STOR","path":"mixed-up.bin","direction":"upload","bytes":$SMALL}]},
 {"server_port":21,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["EPSV",229],["TYPE",200],["LIST",226],["QUIT",221]],
  "transfers":[{"mode":"passive","negotiation":"EPSV","command":"LIST","path":null,"direction":"listing","bytes":$(($(stat -c %s "$WORK/mlist") + $(wc -l <"$WORK/mlist")))}]},
 {"server_port":21,"user":"bad","login":"failed","tls":false,"commands":[["USER",530]],"transfers":[]},
 {"server_port":21,"family":6,"user":"anonymous","login":"success","tls":false,
  "commands":[$V_LOGIN,["EPSV",229],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_EPSV,"path":"small.bin","bytes":$SMALL}]}
 ]}
EOF
	finish
fi

if want vsftpd-tls-curl; then
	lab_vsftpd_stop
	lab_vsftpd --tls
	begin vsftpd-tls-curl
	"${CURL[@]}" --ssl-reqd -k -o "$WORK/dl" "ftp://$S4/pub/small.bin"
	[ "$(stat -c %s "$WORK/dl")" = "$SMALL" ]
	# curl asks "AUTH SSL" first (vsftpd accepts it: 234); everything after
	# is TLS: login, PBSZ/PROT, EPSV, RETR are not visible, and the one data
	# connection (TLS too) cannot be tied to the session from the capture.
	spec <<EOF
{"sample":"$CUR","description":"vsftpd with AUTH TLS + curl --ssl-reqd -k: AUTH SSL -> 234, then TLS on control and data (RETR small.bin inside)",
 "other_tcp_connections":1,
 "sessions":[{"server_port":21,"user":null,"login":"none","tls":true,
  "commands":[["AUTH",234]],"transfers":[],
  "note":"after AUTH the control connection is TLS; the client then logged in anonymously and downloaded pub/small.bin ($SMALL bytes) over one protected EPSV data connection, the other TCP connection in the capture"}]}
EOF
	finish
	lab_vsftpd_stop
	lab_vsftpd
fi

# ------------------------------------------------------------- pyftpdlib
lab_pyftpd --port 2121
PYU=$LAB_PYFTPD_USER
PYP=$LAB_PYFTPD_PASS
LFTP_SET="set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 5; set net:reconnect-interval-base 1"
# lftp: FEAT before login; OPTS UTF8 ON before login (530) and after (501
# from pyftpdlib), OPTS MLST, PWD.
LFTP_LOGIN='["FEAT",211],["OPTS",530],["USER",331],["PASS",230],["OPTS",501],["OPTS",200],["PWD",257]'

if want pyftpd-lftp-active; then
	begin pyftpd-lftp-active
	lab_client timeout 20 lftp -u "$PYU,$PYP" \
		-e "$LFTP_SET; set ftp:passive-mode off; get small.bin -o $WORK/dl; bye" "ftp://$S4:2121"
	[ "$(stat -c %s "$WORK/dl")" = "$SMALL" ]
	spec <<EOF
{"sample":"$CUR","description":"pyftpdlib + lftp, ftp:passive-mode off: PORT, RETR small.bin ($SMALL bytes); pyftpdlib connects from a random port (not 20) and answers 125",
 "sessions":[{"server_port":2121,"user":"$PYU","login":"success","tls":false,
  "commands":[$LFTP_LOGIN,["TYPE",200],["SIZE",213],["MDTM",213],["PORT",200],["RETR",226],["QUIT",221]],
  "transfers":[$DL_PORT,"path":"small.bin","bytes":$SMALL}]}]}
EOF
	assert_count "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.srcport==20" -eq 0 "pyftpdlib used port 20?"
	finish
fi

if want pyftpd-lftp-list; then
	begin pyftpd-lftp-list
	lab_client timeout 20 lftp -u "$PYU,$PYP" -e "$LFTP_SET; ls; bye" "ftp://$S4:2121" >"$WORK/list"
	spec <<EOF
{"sample":"$CUR","description":"pyftpdlib + lftp ls (passive): PASV, LIST (3 files); no TYPE command (lftp lists in the default ASCII type)",
 "sessions":[{"server_port":2121,"user":"$PYU","login":"success","tls":false,
  "commands":[$LFTP_LOGIN,["PASV",227],["LIST",226],["QUIT",221]],
  "transfers":[{"mode":"passive","negotiation":"PASV","command":"LIST","path":null,"direction":"listing","bytes":null}]}]}
EOF
	finish
fi

if want pyftpd-nat-curl-pasv; then
	lab_pyftpd --addr "$S4" --port 2122 --nat "$NAT_ADDR" --pasv 40020-40029
	begin pyftpd-nat-curl-pasv
	"${CURL[@]}" -u "$PYU:$PYP" --disable-epsv -o "$WORK/dl" "ftp://$S4:2122/small.bin"
	[ "$(stat -c %s "$WORK/dl")" = "$SMALL" ]
	spec <<EOF
{"sample":"$CUR","description":"pyftpdlib -n $NAT_ADDR + curl --disable-epsv: the 227 announces $NAT_ADDR, curl ignores it and connects to the control connection's address $S4; RETR small.bin ($SMALL bytes)",
 "sessions":[{"server_port":2122,"user":"$PYU","login":"success","tls":false,
  "commands":[["USER",331],["PASS",230],["PWD",257],["PASV",227],["TYPE",200],["SIZE",213],["RETR",226],["QUIT",221]],
  "transfers":[$DL_PASV,"path":"small.bin","bytes":$SMALL}],
  "note":"the 227 reply names $NAT_ADDR (pyftpdlib's masquerade address); the data connection goes to $S4"}]}
EOF
	assert_count "ftp.response.code==227 && ftp.response.arg contains \"198,51,100,21\"" -eq 1 "227 without the NAT address"
	finish
	lab_pyftpd_stop
fi

if want pyftpd-ftplib; then
	begin pyftpd-ftplib
	lab_client "$PY" "$HERE/clients/ftplib_session.py" "$S4" 2121 "$PYU" "$PYP" "$UPFILE" >/dev/null
	[ "$(stat -c %s "$LAB_PY_ROOT/sub/up-pasv.bin")" = "$SMALL" ]
	[ "$(stat -c %s "$LAB_PY_ROOT/sub/up-port.bin")" = "$SMALL" ]
	spec <<EOF
{"sample":"$CUR","description":"pyftpdlib + Python ftplib: FEAT and HELP (multi-line replies, each sent by pyftpdlib in three segments), PWD, MKD, CWD, CDUP, TYPE I, SIZE, RETR and STOR in passive (PASV) then active (PORT) mode, LIST in active mode",
 "sessions":[{"server_port":2121,"user":"$PYU","login":"success","tls":false,
  "commands":[["USER",331],["PASS",230],["FEAT",211],["HELP",214],["PWD",257],["MKD",257],["CWD",250],["PWD",257],["CDUP",250],
   ["TYPE",200],["SIZE",213],
   ["TYPE",200],["PASV",227],["RETR",226],["TYPE",200],["PASV",227],["STOR",226],
   ["TYPE",200],["PORT",200],["RETR",226],["TYPE",200],["PORT",200],["STOR",226],
   ["TYPE",200],["PORT",200],["LIST",226],["QUIT",221]],
  "transfers":[$DL_PASV,"path":"small.bin","bytes":$SMALL},
   {"mode":"passive","negotiation":"PASV","command":"STOR","path":"sub/up-pasv.bin","direction":"upload","bytes":$SMALL},
   $DL_PORT,"path":"small.bin","bytes":$SMALL},
   {"mode":"active","negotiation":"PORT","command":"STOR","path":"sub/up-port.bin","direction":"upload","bytes":$SMALL},
   {"mode":"active","negotiation":"PORT","command":"LIST","path":null,"direction":"listing","bytes":null}]}]}
EOF
	finish
fi

if want pyftpd-pipelined; then
	begin pyftpd-pipelined
	lab_client "$PY" "$HERE/clients/pipelined.py" "$S4" 2121 "$PYU" "$PYP" >/dev/null
	assert_count 'tcp.payload contains "TYPE I\r\nPWD\r\nNOOP\r\n"' -eq 1 "pipelined commands not in one segment"
	spec <<EOF
{"sample":"$CUR","description":"pyftpdlib + raw socket: after login, TYPE I, PWD and NOOP are sent in ONE segment (pipelined); the three replies follow",
 "sessions":[{"server_port":2121,"user":"$PYU","login":"success","tls":false,
  "commands":[["USER",331],["PASS",230],["TYPE",200],["PWD",257],["NOOP",200],["QUIT",221]],
  "transfers":[],
  "tshark_note":"tshark decodes only the first line of a segment: it sees TYPE but not PWD and NOOP, and three replies; the commands list here comes from the raw payload and the client script"}]}
EOF
	finish
fi

if [ "${NO_CRAFT:-0}" != 1 ]; then
	echo "== crafted samples (craft.py)" >&2
	"$PY" "$HERE/craft.py" "$OUT"
fi
echo "done" >&2

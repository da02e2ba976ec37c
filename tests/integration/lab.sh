# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2034,SC2119,SC2120
# lab.sh - a small FTP lab in network namespaces, for sample captures and
# integration tests.  Source it from bash; it defines functions and variables
# prefixed lab_/LAB_ and changes nothing until lab_up is called.
#
#   . tests/integration/lab.sh
#   lab_need_root curl          # exit 77 (SKIP) unless root, netns and tools
#   lab_up "t$$"                # namespaces <prefix>-client/-gw/-server
#   lab_files                   # fixed server files under $LAB_FTP_ROOT
#   lab_vsftpd                  # vsftpd on :21 (both families) in server ns
#   lab_capture_start "$LAB_NS_SERVER" "$LAB_DEV_SERVER" out.pcap tcp
#   lab_client curl --max-time 10 -s -o /dev/null "ftp://$LAB_SERVER4/pub/small.bin"
#   lab_settle; lab_capture_stop
#   lab_down                    # also run by the EXIT trap that lab_up sets
#
# Topology (addresses can be changed by setting the variables before lab_up):
#
#   client ns                 gw ns                         server ns
#   $LAB_DEV_CLIENT <--> $LAB_DEV_GW_CLIENT  $LAB_DEV_GW_SERVER <--> $LAB_DEV_SERVER
#   10.20.1.2/24         10.20.1.1/24        10.20.2.1/24       10.20.2.2/24
#   fd20:1::2/64         fd20:1::1/64        fd20:2::1/64       fd20:2::2/64
#
# Every veth has TSO/GSO/GRO and TX checksum offload off, so captures show
# wire-sized segments with correct checksums.  IPv6 addresses are nodad and
# DAD/router solicitations are off, so IPv6 works at once.
#
# Variables set by lab_up:
#   LAB_PREFIX LAB_DIR LAB_NS_CLIENT LAB_NS_GW LAB_NS_SERVER
#   LAB_DEV_CLIENT LAB_DEV_GW_CLIENT LAB_DEV_GW_SERVER LAB_DEV_SERVER
#   LAB_CLIENT4 LAB_GW4_CLIENT LAB_GW4_SERVER LAB_SERVER4
#   LAB_CLIENT6 LAB_GW6_CLIENT LAB_GW6_SERVER LAB_SERVER6
# by lab_files: LAB_FTP_ROOT LAB_PY_ROOT and LAB_SIZE_SMALL LAB_SIZE_MEDIUM
# by lab_vsftpd: LAB_VSFTPD_PID LAB_VSFTPD_PORT LAB_VSFTPD_PASV (LO-HI)
# by lab_pyftpd: LAB_PYFTPD_PID LAB_PYFTPD_PORT LAB_PYFTPD_USER LAB_PYFTPD_PASS
#                LAB_PYFTPD_PASV
# by lab_capture_start: LAB_CAPTURE_PID
#
# Environment knobs: LAB_KEEP=1 keeps $LAB_DIR after lab_down; LAB_NO_TRAP=1
# stops lab_up from setting its EXIT/INT/TERM trap; LAB_VERBOSE=1 logs steps.

LAB_PYTHON=${LAB_PYTHON:-/usr/bin/python3}
LAB_VSFTPD_BIN=${LAB_VSFTPD_BIN:-/usr/sbin/vsftpd}

LAB_CLIENT4=${LAB_CLIENT4:-10.20.1.2}
LAB_GW4_CLIENT=${LAB_GW4_CLIENT:-10.20.1.1}
LAB_GW4_SERVER=${LAB_GW4_SERVER:-10.20.2.1}
LAB_SERVER4=${LAB_SERVER4:-10.20.2.2}
LAB_CLIENT6=${LAB_CLIENT6:-fd20:1::2}
LAB_GW6_CLIENT=${LAB_GW6_CLIENT:-fd20:1::1}
LAB_GW6_SERVER=${LAB_GW6_SERVER:-fd20:2::1}
LAB_SERVER6=${LAB_SERVER6:-fd20:2::2}

LAB_DEV_CLIENT=veth-c
LAB_DEV_GW_CLIENT=veth-gc
LAB_DEV_GW_SERVER=veth-gs
LAB_DEV_SERVER=veth-s

LAB_SIZE_SMALL=1000
LAB_SIZE_MEDIUM=100000

LAB_PIDS=()          # every background process we started (killed by lab_down)
LAB_CAPTURE_PIDS=()  # running tcpdumps
LAB_UP=0

lab_log() { [ "${LAB_VERBOSE:-0}" = 1 ] && echo "lab: $*" >&2; return 0; }
lab_die() { echo "lab: error: $*" >&2; return 1; }

# lab_skip MESSAGE: exit 77 (the automake/TAP "skipped" status).
lab_skip() { echo "SKIP: $*" >&2; exit 77; }

# lab_need_root [TOOL...]: skip (exit 77) unless we are root, network
# namespaces work and ip, ethtool, tcpdump, ss and every TOOL named exist.
lab_need_root() {
	[ "$(id -u)" = 0 ] || lab_skip "needs root (network namespaces)"
	local t
	for t in ip ethtool tcpdump ss "$@"; do
		case $t in
		/*) [ -x "$t" ] || lab_skip "missing tool $t" ;;
		*) command -v "$t" >/dev/null 2>&1 || lab_skip "missing tool $t" ;;
		esac
	done
	local probe="labprobe$$"
	ip netns add "$probe" >/dev/null 2>&1 || lab_skip "ip netns unusable here"
	ip netns del "$probe" >/dev/null 2>&1 || true
	return 0
}

# lab_need_python_module MODULE...: skip unless $LAB_PYTHON imports them.
lab_need_python_module() {
	local m
	[ -x "$LAB_PYTHON" ] || lab_skip "missing $LAB_PYTHON"
	for m in "$@"; do
		"$LAB_PYTHON" -c "import $m" >/dev/null 2>&1 || lab_skip "python module $m missing (for $LAB_PYTHON)"
	done
}

lab_client() { ip netns exec "$LAB_NS_CLIENT" "$@"; }
lab_gw() { ip netns exec "$LAB_NS_GW" "$@"; }
lab_server() { ip netns exec "$LAB_NS_SERVER" "$@"; }

# lab_poll TRIES INTERVAL CMD...: run CMD until it succeeds; fail after TRIES.
lab_poll() {
	local tries=$1 interval=$2 i
	shift 2
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep "$interval"
	done
	return 1
}

_lab_sysctl() { ip netns exec "$1" sysctl -qw "$2" >/dev/null; }

# lab_up [PREFIX]: create namespaces PREFIX-client, PREFIX-gw, PREFIX-server
# joined by two veth pairs, with forwarding in gw and IPv4+IPv6 routes.
# PREFIX defaults to "lab<pid>"; keep it short (namespace names are free,
# but it shows up in logs) and unique per run so parallel runs don't collide.
lab_up() {
	local prefix=${1:-lab$$}
	[ "$LAB_UP" = 1 ] && { lab_die "lab_up called twice"; return 1; }
	LAB_PREFIX=$prefix
	LAB_NS_CLIENT="$prefix-client"
	LAB_NS_GW="$prefix-gw"
	LAB_NS_SERVER="$prefix-server"
	local ns
	for ns in "$LAB_NS_CLIENT" "$LAB_NS_GW" "$LAB_NS_SERVER"; do
		if ip netns list | awk '{print $1}' | grep -qxF "$ns"; then
			lab_die "namespace $ns exists already (stale run? ip netns del $ns)"
			return 1
		fi
	done
	if [ -z "${LAB_DIR:-}" ]; then
		LAB_DIR=$(mktemp -d "/tmp/$prefix.XXXXXX") || return 1
	else
		mkdir -p "$LAB_DIR" || return 1
	fi
	chmod 755 "$LAB_DIR"
	LAB_UP=1
	if [ "${LAB_NO_TRAP:-0}" != 1 ]; then
		trap 'lab_down' EXIT
		trap 'lab_down; exit 130' INT
		trap 'lab_down; exit 143' TERM
	fi
	lab_log "up: $LAB_NS_CLIENT $LAB_NS_GW $LAB_NS_SERVER in $LAB_DIR"

	for ns in "$LAB_NS_CLIENT" "$LAB_NS_GW" "$LAB_NS_SERVER"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
		# Before the veths exist, so that they inherit it: no DAD, no RS/RA.
		_lab_sysctl "$ns" net.ipv6.conf.default.accept_dad=0
		_lab_sysctl "$ns" net.ipv6.conf.all.accept_dad=0
		_lab_sysctl "$ns" net.ipv6.conf.default.router_solicitations=0
		_lab_sysctl "$ns" net.ipv6.conf.default.accept_ra=0
	done
	_lab_sysctl "$LAB_NS_GW" net.ipv4.ip_forward=1
	_lab_sysctl "$LAB_NS_GW" net.ipv6.conf.all.forwarding=1

	# Created directly inside the namespaces: no name clash in the root ns.
	ip link add "$LAB_DEV_CLIENT" netns "$LAB_NS_CLIENT" type veth \
		peer name "$LAB_DEV_GW_CLIENT" netns "$LAB_NS_GW" || return 1
	ip link add "$LAB_DEV_SERVER" netns "$LAB_NS_SERVER" type veth \
		peer name "$LAB_DEV_GW_SERVER" netns "$LAB_NS_GW" || return 1

	local pair dev
	for pair in "$LAB_NS_CLIENT:$LAB_DEV_CLIENT" "$LAB_NS_GW:$LAB_DEV_GW_CLIENT" \
		"$LAB_NS_GW:$LAB_DEV_GW_SERVER" "$LAB_NS_SERVER:$LAB_DEV_SERVER"; do
		ns=${pair%%:*} dev=${pair#*:}
		# tx off = no TX checksum offload: checksums are filled in, so a
		# capture on the sending side shows valid checksums.
		ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off >/dev/null 2>&1 ||
			{ lab_die "ethtool -K $dev failed in $ns"; return 1; }
	done

	ip -n "$LAB_NS_CLIENT" addr add "$LAB_CLIENT4/24" dev "$LAB_DEV_CLIENT"
	ip -n "$LAB_NS_CLIENT" addr add "$LAB_CLIENT6/64" dev "$LAB_DEV_CLIENT" nodad
	ip -n "$LAB_NS_GW" addr add "$LAB_GW4_CLIENT/24" dev "$LAB_DEV_GW_CLIENT"
	ip -n "$LAB_NS_GW" addr add "$LAB_GW6_CLIENT/64" dev "$LAB_DEV_GW_CLIENT" nodad
	ip -n "$LAB_NS_GW" addr add "$LAB_GW4_SERVER/24" dev "$LAB_DEV_GW_SERVER"
	ip -n "$LAB_NS_GW" addr add "$LAB_GW6_SERVER/64" dev "$LAB_DEV_GW_SERVER" nodad
	ip -n "$LAB_NS_SERVER" addr add "$LAB_SERVER4/24" dev "$LAB_DEV_SERVER"
	ip -n "$LAB_NS_SERVER" addr add "$LAB_SERVER6/64" dev "$LAB_DEV_SERVER" nodad

	ip -n "$LAB_NS_CLIENT" link set "$LAB_DEV_CLIENT" up
	ip -n "$LAB_NS_GW" link set "$LAB_DEV_GW_CLIENT" up
	ip -n "$LAB_NS_GW" link set "$LAB_DEV_GW_SERVER" up
	ip -n "$LAB_NS_SERVER" link set "$LAB_DEV_SERVER" up

	ip -n "$LAB_NS_CLIENT" route add default via "$LAB_GW4_CLIENT" || return 1
	ip -n "$LAB_NS_CLIENT" -6 route add default via "$LAB_GW6_CLIENT" || return 1
	ip -n "$LAB_NS_SERVER" route add default via "$LAB_GW4_SERVER" || return 1
	ip -n "$LAB_NS_SERVER" -6 route add default via "$LAB_GW6_SERVER" || return 1

	lab_poll 100 0.02 _lab_links_up || { lab_die "veths did not come up"; return 1; }
	return 0
}

_lab_links_up() {
	ip -n "$LAB_NS_CLIENT" link show "$LAB_DEV_CLIENT" | grep -q LOWER_UP &&
		ip -n "$LAB_NS_SERVER" link show "$LAB_DEV_SERVER" | grep -q LOWER_UP &&
		ip -n "$LAB_NS_GW" link show "$LAB_DEV_GW_CLIENT" | grep -q LOWER_UP &&
		ip -n "$LAB_NS_GW" link show "$LAB_DEV_GW_SERVER" | grep -q LOWER_UP
}

# lab_kill PID...: SIGTERM, wait up to 2 s, then SIGKILL.  Only for our pids.
lab_kill() {
	local pid i
	for pid in "$@"; do
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null || continue
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	return 0
}

# lab_down: stop captures, kill what we started (and anything left inside our
# namespaces), delete the namespaces, remove $LAB_DIR unless LAB_KEEP=1.
lab_down() {
	[ "${LAB_UP:-0}" = 1 ] || return 0
	LAB_UP=0
	trap - EXIT INT TERM
	lab_capture_stop >/dev/null 2>&1 || true
	lab_kill "${LAB_PIDS[@]}"
	LAB_PIDS=()
	local ns pid
	for ns in "$LAB_NS_CLIENT" "$LAB_NS_GW" "$LAB_NS_SERVER"; do
		# Children forked inside our own namespaces (vsftpd sessions...).
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ "${LAB_KEEP:-0}" = 1 ]; then
		echo "lab: kept $LAB_DIR" >&2
	else
		rm -rf "$LAB_DIR" || true
	fi
	lab_log "down"
	return 0
}

# lab_gen_file FILE SIZE [SEED]: SIZE deterministic pseudo-random bytes
# (AES-128-CTR keystream of a fixed key), the same on every machine.
lab_gen_file() {
	local file=$1 size=$2 seed=${3:-0}
	local key
	key=$(printf '%032x' "$seed")
	head -c "$size" /dev/zero |
		openssl enc -aes-128-ctr -nosalt -K "$key" -iv 00000000000000000000000000000000 >"$file" ||
		return 1
	[ "$(stat -c %s "$file")" = "$size" ]
}

# lab_files [ROOT]: create the fixed server tree (default $LAB_DIR/ftproot).
#   ROOT/pub/small.bin   1000 bytes ($LAB_SIZE_SMALL)
#   ROOT/pub/medium.bin  100000 bytes ($LAB_SIZE_MEDIUM)
#   ROOT/pub/hello.txt   3 text lines, LF line ends (48 bytes)
#   ROOT/incoming/       writable by the ftp user (vsftpd anonymous uploads)
# and a copy of pub/ as the pyftpdlib root $LAB_PY_ROOT ($LAB_DIR/pyroot).
# Owner root, mode 755 (vsftpd refuses a writable anonymous root); every
# mtime is 2024-01-01 00:00 UTC so listings have a fixed content.
lab_files() {
	LAB_FTP_ROOT=${1:-$LAB_DIR/ftproot}
	LAB_PY_ROOT=$LAB_DIR/pyroot
	rm -rf "$LAB_FTP_ROOT" "$LAB_PY_ROOT"
	mkdir -p "$LAB_FTP_ROOT/pub" "$LAB_FTP_ROOT/incoming" "$LAB_PY_ROOT" || return 1
	lab_gen_file "$LAB_FTP_ROOT/pub/small.bin" "$LAB_SIZE_SMALL" 1 || return 1
	lab_gen_file "$LAB_FTP_ROOT/pub/medium.bin" "$LAB_SIZE_MEDIUM" 2 || return 1
	printf 'hello from the ftpaudit lab\nline two\nline three\n' >"$LAB_FTP_ROOT/pub/hello.txt"
	cp -p "$LAB_FTP_ROOT/pub/"* "$LAB_PY_ROOT/"
	chown root:root "$LAB_FTP_ROOT" "$LAB_FTP_ROOT/pub"
	chmod 755 "$LAB_FTP_ROOT" "$LAB_FTP_ROOT/pub" "$LAB_PY_ROOT"
	chmod 644 "$LAB_FTP_ROOT/pub/"* "$LAB_PY_ROOT/"*
	chown ftp "$LAB_FTP_ROOT/incoming" 2>/dev/null || chmod 777 "$LAB_FTP_ROOT/incoming"
	chmod 755 "$LAB_FTP_ROOT/incoming"
	find "$LAB_FTP_ROOT" "$LAB_PY_ROOT" -exec touch -h -d '2024-01-01 00:00:00 UTC' {} +
	return 0
}

# _lab_listening NS PORT: is something listening on TCP PORT in NS?
_lab_listening() {
	[ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ]
}

_lab_not_listening() { ! _lab_listening "$@"; }

# lab_vsftpd [--tls] [--port N] [--pasv LO-HI] [--no-port20] [--conf-extra LINE]...
# Start vsftpd (foreground mode, tracked pid) in the server namespace,
# listening on both families (listen_ipv6=YES), anonymous only (no password),
# anonymous uploads into /incoming, passive ports 40000-40009, active data from
# port 20.  --tls adds AUTH TLS with a self-signed certificate (optional for
# the client; allow_anon_ssl=YES; data protection not forced).  Needs lab_files.
lab_vsftpd() {
	local tls=0 port=21 pasv=40000-40009 port20=YES extra=()
	while [ $# -gt 0 ]; do
		case $1 in
		--tls) tls=1 ;;
		--port) port=$2; shift ;;
		--pasv) pasv=$2; shift ;;
		--no-port20) port20=NO ;;
		--conf-extra) extra+=("$2"); shift ;;
		*) lab_die "lab_vsftpd: unknown option $1"; return 1 ;;
		esac
		shift
	done
	[ -n "${LAB_FTP_ROOT:-}" ] || lab_files || return 1
	local conf="$LAB_DIR/vsftpd-$port.conf" empty="$LAB_DIR/vsftpd-empty"
	mkdir -p "$empty" && chmod 755 "$empty"
	cat >"$conf" <<EOF
listen=NO
listen_ipv6=YES
listen_port=$port
background=NO
seccomp_sandbox=NO
secure_chroot_dir=$empty
anonymous_enable=YES
local_enable=NO
anon_root=$LAB_FTP_ROOT
no_anon_password=YES
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=NO
anon_other_write_enable=NO
anon_umask=022
hide_ids=YES
use_localtime=NO
dirmessage_enable=NO
pasv_enable=YES
pasv_min_port=${pasv%-*}
pasv_max_port=${pasv#*-}
port_enable=YES
connect_from_port_20=$port20
ftp_data_port=20
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=$LAB_DIR/vsftpd-$port.log
EOF
	if [ "$tls" = 1 ]; then
		local crt="$LAB_DIR/vsftpd.crt" key="$LAB_DIR/vsftpd.key"
		if [ ! -s "$crt" ]; then
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
				-days 3650 -subj /CN=ftp.lab.test -keyout "$key" -out "$crt" >/dev/null 2>&1 ||
				{ lab_die "openssl req failed"; return 1; }
		fi
		cat >>"$conf" <<EOF
ssl_enable=YES
allow_anon_ssl=YES
force_local_data_ssl=NO
force_local_logins_ssl=NO
force_anon_data_ssl=NO
force_anon_logins_ssl=NO
require_ssl_reuse=NO
ssl_ciphers=HIGH
rsa_cert_file=$crt
rsa_private_key_file=$key
EOF
	fi
	local l
	for l in "${extra[@]}"; do echo "$l" >>"$conf"; done
	ip netns exec "$LAB_NS_SERVER" "$LAB_VSFTPD_BIN" "$conf" \
		>"$LAB_DIR/vsftpd-$port.out" 2>&1 &
	LAB_VSFTPD_PID=$!
	LAB_PIDS+=("$LAB_VSFTPD_PID")
	LAB_VSFTPD_PORT=$port
	LAB_VSFTPD_PASV=$pasv
	if ! lab_poll 250 0.02 _lab_listening "$LAB_NS_SERVER" "$port"; then
		cat "$LAB_DIR/vsftpd-$port.out" >&2
		lab_die "vsftpd did not start on port $port"
		return 1
	fi
	lab_log "vsftpd pid $LAB_VSFTPD_PID on :$port (tls=$tls)"
}

# lab_vsftpd_stop: stop the last vsftpd started.
lab_vsftpd_stop() {
	[ -n "${LAB_VSFTPD_PID:-}" ] || return 0
	lab_kill "$LAB_VSFTPD_PID"
	_lab_forget_pid "$LAB_VSFTPD_PID"
	lab_poll 100 0.02 _lab_not_listening "$LAB_NS_SERVER" "$LAB_VSFTPD_PORT" || true
	LAB_VSFTPD_PID=
}

_lab_forget_pid() {
	local p keep=()
	for p in "${LAB_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	LAB_PIDS=("${keep[@]}")
}

# lab_pyftpd [--addr A] [--port N] [--user U] [--pass P] [--dir D]
#            [--pasv LO-HI] [--nat ADDR]
# Start pyftpdlib in the server namespace: python3 -m pyftpdlib -i A -p N -w
# -u U -P P -d D -r LO-HI [-n ADDR].  Defaults: A=:: (both families),
# N=2121, U=alice, P=secret, D=$LAB_PY_ROOT, LO-HI=40010-40019.  --nat makes
# it announce ADDR in its 227 replies (IPv4 only: use --addr $LAB_SERVER4).
lab_pyftpd() {
	local addr=:: port=2121 user=alice pass=secret dir='' pasv=40010-40019 nat=''
	while [ $# -gt 0 ]; do
		case $1 in
		--addr) addr=$2; shift ;;
		--port) port=$2; shift ;;
		--user) user=$2; shift ;;
		--pass) pass=$2; shift ;;
		--dir) dir=$2; shift ;;
		--pasv) pasv=$2; shift ;;
		--nat) nat=$2; shift ;;
		*) lab_die "lab_pyftpd: unknown option $1"; return 1 ;;
		esac
		shift
	done
	[ -n "${LAB_PY_ROOT:-}" ] || lab_files || return 1
	[ -n "$dir" ] || dir=$LAB_PY_ROOT
	local args=(-m pyftpdlib -i "$addr" -p "$port" -w -u "$user" -P "$pass" -d "$dir" -r "$pasv")
	[ -n "$nat" ] && args+=(-n "$nat")
	ip netns exec "$LAB_NS_SERVER" "$LAB_PYTHON" "${args[@]}" >"$LAB_DIR/pyftpd-$port.log" 2>&1 &
	LAB_PYFTPD_PID=$!
	LAB_PIDS+=("$LAB_PYFTPD_PID")
	LAB_PYFTPD_PORT=$port LAB_PYFTPD_USER=$user LAB_PYFTPD_PASS=$pass LAB_PYFTPD_PASV=$pasv
	if ! lab_poll 250 0.02 _lab_listening "$LAB_NS_SERVER" "$port"; then
		cat "$LAB_DIR/pyftpd-$port.log" >&2
		lab_die "pyftpdlib did not start on port $port"
		return 1
	fi
	lab_log "pyftpdlib pid $LAB_PYFTPD_PID on [$addr]:$port"
}

# lab_pyftpd_stop: stop the last pyftpdlib started.
lab_pyftpd_stop() {
	[ -n "${LAB_PYFTPD_PID:-}" ] || return 0
	lab_kill "$LAB_PYFTPD_PID"
	_lab_forget_pid "$LAB_PYFTPD_PID"
	LAB_PYFTPD_PID=
}

# lab_capture_start NS DEV FILE [BPF FILTER WORDS...]
# tcpdump -s 0 -U --immediate-mode -w FILE on DEV inside NS; returns once the
# capture socket is open and FILE has its header.  Sets LAB_CAPTURE_PID.
# (Without --immediate-mode, libpcap's TPACKET_V3 ring hands packets over only
# when a block fills or times out, and a tcpdump stopped soon after the
# traffic writes nothing.  -Z root: Debian's tcpdump otherwise drops to the
# tcpdump user, which may not write FILE's directory.)
lab_capture_start() {
	local ns=$1 dev=$2 file=$3
	shift 3
	local err="$LAB_DIR/tcpdump.$RANDOM.$$.err"
	rm -f "$file"
	ip netns exec "$ns" tcpdump -Z root -i "$dev" -s 0 -U --immediate-mode -w "$file" "$@" 2>"$err" &
	LAB_CAPTURE_PID=$!
	LAB_CAPTURE_PIDS+=("$LAB_CAPTURE_PID")
	if ! lab_poll 250 0.02 eval "grep -q '^tcpdump: listening on' '$err' && [ -s '$file' ]"; then
		cat "$err" >&2
		lab_die "tcpdump did not start on $dev in $ns"
		return 1
	fi
	eval "LAB_CAPTURE_ERR_$LAB_CAPTURE_PID=\$err"
	lab_log "capturing on $ns/$dev to $file (pid $LAB_CAPTURE_PID)"
}

# lab_capture_stop [PID]: stop that tcpdump (default: all running ones),
# wait for it and check that the kernel dropped nothing.
lab_capture_stop() {
	local pids=("$@") pid rc=0 errvar err
	[ ${#pids[@]} -gt 0 ] || pids=("${LAB_CAPTURE_PIDS[@]}")
	for pid in "${pids[@]}"; do
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		errvar="LAB_CAPTURE_ERR_$pid"
		err=${!errvar:-}
		if [ -n "$err" ] && [ -f "$err" ]; then
			lab_log "$(tr '\n' ' ' <"$err")"
			if ! grep -q '^0 packets dropped by kernel' "$err"; then
				echo "lab: tcpdump $pid: $(tr '\n' ' ' <"$err")" >&2
				rc=1
			fi
		fi
		local keep=() p
		for p in "${LAB_CAPTURE_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
		LAB_CAPTURE_PIDS=("${keep[@]}")
	done
	return $rc
}

# _lab_busy NS: number of TCP sockets in NS that are neither listening nor
# in TIME-WAIT (i.e. connections still opening or closing).
_lab_busy() {
	ip netns exec "$1" ss -Htan state syn-sent state syn-recv state established \
		state fin-wait-1 state fin-wait-2 state close-wait state last-ack state closing \
		2>/dev/null | wc -l
}

# lab_settle [TIMEOUT_S]: wait until no TCP connection is open or closing in
# the client and server namespaces (default at most 5 s), so that a capture
# stopped right after holds the final FIN/ACKs.
lab_settle() {
	local timeout=${1:-5} i n
	for ((i = 0; i < timeout * 50; i++)); do
		n=$(($(_lab_busy "$LAB_NS_CLIENT") + $(_lab_busy "$LAB_NS_SERVER")))
		[ "$n" = 0 ] && { sleep 0.05; return 0; }
		sleep 0.02
	done
	lab_log "lab_settle: connections still open after ${timeout}s"
	return 1
}

# lab_ftp_url FAMILY HOST-PATH: helper for URLs: lab_ftp_url 6 /pub/x gives
# ftp://[fd20:2::2]/pub/x (curl needs -g for brackets).
lab_ftp_url() {
	local fam=$1 path=$2 port=${3:-}
	local host=$LAB_SERVER4
	[ "$fam" = 6 ] && host="[$LAB_SERVER6]"
	[ -n "$port" ] && host="$host:$port"
	echo "ftp://$host$path"
}

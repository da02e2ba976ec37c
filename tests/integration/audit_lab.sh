# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2034
# audit_lab.sh: the lab of audit.sh and fixes.sh: vsftpd in the server
# namespace (passive port 40000 only, active from port 20), curl
# transfers in PASV, EPSV, PORT and EPRT mode captured on the gateway's
# client-side veth, and the rulesets audited (audit_cases).  Source it
# after lab.sh and lab_need_root; it starts the lab.

FAIL_TIMEOUT=4		# a dropped data connection hangs curl this long
MODES="pasv epsv port eprt"	# and FAMILY (xfer) may change per case
lab_up "${AUDIT_LAB_PREFIX:-au}$$" || { echo "ERROR: lab_up failed"; exit 99; }
lab_files || exit 99
# Short accept/connect timeouts: a session whose data connection the
# firewall drops gives up (425) before the next transfer starts.
lab_vsftpd --pasv 40000-40000 --conf-extra accept_timeout=2 \
	--conf-extra connect_timeout=2 || exit 99
W=$LAB_DIR

curl_opts() {
	case $1 in
	pasv) echo "--disable-epsv" ;;
	epsv) echo "" ;;
	port) echo "-P - --disable-eprt" ;;
	eprt) echo "-P -" ;;
	esac
}

# reap: end vsftpd's session processes (the listener's descendants, by
# pid), so that nothing of one case leaks into the next one's capture.
reap() {
	local pids=$LAB_VSFTPD_PID kids="" p
	while [ -n "$pids" ]; do
		kids=""
		for p in $pids; do kids="$kids $(ps -o pid= --ppid "$p" 2>/dev/null)"; done
		for p in $kids; do kill -KILL "$p" 2>/dev/null; done
		pids=$(echo $kids)
	done
	lab_settle 3 || true
}

# xfer MODE: one download; 0 when curl got the whole file.
# FAMILY=6 uses the server's IPv6 address.
FAMILY=4
xfer() {
	local out="$W/got.$1" host=$LAB_SERVER4
	[ "$FAMILY" = 6 ] && host="[$LAB_SERVER6]"
	rm -f "$out"
	# shellcheck disable=SC2046
	lab_client curl -g -s --max-time "$FAIL_TIMEOUT" $(curl_opts "$1") -o "$out" \
		"ftp://$host/pub/small.bin" || return 1
	cmp -s "$out" "$LAB_FTP_ROOT/pub/small.bin"
}

FW_NS=$LAB_NS_SERVER	# the namespace whose firewall is audited
fw() { ip netns exec "$FW_NS" "$@"; }

# load KIND FILE: replace the audited host's ruleset.
load() {
	fw nft flush ruleset || return 1
	if [ "$1" = nft ]; then
		fw nft -f "$2"
	else
		fw iptables-restore "$2"
	fi
}

dump() {	# dump KIND OUT: the ruleset as the kernel has it, with counters
	if [ "$1" = nft ]; then
		fw nft -j list ruleset >"$2"
	else
		fw iptables-save -c >"$2"
	fi
}

write_rulesets() {
	cat >"$W/works.nft" <<'EOF'
table inet filter {
	ct helper ftp-std { type "ftp" protocol tcp; }
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		tcp dport 21 counter ct helper set "ftp-std"
	}
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo counter accept comment "infra"
		meta l4proto ipv6-icmp counter accept comment "infra"
		ct state established counter accept
		ct state related ct helper "ftp" counter accept
		iifname "veth-s" ip saddr 10.20.1.0/24 tcp dport 21 ct state new counter accept
	}
}
EOF
	cat >"$W/norange.nft" <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo counter accept comment "infra"
		meta l4proto ipv6-icmp counter accept comment "infra"
		ct state established counter accept
		tcp dport 21 ct state new counter accept
		tcp dport 40001-40009 ct state new counter accept
	}
}
EOF
	cat >"$W/nohelper.nft" <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo counter accept comment "infra"
		meta l4proto ipv6-icmp counter accept comment "infra"
		ct state established,related counter accept
		tcp dport 21 ct state new counter accept
		tcp dport 40000-40009 counter drop
	}
}
EOF
	cat >"$W/broad.nft" <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo counter accept comment "infra"
		meta l4proto ipv6-icmp counter accept comment "infra"
		ct state established counter accept
		tcp dport 21 ct state new counter accept
		tcp dport 2222 ct state new counter accept
		ip saddr 10.99.0.0/16 tcp dport 21 counter accept
		tcp dport 1024-65535 ct state new counter accept
	}
	chain output {
		type filter hook output priority filter; policy accept;
		tcp sport 20 counter accept
		ip daddr 10.99.0.1 counter drop
	}
}
EOF
	# The client's own firewall: passive data leaves through output and is
	# dropped before the capture sees it (never connected), active data
	# comes in and is dropped at input (seen unanswered).
	cat >"$W/client.nft" <<'EOF'
table inet filter {
	chain output {
		type filter hook output priority filter; policy drop;
		oif lo counter accept comment "infra"
		meta l4proto ipv6-icmp counter accept comment "infra"
		ct state established counter accept
		tcp dport 21 ct state new counter accept
		tcp dport 22 ct state new counter accept
	}
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo counter accept comment "infra"
		meta l4proto ipv6-icmp counter accept comment "infra"
		ct state established counter accept
	}
}
EOF
	# A gateway whose helper assignment runs before conntrack (priority
	# raw): it does nothing, so no data connection is related.
	cat >"$W/gateway.nft" <<'EOF'
table inet filter {
	ct helper ftp-std { type "ftp" protocol tcp; }
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		tcp dport 21 counter ct helper set "ftp-std"
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		meta l4proto ipv6-icmp counter accept comment "infra"
		ct state established counter accept
		ct state related ct helper "ftp" counter accept
		iifname "veth-gc" oifname "veth-gs" tcp dport 21 ct state new counter accept
		iifname "veth-gs" tcp dport 21 ct state new counter accept
	}
}
EOF
	# IPv6: no helper, so passive data is dropped; an IPv4-only rule
	# never meets these packets.
	cat >"$W/v6.nft" <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo counter accept comment "infra"
		meta l4proto ipv6-icmp counter accept comment "infra"
		ct state established counter accept
		ip saddr 10.0.0.0/8 tcp dport 40000 counter accept
		ip6 saddr fd20:1::/64 tcp dport 21 ct state new counter accept
	}
}
EOF
	# The control connection itself is dropped (data would pass).
	cat >"$W/noctl.nft" <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo counter accept comment "infra"
		meta l4proto ipv6-icmp counter accept comment "infra"
		ct state established counter accept
		ip saddr 10.20.1.0/24 tcp dport 21 counter drop
		tcp dport 21 counter accept
		tcp dport 40000 ct state new counter accept
	}
}
EOF
	cat >"$W/static.ipt" <<'EOF'
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FTP - [0:0]
-A INPUT -i lo -m comment --comment infra -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT
-A INPUT -i veth-s -p tcp -m tcp --dport 21 -m conntrack --ctstate NEW -j FTP
-A INPUT -p tcp -m multiport --dports 40001:40009 -m conntrack --ctstate NEW -j ACCEPT
-A INPUT -p tcp -m tcp --dport 2121 -m comment --comment "old pure-ftpd" -j ACCEPT
-A FTP -s 10.20.1.0/24 -j ACCEPT
-A FTP -j DROP
COMMIT
EOF
	cat >"$W/helper.ipt" <<'EOF'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -m comment --comment infra -j ACCEPT
-A INPUT -m state --state ESTABLISHED -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED -m helper --helper ftp -j ACCEPT
-A INPUT ! -s 10.20.1.0/24 -p tcp -m tcp --dport 21 -j DROP
-A INPUT -p tcp -m tcp --dport 21 -m conntrack --ctstate NEW -j ACCEPT
COMMIT
EOF
}

# audit_cases FN: FN NAME KIND FILE SIDE EXPECTED FINDINGS for every
# ruleset, with MODES and FAMILY set for it.
audit_cases() {
	local fn=$1
	write_rulesets
	MODES="pasv epsv port eprt" FAMILY=4
	$fn works nft "$W/works.nft" server "pasv:ok epsv:ok port:ok eprt:ok" ""
	$fn norange nft "$W/norange.nft" server "pasv:fail epsv:fail port:ok eprt:ok" \
		"passive-range-missed"
	$fn nohelper nft "$W/nohelper.nft" server "pasv:fail epsv:fail port:ok eprt:ok" \
		"related-without-helper"
	$fn broad nft "$W/broad.nft" server "pasv:ok epsv:ok port:ok eprt:ok" "overly_broad"
	$fn client nft "$W/client.nft" client "pasv:fail epsv:fail port:fail eprt:fail" ""
	$fn gateway nft "$W/gateway.nft" gateway "pasv:fail epsv:fail port:fail eprt:fail" \
		"helper-unreached"
	MODES="pasv"
	$fn noctl nft "$W/noctl.nft" server "pasv:fail" ""
	FAMILY=6 MODES="epsv eprt"
	$fn v6 nft "$W/v6.nft" server "epsv:fail eprt:ok" ""
	FAMILY=4 MODES="pasv epsv port eprt"
	$fn static iptables "$W/static.ipt" server "pasv:fail epsv:fail port:ok eprt:ok" \
		"passive-range-missed"
	$fn helper iptables "$W/helper.ipt" server "pasv:ok epsv:ok port:ok eprt:ok" ""
}

# audit_side SIDE: FW_NS and AUDIT_IFACE (--iface) for the audited side.
audit_side() {
	case $1 in
	server) FW_NS=$LAB_NS_SERVER AUDIT_IFACE=$LAB_DEV_SERVER ;;
	client) FW_NS=$LAB_NS_CLIENT AUDIT_IFACE=$LAB_DEV_CLIENT ;;
	gateway) FW_NS=$LAB_NS_GW AUDIT_IFACE=$LAB_DEV_GW_CLIENT,$LAB_DEV_GW_SERVER ;;
	esac
}

# audit_transfers CAPTURE RESULTS: every mode of MODES once, captured on
# the gateway's client side; RESULTS gets MODE:ok or MODE:fail lines.
audit_transfers() {
	local m
	reap
	lab_capture_start "$LAB_NS_GW" "$LAB_DEV_GW_CLIENT" "$1" tcp || return 1
	: >"$2"
	for m in $MODES; do
		if xfer "$m"; then echo "$m:ok" >>"$2"; else echo "$m:fail" >>"$2"; fi
		lab_settle 3 || true
	done
	lab_capture_stop || true
}

# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2034
# nat_lib.sh - NAT on the lab's gateway (lab.sh), for natlab.sh and for
# samples/make-nat-samples.sh.  Source it after lab.sh.
#
# The gateway's client side plays the Internet: the client is "inside"
# behind masquerade (snat), or "outside" reaching a port forward on the
# gateway's client-side address $NAT_PUBLIC (dnat), or both at once.
#
#   nat_gw snat|dnat|both [--helper] [--helper-ports 21] [--no-range]
#          [--ctl-ports "21, 2121"] [--range 40000-40001]
#
# loads one nft table "natlab" in the gateway namespace (replacing the
# last one):
#   snat: oif server-side masquerade of the client net; the forward chain
#         lets the client side out and only established/related back in.
#   dnat: prerouting dnat of $NAT_PUBLIC control ports and passive range
#         to $LAB_SERVER4; the forward chain lets in only what was
#         translated (ct status dnat) or related: the server's private
#         address is not reachable from the client side, as on a real
#         port forward.
#   --helper: a `ct helper` object of type ftp assigned to the control
#         ports (or --helper-ports) in a filter chain of hook prerouting
#         (after conntrack and dstnat), and nf_nat_ftp rewrites payloads.
#   --no-range: the passive range is not forwarded.
# Every rule counts its packets (nft -j list ruleset shows them), so that
# an audit's deciding rules can be compared with the kernel's counters.
#
#   nat_gw_ipt snat|dnat|both [--helper] [--no-range] [--snat]
#
# the same gateway with iptables-restore (the nft-backed iptables):
# *raw CT --helper ftp on port 21, *nat DNAT / MASQUERADE (--snat: SNAT
# to the gateway's server-side address) and a REDIRECT of port 2121 to
# the gateway itself, *filter FORWARD policy DROP; ip6tables forwards
# IPv6 without NAT (port 21, the helper's related data, established).
# Counters are reset on each load (iptables-save -c shows them).

NAT_PUBLIC=${NAT_PUBLIC:-$LAB_GW4_CLIENT}

nat_gw() {
	local kind=$1 helper=0 hports='' range=40000-40001 fwd_range=1 ctl='21'
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--helper) helper=1 ;;
		--helper-ports) hports=$2; shift ;;
		--no-range) fwd_range=0 ;;
		--ctl-ports) ctl=$2; shift ;;
		--range) range=$2; shift ;;
		*) lab_die "nat_gw: unknown option $1"; return 1 ;;
		esac
		shift
	done
	[ -n "$hports" ] || hports=$ctl
	local f="$LAB_DIR/natlab-$kind-$helper-$fwd_range.nft"
	{
		echo "table ip natlab"
		echo "delete table ip natlab"
		echo "table ip natlab {"
		[ "$helper" = 1 ] && echo "	ct helper ftp-std { type \"ftp\" protocol tcp; }"
		echo "	chain nat_pre {"
		echo "		type nat hook prerouting priority dstnat; policy accept;"
		if [ "$kind" != snat ]; then
			echo "		iifname \"$LAB_DEV_GW_CLIENT\" ip daddr $NAT_PUBLIC tcp dport { $ctl } counter dnat to $LAB_SERVER4"
			[ "$fwd_range" = 1 ] &&
				echo "		iifname \"$LAB_DEV_GW_CLIENT\" ip daddr $NAT_PUBLIC tcp dport $range counter dnat to $LAB_SERVER4"
		fi
		echo "	}"
		echo "	chain nat_post {"
		echo "		type nat hook postrouting priority srcnat; policy accept;"
		[ "$kind" != dnat ] &&
			echo "		oifname \"$LAB_DEV_GW_SERVER\" ip saddr $LAB_CLIENT4/24 counter masquerade"
		echo "	}"
		if [ "$helper" = 1 ]; then
			echo "	chain helper_assign {"
			echo "		type filter hook prerouting priority filter; policy accept;"
			echo "		tcp dport { $hports } counter ct helper set \"ftp-std\""
			echo "	}"
		fi
		echo "	chain forwarding {"
		echo "		type filter hook forward priority filter; policy drop;"
		echo "		ct state established,related counter accept"
		echo "		ct status dnat counter accept"
		if [ "$kind" = dnat ]; then
			echo "		iifname \"$LAB_DEV_GW_SERVER\" counter accept"
		else
			echo "		iifname \"$LAB_DEV_GW_CLIENT\" counter accept"
		fi
		echo "	}"
		echo "}"
	} >"$f"
	lab_gw nft -f "$f" || { lab_die "nft -f $f failed"; return 1; }
	# Connections of the last scenario must not keep its NAT bindings.
	lab_gw conntrack -F >/dev/null 2>&1 || true
	lab_log "gateway: $kind helper=$helper range=$fwd_range"
}

nat_gw_ipt() {
	local kind=$1 helper=0 range=40000:40001 fwd_range=1 snat=0
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--helper) helper=1 ;;
		--no-range) fwd_range=0 ;;
		--snat) snat=1 ;;
		*) lab_die "nat_gw_ipt: unknown option $1"; return 1 ;;
		esac
		shift
	done
	local f="$LAB_DIR/natlab-$kind-$helper-$fwd_range-$snat.ipt"
	local f6="$LAB_DIR/natlab-$helper.ip6t" c=$LAB_DEV_GW_CLIENT s=$LAB_DEV_GW_SERVER
	lab_gw nft delete table ip natlab 2>/dev/null || true
	{
		echo "*raw"
		echo ":PREROUTING ACCEPT [0:0]"
		echo ":OUTPUT ACCEPT [0:0]"
		[ "$helper" = 1 ] && echo "-A PREROUTING -p tcp --dport 21 -j CT --helper ftp"
		echo "COMMIT"
		echo "*nat"
		echo ":PREROUTING ACCEPT [0:0]"
		echo ":INPUT ACCEPT [0:0]"
		echo ":OUTPUT ACCEPT [0:0]"
		echo ":POSTROUTING ACCEPT [0:0]"
		if [ "$kind" != snat ]; then
			echo "-A PREROUTING -i $c -d $NAT_PUBLIC/32 -p tcp --dport 21 -j DNAT --to-destination $LAB_SERVER4"
			[ "$fwd_range" = 1 ] &&
				echo "-A PREROUTING -i $c -d $NAT_PUBLIC/32 -p tcp --dport $range -j DNAT --to-destination $LAB_SERVER4"
		fi
		echo "-A PREROUTING -i $c -d $NAT_PUBLIC/32 -p tcp --dport 2121 -j REDIRECT --to-ports 21"
		if [ "$kind" != dnat ]; then
			if [ "$snat" = 1 ]; then
				echo "-A POSTROUTING -o $s -s $LAB_CLIENT4/24 -j SNAT --to-source $LAB_GW4_SERVER"
			else
				echo "-A POSTROUTING -o $s -s $LAB_CLIENT4/24 -j MASQUERADE"
			fi
		fi
		echo "COMMIT"
		echo "*filter"
		echo ":INPUT ACCEPT [0:0]"
		echo ":FORWARD DROP [0:0]"
		echo ":OUTPUT ACCEPT [0:0]"
		echo "-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT"
		echo "-A FORWARD -m conntrack --ctstate RELATED -m helper --helper ftp -j ACCEPT"
		echo "-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT"
		if [ "$kind" = dnat ]; then
			echo "-A FORWARD -i $s -j ACCEPT"
		else
			echo "-A FORWARD -i $c -j ACCEPT"
		fi
		echo "COMMIT"
	} >"$f"
	{
		echo "*raw"
		echo ":PREROUTING ACCEPT [0:0]"
		echo ":OUTPUT ACCEPT [0:0]"
		[ "$helper" = 1 ] && echo "-A PREROUTING -p tcp --dport 21 -j CT --helper ftp"
		echo "COMMIT"
		echo "*filter"
		echo ":INPUT ACCEPT [0:0]"
		echo ":FORWARD DROP [0:0]"
		echo ":OUTPUT ACCEPT [0:0]"
		echo "-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT"
		echo "-A FORWARD -m conntrack --ctstate RELATED -m helper --helper ftp -j ACCEPT"
		echo "-A FORWARD -p ipv6-icmp -j ACCEPT"
		echo "-A FORWARD -i $c -p tcp --dport 21 -m conntrack --ctstate NEW -j ACCEPT"
		echo "COMMIT"
	} >"$f6"
	lab_gw iptables-restore -c <"$f" || { lab_die "iptables-restore $f failed"; return 1; }
	lab_gw ip6tables-restore -c <"$f6" || { lab_die "ip6tables-restore $f6 failed"; return 1; }
	lab_gw conntrack -F >/dev/null 2>&1 || true
	lab_log "gateway (iptables): $kind helper=$helper range=$fwd_range snat=$snat"
}

# nat_capture_start DIR NAME: three captures on the gateway: NAME-any.pcap
# (-i any, both sides, link type SLL2), NAME-client.pcap and
# NAME-server.pcap (the client-side and server-side veths).  NAT_CAPS
# holds their pids.
#
# Immediate mode gives the kernel's ring fixed slots of the snapshot
# length: at -s 0 (256 KiB) the default 2 MiB ring holds 8 packets, and
# -i any dropped 12-72 of ~280 per scenario on a busy machine.  -s 2048
# holds a whole frame (MTU 1500), and -B 16384 gives 8,000 slots.
NAT_TCPDUMP_OPTS=(-s 2048 -B 16384)
nat_capture_start() {
	local dir=$1 name=$2
	NAT_CAPS=()
	lab_capture_start "$LAB_NS_GW" any "$dir/$name-any.pcap" "${NAT_TCPDUMP_OPTS[@]}" tcp || return 1
	NAT_CAPS+=("$LAB_CAPTURE_PID")
	lab_capture_start "$LAB_NS_GW" "$LAB_DEV_GW_CLIENT" "$dir/$name-client.pcap" \
		"${NAT_TCPDUMP_OPTS[@]}" tcp || return 1
	NAT_CAPS+=("$LAB_CAPTURE_PID")
	lab_capture_start "$LAB_NS_GW" "$LAB_DEV_GW_SERVER" "$dir/$name-server.pcap" \
		"${NAT_TCPDUMP_OPTS[@]}" tcp || return 1
	NAT_CAPS+=("$LAB_CAPTURE_PID")
}

nat_capture_stop() {
	lab_settle 5 || true
	lab_capture_stop "${NAT_CAPS[@]}"
}

# nat_curl RESULTS TAG LPORT URL CURL-OPTIONS...: one transfer from the
# client namespace, its connections from local ports LPORT..LPORT+9 (the
# control connection takes LPORT, so the session can be found in the
# captures; a fresh block per run avoids TIME-WAIT); appends
# "TAG LPORT ok|fail RC" to RESULTS.  ok means curl exited 0 with the
# whole file.
nat_curl() {
	local res=$1 tag=$2 lport=$3 url=$4 out rc
	shift 4
	out="$LAB_DIR/got-$tag"
	rm -f "$out"
	lab_client curl -s --max-time "${NAT_TIMEOUT:-4}" --local-port "$lport-$((lport + 9))" \
		-o "$out" "$@" "$url" 2>/dev/null
	rc=$?
	if [ "$rc" = 0 ] && [ "$(stat -c %s "$out" 2>/dev/null)" = "$LAB_SIZE_SMALL" ]; then
		echo "$tag $lport ok $rc" >>"$res"
	else
		echo "$tag $lport fail $rc" >>"$res"
	fi
}

#!/bin/bash
# audit.sh: the proof that `ftpaudit audit` agrees with the kernel.  In
# network namespaces (lab.sh), vsftpd (passive port 40000 only, active
# from port 20) serves curl transfers in PASV, EPSV, PORT and EPRT mode
# while tcpdump captures on the gateway's client-side veth, where SYNs a
# server or gateway drops are still seen (a client's own drops at output
# are not: those flows are evaluated from their announced endpoints).
# Rulesets, with counters on every rule, in the namespace whose side is
# audited: server (a working helper one, one missing the passive port,
# one missing the helper assignment, one with unused and overly broad
# rules, one dropping the control connection, an IPv6 one, two in
# iptables-save form), client (its own output and input), gateway (a
# helper assigned before conntrack).  For each:
#   - a transfer curl completed has every flow `accept`; one that failed
#     has its control connection `accept` and its data connection `drop`;
#   - the rules whose kernel counters stayed at zero are exactly the ones
#     listed in unused_rules (rules commented "infra" -- loopback, ICMPv6 --
#     see traffic that is not FTP and are left out);
#   - the expected findings are there, and the JSON matches
#     schema/audit.schema.json (when python3-jsonschema is installed);
#   - each fix, inserted alone into the original ruleset, makes that
#     transfer succeed.
# Root, netns, nft, iptables-nft, vsftpd, curl and python3, else SKIP (77).
# AUDIT_KEEP=1 copies each case's capture, ruleset dump and output to /tmp.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
. "$srcdir/tests/integration/lab.sh"

lab_need_root curl nft iptables-restore iptables-save "$LAB_VSFTPD_BIN" "$LAB_PYTHON"
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
PY=$LAB_PYTHON

FAIL_TIMEOUT=4		# a dropped data connection hangs curl this long
MODES="pasv epsv port eprt"	# and FAMILY (xfer) may change per case
passed=0 failed=0
t0=$(date +%s)

check() {	# check OK|FAIL MESSAGE
	if [ "$1" = OK ]; then
		passed=$((passed + 1))
		echo "ok - $2"
	else
		failed=$((failed + 1))
		echo "not ok - $2"
	fi
}

lab_up "au$$" || { echo "ERROR: lab_up failed"; exit 99; }
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

cat >"$W/check.py" <<'EOF'
# check.py KIND DUMP AUDIT_JSON RESULTS EXPECTED FINDINGS FIXES_OUT SCHEMA
import json, re, sys

kind, dump, out, results, expected, want, fixes_out = sys.argv[1:8]
a = json.load(open(out))
runs = [r.split(":") for r in open(results).read().split()]
expect = dict(r.split(":") for r in expected.split())


def check(cond, msg):
    print(("ok - " if cond else "not ok - ") + msg)


try:
    from jsonschema import Draft202012Validator
    schema = json.load(open(sys.argv[8]))
    errs = list(Draft202012Validator(schema).iter_errors(a))
    check(not errs, "schema/audit.schema.json: %s" % ("valid" if not errs else errs[0].message))
except ImportError:
    pass


for mode, res in runs:
    check(expect[mode] == res, "%s: kernel outcome %s (designed: %s)" % (mode, res, expect[mode]))

bysess = {}
for i, f in enumerate(a["flows"]):
    bysess.setdefault(f["session"], []).append(f)
check(len(bysess) == len(runs), "%d sessions for %d transfers" % (len(bysess), len(runs)))
for n, (mode, res) in enumerate(runs, 1):
    fl = bysess.get(n, [])
    v = ["%s=%s" % (f["purpose"], f["verdict"]) for f in fl]
    ctl = [f for f in fl if f["purpose"] == "control"]
    data = [f for f in fl if f["purpose"] != "control"]
    if res == "ok":
        check(fl and all(f["verdict"] == "accept" for f in fl),
              "%s: got through; ftpaudit: %s" % (mode, " ".join(v)))
    elif ctl and ctl[0]["verdict"] != "accept":
        check(ctl[0]["verdict"] in ("drop", "reject") and not data,
              "%s: control dropped by the kernel; ftpaudit: %s" % (mode, " ".join(v)))
    else:
        check(ctl and ctl[0]["verdict"] == "accept" and data and
              all(f["verdict"] == "drop" for f in data),
              "%s: data dropped by the kernel; ftpaudit: %s" % (mode, " ".join(v)))

unused = set()
for r in a["unused_rules"]:
    unused.add((r.get("family"), r["table"], r["chain"], r.get("handle"), r.get("line")))
if kind == "nft":
    for o in json.load(open(dump))["nftables"]:
        r = o.get("rule")
        if not r or r.get("comment", "").startswith("infra"):
            continue
        c = [e["counter"]["packets"] for e in r["expr"] if "counter" in e]
        if not c:
            continue
        key = (r["family"], r["table"], r["chain"], r["handle"], None)
        check((c[0] == 0) == (key in unused), "%s handle %d: kernel counted %d, ftpaudit says %s"
              % (r["chain"], r["handle"], c[0], "unused" if key in unused else "used"))
else:
    table = None
    for ln, line in enumerate(open(dump), 1):
        if line.startswith("*"):
            table = line[1:].strip()
        m = re.match(r"\[(\d+):\d+\] -A (\S+)", line)
        if not m or "infra" in line:
            continue
        key = ("ip", table, m.group(2), None, ln)
        p = int(m.group(1))
        check((p == 0) == (key in unused), "%s %s line %d: kernel counted %d, ftpaudit says %s"
              % (table, m.group(2), ln, p, "unused" if key in unused else "used"))

types = set(f["type"] for f in a["findings"])
for w in want.split(","):
    if w == "overly_broad":
        check(len(a["overly_broad"]) > 0, "an overly broad rule is reported")
    elif w:
        check(w in types, "finding %s (have: %s)" % (w, ", ".join(sorted(types))))

with open(fixes_out, "w") as fx:
    for d in a["denied"]:
        f, r = a["flows"][d["flow"]], d["fix"]
        mode = runs[f["session"] - 1][0]
        ins, ipx = r["insert"], r["family"]
        ports = lambda v: None if v == "any" else v[0]
        sp, dp = ports(r["sport"]), ports(r["dport"])
        st = ",".join(r["ct_state"])
        if kind == "nft":
            cmd = "nft insert rule %s %s %s %s saddr %s %s daddr %s" % (
                ins["family"], ins["table"], ins["chain"], ipx, r["saddr"][0], ipx, r["daddr"][0])
            if sp: cmd += " tcp sport %d-%d" % tuple(sp)
            if dp: cmd += " tcp dport %d-%d" % tuple(dp)
            cmd += " ct state %s accept" % st
        else:
            cmd = "iptables -t %s -I %s 1 -s %s -d %s -p tcp" % (
                ins["table"], ins["chain"], r["saddr"][0], r["daddr"][0])
            if sp: cmd += " --sport %d:%d" % tuple(sp)
            if dp: cmd += " --dport %d:%d" % tuple(dp)
            cmd += " -m conntrack --ctstate %s -j ACCEPT" % st.upper()
        fx.write("%s\t%s\n" % (mode, cmd))
EOF

# run_case NAME KIND FILE SIDE EXPECTED FINDINGS
run_case() {
	local name=$1 kind=$2 file=$3 side=$4 expected=$5 want=$6
	local cap="$W/$name.pcap" rs="$W/$name.dump" out="$W/$name.json"
	local res="$W/$name.results" fixes="$W/$name.fixes" m rc line mode cmd iface
	echo "# $name ($kind, $side side)"
	case $side in	# and the interfaces that face the peers (--iface)
	server) FW_NS=$LAB_NS_SERVER iface=$LAB_DEV_SERVER ;;
	client) FW_NS=$LAB_NS_CLIENT iface=$LAB_DEV_CLIENT ;;
	gateway) FW_NS=$LAB_NS_GW iface=$LAB_DEV_GW_CLIENT,$LAB_DEV_GW_SERVER ;;
	esac
	reap
	load "$kind" "$file" || { check FAIL "$name: ruleset loads"; return; }
	lab_capture_start "$LAB_NS_GW" "$LAB_DEV_GW_CLIENT" "$cap" tcp || { check FAIL "$name: capture"; return; }
	: >"$res"
	for m in $MODES; do
		if xfer "$m"; then echo "$m:ok" >>"$res"; else echo "$m:fail" >>"$res"; fi
		lab_settle 3 || true
	done
	lab_capture_stop || true
	dump "$kind" "$rs"
	"$FTPAUDIT" audit --ruleset="$rs" --side="$side" --iface="$iface" -F json -q \
		"$cap" >"$out"
	rc=$?
	if grep -q fail "$res"; then
		[ "$rc" = 3 ] && check OK "$name: exit 3 (denied)" || check FAIL "$name: exit $rc, want 3"
	else
		[ "$rc" = 0 ] && check OK "$name: exit 0" || check FAIL "$name: exit $rc, want 0"
	fi
	while IFS= read -r line; do
		case $line in
		"ok - "*) check OK "$name: ${line#ok - }" ;;
		*) check FAIL "$name: ${line#not ok - }" ;;
		esac
	done < <("$PY" "$W/check.py" "$kind" "$rs" "$out" "$res" "$expected" "$want" "$fixes" \
		"$srcdir/schema/audit.schema.json" 2>&1)
	# Each fix alone, on the original ruleset, lets its transfer through.
	while IFS="$(printf '\t')" read -r mode cmd; do
		[ -n "$mode" ] || continue
		load "$kind" "$file" || { check FAIL "$name: reload"; continue; }
		# shellcheck disable=SC2086
		reap
		if ! fw $cmd; then
			check FAIL "$name: fix does not load: $cmd"
			continue
		fi
		if xfer "$mode"; then
			check OK "$name: $mode succeeds with the fix ($cmd)"
		else
			check FAIL "$name: $mode still fails with the fix ($cmd)"
		fi
		lab_settle 3 || true
	done <"$fixes"
	[ "${AUDIT_KEEP:-0}" = 1 ] && cp "$out" "$cap" "$rs" /tmp/ 2>/dev/null
	fw nft flush ruleset
	return 0
}

write_rulesets
run_case works nft "$W/works.nft" server "pasv:ok epsv:ok port:ok eprt:ok" ""
run_case norange nft "$W/norange.nft" server "pasv:fail epsv:fail port:ok eprt:ok" \
	"passive-range-missed"
run_case nohelper nft "$W/nohelper.nft" server "pasv:fail epsv:fail port:ok eprt:ok" \
	"related-without-helper"
run_case broad nft "$W/broad.nft" server "pasv:ok epsv:ok port:ok eprt:ok" "overly_broad"
run_case client nft "$W/client.nft" client "pasv:fail epsv:fail port:fail eprt:fail" ""
run_case gateway nft "$W/gateway.nft" gateway "pasv:fail epsv:fail port:fail eprt:fail" \
	"helper-unreached"
MODES="pasv"
run_case noctl nft "$W/noctl.nft" server "pasv:fail" ""
FAMILY=6 MODES="epsv eprt"
run_case v6 nft "$W/v6.nft" server "epsv:fail eprt:ok" ""
FAMILY=4 MODES="pasv epsv port eprt"
run_case static iptables "$W/static.ipt" server "pasv:fail epsv:fail port:ok eprt:ok" \
	"passive-range-missed"
run_case helper iptables "$W/helper.ipt" server "pasv:ok epsv:ok port:ok eprt:ok" ""
echo "# $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

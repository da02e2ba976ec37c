#!/bin/bash
# SPDX-License-Identifier: ISC
# nataudit.sh: audit follows the gateway's NAT as the kernel does.  In the
# NAT lab (lab.sh, nat_lib.sh) the gateway forwards $NAT_PUBLIC's port 21
# and a 2-port passive range to vsftpd, or masquerades the client; curl
# transfers through it, captured with -i any.  Scenarios (nft unless
# said):
#   - fwd: the range forwarded, vsftpd with pasv_address;
#   - helper: the ftp helper, the range not forwarded, vsftpd on its own
#     address (nf_nat_ftp rewrites the 227 and translates the data);
#   - helperaddr, helperaddr-fwd: the helper and vsftpd with pasv_address:
#     the helper ignores a 227 that names another address than the
#     server's, so PASV data needs the range's dnat (the kernel refuses
#     it without, accepts it with); rules --strategy helper emits it;
#   - norange: the range not forwarded (and the fix's dnat, loaded alone);
#   - masq-active-0/1: the client behind masquerade in active mode,
#     without the helper (vsftpd refuses the inside address) and with it;
#   - ipt-*: iptables *raw CT --helper, *nat DNAT + MASQUERADE or SNAT (and
#     a REDIRECT), *filter --ctstate DNAT, with IPv6 forwarded without NAT
#     in the same capture.
# For each, the gateway's own ruleset (nft -j list ruleset, or
# iptables-save -c and ip6tables-save -c), read after the transfers, is
# audited against the capture with --side gateway (nataudit_check.py):
#   - every transfer's flows are accepted exactly when the kernel let the
#     transfer work;
#   - the rule audit names as deciding each flow counted packets in the
#     kernel, and no rule audit calls unused did;
#   - the passive range not forwarded gives reject (the gateway takes the
#     connection itself) and a nat-not-forwarded finding; the dnat rule
#     the finding names, added alone to the gateway's nat chain, makes the
#     transfer work;
#   - the trace shows the dnat translation of the control connection;
#   - IPv6 flows carry no translation;
#   - natfix-iptables, natfix-nft: the range not forwarded, the audit's
#     dnat fix (fixes[] kind dnat) loaded alone from -F iptables / -F nft
#     makes the transfer work, and the fixed ruleset denies nothing.
# Root, netns, nft, iptables, vsftpd and curl, else SKIP (77).
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
. "$srcdir/tests/integration/lab.sh"
. "$srcdir/tests/integration/nat_lib.sh"

lab_need_root curl nft iptables-restore "$LAB_VSFTPD_BIN"
[ -x "$LAB_PYTHON" ] || lab_skip "missing $LAB_PYTHON"
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }

RANGE=40000-40001
lab_up "na$$" || exit 99
lab_files || exit 99
CAPS=$LAB_DIR/caps
mkdir -p "$CAPS"
PUB=$NAT_PUBLIC
F=/pub/small.bin
failed=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failed=$((failed + 1)); }

lab_vsftpd --pasv "$RANGE" --conf-extra "pasv_address=$PUB" \
	--conf-extra listen=YES --conf-extra listen_ipv6=NO || exit 99

# check NAME RESULTS [--dnat-trace]: audit the gateway's ruleset (nft,
# with counters) against NAME's capture and compare each transfer's
# verdict, and the rules it names, with the kernel's (nataudit_check.py).
check() {
	local name=$1 res=$2
	shift 2
	lab_gw nft -j list ruleset >"$CAPS/$name.json"
	audit_check "$name" "$res" "$@" "$CAPS/$name.json"
}

# check_ipt NAME RESULTS: the same for the iptables gateway (nat_gw_ipt):
# iptables-save -c and ip6tables-save -c, given together.
check_ipt() {
	local name=$1 res=$2
	lab_gw iptables-save -c >"$CAPS/$name.ipt"
	lab_gw ip6tables-save -c >"$CAPS/$name.ip6t"
	audit_check "$name" "$res" "$CAPS/$name.ipt" "$CAPS/$name.ip6t"
}

audit_check() {
	local name=$1 res=$2 a rs=()
	shift 2
	for a in "$@"; do
		case $a in
		--*) ;;
		*) rs+=(--ruleset "$a") ;;
		esac
	done
	"$FTPAUDIT" audit -q --no-fail --all-unused --side gateway "${rs[@]}" \
		--iface="$LAB_DEV_GW_CLIENT,$LAB_DEV_GW_SERVER" \
		-F json "$CAPS/$name-any.pcap" >"$CAPS/$name.audit.json" 2>"$CAPS/err" ||
		{ bad "$name: audit failed: $(head -c 300 "$CAPS/err")"; return; }
	"$LAB_PYTHON" "$srcdir/tests/integration/nataudit_check.py" "$name" \
		"$CAPS/$name.audit.json" "$res" "$@" || failed=$((failed + 1))
}

# The range forwarded: everything works.
nat_gw dnat --range "$RANGE" || exit 99
nat_capture_start "$CAPS" fwd || exit 99
: >"$CAPS/fwd.res"
nat_curl "$CAPS/fwd.res" epsv 37010 "ftp://$PUB$F"
nat_curl "$CAPS/fwd.res" pasv-trust 37020 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
nat_capture_stop || { echo "ERROR: capture lost packets"; exit 99; }
check fwd "$CAPS/fwd.res" --dnat-trace

# The helper on, the range not forwarded, vsftpd announcing its own
# address: nf_nat_ftp rewrites the 227 and translates each data
# connection it expects (related), no dnat rule needed.
lab_vsftpd_stop
lab_vsftpd --pasv "$RANGE" || exit 99
nat_gw dnat --helper --range "$RANGE" --no-range || exit 99
nat_capture_start "$CAPS" helper || exit 99
: >"$CAPS/helper.res"
nat_curl "$CAPS/helper.res" pasv 37050 "ftp://$PUB$F" --disable-epsv
nat_curl "$CAPS/helper.res" epsv 37060 "ftp://$PUB$F"
nat_capture_stop || { echo "ERROR: capture lost packets"; exit 99; }
check helper "$CAPS/helper.res" --dnat-trace

# The helper on, the range not forwarded, vsftpd with pasv_address: the
# 227 names the public address, not the server's own, and nf_conntrack_ftp
# (loose=0) records no expectation: the PASV data connection is new, no
# dnat translates it, and the gateway refuses it.  EPSV names no address
# and the helper expects it.  Then the same with the range forwarded: the
# dnat alone makes PASV work (the kernel proves the rule is needed), and
# rules --strategy helper, from the failing capture, emits it.
lab_vsftpd_stop
lab_vsftpd --pasv "$RANGE" --conf-extra "pasv_address=$PUB" \
	--conf-extra listen=YES --conf-extra listen_ipv6=NO || exit 99
nat_gw dnat --helper --range "$RANGE" --no-range || exit 99
nat_capture_start "$CAPS" helperaddr || exit 99
: >"$CAPS/helperaddr.res"
nat_curl "$CAPS/helperaddr.res" pasv-trust 37070 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
nat_curl "$CAPS/helperaddr.res" pasv 37080 "ftp://$PUB$F" --disable-epsv
nat_curl "$CAPS/helperaddr.res" epsv 37090 "ftp://$PUB$F"
nat_capture_stop || { echo "ERROR: capture lost packets"; exit 99; }
check helperaddr "$CAPS/helperaddr.res" --dnat-trace
grep -q '^pasv-trust 37070 fail' "$CAPS/helperaddr.res" &&
	ok "helperaddr: the kernel refuses PASV data without the range's dnat" ||
	bad "helperaddr: PASV worked without the range's dnat: $(cat "$CAPS/helperaddr.res")"
"$FTPAUDIT" rules -q --side gateway --strategy helper -F nft \
	"$CAPS/helperaddr-any.pcap" >"$CAPS/helperaddr.rules.nft" 2>"$CAPS/err"
grep -Eq "daddr $PUB/32 tcp dport [{ ]*4000[01].* dnat ip to $LAB_SERVER4" \
	"$CAPS/helperaddr.rules.nft" &&
	ok "helperaddr: rules --strategy helper forwards the passive range" ||
	bad "helperaddr: rules --strategy helper does not forward the range: $(grep dnat "$CAPS/helperaddr.rules.nft")"
nat_gw dnat --helper --range "$RANGE" || exit 99
nat_capture_start "$CAPS" helperaddr-fwd || exit 99
: >"$CAPS/helperaddr-fwd.res"
nat_curl "$CAPS/helperaddr-fwd.res" pasv-trust 37100 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
nat_curl "$CAPS/helperaddr-fwd.res" epsv 37110 "ftp://$PUB$F"
nat_capture_stop || { echo "ERROR: capture lost packets"; exit 99; }
check helperaddr-fwd "$CAPS/helperaddr-fwd.res" --dnat-trace
grep -q '^pasv-trust 37100 ok' "$CAPS/helperaddr-fwd.res" &&
	ok "helperaddr-fwd: the range's dnat makes PASV work" ||
	bad "helperaddr-fwd: PASV fails with the range's dnat: $(cat "$CAPS/helperaddr-fwd.res")"

# The range not forwarded: passive data reaches the gateway itself.  The
# server's range is one port here, so the fix (the ports the capture
# showed) covers every later transfer.
lab_vsftpd_stop
lab_vsftpd --pasv 40000-40000 --conf-extra "pasv_address=$PUB" \
	--conf-extra listen=YES --conf-extra listen_ipv6=NO || exit 99
nat_gw dnat --range "$RANGE" --no-range || exit 99
nat_capture_start "$CAPS" norange || exit 99
: >"$CAPS/norange.res"
nat_curl "$CAPS/norange.res" pasv-trust 37030 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
nat_capture_stop || { echo "ERROR: capture lost packets"; exit 99; }
check norange "$CAPS/norange.res" --dnat-trace
grep -q '"type": *"nat-not-forwarded"' "$CAPS/norange.audit.json" &&
	ok "norange: nat-not-forwarded finding" ||
	bad "norange: no nat-not-forwarded finding"
grep -q '"untranslated": *true' "$CAPS/norange.audit.json" &&
	ok "norange: the passive flow is untranslated" ||
	bad "norange: no untranslated flow"

# The fix alone: its dnat rule, in the gateway's own nat chain.
rule=$("$LAB_PYTHON" -c '
import json, re, sys
a = json.load(open(sys.argv[1]))
for f in a["findings"]:
    if f["type"] == "nat-not-forwarded":
        m = re.search(r"nft add rule ip nat prerouting (ip daddr \S+ tcp dport \S+ dnat to \S+) \(", f["text"])
        print(m.group(1) if m else "")
        break
' "$CAPS/norange.audit.json")
if [ -n "$rule" ]; then
	lab_gw nft add rule ip natlab nat_pre "$rule" &&
		ok "norange: fix loads: $rule" || bad "norange: fix refused: $rule"
	lab_gw conntrack -F >/dev/null 2>&1 || true
	: >"$CAPS/fixed.res"
	nat_curl "$CAPS/fixed.res" pasv-trust 37040 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
	grep -q ' ok ' "$CAPS/fixed.res" && ok "norange: the fix makes the transfer work" ||
		bad "norange: the transfer still fails with the fix: $(cat "$CAPS/fixed.res")"
else
	bad "norange: no dnat rule in the finding"
fi

# The client behind masquerade, active mode (PORT and EPRT): without the
# helper vsftpd refuses the inside address (500), no data connection is
# made, and the analysis says nat_active_unrewritten; with the helper
# nf_nat_ftp rewrites the address and its expectation translates the
# server's data connection back to the client.
lab_vsftpd_stop
lab_vsftpd --pasv "$RANGE" || exit 99
for h in 0 1; do
	name=masq-active-$h
	if [ $h = 1 ]; then nat_gw snat --helper || exit 99; else nat_gw snat || exit 99; fi
	nat_capture_start "$CAPS" $name || exit 99
	: >"$CAPS/$name.res"
	nat_curl "$CAPS/$name.res" port $((37200 + h * 100)) "ftp://$LAB_SERVER4$F" -P - --disable-eprt
	nat_curl "$CAPS/$name.res" eprt $((37210 + h * 100)) "ftp://$LAB_SERVER4$F" -P -
	nat_curl "$CAPS/$name.res" pasv $((37220 + h * 100)) "ftp://$LAB_SERVER4$F" --disable-epsv
	nat_capture_stop || { echo "ERROR: capture lost packets"; exit 99; }
	if [ $h = 0 ]; then
		# vsftpd answered 500: the firewall had nothing to decide.
		grep -Eq '^(port|eprt) [0-9]+ ok' "$CAPS/$name.res" &&
			bad "$name: active mode worked without the helper: $(cat "$CAPS/$name.res")"
		sed -i -E 's/^(port|eprt) ([0-9]+) fail/\1 \2 refused/' "$CAPS/$name.res"
		"$FTPAUDIT" analyze -q -F json "$CAPS/$name-any.pcap" >"$CAPS/$name.report.json"
		"$LAB_PYTHON" - "$CAPS/$name.report.json" <<'PYEOF' &&
import json, sys
r = json.load(open(sys.argv[1]))
got = {s["client"]["port"]: any(a["type"] == "nat_active_unrewritten"
       for a in s["anomalies"]) for s in r["sessions"]}
sys.exit(0 if got == {37200: True, 37210: True, 37220: False} else 1)
PYEOF
			ok "$name: nat_active_unrewritten on PORT and EPRT, not PASV" ||
			bad "$name: nat_active_unrewritten not exactly on the active sessions"
	fi
	check $name "$CAPS/$name.res"
done

# iptables: the same gateways in *raw (CT --helper ftp), *nat (DNAT,
# MASQUERADE or SNAT, a REDIRECT the traffic never meets) and *filter,
# with IPv6 forwarded alongside without NAT (ip6tables): a client behind
# masquerade or SNAT reaches a server behind a port forward (both), in
# active and passive mode, with the helper and without, and over IPv6 in
# the same capture, whose flows must stay untranslated.
lab_vsftpd_stop
lab_vsftpd --pasv "$RANGE" || exit 99
V6URL=$(lab_ftp_url 6 "$F")
for v in "0 0" "1 0" "1 1"; do
	set -- $v
	name=ipt-h$1-s$2
	args=()
	[ "$1" = 1 ] && args+=(--helper)
	[ "$2" = 1 ] && args+=(--snat)
	nat_gw_ipt both "${args[@]}" || exit 99
	base=$((37400 + $1 * 100 + $2 * 50))
	nat_capture_start "$CAPS" $name || exit 99
	: >"$CAPS/$name.res"
	nat_curl "$CAPS/$name.res" epsv $base "ftp://$PUB$F"
	nat_curl "$CAPS/$name.res" pasv $((base + 10)) "ftp://$PUB$F" --disable-epsv
	nat_curl "$CAPS/$name.res" port $((base + 20)) "ftp://$PUB$F" -P - --disable-eprt
	nat_curl "$CAPS/$name.res" v6-epsv $((base + 30)) -g "$V6URL"
	nat_capture_stop || { echo "ERROR: capture lost packets"; exit 99; }
	# Without the helper vsftpd refuses the inside address (500).
	[ "$1" = 0 ] && sed -i -E 's/^port ([0-9]+) fail/port \1 refused/' "$CAPS/$name.res"
	check_ipt $name "$CAPS/$name.res"
	"$LAB_PYTHON" - "$CAPS/$name.audit.json" "$name" <<'PYEOF' || failed=$((failed + 1))
import json, sys
a = json.load(open(sys.argv[1]))
v6 = [f for f in a["flows"] if ":" in f["initiator"]["ip"]]
bad = [f for f in v6 if f.get("nat") or any("dstnat" in t or "srcnat" in t for t in f["trace"])]
print("%s - %s: %d IPv6 flows, none translated" % ("not ok" if bad or not v6 else "ok", sys.argv[2], len(v6)))
sys.exit(1 if bad or not v6 else 0)
PYEOF
done
lab_vsftpd_stop

# The audit's NAT fix, applied as the user would: the range not
# forwarded (one passive port, vsftpd with pasv_address), audit -F json
# names a dnat fix (fixes[] kind dnat) for the untranslated passive flow,
# and -F iptables / -F nft, loaded alone on the gateway (iptables-restore
# --noflush, nft -f), make the failing transfer work; the fixed ruleset,
# audited with the same capture, denies nothing.
lab_vsftpd --pasv 40000-40000 --conf-extra "pasv_address=$PUB" \
	--conf-extra listen=YES --conf-extra listen_ipv6=NO || exit 99
natfix_json() {
	"$LAB_PYTHON" - "$1" "$srcdir/schema/audit.schema.json" "$2" "$PUB" \
	    "$LAB_SERVER4" <<'PYEOF'
import json, sys
a = json.load(open(sys.argv[1]))
name, pub, inside = sys.argv[3], sys.argv[4], sys.argv[5]
err = []
nat = [x for x in a["fixes"] if x.get("kind") == "dnat"]
if len(nat) != 1:
    err.append("%d dnat fixes" % len(nat))
else:
    x = nat[0]
    r = x["rule"]
    if (r["public"]["ip"], r["public"]["ports"], r["to"]["ip"]) != (pub, [[40000, 40000]], inside):
        err.append("dnat fix rule %s" % r)
    if x["chain"] != "prerouting" or x["place"]["position"] != "insert":
        err.append("dnat fix place %s %s" % (x["chain"], x["place"]))
    unt = [i for i, f in enumerate(a["flows"]) if f.get("nat", {}).get("untranslated")]
    if not unt or sorted(x["flows"]) != unt:
        err.append("dnat fix flows %s, untranslated %s" % (x["flows"], unt))
    den = {d["flow"]: d["fix"] for d in a["denied"]}
    if any(den.get(i) != x["id"] for i in unt):
        err.append("denied %s does not name %s" % (a["denied"], x["id"]))
try:
    import jsonschema
    s = json.load(open(sys.argv[2]))
    e = list(jsonschema.validators.validator_for(s)(s).iter_errors(a))
    if e:
        err.append("schema: %s" % e[0].message)
except ImportError:
    pass
print("%s - %s: the untranslated passive flow's fix is a dnat%s" % (
    "not ok" if err else "ok", name, ": " + "; ".join(err) if err else ""))
sys.exit(1 if err else 0)
PYEOF
}
# natfix_audit NAME FORMAT RULESET...: audit -F FORMAT of the gateway's
# ruleset files against NAME's capture, to stdout.
natfix_audit() {
	local name=$1 fmt=$2 a rs=()
	shift 2
	for a in "$@"; do rs+=(--ruleset "$a"); done
	"$FTPAUDIT" audit -q --no-fail --side gateway "${rs[@]}" \
		--iface="$LAB_DEV_GW_CLIENT,$LAB_DEV_GW_SERVER" -F "$fmt" \
		"$CAPS/$name-any.pcap" 2>"$CAPS/err"
}
for fmt in iptables nft; do
	name=natfix-$fmt
	lab_gw nft flush ruleset
	if [ $fmt = iptables ]; then nat_gw_ipt dnat --no-range || exit 99
	else nat_gw dnat --range "$RANGE" --no-range || exit 99; fi
	nat_capture_start "$CAPS" $name || exit 99
	: >"$CAPS/$name.res"
	nat_curl "$CAPS/$name.res" pasv-trust 37800 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
	nat_capture_stop || { echo "ERROR: capture lost packets"; exit 99; }
	grep -q ' fail' "$CAPS/$name.res" &&
		ok "$name: the transfer fails with the range not forwarded" ||
		bad "$name: the transfer works without the range's dnat: $(cat "$CAPS/$name.res")"
	if [ $fmt = iptables ]; then
		lab_gw iptables-save -c >"$CAPS/$name.ipt"
		set -- "$CAPS/$name.ipt"
	else
		lab_gw nft -j list ruleset >"$CAPS/$name.json"
		set -- "$CAPS/$name.json"
	fi
	natfix_audit $name json "$@" >"$CAPS/$name.audit.json" &&
		natfix_json "$CAPS/$name.audit.json" $name || failed=$((failed + 1))
	natfix_audit $name $fmt "$@" >"$CAPS/$name.fix" ||
		bad "$name: audit -F $fmt failed: $(head -c 300 "$CAPS/err")"
	grep -q dnat "$CAPS/$name.fix" || grep -q DNAT "$CAPS/$name.fix" ||
		bad "$name: no dnat in audit -F $fmt: $(cat "$CAPS/$name.fix")"
	if [ $fmt = iptables ]; then
		lab_gw iptables-restore --noflush <"$CAPS/$name.fix"
	else
		lab_gw nft -f "$CAPS/$name.fix"
	fi && ok "$name: audit -F $fmt loads on the gateway" ||
		bad "$name: audit -F $fmt refused: $(cat "$CAPS/$name.fix")"
	lab_gw conntrack -F >/dev/null 2>&1 || true
	: >"$CAPS/$name-fixed.res"
	nat_curl "$CAPS/$name-fixed.res" pasv-trust 37810 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
	grep -q ' ok' "$CAPS/$name-fixed.res" &&
		ok "$name: the audit's fix alone makes the transfer work" ||
		bad "$name: the transfer still fails with the fix: $(cat "$CAPS/$name-fixed.res")"
	if [ $fmt = iptables ]; then
		lab_gw iptables-save -c >"$CAPS/$name-fixed.ipt"
		set -- "$CAPS/$name-fixed.ipt"
	else
		lab_gw nft -j list ruleset >"$CAPS/$name-fixed.json"
		set -- "$CAPS/$name-fixed.json"
	fi
	natfix_audit $name json "$@" >"$CAPS/$name-fixed.audit.json"
	"$LAB_PYTHON" - "$CAPS/$name-fixed.audit.json" $name <<'PYEOF' || failed=$((failed + 1))
import json, sys
a = json.load(open(sys.argv[1]))
bad = [f for f in a["flows"] if f["verdict"] != "accept"]
ok = not bad and not a["denied"] and not a["fixes"] and a["flows"]
print("%s - %s: the fixed ruleset accepts every flow of the failing capture%s" % (
    "ok" if ok else "not ok", sys.argv[2], "" if ok else ": %s" % (bad or a["fixes"])))
sys.exit(0 if ok else 1)
PYEOF
done
lab_gw nft flush ruleset
lab_vsftpd_stop
[ -n "${NATAUDIT_KEEP:-}" ] && mkdir -p "$NATAUDIT_KEEP" && cp "$CAPS"/* "$NATAUDIT_KEEP"/
echo "# $failed failed"
[ "$failed" = 0 ]

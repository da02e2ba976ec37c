#!/bin/bash
# SPDX-License-Identifier: ISC
# nataudit.sh: audit follows the gateway's NAT as the kernel does.  In the
# NAT lab (lab.sh, nat_lib.sh) the gateway forwards $NAT_PUBLIC's port 21
# and a 2-port passive range to vsftpd (pasv_address set), once with the
# range forwarded and once without; curl transfers through it (EPSV, and
# PASV trusting the 227 address), captured with -i any.  For each
# scenario (and once more with the ftp helper and no range forwarded)
# the gateway's own ruleset (nft -j list ruleset) is audited
# against the capture with --side gateway:
#   - every transfer's flows are accepted exactly when the kernel let the
#     transfer work;
#   - the passive range not forwarded gives reject (the gateway takes the
#     connection itself) and a nat-not-forwarded finding; the dnat rule
#     the finding names, added alone to the gateway's nat chain, makes the
#     transfer work;
#   - the trace shows the dnat translation of the control connection.
# Root, netns, nft, vsftpd and curl, else SKIP (77).
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
. "$srcdir/tests/integration/lab.sh"
. "$srcdir/tests/integration/nat_lib.sh"

lab_need_root curl nft "$LAB_VSFTPD_BIN"
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

# check NAME RESULTS: audit the gateway's ruleset against NAME's capture
# and compare each transfer's verdict with the kernel's outcome.
check() {
	local name=$1 res=$2
	lab_gw nft -j list ruleset >"$CAPS/$name.json"
	"$FTPAUDIT" audit -q --no-fail --side gateway --ruleset "$CAPS/$name.json" \
		--iface="$LAB_DEV_GW_CLIENT,$LAB_DEV_GW_SERVER" \
		-F json "$CAPS/$name-any.pcap" >"$CAPS/$name.audit.json" 2>"$CAPS/err" ||
		{ bad "$name: audit failed: $(head -c 300 "$CAPS/err")"; return; }
	"$LAB_PYTHON" - "$CAPS/$name.audit.json" "$res" "$name" <<'PYEOF'
import json, sys
a = json.load(open(sys.argv[1]))
name = sys.argv[3]
bad = 0
flows = a["flows"]
for line in open(sys.argv[2]):
    if line.startswith("#"):
        continue
    tag, lport, outcome, _ = line.split()
    lport = int(lport)
    ctl = [f for f in flows if f["purpose"] == "control"
           and f["initiator"]["port"] == lport]
    if len(ctl) != 1:
        print("not ok - %s %s: %d control flows from port %d" % (name, tag, len(ctl), lport))
        bad += 1
        continue
    mine = [f for f in flows if f["session"] == ctl[0]["session"]]
    verdict = "ok" if all(f["verdict"] == "accept" for f in mine) else "fail"
    if verdict != outcome:
        print("not ok - %s %s: kernel %s, audit %s (%s)" % (name, tag, outcome,
              verdict, [(f["purpose"], f["verdict"]) for f in mine]))
        bad += 1
    else:
        print("ok - %s %s: kernel and audit say %s" % (name, tag, outcome))
    if not any("prerouting dstnat: dnat" in t for t in ctl[0]["trace"]):
        print("not ok - %s %s: no dnat line in the trace %s" % (name, tag, ctl[0]["trace"]))
        bad += 1
sys.exit(1 if bad else 0)
PYEOF
	[ $? = 0 ] || failed=$((failed + 1))
}

# The range forwarded: everything works.
nat_gw dnat --range "$RANGE" || exit 99
nat_capture_start "$CAPS" fwd || exit 99
: >"$CAPS/fwd.res"
nat_curl "$CAPS/fwd.res" epsv 37010 "ftp://$PUB$F"
nat_curl "$CAPS/fwd.res" pasv-trust 37020 "ftp://$PUB$F" --disable-epsv --no-ftp-skip-pasv-ip
nat_capture_stop || { echo "ERROR: capture lost packets"; exit 99; }
check fwd "$CAPS/fwd.res"

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
check helper "$CAPS/helper.res"

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
check norange "$CAPS/norange.res"
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
lab_vsftpd_stop
[ -n "${NATAUDIT_KEEP:-}" ] && mkdir -p "$NATAUDIT_KEEP" && cp "$CAPS"/* "$NATAUDIT_KEEP"/
echo "# $failed failed"
[ "$failed" = 0 ]

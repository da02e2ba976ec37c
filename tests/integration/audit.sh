#!/bin/bash
# SPDX-License-Identifier: ISC
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
#   - every dropped or rejected flow has a fix (fixes.sh applies them
#     in the kernel).
# The lab and the rulesets are in audit_lab.sh.
# Root, netns, nft, iptables-nft, vsftpd, curl and python3, else SKIP (77).
# AUDIT_KEEP=1 copies each case's capture, ruleset dump and output to /tmp.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FTPAUDIT=${FTPAUDIT:-$srcdir/ftpaudit}
. "$srcdir/tests/integration/lab.sh"

lab_need_root curl nft iptables-restore iptables-save "$LAB_VSFTPD_BIN" "$LAB_PYTHON"
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
PY=$LAB_PYTHON

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

. "$srcdir/tests/integration/audit_lab.sh"

cat >"$W/check.py" <<'EOF'
# check.py KIND DUMP AUDIT_JSON RESULTS EXPECTED FINDINGS FIXES_OUT SCHEMA
import json, re, sys

kind, dump, out, results, expected, want = sys.argv[1:7]
a = json.load(open(out))
runs = [r.split(":") for r in open(results).read().split()]
expect = dict(r.split(":") for r in expected.split())


def check(cond, msg):
    print(("ok - " if cond else "not ok - ") + msg)


try:
    from jsonschema import Draft202012Validator
    schema = json.load(open(sys.argv[7]))
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

ids = [x["id"] for x in a["fixes"]]
denied = [i for i, f in enumerate(a["flows"]) if f["verdict"] in ("drop", "reject")]
check(sorted(d["flow"] for d in a["denied"]) == denied and
      all(d["fix"] in ids for d in a["denied"]),
      "every dropped or rejected flow has a fix (%d flows, %d fixes)" % (len(denied), len(ids)))
EOF

# run_case NAME KIND FILE SIDE EXPECTED FINDINGS
run_case() {
	local name=$1 kind=$2 file=$3 side=$4 expected=$5 want=$6
	local cap="$W/$name.pcap" rs="$W/$name.dump" out="$W/$name.json"
	local res="$W/$name.results" rc line
	echo "# $name ($kind, $side side)"
	audit_side "$side"
	load "$kind" "$file" || { check FAIL "$name: ruleset loads"; return; }
	audit_transfers "$cap" "$res" || { check FAIL "$name: capture"; return; }
	dump "$kind" "$rs"
	"$FTPAUDIT" audit --all-unused --ruleset="$rs" --side="$side" --iface="$AUDIT_IFACE" -F json -q \
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
	done < <("$PY" "$W/check.py" "$kind" "$rs" "$out" "$res" "$expected" "$want" \
		"$srcdir/schema/audit.schema.json" 2>&1)
	[ "${AUDIT_KEEP:-0}" = 1 ] && cp "$out" "$cap" "$rs" /tmp/ 2>/dev/null
	fw nft flush ruleset
	return 0
}

audit_cases run_case
echo "# $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

#!/bin/bash
# SPDX-License-Identifier: ISC
# Command-line habits (issue 20): each subcommand's --help lists its own
# options and no other's, every usage error is one line and the hint,
# `ftpaudit x.pcap` says what was meant, -r reads captures as tcpdump's
# does with the words after the options as the filter, and the progress
# line shows on a terminal only.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
src=${srcdir:-.}
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: $PY missing"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
S=$src/samples
mixed=$S/vsftpd-mixed.pcap
pasv=$S/vsftpd-curl-pasv.pcap
ruleset=$src/tests/integration/audit-data/server-helper.ipt
cmds="analyze rules live audit"

# --- --help per subcommand -------------------------------------------------

for c in $cmds; do
	"$FTPAUDIT" $c --help >"$tmp/help.$c" 2>"$tmp/err"
	rc=$?
	"$FTPAUDIT" $c -h >"$tmp/h" 2>>"$tmp/err"
	if [ $rc = 0 ] && [ ! -s "$tmp/err" ] && cmp -s "$tmp/h" "$tmp/help.$c" &&
	    head -1 "$tmp/help.$c" | grep -q "^usage: ftpaudit $c "; then
		ok "$c --help and -h: its usage on stdout, exit 0"
	else
		bad "$c --help: exit $rc, $(head -c 200 "$tmp/err")"
	fi
	w=$(awk '{ if (length > m) m = length } END { print m + 0 }' "$tmp/help.$c")
	[ "$w" -le 80 ] && ok "$c --help fits 80 columns" ||
		bad "$c --help: a line of $w columns"
done
"$FTPAUDIT" --help >"$tmp/help.global" 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    grep -q "ftpaudit COMMAND --help" "$tmp/help.global" &&
    ! grep -q -- "--max-connections" "$tmp/help.global" &&
	ok "ftpaudit --help: the global summary" || bad "ftpaudit --help"

# Each command's long options, read from its option table (and the shared
# ones it splices in), must all be in its --help and in ftpaudit(1).
$PY - "$src" "$tmp" $cmds <<'PY' >"$tmp/opts.out" || bad "option tables: $(cat "$tmp/opts.out")"
import os, re, sys
src, tmp, cmds = sys.argv[1], sys.argv[2], sys.argv[3:]
def text(p):
    return open(os.path.join(src, p), encoding="utf-8").read()
def macro(s, name):
    m = re.search(r"#define " + name + r"\b((?:.*\\\n)*.*)", s)
    return m.group(1) if m else ""
def names(block):
    return re.findall(r'\{\s*"([a-z0-9-]+)"\s*,', block)
cli_h, cmd_h = text("src/cli.h"), text("src/cmd.h")
shared = {"CLI_INPUT_LONGOPTS": names(macro(cli_h, "CLI_INPUT_LONGOPTS")),
          "CLI_SELECT_LONGOPTS": names(macro(cli_h, "CLI_SELECT_LONGOPTS")),
          "RULES_LONGOPTS": names(macro(cmd_h, "RULES_LONGOPTS"))}
man = text("man/ftpaudit.1").replace("\\-", "-")
bad = 0
for c in cmds:
    s = text("src/cmd_%s.c" % c)
    m = re.search(r"static const struct option \w+\[\] = \{(.*?)\n\};", s, re.S)
    if not m:
        print("no option table in cmd_%s.c" % c); bad = 1; continue
    opts = names(m.group(1))
    for k, v in shared.items():
        if k in m.group(1):
            opts += v
    if len(opts) < 10:
        print("%s: only %d options found" % (c, len(opts))); bad = 1
    helptext = open(os.path.join(tmp, "help." + c)).read()
    for o in sorted(set(opts)):
        if not re.search(r"--" + re.escape(o) + r"\b", helptext):
            print("%s --help does not list --%s" % (c, o)); bad = 1
        if not re.search(r"--" + re.escape(o) + r"\b", man):
            print("ftpaudit(1) does not describe --%s" % o); bad = 1
    open(os.path.join(tmp, "opts." + c), "w").write("\n".join(sorted(set(opts))) + "\n")
sys.exit(bad)
PY
[ -s "$tmp/opts.out" ] || ok "every option of every command in its --help and in ftpaudit(1)"

# An option in another command's help and not in this one's is refused as
# unknown; one in its own is taken (whatever else is then missing).
cat "$tmp"/help.analyze "$tmp"/help.rules "$tmp"/help.live "$tmp"/help.audit |
	grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"$tmp/all"
for c in $cmds; do
	grep -o -- '--[a-z][a-z0-9-]*' "$tmp/help.$c" | sort -u >"$tmp/own"
	nown=0 nother=0 wrong=""
	while read -r o; do
		"$FTPAUDIT" $c "$o" </dev/null >/dev/null 2>"$tmp/err"
		if grep -q "unknown option\|ambiguous" "$tmp/err"; then
			wrong="$wrong $o(refused)"
		fi
		nown=$((nown + 1))
	done <"$tmp/own"
	while read -r o; do
		# A prefix of one of its own options is an abbreviation of it.
		grep -q -- "^$o" "$tmp/own" && continue
		"$FTPAUDIT" $c "$o" </dev/null >/dev/null 2>"$tmp/err"
		grep -qF "unknown option '$o'" "$tmp/err" || wrong="$wrong $o(taken)"
		nother=$((nother + 1))
	done < <(comm -23 "$tmp/all" "$tmp/own")
	[ -z "$wrong" ] && [ $nown -gt 5 ] &&
		ok "$c: its $nown own options taken, $nother of the others refused" ||
		bad "$c --help and its options disagree:$wrong"
done

# --- usage errors: one line, then the hint ---------------------------------

# usage NAME ARGS...: exit 2, nothing on stdout, two lines on stderr: the
# error ("ftpaudit: ...") and exactly "see ftpaudit CMD --help".
usage() {
	local name=$1 c; shift
	c=$1
	"$FTPAUDIT" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc = 2 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" = 2 ] &&
	    head -1 "$tmp/err" | grep -q '^ftpaudit: ' &&
	    [ "$(sed -n 2p "$tmp/err")" = "see ftpaudit $c --help" ]; then
		ok "usage error, $name: $(head -1 "$tmp/err")"
	else
		bad "usage error, $name: exit $rc: $(head -c 300 "$tmp/err")"
	fi
}
for c in analyze rules audit; do
	x=(); [ $c = audit ] && x=(--ruleset="$ruleset")
	usage "$c unknown long option" $c "${x[@]}" --no-such-option "$pasv"
	usage "$c unknown short option" $c "${x[@]}" -Y "$pasv"
	usage "$c no value" $c "${x[@]}" "$pasv" --output
	usage "$c no value (short)" $c "${x[@]}" "$pasv" -o
	usage "$c value to a flag" $c "${x[@]}" --quiet=yes "$pasv"
	usage "$c ambiguous" $c "${x[@]}" --max "$pasv"
	usage "$c bad number" $c "${x[@]}" --max-line=abc "$pasv"
	usage "$c -f and an expression" $c "${x[@]}" -f "port 21" -r "$pasv" port 21
	usage "$c a file after -r" $c "${x[@]}" -r "$pasv" "$mixed"
done
usage "analyze no capture" analyze
usage "analyze bad format" analyze -F yaml "$pasv"
usage "rules no capture" rules
usage "rules bad side" rules --side=middle "$pasv"
usage "audit no ruleset" audit "$pasv"
usage "audit no capture" audit --ruleset="$ruleset"
usage "rules --records and a filter" rules --records -r - port 21
usage "audit --records and a filter" audit --ruleset="$ruleset" --records -f "port 21" -
usage "live no interface" live
usage "live -r" live -i lo -r "$pasv"
usage "live unknown option" live -i lo --ruleset=x
"$FTPAUDIT" analyze --no-such-option "$pasv" 2>&1 | head -1 | grep -q -- "'--no-such-option'" &&
	ok "the error names the option" || bad "the error does not name the option"
"$FTPAUDIT" analyze --fromat=json "$pasv" 2>&1 | grep -q "did you mean --format" &&
	ok "a misspelt option: did you mean" || bad "--fromat: no suggestion"
"$FTPAUDIT" </dev/null >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 2 ] && [ "$(sed -n 2p "$tmp/err")" = "see ftpaudit --help" ] &&
	ok "no command: one line and the hint" || bad "no command: $(cat "$tmp/err")"
"$FTPAUDIT" $'frob\nnicate' </dev/null >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 2 ] && grep -qF "unknown command 'frob\x0anicate'" "$tmp/err" &&
	ok "a newline in a command: escaped, still one line" || bad "newline: $(cat "$tmp/err")"
"$FTPAUDIT" analyze $'--no\nsuch' "$pasv" </dev/null >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 2 ] &&
	ok "a newline in an option: still one line" || bad "newline in an option: $(cat "$tmp/err")"
"$FTPAUDIT" frobnicate </dev/null >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 2 ] && grep -q "unknown command 'frobnicate'" "$tmp/err" &&
	ok "unknown command: one line and the hint" || bad "unknown command: $(cat "$tmp/err")"

# --- did you mean ------------------------------------------------------------

# mean NAME WANT ARGS...: exit 2, exactly one line, WANT in it.
mean() {
	local name=$1 want=$2; shift 2
	"$FTPAUDIT" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc = 2 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
	    grep -qF -- "$want" "$tmp/err"; then
		ok "$name: $(cat "$tmp/err")"
	else
		bad "$name: exit $rc: $(head -c 300 "$tmp/err")"
	fi
}
mean "a capture first" "did you mean: ftpaudit analyze $mixed" "$mixed"
mean "a name ending in .pcapng" "did you mean: ftpaudit analyze none.pcapng" none.pcapng
mean "a .gz name" "did you mean: ftpaudit analyze x.pcap.gz" x.pcap.gz
mean "options, then a capture" "did you mean: ftpaudit analyze -F json $mixed" -F json "$mixed"
mean "a word with a space" "did you mean: ftpaudit analyze 'my trace.cap'" "my trace.cap"
mean "a control byte, escaped" "did you mean: ftpaudit analyze \$'a\\x1b[2Jb.pcap'" $'a\e[2Jb.pcap'
mean "analyse" "did you mean: ftpaudit analyze $mixed" analyse "$mixed"
mean "rule" "did you mean: ftpaudit rules" rule
mean "audti" "did you mean: ftpaudit audit" audti
mean "lvie" "did you mean: ftpaudit live" lvie
"$FTPAUDIT" hlep >/dev/null 2>"$tmp/err"
[ $? = 2 ] && ! grep -q "did you mean" "$tmp/err" &&
	ok "hlep: no suggestion (two edits in four letters)" || bad "hlep: $(cat "$tmp/err")"
"$FTPAUDIT" help rules >"$tmp/h" 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    cmp -s "$tmp/h" "$tmp/help.rules" && "$FTPAUDIT" help >"$tmp/h" &&
    cmp -s "$tmp/h" "$tmp/help.global" &&
	ok "ftpaudit help [COMMAND]: as --help" || bad "ftpaudit help rules"
# The suggestion is a command that works.
sug=$("$FTPAUDIT" "$mixed" 2>&1 | sed 's/.*did you mean: ftpaudit //')
"$FTPAUDIT" $sug -q -F json >"$tmp/out" 2>"$tmp/err" &&
	$PY -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["sessions"] else 1)' "$tmp/out" &&
	ok "the suggestion runs: ftpaudit $sug" || bad "the suggestion fails: $(head -c 200 "$tmp/err")"

# --- -r and the trailing filter, as tcpdump --------------------------------

# A filter that leaves out the first session's control connection.
port=$("$FTPAUDIT" analyze -q -F json "$mixed" | $PY -c '
import json, sys; print(json.load(sys.stdin)["sessions"][0]["client"]["port"])')
expr="not port $port"
nsess() { $PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["sessions"]))' "$1"; }
"$FTPAUDIT" analyze -q -F json "$mixed" >"$tmp/all.json"
"$FTPAUDIT" analyze -q -F json -f "$expr" "$mixed" >"$tmp/f.json"
"$FTPAUDIT" analyze -q -F json -r "$mixed" $expr >"$tmp/r.json"
if [ -s "$tmp/f.json" ] && cmp -s "$tmp/f.json" "$tmp/r.json" &&
    [ "$(nsess "$tmp/f.json")" -lt "$(nsess "$tmp/all.json")" ]; then
	ok "analyze -r FILE $expr: the same JSON as -f '$expr' ($(nsess "$tmp/r.json") of $(nsess "$tmp/all.json") sessions)"
else
	bad "analyze -r with an expression differs from -f"
fi
"$FTPAUDIT" rules -q -f "$expr" "$mixed" >"$tmp/f.json"
"$FTPAUDIT" rules -q -r "$mixed" $expr >"$tmp/r.json"
[ -s "$tmp/f.json" ] && cmp -s "$tmp/f.json" "$tmp/r.json" &&
	ok "rules -r FILE $expr: the same JSON as -f" || bad "rules -r with an expression differs from -f"
"$FTPAUDIT" audit -q --no-fail -F json --ruleset="$ruleset" -f "$expr" "$pasv" >"$tmp/f.json"
"$FTPAUDIT" audit -q --no-fail -F json --ruleset="$ruleset" -r "$pasv" $expr >"$tmp/r.json"
[ -s "$tmp/f.json" ] && cmp -s "$tmp/f.json" "$tmp/r.json" &&
	ok "audit -r FILE $expr: the same JSON as -f" || bad "audit -r with an expression differs from -f"
"$FTPAUDIT" analyze -q -F json "$mixed" "$pasv" >"$tmp/f.json"
"$FTPAUDIT" analyze -q -F json -r "$mixed" -r "$pasv" >"$tmp/r.json"
[ -s "$tmp/f.json" ] && cmp -s "$tmp/f.json" "$tmp/r.json" &&
	ok "-r twice: the same JSON as the two operands" || bad "-r twice differs"
"$FTPAUDIT" analyze -q -F json -r - <"$mixed" >"$tmp/r.json" &&
	[ "$(nsess "$tmp/r.json")" = "$(nsess "$tmp/all.json")" ] &&
	ok "-r -: standard input" || bad "-r - does not read standard input"

# --- progress: a status line on a terminal only ---------------------------

# A capture of the sample's sessions and 40,000 more frames, fed through a
# pipe over about 3 s (a file is read in less than the second the line
# waits for); standard error is a pseudo-terminal, or a file.
$PY - "$FTPAUDIT" "$mixed" "$ruleset" "$tmp" <<'PY' >"$tmp/progress.out" 2>&1
import os, pty, re, select, struct, subprocess, sys, threading, time
ftpaudit, sample, ruleset, tmp = sys.argv[1:5]
raw = open(sample, "rb").read()
assert struct.unpack("<I", raw[:4])[0] == 0xa1b2c3d4, "a little-endian pcap"
recs, off, last = [], 24, 0
while off < len(raw):
    ts, us, incl, orig = struct.unpack("<IIII", raw[off:off + 16])
    recs.append(raw[off:off + 16 + incl])
    last, off = ts, off + 16 + incl
def frame(i):
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + 16, i & 0xffff, 0, 64, 6, 0,
                     bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2]))
    tcp = struct.pack("!HHIIBBHHH", 40000 + i % 1000, 80, i, 0, 0x50, 0x18, 512, 0, 0)
    return eth + ip + tcp + b"x" * 16
more = []
for i in range(40000):
    f = frame(i)
    more.append(struct.pack("<IIII", last + 1 + i // 1000, i % 1000, len(f), len(f)) + f)
cap = raw[:24] + b"".join(recs + more)
fails = 0
def run(args, tty, name):
    """Feed cap slowly on stdin; stderr a pty (tty) or a file; what it got."""
    global fails
    if tty:
        master, slave = pty.openpty()
        err = slave
    else:
        err = open(os.path.join(tmp, name + ".err"), "wb")
    out = open(os.path.join(tmp, name + ".out"), "wb")
    p = subprocess.Popen([ftpaudit] + args, stdin=subprocess.PIPE, stdout=out, stderr=err)
    got = bytearray()
    def feed():
        step = len(cap) // 75 + 1
        for i in range(0, len(cap), step):
            p.stdin.write(cap[i:i + step]); p.stdin.flush(); time.sleep(0.04)
        p.stdin.close()
    t = threading.Thread(target=feed); t.start()
    if tty:
        os.close(slave)
        while True:
            r, _, _ = select.select([master], [], [], 30)
            if not r:
                break
            try:
                b = os.read(master, 4096)
            except OSError:
                break
            if not b:
                break
            got += b
        os.close(master)
    t.join(); rc = p.wait(); out.close()
    if not tty:
        err.close()
        got = open(os.path.join(tmp, name + ".err"), "rb").read()
    if rc != 0:
        print("FAIL %s: exit %d: %r" % (name, rc, bytes(got[:300]))); fails += 1
    return bytes(got)
line = re.compile(rb"\r\x1b\[K[0-9.]+ MB  [0-9.]+ MB/s  [0-9]+ packets  [0-9]+ sessions")
for name, args in (("analyze", ["analyze", "-F", "json", "-"]),
                   ("rules", ["rules", "-"]),
                   ("audit", ["audit", "--no-fail", "--ruleset=" + ruleset, "-"])):
    got = run(args, True, name)
    lines = line.findall(got)
    if lines and got.endswith(b"\r\x1b[K") and b"\n" not in got:
        print("ok   progress: %s on a terminal: %d status lines, cleared at the end (%s)" %
              (name, len(lines), lines[-1][4:].decode()))
    else:
        print("FAIL progress: %s on a terminal: %r" % (name, got[-300:])); fails += 1
    if name == "analyze":
        n = int(re.findall(rb"([0-9]+) packets", lines[-1])[0]) if lines else 0
        if 0 < n <= 40000 + len(recs):
            print("ok   progress: packets counted (%d at the last line)" % n)
        else:
            print("FAIL progress: %d packets" % n); fails += 1
got = run(["analyze", "-q", "-F", "json", "-"], True, "quiet")
if got == b"":
    print("ok   progress: nothing with -q")
else:
    print("FAIL progress: -q wrote %r" % got[:300]); fails += 1
got = run(["analyze", "-F", "json", "-"], False, "piped")
if got == b"":
    print("ok   progress: nothing when standard error is not a terminal")
else:
    print("FAIL progress: stderr a file got %r" % got[:300]); fails += 1
sys.exit(1 if fails else 0)
PY
prc=$?
cat "$tmp/progress.out"
p=$(grep -c '^ok ' "$tmp/progress.out"); f=$(grep -c '^FAIL' "$tmp/progress.out")
pass=$((pass + p)); fail=$((fail + f))
[ $prc = 0 ] || [ "$f" -gt 0 ] || bad "progress: the check stopped: $(tail -3 "$tmp/progress.out")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: ISC
# live.sh: `ftpaudit live -F ndjson` on the server's veth while curl runs real
# transfers against vsftpd (PASV and EPRT downloads, an EPSV upload, an IPv6
# download) and one session stays logged in, then SIGINT: exit 0, every
# session and transfer in the stream with the right bytes, the idle session
# ended as capture_end, a connection to port 20 as an unattributed event, a
# final stats event with every counter, and the -w file holds the same
# sessions for analyze.  Then the one-line errors (no such interface,
# interface down, no permission) and a --duration run with -F json, -Z
# and -w -C rotation.  Root and netns, else SKIP.
set -eu
: "${FTPAUDIT:?FTPAUDIT must name the ftpaudit binary}"
srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/integration/lab.sh"

lab_need_root curl "$LAB_VSFTPD_BIN" "$LAB_PYTHON"
SECONDS=0
lab_up "lv$$"
lab_files
lab_vsftpd

out=$LAB_DIR/live.ndjson err=$LAB_DIR/live.err
# Started without job control, so SIGINT arrives ignored: the handler must
# be installed regardless.
ip netns exec "$LAB_NS_SERVER" "$FTPAUDIT" live -i "$LAB_DEV_SERVER" \
	-F ndjson --stats-interval 1 -w "$LAB_DIR/live.pcap" >"$out" 2>"$err" &
pid=$!
LAB_PIDS+=("$pid")
lab_poll 250 0.02 grep -q "listening on" "$err" || { cat "$err" >&2; exit 1; }

c() { lab_client curl --max-time 15 -sS "$@"; }
up=$LAB_DIR/upload.bin
lab_gen_file "$up" 54321 7
c --disable-epsv -o /dev/null "ftp://$LAB_SERVER4/pub/medium.bin"
c -P - -o /dev/null "ftp://$LAB_SERVER4/pub/small.bin"
c -T "$up" "ftp://$LAB_SERVER4/incoming/up.bin"
c -g -o /dev/null "ftp://[$LAB_SERVER6]/pub/hello.txt"
# Data-like traffic no session negotiated: refused, yet reported.
lab_client "$LAB_PYTHON" -c '
import socket
try: socket.create_connection(("'"$LAB_SERVER4"'", 20), timeout=3)
except OSError: pass
'
lab_settle
# A client that logs in and stays: open when the capture is stopped.
lab_client "$LAB_PYTHON" -c '
import ftplib, time
f = ftplib.FTP("'"$LAB_SERVER4"'", timeout=10); f.login(); print("in", flush=True); time.sleep(30)
' >"$LAB_DIR/idle.out" 2>&1 &
LAB_PIDS+=("$!")
lab_poll 250 0.02 grep -qs in "$LAB_DIR/idle.out"
sleep 1.2	# at least one periodic stats event

kill -USR1 "$pid"
lab_poll 100 0.02 grep -q "packets received, 0 dropped by the kernel" "$err" ||
	{ echo "FAIL: no statistics on stderr after SIGUSR1:" >&2; cat "$err" >&2; exit 1; }
echo "ok: SIGUSR1: $(grep 'packets received' "$err")"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || { echo "FAIL: ftpaudit live exited $rc after SIGINT" >&2; cat "$err" >&2; exit 1; }
echo "ok: exit 0 after SIGINT (in the background, no job control)"

"$LAB_PYTHON" - "$out" "$LAB_SIZE_MEDIUM" "$LAB_SIZE_SMALL" 54321 \
	"$(stat -c %s "$LAB_FTP_ROOT/pub/hello.txt")" <<'PY'
import json, sys
path, medium, small, upload, hello = sys.argv[1], *map(int, sys.argv[2:])
events = [json.loads(l) for l in open(path)]
fail = []
def check(cond, msg):
    print(("ok: " if cond else "FAIL: ") + msg)
    if not cond: fail.append(msg)

check(all("event" in e and "ts" in e for e in events), "every line is an event with a ts")
kinds = [e["event"] for e in events]
starts = [e for e in events if e["event"] == "session_start"]
ends = [e for e in events if e["event"] == "session_end"]
check(len(starts) == 5 and len(ends) == 5, "5 session_start and 5 session_end (got %d, %d)" % (len(starts), len(ends)))
check(sorted(e["session"] for e in starts) == sorted(e["session"] for e in ends),
      "each session that started ended")
check(all(e["record"]["id"] == e["session"] and e["record"]["end_reason"] == e["end_reason"] for e in ends),
      "session_end carries the session object as record")
reasons = sorted(e["end_reason"] for e in ends)
check(reasons == ["capture_end"] + ["quit"] * 4, "4 ended by QUIT, the idle one as capture_end: %s" % reasons)
users = [e for e in events if e["event"] == "command" and e["command"] == "USER"]
check(len(users) == 5 and all(e["arg"] == "anonymous" for e in users), "USER anonymous seen live in every session")
ends_x = [e for e in events if e["event"] == "transfer_end"]
starts_x = [e for e in events if e["event"] == "transfer_start"]
want = [("PASV", "download", "/pub/medium.bin", medium),
        ("EPRT", "download", "/pub/small.bin", small),
        ("EPSV", "upload", "/incoming/up.bin", upload),
        ("EPSV", "download", "/pub/hello.txt", hello)]
got = sorted((e["negotiation"], e["direction"], e["path"], e["bytes"]) for e in ends_x if e["status"] == "complete")
check(got == sorted(want), "transfers with the right bytes: %s" % got)
check(len(starts_x) == 4, "4 transfer_start events (got %d)" % len(starts_x))
check(all(e["transfer"] == 1 for e in starts_x), "transfer ids")
# Each transfer event comes between its session's start and end.
pos = {}
for i, e in enumerate(events):
    if "session" in e: pos.setdefault(e["session"], []).append((i, e["event"]))
check(all(v[0][1] == "session_start" and v[-1][1] == "session_end" for v in pos.values()),
      "per session: session_start first, session_end last")
stats = [e for e in events if e["event"] == "stats"]
check(len(stats) >= 2 and kinds[-1] == "stats" and "session" not in stats[-1],
      "periodic stats and a final stats event last (%d)" % len(stats))
last = stats[-1]
check(last["sessions_total"] == 5 and last["sessions_open"] == 0 and last["packets"] > 0,
      "final stats: 5 sessions, none open, packets %d, kernel drops %d" % (last["packets"], last["packets_dropped"]))
check(last["final"] is True and not any(e["final"] for e in stats[:-1]),
      "only the last stats event is final")
check(last["tool"] == "ftpaudit" and last["schema_version"] == 1 and
      last["stats"]["ftp_sessions"] == 5 and last["stats"]["packets"] == last["packets"],
      "the final stats event carries every counter, as analyze's stats")
un = [e for e in events if e["event"] == "unattributed"]
check(len(un) == 1 and un[0]["responder"]["port"] == 20 and "session" not in un[0] and
      last["stats"]["unattributed_data_connections"] == 1,
      "the connection to port 20: one unattributed event (%s)" % un)
sys.exit(1 if fail else 0)
PY
"$FTPAUDIT" analyze -F ndjson "$LAB_DIR/live.pcap" >"$LAB_DIR/analyze.ndjson"
n=$(grep -c '^{"record":"session",' "$LAB_DIR/analyze.ndjson")
u=$(grep -c '^{"record":"unattributed",' "$LAB_DIR/analyze.ndjson")
[ "$n" = 5 ] && [ "$u" = 1 ] ||
	{ echo "FAIL: the -w capture holds $n sessions, not 5, $u unattributed, not 1" >&2; exit 1; }
echo "ok: the -w capture holds the 5 sessions and the unattributed connection"
# The errors users meet: one line each, exit 1.
expect_error() {
	local want=$1 rc=0 msg
	shift
	msg=$("$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" = 1 ] && [ "$(printf '%s\n' "$msg" | wc -l)" = 1 ] &&
		printf '%s' "$msg" | grep -qF -- "$want" ||
		{ echo "FAIL: $*: exit $rc, '$msg' (wanted '$want')" >&2; exit 1; }
	echo "ok: one line and exit 1: $msg"
}
expect_error "nosuch0: no such interface" "$FTPAUDIT" live -i nosuch0 -F ndjson
ip -n "$LAB_NS_SERVER" link add dn0 type veth peer name dn1
expect_error "dn0: interface is down" \
	ip netns exec "$LAB_NS_SERVER" "$FTPAUDIT" live -i dn0 -F ndjson
if command -v setpriv >/dev/null; then
	expect_error "needs root or the CAP_NET_RAW capability" \
		ip netns exec "$LAB_NS_SERVER" setpriv --reuid=nobody --regid=nogroup \
		--clear-groups --inh-caps=-all "$FTPAUDIT" live -i "$LAB_DEV_SERVER" -F ndjson
fi

# -Z drops to nobody before the -w files are opened; -C 1 rotates them
# every million bytes; --duration ends the capture; -F json writes the
# analyze document at the end.
big=$LAB_FTP_ROOT/pub/big.bin
lab_gen_file "$big" 2500000 9
chmod 644 "$big"
rot=$LAB_DIR/rot
mkdir -m 777 "$rot"
ip netns exec "$LAB_NS_SERVER" "$FTPAUDIT" live -i "$LAB_DEV_SERVER" -F json \
	-Z nobody -w "$rot/r.pcap" -C 1 --duration=3 >"$LAB_DIR/live.json" 2>"$err" &
pid=$!
lab_poll 250 0.02 grep -q "listening on" "$err" || { cat "$err" >&2; exit 1; }
c -o /dev/null "ftp://$LAB_SERVER4/pub/big.bin"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || { echo "FAIL: --duration run exited $rc" >&2; cat "$err" >&2; exit 1; }
[ "$(stat -c %U "$rot/r.pcap")" = nobody ] && [ -s "$rot/r.pcap1" ] && [ -s "$rot/r.pcap2" ] ||
	{ echo "FAIL: rotation or -Z: $(ls -l "$rot")" >&2; exit 1; }
echo "ok: --duration ends it, -Z nobody owns the -w files, -C 1 rotated: $(cd "$rot" && echo *)"
"$LAB_PYTHON" - "$LAB_DIR/live.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
x = [t for s in d["sessions"] for t in s["transfers"]]
assert len(d["sessions"]) == 1 and len(x) == 1 and x[0]["bytes"] == 2500000, x
print("ok: -F json: the analyze document with the 2500000-byte transfer")
PY
n=$("$FTPAUDIT" analyze -F ndjson "$rot"/r.pcap* | grep -c '^{"record":"session",')
[ "$n" = 1 ] || { echo "FAIL: the rotated files hold $n sessions" >&2; exit 1; }
echo "ok: the rotated files together hold the session"

echo "live.sh: ${SECONDS}s"

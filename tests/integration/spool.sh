#!/bin/bash
# SPDX-License-Identifier: ISC
# The text report keeps its sessions and its second section (each
# session's firewall openings) in two temporary files in $TMPDIR, as its
# summary comes first: it leaves nothing behind, even
# when the run is killed, and when it fills up the run says so in one line
# and exits 1, and the report is not written at all: its summary, first,
# would count sessions it does not show.  JSON and NDJSON
# write every session as it ends and need no temporary file.  Needs root
# to mount a small tmpfs.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
GEN=${HOSTILE_GEN:-./tests/stress/hostile}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: not root (mounts a tmpfs)"; exit 77; }
[ -x "$GEN" ] || { echo "SKIP: $GEN not built"; exit 77; }
tmp=$(mktemp -d) || exit 1
mkdir "$tmp/small" "$tmp/dir"
if ! mount -t tmpfs -o size=64k tmpfs "$tmp/small" 2>/dev/null; then
	rm -rf "$tmp"
	echo "SKIP: cannot mount a tmpfs"
	exit 77
fi
trap 'umount "$tmp/small"; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# 20,000 sessions that end: about 9 MB of JSON, 2 MB of text.
"$GEN" ended 20000 "$tmp/ended.pcap" || { echo "FAIL: generator"; exit 1; }

TMPDIR=$tmp/small "$FTPAUDIT" analyze -F text -o "$tmp/out" "$tmp/ended.pcap" \
    2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q "^ftpaudit: temporary file: write: No space left on device$" \
    "$tmp/err" && ! grep -q "FTP session(s)" "$tmp/out" &&
    ! grep -q "^Firewall openings" "$tmp/out"; then
	ok "full TMPDIR, -F text: exit 1, $(cat "$tmp/err"), no summary"
else
	bad "full TMPDIR, -F text: exit $rc, $(head -c 300 "$tmp/err"), $(tail -n 1 "$tmp/out")"
fi

# JSON and NDJSON need no temporary file.
if TMPDIR=$tmp/small "$FTPAUDIT" analyze -F json -o "$tmp/out" \
    "$tmp/ended.pcap" 2>"$tmp/err" &&
    [ "$(grep -c '"end_reason": "quit"' "$tmp/out")" -eq 20000 ]; then
	ok "full TMPDIR, -F json: 20000 sessions"
else
	bad "full TMPDIR, -F json: $(head -c 300 "$tmp/err")"
fi
if TMPDIR=$tmp/small "$FTPAUDIT" analyze -F ndjson -o "$tmp/out" \
    "$tmp/ended.pcap" 2>"$tmp/err" &&
    [ "$(grep -c '^{"record":"session",' "$tmp/out")" -eq 20000 ]; then
	ok "full TMPDIR, -F ndjson: 20000 sessions"
else
	bad "full TMPDIR, -F ndjson: $(head -c 300 "$tmp/err")"
fi

# A run that completes, and one killed halfway: nothing left in TMPDIR.
TMPDIR=$tmp/dir "$FTPAUDIT" analyze -F text -o "$tmp/out" "$tmp/ended.pcap"
if [ $? -eq 0 ] && [ -z "$(ls -A "$tmp/dir")" ] &&
    [ "$(grep -c '^Session ' "$tmp/out")" -eq 20000 ] &&
    grep -q "^Summary: 20000 FTP session(s)" "$tmp/out"; then
	ok "-F text: 20000 sessions, TMPDIR left empty"
else
	bad "-F text: TMPDIR holds $(ls -A "$tmp/dir")"
fi
# The killed run reads half the capture from a pipe held open, so that it
# is surely mid-run, its spool open and already unlinked.
mkfifo "$tmp/fifo"
TMPDIR=$tmp/dir "$FTPAUDIT" analyze -q -F text -o /dev/null - <"$tmp/fifo" &
pid=$!
exec 3>"$tmp/fifo"
head -c 4000000 "$tmp/ended.pcap" >&3
sleep 0.5
spool=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c "$tmp/dir/ftpaudit-.* (deleted)")
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
exec 3>&-
if [ "$spool" -eq 2 ] && [ -z "$(ls -A "$tmp/dir")" ]; then
	ok "killed mid-run: its spools (sessions, firewall) were open and unlinked, TMPDIR left empty"
else
	bad "killed mid-run: $spool spool open, TMPDIR holds $(ls -A "$tmp/dir")"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

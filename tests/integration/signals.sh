#!/bin/sh
# SPDX-License-Identifier: ISC
# SIGINT and SIGTERM give the report and exit 0 (ftpaudit(1)) whenever
# they come: here while the capture comes slowly through a pipe, before
# and after its first bytes, with the signal's disposition inherited as
# the default (a subshell's job: it used to exit 130 with no report) or
# as ignored (a background job of a non-interactive shell: it used to
# read on until the pipe ended).  Both in the issue's forms,
# "( pipeline ; echo $? ) &" and "pipeline &".
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
SAMPLE=${srcdir:-.}/samples/vsftpd-mixed.pcap
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: $PY missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/ftpaudit-signals.XXXXXX") || exit 1
trap 'touch "$T/stop"; rm -rf "$T"' EXIT
fail=0

# launch DISPOSITION: ftpaudit with SIGINT and SIGTERM as inherited from
# a shell that left them alone or ignored them; its pid in $T/pid.
cat > "$T/launch.py" <<'PY'
import os, signal, sys
disp, pidfile, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
for s in (signal.SIGINT, signal.SIGTERM):
    signal.signal(s, signal.SIG_IGN if disp == "ignored" else signal.SIG_DFL)
open(pidfile, "w").write("%d\n" % os.getpid())
os.execv(argv[0], argv)
PY

# The pipe's writer: the capture (or nothing), then the pipe stays open
# until $T/stop appears (8 s at most).
feed() {
	[ "$1" = nothing ] || cat "$SAMPLE"
	i=0
	while [ ! -e "$T/stop" ] && [ $i -lt 80 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

run() {	# run FORM DISPOSITION SIGNAL FIRST
	form=$1 disp=$2 sig=$3 first=$4
	what="$form $disp $sig $first"
	rm -f "$T/pid" "$T/rc" "$T/r.json" "$T/stop"
	set -- $PY "$T/launch.py" "$disp" "$T/pid" "$FTPAUDIT" analyze -F json \
	    -o "$T/r.json" -
	if [ "$form" = subshell ]; then
		( feed "$first" | "$@"; echo $? > "$T/rc" ) &
	else
		feed "$first" | "$@" &
	fi
	job=$!
	sleep 1.5
	kill -s "$sig" "$(cat "$T/pid")"
	# Soon, not when the writer gives up.
	i=0
	while kill -0 "$(cat "$T/pid")" 2>/dev/null && [ $i -lt 40 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$(cat "$T/pid")" 2>/dev/null; then
		echo "FAIL $what: still running 4 s after the signal"
		fail=1
	fi
	touch "$T/stop"
	wait $job
	rc=$?
	[ "$form" = direct ] || rc=$(cat "$T/rc" 2>/dev/null || echo none)
	if [ "$rc" != 0 ]; then
		echo "FAIL $what: exit $rc, expected 0"
		fail=1
	fi
	# Every session of the capture (the pipe gave it whole), or none.
	if $PY - "$T/r.json" "$first" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    sys.exit("no report: %s" % e)
want = 6 if sys.argv[2] == "data" else 0
if len(r["sessions"]) != want:
    sys.exit("%d sessions, expected %d" % (len(r["sessions"]), want))
PY
	then
		echo "ok   $what"
	else
		echo "FAIL $what: not the whole report"
		fail=1
	fi
}

for disp in default ignored; do
	for form in subshell direct; do
		run $form $disp INT data
	done
	run subshell $disp TERM data
	run direct $disp INT nothing
done
exit $fail

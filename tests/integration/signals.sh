#!/bin/sh
# SIGINT and SIGTERM give the report and exit 0 (ftpaudit(1)), whenever
# they come: here while the capture comes slowly through a pipe, in the
# ways a script starts it.  A background job of a non-interactive shell
# inherits SIGINT ignored; a subshell's job does not.  Before the
# handlers were installed first, the first way exited 130 with no report
# and the second went on until the pipe ended.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
SAMPLE=${srcdir:-.}/samples/vsftpd-mixed.pcap
command -v timeout >/dev/null || { echo "SKIP: timeout missing"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/ftpaudit-signals.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fail=0

# The pipe writer holds the pipe open for HOLD seconds after its data
# (its pid in $T/wpid, killed once ftpaudit is checked); exec keeps
# ftpaudit's pid (in $T/pid) and its signal dispositions.
HOLD=8
run() {	# run NAME SIGNAL FIRST: FIRST is "data" or "nothing"
	name=$1 sig=$2 first=$3
	rm -f "$T/pid" "$T/wpid" "$T/rc" "$T/r.json"
	if [ "$first" = data ]; then
		feed="echo \$\$ > $T/wpid; cat $SAMPLE; exec sleep $HOLD"
	else
		feed="echo \$\$ > $T/wpid; exec sleep $HOLD"
	fi
	case $name in
	subshell)	# the issue's form: ( pipeline ; echo $? ) &
		( (sh -c "$feed") | sh -c 'echo $$ > "$0"/pid; exec "$1" analyze -F json -o "$0"/r.json -' "$T" "$FTPAUDIT"
		  echo $? > "$T/rc" ) &
		;;
	direct)		# the pipeline itself in the background
		(sh -c "$feed") | sh -c 'echo $$ > "$0"/pid; exec "$1" analyze -F json -o "$0"/r.json -' "$T" "$FTPAUDIT" &
		;;
	esac
	job=$!
	sleep 1.5
	start=$(date +%s)
	kill -s "$sig" "$(cat "$T/pid")"
	# Within a few seconds, not when the writer gives up.
	i=0
	while kill -0 "$(cat "$T/pid")" 2>/dev/null && [ $i -lt 40 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$(cat "$T/pid")" 2>/dev/null; then
		echo "FAIL $name $sig $first: still running 4 s after the signal"
		fail=1
	fi
	kill "$(cat "$T/wpid")" 2>/dev/null	# the writer, by its pid
	wait $job
	rc=$?
	[ "$name" = subshell ] && rc=$(cat "$T/rc" 2>/dev/null || echo none)
	if [ "$rc" != 0 ]; then
		echo "FAIL $name $sig $first: exit $rc, expected 0"
		fail=1
	fi
	if ! /usr/bin/python3 - "$T/r.json" "$first" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = len(r["sessions"])
want = 6 if sys.argv[2] == "data" else 0
sys.exit(0 if n == want else "%d sessions, expected %d" % (n, want))
PY
	then
		echo "FAIL $name $sig $first: no report, or not the whole one"
		fail=1
	else
		echo "ok   $name $sig $first"
	fi
	wait 2>/dev/null
}

run subshell INT data
run direct INT data
run subshell TERM data
run direct TERM data
run subshell INT nothing
run direct INT nothing
exit $fail

#!/bin/bash
# SPDX-License-Identifier: ISC
# The text report's summary: its counts equal the JSON document's on every
# sample, hostile capture and ../shared capture (check_summary.py, which also checks
# that no line is over 100 columns and that --summary writes the summary
# alone); colour on a terminal only (under script(1)'s pty), never with
# NO_COLOR or into a pipe, and --color to choose; --summary and --color
# misused give a usage error like any other.  SKIP (77) once the samples
# passed when ../shared is absent.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
case $FTPAUDIT in /*) ;; *) FTPAUDIT=$PWD/$FTPAUDIT ;; esac
src=${srcdir:-.}
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

if /usr/bin/python3 "$src/tests/integration/check_summary.py" "$FTPAUDIT" \
    "$src"/samples/*.pcap "$src"/samples/*.pcapng >"$tmp/log"; then
	ok "samples: $(tail -n 1 "$tmp/log")"
else
	bad "samples:"; grep -v '^ok' "$tmp/log"
fi

# Hostile captures: deep paths, long lines, pipelines, many ports.
GEN=${HOSTILE_GEN:-./tests/stress/hostile}
if [ -x "$GEN" ]; then
	for m in "cwd 200" "longline 3" "pipeline 300" "ports 300" "multiline 50" \
	    "ended 2000"; do
		set -- $m
		"$GEN" "$1" "$2" "$tmp/h-$1.pcap" >/dev/null 2>&1 || bad "hostile $m"
	done
	if /usr/bin/python3 "$src/tests/integration/check_summary.py" "$FTPAUDIT" \
	    "$tmp"/h-*.pcap >"$tmp/log"; then
		ok "hostile: $(tail -n 1 "$tmp/log")"
	else
		bad "hostile:"; grep -v '^ok' "$tmp/log"
	fi
else
	echo "skip hostile captures: $GEN not built"
fi

# Colour: a failed login (red) and anomalies (yellow), on a pty only.
# script(1) gives the program a terminal; its own output is what it saw.
mixed=$src/samples/vsftpd-mixed.pcap
bounce=$src/samples/crafted-bounce.pcap
red=$(printf '\033[31m') yellow=$(printf '\033[33m') esc=$(printf '\033')
if command -v script >/dev/null; then
	onpty() {	# onpty ENV... -- ARGS...: the report as the pty saw it
		local envs=()
		while [ "$1" != -- ]; do envs+=("$1"); shift; done
		shift
		env -u NO_COLOR TERM=xterm "${envs[@]}" script -qec \
		    "$(printf '%q ' "$FTPAUDIT" analyze -q "$@")" /dev/null
	}
	onpty -- "$mixed" >"$tmp/pty"
	if grep -qF "login ${red}failed (1 failed)" "$tmp/pty"; then
		ok "terminal: failures in red"
	else
		bad "terminal: no red in $(head -c 300 "$tmp/pty" | od -c | head -3)"
	fi
	onpty -- "$bounce" >"$tmp/pty"
	if grep -qF "${yellow}  ! ftp_bounce:" "$tmp/pty"; then
		ok "terminal: anomalies in yellow"
	else
		bad "terminal: no yellow anomaly"
	fi
	onpty NO_COLOR=1 -- "$mixed" >"$tmp/pty"
	if [ -s "$tmp/pty" ] && ! grep -qF "$esc" "$tmp/pty"; then
		ok "terminal, NO_COLOR=1: no colour"
	else
		bad "terminal, NO_COLOR=1: colour or nothing"
	fi
	onpty NO_COLOR= -- "$mixed" >"$tmp/pty"
	if grep -qF "$red" "$tmp/pty"; then
		ok "terminal, NO_COLOR empty: colour (no-color.org: set and not empty)"
	else
		bad "terminal, NO_COLOR empty: no colour"
	fi
	onpty TERM=dumb -- "$mixed" >"$tmp/pty"
	if [ -s "$tmp/pty" ] && ! grep -qF "$esc" "$tmp/pty"; then
		ok "terminal, TERM=dumb: no colour"
	else
		bad "terminal, TERM=dumb: colour or nothing"
	fi
	onpty -- --color=never "$mixed" >"$tmp/pty"
	if [ -s "$tmp/pty" ] && ! grep -qF "$esc" "$tmp/pty"; then
		ok "terminal, --color=never: no colour"
	else
		bad "terminal, --color=never: colour or nothing"
	fi
	onpty NO_COLOR=1 -- --color=always "$mixed" >"$tmp/pty"
	if grep -qF "$red" "$tmp/pty"; then
		ok "terminal, NO_COLOR=1 --color=always: colour"
	else
		bad "terminal, NO_COLOR=1 --color=always: no colour"
	fi
else
	echo "skip colour on a terminal: script(1) missing"
fi
env -u NO_COLOR TERM=xterm "$FTPAUDIT" analyze -q "$mixed" | cat >"$tmp/pipe"
if [ -s "$tmp/pipe" ] && ! grep -qF "$esc" "$tmp/pipe"; then
	ok "pipe: no colour"
else
	bad "pipe: colour or nothing"
fi
"$FTPAUDIT" analyze -q --color=always "$mixed" | cat >"$tmp/pipe"
if grep -qF "$red" "$tmp/pipe"; then
	ok "pipe, --color=always: colour"
else
	bad "pipe, --color=always: no colour"
fi
"$FTPAUDIT" analyze -q --color=always -o "$tmp/file" "$mixed"
if grep -qF "$red" "$tmp/file"; then
	ok "-o FILE, --color=always: colour"
else
	bad "-o FILE, --color=always: no colour"
fi

# Misuse: as any other bad option (-F yaml): its exit, its number of
# lines (the error, then where to read more), the error first.
"$FTPAUDIT" analyze -F yaml "$mixed" >/dev/null 2>"$tmp/err"
usage=$? nlines=$(wc -l <"$tmp/err")
for args in "--summary -F json" "--summary -F ndjson" "--color=sometimes"; do
	# shellcheck disable=SC2086
	"$FTPAUDIT" analyze $args "$mixed" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$usage" ] && [ "$rc" -ne 0 ] && [ ! -s "$tmp/out" ] &&
	    [ "$(wc -l <"$tmp/err")" -eq "$nlines" ] &&
	    head -n 1 "$tmp/err" | grep -q "^ftpaudit: --[a-z]*: "; then
		ok "$args: exit $rc, $(head -n 1 "$tmp/err")"
	else
		bad "$args: exit $rc (want $usage), $(head -c 300 "$tmp/err")"
	fi
done

# A capture without sessions still has its summary, and nothing else.
"$FTPAUDIT" analyze -q -f 'tcp port 1' "$mixed" >"$tmp/none"
if head -n 1 "$tmp/none" | grep -q "^Summary: 0 FTP session(s)" &&
    ! grep -q "^Session " "$tmp/none" && ! grep -q "^Servers" "$tmp/none"; then
	ok "no session: the summary alone"
else
	bad "no session: $(head -c 300 "$tmp/none")"
fi

# The README's summary is what this build writes.
readme=$src/README.md
if [ -f "$readme" ]; then
	sed -n '/^\$ ftpaudit analyze --summary samples/,/^```$/p' "$readme" |
	    sed '1,2d;$d' >"$tmp/readme.want"
	(cd "$src" && "$FTPAUDIT" analyze -q --summary samples/vsftpd-mixed.pcap \
	    samples/crafted-bounce.pcap samples/vsftpd-curl-badlogin.pcap \
	    samples/nat-dnat-pasv-private.pcap) >"$tmp/readme.got" 2>&1
	if [ -s "$tmp/readme.want" ] && cmp -s "$tmp/readme.want" "$tmp/readme.got"; then
		ok "README: its summary is this build's"
	else
		bad "README: its summary differs: $(diff "$tmp/readme.want" "$tmp/readme.got" | head -5)"
	fi
fi

pcaps="${FTPAUDIT_SHARED:-$src/../shared}/pcaps"
if [ ! -d "$pcaps" ]; then
	echo "$pass passed, $fail failed; SKIP: $pcaps not found"
	[ "$fail" -eq 0 ] || exit 1
	exit 77
fi
shared=()
for p in "$pcaps"/*/*; do
	case $p in
	*/_tshark/*) ;;
	*.pcap|*.pcapng|*.pcap.gz) shared+=("$p") ;;
	esac
done
if /usr/bin/python3 "$src/tests/integration/check_summary.py" "$FTPAUDIT" \
    "${shared[@]}" >"$tmp/log"; then
	ok "shared: $(tail -n 1 "$tmp/log")"
else
	bad "shared:"; grep -v '^ok' "$tmp/log"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

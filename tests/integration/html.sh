#!/bin/bash
# SPDX-License-Identifier: ISC
# -F html in a real browser: every sample, the shared captures with
# anomalies and a capture of hostile strings through analyze -F html,
# opened in headless Chromium (html_check.py says what each page must
# do), and rules and audit -F html of the first.  The screenshot it takes
# and the open ladder's go to the directory $HTML_SHOT when set
# (doc/report.png and doc/report-ladder.png are they).
#
# Environment: FTPAUDIT (binary, default ./ftpaudit), srcdir (sources,
# default .), FTPAUDIT_SHARED (default $srcdir/../shared).  Exit 0 pass,
# 1 fail, 77 skip (no chromium, chromium-driver or python3-selenium),
# 99 hard error.
set -u
FTPAUDIT=${FTPAUDIT:-./ftpaudit}
src=${srcdir:-.}
shared=${FTPAUDIT_SHARED:-$src/../shared}/pcaps
PY=/usr/bin/python3
check="$src/tests/integration/html_check.py"

for b in /usr/bin/chromium /usr/bin/chromedriver "$PY"; do
	[ -x "$b" ] || { echo "SKIP: $b missing (Debian: chromium chromium-driver)"; exit 77; }
done
"$PY" -c 'import selenium' 2>/dev/null ||
	{ echo "SKIP: no selenium for $PY (Debian: python3-selenium)"; exit 77; }
[ -x "$FTPAUDIT" ] || { echo "ERROR: $FTPAUDIT is not an executable"; exit 99; }
[ -r "$check" ] || { echo "ERROR: $check missing"; exit 99; }

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
# Chromium wants a writable home for its profile and crash reports.
export HOME="$tmp"

# vsftpd-mixed first: its screenshot is the README's.
pcaps=("$src/samples/vsftpd-mixed.pcap")
for f in "$src"/samples/*.pcap "$src"/samples/*.pcapng; do
	[ "$f" = "$src/samples/vsftpd-mixed.pcap" ] || pcaps+=("$f")
done
# Public captures with anomalies: a bounce, garbage verbs, a fuzzed
# session, a brute force, an overlong reply.
for f in suricata-verify/ftp__ftp-bounce__test.pcap \
    zeek/ftp__fake-long-commands.pcap nDPI/fuzz-2006-06-26-2594.pcap \
    zeek/ftp__bruteforce.pcap \
    suricata-verify/ftp__ftp-too-long-response__ftp-too-long-response.pcap \
    markofu-pcaps/ftp-crack.pcap; do
	[ -r "$shared/$f" ] && pcaps+=("$shared/$f")
done

# live streams: no page.  A format live cannot write (exit 1,
# ftpaudit(1)): one line, which says what to do instead, with or
# without an interface.
for args in "-i lo -F html" "-F html"; do
	err=$("$FTPAUDIT" live $args 2>&1 >/dev/null)
	rc=$?
	case "$rc:$err" in
	1:"ftpaudit: -F html: not for live"*)
		[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] ||
		    { echo "FAIL: live $args: more than one line: $err"; exit 1; } ;;
	*) echo "FAIL: live $args: exit $rc: $err"; exit 1 ;;
	esac
done

"$PY" "$check" "$FTPAUDIT" "$tmp" "$src/tests/integration/audit-data/server-mixed.nft.json" \
    "${pcaps[@]}"
rc=$?
if [ -n "${HTML_SHOT:-}" ] && [ -r "$tmp/report.png" ]; then
	cp "$tmp/report.png" "$HTML_SHOT/report.png"
	cp "$tmp/ladder.png" "$HTML_SHOT/report-ladder.png"
fi
exit $rc

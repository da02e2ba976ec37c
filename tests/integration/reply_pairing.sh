#!/bin/sh
# SPDX-License-Identifier: ISC
# Zeek's captures of replies without a valid code: the code-less line
# answers the pending command (code null, an invalid_reply anomaly) and
# "221 Bye" still answers QUIT (issue 19, part 2).
pcaps="${FTPAUDIT_SHARED:-${srcdir:-.}/../shared}/pcaps/zeek"
[ -d "$pcaps" ] || { echo "SKIP: $pcaps not found"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
bin="${FTPAUDIT:-./ftpaudit}"
rc=0
check() {	# capture, the expected "VERB:code:text" of each command
	name=$1; cap="$pcaps/$1"; shift
	[ -f "$cap" ] || { echo "SKIP: $cap not found"; exit 77; }
	got=$("$bin" analyze -q -F json "$cap" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["sessions"][0]
for c in s["commands"]:
    r = c["replies"][-1] if c["replies"] else {"code": "-", "text": "-"}
    print("%s:%s:%s" % (c["command"], "null" if r["code"] is None else r["code"], r["text"]))
print("invalid_reply:%d" % sum(a["type"] == "invalid_reply" for a in s["anomalies"]))
')
	want=$(printf '%s\n' "$@")
	if [ "$got" != "$want" ]; then
		echo "FAIL: $name"; echo "want:"; echo "$want"; echo "got:"; echo "$got"
		rc=1
	else
		echo "ok: $name"
	fi
}
check ftp__ftp-invalid-reply-code.pcap \
    "USER:230:USER OK" "PASS:230:PASS OK" "PASV:null:99 PASV invalid" \
    "QUIT:221:Bye" "invalid_reply:1"
check ftp__ftp-missing-reply-code.pcap \
    "USER:230:USER OK" "PASS:230:PASS OK" "SYST:null:SYST not supported" \
    "QUIT:221:Bye" "invalid_reply:1"
# "230_no_space": the code is plain, only the space is missing (RFC 959
# 4.2 wants one); Zeek too takes it as 230.  It answers RETR.
check ftp__ftp-missing-space-after-reply-code.pcap \
    "USER:230:USER OK" "PASS:230:PASS OK" "RETR:230:_no_space" \
    "QUIT:221:Bye" "invalid_reply:0"
exit $rc

#!/bin/sh
# SPDX-License-Identifier: ISC
# driver.sh: automake's test-driver, and for a test that failed, the
# lines of its log that say why, on the terminal.  make check keeps a
# test's output in its .log in the build tree, and a CI that keeps only
# make's output would say no more than "FAIL: tests/...".
#
# Same arguments as test-driver (LOG_DRIVER in Makefile.am).
log=
prev=
for a in "$@"; do
	[ "$prev" = --log-file ] && log=$a
	[ "$a" = -- ] && break
	prev=$a
done

sh "$(dirname "$0")/../config/test-driver" "$@"
rc=$?

# test-driver wrote "FAIL: name" or "ERROR: name" on the terminal; under
# it, at most 24 lines of the test's output (the log but test-driver's
# own last line): each line that says FAIL or ERROR, with the three
# after it (a check's details), or else the last 12.
trs=${log%.log}.trs
if [ -n "$log" ] && [ -f "$log" ] && [ -f "$trs" ] &&
	grep -q '^:test-result: \(FAIL\|ERROR\|XPASS\)' "$trs"; then
	sed '$d' "$log" | {
		if grep -A3 'FAIL\|ERROR'; then :; else
			sed '$d' "$log" | tail -n 12
		fi
	} | head -n 24 | sed 's/^/  | /'
fi
exit $rc

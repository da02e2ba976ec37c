#!/bin/sh
# SPDX-License-Identifier: ISC
# install-check.sh DESTDIR BINDIR MAN1DIR PKGDATADIR DOCDIR SCHEMAS DOCS:
# `make installcheck`: after `make install`, everything is where a
# packager looks for it: the program (it runs and says its version), its
# manual (which names the installed schemas, not the source tree's), the
# JSON Schemas (valid JSON, when python3 is there) and the documents.
# SCHEMAS and DOCS are the source names, as Makefile.am lists them.
# Exit 0 when all is there, 1 when not.
set -u
d=$1 bindir=$2 man1dir=$3 pkgdatadir=$4 docdir=$5 schemas=$6 docs=$7
fail=0

has() {	# FILE WHAT
	if [ -f "$1" ] && [ -s "$1" ]; then
		echo "ok   $2: $1"
	else
		echo "FAIL $2: $1 missing or empty"; fail=1
	fi
}

has "$d$bindir/ftpaudit" program
if v=$("$d$bindir/ftpaudit" --version 2>&1) && echo "$v" | grep -q '^ftpaudit '; then
	echo "ok   program runs: $v"
else
	echo "FAIL program: --version gave: $v"; fail=1
fi
has "$d$man1dir/ftpaudit.1" manual
if grep -q '/usr/local/share/ftpaudit' "$d$man1dir/ftpaudit.1" 2>/dev/null &&
    [ "$pkgdatadir" != /usr/local/share/ftpaudit ]; then
	echo "FAIL manual: names /usr/local/share/ftpaudit, not $pkgdatadir"; fail=1
fi
for s in $schemas; do
	f=$d$pkgdatadir/$(basename "$s")
	has "$f" schema
	if [ -x /usr/bin/python3 ] && ! /usr/bin/python3 -c \
	    'import json, sys; json.load(open(sys.argv[1]))' "$f" 2>/dev/null; then
		echo "FAIL schema: $f is not JSON"; fail=1
	fi
done
for s in $docs; do
	has "$d$docdir/$(basename "$s")" document
done
exit "$fail"

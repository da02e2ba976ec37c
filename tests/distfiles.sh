#!/bin/sh
# SPDX-License-Identifier: ISC
# distfiles.sh DISTDIR SRCDIR: run by `make dist` (dist-hook) to check the
# distribution against git, when the sources are a git checkout: every
# tracked file must be in it (else a file was added without its EXTRA_DIST
# line), and nothing git ignores (test logs, .trs, binaries: what a build
# or `make check` left behind).  Files neither tracked nor ignored (new,
# not committed yet) are named as a warning.  Besides the tracked files,
# only what autoreconf makes is expected.  Without git, or in a tree
# unpacked from a tarball, there is nothing to compare with.
# Exit 0 when the distribution is right, 1 when not.
set -u
dist=$1 src=$2

if [ ! -e "$src/.git" ] || ! command -v git >/dev/null 2>&1; then
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Tracked files that a distribution has no use for.
git -C "$src" ls-files | grep -v -x -e .gitignore | sort > "$tmp/tracked"
(cd "$dist" && find . -type f | sed 's|^\./||' | sort) > "$tmp/dist"
# What autoreconf adds.
grep -v -x -e Makefile.in -e configure -e aclocal.m4 -e 'config/[^/]*' \
    "$tmp/dist" > "$tmp/dist-own"

rc=0
comm -23 "$tmp/tracked" "$tmp/dist" > "$tmp/missing"
if [ -s "$tmp/missing" ]; then
	echo "make dist: tracked by git but not distributed" \
	    "(add them to EXTRA_DIST in Makefile.am):" >&2
	sed 's/^/  /' "$tmp/missing" >&2
	rc=1
fi
comm -13 "$tmp/tracked" "$tmp/dist-own" > "$tmp/extra"
if [ -s "$tmp/extra" ]; then
	(cd "$src" && git check-ignore --no-index --stdin) < "$tmp/extra" \
	    > "$tmp/ignored" || true
	if [ -s "$tmp/ignored" ]; then
		echo "make dist: generated files (git ignores them) in the" \
		    "distribution:" >&2
		sed 's/^/  /' "$tmp/ignored" >&2
		rc=1
	fi
	grep -v -x -F -f "$tmp/ignored" "$tmp/extra" > "$tmp/new" || true
	if [ -s "$tmp/new" ]; then
		echo "make dist: warning: distributed but not in git yet:" >&2
		sed 's/^/  /' "$tmp/new" >&2
	fi
fi
exit "$rc"

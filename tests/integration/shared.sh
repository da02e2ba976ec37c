#!/bin/sh
# SPDX-License-Identifier: ISC
# Every public capture in ../shared/pcaps: no crash, no hang, and every
# command tshark decoded appears in ftpaudit's session for that client.
pcaps="${FTPAUDIT_SHARED:-${srcdir:-.}/../shared}/pcaps"
[ -d "$pcaps" ] || { echo "SKIP: $pcaps not found"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
exec /usr/bin/python3 "${srcdir:-.}/tests/integration/check_shared.py" \
    "${FTPAUDIT:-./ftpaudit}" "$pcaps"

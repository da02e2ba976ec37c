#!/bin/sh
# SPDX-License-Identifier: ISC
# Every sample capture against its hand-checked expectation.
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
exec /usr/bin/python3 "${srcdir:-.}/tests/integration/check_samples.py" \
    "${FTPAUDIT:-./ftpaudit}" "${srcdir:-.}/samples"

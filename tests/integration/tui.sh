#!/bin/bash
# SPDX-License-Identifier: ISC
# tui.sh: the ncurses view under tmux while a paced upload runs: the row
# with the user appears during the transfer, Enter opens the detail view
# with the command log, the transfer and its firewall needs, Esc goes
# back, f shows the recommended rules, s, / and p work, a resize redraws,
# q quits with status 0 and the shell gets the terminal back; so does
# Ctrl-C.  Needs root, netns and tmux, else SKIP.
set -eu
: "${FTPAUDIT:?FTPAUDIT must name the ftpaudit binary}"
srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/integration/lab.sh"
. "$srcdir/tests/integration/tui_lib.sh"

lab_need_root curl tmux "$LAB_VSFTPD_BIN"
SECONDS=0
lab_up "tu$$"
trap 'tui_stop; lab_down' EXIT
lab_files
lab_vsftpd
tui_start
tui_live
echo "ok: the view starts with its header"

# An upload at 20 KB/s (about 8 s): curl paces what it writes, so the wire does too
# (a slow upload would sit in socket buffers and look finished).
lab_gen_file "$LAB_DIR/slow.bin" 200000 3
lab_client curl --max-time 30 -sS --limit-rate 20k -T "$LAB_DIR/slow.bin" \
	"ftp://$LAB_SERVER4/incoming/slow.bin" &
LAB_PIDS+=("$!")
tui_wait "STOR slow.bin"
row=$(tui_screen | grep -F "anonymous")
case $row in
*open*) echo "ok: row during the transfer: $(echo "$row" | tr -s ' ')" ;;
*) echo "FAIL: the row is not open while the transfer runs: $row" >&2; exit 1 ;;
esac

tui_keys Enter
tui_wait "Session detail"
tui_wait "> USER anonymous"
tui_wait "#1 EPSV passive upload /incoming/slow.bin"
echo "ok: Enter opens the detail view (command log and the transfer)"
tui_wait "passive-data   tcp $LAB_CLIENT4:"
echo "ok: the detail view shows the firewall needs: $(tui_screen | grep -F 'passive-data' | tr -s ' ')"
tui_wait "in progress"
echo "ok: the transfer shows its progress: $(tui_screen | grep -F '#1 EPSV' | tr -s ' ')"
tui_keys Escape
tui_wait "IN PROGRESS"
echo "ok: Esc returns to the table"

wait "${LAB_PIDS[-1]}"
tui_wait " quit" 50
echo "ok: the ended session stays listed with its end reason"

tui_keys s
tui_wait "sort: bytes"
tui_keys / n o n e - s u c h Enter
tui_wait "show: none-such"
tui_screen | grep -qF anonymous && { echo "FAIL: the filter did not hide the row" >&2; exit 1; }
tui_keys / BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace Enter
tui_wait "anonymous"
echo "ok: s sorts, / filters and an empty filter shows everything"

tui_keys p
tui_wait "[PAUSED]"
tui_keys p
lab_poll 20 0.1 eval '! tui_screen | grep -qF "[PAUSED]"' || { echo "FAIL: p did not resume" >&2; exit 1; }
echo "ok: p pauses and resumes the view"
tui_keys f
tui_wait "Firewall rules for the server side"
tui_wait "passive-data"
echo "ok: f shows the recommended rules so far"
tui_keys Escape
tui_tmux resize-window -t "$TUI_TARGET" -x 100 -y 20
lab_poll 50 0.1 eval 'tui_screen | sed -n 20p | grep -q "q quit"' ||
	{ echo "FAIL: after a resize to 100x20 the footer is not on line 20:" >&2; tui_screen >&2; exit 1; }
echo "ok: a resize to 100x20 redraws with the footer on the last line"
tui_keys '?'
tui_wait "clear ended sessions"
tui_keys Escape
tui_quit
echo "ok: q quits with status 0 and the shell has the terminal again"

# Ctrl-C is SIGINT: the same clean end, terminal restored.
tui_keys clear Enter
tui_live
tui_keys C-c
tui_wait "exit=0" 50
echo "ok: Ctrl-C ends the view cleanly (status 0)"
echo "tui.sh: ${SECONDS}s"

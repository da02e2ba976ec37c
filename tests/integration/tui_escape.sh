#!/bin/bash
# SPDX-License-Identifier: ISC
# tui_escape.sh: wire text with terminal escape sequences (a USER with an
# OSC title change and a clear-screen, a banner and a reply with more) is
# drawn as harmless \xHH text in the table and in the detail view: the
# pane keeps its title and its header, and shows the escaped form.  A raw
# client and a fake server (python3 sockets) in the lab.  Root, netns and
# tmux, else SKIP.
set -eu
: "${FTPAUDIT:?FTPAUDIT must name the ftpaudit binary}"
srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/integration/lab.sh"
. "$srcdir/tests/integration/tui_lib.sh"

lab_need_root tmux "$LAB_PYTHON"
SECONDS=0
lab_up "te$$"
trap 'tui_stop; lab_down' EXIT
tui_start
tui_live
title0=$(tui_tmux display-message -p -t "$TUI_TARGET" '#{pane_title}')

# The server's banner and reply carry escapes too.
lab_server "$LAB_PYTHON" -c '
import socket
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", 21)); srv.listen(1)
c, _ = srv.accept(); f = c.makefile("rb")
c.sendall(b"220 \x1b]2;evil\x07\x1b[5;5Hbanner\r\n")
f.readline(); c.sendall(b"331 \x1b[2Jpassword please\r\n")
f.readline(); c.sendall(b"230 in\r\n")
f.readline(); c.sendall(b"221 bye\r\n"); c.close()
' >"$LAB_DIR/fake.out" 2>&1 &
LAB_PIDS+=("$!")
lab_poll 250 0.02 _lab_listening "$LAB_NS_SERVER" 21
lab_client "$LAB_PYTHON" -c '
import socket, time
s = socket.create_connection(("'"$LAB_SERVER4"'", 21), timeout=10); f = s.makefile("rb")
f.readline()
s.sendall(b"USER \x1b]0;pwned\x07\x1b[2J\r\n"); f.readline()
s.sendall(b"PASS x\r\n"); f.readline()
time.sleep(1)
s.sendall(b"QUIT\r\n"); f.readline()
' >"$LAB_DIR/client.out" 2>&1

tui_wait '\x1b]0;pwned'
echo "ok: the table shows the user escaped: $(tui_screen | grep -F 'x1b]0;pwned' | tr -s ' ')"
tui_keys Enter
tui_wait '> USER \x1b]0;pwned\x07\x1b[2J'
tui_wait 'Banner \x1b]2;evil\x07\x1b[5;5Hbanner'
tui_wait '< 331 \x1b[2Jpassword please'
echo "ok: the detail view shows user, banner and reply escaped"
title=$(tui_tmux display-message -p -t "$TUI_TARGET" '#{pane_title}')
case $title in
*pwned* | *evil*) echo "FAIL: the pane title was changed to '$title'" >&2; exit 1 ;;
esac
[ "$title" = "$title0" ] || { echo "FAIL: pane title '$title0' became '$title'" >&2; exit 1; }
echo "ok: the pane title is unchanged ('$title')"
tui_keys Escape
tui_wait "ftpaudit live  $LAB_DEV_SERVER"
tui_screen | head -1 | grep -q '^ftpaudit live' ||
	{ echo "FAIL: the header is not on the first line" >&2; exit 1; }
echo "ok: the screen was not cleared or moved: the header is in place"
tui_quit
echo "ok: q quits with status 0"
echo "tui_escape.sh: ${SECONDS}s"

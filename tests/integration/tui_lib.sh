# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# tui_lib.sh: drive `ftpaudit live -F tui` in a detached tmux pane.  Sourced
# by tui.sh and tui_escape.sh after lab.sh.  A tmux server of our own
# (-L) so the user's sessions are never touched.
TUI_SOCK="ftpaudit-test-$$"
TUI_TARGET="t"

tui_tmux() { tmux -L "$TUI_SOCK" "$@"; }

# tui_start: a 160x45 pane running a plain shell.
tui_start() {
	tui_tmux -f /dev/null new-session -d -x 160 -y 45 -s "$TUI_TARGET" \
		"env -i PATH=$PATH TERM=screen HOME=/tmp PS1='tui\$ ' bash --norc --noprofile" || return 1
	# No status line: the pane is the whole window.
	tui_tmux set-option -t "$TUI_TARGET" status off >/dev/null
}

tui_stop() { tui_tmux kill-server 2>/dev/null || true; }

tui_screen() { tui_tmux capture-pane -p -t "$TUI_TARGET"; }

# tui_wait FIXED-STRING [TRIES]: until the pane shows it (0.1 s a try).
tui_wait() {
	local s=$1 tries=${2:-100} i
	for ((i = 0; i < tries; i++)); do
		tui_screen | grep -qF -- "$s" && return 0
		sleep 0.1
	done
	echo "FAIL: the pane never showed '$s'; it shows:" >&2
	tui_screen >&2
	return 1
}

tui_keys() { tui_tmux send-keys -t "$TUI_TARGET" "$@"; }

# tui_live ARGS...: type the ftpaudit live command line into the shell.
tui_live() {
	tui_keys "ip netns exec $LAB_NS_SERVER $FTPAUDIT live -i $LAB_DEV_SERVER -F tui $*; echo \"exit=\$?\"" Enter
	tui_wait "ftpaudit live  $LAB_DEV_SERVER"
}

# tui_quit: q, then the shell must be back with exit status 0.
tui_quit() {
	local i

	tui_keys q
	tui_wait "exit=0" 50 || return 1
	# The prompt follows the echo; a slow (sanitizer) build may take a moment.
	for ((i = 0; i < 30; i++)); do
		tui_screen | grep -Eq '^tui\$( |$)' && return 0
		sleep 0.1
	done
	echo "FAIL: no shell prompt after q; the pane shows:" >&2
	tui_screen >&2
	return 1
}

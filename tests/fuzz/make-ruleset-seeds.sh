#!/bin/sh
# SPDX-License-Identifier: ISC
# make-ruleset-seeds.sh: regenerate the committed seeds of the ruleset
# harnesses, tests/fuzz/seeds/ruleset_nft/*.json and ruleset_ipt/*.ipt,
# as the kernel lists rulesets back: each source is loaded into a scratch
# network namespace and read out with `nft -j list ruleset` and
# `iptables-save -c` / `ip6tables-save -c`.
#
#   tests/fuzz/make-ruleset-seeds.sh ./ftpaudit
#
# Sources: the hand rulesets in tests/fuzz/seeds/rulesets/, the lab
# rulesets in tests/integration/audit-data/, and what `ftpaudit rules`
# recommends for some samples (nft and iptables, each side and strategy).
# Needs root, ip(8), nft and iptables-nft.  make-corpus.sh copies the
# result (no root needed there).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 FTPAUDIT" >&2
	exit 2
fi
ftpaudit=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seeds=$here/seeds
ns=fa-seed-$$
tmp=$(mktemp -d)
trap 'ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
ip netns add "$ns"
mkdir -p "$seeds/ruleset_nft" "$seeds/ruleset_ipt"

in_ns() { ip netns exec "$ns" "$@"; }
flush() {
	in_ns nft flush ruleset
}

# One nft source: its JSON listing.
nft_seed() {	# SOURCE NAME
	flush
	if ! in_ns nft -f "$1" 2>"$tmp/err"; then
		echo "make-ruleset-seeds.sh: $1: $(head -1 "$tmp/err")" >&2
		return 0
	fi
	in_ns nft -j list ruleset > "$seeds/ruleset_nft/$2.json"
}

# One iptables-restore source (ip6 when FAMILY is 6): iptables-save -c,
# and the same rules as nft sees them (xt matches).
ipt_seed() {	# SOURCE NAME FAMILY
	flush
	save=iptables-save restore=iptables-restore
	[ "$3" = 6 ] && save=ip6tables-save restore=ip6tables-restore
	if ! in_ns $restore < "$1" 2>"$tmp/err"; then
		echo "make-ruleset-seeds.sh: $1: $(head -1 "$tmp/err")" >&2
		return 0
	fi
	in_ns $save -c > "$seeds/ruleset_ipt/$2.ipt"
	in_ns nft -j list ruleset > "$seeds/ruleset_nft/$2.xt.json"
}

for f in "$seeds"/rulesets/*.nft "$top"/tests/integration/audit-data/*.nft; do
	nft_seed "$f" "$(basename "$f" .nft)"
done
for f in "$seeds"/rulesets/*.ipt "$top"/tests/integration/audit-data/*.ipt; do
	b=$(basename "$f" .ipt)
	case $b in *6) fam=6 ;; *) fam=4 ;; esac
	ipt_seed "$f" "$b" "$fam"
done

for s in vsftpd-mixed pyftpd-nat-curl-pasv vsftpd-curl-ipv6-eprt \
    pyftpd-lftp-active; do
	for side in server client gateway; do
		for strat in static helper; do
			n=$s.$side.$strat
			args="-q --side=$side --strategy=$strat $top/samples/$s.pcap"
			$ftpaudit rules -F nft $args > "$tmp/$n.nft"
			nft_seed "$tmp/$n.nft" "rules-$n"
			$ftpaudit rules -F iptables $args > "$tmp/$n.ipt"
			ipt_seed "$tmp/$n.ipt" "rules-$n" 4
			$ftpaudit rules -F ip6tables $args > "$tmp/$n.ip6t"
			ipt_seed "$tmp/$n.ip6t" "rules-$n.v6" 6
		done
	done
done
echo "ruleset_nft: $(ls "$seeds/ruleset_nft" | wc -l) files," \
    "ruleset_ipt: $(ls "$seeds/ruleset_ipt" | wc -l) files"

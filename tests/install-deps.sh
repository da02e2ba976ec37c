#!/bin/sh
# SPDX-License-Identifier: ISC
# Install (as root, with apt-get) what the whole test suite needs on Debian
# 12: the build dependencies, python3 with jsonschema and scapy, and the
# real servers, clients and firewalls of the network-namespace tests.
set -e
deps="build-essential autoconf automake pkg-config libpcap-dev libjansson-dev
libncurses-dev zlib1g-dev libcmocka-dev python3 python3-jsonschema python3-scapy
iproute2 ethtool tcpdump tshark nftables iptables conntrack vsftpd python3-pyftpdlib curl lftp firewalld python3-botocore
tmux openssl procps groff-base iputils-ping chromium chromium-driver
python3-selenium"
missing=
for p in $deps; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
apt-get update -qq
# tshark asks whether non-root users may capture; CI has no terminal.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing

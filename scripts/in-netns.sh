#!/usr/bin/env bash
# Runs a command inside a network namespace of its own, so that test media never leaves the
# machine (issue 28): loopback up and a veth pair, v0 (10.255.0.1/24) and v1, both up. No route
# leads out. Chromium gathers its host candidates on v0 and Janus is told `ice_enforce_list = v0`:
# every peer connection then runs 10.255.0.1 <-> 10.255.0.1 (or on loopback).
#
# The command sees TEST_NETNS_INTERFACE=v0 and TEST_NETNS_ADDRESS=10.255.0.1 (test/helpers/netns.ts
# reads them). Where a namespace cannot be made (not root, no unshare or ip, no veth), it says
# so in one line and runs the command on the host.
#
#   bash scripts/in-netns.sh npx tsx test/browser/demo-media.test.ts
set -euo pipefail

interface=v0
address=10.255.0.1

if [ "${TEST_NETNS_SETUP:-}" = "1" ]; then
  # In the new namespace (the re-run below): bring up its links, then hand over.
  unset TEST_NETNS_SETUP
  ip link set lo up
  ip link add "$interface" type veth peer name v1
  ip addr add "$address/24" dev "$interface"
  ip link set "$interface" up
  ip link set v1 up
  export TEST_NETNS_INTERFACE="$interface" TEST_NETNS_ADDRESS="$address"
  exec "$@"
fi

if [ -n "${TEST_NETNS_INTERFACE:-}" ]; then
  # Already inside the test run's namespace.
  exec "$@"
fi

if [ "$(id -u)" = "0" ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
  unshare -n ip link add "$interface" type veth peer name v1 >/dev/null 2>&1; then
  TEST_NETNS_SETUP=1 exec unshare -n bash "$0" "$@"
fi

echo "no network namespace here (it needs root, unshare, ip and veth): the tests run on the host, and the media checks accept loopback and this machine's own addresses"
exec "$@"

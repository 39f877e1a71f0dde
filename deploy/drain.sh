#!/bin/bash
# preStop hook: lets a terminating pod finish its live calls before the JVM gets SIGTERM.
# Usage: drain.sh <gauge> <max-seconds>
#   <gauge>        a Prometheus gauge on /metrics counting live calls: voice_bridge_sessions_active (bridge),
#                  voice_gateway_media_streams_active (gateway); "-" for services that hold no calls
#   <max-seconds>  stop waiting after this long (keep below terminationGracePeriodSeconds minus the shutdown phase)
# Kubernetes has already taken the pod out of its Services' endpoints, so no new call arrives while this waits;
# the first seconds let every proxy and kube-proxy notice.
set -uo pipefail
gauge="${1:--}"
max="${2:-30}"
port="${SERVER_PORT:-8080}"
settle=5
sleep "${settle}"
[[ "${gauge}" == "-" ]] && exit 0

live_calls() {
  exec 3<>"/dev/tcp/127.0.0.1/${port}" || return 1
  printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
  # sum the gauge over its label sets; an absent gauge reads as "unknown" (exit 1)
  awk -v g="${gauge}" '$1 ~ "^"g"({|$)" { sum += $NF; seen = 1 } END { if (!seen) exit 1; printf "%d\n", sum }' <&3
  local rc=$?
  exec 3<&-
  return ${rc}
}

deadline=$(( SECONDS + max - settle ))
while (( SECONDS < deadline )); do
  if ! calls=$(live_calls); then
    echo "drain: ${gauge} not exposed; not waiting for calls" >&2
    exit 0
  fi
  (( calls == 0 )) && exit 0
  echo "drain: ${calls} live call(s) on this instance" >&2
  sleep 5
done
echo "drain: gave up after ${max}s with calls still live" >&2

#!/bin/bash
# preStop hook: lets a terminating pod finish its live calls before the JVM gets SIGTERM.
# Usage: drain.sh <gauge> <max-seconds>
#   <gauge>        a Prometheus gauge on /metrics counting live calls: voice_bridge_sessions_active (bridge),
#                  voice_gateway_media_streams_active (gateway); "-" for services that hold no calls
#   <max-seconds>  stop waiting after this long (keep below terminationGracePeriodSeconds minus the shutdown phase)
# Kubernetes has already taken the pod out of its Services' endpoints, so no new call arrives while this waits;
# the first seconds let every proxy and kube-proxy notice.
# A gauge that reads as no number (NaN, say) counts as live calls: the hook keeps waiting rather than cut calls short.
set -uo pipefail
gauge="${1:--}"
max="${2:-30}"
port="${SERVER_PORT:-8080}"
settle="${DRAIN_SETTLE_SECONDS:-5}"
poll="${DRAIN_POLL_SECONDS:-5}"

# milliseconds on the wall clock: bash's SECONDS counts whole seconds, so a deadline kept with it ended the wait up to
# a second early (EPOCHREALTIME is bash 5; older shells fall back to whole seconds)
now_ms() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local t="${EPOCHREALTIME/[.,]/}"
    echo $(( 10#${t} / 1000 ))
  else
    echo $(( SECONDS * 1000 ))
  fi
}
deadline=$(( $(now_ms) + max * 1000 ))
sleep "${settle}"
[[ "${gauge}" == "-" ]] && exit 0

# prints the gauge summed over its label sets; exit 1: not exposed (or /metrics unreachable), exit 2: not a number
live_calls() {
  exec 3<>"/dev/tcp/127.0.0.1/${port}" || return 1
  printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
  awk -v g="${gauge}" '$1 ~ "^"g"({|$)" { if ($NF !~ /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/) bad = 1; sum += $NF; seen = 1 }
    END { if (!seen) exit 1; if (bad) exit 2; printf "%d\n", sum }' <&3
  local rc=$?
  exec 3<&-
  return ${rc}
}

while (( $(now_ms) < deadline )); do
  calls=$(live_calls)
  case $? in
    0) (( calls == 0 )) && exit 0
       echo "drain: ${calls} live call(s) on this instance" >&2 ;;
    2) echo "drain: ${gauge} does not read as a number; waiting as if calls were live" >&2 ;;
    *) echo "drain: ${gauge} not exposed; not waiting for calls" >&2
       exit 0 ;;
  esac
  sleep "${poll}"
done
echo "drain: gave up after ${max}s with calls still live" >&2

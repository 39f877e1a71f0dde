#!/bin/bash
# Container health probe without curl or wget in the image: HTTP/1.0 GET over bash's /dev/tcp.
# Usage: healthcheck.sh [path]   (default /health/live; port from SERVER_PORT, default 8080)
set -euo pipefail
path="${1:-/health/live}"
port="${SERVER_PORT:-8080}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "${path}" >&3
IFS= read -r -t 3 status <&3
exec 3<&-
[[ "${status}" == *" 200"* ]]

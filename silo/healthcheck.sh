#!/usr/bin/env bash
# Container HEALTHCHECK for orrery-silo: exit 0 when GET /healthz on the silo's HTTP port answers
# 200. Uses bash's /dev/tcp so the runtime image needs no curl or wget. The port is
# ORRERY_Silo__HttpPort (default 8080), as the silo itself reads it.
set -uo pipefail
port="${1:-${ORRERY_Silo__HttpPort:-8080}}"
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 5 status_line <&3 || exit 1
exec 3<&-
case "$status_line" in
  "HTTP/"*" 200 "*) exit 0 ;;
  *) echo "healthcheck: /healthz on port $port answered: ${status_line%$'\r'}" >&2; exit 1 ;;
esac

#!/usr/bin/env bash
# Golden transcript of the `all` forms (see ctl-scenario.sh).
#   all-scenario.sh DAEMON CTL WORKDIR
set -u
DAEMON=$1; CTL=$2; DIR=$3
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR/logs"
cp "$HERE/all-fixture.conf" "$DIR/sv.conf"
CONF="$DIR/sv.conf"
"$DAEMON" -n -c "$CONF" >"$DIR/daemon.stdout" 2>&1 &
DPID=$!
cleanup() { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }
trap cleanup EXIT
norm() {
  sed -E -e "s#$DIR#\$DIR#g" \
         -e 's/pid [0-9]+, uptime [0-9]+:[0-9]{2}:[0-9]{2}/pid PID, uptime UPTIME/' \
         -e 's/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{2} [0-9]{2}:[0-9]{2} (AM|PM)/STOPTIME/' \
         -e 's/^[1-9][0-9]*$/PID/'
}
step() {
  echo "\$ ctl $*"
  "$CTL" -c "$CONF" "$@" </dev/null | norm
  echo "[exit ${PIPESTATUS[0]}]"
}
for i in $(seq 1 200); do "$CTL" -c "$CONF" version >/dev/null 2>&1 && break; sleep 0.1; done
step status
step pid all
step start first
step start all
step status
step start all
step signal CONT all
step stop all
step stop all
step clear all
step start first second
step restart all
step stop first second third
step status first second third

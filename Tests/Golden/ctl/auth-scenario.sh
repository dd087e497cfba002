#!/usr/bin/env bash
# Golden transcript of swiftvisorctl authentication (see ctl-scenario.sh).
#   auth-scenario.sh DAEMON CTL WORKDIR
set -u
DAEMON=$1; CTL=$2; DIR=$3
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR/logs"
cp "$HERE/auth-fixture.conf" "$DIR/sv.conf"
CONF="$DIR/sv.conf"
"$DAEMON" -n -c "$CONF" >"$DIR/daemon.stdout" 2>&1 &
DPID=$!
cleanup() { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }
trap cleanup EXIT
norm() { sed -E -e "s#$DIR#\$DIR#g" -e 's/: file: .* line: [0-9]+$/: file: FILE line: N/'; }
step() {
  echo "\$ ctl $*"
  "$CTL" -c "$CONF" "$@" </dev/null | norm
  echo "[exit ${PIPESTATUS[0]}]"
}
for i in $(seq 1 200); do [ -S "$DIR/sock" ] && break; sleep 0.1; done
sleep 0.5
step status
step -u admin -p wrong status
step -u admin -p s3cret status
step -u admin -p s3cret start idle
step -u admin -p s3cret stop idle
step -u nobody -p s3cret version
step -u admin -p s3cret version

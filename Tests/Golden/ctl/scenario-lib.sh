# Shared by the golden scenario scripts (sourced, not run):
#   scenario_start FIXTURE   copy FIXTURE into $DIR as sv.conf, start $DAEMON on it
#   step ARGS...             run "$CTL -c sv.conf ARGS", print "$ ctl ARGS", its
#                            normalized stdout and "[exit N]"
#   step_err ARGS...         the same with stderr merged into stdout (argv0 in
#                            "For help, use ... -h" normalized)
# Expects DAEMON, CTL, DIR set. Volatile parts are normalized: pids, uptimes,
# stop times, the work dir, and the Python file/line of supervisorctl's raw
# error lines.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF="$DIR/sv.conf"

scenario_start() {
  mkdir -p "$DIR/logs"
  cp "$HERE/$1" "$CONF"
  "$DAEMON" -n -c "$CONF" >"$DIR/daemon.stdout" 2>&1 &
  DPID=$!
  trap 'kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null' EXIT
}

norm() {
  sed -E -e "s#$DIR#\$DIR#g" \
         -e 's/pid [0-9]+, uptime [0-9]+:[0-9]{2}:[0-9]{2}/pid PID, uptime UPTIME/' \
         -e 's/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{2} [0-9]{2}:[0-9]{2} (AM|PM)/STOPTIME/' \
         -e 's/^[1-9][0-9]*$/PID/' \
         -e 's/: file: .* line: [0-9]+$/: file: FILE line: N/'
}

step() {
  echo "\$ ctl $*"
  "$CTL" -c "$CONF" "$@" </dev/null | norm
  echo "[exit ${PIPESTATUS[0]}]"
}

step_err() {
  echo "\$ ctl $*"
  "$CTL" -c "$CONF" "$@" </dev/null 2>&1 | norm | sed -E 's/^For help, use .* -h$/For help, use CTL -h/'
  echo "[exit ${PIPESTATUS[0]}]"
}

# Wait (deadline 20 s) until the daemon answers.
wait_daemon() {
  local i
  for i in $(seq 1 200); do "$CTL" -c "$CONF" version >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "TIMEOUT waiting for the daemon"
}

#!/usr/bin/env bash
# Golden transcript of swiftvisorctl against a real daemon.
#   ctl-scenario.sh DAEMON CTL WORKDIR
# DAEMON/CTL are supervisord/supervisorctl 4.3.0 (to record ctl-transcript.golden)
# or swiftvisord/swiftvisorctl (to check against it). Prints the normalized
# transcript on stdout: each step as "$ ctl ARGS", its stdout, "[exit N]".
# Volatile parts are normalized: pids, uptimes, stop times, WORKDIR.
set -u
DAEMON=$1; CTL=$2; DIR=$3
source "$(dirname "$0")/scenario-lib.sh"
scenario_start fixture.conf

# Wait (deadline 20 s) until `status NAME` shows STATE.
wait_state() {
  local name=$1 state=$2 i
  for i in $(seq 1 200); do
    if "$CTL" -c "$CONF" status "$name" 2>/dev/null | grep -q "^$name  *$state "; then return 0; fi
    sleep 0.1
  done
  echo "TIMEOUT waiting for $name $state"; "$CTL" -c "$CONF" status
}

wait_state web RUNNING; wait_state worker:worker_00 RUNNING; wait_state worker:worker_01 RUNNING; wait_state grp:ga RUNNING

step status
step status web 'worker:*'
step status nope 'grp:nope' 'zz:*' web
step status grp
step status worker
step status all
step start web
step start nope
step start 'zz:*'
step start missing
step start notexec
step start quick
step start idle
step status idle
step start 'grp:*'
step stop idle
step stop idle
step stop
step start
step restart idle
step stop idle
step restart
step signal HUP idle
step signal FOO web
step signal
step signal CONT
step signal CONT 'grp:*'
step signal CONT 'zz:*'
step pid web
step pid idle
step pid nope
step pid web nope idle
step tail web
step tail web stderr
step tail -3 web
step tail -3 web stdout
step tail web STDERR
step tail redir stderr
step tail nope
step tail 'grp:*'
step tail
step tail -f
step tail a b c d
step tail web foo
step tail -x web
step maintail -x
step maintail a b
step maintail x
step maintail -1
step clear idle
step clear nope
step clear 'grp:*'
step clear
step avail
step avail x
step reread
step reread x
step update
step version
step version x
step foo
step shutdown x
step reload x
step remove web
step stop web
step remove web
step remove web
step add web
step add web
step add nope
wait_state web RUNNING
cp "$HERE/fixture2.conf" "$CONF"
step reread
step update nope
step update
step avail
step status
step help
step help start
step help help
step help foo
step fg
step fg a b
step fg nope
step fg idle
step shutdown
wait "$DPID" 2>/dev/null
step status
step start web
step shutdown
step reread
# A socket file nobody listens on: "refused connection".
PY=python3
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$DIR/sock"
step status
step start web
step shutdown
rm -f "$DIR/sock"

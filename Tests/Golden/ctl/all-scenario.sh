#!/usr/bin/env bash
# Golden transcript of the `all` forms (see ctl-scenario.sh).
#   all-scenario.sh DAEMON CTL WORKDIR
set -u
DAEMON=$1; CTL=$2; DIR=$3
source "$(dirname "$0")/scenario-lib.sh"
scenario_start all-fixture.conf
wait_daemon
step status
step pid all
# avail sorts by process name alone, not by priority or group.
step avail
step start first
step start all
step status
step start all
step signal CONT all
# Several processes stopping at once come out in supervisord's poll-loop order,
# which even supervisord does not keep under load: stop them by name (argument
# order), and leave one for `stop all`.
step stop third second
step stop all
step stop all
step clear all
step start first
step restart all
step stop first second third
step status first second third
step reload
sleep 0.2  # let the old instance drop its socket before probing for the new one
wait_daemon
step status first

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

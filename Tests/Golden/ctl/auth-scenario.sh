#!/usr/bin/env bash
# Golden transcript of swiftvisorctl authentication (see ctl-scenario.sh).
#   auth-scenario.sh DAEMON CTL WORKDIR
set -u
DAEMON=$1; CTL=$2; DIR=$3
source "$(dirname "$0")/scenario-lib.sh"
scenario_start auth-fixture.conf
# The probe has no credentials: the daemon is up once it asks for them.
for i in $(seq 1 200); do "$CTL" -c "$CONF" version 2>&1 | grep -q "Server requires authentication" && break; sleep 0.1; done
step status
step -u admin -p wrong status
step -u admin -p s3cret status
step -u admin -p s3cret start idle
step -u admin -p s3cret stop idle
step -u nobody -p s3cret version
step -u admin -p s3cret version
# Server URLs refused before any connection: -s must be a URL (usage error on
# stderr, exit 2), and a scheme other than unix:// or http:// is a ValueError.
step_err -s /nonexistent/sock status
step_err --serverurl=x status
step_err -s foo://x status
step_err -s foo://x start idle

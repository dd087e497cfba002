#!/usr/bin/env python3
"""Run XML-RPC calls against a real supervisord 4.3.0 and compare its answers
with swiftvisord's (Tests/IntegrationTests/XMLRPCDifferentialTests.swift).

    python differential-methods.py PROGRAMS CALLS SWIFT_RESULTS
    python differential-methods.py --collect SOCKET CALLS OUT

PROGRAMS: the config's program sections (they use %(here)s for paths).
CALLS: a JSON array of XML-RPC call bodies (xmlrpc.client.dumps form), in order.
SWIFT_RESULTS: a JSON array, one XML-RPC response body per call, as swiftvisord
answered. With --collect, the calls are sent through Python's xmlrpc.client
(supervisorctl's transport) to the server on the Unix socket SOCKET (a
swiftvisord serving HTTP), and its answer bodies written to OUT in that form.

Otherwise starts supervisord with the same programs in a scratch directory
(identifier=swvtest), waits until no process is STARTING, runs the calls in
order and shuts it down. Prints `ok I METHOD` or `DIFF I METHOD` with both
normalised answers, one line per call; exits 1 when any call differs.
Volatile values are normalised: the scratch directory, pids, times, uptimes,
stop dates; getPID and main log reads are compared by type only.
`test.sleep` is not sent: it waits half a second (a child's output to land);
`test.settle` waits until no process is STARTING or STOPPING.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

from supervisor.xmlrpc import SupervisorTransport

VOLATILE = {"supervisor.getPID", "supervisor.readLog", "supervisor.readMainLog"}
# A stop that waits lists the processes supervisord's own reap() found dead
# while it was still sending stop signals first, then the others as they die:
# which are which depends on how fast each child dies after SIGTERM. Their
# results are compared as sets.
STOP_ORDER_RACE = {"supervisor.stopProcess", "supervisor.stopProcessGroup", "supervisor.stopAllProcesses"}
TIME_KEYS = {"pid", "start", "stop", "now"}


def normalise(value, directory):
    if isinstance(value, str):
        value = value.replace(directory, "DIR")
        value = re.sub(r"^pid \d+, uptime \d+:\d\d:\d\d$", "pid N, uptime T", value)
        value = re.sub(r"^[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$", "DATE", value)
        return value
    if isinstance(value, list):
        return [normalise(v, directory) for v in value]
    if isinstance(value, dict):
        return {k: ("N" if k in TIME_KEYS and v else normalise(v, directory)) for k, v in value.items()}
    return value


def answer(body):
    try:
        (value,), _ = xmlrpc.client.loads(body)
        return value
    except xmlrpc.client.Fault as f:
        return {"faultCode": f.faultCode, "faultString": f.faultString}


def settle(proxy):
    deadline = time.time() + 20
    while time.time() < deadline:
        if all(i["statename"] not in ("STARTING", "STOPPING") for i in proxy.supervisor.getAllProcessInfo()):
            return "settled"
        time.sleep(0.05)
    return "not settled"


def start_supervisord(programs, directory):
    conf = os.path.join(directory, "supervisord.conf")
    sock = os.path.join(directory, "sv.sock")
    with open(conf, "w") as f:
        f.write("[supervisord]\nlogfile=%s/supervisord.log\npidfile=%s/supervisord.pid\n"
                "childlogdir=%s\nidentifier=swvtest\n[unix_http_server]\nfile=%s\n"
                "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = "
                "supervisor.rpcinterface:make_main_rpcinterface\n" % (directory, directory, directory, sock))
        f.write(programs)
    supervisord = os.path.join(os.path.dirname(sys.executable), "supervisord")
    daemon = subprocess.Popen([supervisord, "-n", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while True:
        # A new transport each try: one whose connect failed stays unusable.
        proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + sock))
        try:
            infos = proxy.supervisor.getAllProcessInfo()
            if all(i["statename"] != "STARTING" for i in infos):
                return daemon, proxy
        except Exception as e:
            last = e
        if time.time() > deadline or daemon.poll() is not None:
            daemon.kill()
            sys.exit("supervisord did not start: %r" % (locals().get("last"),))
        time.sleep(0.05)


def run_call(proxy, body):
    """What `proxy` answers to one call body: its value or fault, and the method."""
    params, method = xmlrpc.client.loads(body)
    if method == "test.sleep":
        time.sleep(0.5)
        return "slept", method, params
    if method == "test.settle":
        return settle(proxy), method, params
    try:
        return getattr(proxy, method)(*params), method, params
    except xmlrpc.client.Fault as f:
        return {"faultCode": f.faultCode, "faultString": f.faultString}, method, params


def collect(socket_path, calls_file, out_file):
    proxy = xmlrpc.client.ServerProxy("http://127.0.0.1",
                                      transport=SupervisorTransport(None, None, "unix://" + socket_path))
    bodies = []
    for body in json.load(open(calls_file)):
        value, _, _ = run_call(proxy, body)
        if isinstance(value, dict) and set(value) == {"faultCode", "faultString"}:
            bodies.append(xmlrpc.client.dumps(xmlrpc.client.Fault(value["faultCode"], value["faultString"]),
                                              methodresponse=True))
        else:
            bodies.append(xmlrpc.client.dumps((value,), methodresponse=True))
    json.dump(bodies, open(out_file, "w"))
    return 0


def main():
    if sys.argv[1] == "--collect":
        return collect(sys.argv[2], sys.argv[3], sys.argv[4])
    programs = open(sys.argv[1]).read()
    calls = json.load(open(sys.argv[2]))
    swift = json.load(open(sys.argv[3]))
    directory = tempfile.mkdtemp(prefix="swv-sv430-")
    daemon = None
    try:
        daemon, proxy = start_supervisord(programs, directory)
        failures = 0
        for i, body in enumerate(calls):
            theirs, method, params = run_call(proxy, body)
            ours = answer(swift[i])
            if method in VOLATILE and not isinstance(theirs, dict):
                theirs, ours = type(theirs).__name__, type(ours).__name__
            theirs, ours = normalise(theirs, directory), normalise(ours, os.environ.get("SWV_DIR", "\0"))
            if method in STOP_ORDER_RACE and isinstance(theirs, list) and isinstance(ours, list):
                theirs, ours = sorted(theirs, key=repr), sorted(ours, key=repr)
            if theirs == ours:
                print("ok %d %s" % (i, method))
            else:
                failures += 1
                print("DIFF %d %s%r\n  supervisord: %r\n  swiftvisord: %r" % (i, method, params, theirs, ours))
        return 1 if failures else 0
    finally:
        if daemon is not None:
            try:
                daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

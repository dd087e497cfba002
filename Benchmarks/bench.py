#!/usr/bin/env python3
"""swiftvisor vs Supervisor 4.3.0 vs a C floor, side by side, in one run.

Usage (from the repository root):

    python3 Benchmarks/bench.py                  # build, install, run, print the table
    python3 Benchmarks/bench.py --write-docs     # ... and update docs/benchmarks.md
    python3 Benchmarks/bench.py --reps 3 --only launch1,autorestart

What it does, once per run:
  * installs supervisor==4.3.0 with pip into its own virtualenv (.build-bench/venv),
  * builds swiftvisord/swiftvisorctl in release mode (.build-release),
  * compiles the C floor programs (Benchmarks/floor/*.c) with cc -O2 -static,
  * runs every scenario for the three implementations interleaved (the order
    rotates every repetition) so that machine noise hits all of them alike,
  * reports medians, the ratio of swiftvisor to the floor and to supervisord,
    and whether the issue's target is met.

Supervised programs are `marker`, a static C binary that appends
"<pid> <CLOCK_MONOTONIC ns> <CLOCK_REALTIME ns>" to a file on exec: "until
all have exec'd" is the latest of those timestamps minus the driver's
CLOCK_MONOTONIC reading taken just before the action (Python's
time.monotonic() is the same clock). Stdlib only.
"""
import argparse
import http.client
import json
import os
import platform
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, ".build-bench")
MIB = 1 << 20
IMPLS = ("supervisor", "swiftvisor", "floor")
OLD = "swiftvisor_old"  # --old-bin-dir
PROBLEMS = []  # anything wrong seen by any run: reported with the results


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- setup

class Tools:
    """Paths of everything a run uses."""

    def __init__(self, args):
        self.venv = args.venv or os.path.join(WORK, "venv")
        self.supervisord = os.path.join(self.venv, "bin", "supervisord")
        self.supervisorctl = os.path.join(self.venv, "bin", "supervisorctl")
        self.bindir = args.bin_dir or os.path.join(ROOT, ".build-release", "release")
        self.swiftvisord = os.path.join(self.bindir, "swiftvisord")
        self.swiftvisorctl = os.path.join(self.bindir, "swiftvisorctl")
        self.floor = os.path.join(WORK, "floor")
        # --old-bin-dir: an earlier build run as one more implementation
        # ("swiftvisor_old"), interleaved with the others, for an A/B in one run.
        self.old_swiftvisord = os.path.join(args.old_bin_dir, "swiftvisord") if args.old_bin_dir else None
        self.bin_override = bool(args.bin_dir)

    def exe(self, name):
        return os.path.join(self.floor, name)


def install_supervisor(tools):
    py = os.path.join(tools.venv, "bin", "python")
    if os.path.exists(py):
        r = subprocess.run([py, "-c", "import supervisor.options as o; print(o.VERSION)"],
                           capture_output=True, text=True)
        if r.stdout.strip() == "4.3.0":
            return
    log(f"installing supervisor==4.3.0 into {tools.venv}")
    subprocess.run([sys.executable, "-m", "venv", tools.venv], check=True)
    subprocess.run([py, "-m", "pip", "install", "--quiet", "supervisor==4.3.0"], check=True)


def build_swiftvisor(tools):
    log("building swiftvisor (release, static Swift stdlib)")
    subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib",
                    "--scratch-path", os.path.join(ROOT, ".build-release")], cwd=ROOT, check=True, stdout=sys.stderr)


def build_floor(tools):
    os.makedirs(tools.floor, exist_ok=True)
    src = os.path.join(ROOT, "Benchmarks", "floor")
    for name in sorted(os.listdir(src)):
        if not name.endswith(".c"):
            continue
        out = tools.exe(name[:-2])
        base = ["cc", "-O2", "-Wall", "-o", out, os.path.join(src, name)]
        if subprocess.run(base[:1] + ["-static"] + base[1:], capture_output=True).returncode != 0:
            subprocess.run(base, check=True)  # no static libc on this machine


# ---------------------------------------------------------------- /proc helpers

def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def context_switches(pid):
    """Voluntary + involuntary context switches of every thread of `pid`."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        for key in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
            try:
                with open(f"/proc/{pid}/task/{tid}/status") as f:
                    for line in f:
                        if line.startswith(key + ":"):
                            total += int(line.split()[1])
            except OSError:
                pass
    return total


def cpu_seconds(pid):
    """CPU time of every thread of `pid`, from schedstat (ns resolution)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


def alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def read_markers(path):
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[0].isdigit():
            out.append((int(parts[0]), int(parts[1]) / 1e9, int(parts[2]) / 1e9))
    return out


def wait_for(what, cond, timeout, interval=0.001):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def wait_markers(path, n, timeout=120, proc=None):
    """The markers once there are n; fails at once if `proc` (the daemon) exits."""
    def ready():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the daemon exited ({proc.returncode}) before {n} children exec'd")
        m = read_markers(path)
        return m if len(m) >= n else None
    return wait_for(f"{n} markers in {path}", ready, timeout)


def timed_spawn(argv, env=None):
    """Wall time of running argv to completion (posix_spawn + waitpid: the
    least overhead the driver can add), its exit status."""
    actions = [(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env or os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    return time.perf_counter() - t0, os.waitstatus_to_exitcode(status)


# ---------------------------------------------------------------- daemons

class Run:
    """One scenario run for one implementation: a scratch dir, a config, a
    daemon (or a floor process), and cleanup of every pid it caused."""

    def __init__(self, tools, impl, tag):
        self.tools, self.impl = tools, impl
        self.dir = tempfile.mkdtemp(prefix=f"swvbench-{tag}-{impl}-")
        self.markers = os.path.join(self.dir, "markers.txt")
        self.conf = os.path.join(self.dir, "daemon.conf")
        self.sock = os.path.join(self.dir, "ctl.sock")
        self.mainlog = os.path.join(self.dir, "daemon.log")
        self.proc = None
        self.problems = []

    # config ----------------------------------------------------------
    def write_config(self, programs, inet=False, extra=""):
        """programs: list of (name, command, {option: value}); with `inet`, an
        [inet_http_server] on a free loopback port (self.port) as well; `extra`
        is appended as is (event listener sections)."""
        d = self.dir
        # Each child holds a stdin pipe end in the daemon, and supervisord also
        # keeps stdout/stderr pipes: 3 descriptors per program, plus room, but
        # no more than the hard limit lets any daemon have (a machine whose
        # root lacks CAP_SYS_RESOURCE cannot raise it): swiftvisord needs one
        # per program here (stdout_logfile=NONE).
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        minfds = max(16384, 3 * len(programs) + 1024)
        if hard != resource.RLIM_INFINITY:
            minfds = min(minfds, hard)
        minprocs = max(4096, len(programs) + 1024)
        text = f"""[supervisord]
logfile={self.mainlog}
pidfile={d}/daemon.pid
childlogdir={d}
loglevel=info
minfds={minfds}
minprocs={minprocs}
[unix_http_server]
file={self.sock}
[supervisorctl]
serverurl=unix://{self.sock}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""
        if inet:
            self.port = free_port()
            text += f"[inet_http_server]\nport=127.0.0.1:{self.port}\n"
        for name, command, opts in programs:
            text += f"[program:{name}]\ncommand={command}\n"
            for k, v in opts.items():
                text += f"{k}={v}\n"
        text += extra
        with open(self.conf, "w") as f:
            f.write(text)

    def marker_programs(self, n, **opts):
        base = {"startsecs": 0, "autostart": "true", "autorestart": "false",
                "stdout_logfile": "NONE", "redirect_stderr": "true", "stopwaitsecs": 10}
        base.update(opts)
        return [(f"p{i:04d}", f"{self.tools.exe('marker')} {self.markers}", base) for i in range(n)]

    # daemon ----------------------------------------------------------
    def launch(self):
        exe = {"supervisor": self.tools.supervisord, OLD: self.tools.old_swiftvisord}.get(self.impl, self.tools.swiftvisord)
        err = open(os.path.join(self.dir, "daemon.stderr"), "w")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([exe, "-n", "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=err, stdin=subprocess.DEVNULL)
        err.close()
        return t0

    def wait_socket(self, timeout=30):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.impl} daemon exited: {self.stderr()}")
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.sock)
                return True
            except OSError:
                return False
            finally:
                s.close()
        wait_for("control socket", ready, timeout, 0.005)

    def ctl_argv(self, *args):
        exe = self.tools.supervisorctl if self.impl == "supervisor" else self.tools.swiftvisorctl
        return [exe, "-c", self.conf, *args]

    def ctl(self, *args):
        return timed_spawn(self.ctl_argv(*args))

    def ctl_output(self, *args):
        return subprocess.run(self.ctl_argv(*args), capture_output=True, text=True, timeout=120)

    def stderr(self):
        try:
            with open(os.path.join(self.dir, "daemon.stderr")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    # floor -----------------------------------------------------------
    def floor(self, argv, stdin=subprocess.PIPE):
        t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return t0

    # teardown ----------------------------------------------------------
    def close(self):
        p = self.proc
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.problems.append(f"{self.impl}: did not exit within 90 s of SIGTERM; killed")
                p.kill()
                p.wait()
        # Every marker the run started must be gone: report and kill stragglers by pid.
        for pid, _, _ in read_markers(self.markers):
            if alive(pid):
                self.problems.append(f"{self.impl}: child {pid} still running after shutdown")
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        PROBLEMS.extend(self.problems)
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def rpc(r):
    """Python's own XML-RPC client on the run's loopback port: what deploy
    scripts, dashboards and superlance use."""
    return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{r.port}/RPC2")


def http_available(tools):
    """swiftvisord answers XML-RPC (its HTTP side has landed)."""
    r = Run(tools, "swiftvisor", "httpprobe")
    try:
        r.write_config(r.marker_programs(1), inet=True)
        r.launch()
        try:
            r.wait_socket(timeout=5)
            return rpc(r).supervisor.getPID() == r.proc.pid
        except Exception:
            return False
    finally:
        r.close()


def ctl_available(tools):
    """swiftvisorctl can talk to swiftvisord (the control server has landed)."""
    r = Run(tools, "swiftvisor", "probe")
    try:
        r.write_config(r.marker_programs(1))
        r.launch()
        try:
            r.wait_socket(timeout=5)
        except (TimeoutError, RuntimeError):
            return False
        out = r.ctl_output("pid")
        return out.returncode == 0 and out.stdout.strip() == str(r.proc.pid)
    finally:
        r.close()


# ---------------------------------------------------------------- scenarios
# Each returns {metric: value} for one implementation, one repetition.

def sc_launch(tools, impl, n):
    r = Run(tools, impl, f"launch{n}")
    try:
        if impl == "floor":
            t0 = r.floor([tools.exe("spawnloop"), str(n), "hold", tools.exe("marker"), r.markers])
        else:
            r.write_config(r.marker_programs(n))
            t0 = r.launch()
        m = wait_markers(r.markers, n)
        return {f"launch{n}": max(x[1] for x in m) - t0}
    finally:
        r.close()


def sc_autorestart(tools, impl, kills=2):
    r = Run(tools, impl, "autorestart")
    try:
        if impl == "floor":
            r.floor([tools.exe("spawnloop"), "1", "restart", tools.exe("marker"), r.markers])
        else:
            r.write_config(r.marker_programs(1, autorestart="true"))
            r.launch()
        samples = []
        for k in range(kills):
            m = wait_markers(r.markers, k + 1, 30)
            # A child that has run for over a second: one killed sooner is a
            # failing run for swiftvisord (an unexpected end within a second
            # of its start), restarted one second after its start, so a
            # younger one would measure that guard, not the restart path.
            time.sleep(1.1)
            t0 = time.monotonic()
            os.kill(m[-1][0], signal.SIGKILL)
            m = wait_markers(r.markers, k + 2, 30)
            samples.append(m[-1][1] - t0)
        return {"autorestart": statistics.median(samples)}
    finally:
        r.close()


def sc_status(tools, impl, calls=20):
    r = Run(tools, impl, "status")
    server = None
    try:
        if impl == "floor":
            server = subprocess.Popen([tools.exe("sock"), "server", r.sock])
            wait_for("floor socket", lambda: os.path.exists(r.sock), 5)
            argv = [tools.exe("sock"), "client", r.sock]
        else:
            r.write_config(r.marker_programs(10))
            r.launch()
            r.wait_socket()
            wait_markers(r.markers, 10)
            time.sleep(0.2)
            argv = r.ctl_argv("status")
            out = r.ctl_output("status")
            if out.stdout.count("RUNNING") != 10:
                r.problems.append(f"{impl}: status shows {out.stdout.count('RUNNING')} RUNNING of 10")
        def median_of(argv):
            samples = []
            for _ in range(calls):
                dt, rc = timed_spawn(argv)
                if rc != 0:
                    raise RuntimeError(f"{argv} exited {rc}")
                samples.append(dt)
            return statistics.median(samples)
        return {"status10": median_of(argv)}
    finally:
        if server:
            server.kill(); server.wait()
        r.close()


def sc_startstop(tools, impl, n):
    r = Run(tools, impl, f"startstop{n}")
    try:
        if impl == "floor":
            t0 = r.floor([tools.exe("spawnloop"), str(n), "hold", tools.exe("marker"), r.markers])
            m = wait_markers(r.markers, n)
            start = max(x[1] for x in m) - t0
            time.sleep(0.2)
            t1 = time.monotonic()
            r.proc.stdin.write(b"stop\n"); r.proc.stdin.flush()
            if r.proc.stdout.readline() != b"done\n":
                raise RuntimeError("spawnloop did not answer done")
            stop = time.monotonic() - t1
        else:
            r.write_config(r.marker_programs(n, autostart="false"))
            r.launch()
            r.wait_socket()
            t0 = time.monotonic()
            _, rc = r.ctl("start", "all")
            m = wait_markers(r.markers, n)
            start = max(x[1] for x in m) - t0
            time.sleep(0.3)
            stop, rc = r.ctl("stop", "all")
            if rc != 0:
                r.problems.append(f"{impl}: stop all exited {rc}")
        left = [pid for pid, _, _ in read_markers(r.markers) if alive(pid)]
        if left:
            r.problems.append(f"{impl}: {len(left)} children alive after stop all returned")
        return {f"start{n}": start, f"stop{n}": stop}
    finally:
        r.close()


def sc_scale(tools, impl, n):
    """One daemon with n autostart programs: launch until every child has
    exec'd, the daemon's anonymous memory, `status` of all (median of 3),
    `stop all` (until it returns; every child must be gone), `start all`
    (until every child has exec'd again). Floor: `spawnloop n hold` (launch
    and start all are the same work for it: spawn n children), `stop`."""
    r = Run(tools, impl, f"scale{n}")
    timeout = 120 + n * 0.05
    try:
        out = {}
        if impl == "floor":
            t0 = r.floor([tools.exe("spawnloop"), str(n), "hold", tools.exe("marker"), r.markers])
            m = wait_markers(r.markers, n, timeout, r.proc)
            out[f"scale_launch{n}"] = out[f"scale_start{n}"] = max(x[1] for x in m) - t0
            time.sleep(0.5)
            out[f"scale_anon{n}"] = proc_status(r.proc.pid, "RssAnon") / 1024
            t1 = time.monotonic()
            r.proc.stdin.write(b"stop\n"); r.proc.stdin.flush()
            if r.proc.stdout.readline() != b"done\n":
                raise RuntimeError("spawnloop did not answer done")
            out[f"scale_stop{n}"] = time.monotonic() - t1
            return out
        r.write_config(r.marker_programs(n))
        t0 = r.launch()
        m = wait_markers(r.markers, n, timeout, r.proc)
        out[f"scale_launch{n}"] = max(x[1] for x in m) - t0
        r.wait_socket()
        time.sleep(0.5)
        out[f"scale_anon{n}"] = proc_status(r.proc.pid, "RssAnon") / 1024
        samples = []
        for _ in range(3):
            dt, rc = timed_spawn(r.ctl_argv("status"))
            if rc != 0:
                r.problems.append(f"{impl}: status of {n} exited {rc}")
            samples.append(dt)
        out[f"scale_status{n}"] = statistics.median(samples)
        shown = r.ctl_output("status").stdout
        if shown.count(" RUNNING ") != n:
            r.problems.append(f"{impl}: status shows {shown.count(' RUNNING ')} RUNNING of {n}")
        first = [pid for pid, _, _ in m]
        out[f"scale_stop{n}"], rc = r.ctl("stop", "all")
        left = [pid for pid in first if alive(pid)]
        if rc != 0 or left:
            r.problems.append(f"{impl}: stop all of {n} exited {rc}, {len(left)} children alive after it returned")
        os.rename(r.markers, r.markers + ".first")
        t1 = time.monotonic()
        _, rc = r.ctl("start", "all")
        m = wait_markers(r.markers, n, timeout, r.proc)
        out[f"scale_start{n}"] = max(x[1] for x in m) - t1
        if rc != 0:
            r.problems.append(f"{impl}: start all of {n} exited {rc}")
        return out
    finally:
        r.close()


def wait_rpc(r, timeout=30):
    def ready():
        if r.proc.poll() is not None:
            raise RuntimeError(f"{r.impl} daemon exited: {r.stderr()}")
        try:
            rpc(r).supervisor.getState()
            return True
        except (OSError, xmlrpc.client.Error):
            return False
    wait_for("XML-RPC port", ready, timeout, 0.005)


def sc_rpc_info(tools, impl, n, calls=10):
    """supervisor.getAllProcessInfo() over HTTP on loopback, n processes
    running: median wall time of one call, with Python's xmlrpc.client (one
    connection per call, as ServerProxy makes)."""
    r = Run(tools, impl, f"rpcinfo{n}")
    try:
        r.write_config(r.marker_programs(n), inet=True)
        r.launch()
        wait_markers(r.markers, n, 120 + n * 0.05, r.proc)
        wait_rpc(r)
        proxy = rpc(r)
        info = proxy.supervisor.getAllProcessInfo()
        running = sum(1 for p in info if p["statename"] == "RUNNING")
        if running != n:
            r.problems.append(f"{impl}: getAllProcessInfo shows {running} RUNNING of {n}")
        samples = []
        for _ in range(calls):
            t0 = time.monotonic()
            proxy.supervisor.getAllProcessInfo()
            samples.append(time.monotonic() - t0)
        # The same call on a raw socket, timed until the answer's last byte:
        # the daemon's own cost, without the client's XML parsing (Python's
        # xmlrpc.client takes tens of ms to parse 1000 structs, for either daemon).
        body = xmlrpc.client.dumps((), "supervisor.getAllProcessInfo").encode()
        req = b"POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        answered = []
        for _ in range(calls):
            s = socket.create_connection(("127.0.0.1", r.port), timeout=60)
            t0 = time.monotonic()
            s.sendall(req)
            got = b""
            while True:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                got += chunk
            answered.append(time.monotonic() - t0)
            s.close()
            if got.count(b"<name>statename</name>") != n:
                r.problems.append(f"{impl}: raw getAllProcessInfo answer holds {got.count(b'<name>statename</name>')} processes of {n}")
        return {f"rpc_info{n}": statistics.median(samples), f"rpc_answered{n}": statistics.median(answered)}
    finally:
        r.close()


def sc_rpc_startgroup(tools, impl, n=100):
    """supervisor.startProcessGroup(g, True): one group of n (numprocs),
    startsecs=0, from the call until its answer (every process RUNNING)."""
    r = Run(tools, impl, f"rpcgroup{n}")
    try:
        opts = {"numprocs": n, "process_name": "%(program_name)s_%(process_num)03d", "startsecs": 0,
                "autostart": "false", "autorestart": "false", "stdout_logfile": "NONE",
                "redirect_stderr": "true", "stopwaitsecs": 10}
        r.write_config([("g", f"{tools.exe('marker')} {r.markers}", opts)], inet=True)
        r.launch()
        wait_rpc(r)
        t0 = time.monotonic()
        results = rpc(r).supervisor.startProcessGroup("g", True)
        dt = time.monotonic() - t0
        ok = sum(1 for x in results if x["status"] == 80)
        if ok != n:
            r.problems.append(f"{impl}: startProcessGroup succeeded for {ok} of {n}")
        wait_markers(r.markers, n, 60, r.proc)
        return {f"rpc_startgroup{n}": dt}
    finally:
        r.close()


def http_get(port, path, timeout=30):
    """One GET on loopback (a fresh connection, as a scraper or a browser's
    first load makes): the status and the body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def sc_metrics(tools, impl, n=1000, calls=10):
    """GET /metrics with n processes running (swiftvisord only: supervisord
    has no such endpoint): median wall time of one scrape, /proc read for
    every process by the core each time."""
    r = Run(tools, impl, f"metrics{n}")
    try:
        r.write_config(r.marker_programs(n), inet=True)
        r.launch()
        wait_markers(r.markers, n, 120 + n * 0.05, r.proc)
        wait_rpc(r)
        status, body = http_get(r.port, "/metrics")
        running = sum(1 for line in body.split(b"\n") if line.startswith(b"swiftvisor_process_up{") and line.endswith(b" 1"))
        if running != n:
            r.problems.append(f"{impl}: /metrics shows {running} up of {n} (status {status})")
        samples = []
        for _ in range(calls):
            t0 = time.monotonic()
            http_get(r.port, "/metrics")
            samples.append(time.monotonic() - t0)
        return {f"metrics_scrape{n}": statistics.median(samples)}
    finally:
        r.close()


def sc_page(tools, impl, n=1000, calls=5):
    """The web page with n processes running, as a browser first loads it:
    the HTML, its stylesheet and script, and the first state.json the script
    fetches (sequentially, fresh connections): median wall time until all are
    in (swiftvisord only; the target is one second)."""
    r = Run(tools, impl, f"page{n}")
    try:
        r.write_config(r.marker_programs(n), inet=True)
        r.launch()
        wait_markers(r.markers, n, 120 + n * 0.05, r.proc)
        wait_rpc(r)
        status, body = http_get(r.port, "/")
        rows = body.count(b'<tr class="proc"')
        if status != 200 or rows != n:
            r.problems.append(f"{impl}: the page shows {rows} rows of {n} (status {status})")
        samples = []
        for _ in range(calls):
            t0 = time.monotonic()
            for path in ("/", "/swiftvisor.css", "/swiftvisor.js", "/state.json"):
                http_get(r.port, path)
            samples.append(time.monotonic() - t0)
        return {f"page_load{n}": statistics.median(samples)}
    finally:
        r.close()


def sc_supervisorctl_status(tools, impl, calls=20):
    """Real supervisorctl 4.3.0 `status` (10 programs) against either daemon
    over the Unix socket: the whole command, as an operator runs it."""
    r = Run(tools, impl, "supctl")
    try:
        r.write_config(r.marker_programs(10))
        r.launch()
        r.wait_socket()
        wait_markers(r.markers, 10)
        argv = [tools.supervisorctl, "-c", r.conf, "status"]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if out.stdout.count(" RUNNING ") != 10:
            r.problems.append(f"{impl}: supervisorctl status shows {out.stdout.count(' RUNNING ')} RUNNING of 10")
        samples = []
        for _ in range(calls):
            dt, rc = timed_spawn(argv)
            if rc != 0:
                raise RuntimeError(f"supervisorctl status exited {rc}")
            samples.append(dt)
        return {"supctl_status10": statistics.median(samples)}
    finally:
        r.close()


def sc_logtail(tools, impl, mib):
    """GET /logtail/blast (HTTP/1.0, raw stream until close) while the child
    writes `mib` MiB: throughput from the child's first write to the stream's
    last byte, and whether every byte arrived in order."""
    r = Run(tools, impl, "logtail")
    logfile = os.path.join(r.dir, "blast.log")
    sock = None
    try:
        r.write_config([("blast", f"{tools.exe('blast')} {r.markers} {mib}", {
            "startsecs": 0, "autorestart": "false", "stdout_logfile": logfile,
            "stdout_logfile_maxbytes": 0, "stdout_logfile_backups": 0, "stderr_logfile": "NONE"})], inet=True)
        r.launch()
        wait_rpc(r)
        wait_for("blast ready", lambda: os.path.exists(r.markers), 30)
        sock = socket.create_connection(("127.0.0.1", r.port), timeout=120)
        sock.sendall(b"GET /logtail/blast HTTP/1.0\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError(f"{impl}: /logtail closed before its headers: {head[:200]!r}")
            head += chunk
        head, body = head.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.0 200"):
            raise RuntimeError(f"{impl}: /logtail answered {head.splitlines()[0]!r}")
        total = mib * MIB
        got = len(body)
        first = body[:16]
        deadline = time.monotonic() + 120
        while got < total:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{impl}: /logtail delivered {got} of {total} bytes in 120 s")
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            got += len(chunk)
            if len(first) < 16:
                first += chunk[:16 - len(first)]
        t_end = time.monotonic()
        wait_for("blast done", lambda: any(l.startswith("blast ") for l in open(r.markers)), 60)
        with open(r.markers) as f:
            t0 = next(int(l.split()[1]) / 1e9 for l in f if l.startswith("blast "))
        if got != total or first != b"000000000000000\n":
            r.problems.append(f"{impl}: /logtail delivered {got} bytes of {total}, starting {first!r}")
        return {"logtail_mibps": mib / (t_end - t0)}
    finally:
        if sock:
            sock.close()
        r.close()


def sc_crashloop(tools, impl, programs=4):
    """startretries=3, startsecs=1, a child that exits 1 at once: count spawns
    and time FATAL from the first spawn, for `programs` programs at once."""
    r = Run(tools, impl, "crashloop")
    try:
        progs = [(f"crash{i}", f"{tools.exe('marker')} {r.markers}.{i} exit 1",
                  {"startsecs": 1, "startretries": 3, "autorestart": "true", "stdout_logfile": "NONE",
                   "redirect_stderr": "true"}) for i in range(programs)]
        r.write_config(progs)
        r.launch()

        def fatal_lines():
            try:
                with open(r.mainlog) as f:
                    return [l for l in f if "entered FATAL state" in l]
            except OSError:
                return []
        # supervisord can miss FATAL for good: its 1 s tick may promote a
        # child to RUNNING after it already exited, which resets the retry
        # count. Give up waiting after 25 s and report what happened.
        deadline = time.monotonic() + 25
        while len(fatal_lines()) < programs and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # any spawn after FATAL would show up now
        lines = fatal_lines()
        spawns, fatal_after, gaps = [], [], []
        for i in range(programs):
            m = read_markers(f"{r.markers}.{i}")
            spawns.append(len(m))
            line = next((l for l in lines if f"crash{i} entered FATAL" in l), None)
            if line is None or not m:
                fatal_after.append(None)
            else:
                stamp = line.split(" ")[0] + " " + line.split(" ")[1]
                sec, ms = stamp.split(",")
                when = time.mktime(time.strptime(sec, "%Y-%m-%d %H:%M:%S")) + int(ms) / 1000
                fatal_after.append(round(when - m[0][2], 2))
            gaps.append([round(m[j + 1][1] - m[j][1], 2) for j in range(len(m) - 1)])
        return {"crash_spawns": spawns, "crash_fatal_s": fatal_after, "crash_gaps": gaps}
    finally:
        r.close()


def verify_blast_file(path, mib):
    """Every numbered 16-byte line present once, in order (sampled: first,
    last and 4096 evenly spread lines; the size proves nothing is missing)."""
    size = os.path.getsize(path)
    if size != mib * MIB:
        return f"log holds {size} bytes, expected {mib * MIB}"
    lines = size // 16
    with open(path, "rb") as f:
        for k in range(4097):
            i = min(lines - 1, k * (lines // 4096))
            f.seek(i * 16)
            if f.read(16) != b"%015d\n" % i:
                return f"line {i} is wrong"
    return None


def sc_log(tools, impl, mib):
    r = Run(tools, impl, "log")
    logfile = os.path.join(r.dir, "blast.log")
    try:
        cmd = [tools.exe("blast"), r.markers, str(mib)]
        if impl == "floor":
            r.proc = subprocess.Popen([tools.exe("relay"), logfile] + cmd, stderr=subprocess.PIPE)
            pid = r.proc.pid
        else:
            r.write_config([("blast", " ".join(cmd), {
                "startsecs": 0, "autorestart": "false", "stdout_logfile": logfile,
                "stdout_logfile_maxbytes": 0, "stdout_logfile_backups": 0, "stderr_logfile": "NONE"})])
            r.launch()
            pid = r.proc.pid
        wait_for("blast ready", lambda: os.path.exists(r.markers), 30)
        cpu0 = cpu_seconds(pid)
        total = mib * MIB
        wait_for("log complete", lambda: os.path.exists(logfile) and os.path.getsize(logfile) >= total, 120, 0.0005)
        t_end = time.monotonic()
        if impl == "floor":
            err = r.proc.stderr.read().decode()
            r.proc.wait()
            cpu = float(err.split("relay-cpu ")[1].split()[0])
        else:
            cpu = cpu_seconds(pid) - cpu0
        with open(r.markers) as f:
            t0 = next(int(l.split()[1]) / 1e9 for l in f if l.startswith("blast "))
        time.sleep(0.2)
        bad = verify_blast_file(logfile, mib)
        if bad:
            r.problems.append(f"{impl}: {bad}")
        return {"log_mibps": mib / (t_end - t0), "log_cpu_ms_per_mib": cpu * 1000 / mib,
                "log_complete": 0 if bad else 1}
    finally:
        r.close()


# Event listeners (docs/events.md). The listener is Python in text mode, as
# supervisor.childutils listeners are; times are wall-clock (the child's
# `date +%s.%N`, the listener's time.time()).
EVENT_LISTENER = r'''
import sys, time
out = open(sys.argv[1], "a")
count, last = 0, 0.0
while True:
    sys.stdout.write("READY\n"); sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        break
    headers = dict(x.split(":") for x in line.split())
    sys.stdin.read(int(headers["len"]))  # text mode, as childutils reads
    now = time.time()
    if headers["eventname"] == "PROCESS_STATE_EXITED":
        out.write("exited %.6f\n" % now); out.flush()
    elif headers["eventname"].startswith("PROCESS_LOG"):
        count += 1
        if now - last > 0.2:
            out.write("count %d %.6f\n" % (count, now)); out.flush()
            last = now
    sys.stdout.write("RESULT 2\nOK"); sys.stdout.flush()
'''


def event_listener_section(r, events, python):
    path = os.path.join(r.dir, "listener.py")
    with open(path, "w") as f:
        f.write(EVENT_LISTENER)
    return (f"[eventlistener:bench]\ncommand={python} -u {path} {os.path.join(r.dir, 'got.txt')}\n"
            f"events={events}\nbuffer_size=100\nstartsecs=0\nstdout_logfile=NONE\n")


def read_lines(path, prefix):
    try:
        with open(path) as f:
            return [l.split()[1:] for l in f if l.startswith(prefix)]
    except OSError:
        return []


def sc_events_latency(tools, impl, samples=8):
    """A child's exit → its PROCESS_STATE_EXITED read by a listener: the
    child notes the time just before it exits (0.3 s after each start)."""
    r = Run(tools, impl, "evlat")
    python = os.path.join(tools.venv, "bin", "python")
    exits = os.path.join(r.dir, "exits.txt")
    try:
        # sh, not Python: nothing runs between the timestamp and the exit.
        child = f"/bin/sh -c \"sleep 0.3; date +%%s.%%N >> {exits}; exit 1\""  # %% : the config's own % syntax
        r.write_config([("quick", child, {"startsecs": 0, "autorestart": "true", "exitcodes": "1",
                                          "stdout_logfile": "NONE", "redirect_stderr": "true"})],
                       extra=event_listener_section(r, "PROCESS_STATE_EXITED", python))
        r.launch()
        got = os.path.join(r.dir, "got.txt")
        wait_for("exited events", lambda: len(read_lines(got, "exited")) >= samples + 1, 120)
        with open(exits) as f:
            sent = [float(l) for l in f if l.strip()]
        seen = [float(x[0]) for x in read_lines(got, "exited")]
        # The first exit may come before the listener is READY: skip it.
        lat = [b - a for a, b in zip(sent[1:samples + 1], seen[1:samples + 1])]
        return {"event_latency": statistics.median(lat)}
    finally:
        r.close()


def sc_events_rate(tools, impl, window=2.0):
    """PROCESS_LOG events per second through one listener while a child
    writes as fast as it can (`yes`): the time per event, in steady state."""
    r = Run(tools, impl, "evrate")
    python = os.path.join(tools.venv, "bin", "python")
    try:
        r.write_config([("yes", "/usr/bin/yes hello", {
            "startsecs": 0, "autorestart": "false", "stdout_events_enabled": "true",
            "stdout_logfile": os.path.join(r.dir, "yes.log"), "stdout_logfile_maxbytes": "50MB",
            "stdout_logfile_backups": 0, "stderr_logfile": "NONE"})],
            extra=event_listener_section(r, "PROCESS_LOG", python))
        r.launch()
        got = os.path.join(r.dir, "got.txt")
        wait_for("log events", lambda: len(read_lines(got, "count")) >= 3, 60)
        first = read_lines(got, "count")[-1]
        time.sleep(window)  # measuring a rate over a fixed window
        last = read_lines(got, "count")[-1]
        n = int(last[0]) - int(first[0])
        dt = float(last[1]) - float(first[1])
        return {"event_ms_per_event": dt / n if n > 0 else None}
    finally:
        r.close()


def sc_logs_tail(tools, impl, gib=1, calls=10):
    """`swiftvisorctl logs -n 50` on a `gib` GiB log (swiftvisor only:
    supervisorctl has no line-exact verb): wall time of the whole command,
    which must read only the end of the file."""
    if impl != "swiftvisor":
        return {}
    r = Run(tools, impl, "logstail")
    logfile = os.path.join(r.dir, "big.log")
    try:
        block = b"".join(b"%015d\n" % i for i in range(65536))  # 1 MiB of numbered lines
        with open(logfile, "wb") as f:
            for _ in range(gib * 1024):
                f.write(block)
        r.write_config([("big", "/bin/sleep 100000", {
            "startsecs": 0, "autorestart": "false", "stdout_logfile": logfile,
            "stdout_logfile_maxbytes": 0, "stderr_logfile": "NONE"})])
        r.launch()
        r.wait_socket()
        out = r.ctl_output("logs", "-n", "50", "big")
        want = "".join("%015d\n" % i for i in range(65536 - 50, 65536))
        if out.stdout != want:
            r.problems.append(f"logs -n 50 printed {out.stdout[:100]!r}... ({len(out.stdout)} bytes), not the last 50 lines")
        samples = []
        for _ in range(calls):
            dt, rc = timed_spawn(r.ctl_argv("logs", "-n", "50", "big"))
            if rc != 0:
                raise RuntimeError(f"logs -n 50 exited {rc}")
            samples.append(dt)
        return {"logs_n50_1g": statistics.median(samples)}
    finally:
        r.close()


def sc_events_rate_c(tools, impl, window=2.0, lines=False):
    """A child writing flat out through PROCESS_LOG to the C listener
    (floor/listener.c), so that the daemon and not the listener is the
    bottleneck: events per second and payload MiB/s in steady state. The
    child is `yes hello` (every read of its pipe is a full 64 KiB chunk), or
    with `lines` floor/lines.c (60-byte lines, one write(2) each: the chunks
    are whatever the daemon finds in the pipe when it reads). Both daemons get
    the same config: buffer_size=100, stdout_events_enabled on the child's
    stdout only, the same listener binary. The floor is floor/evflood.c: the
    same child, listener, log file and buffer in one C epoll loop, doing only
    what the scenario requires of a daemon."""
    r = Run(tools, impl, "evratel" if lines else "evratec")
    try:
        got = os.path.join(r.dir, "got.txt")
        wrote = os.path.join(r.dir, "wrote.txt")
        stats = os.path.join(r.dir, "evflood.txt")
        child = f"{tools.exe('lines')} {wrote}" if lines else "/usr/bin/yes hello"
        flood_log = os.path.join(r.dir, "flood.log")
        if impl == "floor":
            r.floor([tools.exe("evflood"), tools.exe("listener"), got, flood_log, stats, "--"] + child.split(),
                    stdin=subprocess.DEVNULL)
        else:
            r.write_config([("flood", child, {
                "startsecs": 0, "autorestart": "false", "stdout_events_enabled": "true",
                "stdout_logfile": flood_log, "stdout_logfile_maxbytes": "50MB",
                "stdout_logfile_backups": 0, "stderr_logfile": "NONE"})],
                extra=(f"[eventlistener:bench]\ncommand={tools.exe('listener')} {got}\n"
                       "events=PROCESS_LOG\nbuffer_size=100\nstartsecs=0\nstdout_logfile=NONE\n"))
            r.launch()
        wait_for("log events", lambda: len(read_lines(got, "count")) >= 3, 60)

        def overflows():
            if impl == "floor":  # evflood counts what it discards
                noted = read_lines(stats, "flood")
                return int(noted[-1][2]) if noted else 0
            try:
                with open(r.mainlog, errors="replace") as f:
                    return sum(1 for l in f if "event buffer overflowed" in l)
            except OSError:
                return 0
        flood_pid = flood_child(r.proc.pid, "lines" if lines else "yes")
        listener_pid = flood_child(r.proc.pid, "listener")

        def path_cpu():  # the daemon's, the child's and the listener's CPU time
            return sum(cpu_seconds(p) for p in (r.proc.pid, flood_pid, listener_pid) if p is not None)

        def lcpu():
            return cpu_seconds(listener_pid) if listener_pid is not None else 0.0
        first, first_wrote, first_drop = read_lines(got, "count")[-1], read_lines(wrote, "wrote"), overflows()
        cpu0, t0, wchar0, path0, l0 = cpu_seconds(r.proc.pid), time.monotonic(), written_bytes(flood_pid), path_cpu(), lcpu()
        time.sleep(window)  # measuring a rate over a fixed window
        cpu1, t1, wchar1, path1, l1 = cpu_seconds(r.proc.pid), time.monotonic(), written_bytes(flood_pid), path_cpu(), lcpu()
        last, last_wrote, last_drop = read_lines(got, "count")[-1], read_lines(wrote, "wrote"), overflows()
        n, b = int(last[0]) - int(first[0]), int(last[1]) - int(first[1])
        dt = float(last[2]) - float(first[2])
        if dt <= 0:
            return {}
        key = "event_l" if lines else "event_c"
        out = {f"{key}_per_s": n / dt, f"{key}_mibps": b / MIB / dt,
               # Both daemons log one ERRO line per event discarded from a full
               # buffer; counted over the same (driver's) window.
               f"{key}_dropped_per_s": (last_drop - first_drop) / window,
               # The daemon's own CPU time (every thread's schedstat) over the
               # window, per event delivered: what the machine's load cannot
               # inflate the way it inflates the wake-ups of a round trip.
               f"{key}_cpu_us_per_event": (cpu1 - cpu0) / ((t1 - t0) * n / dt) * 1e6 if n else None,
               f"{key}_cpu_share": (cpu1 - cpu0) / (t1 - t0)}
        if flood_pid is not None and listener_pid is not None and n:
            # The whole path's CPU (daemon, child and listener) per event
            # delivered: 2 CPUs divided by it bounds the rate this way of
            # doing the work could reach on this machine with nothing else running.
            out[f"{key}_path_cpu_us_per_event"] = (path1 - path0) / ((t1 - t0) * n / dt) * 1e6
            out[f"{key}_listener_cpu_us_per_event"] = (l1 - l0) / ((t1 - t0) * n / dt) * 1e6
        if wchar0 is not None and wchar1 is not None:
            # The child's own output rate (its /proc io `wchar`) over the window:
            # how much the daemon's reading let it write.
            out[f"{key}_child_mibps"] = (wchar1 - wchar0) / MIB / (t1 - t0)
        if lines:
            # Each payload's first line is the PROCESS_LOG header: the rest are the child's.
            out["event_l_lines_per_s"] = ((int(last[3]) - int(first[3])) - n) / dt
            if first_wrote and last_wrote:
                (w0, t0), (w1, t1) = first_wrote[-1], last_wrote[-1]
                if float(t1) > float(t0):
                    out["event_l_written_per_s"] = (int(w1) - int(w0)) / (float(t1) - float(t0))
        return out
    finally:
        r.close()


def flood_child(parent, name):
    """The pid of `parent`'s child whose executable is named `name` (the flood
    of the events-rate scenarios), or None."""
    kids = []
    for tid in os.listdir(f"/proc/{parent}/task"):
        try:
            with open(f"/proc/{parent}/task/{tid}/children") as f:
                kids += [int(k) for k in f.read().split()]
        except OSError:
            pass
    for pid in kids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0]
        except OSError:
            continue
        if os.path.basename(argv0) == name.encode():
            return pid
    return None


def written_bytes(pid):
    """Bytes `pid` has written so far (/proc/PID/io `wchar`), or None."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def sc_logs_follow(tools, impl, programs=20, mib=8):
    """`swiftvisorctl logs -f -n all all` while `programs` children each write
    `mib` MiB of numbered lines as fast as they can: the follower's throughput
    from the first write to its last line, and how long after the children's
    last write it had every line (swiftvisor only)."""
    if impl != "swiftvisor":
        return {}
    r = Run(tools, impl, "logsf")
    follower = None
    try:
        r.write_config([(f"b{i:02d}", f"{tools.exe('blast')} {r.markers} {mib}", {
            "startsecs": 0, "autorestart": "false", "stdout_logfile": os.path.join(r.dir, f"b{i:02d}.log"),
            "stdout_logfile_maxbytes": 0, "stderr_logfile": "NONE"}) for i in range(programs)])
        r.launch()
        r.wait_socket()

        def readies():
            try:
                with open(r.markers) as f:
                    return sum(1 for l in f if l.startswith("ready "))
            except OSError:
                return 0
        wait_for("blasts ready", lambda: readies() == programs, 60)
        follower = subprocess.Popen(r.ctl_argv("logs", "-f", "-n", "all", "all"), stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
        # Every line is "bNN | " and the child's 16 bytes, so the output's
        # length is exact and the driver counts bytes as they arrive, into one
        # buffer reused for every read. It stands for a reader that keeps up:
        # a new 1 MiB object per read (page faults) and a count of its
        # newlines in Python used about as much CPU as swiftvisorctl, on the 2
        # CPUs the writers, the daemon and swiftvisorctl share
        # (docs/benchmarks.md, "The bench's reader, and the client's copies").
        # What it receives is checked after the clock stops: nothing past the
        # expected bytes, and the last line is a writer's last.
        line_bytes = len("b00 | ") + 16
        expected = programs * mib * MIB // 16 * line_bytes
        got = 0
        fd = follower.stdout.fileno()
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        last = b""
        deadline = time.monotonic() + 300
        while got < expected and time.monotonic() < deadline:
            n = os.readv(fd, [view])
            if not n:
                break
            got += n
            last = (last + buf[max(0, n - line_bytes):n])[-line_bytes:]
        t_end = time.monotonic()
        if not interrupt(follower):
            r.problems.append("swiftvisorctl logs -f still ran 10 s after SIGINT")
        # What came after the expected bytes, until EOF (bounded: a
        # descendant could hold the pipe open).
        extra = 0
        end_by = time.monotonic() + 10
        while time.monotonic() < end_by:
            if not select.select([fd], [], [], max(0.0, end_by - time.monotonic()))[0]:
                break
            n = os.readv(fd, [view])
            if not n:
                break
            extra += n
        with open(r.markers) as f:
            blasts = [l.split() for l in f if l.startswith("blast ")]
        final = f"{mib * MIB // 16 - 1:015d}\n".encode()
        if got != expected or extra or not last.endswith(final) or len(blasts) != programs:
            r.problems.append(f"logs -f sent {got} + {extra} of {expected} bytes, ending {last!r} "
                              f"({len(blasts)} of {programs} writers done)")
        t0 = min(int(b[1]) for b in blasts) / 1e9
        t1 = max(int(b[2]) for b in blasts) / 1e9
        return {"logs_f20_mibps": programs * mib / (t_end - t0), "logs_f20_lag": max(0.0, t_end - t1),
                "logs_f20_write_mibps": programs * mib / (t1 - t0)}
    finally:
        if follower and follower.poll() is None:
            interrupt(follower)
        r.close()


def interrupt(proc):
    """Ctrl-C for `proc`: SIGINT, then SIGKILL if it still runs 10 s later.
    True when it ended on the SIGINT."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False


def sc_idle(tools, impl, n, window):
    r = Run(tools, impl, "idle")
    try:
        if impl == "floor":
            r.floor([tools.exe("spawnloop"), str(n), "hold", tools.exe("marker"), r.markers])
        else:
            r.write_config(r.marker_programs(n))
            r.launch()
        wait_markers(r.markers, n)
        time.sleep(2)
        pid = r.proc.pid
        c0 = context_switches(pid)
        time.sleep(window)
        c1 = context_switches(pid)
        return {"idle_wakeups": (c1 - c0) / window, f"rss{n}": proc_status(pid, "VmRSS") / 1024,
                f"anon{n}": proc_status(pid, "RssAnon") / 1024}
    finally:
        r.close()


NOTIFIER = """import os, socket, sys, time
addr = os.environ["NOTIFY_SOCKET"]
if addr.startswith("@"): addr = "\\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
time.sleep(0.3)
t = time.monotonic_ns()
s.sendto(b"READY=1", addr)
with open(sys.argv[1], "w") as f: f.write(str(t))
while True: time.sleep(1000)
"""


def sc_readyspawn(tools, impl):
    """docs/dependencies.md: `db` (readiness=notify) says READY=1; `web`
    (depends_on=db:ready) is a marker. The time from the READY=1 datagram
    (CLOCK_MONOTONIC just before sendto) to the marker's exec."""
    r = Run(tools, impl, "ready")
    try:
        notifier = os.path.join(r.dir, "notifier.py")
        stamp = os.path.join(r.dir, "ready.ns")
        with open(notifier, "w") as f:
            f.write(NOTIFIER)
        quiet = {"stdout_logfile": "NONE", "redirect_stderr": "true"}
        r.write_config([("db", f"{sys.executable} {notifier} {stamp}", {"readiness": "notify", **quiet}),
                        ("web", f"{tools.exe('marker')} {r.markers}",
                         {"startsecs": 0, "autorestart": "false", "depends_on": "db:ready", **quiet})])
        r.launch()
        marks = wait_markers(r.markers, 1, 30, r.proc)
        wait_for("READY stamp", lambda: os.path.exists(stamp) and os.path.getsize(stamp) > 0, 10)
        with open(stamp) as f:
            ready = int(f.read()) / 1e9
        return {"ready_spawn": marks[0][1] - ready}
    finally:
        r.close()


def sc_checkidle(tools, impl, n, window):
    """100 RUNNING programs, each with `liveness=tcp` every 10 s against one
    listener: the daemon's wake-ups per second, and per check (a check is
    one timer and one connection; loopback usually connects at once)."""
    r = Run(tools, impl, "checks")
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1024)
        port = listener.getsockname()[1]
        progs = r.marker_programs(n, liveness="tcp", liveness_tcp=f"127.0.0.1:{port}", liveness_interval=10)
        r.write_config(progs)
        r.launch()
        wait_markers(r.markers, n, 60, r.proc)
        stop = [False]
        accepted = [0]

        def accept_loop():  # keep the backlog empty so every check connects; count them
            listener.settimeout(0.2)
            while not stop[0]:
                try:
                    c, _ = listener.accept()
                    c.close()
                    accepted[0] += 1
                except OSError:
                    pass
        import threading
        t = threading.Thread(target=accept_loop, daemon=True)
        t.start()
        time.sleep(2)
        pid = r.proc.pid
        c0, a0 = context_switches(pid), accepted[0]
        time.sleep(window)
        c1, a1 = context_switches(pid), accepted[0]
        stop[0] = True
        t.join()
        per_second = (c1 - c0) / window
        checks = (a1 - a0) / window
        if checks < 0.8 * n / 10:
            raise RuntimeError(f"only {checks:.1f} checks/s seen, {n / 10:.0f}/s configured")
        # Programs started together have their checks due together: one
        # wake-up serves a whole round, so per check this is well below 1.
        return {"check_wakeups": per_second, "check_rate": checks, "check_wakeups_per_check": per_second / checks}
    finally:
        listener.close()
        r.close()


def sc_rss(tools, impl, n):
    r = Run(tools, impl, f"rss{n}")
    try:
        if impl == "floor":
            r.floor([tools.exe("spawnloop"), str(n), "hold", tools.exe("marker"), r.markers])
        else:
            r.write_config(r.marker_programs(n))
            r.launch()
            if n == 0:
                wait_for("main log", lambda: os.path.exists(r.mainlog) and os.path.getsize(r.mainlog) > 0, 30)
        if n:
            wait_markers(r.markers, n, 300)
        time.sleep(1)
        return {f"rss{n}": proc_status(r.proc.pid, "VmRSS") / 1024,
                f"anon{n}": proc_status(r.proc.pid, "RssAnon") / 1024}
    finally:
        r.close()


# ---------------------------------------------------------------- report

# metric: (label, unit, how swiftvisor is judged, limit). "floor": ratio to the
# floor at most limit; "floor_min": at least limit; "abs": absolute at most.
METRICS = [
    ("status10", "`ctl status`, 10 programs running (one call, wall)", "ms", "floor", 3),
    ("start100", "`ctl start all`, 100 programs (until all exec'd)", "ms", "floor", 1.5),
    ("stop100", "`ctl stop all`, 100 programs (until all reaped)", "ms", "floor", 2),
    ("start500", "`ctl start all`, 500 programs", "ms", "floor", 1.5),
    ("stop500", "`ctl stop all`, 500 programs", "ms", "floor", 2),
    ("launch1", "daemon launch → first child exec'd", "ms", "floor", 10),
    ("launch500", "daemon launch → 500 autostart children exec'd", "ms", "floor", 2),
    ("autorestart", "child SIGKILLed → replacement exec'd", "ms", "floor", 3),
    ("log_mibps", "child writes 256 MiB to stdout → log file (throughput)", "MiB/s", "floor_min", 0.75),
    ("log_cpu_ms_per_mib", "… daemon CPU per MiB", "ms", "sup", 0.5),
    ("log_complete", "… every byte in the file (size exact, 4097 sampled lines in place), runs", "runs", "all", None),
    ("idle_wakeups", "idle, 100 children: daemon wakeups per second", "/s", "abs", 0),
    ("rss0", "daemon RSS, 0 children", "MiB", "abs", 4),
    ("rss100", "daemon RSS, 100 children", "MiB", "abs", 5),
    ("rss1000", "daemon RSS, 1000 children", "MiB", "abs", 10),
    ("anon0", "… of which anonymous (RssAnon), 0 children", "MiB", "info", None),
    ("anon100", "… of which anonymous (RssAnon), 100 children", "MiB", "info", None),
    ("anon1000", "… of which anonymous (RssAnon), 1000 children", "MiB", "info", None),
    ("rpc_info100", "XML-RPC `getAllProcessInfo`, 100 processes (one call, xmlrpc.client)", "ms", "info", None),
    ("rpc_info1000", "XML-RPC `getAllProcessInfo`, 1000 processes (xmlrpc.client, its XML parsing included)", "ms", "info", None),
    ("rpc_answered100", "… the same call, 100 processes, until the answer's last byte (raw socket)", "ms", "info", None),
    ("rpc_answered1000", "… 1000 processes, until the answer's last byte (raw socket)", "ms", "sup", 0.05),
    ("rpc_startgroup100", "XML-RPC `startProcessGroup(g, wait)`, 100 processes", "ms", "info", None),
    ("ready_spawn", "`READY=1` (readiness=notify) → dependent's exec (depends_on=db:ready)", "ms", "abs", 0.002),
    ("check_wakeups", "100 programs, tcp liveness every 10 s: daemon wakeups per second", "/s", "info", None),
    ("check_rate", "… checks performed per second (10 configured)", "/s", "info", None),
    ("check_wakeups_per_check", "… wakeups per check (a check needs at most its timer and its connection)", "/s", "abs", 2),
    ("metrics_scrape1000", "`GET /metrics`, 1000 processes running (one scrape, /proc read)", "ms", "abs", 0.020),
    ("page_load1000", "web page, 1000 processes: HTML, CSS, script and first state.json", "ms", "abs", 1.0),
    ("supctl_status10", "real supervisorctl 4.3.0 `status`, 10 programs", "ms", "sup", 1),
    ("logtail_mibps", "`/logtail` stream while a child writes 64 MiB (throughput)", "MiB/s", "info", None),
    ("event_latency", "child exit → its PROCESS_STATE_EXITED read by a listener", "ms", "abs", 0.002),
    ("event_ms_per_event", "PROCESS_LOG through one listener, child writing flat out: time per event", "ms", "sup", 0.1),
    ("logs_n50_1g", "`swiftvisorctl logs -n 50` on a 1 GiB log (whole command, wall)", "ms", "abs", 0.1),
    ("logs_f20_write_mibps", "20 children writing 8 MiB each at full speed (their rate)", "MiB/s", "info", None),
    ("logs_f20_mibps", "… `swiftvisorctl logs -f` of all 20 (rate of lines received)", "MiB/s", "info", None),
    ("logs_f20_lag", "… last line received after the children's last write", "ms", "abs", 0.1),
    ("event_c_per_s", "PROCESS_LOG through one C listener (floor/listener.c), child writing flat out: events per second", "/s", "sup_min", 10),
    ("event_c_mibps", "… payload delivered to that listener", "MiB/s", "info", None),
    ("event_c_dropped_per_s", "… events discarded from the full buffer (buffer_size=100) per second", "/s", "info", None),
    ("event_c_cpu_us_per_event", "… daemon CPU time per event delivered (the flood's reading and logging included), µs", "/s", "info", None),
    ("event_c_cpu_share", "… daemon CPU use over the window (1.0 = one CPU)", "cpus", "info", None),
    ("event_c_child_mibps", "… the child's output meanwhile (its /proc io wchar)", "MiB/s", "info", None),
    ("event_c_listener_cpu_us_per_event", "… the listener's CPU time per event delivered, µs", "/s", "info", None),
    ("event_c_path_cpu_us_per_event", "… CPU time of daemon, child and listener together per event delivered, µs", "/s", "info", None),
    ("event_l_per_s", "PROCESS_LOG through the C listener, child writing 60-byte lines one write(2) each (floor/lines.c): events per second", "/s", "sup_min", 10),
    ("event_l_lines_per_s", "… the child's lines delivered to the listener per second", "/s", "info", None),
    ("event_l_mibps", "… payload delivered to that listener", "MiB/s", "info", None),
    ("event_l_dropped_per_s", "… events discarded from the full buffer (buffer_size=100) per second", "/s", "info", None),
    ("event_l_written_per_s", "… lines the child wrote per second meanwhile (its own count)", "/s", "info", None),
    ("event_l_cpu_us_per_event", "… daemon CPU time per event delivered (the flood's reading and logging included), µs", "/s", "info", None),
    ("event_l_cpu_share", "… daemon CPU use over the window (1.0 = one CPU)", "cpus", "info", None),
    ("event_l_child_mibps", "… the child's output meanwhile (its /proc io wchar)", "MiB/s", "info", None),
    ("event_l_listener_cpu_us_per_event", "… the listener's CPU time per event delivered, µs", "/s", "info", None),
    ("event_l_path_cpu_us_per_event", "… CPU time of daemon, child and listener together per event delivered, µs", "/s", "info", None),
]
# The HTTP scenarios' metrics (pending while swiftvisord has no HTTP side).
HTTP_METRICS = {"rpcinfo100": ["rpc_info100", "rpc_answered100"], "rpcinfo1000": ["rpc_info1000", "rpc_answered1000"],
                "rpcgroup100": ["rpc_startgroup100"], "supctl": ["supctl_status10"], "logtail": ["logtail_mibps"],
                "metrics1000": ["metrics_scrape1000"], "page1000": ["page_load1000"]}
TARGET_TEXT = {"floor": "≤ {}× floor", "floor_min": "≥ {}× floor", "abs": "≤ {}", "sup": "≤ {}× supervisor",
               "sup_min": "≥ {}× supervisor",
               "info": "(no target)", "all": "every run"}


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "ms":
        v *= 1000
        return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"
    if unit == "MiB/s":
        return f"{v:.1f} MiB/s" if v < 10 else f"{v:.0f} MiB/s"
    if unit == "MiB":
        return f"{v:.1f} MiB"
    if unit == "/s":
        return f"{v:.1f}"
    if unit == "cpus":
        return f"{v:.2f}"
    return f"{v}"


def table(results, pending):
    med = {k: {i: (statistics.median(v) if v else None) for i, v in d.items()} for k, d in results.items()}
    rows = ["| scenario | supervisor 4.3.0 | floor (C) | swiftvisor | swiftvisor / floor | swiftvisor / supervisor | target | met |",
            "|---|---|---|---|---|---|---|---|"]
    verdicts = {}
    for key, label, unit, kind, limit in METRICS:
        if key not in results and key not in pending:
            continue  # not measured in this run (--only)
        m = med.get(key, {})
        sup, flo, swv = m.get("supervisor"), m.get("floor"), m.get("swiftvisor")
        if key == "log_cpu_ms_per_mib":
            unit_fmt = lambda v: "–" if v is None else f"{v:.2f} ms"
        elif key == "log_complete":
            runs = {i: results.get(key, {}).get(i, []) for i in IMPLS}
            cells = {i: (f"{sum(runs[i]):.0f} of {len(runs[i])}" if runs[i] else "–") for i in IMPLS}
            ok = bool(runs["swiftvisor"]) and all(v == 1 for v in runs["swiftvisor"])
            verdicts[key] = ok
            rows.append(f"| {label} | {cells['supervisor']} | {cells['floor']} | {cells['swiftvisor']} | | | every run | "
                        f"{'yes' if ok else '**no**'} |")
            continue
        else:
            unit_fmt = lambda v, u=unit: fmt(v, u)
        target = TARGET_TEXT[kind].format(limit)
        if kind == "abs" and unit == "ms":
            target = f"≤ {limit * 1000:g} ms"
        if key in pending:
            rows.append(f"| {label} | {unit_fmt(sup)} | {unit_fmt(flo)} | pending (needs {'swiftvisord HTTP' if key in sum(HTTP_METRICS.values(), []) else 'swiftvisorctl'}) | | | {target} | pending |")
            continue
        r_floor = f"{swv / flo:.2f}×" if swv is not None and flo else "–"
        r_sup = f"{swv / sup:.2f}×" if swv is not None and sup else "–"
        if swv is None:
            ok = None
        elif kind == "floor":
            ok = flo is not None and swv <= limit * flo
        elif kind == "floor_min":
            ok = flo is not None and swv >= limit * flo
        elif kind == "sup":
            ok = sup is not None and swv <= limit * sup
        elif kind == "sup_min":
            ok = sup is not None and swv >= limit * sup
        elif kind == "info":
            ok = None
        else:
            ok = swv <= limit
        verdicts[key] = ok
        rows.append(f"| {label} | {unit_fmt(sup)} | {unit_fmt(flo)} | {unit_fmt(swv)} | {r_floor} | {r_sup} | {target} | "
                    f"{'–' if ok is None else ('yes' if ok else '**no**')} |")
    return "\n".join(rows), verdicts


SCALES = (100, 1000, 10000)
# (metric, label, unit): one row per scale; targets are judged at the largest scale.
SCALE_METRICS = [
    ("scale_launch", "daemon launch → {n} autostart children exec'd", "ms"),
    ("scale_start", "`ctl start all`, {n} programs (until all exec'd)", "ms"),
    ("scale_stop", "`ctl stop all`, {n} programs (until it returns, all reaped)", "ms"),
    ("scale_status", "`ctl status`, {n} programs running (one call, wall)", "ms"),
    ("scale_anon", "daemon anonymous memory (RssAnon), {n} children, per child", "KiB"),
]


def scale_table(results, sup_skipped):
    """The scale scenarios: each figure at 100, 1,000 and 10,000 programs, the
    per-process cost at the largest scale against the smallest, and the targets."""
    med = {k: {i: (statistics.median(v) if v else None) for i, v in d.items()} for k, d in results.items()}
    big, small = SCALES[-1], SCALES[0]

    def get(key, n, impl):
        v = med.get(f"{key}{n}", {}).get(impl)
        if v is not None and key == "scale_anon":
            v = v * 1024 / n  # MiB in total → KiB per child
        return v

    def cell(v, unit, impl=None, n=None):
        if v is None:
            return "skipped" if impl == "supervisor" and n in sup_skipped else "–"
        return f"{v:.2f} KiB" if unit == "KiB" else fmt(v, unit)

    rows = ["| scenario | supervisor 4.3.0 | floor (C) | swiftvisor | swiftvisor / floor | target | met |",
            "|---|---|---|---|---|---|---|"]
    verdicts = {}
    targets = {("scale_launch", big): ("floor", 1.5), ("scale_start", big): ("floor", 1.5),
               ("scale_status", big): ("abs", 0.150), ("scale_anon", big): ("abs", 2.0)}
    for key, label, unit in SCALE_METRICS:
        for n in SCALES:
            sup, flo, swv = get(key, n, "supervisor"), get(key, n, "floor"), get(key, n, "swiftvisor")
            if key == "scale_status":
                flo = None  # the floor of a status request is `status10`'s socket round trip
            ratio = f"{swv / flo:.2f}×" if swv is not None and flo else "–"
            kind, limit = targets.get((key, n), (None, None))
            ok, target = None, ""
            if kind == "floor":
                target, ok = f"≤ {limit}× floor", (None if swv is None or flo is None else swv <= limit * flo)
            elif kind == "abs":
                target = f"< {limit * 1000:.0f} ms" if unit == "ms" else f"< {limit} KiB"
                ok = None if swv is None else swv < limit
            if ok is not None:
                verdicts[f"{key}{n}"] = ok
            rows.append(f"| {label.format(n=f'{n:,}')} | {cell(sup, unit, 'supervisor', n)} | {cell(flo, unit)} | "
                        f"{cell(swv, unit)} | {ratio} | {target} | {'' if ok is None else ('yes' if ok else '**no**')} |")
    for key, label, unit in SCALE_METRICS[:4]:
        per = {}
        for impl in IMPLS:
            a, b = get(key, big, impl), get(key, small, impl)
            per[impl] = None if a is None or b is None or b == 0 else (a / big) / (b / small)
        swv = per["swiftvisor"]
        ok = None if swv is None else swv <= 1.3
        if ok is not None:
            verdicts[f"{key}_per_process"] = ok
        c = lambda v: "–" if v is None else f"{v:.2f}×"
        name = label.split(",")[0].replace(" → {n} autostart children exec'd", "")
        rows.append(f"| per-process cost at {big:,} / at {small}: {name} | {c(per['supervisor'])} | {c(per['floor'])} | "
                    f"{c(swv)} | | ≤ 1.3× | {'' if ok is None else ('yes' if ok else '**no**')} |")
    return "\n".join(rows), verdicts


def crash_text(results):
    out = []
    for impl in ("supervisor", "swiftvisor"):
        d = results.get("crash", {}).get(impl)
        if not d:
            continue
        fatal = ", ".join("never (within 25 s)" if x is None else f"{x} s" for x in d["crash_fatal_s"])
        out.append(f"- {impl}: spawns per program {d['crash_spawns']}; FATAL after the first spawn: {fatal}; "
                   f"gaps between spawns (s): {d['crash_gaps']}")
    return "\n".join(out)


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = proc_status_meminfo()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem} GiB RAM; Linux {platform.release()}; "
            f"Python {platform.python_version()}; {swift[0] if swift else 'swift ?'}; commit {commit}")


def proc_status_meminfo():
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        return round(kb / 1024 / 1024)
    except OSError:
        return "?"


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5, help="repetitions of every scenario but idle, RSS and the crash loop (once)")
    ap.add_argument("--only", help="comma-separated scenarios: " + ",".join(
        ["status", "startstop100", "startstop500", "launch1", "launch500", "autorestart", "crashloop", "log",
         "idle", "rss0", "rss1000", "scale100", "scale1000", "scale10000", "eventslatency", "eventsrate",
         "readyspawn", "checkidle", "logs_tail", "logs_follow",
         "eventsratec", "eventsratelines"]))
    ap.add_argument("--impls", help="comma-separated subset of " + ",".join(IMPLS) + " (default all)")
    ap.add_argument("--no-build", action="store_true", help="use the existing release build")
    ap.add_argument("--bin-dir", help="directory holding swiftvisord/swiftvisorctl (default .build-release/release)")
    ap.add_argument("--old-bin-dir", help="an earlier build's swiftvisord, run as a fourth implementation "
                    "(daemon-only scenarios) and reported beside the new one")
    ap.add_argument("--venv", help="virtualenv for supervisor 4.3.0 (default .build-bench/venv)")
    ap.add_argument("--scale-reps", type=int, default=3, help="repetitions of the 100/1,000/10,000-program scenarios")
    ap.add_argument("--sup-scale-max", type=int, default=1000,
                    help="largest scale supervisord is run at (at 10,000 its launch and stop alone take minutes)")
    ap.add_argument("--log-mib", type=int, default=256)
    ap.add_argument("--logtail-mib", type=int, default=64, help="MiB streamed through /logtail")
    ap.add_argument("--idle-window", type=float, default=5.0)
    ap.add_argument("--json", default=os.path.join(WORK, "results.json"))
    ap.add_argument("--write-docs", action="store_true", help="replace the results section of docs/benchmarks.md")
    ap.add_argument("--from-json", metavar="FILE", help="measure nothing: render the report of an earlier run's JSON")
    args = ap.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        render(saved, args.reps, args.reps, args.write_docs)
        return

    tools = Tools(args)
    os.makedirs(WORK, exist_ok=True)
    install_supervisor(tools)
    if not args.no_build and not args.bin_dir:
        build_swiftvisor(tools)
    build_floor(tools)
    have_ctl = ctl_available(tools)
    have_http = http_available(tools)
    if not have_http:
        log("swiftvisord does not answer XML-RPC yet: the HTTP scenarios are measured for supervisor only")
    if not have_ctl:
        log("swiftvisorctl cannot talk to swiftvisord yet: ctl scenarios are measured for supervisor and the floor only")

    reps, heavy = args.reps, args.reps  # medians of 5 everywhere: a shared machine has bursts
    scenarios = [  # (name, function, repetitions, needs ctl)
        ("status", lambda i: sc_status(tools, i), reps, True),
        ("startstop100", lambda i: sc_startstop(tools, i, 100), reps, True),
        ("startstop500", lambda i: sc_startstop(tools, i, 500), heavy, True),
        ("launch1", lambda i: sc_launch(tools, i, 1), reps, False),
        ("launch500", lambda i: sc_launch(tools, i, 500), heavy, False),
        ("autorestart", lambda i: sc_autorestart(tools, i), reps, False),
        ("log", lambda i: sc_log(tools, i, args.log_mib), heavy, False),
        ("idle", lambda i: sc_idle(tools, i, 100, args.idle_window), 1, False),
        ("rss0", lambda i: sc_rss(tools, i, 0), 1, False),
        ("rss1000", lambda i: sc_rss(tools, i, 1000), 1, False),
        ("crashloop", lambda i: sc_crashloop(tools, i), 1, False),
        # swiftvisord's own features (docs/dependencies.md): nothing to compare with.
        ("readyspawn", lambda i: sc_readyspawn(tools, i), reps, False),
        ("checkidle", lambda i: sc_checkidle(tools, i, 100, max(args.idle_window, 20.0)), 1, False),
        ("scale100", lambda i: sc_scale(tools, i, 100), args.scale_reps, True),
        ("scale1000", lambda i: sc_scale(tools, i, 1000), args.scale_reps, True),
        ("scale10000", lambda i: sc_scale(tools, i, 10000), args.scale_reps, True),
        # supervisord's HTTP interface, driven by Python's xmlrpc.client and real supervisorctl.
        ("rpcinfo100", lambda i: sc_rpc_info(tools, i, 100), reps, "http"),
        ("rpcinfo1000", lambda i: sc_rpc_info(tools, i, 1000), reps, "http"),
        ("rpcgroup100", lambda i: sc_rpc_startgroup(tools, i, 100), reps, "http"),
        ("supctl", lambda i: sc_supervisorctl_status(tools, i), reps, "http"),
        # swiftvisord's own HTTP pages (supervisord has no /metrics).
        ("metrics1000", lambda i: sc_metrics(tools, i, 1000), reps, "http"),
        ("page1000", lambda i: sc_page(tools, i, 1000), reps, "http"),
        ("logtail", lambda i: sc_logtail(tools, i, args.logtail_mib), heavy, "http"),
        # Event listeners with the Python listener: compared with supervisord only.
        ("eventslatency", lambda i: sc_events_latency(tools, i), reps, False),
        ("eventsrate", lambda i: sc_events_rate(tools, i), reps, False),
        # swiftvisorctl's `logs` (no supervisorctl counterpart: swiftvisor only).
        ("logs_tail", lambda i: sc_logs_tail(tools, i), reps, True),
        ("logs_follow", lambda i: sc_logs_follow(tools, i), reps, True),
        ("eventsratec", lambda i: sc_events_rate_c(tools, i), reps, False),
        ("eventsratelines", lambda i: sc_events_rate_c(tools, i, lines=True), reps, False),
    ]
    if args.only:
        wanted = set(args.only.split(","))
        scenarios = [s for s in scenarios if s[0] in wanted]

    results = {}   # metric -> impl -> [values]
    crash = {}
    problems = PROBLEMS
    pending = set()
    sup_skipped = set()
    started = time.monotonic()
    for rep in range(max(s[2] for s in scenarios)):
        for name, fn, n, needs_ctl in scenarios:
            if rep >= n:
                continue
            impls = IMPLS + ((OLD,) if tools.old_swiftvisord and needs_ctl is False else ())
            order = impls[rep % len(impls):] + impls[:rep % len(impls)]
            for impl in order:
                if args.impls and impl not in args.impls.split(","):
                    continue
                if (name == "crashloop" or name in ("eventslatency", "eventsrate")) and impl == "floor":
                    continue
                if impl == OLD and name in ("crashloop", "readyspawn", "checkidle"):
                    continue
                if name in ("readyspawn", "checkidle") and impl != "swiftvisor":
                    continue  # swiftvisord only: supervisord has no readiness or checks
                if name.startswith("scale") and impl == "supervisor" and int(name[5:]) > args.sup_scale_max:
                    sup_skipped.add(int(name[5:]))
                    continue
                if (name.startswith("metrics") or name.startswith("page")) and impl != "swiftvisor":
                    continue
                if needs_ctl == "http" and impl == "floor":
                    continue  # no C floor for an HTTP interface: compared with supervisord only
                if needs_ctl == "http" and impl == "swiftvisor" and not have_http:
                    pending.update(HTTP_METRICS[name])
                    continue
                if needs_ctl is True and impl == "swiftvisor" and not have_ctl:
                    pending.update(["status10"] if name == "status" else [f"start{name[9:]}", f"stop{name[9:]}"])
                    continue
                log(f"[{time.monotonic() - started:6.1f}s] rep {rep + 1} {name} {impl}")
                try:
                    out = fn(impl)
                except Exception as e:  # a failed run is reported, never hidden
                    problems.append(f"{name} {impl} rep {rep + 1}: {e}")
                    log(f"  FAILED: {e}")
                    continue
                if name == "crashloop":
                    crash[impl] = out
                    continue
                for k, v in out.items():
                    results.setdefault(k, {i: [] for i in IMPLS + (OLD,)})[impl].append(v)
    results_all = {"results": results, "crash": crash, "problems": problems, "pending": sorted(pending),
                   "sup_skipped": sorted(sup_skipped), "sup_scale_max": args.sup_scale_max,
                   "machine": machine(), "seconds": round(time.monotonic() - started, 1),
                   "command": "python3 Benchmarks/bench.py " + " ".join(sys.argv[1:])}
    with open(args.json, "w") as f:
        json.dump(results_all, f, indent=1)
    render(results_all, reps, heavy, args.write_docs)


def render(saved, reps, heavy, write_docs):
    """Print the report of a run (and optionally write it into docs/benchmarks.md)."""
    base = {k: v for k, v in saved["results"].items() if not k.startswith("scale_")}
    tab, _ = table(base, set(saved["pending"]))
    if any(k.startswith("scale_") for k in saved["results"]):
        stab, _ = scale_table(saved["results"], set(saved.get("sup_skipped", [])))
        skipped = saved.get("sup_skipped", [])
        note = (f" supervisord is not run above {saved.get('sup_scale_max', 1000):,} programs"
                f" (skipped at {', '.join(f'{n:,}' for n in skipped)}): its launch, `status` and `stop all`"
                " grow faster than linearly and would take minutes." if skipped else "")
        tab += ("\n\nScale (one daemon per run: launch, then `status`, `stop all`, `start all`; "
                f"medians of the scale repetitions).{note}\n\n{stab}")
    old_rows = [(label, unit, d) for key, label, unit, _, _ in METRICS
                for d in [saved["results"].get(key, {})] if d.get(OLD)]
    if old_rows:
        tab += ("\n\nThe previous build (`--old-bin-dir`), run interleaved with the others in the same run:\n\n"
                "| scenario | swiftvisor before | swiftvisor now | now / before |\n|---|---|---|---|\n" +
                "\n".join(f"| {label} | {fmt(statistics.median(d[OLD]), unit)} | "
                          f"{fmt(statistics.median(d['swiftvisor']) if d.get('swiftvisor') else None, unit)} | "
                          + (f"{statistics.median(d['swiftvisor']) / statistics.median(d[OLD]):.2f}×"
                             if d.get('swiftvisor') and statistics.median(d[OLD]) else "–") + " |"
                          for label, unit, d in old_rows))
    crash_md = crash_text({"crash": saved["crash"]})
    if not base:
        tab = tab.split("\n\n", 1)[1] if "\n\n" in tab else ""  # only the scale table was measured
    report = (f"Machine: {saved['machine']}  \nRun: `{saved['command']}` "
              f"({saved['seconds']} s, medians of {reps} repetitions; launch500/startstop500/log: {heavy}; "
              f"idle/RSS/crash loop: 1)\n\n{tab}\n")
    if crash_md:
        report += (f"\nCrash loop (`startretries=3`, `startsecs=1`, child exits 1 at once, "
                   f"4 programs in one daemon):\n\n{crash_md}\n")
    if saved["problems"]:
        report += "\nProblems seen during the run:\n\n" + "\n".join(f"- {p}" for p in saved["problems"]) + "\n"
    else:
        report += "\nNo problems seen during the run (no failed scenario, no child left after any shutdown).\n"
    print(report)
    if write_docs:
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        with open(path) as f:
            doc = f.read()
        begin, end = "<!-- results:begin -->", "<!-- results:end -->"
        a, b = doc.index(begin) + len(begin), doc.index(end)
        with open(path, "w") as f:
            f.write(doc[:a] + "\n" + report + doc[b:])
        log(f"updated {path}")


if __name__ == "__main__":
    main()

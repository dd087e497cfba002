#!/usr/bin/env python3
"""Compare swiftvisord with supervisord 4.3.0 on config files.

    .ci/venv/bin/python Tests/Fixtures/differential-check.py SWIFTVISORD CASES_DIR_OR_FILES...

Run it with a Python that has supervisor 4.3.0 (.ci/run installs one in .ci/venv).

A case is a .conf file (relative paths resolve inside its directory; the run's
cwd is that directory). For each: does supervisord accept it, does
swiftvisord --dump-config accept it, and if both do, are the resolved values
equal. Prints one line per case; exit status 1 if any case differs.
"""
import json
import os
import subprocess
import sys

PROBE = r'''
import json, os, sys, tempfile
from supervisor.options import ServerOptions, signame
from supervisor.datatypes import Automatic, RestartUnconditionally, RestartWhenExitUnexpected
import pwd
def lf(v):
    return 'AUTO' if v is Automatic else ('NONE' if v is None else v)
def uname(uid):
    return None if uid is None else pwd.getpwuid(uid).pw_name
o = ServerOptions()
o.realize(['-c', sys.argv[1]])
LEVELS = {50: 'critical', 40: 'error', 30: 'warn', 20: 'info', 10: 'debug', 5: 'trace', 3: 'blather'}
s = o.configroot.supervisord
out = {'supervisord': {'logfile': o.logfile, 'pidfile': o.pidfile, 'loglevel': LEVELS.get(o.loglevel, o.loglevel),
       'umask': o.umask, 'nodaemon': bool(o.nodaemon), 'silent': bool(o.silent), 'minfds': o.minfds,
       'minprocs': o.minprocs, 'nocleanup': bool(o.nocleanup), 'childlogdir': o.childlogdir,
       'user': o.user if o.user is None else uname(o.uid), 'directory': o.directory, 'strip_ansi': bool(o.strip_ansi),
       'environment': s.environment or None, 'identifier': o.identifier}, 'groups': []}
for g in o.process_group_configs:
    gd = {'name': g.name, 'priority': g.priority, 'processes': []}
    if hasattr(g, 'pool_events'):
        from supervisor.events import EventTypes
        names = {v: k for k, v in vars(EventTypes).items() if not k.startswith('_')}
        gd['events'] = sorted(names[e] for e in g.pool_events)
        gd['buffer_size'] = g.buffer_size
    if hasattr(g, 'socket_config'):
        gd['socket'] = g.socket_config.url
    for p in g.process_configs:
        d = {'name': p.name, 'command': p.command, 'directory': p.directory, 'umask': p.umask, 'priority': p.priority,
             'autostart': p.autostart,
             'autorestart': {RestartUnconditionally: True, RestartWhenExitUnexpected: 'unexpected'}.get(p.autorestart, False),
             'startsecs': p.startsecs, 'startretries': p.startretries, 'exitcodes': list(p.exitcodes),
             'stopsignal': signame(p.stopsignal)[3:] if signame(p.stopsignal).startswith('SIG') else str(p.stopsignal),
             'stopwaitsecs': p.stopwaitsecs, 'stopasgroup': p.stopasgroup, 'killasgroup': p.killasgroup,
             'user': uname(p.uid), 'redirect_stderr': p.redirect_stderr, 'environment': p.environment or None,
             'serverurl': p.serverurl or 'AUTO'}
        for c in ('stdout', 'stderr'):
            d[c + '_logfile'] = lf(getattr(p, c + '_logfile'))
            for k in ('logfile_maxbytes', 'logfile_backups', 'capture_maxbytes', 'events_enabled', 'syslog'):
                d[c + '_' + k] = getattr(p, c + '_' + k)
        gd['processes'].append(d)
    out['groups'].append(gd)
for c in o.server_configs:
    if c['family'] == 1:
        out[c['section']] = {'file': c['file'], 'chmod': c['chmod'],
                             'chown': None if c['chown'] == (-1, -1) else list(c['chown']),
                             'username': c['username'], 'password': c['password']}
    else:
        out[c['section']] = {'host': c['host'], 'port': c['port'], 'username': c['username'], 'password': c['password']}
print(json.dumps(out))
'''


def supervisord_view(path):
    r = subprocess.run([sys.executable, '-c', PROBE, path], capture_output=True, text=True,
                       cwd=os.path.dirname(path))
    if r.returncode != 0:
        return None, (r.stderr.strip().splitlines() or ['?'])[0]
    return json.loads(r.stdout), None


def project(ours, theirs):
    """Keep only the keys supervisord's view has, so extra swiftvisord keys do not count."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        return {k: project(ours.get(k, '<missing>'), v) for k, v in theirs.items()}
    if isinstance(theirs, list) and isinstance(ours, list):
        return [project(a, b) for a, b in zip(ours, theirs)] + ours[len(theirs):]
    return ours


def main():
    binary = sys.argv[1]
    cases = []
    for a in sys.argv[2:]:
        if os.path.isdir(a):
            cases += sorted(os.path.join(a, f) for f in os.listdir(a) if f.endswith('.conf'))
        else:
            cases.append(a)
    bad = 0
    for case in cases:
        case = os.path.abspath(case)
        theirs, their_err = supervisord_view(case)
        r = subprocess.run([binary, '-c', case, '--dump-config'], capture_output=True, text=True, cwd=os.path.dirname(case))
        ours = json.loads(r.stdout) if r.returncode == 0 else None
        our_err = None if r.returncode == 0 else (r.stderr.strip().splitlines() or ['?'])[0]
        name = os.path.basename(case)
        if theirs is None and ours is None:
            print('ok   reject %s\n       sup: %s\n       swv: %s' % (name, their_err, our_err))
        elif theirs is None:
            bad += 1
            print('DIFF %s: supervisord rejects, swiftvisord accepts\n       sup: %s' % (name, their_err))
        elif ours is None:
            bad += 1
            print('DIFF %s: supervisord accepts, swiftvisord rejects\n       swv: %s' % (name, our_err))
        else:
            if 'groups' in ours:
                for g in ours['groups']:
                    if 'events' in g:
                        g['events'] = sorted(g['events'])
            p = project(ours, theirs)
            if p != theirs:
                bad += 1
                print('DIFF %s: values differ' % name)
                for k in theirs:
                    if p.get(k) != theirs[k]:
                        print('       %s\n         sup: %s\n         swv: %s' % (k, json.dumps(theirs[k])[:1500], json.dumps(p.get(k))[:1500]))
            else:
                print('ok   accept %s' % name)
    sys.exit(1 if bad else 0)


main()

#!/usr/bin/env python3
"""Record what supervisord 4.3.0 derives from each config of a corpus.

Run with a Python that has supervisor 4.3.0 installed (.ci/run makes one in
.ci/venv):

    .ci/venv/bin/python Tests/Fixtures/record-supervisord-view.py                   # the project's configs
    .ci/venv/bin/python Tests/Fixtures/record-supervisord-view.py --shared          # the real-world corpus
    .ci/venv/bin/python Tests/Fixtures/record-supervisord-view.py [--shared] FILE.conf   # one, to stdout

The project's own corpus is Tests/Fixtures/configs (its views go to
Tests/Fixtures/configs/views/<config>.json, its host prerequisites are
configs/prerequisites.json). The real-world corpus (configs written by others,
kept outside this repository, beside the checkout: SHARED below) has its
views in Tests/Fixtures/supervisord-views/<config>.json.

Fragments (no [supervisord]) are loaded through a main config that includes
them. Host prerequisites (log directories, accounts) that the machine lacks
are pretended, so the view is the one supervisord derives on a machine that
has them. Machine-specific paths are replaced by $CONFIGS and $SCRATCH so the
fixture is portable. The key order and formatting match swiftvisord's
--dump-config projection (RealConfigsTests compares the text).
"""
import json
import os
import pwd
import sys
import tempfile

from supervisor import datatypes
from supervisor.options import ServerOptions, signame
from supervisor.datatypes import Automatic, RestartUnconditionally, RestartWhenExitUnexpected

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(os.path.dirname(HERE))
OWNED = os.path.join(HERE, 'configs')
SHARED = os.path.normpath(os.path.join(PACKAGE, '..', 'shared', 'configs'))

# What each real-world config needs from the host (the corpus's own README).
SHARED_PRETEND = {
    'Webador__SlmQueue__docs_7.WorkerManagement.md.conf': {'dirs': ['/var/log/supervisord'], 'users': []},
    'celery__celery__extra_supervisord_celeryd.conf': {'dirs': ['/var/log/celery'], 'users': []},
    'risd__webhook-server-open__webhook.conf': {
        'dirs': ['/var/log/memcached'],
        'users': [{'name': 'webhook', 'uid': 4242, 'gid': 4242, 'home': '/home/webhook'}]},
    'corridor__install-docs__supervisor-programs.conf': {'dirs': ['/var/log/corridor'], 'users': []},
}


def corpus(shared):
    """(config directory, views directory, prerequisites by file name)."""
    if shared:
        return SHARED, os.path.join(HERE, 'supervisord-views'), SHARED_PRETEND
    with open(os.path.join(OWNED, 'prerequisites.json'), encoding='utf-8') as f:
        return OWNED, os.path.join(OWNED, 'views'), json.load(f)
LEVELS = {50: 'critical', 40: 'error', 30: 'warn', 20: 'info', 10: 'debug', 5: 'trace', 3: 'blather'}


def is_fragment(path):
    with open(path, encoding='utf-8') as f:
        return not any(line.strip() == '[supervisord]' for line in f)


def install_pretend(pretend):
    dirs = set(pretend['dirs'])
    users = {u['name']: u for u in pretend['users']}
    by_uid = {u['uid']: u for u in pretend['users']}
    real_isdir, real_getpwnam, real_getpwuid = os.path.isdir, pwd.getpwnam, pwd.getpwuid

    def rec(u):
        return pwd.struct_passwd((u['name'], 'x', u['uid'], u['gid'], '', u['home'], '/bin/sh'))
    os.path.isdir = lambda p: p in dirs or real_isdir(p)
    pwd.getpwnam = lambda n: rec(users[n]) if n in users else real_getpwnam(n)
    pwd.getpwuid = lambda u: rec(by_uid[u]) if u in by_uid else real_getpwuid(u)
    datatypes.pwd = pwd
    return lambda uid: by_uid[uid]['name'] if uid in by_uid else real_getpwuid(uid).pw_name


def logfile(v):
    if v is Automatic:
        return 'AUTO'
    if v is None:
        return 'NONE'
    return v


def view(config_path, scratch, configs, pretend):
    name = os.path.basename(config_path)
    user_name = install_pretend(pretend.get(name, {'dirs': [], 'users': []}))
    main = config_path
    if is_fragment(config_path):
        main = os.path.join(scratch, 'main.conf')
        with open(main, 'w') as f:
            f.write('[supervisord]\nlogfile=%s/supervisord.log\npidfile=%s/supervisord.pid\n[include]\nfiles=%s\n'
                    % (scratch, scratch, config_path))
    os.chdir(scratch)
    tempfile.tempdir = scratch
    o = ServerOptions()
    o.realize(['-c', main, '-n'])
    groups = []
    for g in o.process_group_configs:
        procs = []
        for p in g.process_configs:
            autorestart = {RestartUnconditionally: True, RestartWhenExitUnexpected: 'unexpected'}.get(p.autorestart, False)
            procs.append({
                'name': p.name,
                'command': p.command,
                'directory': p.directory,
                'umask': p.umask,
                'priority': p.priority,
                'autostart': p.autostart,
                'autorestart': autorestart,
                'startsecs': p.startsecs,
                'startretries': p.startretries,
                'exitcodes': list(p.exitcodes),
                'stopsignal': signame(p.stopsignal)[3:],
                'stopwaitsecs': p.stopwaitsecs,
                'stopasgroup': p.stopasgroup,
                'killasgroup': p.killasgroup,
                'user': None if p.uid is None else user_name(p.uid),
                'redirect_stderr': p.redirect_stderr,
                'stdout_logfile': logfile(p.stdout_logfile),
                'stdout_logfile_maxbytes': p.stdout_logfile_maxbytes,
                'stdout_logfile_backups': p.stdout_logfile_backups,
                'stdout_syslog': p.stdout_syslog,
                'stderr_logfile': logfile(p.stderr_logfile),
                'stderr_logfile_maxbytes': p.stderr_logfile_maxbytes,
                'stderr_logfile_backups': p.stderr_logfile_backups,
                'stderr_syslog': p.stderr_syslog,
                'environment': p.environment or None,
            })
        groups.append({'name': g.name, 'priority': g.priority, 'processes': procs})
    sup = {
        'logfile': o.logfile,
        'pidfile': o.pidfile,
        'loglevel': LEVELS[o.loglevel],
        'nodaemon': bool(o.configroot.supervisord.nodaemon),
        'identifier': o.identifier,
        'childlogdir': o.childlogdir,
        'environment': o.configroot.supervisord.environment or None,
    }
    result = {'supervisord': sup, 'groups': groups,
              'warnings': len(o.parse_warnings)}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    return text.replace(scratch, '$SCRATCH').replace(configs, '$CONFIGS')


def main(argv):
    args = argv[1:]
    shared = '--shared' in args
    args = [a for a in args if a != '--shared']
    configs, out, pretend = corpus(shared)
    paths = args or sorted(os.path.join(configs, f) for f in os.listdir(configs) if f.endswith('.conf'))
    os.makedirs(out, exist_ok=True)
    for path in paths:
        scratch = os.path.realpath(tempfile.mkdtemp(prefix='swv-view-'))
        # Run each config in a fresh interpreter state: the pretend patches are global.
        pid = os.fork()
        if pid == 0:
            text = view(os.path.abspath(path), scratch, configs, pretend)
            if args:
                print(text)
            else:
                with open(os.path.join(out, os.path.basename(path) + '.json'), 'w') as f:
                    f.write(text + '\n')
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            sys.stderr.write('failed: %s\n' % path)


if __name__ == '__main__':
    main(sys.argv)

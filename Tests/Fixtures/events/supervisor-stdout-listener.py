# The listener half of PyPI's supervisor-stdout 0.1.1 (its `main`), in
# Python 3: it echoes each event's payload back as its RESULT body; the
# pool's result_handler=supervisor_stdout:event_handler, which swiftvisord
# runs natively, prints the data lines on the daemon's stdout.
import sys

while True:
    sys.stdout.write('READY\n')
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        break
    headers = dict(x.split(':') for x in line.split())
    data = sys.stdin.read(int(headers['len']))
    sys.stdout.write('RESULT %s\n%s' % (len(data), data))
    sys.stdout.flush()

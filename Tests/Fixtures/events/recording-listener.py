# A recording event listener: appends every header line and payload it
# receives to the file named by argv[1], each followed by "\n---\n", and
# accepts every event. Reads `len` characters in text mode, as
# supervisor.childutils does.
import sys

out = open(sys.argv[1], 'a')
while True:
    sys.stdout.write('READY\n')
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        break
    headers = dict(x.split(':') for x in line.split())
    payload = sys.stdin.read(int(headers['len']))
    out.write(line + payload + '\n---\n')
    out.flush()
    sys.stdout.write('RESULT 2\nOK')
    sys.stdout.flush()

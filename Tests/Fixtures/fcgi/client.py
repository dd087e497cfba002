# Connects to unix:///path or tcp://host:port (argv[1]), sends argv[2] and
# prints the answer read to EOF.
import socket
import sys

url = sys.argv[1]
if url.startswith('unix://'):
    s = socket.socket(socket.AF_UNIX)
    s.connect(url[len('unix://'):])
else:
    host, port = url[len('tcp://'):].rsplit(':', 1)
    s = socket.create_connection((host, int(port)))
s.settimeout(20)
s.sendall(sys.argv[2].encode())
out = b''
while True:
    chunk = s.recv(100)
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode())

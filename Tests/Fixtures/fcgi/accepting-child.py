# A FastCGI-ish child of an [fcgi-program:x] group: its stdin (fd 0) is the
# listening socket swiftvisord created; it accepts, reads one message and
# answers with its pid, as a FastCGI responder serves requests on fd 0.
import os
import socket

listener = socket.socket(fileno=0)
while True:
    conn, _ = listener.accept()
    data = conn.recv(100)
    conn.sendall(b'pid %d got ' % os.getpid() + data)
    conn.close()

#!/usr/bin/python3
"""Sends stdin to 127.0.0.1:PORT in one write, then prints what the server
says until it closes or SECONDS (default 20) pass without a byte.

  pop3_raw.py PORT [SECONDS] [--noread N]

With --noread N it sends stdin N times and never reads (a client that
does not read its replies), prints "sent", and holds the connection
SECONDS before it exits.
"""
import socket
import sys
import time

port = int(sys.argv[1])
secs = float(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2][0] != "-" else 20
data = sys.stdin.buffer.read()
s = socket.create_connection(("127.0.0.1", port), timeout=secs)
if "--noread" in sys.argv:
    n = int(sys.argv[sys.argv.index("--noread") + 1])
    s.settimeout(1)
    for _ in range(n):
        try:
            s.sendall(data)
        except (socket.timeout, OSError):
            break
    print("sent", flush=True)
    time.sleep(secs)
    sys.exit(0)
s.sendall(data)
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    out += b"<timeout>\r\n"
except ConnectionResetError:
    out += b"<reset>\r\n"
sys.stdout.buffer.write(out)

#!/usr/bin/python3
"""A minimal inetd "nowait" service for the tests.

  inetd.py PORT LOGFILE PROG [ARG...]

Listens on 127.0.0.1:PORT; for each connection forks, puts the connected
socket on descriptors 0 and 1 (stderr to LOGFILE) and executes PROG with
an environment holding only PATH, FACTEUR_ETC and FACTEUR_SPOOL: no
TCPREMOTEIP or other UCSPI variable, as under inetd or a systemd socket
with Accept=yes.  Children are reaped; runs until killed, ending each
child it started (by pid) on the way out.  Loopback only.
"""
import os
import signal
import socket
import sys

port, logfile, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
env = {k: os.environ[k] for k in ("PATH", "FACTEUR_ETC", "FACTEUR_SPOOL")
       if k in os.environ}
children = set()


def reap(*_):
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)


def stop(*_):
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    sys.exit(0)


signal.signal(signal.SIGCHLD, reap)
signal.signal(signal.SIGTERM, stop)
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(16)
log = os.open(logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
while True:
    try:
        c, _ = ls.accept()
    except InterruptedError:
        continue
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(c.fileno(), 0)
            os.dup2(c.fileno(), 1)
            os.dup2(log, 2)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    children.add(pid)
    c.close()

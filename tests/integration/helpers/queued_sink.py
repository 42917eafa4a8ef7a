#!/usr/bin/env python3
"""A scriptable SMTP server on loopback for the queued tests.

    queued_sink.py PORTFILE OUTDIR RULES

Listens on 127.0.0.1 on a free port and writes the port into PORTFILE.
Offers PIPELINING, 8BITMIME, DSN, SIZE.  For each RCPT TO the first line
of RULES (read again each time) whose first word is a substring of the
address decides the reply:

    perm      550 5.1.1 no such user
    temp      451 4.3.0 try again later
    tempN     451 for the first N times this address is seen, then 250
    slowN     250 after N seconds (a slow destination)
    ok        250

(no matching line: ok).  Each accepted transaction is written to
OUTDIR/N.txt: the MAIL line, the accepted RCPT lines, a blank line, and
the data as received (CRLF kept, dot-stuffing undone).  Every RCPT line
and its verdict is also appended to OUTDIR/rcpt.log.  OUTDIR/maxconc
holds the most connections that were open at once (since it was last
removed).
"""
import os
import socketserver
import sys
import threading
import time

PORTFILE, OUTDIR, RULES = sys.argv[1:4]
LOCK = threading.Lock()
SEEN = {}
COUNT = [0]
CONC = [0, 0]  # open now, most at once


def verdict(addr):
    try:
        with open(RULES) as f:
            lines = [l.split() for l in f if l.strip()]
    except FileNotFoundError:
        lines = []
    for words in lines:
        if len(words) >= 2 and words[0] in addr:
            act = words[1]
            with LOCK:
                SEEN[addr] = SEEN.get(addr, 0) + 1
                n = SEEN[addr]
            if act == "perm":
                return b"550 5.1.1 <%s>: no such user" % addr.encode()
            if act == "temp":
                return b"451 4.3.0 try again later"
            if act.startswith("slow"):
                time.sleep(int(act[4:]))
                return b"250 2.1.5 ok, slowly"
            if act.startswith("temp"):
                if n <= int(act[4:]):
                    return b"451 4.3.0 try again later"
            return b"250 2.1.5 ok"
    return b"250 2.1.5 ok"


class Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def out(self, line):
        self.wfile.write(line + b"\r\n")
        self.wfile.flush()

    def handle(self):
        with LOCK:
            CONC[0] += 1
            if not os.path.exists(os.path.join(OUTDIR, "maxconc")):
                CONC[1] = 0  # removed: count again from now
            if CONC[0] > CONC[1]:
                CONC[1] = CONC[0]
                with open(os.path.join(OUTDIR, "maxconc.tmp"), "w") as f:
                    f.write("%d\n" % CONC[1])
                os.rename(os.path.join(OUTDIR, "maxconc.tmp"),
                          os.path.join(OUTDIR, "maxconc"))
        try:
            self.session()
        finally:
            with LOCK:
                CONC[0] -= 1

    def session(self):
        self.out(b"220 sink.test ESMTP")
        mail, rcpts = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.rstrip(b"\r\n")
            up = cmd.upper()
            if up.startswith(b"EHLO"):
                self.wfile.write(b"250-sink.test\r\n250-PIPELINING\r\n"
                                 b"250-8BITMIME\r\n250-DSN\r\n"
                                 b"250 SIZE 100000000\r\n")
                self.wfile.flush()
            elif up.startswith(b"HELO"):
                self.out(b"250 sink.test")
            elif up.startswith(b"MAIL FROM:"):
                mail, rcpts = cmd, []
                self.out(b"250 2.1.0 ok")
            elif up.startswith(b"RCPT TO:"):
                addr = cmd[8:].split(b">")[0].lstrip(b" <").decode(
                    "utf-8", "replace")
                v = verdict(addr)
                with LOCK, open(os.path.join(OUTDIR, "rcpt.log"), "ab") as f:
                    f.write(cmd + b" -> " + v[:3] + b"\n")
                if v.startswith(b"250"):
                    rcpts.append(cmd)
                self.out(v)
            elif up == b"DATA":
                if not rcpts:
                    self.out(b"554 5.5.1 no valid recipients")
                    continue
                self.out(b"354 go ahead")
                data = []
                while True:
                    l = self.rfile.readline()
                    if not l:
                        return
                    if l == b".\r\n":
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    data.append(l)
                with LOCK:
                    COUNT[0] += 1
                    n = COUNT[0]
                path = os.path.join(OUTDIR, "%d.txt" % n)
                with open(path + ".tmp", "wb") as f:
                    f.write(mail + b"\n" + b"\n".join(rcpts) + b"\n\n")
                    f.write(b"".join(data))
                os.rename(path + ".tmp", path)
                self.out(b"250 2.0.0 queued as %d" % n)
                mail, rcpts = None, []
            elif up == b"RSET":
                mail, rcpts = None, []
                self.out(b"250 ok")
            elif up == b"QUIT":
                self.out(b"221 bye")
                return
            elif up == b"NOOP":
                self.out(b"250 ok")
            else:
                self.out(b"502 5.5.2 not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()

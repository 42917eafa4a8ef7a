#!/usr/bin/env python3
"""POP3 load client for bench/pop3 (any RFC 1939 server, USER/PASS).

    pop3-client.py PORT USER PASS retr  [--sessions K]
    pop3-client.py PORT USER PASS login [--sessions K] [--clients C]

retr: K sessions one after another, each USER, PASS, STAT, LIST, UIDL,
RETR of every message, QUIT.  Prints
    retr sessions=K messages=M bytes=B seconds=S mbps=X
where B counts the message octets as delivered (CRLF line ends, after
un-stuffing) and MB/s is B / 10^6 / S.
login: C processes each run K sessions of USER, PASS, STAT, QUIT back to
back; "{i}" in USER becomes the process's number (0..C-1), so each
process can have its own mailbox (a server may lock a mailbox to one
session: RFC 1939 [IN-USE]).  Prints
    login sessions=C*K seconds=S per_s=X
One session at a time per process; no pipelining.  Raw sockets with a
buffered reader (poplib's per-line overhead would be the bottleneck).
Every reply must be +OK and every RETR must match LIST's size, otherwise
it exits 1.  Loopback only.
"""
import multiprocessing as mp
import socket
import sys
import time


class Pop:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.ok()

    def fill(self):
        d = self.s.recv(1 << 18)
        if not d:
            raise EOFError("server closed the connection")
        self.buf += d

    def ok(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                if not line.startswith(b"+OK"):
                    raise RuntimeError(line.decode(errors="replace"))
                return line
            self.fill()

    def cmd(self, c):
        self.s.sendall(c.encode() + b"\r\n")
        return self.ok()

    def multi(self, c):
        """A multi-line reply's body, un-stuffed, with CRLF line ends."""
        self.cmd(c)
        start = 0
        while True:
            if self.buf.startswith(b".\r\n"):
                body = b""
                del self.buf[:3]
                break
            i = self.buf.find(b"\r\n.\r\n", start)
            if i >= 0:
                body = bytes(self.buf[:i + 2])
                del self.buf[:i + 5]
                break
            start = max(0, len(self.buf) - 4)
            self.fill()
        if body.startswith(b".") or b"\r\n." in body:
            body = body.replace(b"\r\n..", b"\r\n.")
            if body.startswith(b".."):
                body = body[1:]
        return body

    def login(self, user, pw):
        self.cmd("USER " + user)
        self.cmd("PASS " + pw)

    def quit(self):
        self.cmd("QUIT")
        self.s.close()


def retr_session(port, user, pw):
    p = Pop(port)
    p.login(user, pw)
    count = int(p.cmd("STAT").split()[1])
    sizes = {}
    for line in p.multi("LIST").split(b"\r\n"):
        if line:
            n, s = line.split()
            sizes[int(n)] = int(s)
    p.multi("UIDL")
    total = 0
    for n in range(1, count + 1):
        body = p.multi(f"RETR {n}")
        if len(body) != sizes[n]:
            raise RuntimeError(f"RETR {n}: {len(body)} octets, LIST said "
                               f"{sizes[n]}")
        total += len(body)
    p.quit()
    return count, total


def login_worker(args):
    port, user, pw, k, i = args
    user = user.replace("{i}", str(i))
    for _ in range(k):
        p = Pop(port)
        p.login(user, pw)
        p.cmd("STAT")
        p.quit()
    return k


def main():
    a = sys.argv[1:]
    if len(a) < 4 or a[3] not in ("retr", "login"):
        sys.exit(__doc__)
    port, user, pw, mode = int(a[0]), a[1], a[2], a[3]
    opts = dict(zip(a[4::2], a[5::2]))
    k = int(opts.get("--sessions", "3"))
    c = int(opts.get("--clients", "1"))
    try:
        if mode == "retr":
            t0 = time.perf_counter()
            msgs = total = 0
            for _ in range(k):
                m, b = retr_session(port, user, pw)
                msgs += m
                total += b
            dt = time.perf_counter() - t0
            print(f"retr sessions={k} messages={msgs} bytes={total} "
                  f"seconds={dt:.3f} mbps={total / 1e6 / dt:.1f}")
        else:
            t0 = time.perf_counter()
            with mp.Pool(c) as pool:
                n = sum(pool.map(login_worker,
                                 [(port, user, pw, k, i) for i in range(c)]))
            dt = time.perf_counter() - t0
            print(f"login sessions={n} seconds={dt:.3f} per_s={n / dt:.1f}")
    except Exception as e:  # noqa: BLE001 - any failure is the server's
        print(f"pop3-client: {mode}: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

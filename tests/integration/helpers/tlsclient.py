#!/usr/bin/env python3
"""TLS client for the tlsd integration tests (loopback only).

usage: tlsclient.py MODE PORT [ARG]

Modes (each prints what it saw and exits 0 when the check holds, 1 when
not, 2 on a setup problem):

  implicit PORT            handshake, TLS -> prints the 250 line, QUIT
  starttls PORT            plaintext greeting, STARTTLS, handshake, TLS
  old PORT                 offers only TLS 1.0/1.1: must be refused
  inject PORT              "STARTTLS\\r\\nNOOP\\r\\n" in one packet; the first
                           reply inside TLS must answer the ECHO sent after
                           the handshake, not the NOOP
  inject-late PORT         NOOP sent in plaintext after the 220: no 250 for
                           it may ever come, inside TLS or out
  abrupt-tls PORT          implicit TLS, one command, then a TCP reset
  abrupt-plain PORT        STARTTLS mode: greeting, then a TCP reset
  abrupt-handshake PORT    connect, half a ClientHello, then a reset
  abrupt-starttls PORT     STARTTLS mode: reset right after the 220
  tls-reset PORT           implicit TLS handshake, half a second, a reset
  tls-hold PORT SECS        implicit TLS handshake, then holds the
                           connection open SECS seconds
  halfclose PORT          implicit TLS: ECHO, then a TCP half-close with no
                           close_notify; the answer must still arrive
  silent PORT              connect, send nothing: tlsd must hang up
  idle PORT                implicit TLS, then silence: tlsd must hang up
  cert PORT                prints the server certificate's SHA-256
  clientcert PORT CERT KEY implicit TLS with a client certificate; prints
                           the program's SSL_CLIENT_VERIFY and DN
  ids PORT                 prints the program's "ID" answer
  echo PORT MB             the program is cat: sends MB megabytes of random
                           bytes while reading them back; they must match
"""
import hashlib
import socket
import ssl
import struct
import sys
import time
import warnings

TIMEOUT = 10


def ctx(old=False):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    if old:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            c.minimum_version = ssl.TLSVersion.TLSv1
            c.maximum_version = ssl.TLSVersion.TLSv1_1
        c.set_ciphers("DEFAULT:@SECLEVEL=0")
    return c


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def rawline(s):
    """One line from a plain socket, a byte at a time (no read-ahead)."""
    b = b""
    while not b.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            break
        b += c
        if len(b) > 1000:
            break
    return b.decode("latin-1").rstrip("\r\n")


class Lines:
    def __init__(self, s):
        self.s = s
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                r, self.buf = self.buf, b""
                return r.decode("latin-1") if r else None
            self.buf += d
            if len(self.buf) > 100000:
                raise RuntimeError("line too long")
        l, self.buf = self.buf.split(b"\n", 1)
        return l.decode("latin-1").rstrip("\r")

    def cmd(self, c):
        self.s.sendall(c.encode() + b"\r\n")
        return self.line()


def reset(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def starttls_prelude(port):
    s = connect(port)
    g = rawline(s)
    if not g.startswith("220 "):
        print("bad greeting: %r" % g)
        sys.exit(1)
    return s


def closed_within(s, secs):
    """True when the peer closes (EOF or reset) within secs."""
    s.settimeout(1)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            d = s.recv(4096)
            if not d:
                return True
        except socket.timeout:
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            return True
    return False


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "implicit":
        t = ctx().wrap_socket(connect(port))
        l = Lines(t)
        g = l.line()
        r = l.cmd("TLS")
        q = l.cmd("QUIT")
        print(g)
        print(r)
        print(q)
        t.close()
        return 0 if (g.startswith("220 ") and r.startswith("250 TLSv1.")
                     and q.startswith("221")) else 1
    if mode == "starttls":
        s = starttls_prelude(port)
        s.sendall(b"TLS\r\n")
        print("plain: " + rawline(s))
        s.sendall(b"STARTTLS\r\n")
        r = rawline(s)
        print(r)
        if not r.startswith("220 "):
            return 1
        t = ctx().wrap_socket(s)
        l = Lines(t)
        r = l.cmd("TLS")
        q = l.cmd("QUIT")
        print(r)
        print(q)
        print("version=%s cipher=%s" % (t.version(), t.cipher()[0]))
        t.close()
        return 0 if r.startswith("250 TLSv1.") and q.startswith("221") else 1
    if mode == "old":
        s = connect(port)
        try:
            t = ctx(old=True).wrap_socket(s)
        except (ssl.SSLError, ConnectionError, OSError) as e:
            print("refused: %s" % e)
            return 0
        print("accepted %s" % t.version())
        return 1
    if mode == "inject":
        s = starttls_prelude(port)
        s.sendall(b"STARTTLS\r\nNOOP\r\n")
        r = rawline(s)
        print(r)
        if not r.startswith("220 "):
            return 2
        t = ctx().wrap_socket(s)
        l = Lines(t)
        first = l.cmd("ECHO after-handshake")
        print("first reply inside TLS: %s" % first)
        t.close()
        return 0 if first == "250 after-handshake" else 1
    if mode == "inject-late":
        s = starttls_prelude(port)
        s.sendall(b"STARTTLS\r\n")
        r = rawline(s)
        print(r)
        if not r.startswith("220 "):
            return 2
        s.sendall(b"NOOP\r\n")
        time.sleep(0.2)
        try:
            t = ctx().wrap_socket(s)
        except (ssl.SSLError, ConnectionError, OSError) as e:
            print("handshake refused: %s" % e)
            return 0
        try:
            first = Lines(t).cmd("ECHO after-handshake")
        except (ssl.SSLError, ConnectionError, OSError) as e:
            print("session refused: %s" % e)
            return 0
        print("first reply inside TLS: %s" % first)
        return 1 if first == "250 ok" else 0
    if mode == "abrupt-tls":
        t = ctx().wrap_socket(connect(port))
        l = Lines(t)
        l.line()
        print(l.cmd("ECHO x"))
        reset(t)
        return 0
    if mode == "tls-reset":
        t = ctx().wrap_socket(connect(port))
        time.sleep(0.5)
        reset(t)
        return 0
    if mode == "tls-hold":
        t = ctx().wrap_socket(connect(port))
        time.sleep(float(sys.argv[3]))
        t.close()
        return 0
    if mode == "halfclose":
        import os
        t = ctx().wrap_socket(connect(port))
        l = Lines(t)
        print(l.line())
        t.sendall(b"ECHO half-closed\r\n")
        raw = socket.socket(fileno=os.dup(t.fileno()))
        raw.shutdown(socket.SHUT_WR)
        raw.close()
        try:
            r = l.line()
        except (ssl.SSLError, ConnectionError, OSError) as e:
            print("error: %s" % e)
            return 1
        print(r)
        return 0 if r == "250 half-closed" else 1
    if mode == "abrupt-plain":
        s = starttls_prelude(port)
        reset(s)
        return 0
    if mode == "abrupt-handshake":
        s = connect(port)
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        time.sleep(0.1)
        reset(s)
        return 0
    if mode == "abrupt-starttls":
        s = starttls_prelude(port)
        s.sendall(b"STARTTLS\r\n")
        print(rawline(s))
        reset(s)
        return 0
    if mode == "silent":
        s = connect(port)
        ok = closed_within(s, 20)
        print("closed" if ok else "still open")
        return 0 if ok else 1
    if mode == "idle":
        t = ctx().wrap_socket(connect(port))
        l = Lines(t)
        print(l.line())
        ok = closed_within(t, 20)
        print("closed" if ok else "still open")
        return 0 if ok else 1
    if mode == "cert":
        t = ctx().wrap_socket(connect(port))
        print(hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest())
        Lines(t).cmd("QUIT")
        t.close()
        return 0
    if mode == "clientcert":
        c = ctx()
        if len(sys.argv) > 4:
            c.load_cert_chain(sys.argv[3], sys.argv[4])
        t = c.wrap_socket(connect(port))
        l = Lines(t)
        l.line()
        print(l.cmd("ENV SSL_CLIENT_VERIFY"))
        print(l.cmd("ENV SSL_CLIENT_S_DN"))
        l.cmd("QUIT")
        t.close()
        return 0
    if mode == "ids":
        t = ctx().wrap_socket(connect(port))
        l = Lines(t)
        l.line()
        r = l.cmd("ID")
        print(r)
        # While the session is open: the program's parent is tlsd's
        # supervisor (the program's user), whose parent is tlsd.
        def status(pid):
            f = {}
            with open("/proc/%s/status" % pid) as fh:
                for x in fh:
                    k, _, v = x.partition(":")
                    f[k] = v.split()
            return f
        sup = status(r.split("ppid=")[1])
        print("supervisor Uid: " + " ".join(sup["Uid"]))
        print("tlsd Uid: " + " ".join(status(sup["PPid"][0])["Uid"]))
        l.cmd("QUIT")
        t.close()
        return 0
    if mode == "echo":
        import os
        size = int(sys.argv[3]) * 1000 * 1000
        data = os.urandom(size)
        t = ctx().wrap_socket(connect(port))
        t.settimeout(60)
        got = bytearray()
        # Both directions busy, never more than 256 kB in flight, so
        # neither side can block the other for good.
        step, window = 65536, 262144
        for i in range(0, size, step):
            t.sendall(data[i:i + step])
            while len(got) < i + step - window:
                d = t.recv(1 << 18)
                if not d:
                    break
                got += d
        while len(got) < size:
            d = t.recv(1 << 18)
            if not d:
                break
            got += d
        ok = bytes(got) == data
        print("echoed %d of %d bytes, %s" % (len(got), size,
                                             "same" if ok else "DIFFERENT"))
        t.close()
        return 0 if ok else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())

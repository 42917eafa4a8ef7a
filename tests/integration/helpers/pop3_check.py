#!/usr/bin/python3
"""POP3 test client (Python's poplib) for the pop3d / pop3-login tests.

  pop3_check.py [options] PORT CMD [ARGS]

Options choose how to log in: none (pop3d run directly), --user U --pass P
(USER/PASS), --sasl PLAIN|PLAIN-IR|LOGIN|CRAM-MD5, --stls (STLS first),
--ssl (implicit TLS).  Commands:

  retrieve MAILDIR   STAT, LIST, UIDL, RETR and TOP of every message, each
                     compared byte for byte with its file in MAILDIR/cur
                     (line ends as CRLF); QUIT.  Prints "ok N BYTES".
  uidl               prints the UIDL listing; QUIT.
  dele N,N.. quit|drop  DELE those, then QUIT or drop the connection;
                     prints the UIDLs of the deleted messages.
  hold SECONDS       logs in and sits there (for [IN-USE]); QUIT.
  stat               prints STAT's reply; QUIT.
  list               prints LIST's lines; QUIT.
  capa               prints CAPA; QUIT.
Exit 0 when every check held, 1 otherwise (the reason on stderr).
"""
import argparse
import base64
import hashlib
import hmac
import os
import poplib
import socket
import ssl
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--user")
ap.add_argument("--pass", dest="pw")
ap.add_argument("--sasl")
ap.add_argument("--stls", action="store_true")
ap.add_argument("--ssl", action="store_true")
ap.add_argument("port", type=int)
ap.add_argument("cmd")
ap.add_argument("args", nargs="*")
a = ap.parse_args()


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def tls_ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def connect():
    if a.ssl:
        p = poplib.POP3_SSL("127.0.0.1", a.port, timeout=60, context=tls_ctx())
    else:
        p = poplib.POP3("127.0.0.1", a.port, timeout=60)
    if a.stls:
        p.stls(context=tls_ctx())
    if a.user is not None:
        p.user(a.user)
        p.pass_(a.pw)
    elif a.sasl:
        user = os.environ["POP3_USER"]
        pw = os.environ["POP3_PASS"]
        if a.sasl == "PLAIN-IR":
            ir = base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode())
            r = p._shortcmd("AUTH PLAIN " + ir.decode())
        elif a.sasl == "PLAIN":
            r = p._shortcmd("AUTH PLAIN")
            if not r.startswith(b"+"):
                die("AUTH PLAIN: " + repr(r))
            ir = base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode())
            r = p._shortcmd(ir.decode())
        elif a.sasl == "LOGIN":
            r = p._shortcmd("AUTH LOGIN")
            if base64.b64decode(r[2:]) != b"Username:":
                die("LOGIN prompt: " + repr(r))
            r = p._shortcmd(base64.b64encode(user.encode()).decode())
            if base64.b64decode(r[2:]) != b"Password:":
                die("LOGIN prompt: " + repr(r))
            r = p._shortcmd(base64.b64encode(pw.encode()).decode())
        elif a.sasl == "CRAM-MD5":
            r = p._shortcmd("AUTH CRAM-MD5")
            chal = base64.b64decode(r[2:])
            if not (chal.startswith(b"<") and chal.endswith(b">")):
                die("CRAM-MD5 challenge: " + repr(chal))
            d = hmac.new(pw.encode(), chal, hashlib.md5).hexdigest()
            r = p._shortcmd(base64.b64encode(
                user.encode() + b" " + d.encode()).decode())
        else:
            die("unknown --sasl " + a.sasl)
        if not r.startswith(b"+OK"):
            die("AUTH: " + repr(r))
    return p


def expected(path):
    """The bytes RETR must deliver (after un-stuffing): CRLF line ends."""
    data = open(path, "rb").read()
    out = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not out.endswith(b"\r\n"):
        out += b"\r\n"
    return out, len(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def uidls(p):
    r = p.uidl()
    m = {}
    for line in r[1]:
        n, u = line.split(b" ", 1)
        m[int(n)] = u.decode()
    return m


def retrieve(md):
    p = connect()
    cur = os.path.join(md, "cur")
    files = {f.split(":", 1)[0]: os.path.join(cur, f) for f in os.listdir(cur)
             if not f.startswith(".")}
    count, total = p.stat()
    if count != len(files):
        die(f"STAT says {count} messages, cur/ has {len(files)}")
    u = uidls(p)
    if sorted(u.values()) != sorted(files):
        die(f"UIDLs {sorted(u.values())} are not the names {sorted(files)}")
    sizes = {}
    for line in p.list()[1]:
        n, s = line.split()
        sizes[int(n)] = int(s)
    if sum(sizes.values()) != total:
        die("LIST sizes do not add up to STAT's total")
    got_bytes = 0
    for n in range(1, count + 1):
        want, wsize = expected(files[u[n]])
        if sizes[n] != wsize:
            die(f"LIST {n} says {sizes[n]}, message is {wsize} octets")
        one = p._shortcmd(f"LIST {n}").split()
        if int(one[2]) != wsize:
            die(f"LIST {n} (single) says {one[2]}")
        resp, lines, octets = p.retr(n)
        got = b"".join(l + b"\r\n" for l in lines)
        if got != want:
            die(f"RETR {n} ({u[n]}) differs: {len(got)} bytes, want "
                f"{len(want)}")
        got_bytes += len(got)
        # TOP n 0: the header and the blank line; TOP n 2: two more.
        hdr_end = want.find(b"\r\n\r\n")
        if hdr_end >= 0:
            body = want[hdr_end + 4:]
            for k in (0, 2):
                resp, lines, _ = p.top(n, k)
                got = b"".join(l + b"\r\n" for l in lines)
                bl = body.split(b"\r\n")
                keep = b"".join(x + b"\r\n" for x in bl[:k]) if k else b""
                if len(bl) - 1 < k:
                    keep = body
                exp = want[:hdr_end + 4] + keep
                if got != exp:
                    die(f"TOP {n} {k} differs: {got[-80:]!r} vs {exp[-80:]!r}")
    p.quit()
    print(f"ok {count} {got_bytes}")


def main():
    if a.cmd == "retrieve":
        retrieve(a.args[0])
    elif a.cmd == "uidl":
        p = connect()
        for n, u in sorted(uidls(p).items()):
            print(n, u)
        p.quit()
    elif a.cmd == "dele":
        p = connect()
        u = uidls(p)
        for n in a.args[0].split(","):
            r = p.dele(int(n))
            if not r.startswith(b"+OK"):
                die("DELE: " + repr(r))
            print(u[int(n)])
        if a.args[1] == "quit":
            r = p.quit()
            if not r.startswith(b"+OK"):
                die("QUIT: " + repr(r))
        else:
            p.sock.shutdown(socket.SHUT_RDWR)
            p.sock.close()
    elif a.cmd == "list":
        p = connect()
        for line in p.list()[1]:
            print(line.decode())
        p.quit()
    elif a.cmd == "hold":
        p = connect()
        print("holding", flush=True)
        time.sleep(float(a.args[0]))
        p.quit()
    elif a.cmd == "stat":
        p = connect()
        print(p.stat())
        p.quit()
    elif a.cmd == "capa":
        p = connect()
        for k, v in sorted(p.capa().items()):
            print(" ".join([k] + v))
        p.quit()
    else:
        die("unknown command " + a.cmd)


try:
    main()
except poplib.error_proto as e:
    die("server said " + repr(e.args[0] if e.args else e))
except (OSError, EOFError) as e:
    die("connection: " + repr(e))

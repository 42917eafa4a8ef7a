#!/usr/bin/env python3
"""A scriptable SMTP server for the smtp-remote tests (loopback only).

It answers one session at a time and writes a transcript: "C: line" for
each command, "S: line" for each reply line, "MSG path" for each message
(saved as received, dot-stuffing removed, CRLF kept), and "VIOLATION
text" when the client broke a rule the test checks (commands pipelined
without PIPELINING, or not pipelined when it was offered).

    smtp_fake.py PORTFILE LOG [options]

The port it listens on (127.0.0.1, or ::1 with --ipv6, chosen by the kernel) is written to
PORTFILE once it listens.
"""
import argparse
import base64
import os
import select
import socket
import ssl
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portfile")
    ap.add_argument("log")
    ap.add_argument("--ext", default="PIPELINING,8BITMIME,DSN,ENHANCEDSTATUSCODES",
                    help="comma-separated EHLO keywords")
    ap.add_argument("--greeting", default="220 fake.test ESMTP")
    ap.add_argument("--ehlo", default=None, help="reply to EHLO instead of 250")
    ap.add_argument("--mail", default="250 2.1.0 Ok")
    ap.add_argument("--rcpt", action="append", default=[],
                    help="ADDR=REPLY for one recipient (multi-line: lines joined by |)")
    ap.add_argument("--data", default="354 go ahead")
    ap.add_argument("--data-always", action="store_true",
                    help="354 to DATA even when no recipient was accepted")
    ap.add_argument("--dot", default="250 2.0.0 Ok: queued")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--inject-after-starttls", action="store_true")
    ap.add_argument("--tls-fail", action="store_true",
                    help="after the 220 to STARTTLS, send garbage instead of a handshake")
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--ipv6", action="store_true", help="listen on ::1")
    ap.add_argument("--addr", default=None,
                    help="listen on this address (inside a test's namespace)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--auth", default=None,
                    help="USER:PASS accepted by AUTH PLAIN and AUTH LOGIN")
    ap.add_argument("--greeting-delay", type=float, default=0,
                    help="seconds to wait before the greeting")
    ap.add_argument("--stall", default=None,
                    help="never answer this command (a verb, or '.' for the end of data)")
    a = ap.parse_args()

    rcpt = {}
    for r in a.rcpt:
        addr, _, reply = r.partition("=")
        rcpt[addr.lower()] = reply
    exts = [e for e in a.ext.split(",") if e]

    addr = a.addr or ("::1" if a.ipv6 else "127.0.0.1")
    ls = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, a.port))
    ls.listen(5)
    tmp = a.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, a.portfile)
    log = open(a.log, "a", buffering=1)
    nmsg = 0
    for _ in range(a.sessions):
        s, _ = ls.accept()
        s.settimeout(30)
        try:
            nmsg = session(s, a, exts, rcpt, log, nmsg)
        except (OSError, ssl.SSLError) as e:
            log.write("EVENT session ended: %s\n" % e)
        finally:
            try:
                s.close()
            except OSError:
                pass


class Conn:
    def __init__(self, s, log):
        self.s = s
        self.buf = b""
        self.log = log

    def pending(self, wait):
        """Whether more input arrives within wait seconds."""
        if self.buf:
            return True
        if isinstance(self.s, ssl.SSLSocket) and self.s.pending():
            return True
        r, _, _ = select.select([self.s], [], [], wait)
        return bool(r)

    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        i = self.buf.index(b"\n") + 1
        ln, self.buf = self.buf[:i], self.buf[i:]
        return ln

    def reply(self, text):
        lines = text.split("|")
        code = lines[0][:3]
        out = []
        for i, ln in enumerate(lines):
            if i > 0 and not ln.startswith(code):
                ln = code + " " + ln
            sep = " " if i == len(lines) - 1 else "-"
            out.append(ln[:3] + sep + ln[4:])
        for ln in out:
            self.log.write("S: %s\n" % ln)
        self.s.sendall("".join(ln + "\r\n" for ln in out).encode())


def stall(c, log):
    """Answers nothing until the client gives up (or 60 s)."""
    log.write("EVENT stalling\n")
    c.s.settimeout(60)
    try:
        while c.s.recv(4096):
            pass
    except OSError:
        pass
    log.write("EVENT client gave up\n")


def session(s, a, exts, rcpt, log, nmsg):
    c = Conn(s, log)
    log.write("EVENT connect\n")
    if a.greeting_delay:
        time.sleep(a.greeting_delay)
    c.reply(a.greeting)
    if not a.greeting.startswith("2"):
        return nmsg
    tls = False
    have_mail = False
    nrcpt = 0
    while True:
        ln = c.line()
        if ln is None:
            log.write("EVENT eof\n")
            return nmsg
        cmd = ln.rstrip(b"\r\n").decode("utf-8", "replace")
        log.write("C: %s\n" % cmd)
        verb = cmd.split(" ")[0].upper()
        if verb == a.stall:
            stall(c, log)
            return nmsg
        offered = "PIPELINING" in exts
        # A pipelining client sends RCPT before the MAIL reply; one that
        # was not offered PIPELINING must wait for each reply.
        if verb in ("MAIL", "RCPT"):
            more = c.pending(1.0 if offered else 0.3)
            if more and not offered:
                log.write("VIOLATION pipelined without PIPELINING after %s\n" % verb)
            if offered and verb == "MAIL" and not more:
                log.write("VIOLATION not pipelined after MAIL\n")
        if verb == "EHLO":
            if a.ehlo:
                c.reply(a.ehlo)
                continue
            e = [x for x in exts if not (tls and x == "STARTTLS")]
            c.reply("|".join(["250 fake.test"] + ["250 " + x for x in e]))
        elif verb == "HELO":
            c.reply("250 fake.test")
        elif verb == "STARTTLS" and "STARTTLS" in exts and not tls:
            if a.tls_fail:
                c.reply("220 2.0.0 ready")
                s.recv(4096)  # the ClientHello
                s.sendall(b"this is not TLS\r\n")
                log.write("EVENT tls failed on purpose\n")
                return nmsg
            if a.inject_after_starttls:
                # One write, so the client reads both in one go.
                log.write("S: 220 2.0.0 ready\nS: 250 injected\n")
                s.sendall(b"220 2.0.0 ready\r\n250 injected\r\n")
            else:
                c.reply("220 2.0.0 ready")
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(a.cert, a.key)
            s = ctx.wrap_socket(s, server_side=True)
            c = Conn(s, log)
            tls = True
            log.write("EVENT tls %s\n" % s.version())
        elif verb == "AUTH" and a.auth:
            words = cmd.split(" ")
            mech = words[1].upper() if len(words) > 1 else ""
            if mech == "PLAIN":
                if len(words) > 2:
                    resp = words[2]
                else:
                    c.reply("334 ")
                    resp = c.line().strip().decode()
                    log.write("C: %s\n" % resp)
                parts = base64.b64decode(resp).split(b"\0")
                got = b":".join(parts[1:3]).decode("utf-8", "replace")
            elif mech == "LOGIN":
                c.reply("334 VXNlcm5hbWU6")
                u = c.line().strip()
                log.write("C: %s\n" % u.decode())
                c.reply("334 UGFzc3dvcmQ6")
                pw = c.line().strip()
                log.write("C: %s\n" % pw.decode())
                got = (base64.b64decode(u) + b":" + base64.b64decode(pw)).decode("utf-8", "replace")
            else:
                c.reply("504 5.5.4 unknown mechanism")
                continue
            if got == a.auth:
                log.write("EVENT auth ok %s %s\n" % (mech, got.split(":")[0]))
                c.reply("235 2.7.0 Authentication successful")
            else:
                log.write("EVENT auth failed %s\n" % mech)
                c.reply("535 5.7.8 Authentication credentials invalid")
        elif verb == "MAIL":
            nrcpt = 0
            c.reply(a.mail)
            have_mail = a.mail.startswith("2")
        elif verb == "RCPT":
            addr = cmd[cmd.find("<") + 1:cmd.find(">")].lower()
            r = rcpt.get(addr, "250 2.1.5 Ok") if have_mail else "503 5.5.1 no MAIL"
            nrcpt += r.startswith("2")
            c.reply(r)
        elif verb == "DATA":
            ok = have_mail and (nrcpt > 0 or a.data_always)
            c.reply(a.data if ok else "554 5.5.1 no valid recipients")
            if not a.data.startswith("354") or not ok:
                continue
            body = b""
            while True:
                d = c.line()
                if d is None:
                    log.write("EVENT eof in data\n")
                    return nmsg
                if d == b".\r\n":
                    break
                if d.startswith(b"."):
                    d = d[1:]
                body += d
            nmsg += 1
            path = "%s.msg%d" % (a.log, nmsg)
            with open(path, "wb") as f:
                f.write(body)
            log.write("MSG %s\n" % path)
            if a.stall == ".":
                stall(c, log)
                return nmsg
            c.reply(a.dot)
            have_mail = False
        elif verb == "RSET":
            have_mail = False
            c.reply("250 2.0.0 Ok")
        elif verb == "QUIT":
            c.reply("221 2.0.0 Bye")
            return nmsg
        else:
            c.reply("502 5.5.2 unknown command")


if __name__ == "__main__":
    sys.exit(main())

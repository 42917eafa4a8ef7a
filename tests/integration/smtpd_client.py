"""Client-side checks for the smtpd_* integration tests.

Run as: smtpd_client.py TESTNAME; PORT, FACTEUR_SPOOL and FACTEUR_ETC
come from the environment.  Each test talks to smtpd on loopback with
smtplib or a raw socket and reads the spool back byte for byte.
"""
import os
import re
import shutil
import smtplib
import socket
import sys
import time

PORT = int(os.environ["PORT"])
SPOOL = os.environ["FACTEUR_SPOOL"]
ETC = os.environ["FACTEUR_ETC"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def spooled():
    """[(env records, message bytes)] in todo/, then empties todo/."""
    out = []
    todo = os.path.join(SPOOL, "todo")
    for name in sorted(os.listdir(todo)):
        d = os.path.join(todo, name)
        env = open(os.path.join(d, "env"), "rb").read()
        mess = open(os.path.join(d, "mess"), "rb").read()
        assert env.endswith(b"\0\0"), env
        recs = env[:-2].split(b"\0")
        assert recs[0] == b"V1" and recs[1].startswith(b"t") and recs[2].startswith(b"u"), recs
        out.append((recs[3:], mess))
        shutil.rmtree(d)
    return out


def tmp_empty():
    return os.listdir(os.path.join(SPOOL, "tmp")) == []


def control(name, value):
    path = os.path.join(ETC, name)
    if value is None:
        if os.path.exists(path):
            os.unlink(path)
    else:
        open(path, "w").write(value)


RECEIVED = re.compile(
    rb"Received: from [^\n]+ \(\[127\.0\.0\.1\]\)\n\tby mx\.example\.org \(facteur\) with (E?SMTP|UTF8SMTP)"
    rb"(\n\tfor <[^>\n]+>)?;\n\t[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\n")


def split_received(mess):
    m = RECEIVED.match(mess)
    check(m is not None, "Received header shape: %r" % mess[:200])
    return mess[m.end():] if m else mess


class Raw:
    """A raw SMTP connection: send bytes, read reply lines."""

    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", PORT), 10)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        """One (possibly multi-line) reply: (code, [lines])."""
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line[3:4] != b"-":
                return int(line[:3]), lines

    def cmd(self, data):
        self.send(data)
        return self.reply()

    def closed(self):
        """True if the server closed the connection (after any replies)."""
        self.s.settimeout(10)
        try:
            while True:
                chunk = self.s.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except ConnectionResetError:
            return True  # closed while our last bytes were in flight
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


# ------------------------------------------------------------------ tests

def test_basic():
    body = (b"From: a@b.net\r\nSubject: hello\r\n\r\n"
            b"line one\r\n.leading dot\r\n..two dots\r\n\r\nend \xc3\xa9\r\n")
    with smtplib.SMTP("127.0.0.1", PORT) as c:
        code, msg = c.ehlo("client.example")
        check(code == 250, "EHLO code %d" % code)
        for ext in ("pipelining", "size", "8bitmime", "enhancedstatuscodes",
                    "smtputf8", "chunking", "dsn", "etrn"):
            check(c.has_extn(ext), "EHLO lacks %s" % ext)
        check(c.esmtp_features.get("size") == "10240000", "SIZE value")
        refused = c.sendmail("a@b.net", ["alice@example.org", "bob@example.org"],
                             body, mail_options=["BODY=8BITMIME"])
        check(refused == {}, "refused %r" % refused)
        code, msg = c.noop()
        check(code == 250 and msg.startswith(b"2.0.0"), "NOOP %d %r" % (code, msg))
    got = spooled()
    check(len(got) == 1, "one message spooled, got %d" % len(got))
    env, mess = got[0]
    check(env == [b"Fa@b.net", b"B8BITMIME", b"Talice@example.org", b"Tbob@example.org"],
          "env %r" % env)
    rest = split_received(mess)
    want = body.replace(b"\r\n", b"\n")  # smtplib stuffs, smtpd unstuffs
    check(rest == want, "message bytes %r" % rest)
    check(b"\r" not in mess, "CR in the spool")


def test_commands():
    r = Raw()
    check(r.greeting[0] == 220 and b"mx.example.org" in r.greeting[1][0], "greeting %r" % (r.greeting,))
    check(r.cmd(b"MAIL FROM:<a@b.net>\r\n")[0] == 503, "MAIL before EHLO")
    check(r.cmd(b"HELO client.example\r\n")[0] == 250, "HELO")
    code, lines = r.cmd(b"VRFY alice\r\n")
    check(code == 252 and lines[0].startswith(b"252 2.5.0"), "VRFY %r" % lines)
    code, lines = r.cmd(b"EXPN staff\r\n")
    check(code == 502 and lines[0].startswith(b"502 5.5.1"), "EXPN %r" % lines)
    code, lines = r.cmd(b"HELP\r\n")
    check(code == 214 and b"2.0.0" in lines[0], "HELP %r" % lines)
    check(r.cmd(b"FROB\r\n")[1][0].startswith(b"500 5.5.1"), "unknown command")
    check(r.cmd(b"RCPT TO:<alice@example.org>\r\n")[1][0].startswith(b"503 5.5.1"), "RCPT before MAIL")
    check(r.cmd(b"DATA\r\n")[1][0].startswith(b"503 5.5.1"), "DATA before MAIL")
    # HELO: no ESMTP parameters.
    check(r.cmd(b"MAIL FROM:<a@b.net> SIZE=10\r\n")[1][0].startswith(b"501 5.1.7"), "params after HELO")
    check(r.cmd(b"MAIL FROM:<a@b.net>\r\n")[1][0].startswith(b"250 2.1.0"), "MAIL")
    check(r.cmd(b"MAIL FROM:<a@b.net>\r\n")[1][0].startswith(b"503 5.5.1"), "nested MAIL")
    check(r.cmd(b"DATA\r\n")[1][0].startswith(b"554 5.5.1"), "DATA without recipients")
    check(r.cmd(b"RCPT TO:<unknown@example.org>\r\n")[1][0].startswith(b"550 5.1.1"), "unknown user")
    check(r.cmd(b"RCPT TO:<Alice@Example.ORG>\r\n")[1][0].startswith(b"250 2.1.5"), "case-insensitive")
    check(r.cmd(b"RCPT TO:<anyone@virtual.example>\r\n")[1][0].startswith(b"250 2.1.5"), "virtual catch-all")
    check(r.cmd(b"RCPT TO:<bob@localhost>\r\n")[1][0].startswith(b"550 5.1.1"), "bob only at example.org")
    check(r.cmd(b"RCPT TO:<postmaster>\r\n")[1][0].startswith(b"250 2.1.5"), "<postmaster>")
    check(r.cmd(b"RCPT TO:<PostMaster@example.org>\r\n")[1][0].startswith(b"250 2.1.5"),
          "postmaster@ a local domain, not in local_recipients")
    check(r.cmd(b"RCPT TO:<postmaster@virtual.example>\r\n")[1][0].startswith(b"250 2.1.5"),
          "postmaster@ a virtual domain")
    check(r.cmd(b"RSET\r\n")[1][0].startswith(b"250 2.0.0"), "RSET")
    check(r.cmd(b"RCPT TO:<alice@example.org>\r\n")[0] == 503, "RSET ends the transaction")
    code, lines = r.cmd(b"QUIT\r\n")
    check(lines[0].startswith(b"221 2.0.0"), "QUIT %r" % lines)
    check(r.closed(), "closed after QUIT")
    check(spooled() == [], "nothing spooled")


def test_postmaster():
    with smtplib.SMTP("127.0.0.1", PORT) as c:
        c.ehlo("c")
        c.mail("a@b.net")
        code, _ = c.docmd("RCPT TO:<postmaster>")
        check(code == 250, "<postmaster> %d" % code)
        code, _ = c.data(b"Subject: pm\r\n\r\nx\r\n")
        check(code == 250, "DATA %d" % code)
    got = spooled()
    # The first domain of mydestination, which is surely local.
    check(got and got[0][0] == [b"Fa@b.net", b"Tpostmaster@example.org"], "postmaster env %r" % got)


def test_enhanced_codes():
    """Every reply but the greeting and EHLO/HELO has an RFC 3463 code."""
    r = Raw()
    r.cmd(b"EHLO c\r\n")
    code_re = re.compile(rb"^[245]\d\d[ -][245]\.\d{1,3}\.\d{1,3} ")
    for cmd in (b"NOOP", b"MAIL FROM:<x@y.example>", b"RCPT TO:<nobody@example.org>",
                b"RCPT TO:<x@far.example>", b"RCPT TO:<alice@example.org>", b"VRFY x",
                b"EXPN x", b"HELP", b"BOGUS", b"MAIL FROM:<x@y>", b"RSET", b"ETRN",
                b"STARTTLS", b"AUTH PLAIN"):
        code, lines = r.cmd(cmd + b"\r\n")
        for line in lines:
            check(code_re.match(line), "no enhanced code in %r -> %r" % (cmd, line))
    r.close()


def test_relay():
    """From outside mynetworks, nothing relays, whatever the trick."""
    tricks = [
        b"<user@other.net>",
        b"<user%other.net@example.org>",
        b"<\"user@other.net\"@example.org>",
        b"<user@other.net@example.org>",
        b"<user!other.net@example.org>",
        b"<other.net!user@example.org>",
        b"<@example.org:user@other.net>",
        b"<user@[127.0.0.1]>",
        b"<user@example.org.>",
        b"<user@other.net.>",
        b"<\"user%other.net\"@example.org>",
        b"<user@example.org@other.net>",
        b"<user@other.net,user@example.org>",
        b"<alice@example.org> <x@other.net>",
        b"<postmaster@other.net>",
        b"<alice@example.org\r\nRCPT TO:<x@other.net>>",
    ]
    r = Raw()
    r.cmd(b"EHLO c\r\n")
    check(r.cmd(b"MAIL FROM:<a@b.net>\r\n")[0] == 250, "MAIL")
    for t in tricks:
        code, lines = r.cmd(b"RCPT TO:" + t + b"\r\n")
        check(code >= 500, "trick %r got %r" % (t, lines))
        if b"\r\n" in t:
            # The second "line" of a smuggled command is refused too.
            code, lines = r.reply()
            check(code >= 500, "smuggled RCPT got %r" % lines)
    check(r.cmd(b"DATA\r\n")[0] == 554, "no recipient was accepted")
    r.close()
    check(spooled() == [], "nothing spooled")


def test_relay_allowed():
    """From mynetworks (or with RELAYCLIENT), remote domains relay."""
    with smtplib.SMTP("127.0.0.1", PORT) as c:
        c.sendmail("a@b.net", ["x@other.net"], b"Subject: r\r\n\r\nrelay\r\n")
        code, msg = c.docmd("RCPT TO:<user%other.net@example.org>")
        check(code == 503, "RCPT after the transaction ended: %d" % code)
        c.docmd("MAIL FROM:<a@b.net>")
        code, msg = c.docmd("RCPT TO:<user%other.net@example.org>")
        check(code == 554, "routing local part refused even to relay clients: %d" % code)
    got = spooled()
    check(len(got) == 1 and got[0][0] == [b"Fa@b.net", b"Tx@other.net"], "relayed %r" % got)


def test_dsn_utf8():
    with smtplib.SMTP("127.0.0.1", PORT) as c:
        c.ehlo("c")
        c.sendmail("a@b.net", ["alice@example.org"], b"Subject: dsn\r\n\r\nx\r\n",
                   mail_options=["RET=HDRS", "ENVID=QQ+2B1"],
                   rcpt_options=["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;alice+40example.org"])
        sender = "j\u00f6rg@b\u00fccher.example"
        c.sendmail(sender, ["alice@example.org"], "Subject: utf8\r\n\r\nh\u00e9\r\n".encode(),
                   mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        code, msg = c.docmd("MAIL FROM:<" + sender + ">")
        check(code == 553 and msg.startswith(b"5.6.7"), "UTF-8 without SMTPUTF8: %d %r" % (code, msg))
        c.rset()
        code, msg = c.docmd("MAIL FROM:<a@b.net> RET=ALL")
        check(code == 501, "bad RET %d" % code)
        code, msg = c.docmd("MAIL FROM:<a@b.net> FROB=1")
        check(code == 555, "unknown parameter %d" % code)
    got = spooled()
    check(len(got) == 2, "two messages, got %d" % len(got))
    if len(got) == 2:
        check(got[0][0] == [b"Fa@b.net", b"EQQ+2B1", b"RHDRS", b"Talice@example.org",
                            b"NSUCCESS,FAILURE", b"Orfc822;alice+40example.org"],
              "DSN env %r" % got[0][0])
        check(got[1][0] == [b"F" + sender.encode(), b"B8BITMIME", b"U", b"Talice@example.org"],
              "UTF-8 env %r" % got[1][0])
        check(b"with UTF8SMTP" in got[1][1], "UTF8SMTP in Received")


def test_eightbit():
    """8-bit header and body bytes without BODY=8BITMIME: kept as sent."""
    msg = b"Subject: caf\xc3\xa9 \xff\r\nFrom: J\xf6rg <a@b.net>\r\n\r\n\xe9t\xe9\r\n"
    with smtplib.SMTP("127.0.0.1", PORT) as c:
        c.sendmail("a@b.net", ["alice@example.org"], msg)
    got = spooled()
    check(len(got) == 1 and split_received(got[0][1]) == msg.replace(b"\r\n", b"\n"),
          "8-bit message %r" % got)
    check(got and got[0][0] == [b"Fa@b.net", b"Talice@example.org"], "no BODY record without BODY=")


def smuggle(payload, what):
    r = Raw()
    r.cmd(b"EHLO c\r\n")
    r.cmd(b"MAIL FROM:<a@b.net>\r\n")
    r.cmd(b"RCPT TO:<alice@example.org>\r\n")
    code, _ = r.cmd(b"DATA\r\n")
    check(code == 354, "354 for %s" % what)
    r.send(b"Subject: smuggle\r\n\r\nhello" + payload +
           b"MAIL FROM:<evil@b.net>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nevil\r\n.\r\n")
    try:
        code, lines = r.reply()
    except EOFError:
        code, lines = 0, []
    check(code == 521, "%s: reply %r" % (what, lines))
    check(r.closed(), "%s: connection not closed" % what)
    r.close()


def test_smuggling():
    for payload, what in ((b"\n.\n", "LF.LF"), (b"\r.\r", "CR.CR"),
                          (b"\n.\r\n", "LF.CRLF"), (b"\r\n.\n", "CRLF.LF"),
                          (b"\r\n.\r", "CRLF.CR"), (b"\r\n\n", "bare LF")):
        smuggle(payload, what)
    time.sleep(0.2)
    check(spooled() == [], "smuggling spooled something")
    check(tmp_empty(), "tmp/ not empty after smuggling")
    # Bare LF and CR in commands.
    r = Raw()
    code, lines = r.cmd(b"EHLO c\n")
    check(code == 500 and lines[0].startswith(b"500 5.5.2"), "bare LF command %r" % lines)
    code, lines = r.cmd(b"NOOP\rRSET\r\n")
    check(code == 500, "bare CR command %r" % lines)
    check(r.cmd(b"NOOP\r\n")[0] == 250, "session goes on")
    r.close()


def test_limits():
    r = Raw()
    code, lines = r.cmd(b"NOOP " + b"x" * 5000 + b"\r\n")
    check(code == 500 and lines[0].startswith(b"500 5.5.2"), "long line %r" % lines)
    check(r.cmd(b"NOOP\r\n")[0] == 250, "after a long line")
    code, lines = r.cmd(b"NOOP \0x\r\n")
    check(code == 500 and lines[0].startswith(b"500 5.5.2"), "NUL in command %r" % lines)
    r.cmd(b"EHLO c\r\n")
    r.cmd(b"MAIL FROM:<a@b.net>\r\n")
    r.cmd(b"RCPT TO:<alice@example.org>\r\n")
    r.cmd(b"DATA\r\n")
    code, lines = r.cmd(b"Subject: nul\r\n\r\na\0b\r\n.\r\n")
    check(code == 554 and lines[0].startswith(b"554 5.6.0"), "NUL in DATA %r" % lines)
    # A long DATA line (limit 1000 with CRLF): refused at the end, in step.
    r.cmd(b"MAIL FROM:<a@b.net>\r\n")
    r.cmd(b"RCPT TO:<alice@example.org>\r\n")
    r.cmd(b"DATA\r\n")
    code, lines = r.cmd(b"Subject: long\r\n\r\n" + b"y" * 999 + b"\r\n.\r\n")
    check(code == 554, "long DATA line %r" % lines)
    check(r.cmd(b"NOOP\r\n")[0] == 250, "in step after refusals")
    r.close()
    check(spooled() == [], "refused messages spooled")
    # 998 + CRLF is fine.
    with smtplib.SMTP("127.0.0.1", PORT) as c:
        c.sendmail("a@b.net", ["alice@example.org"], b"Subject: ok\r\n\r\n" + b"z" * 998 + b"\r\n")
    got = spooled()
    check(len(got) == 1 and got[0][1].endswith(b"z" * 998 + b"\n"), "998-byte line")


def test_size():
    control("message_size_limit", "5000\n")
    try:
        with smtplib.SMTP("127.0.0.1", PORT) as c:
            c.ehlo("c")
            check(c.esmtp_features.get("size") == "5000", "SIZE 5000 advertised")
            code, msg = c.docmd("MAIL FROM:<a@b.net> SIZE=5001")
            check(code == 552 and msg.startswith(b"5.3.4"), "SIZE over the limit at MAIL %d" % code)
            # A lie: SIZE=100, then 20000 bytes.
            code, msg = c.docmd("MAIL FROM:<a@b.net> SIZE=100")
            check(code == 250, "MAIL SIZE=100")
            c.docmd("RCPT TO:<alice@example.org>")
            code, msg = c.data(b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 300)
            check(code == 552 and msg.startswith(b"5.3.4"), "SIZE lie %d %r" % (code, msg))
            # BDAT past the limit.
            code, msg = c.docmd("MAIL FROM:<a@b.net>")
            c.docmd("RCPT TO:<alice@example.org>")
            c.send(b"BDAT 6000 LAST\r\n" + (b"y" * 58 + b"\r\n") * 100)
            code, msg = c.getreply()
            check(code == 552, "BDAT past the limit %d" % code)
            code, msg = c.noop()
            check(code == 250, "in step after BDAT refusal")
            # Just under the limit passes (Received line not counted).
            c.sendmail("a@b.net", ["alice@example.org"], b"S: x\r\n\r\n" + (b"k" * 70 + b"\r\n") * 60)
    finally:
        control("message_size_limit", None)
    got = spooled()
    check(len(got) == 1, "only the small message spooled: %d" % len(got))
    check(tmp_empty(), "tmp/ empty")


def test_vanish():
    """A client that goes away mid-DATA leaves nothing in the spool."""
    for cut in (b"Subject: gone\r\n\r\nhalf a mes", b"Subject: gone\r\n\r\nline\r\n.",
                b"Subject: gone\r\n\r\nline\r\n"):
        r = Raw()
        r.cmd(b"EHLO c\r\n")
        r.cmd(b"MAIL FROM:<a@b.net>\r\n")
        r.cmd(b"RCPT TO:<alice@example.org>\r\n")
        r.cmd(b"DATA\r\n")
        r.send(cut + b"x" * 100000)
        r.s.shutdown(socket.SHUT_WR)
        r.closed()
        r.close()
    # BDAT cut short.
    r = Raw()
    r.cmd(b"EHLO c\r\n")
    r.cmd(b"MAIL FROM:<a@b.net>\r\n")
    r.cmd(b"RCPT TO:<alice@example.org>\r\n")
    r.send(b"BDAT 1000 LAST\r\nonly a few bytes\r\n")
    r.s.shutdown(socket.SHUT_WR)
    r.closed()
    r.close()
    for _ in range(50):
        if tmp_empty():
            break
        time.sleep(0.1)
    check(spooled() == [], "vanished client's message spooled")
    check(tmp_empty(), "tmp/ not cleaned: %r" % os.listdir(os.path.join(SPOOL, "tmp")))


def test_pipelining():
    r = Raw()
    r.cmd(b"EHLO c\r\n")
    r.send(b"MAIL FROM:<a@b.net>\r\nRCPT TO:<alice@example.org>\r\n"
           b"RCPT TO:<nobody@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n")
    codes = [r.reply()[0] for _ in range(5)]
    check(codes == [250, 250, 550, 250, 354], "pipelined replies %r" % codes)
    r.send(b"Subject: p\r\n\r\npipelined\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\n"
           b"BDAT 5\r\nabc\r\nBDAT 0 LAST\r\nNOOP\r\nQUIT\r\n")
    codes = [r.reply()[0] for _ in range(7)]
    check(codes == [250, 250, 250, 250, 250, 250, 221], "after DATA %r" % codes)
    r.close()
    got = spooled()
    check(len(got) == 2, "two messages %d" % len(got))
    if len(got) == 2:
        msgs = sorted(got, key=lambda g: g[0][0])
        check(msgs[0][0] == [b"F", b"Talice@example.org"], "null sender env %r" % msgs[0][0])
        check(split_received(msgs[0][1]) == b"abc\n", "BDAT content %r" % msgs[0][1])
        check(msgs[1][0] == [b"Fa@b.net", b"Talice@example.org", b"Tbob@example.org"], "env %r" % msgs[1][0])
        check(split_received(msgs[1][1]) == b"Subject: p\n\npipelined\n", "DATA content")


def test_errors_and_timeout():
    control("smtpd_hard_error_limit", "5\n")
    control("smtpd_timeout", "1\n")
    try:
        r = Raw()
        last = None
        for i in range(10):
            try:
                last = r.cmd(b"BOGUS\r\n")
            except (EOFError, ConnectionResetError):
                break
            if last[0] == 421:
                break
        check(last is not None and last[0] == 421 and last[1][0].startswith(b"421 4.7.0"),
              "error limit %r" % (last,))
        check(r.closed(), "closed after too many errors")
        r.close()
        r = Raw()
        r.send(b"EHLO c\r\n")
        r.reply()
        t0 = time.time()
        code, lines = r.reply()  # nothing sent: the idle timeout fires
        print("idle timeout after %.1fs" % (time.time() - t0))
        check(code == 421 and lines[0].startswith(b"421 4.4.2"), "timeout %r" % lines)
        check(r.closed(), "closed after timeout")
        r.close()
    finally:
        control("smtpd_hard_error_limit", None)
        control("smtpd_timeout", None)


def test_recipient_limit():
    control("smtpd_recipient_limit", "3\n")
    try:
        r = Raw()
        r.cmd(b"EHLO c\r\n")
        r.cmd(b"MAIL FROM:<a@b.net>\r\n")
        codes = [r.cmd(b"RCPT TO:<alice@example.org>\r\n")[0] for _ in range(4)]
        check(codes == [250, 250, 250, 452], "recipient limit %r" % codes)
        r.close()
    finally:
        control("smtpd_recipient_limit", None)


def test_etrn():
    r = Raw()
    r.cmd(b"EHLO c\r\n")
    code, lines = r.cmd(b"ETRN example.net\r\n")
    fifo = os.path.join(SPOOL, "trigger")
    check(code == 458, "ETRN without a scheduler %r" % lines)
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        code, lines = r.cmd(b"ETRN example.net\r\n")
        check(code == 250 and lines[0].startswith(b"250 2.0.0"), "ETRN %r" % lines)
        time.sleep(0.1)
        check(os.read(fd, 100) == b"ETRN example.net\n", "trigger line")
        code, lines = r.cmd(b"ETRN not..valid\r\n")
        check(code == 501, "bad ETRN %r" % lines)
    finally:
        os.close(fd)
        os.unlink(fifo)
    r.close()


def test_etrn_refused():
    r = Raw()
    r.cmd(b"EHLO c\r\n")
    code, lines = r.cmd(b"ETRN example.net\r\n")
    check(code == 459, "ETRN from outside %r" % lines)
    r.close()


def test_queue_failure():
    """enqueue failing: 451, never 250; a permanent refusal: 554."""
    with smtplib.SMTP("127.0.0.1", PORT) as c:
        try:
            c.sendmail("a@b.net", ["alice@example.org"], b"Subject: x\r\n\r\nx\r\n")
            check(False, "accepted with a failing queue")
        except smtplib.SMTPDataError as e:
            check(e.smtp_code == int(os.environ["WANT_CODE"]), "queue failure code %d" % e.smtp_code)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print("--", name)
        globals()["test_" + name]()
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("ok")

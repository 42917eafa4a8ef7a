"""TLS and AUTH checks for smtpd_tls_auth.sh.

Run as: smtpd_tls_client.py TEST PORT; FACTEUR_SPOOL and CAFILE come from
the environment.  Spooled messages are read back from todo/.
"""
import os
import re
import shutil
import smtplib
import socket
import ssl
import sys

SPOOL = os.environ["FACTEUR_SPOOL"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def ctx():
    c = ssl.create_default_context(cafile=os.environ["CAFILE"])
    c.check_hostname = False
    return c


def spooled():
    out = []
    todo = os.path.join(SPOOL, "todo")
    for name in sorted(os.listdir(todo)):
        d = os.path.join(todo, name)
        env = open(os.path.join(d, "env"), "rb").read()[:-2].split(b"\0")[3:]
        out.append((env, open(os.path.join(d, "mess"), "rb").read()))
        shutil.rmtree(d)
    return out


def send_auth(c, mech, user, password):
    c.user, c.password = user, password
    obj = {"PLAIN": c.auth_plain, "LOGIN": c.auth_login, "CRAM-MD5": c.auth_cram_md5}[mech]
    return c.auth(mech, obj, initial_response_ok=(mech != "LOGIN"))


def test_cram_plain(port):
    """No TLS: only CRAM-MD5 is offered; PLAIN is refused with 538."""
    with smtplib.SMTP("127.0.0.1", port) as c:
        c.ehlo("c")
        check(c.esmtp_features.get("auth", "").split() == ["CRAM-MD5"],
              "AUTH without TLS: %r" % c.esmtp_features.get("auth"))
        check("starttls" not in c.esmtp_features, "STARTTLS offered without tlsd")
        code, msg = c.docmd("AUTH PLAIN AGpvZQBzZWNyZXQ=")
        check(code == 538, "PLAIN without TLS: %d" % code)
        try:
            send_auth(c, "CRAM-MD5", "joe", "wrong")
            check(False, "wrong CRAM-MD5 secret accepted")
        except smtplib.SMTPAuthenticationError as e:
            check(e.smtp_code == 535, "wrong secret code %d" % e.smtp_code)
        code, msg = c.mail("a@b.net")
        code, msg = c.rcpt("x@far.example")
        check(code == 554, "relay before AUTH: %d" % code)
        c.rset()
        code, msg = send_auth(c, "CRAM-MD5", "tim", "tanstaaftanstaaf")
        check(code == 235, "CRAM-MD5: %d %r" % (code, msg))
        code, msg = c.docmd("AUTH CRAM-MD5")
        check(code == 503, "second AUTH: %d" % code)
        c.sendmail("a@b.net", ["x@far.example"], b"Subject: auth\r\n\r\nrelayed\r\n",
                   mail_options=["AUTH=<>"])
    got = spooled()
    check(len(got) == 1, "one message, got %d" % len(got))
    if got:
        check(got[0][0] == [b"Fa@b.net", b"Atim", b"Tx@far.example"], "env %r" % got[0][0])
        check(b"\n\tby mx.example.org (facteur) with ESMTPA\n" in got[0][1], "ESMTPA: %r" % got[0][1][:300])


def test_starttls(port):
    with smtplib.SMTP("127.0.0.1", port) as c:
        c.ehlo("c")
        check(c.has_extn("starttls"), "STARTTLS not offered")
        check(c.esmtp_features.get("auth", "").split() == ["CRAM-MD5"], "AUTH before TLS")
        code, msg = c.starttls(context=ctx())
        check(code == 220 and msg.startswith(b"2.0.0"), "STARTTLS %d %r" % (code, msg))
        code, msg = c.docmd("MAIL FROM:<a@b.net>")
        check(code == 503, "MAIL right after TLS (EHLO forgotten): %d" % code)
        c.ehlo("c")
        check(not c.has_extn("starttls"), "STARTTLS offered inside TLS")
        check(c.esmtp_features.get("auth", "").split() == ["PLAIN", "LOGIN", "CRAM-MD5"],
              "AUTH inside TLS %r" % c.esmtp_features.get("auth"))
        code, msg = c.docmd("STARTTLS")
        check(code == 503, "second STARTTLS %d" % code)
        try:
            send_auth(c, "PLAIN", "joe", "bad")
            check(False, "bad PLAIN accepted")
        except smtplib.SMTPAuthenticationError as e:
            check(e.smtp_code == 535, "bad PLAIN %d" % e.smtp_code)
        code, msg = send_auth(c, "LOGIN", "joe", "secret")
        check(code == 235, "LOGIN %d %r" % (code, msg))
        c.sendmail("a@b.net", ["x@far.example"], b"Subject: tls\r\n\r\nover tls\r\n")
    with smtplib.SMTP("127.0.0.1", port) as c:
        c.starttls(context=ctx())
        c.ehlo("c")  # auth() does not say EHLO by itself
        code, msg = send_auth(c, "PLAIN", "joe", "secret")
        check(code == 235, "PLAIN %d %r" % (code, msg))
        c.sendmail("", ["alice@example.org"], b"Subject: tls2\r\n\r\nplain\r\n")
    got = spooled()
    check(len(got) == 2, "two messages, got %d" % len(got))
    for env, mess in got:
        check(b"Ajoe" in env, "no A record: %r" % env)
        m = re.search(rb"\(facteur\) \(TLSv1\.[23] with cipher [A-Z0-9_-]+\) with ESMTPSA\n", mess)
        check(m is not None, "Received with TLS: %r" % mess[:300])


def test_injection(port):
    """Bytes sent after STARTTLS in the same packet are never commands."""
    s = socket.create_connection(("127.0.0.1", port), 10)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"EHLO c\r\n")
    while f.readline()[3:4] == b"-":
        pass
    s.sendall(b"STARTTLS\r\nMAIL FROM:<evil@b.net>\r\n")
    line = f.readline()
    check(line.startswith(b"220 2.0.0"), "STARTTLS reply %r" % line)
    t = ctx().wrap_socket(s)
    tf = t.makefile("rb")
    t.sendall(b"EHLO c\r\n")
    first = tf.readline()
    check(first.startswith(b"250-"), "first reply inside TLS is not EHLO's: %r" % first)
    while True:
        line = tf.readline()
        if line[3:4] != b"-":
            break
    t.sendall(b"RCPT TO:<alice@example.org>\r\n")
    line = tf.readline()
    check(line.startswith(b"503"), "injected MAIL took effect: %r" % line)
    t.sendall(b"QUIT\r\n")
    t.close()


def test_required(port):
    with smtplib.SMTP("127.0.0.1", port) as c:
        c.ehlo("c")
        code, msg = c.docmd("MAIL FROM:<a@b.net>")
        check(code == 530 and msg.startswith(b"5.7.0"), "MAIL before STARTTLS: %d %r" % (code, msg))
        c.starttls(context=ctx())
        c.ehlo("c")
        code, msg = c.docmd("MAIL FROM:<a@b.net>")
        check(code == 250, "MAIL inside TLS: %d" % code)


def test_implicit(port):
    with smtplib.SMTP_SSL("127.0.0.1", port, context=ctx()) as c:
        c.ehlo("c")
        check(not c.has_extn("starttls"), "STARTTLS offered on implicit TLS")
        check("PLAIN" in c.esmtp_features.get("auth", ""), "PLAIN not offered on 465")
        c.sendmail("a@b.net", ["alice@example.org"], b"Subject: 465\r\n\r\nimplicit\r\n")
    got = spooled()
    check(len(got) == 1 and b"with ESMTPS\n" in got[0][1], "implicit TLS message %r" % got)


if __name__ == "__main__":
    globals()["test_" + sys.argv[1]](int(sys.argv[2]))
    if failures:
        sys.exit(1)
    print("ok")

#!/usr/bin/env python3
"""Client and checkers for tests/integration/mta_e2e.sh.

    mta_e2e.py send PORT HELO FROM TO[,TO...] FILE [MAILOPT...] [-- RCPTOPT...]
        One SMTP transaction through smtplib: FILE's lines sent with CRLF
        ends; exits 1 unless every recipient was accepted.

    mta_e2e.py local FILE SENDER RCPT SENT HELO
        FILE, a message delivered by maildeliver, must be exactly
            Return-Path: <SENDER>
            Delivered-To: RCPT
            Received: from HELO ([127.0.0.1])
            <TAB>by mx.demo.test (facteur) with ESMTP[<LF><TAB>for <...>];
            <TAB>DATE
        and then SENT with LF line ends, byte for byte.

    mta_e2e.py spool FILE SENT HELO
        FILE is the message as queued stored it (what a pipe gets): the
        Received line above, then SENT with LF ends.

    mta_e2e.py sink FILE SENT HELO
        FILE is a dump of Postfix's smtp-sink (-d): its own X-* lines and
        three-line Received, then our Received and SENT; prints the
        sink's X-Mail-Args and X-Rcpt-Args lines.

    mta_e2e.py postfix FILE SENDER RCPT SENT HELO
        FILE was delivered into a Maildir by Postfix's virtual(8) after
        our smtp-remote handed it over: Return-Path, X-Original-To,
        Delivered-To,
        Postfix's Received (printed on stdout, unfolded), our Received,
        then SENT.

    mta_e2e.py qp FILE [sink]
        FILE holds no byte above 0x7f; prints its quoted-printable label
        and its decoded text body (Python's email parser); with sink,
        FILE is an smtp-sink dump (its last empty line is dropped).
"""
import email
import email.policy
import re
import smtplib
import sys

DATE = rb"[A-Z][a-z][a-z], [ 0-9]?\d [A-Z][a-z][a-z] \d{4} \d\d:\d\d:\d\d [-+]\d{4}"


def lf(path):
    with open(path, "rb") as f:
        return f.read().replace(b"\r\n", b"\n")


def die(why):
    sys.stderr.write(why + "\n")
    sys.exit(1)


def ours(data, helo):
    """Strips smtpd's Received field off data; dies unless it is there."""
    m = re.match(rb"Received: from " + re.escape(helo.encode()) +
                 rb" \(\[127\.0\.0\.1\]\)\n\tby mx\.demo\.test \(facteur\) with E?SMTP"
                 rb"(\n\tfor <[^>\n]+>)?;\n\t" + DATE + rb"\n", data)
    if not m:
        die("no Received line of smtpd: %r" % data[:300])
    return data[m.end():]


def same(got, sent):
    if got != sent:
        i = next((k for k in range(min(len(got), len(sent))) if got[k] != sent[k]),
                 min(len(got), len(sent)))
        die("message differs at byte %d: got %r, sent %r" % (i, got[i - 40:i + 80], sent[i - 40:i + 80]))


def send(argv):
    port, helo, frm, to, path = argv[:5]
    rest = argv[5:]
    mopts, ropts = (rest[:rest.index("--")], rest[rest.index("--") + 1:]) if "--" in rest else (rest, [])
    data = lf(path).replace(b"\n", b"\r\n")
    with smtplib.SMTP("127.0.0.1", int(port), local_hostname=helo, timeout=60) as s:
        refused = s.sendmail(frm, to.split(","), data, mail_options=mopts, rcpt_options=ropts)
    if refused:
        die("refused: %r" % refused)


def local(argv):
    path, sender, rcpt, sent, helo = argv
    got = lf(path)
    head = b"Return-Path: <%s>\nDelivered-To: %s\n" % (sender.encode(), rcpt.encode())
    if not got.startswith(head):
        die("%s: head %r, want %r" % (path, got[:120], head))
    same(ours(got[len(head):], helo), lf(sent))


def spool(argv):
    path, sent, helo = argv
    same(ours(lf(path), helo), lf(sent))


def sink(argv):
    path, sent, helo = argv
    got = lf(path)
    m = re.match(rb"((?:X-[A-Za-z-]+: [^\n]*\n)+)Received: from [^\n]*\n\tby [^\n]*\n\t[^\n]*\n", got)
    if not m:
        die("not an smtp-sink dump: %r" % got[:300])
    for line in m.group(1).split(b"\n"):
        if line.startswith((b"X-Mail-Args:", b"X-Rcpt-Args:")):
            print(line.decode())
    body = ours(got[m.end():], helo)
    # The dump format ends each message with one empty line of its own.
    if not body.endswith(b"\n\n"):
        die("dump does not end with an empty line")
    same(body[:-1], lf(sent))


def postfix(argv):
    path, sender, rcpt, sent, helo = argv
    got = lf(path)
    head = b"Return-Path: <%s>\nX-Original-To: %s\nDelivered-To: %s\n" % (
        sender.encode(), rcpt.encode(), rcpt.encode())
    if not got.startswith(head):
        die("%s: head %r, want %r" % (path, got[:120], head))
    rest = got[len(head):]
    m = re.match(rb"Received: [^\n]*\n(?:[ \t][^\n]*\n)*", rest)
    if not m or b"(Postfix)" not in m.group(0):
        die("no Received line of Postfix: %r" % rest[:300])
    print(re.sub(rb"\s+", b" ", m.group(0)).decode().strip())
    same(ours(rest[m.end():], helo), lf(sent))


def qp(argv):
    raw = lf(argv[0])
    if argv[1:] == ["sink"]:
        if not raw.endswith(b"\n\n"):
            die("dump does not end with an empty line")
        raw = raw[:-1]
    if any(b > 0x7f for b in raw):
        die("8-bit bytes in %s" % argv[0])
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    print("cte=%s" % msg["Content-Transfer-Encoding"])
    sys.stdout.write(msg.get_payload(decode=True).decode("utf-8"))


if __name__ == "__main__":
    {"send": send, "local": local, "spool": spool, "sink": sink, "postfix": postfix,
     "qp": qp}[sys.argv[1]](sys.argv[2:])

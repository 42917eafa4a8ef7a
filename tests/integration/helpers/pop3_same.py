#!/usr/bin/python3
"""Checks that what a real POP3 client retrieved is, byte for byte, the
messages of the served Maildir.

  pop3_same.py maildir SRC OUT [PREFIX]
      OUT is a Maildir a client delivered into (new/ and cur/): the
      multiset of its files, each starting with PREFIX (a header line the
      client adds, given with a trailing \\n) which is then removed, equals
      the multiset of SRC's messages with LF line ends.
  pop3_same.py bsmtp SRC FILE
      FILE is fetchmail's --bsmtp output (CRLF line ends): MAIL, RCPT,
      DATA, the dot-stuffed message, "." per message; the messages equal
      SRC's.
  pop3_same.py numbered SRC DIR
      DIR holds UIDL (the server's "n uidl" listing) and one file per
      message number with what the client saved (CRLF line ends, as
      curl writes RETR): each equals the SRC message with that UIDL.

SRC is the served Maildir: its messages are in cur/ (pop3d moved them
there).  A message whose file lacks a final line end is retrieved with
one (RFC 1939).  Prints "ok N" and exits 0, or says what differs and
exits 1.
"""
import os
import sys


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def lf(data):
    out = data.replace(b"\r\n", b"\n")
    if not out.endswith(b"\n"):
        out += b"\n"
    return out


def source(src):
    """{uidl: bytes with LF line ends} of the served Maildir."""
    cur = os.path.join(src, "cur")
    msgs = {}
    for f in os.listdir(cur):
        if f.startswith("."):
            continue
        with open(os.path.join(cur, f), "rb") as fh:
            msgs[f.split(":", 1)[0]] = lf(fh.read())
    if not msgs:
        die(f"{cur} holds no message")
    return msgs


def same_multiset(want, got, what):
    if sorted(want) != sorted(got):
        w = {m[:200] for m in want}
        extra = [g[:200] for g in got if g[:200] not in w]
        die(f"{what}: {len(got)} messages retrieved, {len(want)} served; "
            f"first unmatched: {extra[:1]!r}")


def maildir(src, out, prefix=b""):
    got = []
    for sub in ("new", "cur"):
        d = os.path.join(out, sub)
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f), "rb") as fh:
                data = fh.read()
            if not data.startswith(prefix):
                die(f"{sub}/{f} does not start with {prefix!r}")
            got.append(data[len(prefix):])
    same_multiset(list(source(src).values()), got, out)
    return len(got)


def bsmtp(src, path):
    data = open(path, "rb").read()
    # SMTP's line end; a bare LF would be an error of the writer.
    lines = data.split(b"\r\n")
    if any(b"\n" in ln for ln in lines):
        die(f"{path}: a line ends in a bare LF")
    got, i = [], 0
    while i < len(lines):
        if lines[i] == b"":
            i += 1
            continue
        if not lines[i].startswith(b"MAIL FROM:"):
            die(f"line {i + 1}: want MAIL FROM, got {lines[i][:80]!r}")
        i += 1
        while i < len(lines) and lines[i].startswith(b"RCPT TO:"):
            i += 1
        if i >= len(lines) or lines[i] != b"DATA":
            die(f"line {i + 1}: want DATA")
        i += 1
        body = []
        while i < len(lines) and lines[i] != b".":
            ln = lines[i]
            body.append(ln[1:] if ln.startswith(b".") else ln)
            i += 1
        if i >= len(lines):
            die("a message has no final '.'")
        i += 1
        got.append(b"".join(b + b"\n" for b in body))
    same_multiset(list(source(src).values()), got, path)
    return len(got)


def numbered(src, d):
    msgs = source(src)
    uidl = {}
    for line in open(os.path.join(d, "UIDL"), "rb").read().splitlines():
        n, u = line.split()
        uidl[n.decode()] = u.decode()
    if sorted(uidl.values()) != sorted(msgs):
        die(f"UIDL listing {sorted(uidl.values())} is not {sorted(msgs)}")
    for n, u in uidl.items():
        with open(os.path.join(d, n), "rb") as fh:
            got = fh.read()
        want = msgs[u].replace(b"\n", b"\r\n")
        if got != want:
            die(f"message {n} ({u}): {len(got)} bytes retrieved, "
                f"want {len(want)}")
    return len(uidl)


mode = sys.argv[1] if len(sys.argv) > 1 else ""
if mode == "maildir" and len(sys.argv) in (4, 5):
    pre = sys.argv[4].encode().decode("unicode_escape").encode() \
        if len(sys.argv) == 5 else b""
    n = maildir(sys.argv[2], sys.argv[3], pre)
elif mode == "bsmtp" and len(sys.argv) == 4:
    n = bsmtp(sys.argv[2], sys.argv[3])
elif mode == "numbered" and len(sys.argv) == 4:
    n = numbered(sys.argv[2], sys.argv[3])
else:
    die("usage: pop3_same.py maildir|bsmtp|numbered SRC OUT [PREFIX]")
print(f"ok {n}")

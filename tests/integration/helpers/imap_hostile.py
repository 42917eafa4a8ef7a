#!/usr/bin/python3
"""Random and hostile commands to one imapd session (PREAUTH, as uid
65534 through setpriv), from a fixed seed.

  imap_hostile.py BIN MAILDIR [COUNT]

Each command is built from real command names, argument shapes and
garbage (huge numbers, 1:4294967296, '*', nested lists, literals of
every kind, bad sections, names with .. / % *, 8-bit bytes).  After
each one the session must answer that tag (OK, NO or BAD) before the
next is sent; it must never hang, crash or leave the Maildir.  Bounded:
COUNT commands (default 1500), 30 s per answer.  Prints "ok N"; exits 1
with the reason otherwise.
"""
import os
import random
import re
import select
import subprocess
import sys

BIN, MD = sys.argv[1], sys.argv[2]
COUNT = int(sys.argv[3]) if len(sys.argv) > 3 else 1500
rnd = random.Random(int(os.environ.get("HOSTILE_SEED", "3501")))

CMDS = [b"NOOP", b"CHECK", b"SELECT", b"EXAMINE", b"CREATE", b"DELETE", b"RENAME",
        b"SUBSCRIBE", b"UNSUBSCRIBE", b"LIST", b"LSUB", b"STATUS", b"APPEND", b"CLOSE",
        b"UNSELECT", b"EXPUNGE", b"SEARCH", b"FETCH", b"STORE", b"COPY", b"MOVE", b"UID",
        b"ENABLE", b"ID", b"NAMESPACE", b"GETQUOTAROOT", b"GETQUOTA", b"SETQUOTA",
        b"CAPABILITY", b"XYZZY", b"LOGIN", b"STARTTLS"]
ATOMS = [b"INBOX", b"inbox", b"Trash", b"a.b", b"..", b"../x", b"a/b", b"%", b"*", b"a*",
         b"1", b"1:*", b"*:1", b"0", b"1:4294967296", b"4294967295", b"99999999999999999999",
         b"1,2,3:5", b"$", b"FLAGS", b"+FLAGS.SILENT", b"-FLAGS", b"\\Seen", b"\\Deleted",
         b"\\Recent", b"$Junk", b"ALL", b"FAST", b"FULL", b"ENVELOPE", b"BODYSTRUCTURE",
         b"BODY[]", b"BODY.PEEK[1.2.MIME]", b"BODY[HEADER.FIELDS (From)]<0.10>",
         b"BODY[0]", b"BODY[1.X]", b"BODY[TEXT]<4294967295.1>", b"BODY[<1>", b"RFC822",
         b"UID", b"MODSEQ", b"CHANGEDSINCE", b"UNCHANGEDSINCE", b"VANISHED", b"RETURN",
         b"CHARSET", b"UTF-8", b"KOI8-R", b"NOT", b"OR", b"HEADER", b"SUBJECT", b"BODY",
         b"TEXT", b"LARGER", b"SINCE", b"1-Jan-2026", b"32-Foo-99", b"NIL", b"QRESYNC",
         b"CONDSTORE", b"MESSAGES", b"UNSEEN", b"HIGHESTMODSEQ", b"SUBSCRIBED",
         b"RECURSIVEMATCH", b"STATUS", b"(", b")", b"\\", b"&AGE-", b"&Jjo-", b"\xc3\xa9"]


def arg(depth=0):
    r = rnd.random()
    if r < 0.45:
        return rnd.choice(ATOMS)
    if r < 0.6:
        s = bytes(rnd.choice(b"abc xyz\\\"%*()[]{}") for _ in range(rnd.randint(0, 12)))
        return b'"' + s.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    if r < 0.72 and depth < 20:
        return b"(" + b" ".join(arg(depth + 1) for _ in range(rnd.randint(0, 4))) + b")"
    if r < 0.8:
        n = rnd.randint(0, 40)
        return b"{%d+}\r\n" % n + bytes(rnd.randint(1, 255) for _ in range(n))
    if r < 0.85:
        return b"{%d}" % rnd.choice([5, 70000, 4294967296])  # a sync literal: ends here
    if r < 0.9:
        return b"(" * rnd.randint(15, 40)
    return bytes(rnd.randint(33, 126) for _ in range(rnd.randint(1, 8)))


p = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                      "env", "MAILDIR=" + MD, BIN + "/imapd"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
buf = b""


def line():
    global buf
    while b"\r\n" not in buf:
        r, _, _ = select.select([p.stdout], [], [], 30)
        if not r:
            print("FAIL: no answer in 30 s", file=sys.stderr)
            p.kill()
            sys.exit(1)
        d = os.read(p.stdout.fileno(), 1 << 16)
        if not d:
            print("FAIL: imapd closed: %r" % p.stderr.read()[-2000:], file=sys.stderr)
            sys.exit(1)
        buf += d
    ln, buf = buf.split(b"\r\n", 1)
    return ln


def literal_skip(ln):
    global buf
    m = re.search(rb"\{(\d+)\}$", ln)
    while m:
        need = int(m.group(1))
        while len(buf) < need:
            r, _, _ = select.select([p.stdout], [], [], 30)
            if not r:
                print("FAIL: literal never came", file=sys.stderr)
                sys.exit(1)
            buf += os.read(p.stdout.fileno(), 1 << 16)
        buf = buf[need:]
        ln = line()
        m = re.search(rb"\{(\d+)\}$", ln)
    return ln


line()  # PREAUTH
for i in range(COUNT):
    tag = b"h%d" % i
    cmd = rnd.choice(CMDS)
    args = b" ".join(arg() for _ in range(rnd.randint(0, 5)))
    text = tag + b" " + cmd + (b" " + args if args else b"")
    sync = re.search(rb"\{(\d+)\}$", text)
    p.stdin.write(text + b"\r\n")
    p.stdin.flush()
    while True:
        ln = literal_skip(line())
        if ln.startswith(b"+ ") and sync:
            # a synchronizing literal was accepted: send it
            p.stdin.write(b"x" * int(sync.group(1)) + b"\r\n")
            p.stdin.flush()
            sync = None
            continue
        if ln.startswith(tag + b" "):
            if not re.match(rb"h\d+ (OK|NO|BAD)( |$)", ln):
                print("FAIL: %r -> %r" % (text[:200], ln), file=sys.stderr)
                sys.exit(1)
            break
        if ln.startswith(b"* BYE"):
            print("FAIL: BYE after %r: %r" % (text[:200], ln), file=sys.stderr)
            sys.exit(1)
        if ln.startswith(b"* BAD") or ln.startswith(b"+ idling"):
            if ln.startswith(b"+ idling"):
                p.stdin.write(b"DONE\r\n")
                p.stdin.flush()
            continue
p.stdin.write(b"z LOGOUT\r\n")
p.stdin.flush()
while not line().startswith(b"z "):
    pass
rc = p.wait(timeout=30)
if rc != 0:
    print("FAIL: imapd exited %d: %r" % (rc, p.stderr.read()[-2000:]), file=sys.stderr)
    sys.exit(1)
print("ok %d" % COUNT)

#!/usr/bin/python3
"""IMAP test client (Python's imaplib) for the imap-login / imapd tests.

  imap_check.py [options] PORT CMD [ARGS]

Options choose how to connect and log in: --starttls, --ssl (implicit
TLS), --user U --pass P with --auth LOGIN (the LOGIN command, default),
PLAIN (AUTHENTICATE PLAIN with SASL-IR), CRAM-MD5.  Commands:

  capability         prints the capabilities (before login); LOGOUT.
  login              logs in, prints the capabilities; LOGOUT.
  session MAILDIR    the whole session below, each step checked against
                     the Maildir on disk; prints "ok".
Exit 0 when every check held, 1 otherwise (the reason on stderr).
"""
import argparse
import imaplib
import os
import re
import ssl
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--starttls", action="store_true")
ap.add_argument("--ssl", action="store_true")
ap.add_argument("--user", default=os.environ.get("IMAP_USER", "joe"))
ap.add_argument("--pass", dest="pw", default=os.environ.get("IMAP_PASS", "secret"))
ap.add_argument("--auth", default="LOGIN")
ap.add_argument("port", type=int)
ap.add_argument("cmd")
ap.add_argument("args", nargs="*")
a = ap.parse_args()


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        die(msg)


def tls_ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def connect():
    if a.ssl:
        m = imaplib.IMAP4_SSL("127.0.0.1", a.port, ssl_context=tls_ctx(), timeout=60)
    else:
        m = imaplib.IMAP4("127.0.0.1", a.port, timeout=60)
    if a.starttls:
        m.starttls(ssl_context=tls_ctx())
    return m


def login(m):
    if a.auth == "LOGIN":
        typ, _ = m.login(a.user, a.pw)
    elif a.auth == "PLAIN":
        typ, _ = m.authenticate("PLAIN", lambda _: ("\0%s\0%s" % (a.user, a.pw)).encode())
    elif a.auth == "CRAM-MD5":
        typ, _ = m.login_cram_md5(a.user, a.pw)
    else:
        die("unknown --auth")
    check(typ == "OK", "login: " + typ)


def ok(res, what):
    typ, data = res
    check(typ == "OK", "%s: %s %r" % (what, typ, data))
    return data


def files(md, folder=""):
    d = os.path.join(md, folder) if folder else md
    out = []
    for sub in ("new", "cur"):
        p = os.path.join(d, sub)
        for n in sorted(os.listdir(p)):
            out.append((sub, n))
    return out


def content(md, folder, sub, name):
    with open(os.path.join(md, folder, sub, name), "rb") as f:
        return f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def session(md):
    m = connect()
    login(m)
    caps = ok(m.capability(), "CAPABILITY")[0].decode().upper().split()
    for c in ("IMAP4REV1", "UIDPLUS", "MOVE", "UNSELECT", "NAMESPACE", "IDLE",
              "SPECIAL-USE", "ENABLE"):
        check(c in caps, "capability %s missing: %r" % (c, caps))
    before = files(md)
    n = len(before)
    data = ok(m.select("INBOX"), "SELECT")
    check(int(data[0]) == n, "EXISTS %r, want %d" % (data, n))
    check(m.untagged_responses.get("UIDVALIDITY"), "no UIDVALIDITY")
    # every message, byte for byte, in UID order = delivery order
    data = ok(m.uid("FETCH", "1:*", "(UID RFC822.SIZE BODY.PEEK[])"), "UID FETCH")
    msgs = [d for d in data if isinstance(d, tuple)]
    check(len(msgs) == n, "fetched %d of %d" % (len(msgs), n))
    ondisk = {}
    for sub, name in files(md):
        ondisk[name.split(":")[0]] = content(md, "", sub, name)
    for head, body in msgs:
        size = int(re.search(rb"RFC822.SIZE (\d+)", head).group(1))
        check(size == len(body), "RFC822.SIZE %d but %d bytes" % (size, len(body)))
        check(body in ondisk.values(), "a fetched message differs from every file")
    # BODY[TEXT] and partials of BODY[] and BODY[TEXT], byte for byte
    rng = __import__("random").Random(3501)
    for (head, body) in msgs:
        uid = int(re.search(rb"UID (\d+)", head).group(1))
        text = body[body.index(b"\r\n\r\n") + 4:] if b"\r\n\r\n" in body else b""
        data = ok(m.uid("FETCH", str(uid), "(BODY.PEEK[TEXT])"), "FETCH TEXT")
        check(data[0][1] == text, "BODY[TEXT] of UID %d differs" % uid)
        for _ in range(3):
            o = rng.randint(0, len(body) + 10)
            ln = rng.randint(1, 5000)
            data = ok(m.uid("FETCH", str(uid), "(BODY.PEEK[]<%d.%d>)" % (o, ln)), "partial")
            got = data[0][1] if isinstance(data[0], tuple) else b""
            check(got == body[o:o + ln], "BODY[]<%d.%d> of UID %d differs" % (o, ln, uid))
            data = ok(m.uid("FETCH", str(uid), "(BODY.PEEK[TEXT]<%d.%d>)" % (o, ln)), "partial")
            got = data[0][1] if isinstance(data[0], tuple) else b""
            check(got == text[o:o + ln], "BODY[TEXT]<%d.%d> of UID %d differs" % (o, ln, uid))
    # ENVELOPE and BODYSTRUCTURE against each message's own header
    for (head, body) in msgs:
        uid = int(re.search(rb"UID (\d+)", head).group(1))
        mid = re.search(rb"(?im)^Message-ID: (<[^>]*>)", body).group(1)
        data = ok(m.uid("FETCH", str(uid), "(ENVELOPE BODYSTRUCTURE)"), "ENVELOPE")
        raw = b"".join(x if isinstance(x, bytes) else b"".join(x) for x in data)
        check(b'"' + mid + b'"' in raw, "ENVELOPE of UID %d lacks %r: %r" % (uid, mid, raw))
        for sub in (b"alternative", b"mixed"):
            if re.search(rb"(?im)^Content-Type: multipart/" + sub, body):
                check(b'"' + sub + b'"' in raw, "BODYSTRUCTURE of UID %d: %r" % (uid, raw))
    # BODY[n] and BODY[n.MIME] of multipart messages against Python's
    # own MIME parser (the line end before a boundary is the boundary's)
    import email
    import email.policy
    for (head, body) in msgs:
        uid = int(re.search(rb"UID (\d+)", head).group(1))
        pm = email.message_from_bytes(body.replace(b"\r\n", b"\n"),
                                      policy=email.policy.compat32)
        if not pm.is_multipart():
            continue
        for pn, sub in enumerate(pm.get_payload(), 1):
            data = ok(m.uid("FETCH", str(uid), "(BODY.PEEK[%d] BODY.PEEK[%d.MIME])" % (pn, pn)),
                      "BODY[n]")
            parts = [x[1] for x in data if isinstance(x, tuple)]
            want = sub.get_payload(decode=False)
            if isinstance(want, str):
                check(parts[0].replace(b"\r\n", b"\n") ==
                      want.encode("utf-8", "surrogateescape"),
                      "BODY[%d] of UID %d differs" % (pn, uid))
            check(all(parts[1].startswith(k.encode()) or
                      (k.encode() + b":") in parts[1] for k in sub.keys()[:1]),
                  "BODY[%d.MIME] of UID %d: %r" % (n, uid, parts[1][:80]))
    uids = [int(re.search(rb"UID (\d+)", h).group(1)) for h, _ in msgs]
    check(uids == sorted(uids) and len(set(uids)) == len(uids), "UIDs %r" % uids)
    # BODY.PEEK left everything unseen; BODY[] sets \Seen
    data = ok(m.search(None, "UNSEEN"), "SEARCH UNSEEN")
    check(len(data[0].split()) == n, "UNSEEN %r" % data)
    data = ok(m.fetch("1", "(BODY[HEADER.FIELDS (SUBJECT)])"), "FETCH HEADER.FIELDS")
    check(data[0][1].startswith(b"Subject: "), "HEADER.FIELDS %r" % data)
    data = ok(m.fetch("1", "(FLAGS)"), "FETCH FLAGS")
    check(b"\\Seen" in data[0], "BODY[] did not set \\Seen: %r" % data)
    check(any(n.endswith(",S") or ":2,S" in n for _, n in files(md)), "\\Seen not on disk")
    data = ok(m.fetch("2", "(BODY.PEEK[TEXT]<0.4> RFC822.HEADER)"), "partial")
    check(len(data[0][1]) == 4, "partial %r" % data)
    # SEARCH on headers and sizes
    data = ok(m.search(None, "SUBJECT", "message 3"), "SEARCH SUBJECT")
    check(data[0] == b"3", "SEARCH SUBJECT %r" % data)
    data = ok(m.search(None, "OR", "SEEN", "LARGER", "999999999"), "SEARCH OR")
    check(data[0] == b"1", "SEARCH OR %r" % data)
    data = ok(m.search(None, "NOT", "SEEN", "SMALLER", "999999999"), "SEARCH NOT")
    check(len(data[0].split()) == n - 1, "SEARCH NOT %r" % data)
    # STORE, COPY, EXPUNGE
    data = ok(m.store("2:3", "+FLAGS", "(\\Flagged \\Deleted)"), "STORE")
    check(len(data) == 2 and b"\\Deleted" in data[0], "STORE %r" % data)
    # keywords: kept in dovecot-keywords and as letters in the names
    ok(m.store("1", "+FLAGS", "($Label1 Work)"), "STORE keywords")
    data = ok(m.fetch("1", "(FLAGS)"), "FETCH keywords")
    check(b"$Label1 Work" in data[0], "keywords %r" % data)
    data = ok(m.search(None, "KEYWORD", "work"), "SEARCH KEYWORD")
    check(data[0] == b"1", "SEARCH KEYWORD %r" % data)
    with open(os.path.join(md, "dovecot-keywords")) as f:
        check(f.read() == "0 $Label1\n1 Work\n", "dovecot-keywords")
    check(any(re.search(r":2,\w*ab$", n) for _, n in files(md)), "keyword letters")
    ok(m.create("Projects.2026"), "CREATE")
    typ, data = m.create("Projects.2026")
    check(typ == "NO", "CREATE twice: %s %r" % (typ, data))
    data = ok(m.copy("2:3", "Projects.2026"), "COPY")
    check(b"[COPYUID " in data[0], "COPY %r" % data)
    typ, data = m.copy("1", "Nowhere")
    check(typ == "NO" and b"TRYCREATE" in data[0], "COPY to nowhere %r" % data)
    data = ok(m.expunge(), "EXPUNGE")
    check(data == [b"3", b"2"], "EXPUNGE responses %r" % data)
    check(len(files(md)) == n - 2, "files after EXPUNGE")
    check(len(files(md, ".Projects.2026")) == 2, "files in Projects.2026")
    # MOVE (RFC 6851) of the first message, by UID
    typ, data = m._simple_command("UID", "MOVE", str(uids[0]), "Projects.2026")
    check(typ == "OK", "UID MOVE %s %r" % (typ, data))
    check(len(files(md)) == n - 3, "files after MOVE")
    # APPEND with flags and a date, then STATUS
    msg = b"From: a@b.test\r\nSubject: appended\r\n\r\nhello\r\n"
    data = ok(m.append("Projects.2026", "(\\Seen)", '"01-Jan-2026 10:00:00 +0000"', msg),
              "APPEND")
    check(b"[APPENDUID " in data[0], "APPEND %r" % data)
    data = ok(m.status("Projects.2026", "(MESSAGES UNSEEN UIDNEXT)"), "STATUS")
    check(b"MESSAGES 4" in data[0] and b"UNSEEN 2" in data[0] and b"UIDNEXT 5" in data[0],
          "STATUS %r" % data)
    # LIST and LSUB
    data = ok(m.list('""', "*"), "LIST")
    names = [d.decode() for d in data]
    check(any(x.endswith('"." INBOX') for x in names), "LIST %r" % names)
    check(any(x.endswith(" Projects.2026") for x in names), "LIST %r" % names)
    data = ok(m.list('""', "%"), "LIST %")
    check(any("\\Noselect" in d.decode() and d.decode().endswith(" Projects") for d in data),
          "LIST %% %r" % data)
    # SPECIAL-USE folders made at the first login, subscribed
    for name, use in (("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"),
                      ("Junk", "\\Junk"), ("Archive", "\\Archive")):
        check(any(use in d.decode() and d.decode().endswith(" " + name) for d in data),
              "no %s %s in %r" % (use, name, data))
    ok(m.subscribe("Projects.2026"), "SUBSCRIBE")
    data = ok(m.lsub('""', "*"), "LSUB")
    check(len(data) == 6 and any(d.endswith(b" Projects.2026") for d in data), "LSUB %r" % data)
    # LIST-EXTENDED and LIST-STATUS
    typ, dat = m._simple_command("LIST", "(SUBSCRIBED)", '""', "*")
    lst = m._untagged_response(typ, dat, "LIST")[1]
    check(typ == "OK" and len(lst) == 6 and all(b"\\Subscribed" in x for x in lst),
          "LIST (SUBSCRIBED) %r" % lst)
    typ, dat = m._simple_command("LIST", '""', "(Projects.2026 INBOX)", "RETURN",
                                 "(STATUS (MESSAGES UNSEEN))")
    st = m._untagged_response(typ, dat, "STATUS")[1]
    check(typ == "OK" and any(b"Projects.2026 (MESSAGES 4 UNSEEN 2)" in x for x in st),
          "LIST-STATUS %r" % st)
    # RENAME and DELETE, and INBOX cannot be deleted
    ok(m.rename("Projects.2026", "Old"), "RENAME")
    check(os.path.isdir(os.path.join(md, ".Old", "cur")), "RENAME on disk")
    typ, _ = m.delete("INBOX")
    check(typ == "NO", "DELETE INBOX allowed")
    ok(m.select("Old", readonly=True), "EXAMINE")
    typ, data = m.store("1", "+FLAGS", "\\Deleted")
    check(typ == "NO", "STORE in a read-only mailbox")
    data = ok(m.fetch("1:*", "(FLAGS)"), "FETCH in Old")
    check(len(data) == 4, "Old has %r" % data)
    ok(m.close(), "CLOSE")
    ok(m.delete("Old"), "DELETE")
    check(not os.path.exists(os.path.join(md, ".Old")), "DELETE on disk")
    m.logout()
    print("ok")


def main():
    if a.cmd == "capability":
        m = connect()
        print(" ".join(sorted(m.capabilities)))
        m.logout()
    elif a.cmd == "login":
        m = connect()
        login(m)
        typ, data = m.capability()
        print(data[0].decode())
        m.logout()
    elif a.cmd == "session":
        session(a.args[0])
    else:
        die("unknown command")


try:
    main()
except imaplib.IMAP4.error as e:
    die("imaplib: %s" % e)

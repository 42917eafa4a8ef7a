#!/usr/bin/python3
"""Writes realistic MIME messages, one file each, for the POP3 tests.

  pop3_mkmail.py OUTDIR COUNT [BIGBYTES]

Message i is OUTDIR/msgNNN.  They mix text/plain (quoted-printable,
UTF-8), multipart/alternative with HTML, base64 attachments of random
bytes, lines that start with "." or are "." alone (byte-stuffing), long
lines, a CRLF-ended file, a file without a final line end, and, with
BIGBYTES, one large attachment.  Deterministic (seeded).
"""
import os
import random
import sys
from email.message import EmailMessage
from email.policy import default

out, count = sys.argv[1], int(sys.argv[2])
big = int(sys.argv[3]) if len(sys.argv) > 3 else 0
rnd = random.Random(1939)
os.makedirs(out, exist_ok=True)

WORDS = ("courrier facteur lettre boîte poste timbre enveloppe réponse "
         "message maildir pop3 serveur client données").split()


def text(lines):
    body = []
    for _ in range(lines):
        n = rnd.randint(0, 14)
        body.append(" ".join(rnd.choice(WORDS) for _ in range(n)))
    return "\n".join(body) + "\n"


for i in range(1, count + 1):
    m = EmailMessage(policy=default)
    m["From"] = f"Sender {i} <sender{i}@example.org>"
    m["To"] = "joe@example.net"
    m["Subject"] = f"Test message {i} — été"
    m["Message-ID"] = f"<pop3-test-{i}@example.org>"
    m["Date"] = "Fri, 04 Dec 2026 05:00:00 +0000"
    kind = i % 5
    body = text(rnd.randint(1, 60))
    if i % 3 == 0:
        body = ".\n.leading dot\n..two dots\n" + body + ".\n"
    if kind == 0:
        m.set_content(body)
    elif kind == 1:
        m.set_content(body, subtype="plain", cte="quoted-printable")
        m.add_alternative("<html><body><p>" + body.replace("\n", "<br>\n")
                          + "</p></body></html>\n", subtype="html")
    elif kind == 2:
        m.set_content(body)
        m.add_attachment(rnd.randbytes(rnd.randint(100, 60000)),
                         maintype="application", subtype="octet-stream",
                         filename=f"data{i}.bin")
    elif kind == 3:
        m.set_content(body + ("x" * 900) + "\n")  # a long line
    else:
        m.set_content(body, cte="8bit")
    data = m.as_bytes(policy=default)
    if i == 4:
        data = data.replace(b"\n", b"\r\n")     # a file with CRLF ends
    if i == 5:
        data = data.rstrip(b"\n")                # no final line end
    with open(os.path.join(out, f"msg{i:03d}"), "wb") as f:
        f.write(data)

if big:
    m = EmailMessage(policy=default)
    m["From"] = "big@example.org"
    m["To"] = "joe@example.net"
    m["Subject"] = "a large attachment"
    m.set_content("see attachment\n.\n")
    m.add_attachment(rnd.randbytes(big), maintype="application",
                     subtype="octet-stream", filename="big.bin")
    with open(os.path.join(out, f"msg{count + 1:03d}"), "wb") as f:
        f.write(m.as_bytes(policy=default))

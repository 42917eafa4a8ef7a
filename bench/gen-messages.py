#!/usr/bin/env python3
"""Deterministic corpus of realistic RFC 5322 / MIME messages for the benches.

    gen-messages.py [--seed S] --count N --out DIR
        N messages DIR/msg-00000.eml ...; prints one summary line.
    gen-messages.py [--seed S] --big BYTES --out FILE
        one message of exactly BYTES bytes (mostly a base64 attachment).

Same seed and same arguments give byte-identical files (only Python's
random.Random(seed) is used: Mersenne Twister, stable across versions), so
two runs of a bench deliver the same bytes.  The summary line prints a
SHA-256 over the whole corpus to make that checkable.

Sizes are between 2 KiB and 200 KiB, skewed small like real mail:
  ~70 %  2-20 KiB   (plain text, or text + HTML alternative)
  ~20 % 20-50 KiB   (often with a small attachment)
  ~10 % 50-200 KiB  (an attachment or two: PDF, PNG, ZIP)
About 40 % of the messages use CRLF line ends, the rest LF.
"""

import argparse
import hashlib
import math
import os
import random
import sys

MIN_SIZE = 2 * 1024
MAX_SIZE = 200 * 1024

WORDS = (
    "the of and to in is that for it as was with be by on not he this are or "
    "his from at which but have an they you were her she there been one all "
    "we their has would when if so no will more can about out up them some "
    "could what into than then only other time new these two may first "
    "meeting invoice attached report quarter budget review draft schedule "
    "deadline customer release server deploy ticket update please thanks "
    "regards question proposal contract delivery shipment order payment "
    "agenda minutes project milestone feedback summary figures estimate "
    "approval request renewal account password reminder conference travel "
    "hotel flight receipt statement balance transfer newsletter subscription "
    "weekend family photos dinner birthday holiday garden recipe weather"
).split()

FIRST = ("Alice Bob Carol David Erin Frank Grace Heidi Ivan Judy Mallory "
         "Niaj Olivia Peggy Rupert Sybil Trent Victor Walter Zoé Jürgen "
         "Amélie Søren").split()
LAST = ("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy "
        "Moreau Simon Laurent Lefebvre Michel Garcia Smith Jones Müller "
        "Novák Kowalski Rossi").split()
DOMAINS = ("example.org example.com example.net mail.example.org "
           "corp.example.com lists.example.net shop.example.com").split()
MAILERS = ("Mozilla Thunderbird 115.6.0", "Microsoft Outlook 16.0",
           "Apple Mail (2.3774)", "Roundcube Webmail/1.6.5",
           "Mutt/2.2.9 (2022-11-12)", "K-9 Mail for Android")
ATTACH = (("application/pdf", "pdf"), ("image/png", "png"),
          ("image/jpeg", "jpg"), ("application/zip", "zip"),
          ("application/vnd.openxmlformats-officedocument."
           "wordprocessingml.document", "docx"),
          ("text/calendar", "ics"))
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def rand_bytes(rng, n):
    return rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""


def ascii_fold(s):
    table = str.maketrans("éèüöøåäçñ", "eeuooaacn")
    return s.translate(table)


def person(rng):
    f, l = rng.choice(FIRST), rng.choice(LAST)
    addr = "%s.%s@%s" % (ascii_fold(f).lower(), ascii_fold(l).lower(),
                         rng.choice(DOMAINS))
    name = "%s %s" % (f, l)
    if any(ord(c) > 127 for c in name):
        # RFC 2047 encoded-word, as real MUAs emit.
        import base64
        enc = base64.b64encode(name.encode()).decode()
        return "=?UTF-8?B?%s?= <%s>" % (enc, addr), addr
    return '"%s" <%s>' % (name, addr), addr


def date(rng):
    # Fixed epoch range (2024), no clock read: deterministic.
    d, mo, y = rng.randint(1, 28), rng.randint(0, 11), 2024
    wd = DAYS[(d + mo * 3) % 7]
    return "%s, %d %s %d %02d:%02d:%02d %+05d" % (
        wd, d, MONTHS[mo], y, rng.randint(0, 23), rng.randint(0, 59),
        rng.randint(0, 59), rng.choice((0, 100, 200, -500, -800, 530)))


def sentence(rng):
    n = rng.randint(5, 18)
    w = [rng.choice(WORDS) for _ in range(n)]
    w[0] = w[0].capitalize()
    return " ".join(w) + rng.choice(".....?!")


def wrap(text, width=72):
    out, line = [], ""
    for w in text.split(" "):
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = w if not line else line + " " + w
    if line:
        out.append(line)
    return out


def text_body(rng, budget):
    """Plain-text lines totalling about `budget` bytes (LF counted)."""
    lines, size = [], 0
    greeting = "Hi %s," % rng.choice(FIRST)
    lines += [greeting, ""]
    size += len(greeting.encode()) + 2
    while size < budget:
        para = " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))
        for ln in wrap(para):
            lines.append(ln)
            size += len(ln) + 1
        lines.append("")
        size += 1
        if rng.random() < 0.08:
            # a quoted block, as in replies
            for _ in range(rng.randint(2, 6)):
                q = "> " + sentence(rng)
                lines.append(q)
                size += len(q) + 1
            lines.append("")
            size += 1
    lines += ["Regards,", rng.choice(FIRST), "", "-- ",
              "Sent from a bench corpus; not a real person."]
    return lines


def html_body(text_lines):
    out = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\">"
           "<style>p{font-family:sans-serif}</style></head><body>"]
    para = []
    for ln in text_lines:
        if ln == "":
            if para:
                out.append("<p>" + " ".join(para).replace("&", "&amp;")
                           .replace("<", "&lt;").replace(">", "&gt;")
                           + "</p>")
                para = []
        else:
            para.append(ln)
    if para:
        out.append("<p>" + " ".join(para) + "</p>")
    out.append("</body></html>")
    # keep lines under 998 octets
    res = []
    for ln in out:
        while len(ln) > 76:
            res.append(ln[:76])
            ln = ln[76:]
        res.append(ln)
    return res


def b64_lines(data):
    import base64
    enc = base64.b64encode(data).decode()
    return [enc[i:i + 76] for i in range(0, len(enc), 76)]


def b64_raw_len(target_encoded):
    """Raw byte count whose base64 (76-col lines + LF) is <= target."""
    if target_encoded <= 0:
        return 0
    chars = target_encoded * 76 // 77
    return max(0, chars // 4 * 3)


def headers(rng, idx, subject, ctype_lines):
    frm, faddr = person(rng)
    to, taddr = person(rng)
    hops = rng.randint(1, 4)
    h = []
    h.append("Return-Path: <%s>" % faddr)
    for k in range(hops):
        h.append("Received: from mx%d.%s (mx%d.%s [192.0.2.%d])" %
                 (k, rng.choice(DOMAINS), k, rng.choice(DOMAINS),
                  rng.randint(1, 254)))
        h.append("\tby mail.example.net (facteur) with ESMTPS id %08X" %
                 rng.getrandbits(32))
        h.append("\tfor <%s>; %s" % (taddr, date(rng)))
    if rng.random() < 0.6:
        sig = "".join(b64_lines(rand_bytes(rng, 192)))
        h.append("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; "
                 "d=%s; s=sel%d;" % (faddr.split("@")[1], rng.randint(1, 9)))
        h.append("\th=from:to:subject:date:message-id:mime-version; "
                 "bh=%s=;" % "".join(b64_lines(rand_bytes(rng, 32)))[:43])
        for i in range(0, len(sig), 70):
            h.append("\tb=" + sig[i:i + 70] if i == 0 else "\t" +
                     sig[i:i + 70])
    h.append("Message-ID: <%d.%08x@%s>" % (idx, rng.getrandbits(32),
                                          faddr.split("@")[1]))
    h.append("Date: " + date(rng))
    h.append("From: " + frm)
    h.append("To: " + to)
    if rng.random() < 0.3:
        h.append("Cc: " + ", ".join(person(rng)[0]
                                    for _ in range(rng.randint(1, 3))))
    h.append("Subject: " + subject)
    if rng.random() < 0.4:
        h.append("In-Reply-To: <%08x@%s>" % (rng.getrandbits(32),
                                             rng.choice(DOMAINS)))
    if rng.random() < 0.2:
        h.append("List-Id: <bench.lists.example.net>")
        h.append("List-Unsubscribe: <mailto:leave@lists.example.net>")
    h.append("User-Agent: " + rng.choice(MAILERS))
    h.append("MIME-Version: 1.0")
    h += ctype_lines
    return h


def build(rng, idx, target):
    """One message of about `target` bytes (LF line ends), as list of lines."""
    subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
    subject = rng.choice(("", "Re: ", "Fwd: ", "[bench] ")) + \
        subject.capitalize()
    overhead = 1500  # headers + MIME scaffolding, roughly
    body_budget = max(300, target - overhead)
    want_attach = (target > 50 * 1024 and rng.random() < 0.9) or \
        (target > 20 * 1024 and rng.random() < 0.5) or rng.random() < 0.05
    want_html = rng.random() < 0.5
    bnd = "=_bench_%016x" % rng.getrandbits(64)
    alt = "=_alt_%016x" % rng.getrandbits(64)

    if not want_attach and not want_html:
        body = text_body(rng, body_budget)
        h = headers(rng, idx, subject,
                    ["Content-Type: text/plain; charset=utf-8; format=flowed",
                     "Content-Transfer-Encoding: 8bit"])
        return h + [""] + body

    if want_attach:
        text_budget = min(body_budget // 3, rng.randint(800, 6000))
    else:
        text_budget = body_budget * 2 // 5
    text = text_body(rng, text_budget)
    parts = []
    if want_html:
        html = html_body(text)
        parts += ["--" + alt,
                  "Content-Type: text/plain; charset=utf-8",
                  "Content-Transfer-Encoding: 8bit", ""] + text
        parts += ["--" + alt,
                  "Content-Type: text/html; charset=utf-8",
                  "Content-Transfer-Encoding: 8bit", ""] + html
        parts += ["--" + alt + "--", ""]
        textpart = ["Content-Type: multipart/alternative; "
                    "boundary=\"%s\"" % alt, ""] + parts
    else:
        textpart = ["Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: 8bit", ""] + text

    if not want_attach:
        # text + HTML alternative, no attachment
        h = headers(rng, idx, subject, [textpart[0]])
        return h + [""] + textpart[2:]

    used = sum(len(x.encode()) + 1 for x in textpart) + overhead
    remain = max(512, target - used)
    natt = 1 if remain < 60 * 1024 or rng.random() < 0.7 else 2
    mixed = ["This is a multi-part message in MIME format.", "",
             "--" + bnd] + textpart
    for a in range(natt):
        ctype, ext = rng.choice(ATTACH)
        enc_budget = remain // natt - 300
        raw = rand_bytes(rng, b64_raw_len(enc_budget))
        name = "%s-%d.%s" % (rng.choice(WORDS), rng.randint(1, 999), ext)
        mixed += ["--" + bnd,
                  "Content-Type: %s; name=\"%s\"" % (ctype, name),
                  "Content-Disposition: attachment; filename=\"%s\"" % name,
                  "Content-Transfer-Encoding: base64", ""]
        mixed += b64_lines(raw)
    mixed += ["--" + bnd + "--", ""]
    h = headers(rng, idx, subject,
                ["Content-Type: multipart/mixed; boundary=\"%s\"" % bnd])
    return h + [""] + mixed


def fit(lines, target, rng):
    """Encode; pad short ones with trailing text, cut long ones to size."""
    data = ("\n".join(lines) + "\n").encode()
    if len(data) < MIN_SIZE:
        pad = []
        while len(data) + sum(len(p) + 1 for p in pad) < MIN_SIZE + 64:
            pad += wrap(sentence(rng))
        data += ("\n".join(pad) + "\n").encode()
    if len(data) > MAX_SIZE:
        # cut whole lines from the end, keep a final newline
        data = data[:MAX_SIZE - 1]
        data = data[:data.rfind(b"\n") + 1]
    return data


def pick_size(rng):
    r = rng.random()
    if r < 0.70:
        lo, hi = 2 * 1024, 20 * 1024
    elif r < 0.90:
        lo, hi = 20 * 1024, 50 * 1024
    else:
        lo, hi = 50 * 1024, 200 * 1024
    # log-uniform inside the band: more small ones within each band too
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def corpus(seed, count, out):
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    digest = hashlib.sha256()
    total, crlf = 0, 0
    bands = [0, 0, 0]
    for i in range(count):
        target = pick_size(rng)
        data = fit(build(rng, i, target), target, rng)
        if rng.random() < 0.40:
            data = data.replace(b"\n", b"\r\n")
            crlf += 1
        path = os.path.join(out, "msg-%05d.eml" % i)
        with open(path, "wb") as f:
            f.write(data)
        digest.update(data)
        total += len(data)
        n = len(data)
        bands[0 if n <= 20 * 1024 else 1 if n <= 50 * 1024 else 2] += 1
    print("corpus: %d messages, %.1f MB, <=20K %d, 20-50K %d, >50K %d, "
          "CRLF %d, seed %d, sha256 %s" %
          (count, total / 1e6, bands[0], bands[1], bands[2], crlf, seed,
           digest.hexdigest()[:16]))


def big(seed, size, out):
    rng = random.Random(seed ^ 0x5A5A)
    frm, _ = person(rng)
    to, _ = person(rng)
    bnd = "=_big_%016x" % rng.getrandbits(64)
    head = [
        "Message-ID: <big.%08x@example.org>" % rng.getrandbits(32),
        "Date: " + date(rng), "From: " + frm, "To: " + to,
        "Subject: Quarterly archive (large attachment)",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"%s\"" % bnd, "",
        "--" + bnd, "Content-Type: text/plain; charset=utf-8", "",
    ] + text_body(rng, 1500) + [
        "--" + bnd,
        "Content-Type: application/zip; name=\"archive.zip\"",
        "Content-Disposition: attachment; filename=\"archive.zip\"",
        "Content-Transfer-Encoding: base64", ""]
    tail = ("--" + bnd + "--\n").encode()
    start = ("\n".join(head) + "\n").encode()
    room = size - len(start) - len(tail)
    lines = b64_lines(rand_bytes(rng, b64_raw_len(room)))
    body = ("\n".join(lines) + "\n").encode()
    data = start + body + tail
    # Fill to the exact size in the epilogue (after the close delimiter,
    # ignored by MIME parsers), 76-column lines.
    short = size - len(data)
    while short > 0:
        n = min(short, 77)
        data += b"." * (n - 1) + b"\n"
        short -= n
    with open(out, "wb") as f:
        f.write(data)
    print("big message: %d bytes" % len(data))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20240917)
    ap.add_argument("--count", type=int)
    ap.add_argument("--big", type=int, metavar="BYTES")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.big:
        big(a.seed, a.big, a.out)
    elif a.count is not None and a.count > 0:
        corpus(a.seed, a.count, a.out)
    else:
        ap.error("need --count N (N > 0) or --big BYTES")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Concurrent imapd sessions and deliveries on one Maildir.

  imap_concurrent.py BIN MAILDIR

Runs imapd directly (PREAUTH) as uid 65534 through setpriv, twice on
the same INBOX, while maildeliver adds messages and the sessions flag,
expunge and append; then four sessions APPEND at the same moment.
Checks after every round that each session's view (tracked from its
untagged EXISTS and EXPUNGE responses) matches UID FETCH, that UIDs are
strictly ascending, that a UID always names the same message (its
Message-ID), and at the end that both views agree with each other and
with the Maildir.  Then it loses and damages the UID list and checks the
rebuild.  Bounded: a fixed number of rounds, every read with a timeout.
Prints "ok"; exits 1 with the reason otherwise.
"""
import os
import random
import re
import select
import subprocess
import sys
import threading

BIN, MD = sys.argv[1], sys.argv[2]
AS_USER = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
rnd = random.Random(3501)
uid_owner = {}  # UID -> Message-ID, across the whole run


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


class Session:
    n = 0

    def __init__(self):
        self.p = subprocess.Popen(AS_USER + [BIN + "/imapd", MD],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        self.buf = b""
        self.exists = 0
        greet = self.line()
        if not greet.startswith(b"* PREAUTH"):
            die("greeting %r" % greet)

    def line(self):
        while b"\r\n" not in self.buf:
            r, _, _ = select.select([self.p.stdout], [], [], 30)
            if not r:
                die("timeout reading imapd")
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                die("imapd closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def literal(self, n):
        while len(self.buf) < n:
            r, _, _ = select.select([self.p.stdout], [], [], 30)
            if not r:
                die("timeout reading a literal")
            self.buf += os.read(self.p.stdout.fileno(), 65536)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def cmd(self, text, lit=None):
        Session.n += 1
        tag = b"t%d" % Session.n
        if lit is None:
            self.p.stdin.write(tag + b" " + text + b"\r\n")
        else:
            self.p.stdin.write(tag + b" " + text + b" {%d+}\r\n" % len(lit) + lit + b"\r\n")
        self.p.stdin.flush()
        out = []
        while True:
            ln = self.line()
            m = re.search(rb"\{(\d+)\}$", ln)
            if m:
                ln += b"\r\n" + self.literal(int(m.group(1))) + self.line()
            if ln.startswith(tag + b" "):
                if not ln.startswith(tag + b" OK"):
                    die("%r -> %r" % (text, ln))
                return out, ln
            m = re.match(rb"\* (\d+) (EXISTS|EXPUNGE)$", ln)
            if m:
                k = int(m.group(1))
                if m.group(2) == b"EXISTS":
                    if k < self.exists:
                        die("EXISTS went down: %d after %d" % (k, self.exists))
                    self.exists = k
                else:
                    if k < 1 or k > self.exists:
                        die("EXPUNGE %d of %d" % (k, self.exists))
                    self.exists -= 1
            out.append(ln)

    def uids(self):
        out, _ = self.cmd(b"UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        res = []
        for ln in out:
            m = re.match(rb"\* (\d+) FETCH \(UID (\d+) .*Message-ID: (<[^>]*>)", ln,
                         re.S | re.I)
            if m:
                seq, uid, mid = int(m.group(1)), int(m.group(2)), m.group(3)
                if seq != len(res) + 1:
                    die("FETCH sequence %d at position %d" % (seq, len(res) + 1))
                if uid_owner.setdefault(uid, mid) != mid:
                    die("UID %d named %r, now %r" % (uid, uid_owner[uid], mid))
                res.append(uid)
        if res != sorted(set(res)):
            die("UIDs not strictly ascending: %r" % res)
        if len(res) != self.exists:
            die("view has %d, FETCH %d" % (self.exists, len(res)))
        return res

    def close(self):
        self.cmd(b"LOGOUT")
        rc = self.p.wait(timeout=30)
        if rc != 0:
            die("imapd exited %d (a sanitizer report?)" % rc)


counter = [0]


def deliver(k=1):
    for _ in range(k):
        counter[0] += 1
        msg = ("From: t@example.org\nSubject: m%d\nMessage-ID: <c%d@test>\n\nbody %d\n"
               % (counter[0], counter[0], counter[0])).encode()
        subprocess.run(AS_USER + [BIN + "/maildeliver", MD], input=msg, check=True,
                       stderr=subprocess.DEVNULL)


def on_disk():
    n = 0
    for sub in ("new", "cur"):
        n += len(os.listdir(os.path.join(MD, sub)))
    return n


deliver(5)
a, b = Session(), Session()
a.cmd(b"SELECT INBOX")
b.cmd(b"SELECT INBOX")
for rnd_i in range(25):
    deliver(rnd.randint(0, 3))
    a.cmd(b"NOOP")
    ua = a.uids()
    if ua and rnd.random() < 0.6:
        a.cmd(b"UID STORE %d +FLAGS.SILENT (\\Deleted)" % rnd.choice(ua))
    if rnd_i % 4 == 3:
        a.cmd(b"EXPUNGE")
    if rnd.random() < 0.3:
        counter[0] += 1
        a.cmd(b"APPEND INBOX", b"Message-ID: <c%d@test>\r\n\r\nappended\r\n" % counter[0])
    b.cmd(b"NOOP")
    ub = b.uids()
    # FETCH must not expunge: B's view may only have grown
    b.cmd(b"FETCH 1:* (FLAGS)") if b.exists else None
a.cmd(b"NOOP")
b.cmd(b"NOOP")
ua, ub = a.uids(), b.uids()
if ua != ub:
    die("sessions disagree: %r vs %r" % (ua, ub))
if len(ua) != on_disk():
    die("%d in the views, %d on disk" % (len(ua), on_disk()))

# Four sessions append at once; deliveries go on meanwhile.
errors = []


def appender(k):
    try:
        s = Session()
        for i in range(15):
            s.cmd(b"APPEND INBOX", b"Message-ID: <p%d.%d@test>\r\n\r\nx\r\n" % (k, i))
        s.close()
    except SystemExit:
        errors.append(k)


threads = [threading.Thread(target=appender, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
deliver(10)
for t in threads:
    t.join(120)
if errors:
    die("appenders failed: %r" % errors)
a.cmd(b"NOOP")
ua = a.uids()
if len(ua) != on_disk() or len(ua) != len(set(ua)):
    die("after parallel APPEND: %d UIDs, %d files" % (len(ua), on_disk()))

# IDLE: a delivery is announced without the client asking (inotify).
before = a.exists
a.p.stdin.write(b"i1 IDLE\r\n")
a.p.stdin.flush()
if a.line() != b"+ idling":
    die("no IDLE continuation")
deliver(1)
ln = a.line()
if ln != b"* %d EXISTS" % (before + 1):
    die("IDLE: %r, want EXISTS %d" % (ln, before + 1))
a.line()  # RECENT
b.cmd(b"NOOP")
b.cmd(b"UID STORE %d +FLAGS (\\Flagged)" % b.uids()[0])
ln = a.line()
if not re.match(rb"\* 1 FETCH \(FLAGS \(.*\\Flagged", ln):
    die("IDLE: flag change %r" % ln)
a.p.stdin.write(b"DONE\r\n")
a.p.stdin.flush()
if a.line() != b"i1 OK IDLE terminated":
    die("IDLE not ended by DONE")
# IDLE ended by anything but DONE is a bad command
a.p.stdin.write(b"i2 IDLE\r\nNOOP\r\n")
a.p.stdin.flush()
a.line()
if a.line() != b"i2 BAD Expected DONE":
    die("IDLE without DONE")
a.exists += 1
a.close()
b.close()

# A 20 MB message is sent from the file, not from memory: imapd's peak
# RSS stays small (not checked under the sanitizers, whose shadow
# memory is large).
big = Session()
big.cmd(b"SELECT INBOX")
counter[0] += 1
body = b"".join(b"line %08d of a large message, LF ended\n" % i for i in range(500000))
subprocess.run(AS_USER + [BIN + "/maildeliver", MD], check=True, stderr=subprocess.DEVNULL,
               input=b"Message-ID: <big@test>\nSubject: big\n\n" + body)
big.cmd(b"NOOP")
out, _ = big.cmd(b"FETCH %d (BODY.PEEK[] RFC822.SIZE)" % big.exists)
got = out[-1]
want = (b"Message-ID: <big@test>\nSubject: big\n\n" + body).replace(b"\n", b"\r\n")
if want not in got or b"RFC822.SIZE %d" % len(want) not in got:
    die("large message differs (%d bytes fetched)" % len(got))
with open("/proc/%d/status" % big.p.pid) as f:
    hwm = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))
if "ASAN_OPTIONS" not in os.environ and hwm > 16 * 1024:
    die("imapd peak RSS %d kB for a 20 MB message" % hwm)
print("peak RSS of imapd after FETCH of a %d-byte message: %d kB" % (len(want), hwm))
big.close()

# The UID list lost: rebuilt with a new UIDVALIDITY, nothing missing.
with open(os.path.join(MD, "facteur-uidlist")) as f:
    old = f.read().split("\n")
validity = old[0].split()[2]
c = Session()
c.cmd(b"SELECT INBOX")
os.unlink(os.path.join(MD, "facteur-uidlist"))
out, _ = Session().cmd(b"SELECT INBOX")
newv = [re.search(rb"UIDVALIDITY (\d+)", x).group(1) for x in out if b"UIDVALIDITY" in x][0]
if newv.decode() == validity:
    die("UIDVALIDITY kept after the list was lost")
uid_owner.clear()  # a new UIDVALIDITY: UIDs start afresh
# a session that still holds the old UIDVALIDITY is told to go
c.p.stdin.write(b"x NOOP\r\n")
c.p.stdin.flush()
ln = c.line()
while not ln.startswith(b"* BYE") and not ln.startswith(b"x "):
    ln = c.line()
if not ln.startswith(b"* BYE"):
    die("old session not told: %r" % ln)
# A damaged line: that message gets a new UID, the others keep theirs.
with open(os.path.join(MD, "facteur-uidlist")) as f:
    lines = f.read().split("\n")
before = {ln.split(" ")[3]: ln.split(" ")[0] for ln in lines[1:] if ln}
lines[2] = "garbage line"
with open(os.path.join(MD, "facteur-uidlist"), "w") as f:
    f.write("\n".join(lines))
d = Session()
d.cmd(b"SELECT INBOX")
d.uids()
with open(os.path.join(MD, "facteur-uidlist")) as f:
    after = {ln.split(" ")[3]: ln.split(" ")[0] for ln in f.read().split("\n")[1:] if ln}
changed = [n for n in before if after.get(n) != before[n]]
if len(changed) != 1 or len(after) != len(before):
    die("damaged line: %d UIDs changed (want 1), %d of %d kept"
        % (len(changed), len(after), len(before)))
d.close()
print("ok %d messages, %d UIDs seen" % (on_disk(), len(uid_owner)))

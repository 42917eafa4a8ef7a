# maildeliver: 500 deliveries from 50 concurrent processes give 500
# distinct, intact files, which a real Maildir reader then reads.
. "$(dirname "$0")/lib.sh"
set -e
MD="$BIN/maildeliver"
M="$T/Maildir"
mkdir -p "$M/tmp" "$M/new" "$M/cur"

say "make 500 distinct messages of mixed sizes"
python3 - "$T/msgs" <<'PY'
import hashlib, os, random, sys
d = sys.argv[1]
os.makedirs(d)
rnd = random.Random(7)
for i in range(500):
    body = "".join(rnd.choice("abcdefghij klmnop\n") for _ in range(rnd.choice([200, 2000, 20000])))
    digest = hashlib.sha256(body.encode()).hexdigest()
    eol = "\r\n" if i % 2 else "\n"
    hdr = [f"From: sender{i}@example.test", "To: demo@example.test",
           f"Subject: message {i}", f"Message-ID: <{i}@example.test>",
           f"X-Body-SHA256: {digest}", "MIME-Version: 1.0",
           "Content-Type: text/plain; charset=us-ascii"]
    text = eol.join(hdr) + eol + eol + body.replace("\n", eol)
    with open(os.path.join(d, str(i)), "w", newline="") as f:
        f.write(text)
PY

say "deliver them from 50 processes at once, 10 each"
pids=""
for p in $(seq 0 49); do
	(
		for k in $(seq 0 9); do
			i=$((p * 10 + k))
			"$MD" -f "sender$i@example.test" -r demo@example.test "$M" <"$T/msgs/$i" ||
				{ echo "delivery $i failed" >&2; exit 1; }
		done
	) &
	pids="$pids $!"
done
bad=0
for pid in $pids; do wait "$pid" || bad=1; done
[ "$bad" = 0 ] || fail "a delivery failed"
[ "$(count "$M/new")" = 500 ] || fail "$(count "$M/new") files in new/, want 500"
[ "$(count "$M/tmp")" = 0 ] || fail "files left in tmp/"
[ "$(ls "$M/new" | sort -u | wc -l)" = 500 ] || fail "names not distinct"

say "read the Maildir back with Python's mailbox.Maildir and check every message"
python3 - "$M" <<'PY'
import email.policy, hashlib, mailbox, re, sys
md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
seen = set()
for key, msg in md.items():
    n = int(msg["Subject"].split()[1])
    assert msg["Return-Path"] == f"<sender{n}@example.test>", msg["Return-Path"]
    assert msg["Delivered-To"] == "demo@example.test"
    assert msg["From"] == f"sender{n}@example.test"
    raw = md.get_bytes(key)
    assert b"\r\n" not in raw, f"CRLF left in {key}"
    body = msg.get_payload()
    assert hashlib.sha256(body.encode()).hexdigest() == msg["X-Body-SHA256"], f"body of {n} damaged"
    size = int(re.search(r",S=(\d+)", key + "," + md._toc[key]).group(1))
    assert size == len(raw), f"S={size} but {len(raw)} bytes"
    seen.add(n)
assert seen == set(range(500)), f"missing {sorted(set(range(500)) - seen)[:10]}"
print("python mailbox read", len(seen), "messages")
PY

say "mutt reads the same Maildir (driven through a pty by script(1))"
command -v mutt >/dev/null 2>&1 || fail "mutt is not installed (apt-get install mutt)"
# mutt tags every message and copies them into an mbox; all 500 must be there.
# $folder must exist, or mutt first asks whether to create ~/Mail.
printf 'set folder=%s\nset mbox_type=mbox\nset confirmcreate=no\nset confirmappend=no\nset quit=yes\n' "$T" >"$T/muttrc"
TERM=xterm HOME=$T timeout 120 script -qec \
	"mutt -n -F '$T/muttrc' -f '$M' -e 'push \"T~A<enter>;C$T/out.mbox<enter>q\"'" \
	"$T/typescript" </dev/null >/dev/null 2>&1 || fail "mutt failed"
[ -f "$T/out.mbox" ] || fail "mutt wrote no mbox"
n=$(grep -c '^From ' "$T/out.mbox")
[ "$n" = 500 ] || fail "mutt copied $n messages, want 500"
n=$(grep -c '^X-Body-SHA256: ' "$T/out.mbox")
[ "$n" = 500 ] || fail "mutt saw $n complete headers, want 500"
echo "mutt read 500 messages"
exit 0

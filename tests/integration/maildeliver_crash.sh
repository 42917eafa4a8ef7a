# maildeliver under crashes: killed at every durable step (the crash
# harness of lib/durable.c) and at random moments, it never leaves a
# partial message in new/; and it acknowledges only after the file and
# its name in new/ are on stable storage.
. "$(dirname "$0")/lib.sh"
set -e
MD="$BIN/maildeliver"
M="$T/Maildir"
mkdir -p "$M/tmp" "$M/new" "$M/cur"

# A 300 KB message, so a delivery takes several write steps.
python3 -c '
import sys
lines = ["Subject: crash test", "From: a@example.test", ""]
lines += ["line %06d %s" % (i, "x" * 40) for i in range(6000)]
sys.stdout.write("\r\n".join(lines) + "\r\n")' >"$T/in"
printf 'Delivered-To: r@example.test\n' >"$T/want"
tr -d '\r' <"$T/in" >>"$T/want"

# check_new: every file in new/ is the whole message.
check_new() {
	for f in "$M"/new/*; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$T/want" || fail "partial or damaged message in new/: $f ($1)"
		case "$f" in *",S=$(wc -c <"$T/want"),W=$(($(wc -c <"$T/want") + $(wc -l <"$T/want")))") ;; *) fail "bad size in name $f" ;; esac
	done
}

say "trace one delivery: the order of durable steps"
FACTEUR_DURABLE_TRACE="$T/trace" "$MD" -r r@example.test "$M" <"$T/in"
steps=$(wc -l <"$T/trace")
[ "$steps" -ge 6 ] || fail "only $steps durable steps traced"
ops=$(awk '{ print $3 }' "$T/trace" | uniq | tr '\n' ' ')
# create tmp file, write..., fsync it, link into new/, unlink tmp, sync new/
[ "$ops" = "create write fsync link unlink dirsync " ] || fail "durable steps out of order: $ops"
rm -f "$M"/new/*

say "kill it after each of its $steps durable steps"
n=1
while [ "$n" -le "$steps" ]; do
	set +e
	FACTEUR_CRASH_AFTER=$n "$MD" -r r@example.test "$M" <"$T/in" 2>/dev/null
	rc=$?
	set -e
	[ "$rc" = 137 ] || fail "step $n: expected SIGKILL (137), got $rc"
	check_new "crash after step $n"
	linked=$(awk -v n="$n" '$2 <= n && $3 == "link"' "$T/trace" | wc -l)
	got=$(count "$M/new")
	# Before the link nothing is in new/; from the link on, the whole
	# message is (the process view of a cut: data already written).
	[ "$got" = "$linked" ] || fail "step $n: $got files in new/, expected $linked"
	rm -f "$M"/new/* "$M"/tmp/*
	n=$((n + 1))
done
FACTEUR_CRASH_AFTER=$((steps + 1)) "$MD" -r r@example.test "$M" <"$T/in" ||
	fail "with more steps allowed than taken it must deliver"
check_new "full run"
[ "$(count "$M/new")" = 1 ] || fail "full run did not deliver"
rm -f "$M"/new/*

say "a power cut keeps only what was synced: replay the trace"
# Model of a power cut after step k: a message is in new/ after the cut
# only if its data was fsynced before the link and new/ was synced after
# it.  maildeliver exits 0 only after both; check that order.
awk '
	$3 == "fsync" { synced = 1 }
	$3 == "link" { if (!synced) { print "link before fsync"; exit 1 } linked = 1 }
	$3 == "dirsync" { if (linked) ok = 1 }
	END { if (!ok) { print "no directory sync after the link"; exit 1 } }
' "$T/trace" || fail "acknowledged before durable"

say "SIGKILL at random moments while the message streams in"
python3 - "$T/in" "$MD" "$M" <<'PY' || fail "random kills"
import os, random, signal, subprocess, sys, time
src, md, mdir = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, "rb").read()
want = open(os.path.join(os.path.dirname(src), "want"), "rb").read()
rnd = random.Random(1234)
delivered = killed = 0
for i in range(60):
    before = len(os.listdir(os.path.join(mdir, "new")))
    p = subprocess.Popen([md, "-r", "r@example.test", mdir], stdin=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    cut = rnd.randrange(len(data) + 1)
    try:
        # Feed part of the message in pieces, then kill at a random moment.
        pos = 0
        while pos < cut:
            step = rnd.randrange(1, 65536)
            p.stdin.write(data[pos:min(cut, pos + step)])
            pos += step
        if rnd.random() < 0.3:
            p.stdin.write(data[cut:])
            p.stdin.close()
            time.sleep(rnd.random() * 0.01)
        p.send_signal(signal.SIGKILL)
    except BrokenPipeError:
        pass
    rc = p.wait()
    if rc == 0:
        delivered += 1
    else:
        killed += 1
    for name in os.listdir(os.path.join(mdir, "new")):
        body = open(os.path.join(mdir, "new", name), "rb").read()
        if body != want:
            sys.exit(f"round {i}: partial message {name}: {len(body)} of {len(want)} bytes")
    # A kill after the link may leave a whole message (at-least-once);
    # an exit 0 must have added exactly one.
    after = len(os.listdir(os.path.join(mdir, "new")))
    if rc == 0 and after != before + 1:
        sys.exit(f"round {i}: exit 0 but new/ went from {before} to {after}")
    if after not in (before, before + 1):
        sys.exit(f"round {i}: new/ went from {before} to {after}")
print(f"random kills: {killed} killed, {delivered} completed; new/ always whole")
PY
echo ok

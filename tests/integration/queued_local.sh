# queued end to end, local delivery: Python smtplib (and swaks) ->
# smtpd -> enqueue -> queued -> localspawn -> maildeliver -> Maildir,
# checked byte for byte; an alias with several targets (user, virtual
# user, pipe, Maildir), an :include: file, a +folder address; a bounce
# for an unknown user parsed as multipart/report by Python's email;
# NOTIFY=NEVER gives none, NOTIFY=SUCCESS a success report; mailq.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/queued.inc"
. "$(dirname "$0")/smtpd.inc"
# smtpd.inc set its own domains; ours again.
printf 'demo.test\nlocalhost\n' >"$E/mydestination"
printf 'virt.test\n' >"$E/virtual_mailbox_domains"
rm -f "$E/local_recipients"

mkowned "$T/out" "$T/archive"
chmod 755 "$T/out"
printf 'joe\n' >"$T/list.members"
cat >"$E/aliases" <<EOF
postmaster: joe
staff: joe, sam@virt.test, "|cat > $T/out/pipe.txt", $T/archive/Maildir/
list: :include:$T/list.members
EOF
"$BIN/newaliases" || fail "newaliases"
mkowned "$MD/.work" "$MD/.work/new" "$MD/.work/cur" "$MD/.work/tmp"

start_queued
start_smtpd

# send FROM TO MESSAGE-FILE [RCPT-OPTIONS]: one message through smtplib.
send() {
	python3 - "$PORT" "$1" "$2" "$3" "${4:-}" <<'PY' || fail "smtplib send to $2"
import smtplib, sys
port, frm, to, path, opts = sys.argv[1:6]
with open(path, "rb") as f:
    data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
s = smtplib.SMTP("127.0.0.1", int(port), local_hostname="client.test")
s.ehlo()
s.sendmail(frm, [to], data, rcpt_options=opts.split() if opts else [])
s.quit()
PY
}
# body_is FILE SENDER RCPT SENT: FILE is Return-Path, Delivered-To,
# smtpd's Received (folded) and then the sent message with LF ends.
body_is() {
	python3 - "$@" <<'PY' || fail "stored message $1 differs"
import sys
path, sender, rcpt, sent = sys.argv[1:5]
got = open(path, "rb").read()
want = b"Return-Path: <%s>\nDelivered-To: %s\n" % (sender.encode(), rcpt.encode())
if not got.startswith(want):
    sys.exit("head: %r" % got[:200])
rest = got[len(want):]
if not rest.startswith(b"Received: "):
    sys.exit("no Received: %r" % rest[:200])
lines = rest.split(b"\n")
i = 1
while lines[i][:1] in (b" ", b"\t"):
    i += 1
body = b"\n".join(lines[i:])
msg = open(sent, "rb").read().replace(b"\r\n", b"\n")
if body != msg:
    sys.exit("body: %r != %r" % (body[:300], msg[:300]))
PY
}

say "one message to a local user, byte for byte"
printf 'From: Alice <alice@example.org>\r\nTo: joe@demo.test\r\nSubject: one\r\n\r\nline 1\r\n.leading dot\r\n\r\nlast line\r\n' >"$T/m1"
send alice@example.org joe@demo.test "$T/m1"
wait_files "$MD/new" 1
body_is "$(newest "$MD/new")" alice@example.org joe@demo.test "$T/m1"
grep -q "delivery qid=.* rcpt=<joe@demo.test> kind=local result=ok delay=[0-9]*s attempt=1" "$QLOG" ||
	fail "no delivery log line: $(cat "$QLOG")"
queue_empty

say "an alias with a user, a virtual user, a pipe and a Maildir"
printf 'Subject: staff\n\nto the staff\n' >"$T/m2"
send alice@example.org staff@demo.test "$T/m2"
wait_files "$MD/new" 2
wait_files "$SMD/new" 1
wait_files "$T/archive/Maildir/new" 1
queue_empty
body_is "$(newest "$MD/new")" alice@example.org joe@demo.test "$T/m2"
body_is "$(newest "$SMD/new")" alice@example.org sam@virt.test "$T/m2"
body_is "$(newest "$T/archive/Maildir/new")" alice@example.org staff@demo.test "$T/m2"
[ -f "$T/out/pipe.txt" ] || fail "the pipe did not run"
tail -n 3 "$T/out/pipe.txt" | cmp - "$T/m2" || fail "the pipe got another message"

say "an :include: list, a +folder address, a bare <postmaster>"
printf 'Subject: list\n\nto the list\n' >"$T/m3"
send alice@example.org list@demo.test "$T/m3"
wait_files "$MD/new" 3
printf 'Subject: work\n\nfor the work folder\n' >"$T/m4"
send alice@example.org joe+work@demo.test "$T/m4"
wait_files "$MD/.work/new" 1
body_is "$(newest "$MD/.work/new")" alice@example.org joe+work@demo.test "$T/m4"
printf 'Subject: pm\n\nto postmaster\n' >"$T/m5"
send alice@example.org postmaster "$T/m5"
wait_files "$MD/new" 4
queue_empty

say "swaks"
if command -v swaks >/dev/null; then
	swaks --server 127.0.0.1 --port "$PORT" --from alice@example.org \
		--to joe@demo.test --header 'Subject: swaks' --body 'via swaks' \
		>"$T/swaks.out" 2>&1 || fail "swaks: $(tail -5 "$T/swaks.out")"
	wait_files "$MD/new" 5
	grep -q '^via swaks' "$(newest "$MD/new")" || fail "swaks message"
	n=5
else
	echo "(swaks not installed)"
	n=4
fi
queue_empty

say "unknown user: one RFC 3464 bounce to the (local) sender"
printf 'Subject: to nobody\nMessage-ID: <m6@demo.test>\n\nlost\n' >"$T/m6"
send joe@demo.test nosuchuser@demo.test "$T/m6" "NOTIFY=FAILURE ORCPT=rfc822;nosuchuser@demo.test"
n=$((n + 1))
wait_files "$MD/new" "$n"
queue_empty
f=$(newest "$MD/new")
$DSN "$f" >"$T/dsn" || fail "bounce: $(cat "$f")"
grep -q '^subject=Undelivered Mail Returned to Sender$' "$T/dsn" || fail "subject: $(cat "$T/dsn")"
grep -q '^returned=rfc822$' "$T/dsn" || fail "returned part: $(cat "$T/dsn")"
grep -q '^orig-subject=to nobody$' "$T/dsn" || fail "original: $(cat "$T/dsn")"
grep -q '^rcpt=nosuchuser@demo.test action=failed status=5.1.1 orcpt=rfc822;nosuchuser@demo.test ' "$T/dsn" ||
	fail "recipient block: $(cat "$T/dsn")"
[ "$(grep -c '^rcpt=' "$T/dsn")" = 1 ] || fail "recipients: $(cat "$T/dsn")"
head -1 "$f" | grep -q '^Return-Path: <>$' || fail "bounce not from <>: $(head -2 "$f")"
# The bounce itself was delivered and is gone; nothing else came.
sleep 1
[ "$(count "$MD/new")" = "$n" ] || fail "more than one bounce"

say "NOTIFY=NEVER: no bounce"
printf 'Subject: never\n\nlost quietly\n' >"$T/m7"
send joe@demo.test nosuchuser2@demo.test "$T/m7" "NOTIFY=NEVER"
wait_log "rcpt=<nosuchuser2@demo.test> kind=local result=perm"
queue_empty
sleep 1
[ "$(count "$MD/new")" = "$n" ] || fail "a bounce despite NOTIFY=NEVER"

say "NOTIFY=SUCCESS: a success report"
printf 'Subject: success\n\nplease confirm\n' >"$T/m8"
send joe@demo.test sam@virt.test "$T/m8" "NOTIFY=SUCCESS"
n=$((n + 1))
wait_files "$MD/new" "$n"
queue_empty
$DSN "$(newest "$MD/new")" >"$T/dsn" || fail "success report"
grep -q '^rcpt=sam@virt.test action=delivered status=2.0.0 ' "$T/dsn" || fail "success: $(cat "$T/dsn")"
grep -q '^returned=headers$' "$T/dsn" || fail "success report returns the body: $(cat "$T/dsn")"

say "mailq: an empty queue"
"$BIN/mailq" >"$T/mailq" || fail "mailq"
[ "$(cat "$T/mailq")" = "-- 0 messages, 0 bytes" ] || fail "mailq: $(cat "$T/mailq")"

say "damaged spool entries are moved to corrupt/, others still delivered"
stop_queued
mk() { # ID ENV-PRINTF [STATE-TEXT]
	mkdir -p "$FACTEUR_SPOOL/queue/$1"
	printf 'Subject: %s\n\nx\n' "$1" >"$FACTEUR_SPOOL/queue/$1/mess"
	printf "$2" >"$FACTEUR_SPOOL/queue/$1/env"
	[ -z "${3:-}" ] || printf '%s' "$3" >"$FACTEUR_SPOOL/queue/$1/state"
}
mk bad.env 'V1\0Fa@x\0Tjoe@demo.test\0Xfuture\0\0'
mk bad.state 'V1\0Fa@x\0Tjoe@demo.test\0\0' "$(printf 'Q1\t5\t00000000\nR\t0\t0\tlocal\tjoe@demo.test\tjoe\t00000000\n')"
mk good.nostate 'V1\0Fa@x\0Tjoe@demo.test\0\0'
start_queued
n=$((n + 1))
wait_files "$MD/new" "$n"
wait_log "qid=bad.env env: unknown version or record (a newer writer?); moved to corrupt/bad.env"
wait_log "qid=bad.state state line 1: Invalid argument; moved to corrupt/bad.state"
[ -f "$FACTEUR_SPOOL/corrupt/bad.env/env" ] && [ -f "$FACTEUR_SPOOL/corrupt/bad.state/mess" ] ||
	fail "not in corrupt/: $(ls -R "$FACTEUR_SPOOL")"
grep -q '^Subject: good.nostate$' "$(newest "$MD/new")" || fail "the good message"
queue_empty
# Those error lines are expected; keep them out of the check below.
sed -i '/moved to corrupt/d' "$QLOG"

say "queued -t: a bad control file is reported with its place"
echo 5x >"$E/maximal_queue_lifetime"
expect_rc 1 "$BIN/queued" -t
grep -q "maximal_queue_lifetime:1:1: not a duration" "$T/stderr" || fail "queued -t said: $(cat "$T/stderr")"
rm "$E/maximal_queue_lifetime"
"$BIN/queued" -t || fail "queued -t on good files"

say "SIGTERM: queued exits 0"
kill "$QPID"
wait "$QPID" || fail "queued exited $?"
QPID=
grep -q "info: stopped" "$QLOG" || fail "no stop line"
grep -q "fatal\|error:\|Sanitizer\|runtime error" "$QLOG" &&
	fail "errors in the log: $(grep 'fatal\|error:\|Sanitizer\|runtime error' "$QLOG")"
exit 0

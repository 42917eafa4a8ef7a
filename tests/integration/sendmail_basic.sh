# sendmail: recipients from the command line and from To/Cc/Bcc (-t),
# Bcc removed, Date/Message-ID/From added when missing, -f/-F, -i and the
# lone-dot end, CRLF input, DSN flags, -bm and ignored legacy flags, -bs
# (SMTP on stdin through smtpd), -bp, -q, and its exit codes.  Every message is read back from the spool.
. "$(dirname "$0")/lib.sh"
set -e
SM="$BIN/sendmail"
export FACTEUR_SPOOL="$T/spool"
mkdir -p "$FACTEUR_SPOOL/tmp" "$FACTEUR_SPOOL/todo"
echo host.example.org >"$FACTEUR_ETC/myhostname"
echo example.org >"$FACTEUR_ETC/myorigin"
echo example.org >"$FACTEUR_ETC/mydestination"
me=$(id -un)

# take: the one spooled message into $T/env (records after V/t/u, one per
# line) and $T/mess; the spool is emptied.
take() {
	n=$(ls "$FACTEUR_SPOOL/todo" | wc -l)
	[ "$n" = 1 ] || fail "$n messages in todo/, want 1 ($1)"
	d=$(ls -d "$FACTEUR_SPOOL"/todo/*)
	tr '\0' '\n' <"$d/env" | sed 1,3d >"$T/env"
	cp "$d/mess" "$T/mess"
	rm -rf "$d"
}
want_env() { printf "$1" | cmp -s - "$T/env" || { printf "$1" | diff - "$T/env"; fail "envelope ($2)"; }; }

say "command-line recipients; From, Date and Message-ID added"
printf 'Subject: one\n\nbody\n.\nnot the end with -oi\n' | "$SM" -oi bob@example.org carol
take "plain"
want_env "F$me@example.org\nTbob@example.org\nTcarol@example.org\n\n" "plain"
grep -q '^Subject: one$' "$T/mess" || fail "Subject lost"
grep -q "^From: .*$me@example.org" "$T/mess" || fail "no From added: $(cat "$T/mess")"
grep -Eq '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} ' "$T/mess" || fail "no Date added"
grep -Eq '^Message-ID: <[^@ ]+@host\.example\.org>$' "$T/mess" || fail "no Message-ID added"
tail -n 3 "$T/mess" | cmp -s - <(printf 'body\n.\nnot the end with -oi\n') || fail "body with -oi"

say "without -i a lone dot ends the message; CRLF becomes LF"
printf 'Subject: two\r\nFrom: Me <me@example.org>\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n.\r\nafter the dot\r\n' | "$SM" bob@example.org
take "dot"
printf 'Subject: two\nFrom: Me <me@example.org>\nDate: Thu, 03 Dec 2026 10:00:00 +0000\nMessage-ID: <x@y>\n\nbody\n' | cmp - "$T/mess" || fail "message with its own headers changed: $(cat -A "$T/mess")"

say "-t: To, Cc (with a group), Bcc removed; -f and -F"
cat >"$T/in" <<'EOM'
From: someone@example.net
To: "Alice A." <alice@example.net>, bob@example.org (Bob),
  "quoted, comma" <q@example.net>
Cc: team: c1@example.net, c2@example.net;, dave
Bcc: secret@example.net
Subject: three

body
EOM
"$SM" -t -i -f '<sender@example.net>' -F 'Full Name' extra@example.net <"$T/in"
take "-t"
want_env 'Fsender@example.net\nTextra@example.net\nTalice@example.net\nTbob@example.org\nTq@example.net\nTc1@example.net\nTc2@example.net\nTdave@example.org\nTsecret@example.net\n\n' "-t"
if grep -qi '^Bcc:' "$T/mess"; then fail "Bcc not removed"; fi
grep -q '^From: someone@example.net$' "$T/mess" || fail "existing From changed"
grep -q '^  "quoted, comma" <q@example.net>$' "$T/mess" || fail "folded To lost"

say "-F when From is missing; null sender -f '<>'; DSN flags"
printf 'Subject: four\n\nx\n' | "$SM" -F 'Jo Bloggs' -f '<>' -N success,failure -R hdrs -V QQ1 bob@example.org
take "dsn"
want_env 'F\nEQQ1\nRHDRS\nTbob@example.org\nNSUCCESS,FAILURE\n\n' "dsn"
grep -q "^From: \"Jo Bloggs\" <$me@example.org>\$" "$T/mess" || fail "-F: $(grep ^From: "$T/mess")"

say "-bm and the legacy flags scripts pass (-oem -odb -oQ -v -m -e -B -L -h -C -X) are accepted and ignored"
printf 'Subject: legacy\n\nold script\n' | "$SM" -bm -oem -odb -oQ/var/spool/x -v -m -e -B 8BITMIME \
	-L tag -h 17 -C /nonexistent.cf -X /dev/null -f old@example.org bob@example.org
take "legacy"
want_env 'Fold@example.org\nTbob@example.org\n\n' "legacy"
tail -n 1 "$T/mess" | grep -qx 'old script' || fail "legacy flags: body"

say "errors: no recipients 64, bad option 64, failing queue 75, refused 65"
echo x | expect_rc 64 "$SM" -i
echo x | expect_rc 64 "$SM" -Z bob@example.org
printf '#!/bin/sh\ncat >/dev/null; exit 53\n' >"$T/q53"; chmod +x "$T/q53"
printf '#!/bin/sh\ncat >/dev/null; exit 11\n' >"$T/q11"; chmod +x "$T/q11"
echo x | FACTEUR_QUEUE="$T/q53" expect_rc 75 "$SM" bob@example.org
echo x | QMAILQUEUE="$T/q11" expect_rc 65 "$SM" bob@example.org
[ -z "$(ls "$FACTEUR_SPOOL/todo")" ] || fail "spooled on error"

say "-bs: an SMTP session on stdin"
printf 'EHLO local\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<x@far.example>\r\nDATA\r\nSubject: bs\r\n\r\nvia -bs\r\n.\r\nQUIT\r\n' |
	"$SM" -bs >"$T/bs.out" 2>"$T/bs.err"
grep -q '^250 2.0.0 ok: queued' "$T/bs.out" || fail "-bs: $(cat "$T/bs.out")"
take "-bs"
want_env 'Fa@example.org\nTx@far.example\n\n' "-bs"
tail -n 1 "$T/mess" | grep -q '^via -bs$' || fail "-bs body"

say "-bp lists the queue, -q pokes the scheduler"
printf 'Subject: q\n\nx\n' | "$SM" bob@example.org
"$SM" -bp >"$T/bp"
grep -q '^  to <bob@example.org>$' "$T/bp" || fail "-bp: $(cat "$T/bp")"
grep -q '^1 message in the queue$' "$T/bp" || fail "-bp count"
expect_rc 75 "$SM" -q
mkfifo "$FACTEUR_SPOOL/trigger"
exec 7<>"$FACTEUR_SPOOL/trigger"
expect_rc 0 "$SM" -q
exec 7<&-
echo ok

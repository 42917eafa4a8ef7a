# imapd and CONDSTORE and QRESYNC (RFC 7162), ESEARCH (RFC 4731), and
# SEARCH on decoded content: SELECT (CONDSTORE) and HIGHESTMODSEQ,
# FETCH MODSEQ and (CHANGEDSINCE), STORE (UNCHANGEDSINCE) with
# [MODIFIED], SEARCH MODSEQ, STATUS HIGHESTMODSEQ, ENABLE; a flag change
# made by another program (a rename) gets a new MODSEQ.  imapd runs
# directly (PREAUTH) as uid 65534; the exact transcript is compared.
. "$(dirname "$0")/lib.sh"
set -e
rm -rf "$T"
T=$(mktemp -d /var/tmp/facteur-imapcs.XXXXXX)
chmod 755 "$T"
export FACTEUR_ETC="$T/etc"
mkdir -p "$FACTEUR_ETC"
is_root || skip "needs root (the session runs as uid 65534)"
command -v setpriv >/dev/null || skip "no setpriv"
[ -x "$BIN/imapd" ] || fail "no $BIN/imapd"
MD=$T/md
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
printf 'Subject: a\n\nx\n' >"$MD/cur/1000.M1P1.host:2,S"
printf 'Subject: b\n\ny\n' >"$MD/cur/1001.M1P1.host:2,"
chown -R 65534:65534 "$MD"
run() {
	setpriv --reuid 65534 --regid 65534 --clear-groups env MAILDIR="$MD" "$BIN/imapd" 2>>"$T/err" |
		tr -d '\r' | grep -v '^\* OK \[\(UIDVALIDITY\|UIDNEXT\|PERMANENTFLAGS\|UNSEEN\)\|^\* FLAGS\|^\* PREAUTH'
}
printf 'a SELECT INBOX (CONDSTORE)\r\nb FETCH 1:* (UID FLAGS MODSEQ)\r\nc STORE 2 +FLAGS (\\Flagged)\r\nd FETCH 1:* (FLAGS) (CHANGEDSINCE 3)\r\ne UID STORE 1:2 (UNCHANGEDSINCE 3) +FLAGS.SILENT (\\Deleted)\r\nf SEARCH MODSEQ 4\r\ng STATUS INBOX (HIGHESTMODSEQ MESSAGES)\r\nh ENABLE CONDSTORE\r\ni FETCH 1 (FLAGS) (CHANGEDSINCE x)\r\nj STORE 1 (UNCHANGEDSINCE) FLAGS ()\r\nz LOGOUT\r\n' |
	run >"$T/o"
cat >"$T/want" <<'EOW'
* 2 EXISTS
* 0 RECENT
* OK [HIGHESTMODSEQ 3] Highest
a OK [READ-WRITE] SELECT completed
* 1 FETCH (UID 1 FLAGS (\Seen) MODSEQ (2))
* 2 FETCH (UID 2 FLAGS () MODSEQ (3))
b OK FETCH completed
* 2 FETCH (FLAGS (\Flagged) MODSEQ (4))
c OK STORE completed
* 2 FETCH (FLAGS (\Flagged) MODSEQ (4))
d OK FETCH completed
* 1 FETCH (UID 1 FLAGS (\Seen \Deleted) MODSEQ (5))
e OK [MODIFIED 2] Conditional UID STORE failed for some
* SEARCH 1 2 (MODSEQ 5)
f OK SEARCH completed
* STATUS INBOX (HIGHESTMODSEQ 5 MESSAGES 2)
g OK STATUS completed
* ENABLED
h OK ENABLE completed
i BAD Unknown FETCH modifier
j BAD Unknown STORE modifier
* BYE Logging out
z OK LOGOUT completed
EOW
diff "$T/want" "$T/o" || fail "CONDSTORE transcript differs"
say "a rename by another program (a Maildir reader setting \\Answered) gets MODSEQ 6"
mv "$MD/cur/1001.M1P1.host:2,F" "$MD/cur/1001.M1P1.host:2,FR"
printf 'a EXAMINE INBOX\r\nb FETCH 1:* (FLAGS) (CHANGEDSINCE 5)\r\nz LOGOUT\r\n' | run >"$T/o"
grep -qx '\* OK \[HIGHESTMODSEQ 6\] Highest' "$T/o" || fail "HIGHESTMODSEQ: $(cat "$T/o")"
grep -qx '\* 2 FETCH (FLAGS (\\Answered \\Flagged) MODSEQ (6))' "$T/o" || fail "CHANGEDSINCE: $(cat "$T/o")"
grep -q '^\* 1 FETCH' "$T/o" && fail "an unchanged message was sent: $(cat "$T/o")"
say "ESEARCH (RFC 4731): RETURN (MIN MAX COUNT ALL), an empty result, RETURN ()"
printf 'a SELECT INBOX\r\nb SEARCH RETURN (MIN MAX COUNT) UNFLAGGED\r\nc UID SEARCH RETURN () ALL\r\nd SEARCH RETURN (ALL COUNT) FLAGGED\r\ne SEARCH RETURN (COUNT MIN) DRAFT\r\nf SEARCH RETURN (SAVE) ALL\r\ng SEARCH RETURN (MAX) MODSEQ 6\r\nz LOGOUT\r\n' |
	run | grep 'SEARCH\|^[b-g] ' >"$T/o"
cat >"$T/want" <<'EOW'
* ESEARCH (TAG "b") MIN 1 MAX 1 COUNT 1
b OK SEARCH completed
* ESEARCH (TAG "c") UID ALL 1:2
c OK UID SEARCH completed
* ESEARCH (TAG "d") COUNT 1 ALL 2
d OK SEARCH completed
* ESEARCH (TAG "e") COUNT 0
e OK SEARCH completed
f BAD Unknown RETURN option
* ESEARCH (TAG "g") MAX 2 MODSEQ 6
g OK SEARCH completed
EOW
diff "$T/want" "$T/o" || fail "ESEARCH transcript differs"

say "QRESYNC: VANISHED after EXPUNGE, and a later session resynchronises"
printf 'a ENABLE QRESYNC\r\nb SELECT INBOX (QRESYNC (1 1))\r\nc SELECT INBOX\r\nd EXPUNGE\r\ne STORE 1 +FLAGS.SILENT (\\Draft)\r\nz LOGOUT\r\n' |
	run | grep -v '^\* [0-9]* \(EXISTS\|RECENT\)$' >"$T/o"
cat >"$T/want" <<'EOW'
* ENABLED QRESYNC
a OK ENABLE completed
* OK [HIGHESTMODSEQ 6] Highest
b OK [READ-WRITE] SELECT completed
* OK [CLOSED] Previous mailbox closed
* OK [HIGHESTMODSEQ 6] Highest
c OK [READ-WRITE] SELECT completed
* VANISHED 1
d OK EXPUNGE completed
e OK STORE completed
* BYE Logging out
z OK LOGOUT completed
EOW
diff "$T/want" "$T/o" || fail "QRESYNC transcript differs"
V=$(head -n 1 "$MD/facteur-uidlist" | cut -d' ' -f3)
printf 'a SELECT INBOX (QRESYNC (%s 6))\r\nb ENABLE QRESYNC\r\nc SELECT INBOX (QRESYNC (%s 6))\r\nd UID FETCH 1:* (FLAGS) (CHANGEDSINCE 6 VANISHED)\r\ne SELECT INBOX (QRESYNC (%s 8 1:5))\r\nf FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)\r\nz LOGOUT\r\n' "$V" "$V" "$V" |
	run | grep -v '^\* [0-9]* RECENT$' >"$T/o"
cat >"$T/want" <<'EOW'
a BAD Unknown SELECT parameter
* ENABLED QRESYNC
b OK ENABLE completed
* 1 EXISTS
* OK [HIGHESTMODSEQ 8] Highest
* VANISHED (EARLIER) 1
* 1 FETCH (UID 2 FLAGS (\Answered \Flagged \Draft) MODSEQ (8))
c OK [READ-WRITE] SELECT completed
* VANISHED (EARLIER) 1
* 1 FETCH (UID 2 FLAGS (\Answered \Flagged \Draft) MODSEQ (8))
d OK UID FETCH completed
* OK [CLOSED] Previous mailbox closed
* 1 EXISTS
* OK [HIGHESTMODSEQ 8] Highest
e OK [READ-WRITE] SELECT completed
f BAD Unknown FETCH modifier
* BYE Logging out
z OK LOGOUT completed
EOW
diff "$T/want" "$T/o" || fail "QRESYNC resynchronisation differs"

say "SEARCH BODY and TEXT on decoded content (quoted-printable Latin-1, base64 UTF-8, RFC 2047), any case"
MD=$T/md3
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
printf 'From: Joe <joe@x.test>\nSubject: =?utf-8?q?Caf=C3=A9?=\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nd=E9j=E0 vu\n--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nw4lUw4kgQ0hBVUQ=\n--b--\n' \
	>"$MD/cur/1000.M1P1.host:2,S"
printf 'Subject: plain\n\nnothing to see: ornithorynque\n' >"$MD/cur/1001.M1P1.host:2,S"
chown -R 65534:65534 "$MD"
printf 'a SELECT INBOX\r\nb SEARCH CHARSET UTF-8 BODY "D\303\211J\303\200"\r\nc SEARCH BODY {11+}\r\n\303\251t\303\251 chaud\r\nd SEARCH TEXT "caf\303\251"\r\ne SEARCH BODY Ornithorynque\r\nf SEARCH BODY Caf\r\ng SEARCH TEXT JOE@X\r\nh SEARCH BODY dej\r\nz LOGOUT\r\n' |
	run | grep 'SEARCH\|^[b-h] ' >"$T/o"
cat >"$T/want" <<'EOW'
* SEARCH 1
b OK SEARCH completed
* SEARCH 1
c OK SEARCH completed
* SEARCH 1
d OK SEARCH completed
* SEARCH 2
e OK SEARCH completed
* SEARCH
f OK SEARCH completed
* SEARCH 1
g OK SEARCH completed
* SEARCH
h OK SEARCH completed
EOW
diff "$T/want" "$T/o" || fail "decoded SEARCH differs"

say "part sections: BODY[n], BODY[n.MIME], a partial, a missing part, bad specs"
printf 'a SELECT INBOX\r\nb FETCH 1 (BODY.PEEK[1] BODY.PEEK[2.MIME]<0.12> BODY.PEEK[3])\r\nc FETCH 1 BODY.PEEK[1.HEADER.FIELDS (X)]\r\nd FETCH 1 BODY.PEEK[0]\r\ne FETCH 1 BODY.PEEK[1.X]\r\nf FETCH 1 BODY.PEEK[1..2]\r\ng FETCH 1 BODY.PEEK[1.HEADER.FIELDS]\r\nz LOGOUT\r\n' |
	run | sed -n '/^a OK/,/^z OK/p' | sed 1d >"$T/o"
cat >"$T/want" <<'EOW'
* 1 FETCH (BODY[1] {11}
d=E9j=E0 vu BODY[2.MIME]<0> {12}
Content-Type BODY[3] {0}
)
b OK FETCH completed
* 1 FETCH (BODY[1.HEADER.FIELDS (X)] {2}

)
c OK FETCH completed
d BAD Bad section
e BAD Bad section
f BAD Bad section
g BAD Bad section
* BYE Logging out
z OK LOGOUT completed
EOW
diff "$T/want" "$T/o" || fail "part sections differ"
exit 0

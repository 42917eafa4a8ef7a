# The whole IMAP chain on loopback: tcpserver -> [tlsd] -> imap-login ->
# checkpw -> imapd, with Python's imaplib, curl imap:// and imaps://, and
# raw transcripts compared line for line: LOGINDISABLED before TLS,
# STARTTLS (tlsd -n) and its injection, implicit TLS, LOGIN, AUTHENTICATE
# PLAIN (SASL-IR) / LOGIN / CRAM-MD5, failed logins, a full imaplib
# session checked against the Maildir, commands pipelined behind LOGIN,
# and hostile input (huge literals, 1:4294967296, deep nesting, bad
# mailbox names, commands before login).
. "$(dirname "$0")/lib.sh"
set -e
# Our own directory outside /tmp/facteur-test.* (as dhcpc.sh does):
# something on this machine removes those directories mid-run.
rm -rf "$T"
T=$(mktemp -d /var/tmp/facteur-imap.XXXXXX)
chmod 755 "$T"
export FACTEUR_ETC="$T/etc"
mkdir -p "$FACTEUR_ETC"
for t in tcpserver python3 openssl; do
	command -v "$t" >/dev/null || skip "no $t"
done
is_root || skip "needs root (checkpw switches to the mail user)"
id nobody >/dev/null 2>&1 && id daemon >/dev/null 2>&1 || skip "no users nobody/daemon"
for p in imap-login imapd checkpw facteur-passwd tlsd maildeliver; do
	[ -x "$BIN/$p" ] || fail "no $BIN/$p"
done
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK="timeout 120 python3 $HERE/helpers/imap_check.py"
RAW="timeout 120 python3 $HERE/helpers/pop3_raw.py"
E=$FACTEUR_ETC
echo 1 >"$E/argon2_passes"
echo 8 >"$E/argon2_memory"
echo 0 >"$E/checkpw_delay"
echo 300 >"$E/login_failure_delay"
chmod 755 "$E"
mkdir -p "$T/home/joe"
chown 65534:65534 "$T/home/joe"
echo s3cr3tPw | "$BIN/facteur-passwd" add -s -c -u 65534 -g 65534 -d "$T/home/joe" joe
chmod 644 "$E/passwd.cdb"
MD=$T/home/joe/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
python3 "$HERE/helpers/pop3_mkmail.py" "$T/msgs" 6
for f in "$T"/msgs/msg*; do "$BIN/maildeliver" "$MD" <"$f"; done
chown -R 65534:65534 "$MD"
export IMAP_USER=joe IMAP_PASS=s3cr3tPw

cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=imap-test \
	2>/dev/null || fail "openssl req"
chmod 600 key.pem

CHAIN="$BIN/imap-login $BIN/checkpw $BIN/imapd"
start() {
	name=$1
	shift
	tcpserver -R -H -l localhost -1 127.0.0.1 0 "$@" \
		>"$T/$name.port" 2>>"$T/$name.log" &
	on_exit "kill $! 2>/dev/null"
	for _ in $(seq 100); do
		grep -q '^[0-9]' "$T/$name.port" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^[0-9]' "$T/$name.port" || fail "tcpserver $name did not start"
}
port() { head -n 1 "$T/$1.port"; }
start plain $CHAIN
start stls "$BIN/tlsd" -n -c cert.pem -k key.pem -u nobody -U daemon $CHAIN
start imp "$BIN/tlsd" -c cert.pem -k key.pem -u nobody -U daemon $CHAIN
start short "$BIN/imap-login" -t 2 "$BIN/checkpw" "$BIN/imapd"
PLAIN=$(port plain) STLS=$(port stls) IMP=$(port imp)
# raw NAME PORT: sends stdin in one write, the answer (CR removed) in $T/NAME
raw() { $RAW "$2" 10 | tr -d '\r' >"$T/$1"; }

say "before TLS: LOGINDISABLED, CRAM-MD5 only, no STARTTLS without UCSPI-TLS"
printf 'a CAPABILITY\r\nb LOGIN joe secret\r\nc AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=\r\nd LOGOUT\r\n' | raw o "$PLAIN"
cat >"$T/want" <<'EOW'
* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID LOGINDISABLED AUTH=CRAM-MD5] facteur IMAP ready
* CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID LOGINDISABLED AUTH=CRAM-MD5
a OK CAPABILITY completed
b NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-TLS connections
c NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-TLS connections
* BYE Logging out
d OK LOGOUT completed
EOW
diff "$T/want" "$T/o" || fail "plaintext transcript differs"
$CHECK "$STLS" capability | grep -q STARTTLS || fail "no STARTTLS under tlsd -n"

say "CRAM-MD5 in plaintext"
$CHECK --auth CRAM-MD5 "$PLAIN" login | grep -q UIDPLUS || fail "CRAM-MD5 login"

say "STARTTLS, then LOGIN: the whole imaplib session, checked on disk"
$CHECK --starttls "$STLS" capability >"$T/o"
grep -q 'AUTH=PLAIN' "$T/o" || fail "no AUTH=PLAIN after STARTTLS: $(cat "$T/o")"
grep -q 'STARTTLS\|LOGINDISABLED' "$T/o" && fail "after STARTTLS: $(cat "$T/o")"
$CHECK --starttls "$STLS" session "$MD" || fail "imaplib session"
grep -q 'tls ip=127.0.0.1 protocol=TLSv1' "$T/stls.log" || fail "no tls log"

say "STARTTLS injection: a command pipelined behind STARTTLS is dropped"
printf 'a STARTTLS\r\nb CAPABILITY\r\n' | $RAW "$STLS" 5 | tr -d '\r' >"$T/o" || true
grep -q '^a OK Begin TLS' "$T/o" || fail "STARTTLS: $(cat "$T/o")"
grep -q '^b ' "$T/o" && fail "injected command answered: $(cat "$T/o")"

say "implicit TLS: AUTHENTICATE PLAIN (SASL-IR), LOGIN"
$CHECK --ssl --auth PLAIN "$IMP" login | grep -q IMAP4rev1 || fail "implicit TLS PLAIN"
$CHECK --ssl "$IMP" login >/dev/null || fail "implicit TLS LOGIN"

echo no >"$E/disable_plaintext_auth"
say "disable_plaintext_auth no: a transcript with literals and pipelining"
# LOGIN with non-synchronizing literals, then commands pipelined in the
# same write: imap-login must leave them to imapd.
printf 'a LOGIN {3+}\r\njoe {8+}\r\ns3cr3tPw\r\nb SELECT INBOX\r\nc FETCH 1:* (FLAGS)\r\nd UID SEARCH SUBJECT "message 5"\r\ne STORE 1 +FLAGS.SILENT (\\Seen)\r\nf FETCH 1 (FLAGS)\r\ng NOOP\r\nh LOGOUT\r\n' |
	raw o "$PLAIN"
sed -e 's/UIDVALIDITY [0-9]*/UIDVALIDITY V/' -e 's/HIGHESTMODSEQ [0-9]*/HIGHESTMODSEQ M/' "$T/o" >"$T/o2"
cat >"$T/want" <<'EOW'
* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5] facteur IMAP ready
a OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR ID IDLE UIDPLUS MOVE UNSELECT NAMESPACE CHILDREN SPECIAL-USE ENABLE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE CONDSTORE ESEARCH QRESYNC LIST-EXTENDED LIST-STATUS] Logged in
* 3 EXISTS
* 0 RECENT
* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label1 Work)
* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label1 Work \*)] Flags permitted
* OK [UNSEEN 1] First unseen
* OK [UIDVALIDITY V] UIDs valid
* OK [UIDNEXT 7] Predicted next UID
* OK [HIGHESTMODSEQ M] Highest
b OK [READ-WRITE] SELECT completed
* 1 FETCH (FLAGS ())
* 2 FETCH (FLAGS ())
* 3 FETCH (FLAGS ())
c OK FETCH completed
* SEARCH 5
d OK UID SEARCH completed
e OK STORE completed
* 1 FETCH (FLAGS (\Seen))
f OK FETCH completed
g OK NOOP completed
* BYE Logging out
h OK LOGOUT completed
EOW
diff "$T/want" "$T/o2" || fail "pipelined transcript differs"

say "curl imap:// (LOGIN, EXAMINE, FETCH BODY[]) and imaps://"
if command -v curl >/dev/null; then
	curl -s --max-time 30 "imap://127.0.0.1:$PLAIN/INBOX;UID=4" -u joe:s3cr3tPw >"$T/c1" ||
		fail "curl imap://"
	f=$(grep -l 'pop3-test-4@' "$MD"/cur/*)
	tr -d '\r' <"$T/c1" >"$T/c1n"
	tr -d '\r' <"$f" | cmp -s - "$T/c1n" || fail "curl imap:// body differs"
	curl -s -k --max-time 30 "imaps://127.0.0.1:$IMP/" -u joe:s3cr3tPw >"$T/c2" ||
		fail "curl imaps://"
	grep -q 'INBOX' "$T/c2" || fail "curl LIST: $(cat "$T/c2")"
else
	say "(no curl)"
fi

say "failed logins: delay each, NO [AUTHENTICATIONFAILED], BYE after three"
printf 'a LOGIN joe wrong\r\nb AUTHENTICATE PLAIN AGpvZQBj\r\nc LOGIN joe x\r\nd LOGIN joe s3cr3tPw\r\n' | raw o "$PLAIN"
[ "$(grep -c 'NO \[AUTHENTICATIONFAILED\]' "$T/o")" = 3 ] || fail "failures: $(cat "$T/o")"
grep -q '^\* BYE Too many authentication failures' "$T/o" || fail "no BYE: $(cat "$T/o")"
grep -q '^d ' "$T/o" && fail "a 4th attempt was served"
grep -q s3cr3tPw "$T/plain.log" && fail "a secret reached the log"

say "hostile input before login"
{
	printf 'a SELECT INBOX\r\nb APPEND INBOX {5+}\r\nhello\r\n'
	printf 'c LOGIN {4294967296}\r\n'
	printf 'd LOGIN {99999}\r\n'
	printf 'e AUTHENTICATE PLAIN\r\n*\r\n'
	printf 'f AUTHENTICATE LOGIN\r\n!!!\r\n'
	printf 'g AUTHENTICATE XOAUTH2\r\n'
	printf 'h CAPABILITY (((((((((((((((((((((((((((((((((\r\n'
	printf 'i NO\0OP\r\n'
	printf 'j '; head -c 20000 /dev/zero | tr '\0' x; printf '\r\n'
	printf '+ NOOP\r\nk LOGOUT\r\n'
} | raw o "$PLAIN"
cat >"$T/want" <<'EOW'
a BAD Log in first
b BAD Log in first
c BAD literal size too large
d BAD literal too large
+ 
e BAD Authentication aborted
+ VXNlcm5hbWU6
f BAD Invalid base64
g NO Unsupported authentication mechanism
h BAD lists nested too deeply
i BAD NUL byte in command
j BAD command line too long
* BAD bad tag
* BYE Logging out
k OK LOGOUT completed
EOW
sed 1d "$T/o" | diff "$T/want" - || fail "hostile transcript differs"

say "hostile input after login"
{
	printf 'a LOGIN joe s3cr3tPw\r\nb SELECT INBOX\r\n'
	printf 'c FETCH 1:4294967296 (FLAGS)\r\n'
	printf 'd FETCH 0 (FLAGS)\r\n'
	printf 'e FETCH 99 (FLAGS)\r\n'
	printf 'f UID FETCH 4294967295:* (UID)\r\n'
	printf 'g CREATE a..b\r\nh CREATE ../etc\r\ni CREATE x/y\r\nj CREATE %%\r\nk CREATE a*\r\n'
	printf 'l SEARCH NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT ALL\r\n'
	printf 'm APPEND INBOX {999999999999+}\r\n'
} | raw o "$PLAIN"
sed -n '/^b OK/,$p' "$T/o" | sed 1d >"$T/o2"
cat >"$T/want" <<'EOW'
c BAD number in sequence set too large
d BAD 0 in sequence set
e BAD Invalid sequence number
* 3 FETCH (UID 6)
f OK UID FETCH completed
g NO empty level in mailbox name
h NO '/' in mailbox name
i NO '/' in mailbox name
j NO wildcard in mailbox name
k NO wildcard in mailbox name
l BAD Search keys nested too deeply
* BYE literal too large to skip
EOW
diff "$T/want" "$T/o2" || fail "hostile transcript after login differs"
[ -d "$T/home/joe/etc" ] && fail "a folder outside the Maildir"

say "idle timeout before login (-t 2)"
: | $RAW "$(port short)" 30 | tr -d '\r' >"$T/o"
grep -q '^\* BYE Autologout' "$T/o" || fail "no autologout: $(cat "$T/o")"

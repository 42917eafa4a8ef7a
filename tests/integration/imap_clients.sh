# Real IMAP clients against the whole chain (tcpserver -> tlsd ->
# imap-login -> checkpw -> imapd): mbsync (isync) synchronising both ways
# over STARTTLS, with new messages, flag changes and expunges on either
# side; offlineimap both ways; fetchmail and getmail6 retrieving INBOX;
# mutt (through script(1) for its terminal) deleting a message.  Each
# ends with the Maildirs as expected.
. "$(dirname "$0")/lib.sh"
set -e
rm -rf "$T"
T=$(mktemp -d /var/tmp/facteur-imapcl.XXXXXX)
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
E=$FACTEUR_ETC
echo 1 >"$E/argon2_passes"
echo 8 >"$E/argon2_memory"
echo 0 >"$E/checkpw_delay"
chmod 755 "$E"
mkdir -p "$T/home/joe"
chown 65534:65534 "$T/home/joe"
echo Pw4clients | "$BIN/facteur-passwd" add -s -c -u 65534 -g 65534 -d "$T/home/joe" joe
chmod 644 "$E/passwd.cdb"
MD=$T/home/joe/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
python3 "$HERE/helpers/pop3_mkmail.py" "$T/msgs" 5
for f in "$T"/msgs/msg*; do "$BIN/maildeliver" "$MD" <"$f"; done
chown -R 65534:65534 "$MD"
cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1,DNS:127.0.0.1 \
	2>/dev/null || fail "openssl req"
chmod 600 key.pem
tcpserver -R -H -l localhost -1 127.0.0.1 0 "$BIN/tlsd" -n -c cert.pem -k key.pem \
	-u nobody -U daemon "$BIN/imap-login" "$BIN/checkpw" "$BIN/imapd" \
	>"$T/port" 2>>"$T/server.log" &
on_exit "kill $! 2>/dev/null"
for _ in $(seq 100); do
	grep -q '^[0-9]' "$T/port" 2>/dev/null && break
	sleep 0.1
done
P=$(head -n 1 "$T/port")
[ -n "$P" ] || fail "tcpserver did not start"
# count DIR: messages in a Maildir (new and cur)
msgs() { find "$1/new" "$1/cur" -type f | wc -l; }

if command -v mbsync >/dev/null; then
	say "mbsync: the first sync brings every folder and message"
	mkdir -p "$T/local"
	cat >"$T/mbsyncrc" <<EOC
IMAPAccount facteur
Host 127.0.0.1
Port $P
User joe
Pass Pw4clients
SSLType STARTTLS
CertificateFile $T/cert.pem
SystemCertificates no

IMAPStore remote
Account facteur

MaildirStore local
Path $T/local/
Inbox $T/local/INBOX
SubFolders Verbatim

Channel all
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
SyncState *
EOC
	sync() { timeout 120 mbsync -c "$T/mbsyncrc" -q all >>"$T/mbsync.log" 2>&1 || fail "mbsync: $(tail -5 "$T/mbsync.log")"; }
	sync
	[ "$(msgs "$T/local/INBOX")" = 5 ] || fail "local INBOX has $(msgs "$T/local/INBOX")"
	for f in Sent Drafts Trash Junk Archive; do
		[ -d "$T/local/$f/cur" ] || fail "no local $f"
	done
	say "mbsync: local changes reach the server (new, seen, deleted)"
	printf 'From: me@example.org\nSubject: written locally\nMessage-ID: <local1@test>\n\nhi\n' \
		>"$T/local/INBOX/new/1.local.msg"
	a=$(find "$T/local/INBOX/new" "$T/local/INBOX/cur" -type f | sort | sed -n 1p)
	b=$(find "$T/local/INBOX/new" "$T/local/INBOX/cur" -type f | sort | sed -n 2p)
	an=$(basename "$a") bn=$(basename "$b")
	mv "$a" "$T/local/INBOX/cur/${an%%:*}:2,S"
	mv "$b" "$T/local/INBOX/cur/${bn%%:*}:2,ST"
	sync
	[ "$(msgs "$MD")" = 5 ] || fail "server has $(msgs "$MD") (want 5: one new, one gone)"
	grep -rqs 'local1@test' "$MD/cur" "$MD/new" || fail "new message not on the server"
	[ "$(ls "$MD/cur" | grep -c ':2,[A-Za-z]*S')" -ge 1 ] || fail "\\Seen not on the server: $(ls "$MD/cur")"
	say "mbsync: server changes reach the Maildir (flagged, expunged)"
	python3 - "$P" <<'PYEOF' || fail "imaplib changes"
import imaplib, ssl, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=60)
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
m.starttls(ssl_context=c)
m.login("joe", "Pw4clients")
m.select("INBOX")
m.store("1", "+FLAGS", "(\\Flagged)")
m.store("2", "+FLAGS", "(\\Deleted)")
m.expunge()
m.logout()
PYEOF
	sync
	[ "$(msgs "$T/local/INBOX")" = 4 ] || fail "local INBOX has $(msgs "$T/local/INBOX") (want 4)"
	[ "$(ls "$T/local/INBOX/cur" | grep -c ':2,[A-Z]*F')" = 1 ] || fail "\\Flagged not local: $(ls "$T/local/INBOX/cur")"
	say "mbsync: a second sync changes nothing"
	sum1=$(ls -R "$T/local" "$MD" | md5sum)
	sync
	[ "$(ls -R "$T/local" "$MD" | md5sum)" = "$sum1" ] || fail "second sync changed something"
else
	say "(no mbsync)"
fi

echo no >"$E/disable_plaintext_auth"
if command -v fetchmail >/dev/null; then
	say "fetchmail: every INBOX message, kept on the server"
	mkdir -p "$T/fm"
	cat >"$T/fetchmailrc" <<EOC
poll 127.0.0.1 service $P protocol IMAP auth password
  user joe password Pw4clients is root here
  keep fetchall sslproto '' mda "sh -c 'cat > $T/fm/\$\$'"
EOC
	chmod 600 "$T/fetchmailrc"
	n=$(msgs "$MD")
	HOME=$T timeout 120 fetchmail -f "$T/fetchmailrc" --nosyslog -s >"$T/fm.log" 2>&1 ||
		fail "fetchmail: $(tail -5 "$T/fm.log")"
	[ "$(ls "$T/fm" | wc -l)" = "$n" ] || fail "fetchmail got $(ls "$T/fm" | wc -l) of $n"
	[ "$(msgs "$MD")" = "$n" ] || fail "fetchmail deleted on the server"
else
	say "(no fetchmail)"
fi

if command -v getmail >/dev/null; then
	say "getmail6: every INBOX message into a Maildir"
	mkdir -p "$T/gm/new" "$T/gm/cur" "$T/gm/tmp" "$T/gmdir"
	cat >"$T/getmailrc" <<EOC
[retriever]
type = SimpleIMAPRetriever
server = 127.0.0.1
port = $P
username = joe
password = Pw4clients
mailboxes = ("INBOX",)

[destination]
type = Maildir
path = $T/gm/

[options]
read_all = true
delete = false
verbose = 0
EOC
	n=$(msgs "$MD")
	chown -R 65534:65534 "$T/gm" "$T/gmdir" "$T/getmailrc"
	# getmail refuses to deliver as root
	timeout 120 setpriv --reuid 65534 --regid 65534 --clear-groups env HOME="$T" \
		getmail --getmaildir "$T/gmdir" --rcfile "$T/getmailrc" >"$T/gm.log" 2>&1 ||
		fail "getmail: $(tail -5 "$T/gm.log")"
	[ "$(msgs "$T/gm")" = "$n" ] || fail "getmail got $(msgs "$T/gm") of $n: $(tail -5 "$T/gm.log")"
else
	say "(no getmail)"
fi
if command -v offlineimap >/dev/null; then
	say "offlineimap: INBOX down, then a local deletion and a new flag up"
	mkdir -p "$T/oi" "$T/oimeta"
	cat >"$T/oirc" <<EOC
[general]
accounts = t
metadata = $T/oimeta

[Account t]
localrepository = L
remoterepository = R

[Repository L]
type = Maildir
localfolders = $T/oi

[Repository R]
type = IMAP
remotehost = 127.0.0.1
remoteport = $P
remoteuser = joe
remotepass = Pw4clients
ssl = no
starttls = no
folderfilter = lambda f: f == 'INBOX'
EOC
	oi() { timeout 120 offlineimap -c "$T/oirc" -o -u quiet >>"$T/oi.log" 2>&1 || fail "offlineimap: $(tail -5 "$T/oi.log")"; }
	n=$(msgs "$MD")
	oi
	[ "$(msgs "$T/oi/INBOX")" = "$n" ] || fail "offlineimap got $(msgs "$T/oi/INBOX") of $n"
	f=$(find "$T/oi/INBOX/cur" "$T/oi/INBOX/new" -type f | sort | sed -n 1p)
	g=$(find "$T/oi/INBOX/cur" "$T/oi/INBOX/new" -type f | sort | sed -n 2p)
	rm -f "$f"
	gn=$(basename "$g")
	mv "$g" "$T/oi/INBOX/cur/${gn%%:*}:2,F"
	oi
	[ "$(msgs "$MD")" = $((n - 1)) ] || fail "server has $(msgs "$MD") after a local deletion (want $((n - 1)))"
	[ "$(ls "$MD/cur" | grep -c ':2,[A-Z]*F')" -ge 1 ] || fail "\\Flagged not on the server: $(ls "$MD/cur")"
else
	say "(no offlineimap)"
fi
if command -v mutt >/dev/null && command -v script >/dev/null; then
	say "mutt (driven through script(1)): deletes a message by Message-ID"
	id=$(grep -h -m1 -i '^Message-ID: <pop3-test-' "$MD"/cur/* | head -n 1 | sed 's/.*<\(.*\)>.*/\1/')
	[ -n "$id" ] || fail "no message left for mutt"
	n=$(msgs "$MD")
	cat >"$T/muttrc" <<EOC
set imap_user=joe
set imap_pass=Pw4clients
set folder=imap://127.0.0.1:$P/
set spoolfile=+INBOX
set ssl_starttls=no
set ssl_force_tls=no
set delete=yes
set quit=yes
set confirmappend=no
set mail_check=0
set timeout=1
set header_cache=
set message_cachedir=
EOC
	TERM=vt100 timeout 60 script -qec "mutt -n -F $T/muttrc -f imap://127.0.0.1:$P/INBOX -e 'push \"<delete-pattern>~i $id<enter><sync-mailbox><quit>\"'" /dev/null \
		>"$T/mutt.log" 2>&1 </dev/null || fail "mutt: $(tail -c 300 "$T/mutt.log")"
	[ "$(msgs "$MD")" = $((n - 1)) ] || fail "mutt left $(msgs "$MD") of $n"
	grep -rqs "$id" "$MD/cur" "$MD/new" && fail "mutt did not delete $id"
else
	say "(no mutt)"
fi
grep -q 'Sanitizer\|runtime error' "$T/server.log" && fail "sanitizer: $(grep -m3 'Sanitizer\|runtime error' "$T/server.log")"
exit 0

# make run: IMAP on 127.0.0.1:1143 (STARTTLS through tlsd -n) and 1993
# (implicit TLS through tlsd), tcpserver -> tlsd -> imap-login -> checkpw
# -> imapd, serving the demo user's Maildir.  The demo user is "demo",
# password "demo", in demo/etc/passwd (made here or by the POP3 fragment,
# whichever runs first).  Sourced by tools/run (DEMO, BIN, TOP).
# Plaintext logins need TLS (disable_plaintext_auth, default yes);
# CRAM-MD5 works on 1143 without it.
[ -x "$BIN/imap-login" ] && [ -x "$BIN/imapd" ] && [ -x "$BIN/checkpw" ] || return 0

TLSDIR=$DEMO/etc/tls
if [ -x "$BIN/tlsd" ] && command -v openssl >/dev/null 2>&1 && [ ! -e "$TLSDIR/cert.pem" ]; then
	mkdir -p "$TLSDIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TLSDIR/key.pem" -out "$TLSDIR/cert.pem" -days 365 \
		-subj /CN=localhost 2>/dev/null || rm -f "$TLSDIR/cert.pem"
	chmod 600 "$TLSDIR/key.pem" 2>/dev/null || true
fi

# The mail user: as root the session runs as nobody (and tlsd as
# daemon), never root; otherwise as whoever runs the demo.
if [ "$(id -u)" = 0 ]; then
	IMAP_UID=$(id -u nobody) IMAP_GID=$(id -g nobody)
	IMAP_IDS="-u nobody -U daemon"
	chown -R "$IMAP_UID:$IMAP_GID" "$DEMO/mail/demo"
else
	IMAP_UID=$(id -u) IMAP_GID=$(id -g)
	IMAP_IDS=
fi
if ! "$BIN/facteur-passwd" list 2>/dev/null | awk '$1 == "demo" { f = 1 } END { exit !f }'; then
	echo demo | "$BIN/facteur-passwd" add -s -c -u "$IMAP_UID" -g "$IMAP_GID" \
		-d "$DEMO/mail/demo" -m "$DEMO/mail/demo/Maildir" demo
fi
chmod 644 "$DEMO/etc/passwd.cdb"

IMAP_CHAIN="$BIN/imap-login $BIN/checkpw $BIN/imapd"
if [ -e "$TLSDIR/cert.pem" ]; then
	# shellcheck disable=SC2086
	tcp_service imapd 1143 "$BIN/tlsd" -n -c "$TLSDIR/cert.pem" -k "$TLSDIR/key.pem" $IMAP_IDS $IMAP_CHAIN
	# shellcheck disable=SC2086
	tcp_service imapd-tls 1993 "$BIN/tlsd" -c "$TLSDIR/cert.pem" -k "$TLSDIR/key.pem" $IMAP_IDS $IMAP_CHAIN
elif [ "$(id -u)" = 0 ]; then
	# shellcheck disable=SC2086
	tcp_service imapd 1143 s6-setuidgid nobody $IMAP_CHAIN
else
	# shellcheck disable=SC2086
	tcp_service imapd 1143 $IMAP_CHAIN
fi
echo "IMAP: user demo, password demo: 127.0.0.1:1143 (STARTTLS), 127.0.0.1:1993 (TLS)"
echo "  curl -k --ssl-reqd -u demo:demo 'imap://127.0.0.1:1143/INBOX;UID=1'"

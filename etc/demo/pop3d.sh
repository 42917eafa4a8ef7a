# make run: POP3 on 127.0.0.1:1110 (STLS through tlsd -n) and 1995
# (implicit TLS through tlsd), tcpserver -> tlsd -> pop3-login -> checkpw
# -> pop3d, serving the demo user's Maildir.  The demo user is "demo",
# password "demo", in demo/etc/passwd.  Sourced by tools/run (DEMO, BIN,
# TOP).  Plaintext logins need TLS (disable_plaintext_auth, default yes);
# CRAM-MD5 works on 1110 without it.
[ -x "$BIN/pop3-login" ] && [ -x "$BIN/pop3d" ] && [ -x "$BIN/checkpw" ] || return 0

# A self-signed certificate for the demo only (the smtpd fragment makes
# the same one if it runs first).
TLSDIR=$DEMO/etc/tls
if [ -x "$BIN/tlsd" ] && command -v openssl >/dev/null 2>&1 && [ ! -e "$TLSDIR/cert.pem" ]; then
	mkdir -p "$TLSDIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TLSDIR/key.pem" -out "$TLSDIR/cert.pem" -days 365 \
		-subj /CN=localhost 2>/dev/null || rm -f "$TLSDIR/cert.pem"
	chmod 600 "$TLSDIR/key.pem" 2>/dev/null || true
fi

# The mail user: as root the session runs as nobody (and tlsd as
# daemon), never root; otherwise as whoever runs the demo (checkpw,
# unprivileged, can become only its own uid).
if [ "$(id -u)" = 0 ]; then
	POP3_UID=$(id -u nobody) POP3_GID=$(id -g nobody)
	POP3_IDS="-u nobody -U daemon"
	chown -R "$POP3_UID:$POP3_GID" "$DEMO/mail/demo"
else
	POP3_UID=$(id -u) POP3_GID=$(id -g)
	POP3_IDS=
fi
if ! "$BIN/facteur-passwd" list 2>/dev/null | awk '$1 == "demo" { f = 1 } END { exit !f }'; then
	echo demo | "$BIN/facteur-passwd" add -s -c -u "$POP3_UID" -g "$POP3_GID" \
		-d "$DEMO/mail/demo" -m "$DEMO/mail/demo/Maildir" demo
fi
chmod 644 "$DEMO/etc/passwd.cdb"

POP3_CHAIN="$BIN/pop3-login $BIN/checkpw $BIN/pop3d"
if [ -e "$TLSDIR/cert.pem" ]; then
	# shellcheck disable=SC2086
	tcp_service pop3d 1110 "$BIN/tlsd" -n -c "$TLSDIR/cert.pem" -k "$TLSDIR/key.pem" $POP3_IDS $POP3_CHAIN
	# shellcheck disable=SC2086
	tcp_service pop3d-tls 1995 "$BIN/tlsd" -c "$TLSDIR/cert.pem" -k "$TLSDIR/key.pem" $POP3_IDS $POP3_CHAIN
elif [ "$(id -u)" = 0 ]; then
	# shellcheck disable=SC2086
	tcp_service pop3d 1110 s6-setuidgid nobody $POP3_CHAIN
else
	# shellcheck disable=SC2086
	tcp_service pop3d 1110 $POP3_CHAIN
fi
echo "POP3: user demo, password demo: 127.0.0.1:1110 (STLS), 127.0.0.1:1995 (TLS)"
echo "  curl -k --ssl-reqd -u demo:demo pop3://127.0.0.1:1110/1"

# make run: smtpd on 127.0.0.1:2525 (plain, STARTTLS offered when tlsd
# and a certificate are there) and on 127.0.0.1:2465 (implicit TLS), into
# the demo spool through enqueue.  Sourced by tools/run (DEMO, BIN, TOP).
mkdir -p "$DEMO/spool/tmp" "$DEMO/spool/todo"
[ -p "$DEMO/spool/trigger" ] || mkfifo "$DEMO/spool/trigger"
[ -e "$DEMO/etc/local_recipients" ] || printf 'demo\npostmaster\n' >"$DEMO/etc/local_recipients"

# A self-signed certificate for the demo only.
TLSDIR=$DEMO/etc/tls
if [ -x "$BIN/tlsd" ] && command -v openssl >/dev/null 2>&1 && [ ! -e "$TLSDIR/cert.pem" ]; then
	mkdir -p "$TLSDIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TLSDIR/key.pem" -out "$TLSDIR/cert.pem" -days 365 \
		-subj /CN=localhost 2>/dev/null || rm -f "$TLSDIR/cert.pem"
	chmod 600 "$TLSDIR/key.pem" 2>/dev/null || true
fi

# As root, smtpd runs as nobody (and tlsd as daemon): never root.
SMTPD_IDS=
if [ "$(id -u)" = 0 ]; then
	SMTPD_IDS="-u nobody -U daemon"
	chown -R nobody "$DEMO/spool"
fi
if [ -e "$TLSDIR/cert.pem" ]; then
	# shellcheck disable=SC2086
	tcp_service smtpd 2525 "$BIN/tlsd" -n -c "$TLSDIR/cert.pem" -k "$TLSDIR/key.pem" $SMTPD_IDS "$BIN/smtpd"
	# shellcheck disable=SC2086
	tcp_service smtpd-tls 2465 "$BIN/tlsd" -c "$TLSDIR/cert.pem" -k "$TLSDIR/key.pem" $SMTPD_IDS "$BIN/smtpd"
elif [ "$(id -u)" = 0 ]; then
	tcp_service smtpd 2525 s6-setuidgid nobody "$BIN/smtpd"
else
	tcp_service smtpd 2525 "$BIN/smtpd"
fi

# smtpd with AUTH through checkpw and TLS through tlsd: CRAM-MD5 without
# TLS, PLAIN/LOGIN only inside TLS (538 otherwise), relaying after AUTH,
# the A envelope record and ESMTPA/ESMTPSA Received lines, STARTTLS
# (forgetting EHLO, no second STARTTLS), STARTTLS command injection,
# UCSPITLS=! (TLS required) and implicit TLS as on port 465.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd.inc"
set -e
is_root || skip "needs root (checkpw identity switch, tlsd identities)"
for p in checkpw facteur-passwd tlsd; do
	[ -x "$BIN/$p" ] || skip "no $p built"
done
command -v openssl >/dev/null || skip "openssl not installed"
PY="python3 $(cd "$(dirname "$0")" && pwd)/smtpd_tls_client.py"
E="$FACTEUR_ETC"
chmod 755 "$E"
echo 1 >"$E/argon2_passes"; echo 8 >"$E/argon2_memory"; echo 0 >"$E/checkpw_delay"
mkdir -p "$T/home/joe" "$T/home/tim"
chown 65534:65534 "$T/home/joe" "$T/home/tim"
echo secret | "$BIN/facteur-passwd" add -s -u 65534 -g 65534 -d "$T/home/joe" joe
echo tanstaaftanstaaf | "$BIN/facteur-passwd" add -s -c -u 65534 -g 65534 -d "$T/home/tim" tim
# smtpd runs as nobody under tlsd: let it read the database and write the spool.
chown 65534 "$E/passwd.cdb"
chmod -R a+rwX "$FACTEUR_SPOOL"
echo 192.0.2.0/24 >"$E/mynetworks"   # 127.0.0.1 may not relay without AUTH
cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=mx.example.org 2>/dev/null
chmod 600 key.pem
export CAFILE="$T/cert.pem"

# serve NAME CMD...: tcpserver on a free port running CMD; sets P_NAME.
serve() {
	name=$1; shift
	tcpserver -R -H -l localhost -1 127.0.0.1 0 "$@" >"$T/$name.port" 2>>"$T/smtpd.log" &
	on_exit "kill $! 2>/dev/null"
	for _ in $(seq 100); do
		grep -q '^[0-9]' "$T/$name.port" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^[0-9]' "$T/$name.port" || fail "tcpserver $name did not start"
	eval "P_$name=\$(head -n 1 \"\$T/\$name.port\")"
}

serve plain "$BIN/smtpd" "$BIN/checkpw" true
serve starttls "$BIN/tlsd" -n -c cert.pem -k key.pem -u nobody -U daemon "$BIN/smtpd" "$BIN/checkpw" true
serve required env UCSPITLS='!' "$BIN/tlsd" -n -c cert.pem -k key.pem -u nobody -U daemon "$BIN/smtpd"
serve implicit "$BIN/tlsd" -c cert.pem -k key.pem -u nobody -U daemon "$BIN/smtpd" "$BIN/checkpw" true

say "AUTH without TLS: CRAM-MD5 only"
$PY cram_plain "$P_plain"
say "STARTTLS, then PLAIN and LOGIN"
$PY starttls "$P_starttls"
say "STARTTLS injection"
$PY injection "$P_starttls"
say "UCSPITLS=!: TLS required"
$PY required "$P_required"
say "implicit TLS (port 465 style)"
$PY implicit "$P_implicit"

if command -v swaks >/dev/null; then
	say "swaks: implicit TLS (465 style), STARTTLS with AUTH LOGIN"
	printf 'Subject: swaks tls\r\n\r\nvia swaks\r\n' >"$T/swaks.data"
	swaks --server 127.0.0.1 --port "$P_implicit" --tls-on-connect --helo swaks.example \
		--from a@b.net --to alice@example.org --data "$T/swaks.data" >"$T/swaks.out" 2>&1 ||
		{ cat "$T/swaks.out"; fail "swaks --tls-on-connect"; }
	swaks --server 127.0.0.1 --port "$P_starttls" --tls --auth LOGIN --auth-user joe \
		--auth-password secret --helo swaks.example --from a@b.net --to x@far.example \
		--data "$T/swaks.data" >"$T/swaks.out" 2>&1 || { cat "$T/swaks.out"; fail "swaks --tls --auth"; }
	grep -q '<~  235 2.7.0' "$T/swaks.out" || fail "swaks AUTH inside TLS: $(cat "$T/swaks.out")"
	n=$(ls "$FACTEUR_SPOOL/todo" | wc -l)
	[ "$n" = 2 ] || fail "swaks: $n messages, want 2"
	grep -l 'with ESMTPSA' "$FACTEUR_SPOOL"/todo/*/mess >/dev/null || fail "no ESMTPSA message from swaks"
	grep -l 'with ESMTPS$' "$FACTEUR_SPOOL"/todo/*/mess >/dev/null || fail "no ESMTPS message from swaks"
	rm -rf "$FACTEUR_SPOOL"/todo/*
fi

say "log: auth and tls events, never a secret"
grep -q 'info: auth ip=127.0.0.1 result=ok mech=CRAM-MD5 user=tim' "$T/smtpd.log" || fail "no auth ok line"
grep -q 'info: auth ip=127.0.0.1 result=fail' "$T/smtpd.log" || fail "no auth fail line"
grep -q 'info: tls ip=127.0.0.1 protocol=TLSv1' "$T/smtpd.log" || fail "no tls line"
if grep -q 'tanstaaf\|c2VjcmV0\|AGpvZQBzZWNyZXQ\|=secret' "$T/smtpd.log"; then fail "a secret in the log"; fi
echo ok

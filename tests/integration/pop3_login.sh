# The whole POP3 chain on loopback: tcpserver -> [tlsd] -> pop3-login ->
# checkpw -> pop3d, with Python's poplib and raw sockets: plaintext
# refused before TLS unless disable_plaintext_auth is no, USER/PASS, SASL
# PLAIN (with and without initial response), LOGIN, CRAM-MD5, aborted and
# malformed AUTH, failed logins (delay, then disconnect), pipelining
# across the login, STLS (tlsd -n) and implicit TLS (tlsd), idle timeout.
. "$(dirname "$0")/lib.sh"
set -e
for t in tcpserver python3 openssl; do
	command -v "$t" >/dev/null || skip "no $t"
done
is_root || skip "needs root (checkpw switches to the mail user)"
id nobody >/dev/null 2>&1 && id daemon >/dev/null 2>&1 || skip "no users nobody/daemon"
for p in pop3-login pop3d checkpw facteur-passwd tlsd; do
	[ -x "$BIN/$p" ] || fail "no $BIN/$p"
done
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK="timeout 120 python3 $HERE/helpers/pop3_check.py"
RAW="timeout 120 python3 $HERE/helpers/pop3_raw.py"
E=$FACTEUR_ETC
# Cheap hashes, no checkpw delay: the delay under test is pop3-login's.
echo 1 >"$E/argon2_passes"
echo 8 >"$E/argon2_memory"
echo 0 >"$E/checkpw_delay"
echo 300 >"$E/login_failure_delay"
chmod 755 "$E"
mkdir -p "$T/home/joe"
chown 65534:65534 "$T/home/joe"
echo secret | "$BIN/facteur-passwd" add -s -c -u 65534 -g 65534 -d "$T/home/joe" joe
chmod 644 "$E/passwd.cdb"
MD=$T/home/joe/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
python3 "$HERE/helpers/pop3_mkmail.py" "$T/msgs" 8
for f in "$T"/msgs/msg*; do "$BIN/maildeliver" "$MD" <"$f"; done
chown -R 65534:65534 "$MD"
export POP3_USER=joe POP3_PASS=secret

cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=pop3-test \
	2>/dev/null || fail "openssl req"
chmod 600 key.pem

CHAIN="$BIN/pop3-login $BIN/checkpw $BIN/pop3d"
# start NAME ARGS...: tcpserver running ARGS on a free port.
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
# As root, tlsd runs the chain as nobody (joe's uid: checkpw need not
# be setuid for that) and proxies as daemon.
start plain $CHAIN
start stls "$BIN/tlsd" -n -c cert.pem -k key.pem -u nobody -U daemon $CHAIN
start imp "$BIN/tlsd" -c cert.pem -k key.pem -u nobody -U daemon $CHAIN
start short "$BIN/pop3-login" -t 2 "$BIN/checkpw" "$BIN/pop3d"
PLAIN=$(port plain) STLS=$(port stls) IMP=$(port imp)

say "before TLS, plaintext is refused: CAPA has no USER, no PLAIN/LOGIN"
$CHECK "$PLAIN" capa >"$T/capa" || fail "capa"
grep -qx 'SASL CRAM-MD5' "$T/capa" || fail "CAPA: $(cat "$T/capa")"
grep -qx 'USER' "$T/capa" && fail "USER offered in plaintext"
grep -qx 'STLS' "$T/capa" && fail "STLS offered without UCSPI-TLS"
for w in TOP UIDL RESP-CODES AUTH-RESP-CODE PIPELINING 'IMPLEMENTATION facteur'; do
	grep -qx "$w" "$T/capa" || fail "CAPA lacks $w"
done
printf 'USER joe\r\nAUTH PLAIN AGpvZQBzZWNyZXQ=\r\nAUTH LOGIN\r\nQUIT\r\n' |
	$RAW "$PLAIN" | tr -d '\r' >"$T/o"
[ "$(grep -c '^-ERR \[AUTH\] plaintext authentication disallowed' "$T/o")" = 3 ] ||
	fail "plaintext not refused: $(cat "$T/o")"

say "CRAM-MD5 needs no TLS"
$CHECK --sasl CRAM-MD5 "$PLAIN" stat >"$T/o" || fail "CRAM-MD5"
grep -q '^(8, ' "$T/o" || fail "CRAM-MD5 STAT: $(cat "$T/o")"

say "STLS (tlsd -n): then USER/PASS works, byte for byte"
$CHECK "$STLS" capa | grep -qx STLS || fail "STLS not offered under tlsd -n"
$CHECK --stls "$STLS" capa >"$T/capa2" || fail "capa after STLS"
grep -qx USER "$T/capa2" || fail "no USER after STLS"
grep -qx STLS "$T/capa2" && fail "STLS offered twice"
grep -qx 'SASL PLAIN LOGIN CRAM-MD5' "$T/capa2" || fail "SASL after STLS: $(cat "$T/capa2")"
$CHECK --stls --user joe --pass secret "$STLS" retrieve "$MD" >"$T/o" || fail "STLS retrieve"
say "$(cat "$T/o")"
$CHECK --stls --sasl PLAIN-IR "$STLS" stat >/dev/null || fail "STLS + AUTH PLAIN"
grep -q 'tls ip=127.0.0.1 protocol=TLSv1' "$T/stls.log" || fail "no tls log"
say "STLS with a command pipelined behind it: the command is not run in TLS"
printf 'STLS\r\nUSER joe\r\n' | $RAW "$STLS" 10 | tr -d '\r' >"$T/o"
grep -q '^+OK begin TLS' "$T/o" || fail "STLS: $(cat "$T/o")"
grep -q 'send PASS' "$T/o" && fail "injected USER was answered"

say "implicit TLS (tlsd): plaintext mechanisms allowed, SASL PLAIN"
$CHECK --ssl --sasl PLAIN "$IMP" stat >/dev/null || fail "implicit TLS PLAIN"
$CHECK --ssl --user joe --pass secret "$IMP" uidl >"$T/u1" || fail "implicit USER"

echo no >"$E/disable_plaintext_auth"
say "disable_plaintext_auth no: USER/PASS, PLAIN, PLAIN with IR, LOGIN in plaintext"
$CHECK --user joe --pass secret "$PLAIN" uidl >"$T/u2" || fail "USER/PASS"
cmp -s "$T/u1" "$T/u2" || fail "UIDL differs between sessions"
for m in PLAIN PLAIN-IR LOGIN CRAM-MD5; do
	$CHECK --sasl $m "$PLAIN" stat >/dev/null || fail "AUTH $m"
done

say "a wrong password, then the right one, then commands, all pipelined in one write"
start=$(date +%s%N)
printf 'USER joe\r\nPASS Wr0ng-pw1\r\nUSER joe\r\nPASS secret\r\nSTAT\r\nLIST 1\r\nNOOP\r\nQUIT\r\n' |
	$RAW "$PLAIN" | tr -d '\r' >"$T/o"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
sed -n 3p "$T/o" | grep -qx -- '-ERR \[AUTH\] authentication failed' || fail "wrong password: $(cat "$T/o")"
sed -n 5p "$T/o" | grep -q '^+OK 8 messages' || fail "login after failure: $(cat "$T/o")"
sed -n 6p "$T/o" | grep -q '^+OK 8 ' || fail "pipelined STAT: $(cat "$T/o")"
sed -n 7p "$T/o" | grep -q '^+OK 1 ' || fail "pipelined LIST"
sed -n 8p "$T/o" | grep -qx '+OK' || fail "pipelined NOOP"
sed -n 9p "$T/o" | grep -q '^+OK bye' || fail "pipelined QUIT"
say "one failed login then success took $ms ms (login_failure_delay 300)"

say "three failures: delay each, then disconnect"
BADPLAIN=$(printf '\0joe\0Bad-pw-c3' | base64 -w0)
printf 'USER joe\r\nPASS Bad-pw-a1\r\nUSER joe\r\nPASS Bad-pw-b2\r\nAUTH PLAIN %s\r\nUSER joe\r\nPASS secret\r\n' "$BADPLAIN" |
	$RAW "$PLAIN" | tr -d '\r' >"$T/o"
[ "$(grep -c '^-ERR \[AUTH\] authentication failed' "$T/o")" = 3 ] || fail "failures: $(cat "$T/o")"
grep -q 'too many failures, closing' "$T/o" || fail "no disconnect after 3"
grep -q '^+OK [0-9]* messages' "$T/o" && fail "a 4th attempt was served"
grep -q 'auth failed ip=127.0.0.1 mech=USER user=joe' "$T/plain.log" || fail "no failure log"
# No password used above, plain or in its base64 form, is in any log.
# The logs' own reason text ("wrong secret", "bad name or secret") is
# taken out first so "secret", the right password, is still checked.
sed -e 's/reason=wrong secret/reason=/g' -e 's/reason=bad name or secret/reason=/g' \
	"$T"/*.log >"$T/logs"
grep -q 'reason=' "$T/logs" || fail "no log lines to check"
for pw in secret Wr0ng-pw1 Bad-pw-a1 Bad-pw-b2 Bad-pw-c3 \
	AGpvZQBzZWNyZXQ= "$BADPLAIN" "$(printf 'secret' | base64 -w0)"; do
	grep -qF -- "$pw" "$T/logs" && fail "a password reached the log: $pw"
done

say "hostile AUTH: abort, bad base64, malformed PLAIN, other authzid, unknown mechanism, APOP"
printf 'AUTH PLAIN\r\n*\r\nAUTH PLAIN !!!!\r\nAUTH PLAIN =\r\nAUTH LOGIN\r\n*\r\nAUTH LOGIN am9l\r\n%%%%\r\nAUTH XOAUTH2\r\nAUTH CRAM-MD5 abc\r\nAUTH CRAM-MD5\r\nbm90IGhleA==\r\nAPOP joe c4c9334bac560ecc979e58001b3e22fb\r\nAUTH\r\nQUIT\r\n' |
	$RAW "$PLAIN" | tr -d '\r' >"$T/o"
cat >"$T/want" <<'EOW'
+OK POP3 ready
+ 
-ERR authentication aborted
-ERR invalid base64
-ERR malformed PLAIN response
+ VXNlcm5hbWU6
-ERR authentication aborted
+ UGFzc3dvcmQ6
-ERR invalid base64
-ERR unsupported authentication mechanism
-ERR CRAM-MD5 takes no initial response
EOW
head -n 11 "$T/o" | diff "$T/want" - || fail "hostile AUTH replies differ"
sed -n 12p "$T/o" | grep -q '^+ ' || fail "no CRAM-MD5 challenge"
sed -n 13p "$T/o" | grep -qx -- '-ERR malformed CRAM-MD5 response' || fail "CRAM garbage: $(sed -n 13p "$T/o")"
sed -n 14p "$T/o" | grep -qx -- '-ERR APOP not supported' || fail "APOP"
sed -n 15,20p "$T/o" | tr '\n' ' ' | grep -qx '+OK PLAIN LOGIN CRAM-MD5 . +OK bye ' || fail "AUTH list: $(sed -n 15,20p "$T/o")"
printf 'AUTH PLAIN %s\r\n' "$(printf 'root\0joe\0secret' | base64 -w0)" |
	$RAW "$PLAIN" | tr -d '\r' >"$T/o"
sed -n 2p "$T/o" | grep -qx -- '-ERR \[AUTH\] authentication failed' || fail "authzid: $(cat "$T/o")"

say "hostile input: overlong line, wrong state, a flood of unknown commands"
{ printf 'USER '; head -c 3000 /dev/zero | tr '\0' x; printf '\r\nSTAT\r\nRETR 1\r\nPASS x\r\nNOOP\r\nQUIT\r\n'; } |
	$RAW "$PLAIN" | tr -d '\r' >"$T/o"
sed -n '2,7p' "$T/o" | tr '\n' '|' | grep -qx -- '-ERR line too long|-ERR command not valid in this state|-ERR command not valid in this state|-ERR USER first|+OK|+OK bye|' ||
	fail "hostile: $(cat "$T/o")"
printf 'XYZZY\r\n%.0s' $(seq 40) | $RAW "$PLAIN" | tr -d '\r' >"$T/o"
grep -q 'too many errors, closing' "$T/o" || fail "no hang-up on a flood"
[ "$(grep -c '^-ERR unknown command' "$T/o")" = 20 ] || fail "flood count: $(grep -c ERR "$T/o")"

say "idle timeout before login (-t 2)"
: | $RAW "$(port short)" 30 | tr -d '\r' >"$T/o"
grep -q '^-ERR autologout' "$T/o" || fail "no autologout: $(cat "$T/o")"
grep -q '<timeout>' "$T/o" && fail "connection stayed open"

say "the Maildir is intact: nothing was deleted by any of this"
[ "$(count "$MD/cur")" = 8 ] || fail "messages lost"

# tlsd -l, tlsd as its own listener on loopback: implicit TLS and
# STARTTLS with openssl s_client and Python's ssl module, the TCP
# environment the program sees (as tcpserver sets it) and its user,
# concurrent connections, the connection limit (-m), SIGHUP reloading the
# certificate (and keeping it when the new one is bad), SIGTERM, a bad key
# refused at start, and no process left behind (checked by PID).
. "$(dirname "$0")/lib.sh"
set -e

for t in openssl python3; do
	command -v "$t" >/dev/null || skip "no $t"
done
HERE=$(cd "$(dirname "$0")" && pwd)
LINED=$(cd "$BIN/.." && pwd)/tests/bin/ucspitls-lined
[ -x "$LINED" ] || fail "no $LINED (built with the programs)"
[ -x "$BIN/tlsd" ] || fail "no $BIN/tlsd"
client() { timeout 60 python3 "$HERE/helpers/tlsclient.py" "$@"; }

cd "$T"
cp "$LINED" "$T/lined"
chmod 755 "$T/lined"
LINED=$T/lined
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=tlsd-listen \
	2>/dev/null || fail "openssl req"
chmod 600 key.pem
: >pids
chmod 666 pids
export LINED_PIDS=$T/pids

IDS=
if is_root; then
	id nobody >/dev/null 2>&1 && id daemon >/dev/null 2>&1 ||
		skip "no users nobody/daemon"
	IDS="-u nobody -U daemon"
fi

# listen NAME ARGS...: tlsd -l ARGS on a free loopback port (port 0: tlsd
# prints the one it got).
listen() {
	name=$1
	shift
	"$BIN/tlsd" -l "$@" >"$T/$name.port" 2>>"$T/$name.log" &
	echo $! >"$T/$name.pid"
	on_exit "kill $! 2>/dev/null"
	for _ in $(seq 100); do
		grep -q '^[0-9]' "$T/$name.port" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^[0-9]' "$T/$name.port" ||
		fail "tlsd -l $name did not start: $(cat "$T/$name.log")"
}
port() { head -n 1 "$T/$1.port"; }
kids() { ps -o pid= --ppid "$(cat "$T/$1.pid")" | wc -l; }

# no_strays NAME WHEN: within 15 s no connection process is left under
# that listener and no program whose pid was recorded is alive.
no_strays() {
	for _ in $(seq 150); do
		left=$(ps -o pid= --ppid "$(cat "$T/$1.pid")" || true)
		for p in $(cat "$T/pids"); do
			[ -d "/proc/$p" ] && left="$left $p"
		done
		[ -z "$(echo $left)" ] && return 0
		sleep 0.1
	done
	ps -o pid,ppid,user,stat,args -p "$(echo $left | tr ' ' ,)" >&2 || true
	fail "stray processes after $2: $left"
}

listen imp -v -c cert.pem -k key.pem $IDS 127.0.0.1 0 "$LINED"
listen stls -n -v -c cert.pem -k key.pem $IDS 127.0.0.1 0 "$LINED"
IMP=$(port imp) STLS=$(port stls)

say "openssl s_client, implicit TLS (1.3 and 1.2)"
out=$(printf 'TLS\r\nQUIT\r\n' | timeout 20 openssl s_client -quiet \
	-connect 127.0.0.1:$IMP 2>/dev/null) || true
echo "$out" | grep -q '^250 TLSv1.3 TLS_' || fail "s_client 1.3: $out"
out=$(printf 'TLS\r\nQUIT\r\n' | timeout 20 openssl s_client -quiet -tls1_2 \
	-connect 127.0.0.1:$IMP 2>/dev/null) || true
echo "$out" | grep -q '^250 TLSv1.2 ECDHE-' || fail "s_client 1.2: $out"
echo "$out" | grep -q '^221 bye' || fail "s_client 1.2 QUIT: $out"

say "openssl s_client -starttls smtp"
out=$(printf 'TLS\r\nQUIT\r\n' | timeout 20 openssl s_client -quiet \
	-starttls smtp -connect 127.0.0.1:$STLS 2>/dev/null) || true
echo "$out" | grep -q '^250 TLSv1.3 TLS_' || fail "s_client starttls: $out"

say "Python ssl, both modes; STARTTLS injection"
client implicit "$IMP" || fail "python implicit"
out=$(client starttls "$STLS") || fail "python starttls: $out"
echo "$out" | grep -q '^plain: 250 none none' ||
	fail "SSL_PROTOCOL set before STARTTLS: $out"
client inject "$STLS" || fail "injected NOOP answered inside TLS"
OPENSSL_CONF=/dev/null client old "$IMP" || fail "python TLS 1.0/1.1 accepted"
no_strays imp "python implicit"
no_strays stls "python starttls"

say "the program's environment is tcpserver's, without tlsd's own"
out=$(printf 'ENV PROTO\r\nENV TCPLOCALIP\r\nENV TCPLOCALPORT\r\nENV TCPREMOTEIP\r\nENV TCPREMOTEPORT\r\nENV TCPREMOTEHOST\r\nENV SSL_PROTOCOL\r\nENV CERTFILE\r\nQUIT\r\n' |
	TCPREMOTEHOST=leak CERTFILE=leak timeout 20 openssl s_client -quiet \
		-connect 127.0.0.1:$IMP 2>/dev/null) || true
echo "$out" | tr -d '\r' | grep '^25' >env.out
want="250 TCP
250 127.0.0.1
250 $IMP
250 127.0.0.1"
[ "$(head -n 4 env.out)" = "$want" ] || fail "environment: $out"
rport=$(sed -n 5p env.out | cut -d' ' -f2)
[ "$rport" -gt 0 ] 2>/dev/null && [ "$rport" != "$IMP" ] ||
	fail "TCPREMOTEPORT: $out"
grep -q '^250 TLSv1' env.out || fail "no SSL_PROTOCOL: $out"
[ "$(grep -c '^250 (unset)$' env.out)" = 2 ] ||
	fail "TCPREMOTEHOST or CERTFILE reached the program: $out"

# Settings given to the listener through its environment stay its own.
CERTFILE=cert.pem TCPREMOTEHOST=evil.example listen envl -k key.pem $IDS \
	127.0.0.1 0 "$LINED"
out=$(printf 'ENV TCPREMOTEHOST\r\nENV CERTFILE\r\nENV KEYFILE\r\nQUIT\r\n' |
	timeout 20 openssl s_client -quiet -connect 127.0.0.1:$(port envl) \
		2>/dev/null) || true
[ "$(echo "$out" | grep -c '^250 (unset)')" = 3 ] ||
	fail "tlsd's settings reached the program: $out"

if is_root; then
	say "users: listener root, connection daemon, program nobody"
	out=$(client ids "$IMP") || fail "ids client: $out"
	echo "$out" | grep -q "^250 uid=$(id -u nobody) gid=$(id -g nobody) " ||
		fail "program's ids: $out"
	echo "$out" | grep -q "^supervisor Uid: $(id -u nobody) " ||
		fail "supervisor's uid: $out"
	echo "$out" | grep -q "^tlsd Uid: $(id -u daemon) " ||
		fail "tlsd's uid: $out"
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$(cat "$T/imp.pid")/status")" = 0 ] ||
		fail "the listener is not root"
fi

say "concurrent connections"
pids=
for i in 1 2 3 4 5 6; do
	client implicit "$IMP" >"$T/par.$i" 2>&1 &
	pids="$pids $!"
	client starttls "$STLS" >"$T/pars.$i" 2>&1 &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=1; done
[ $bad = 0 ] || fail "a concurrent client failed: $(cat "$T"/par.* "$T"/pars.*)"
no_strays imp "concurrent clients"
no_strays stls "concurrent clients"

say "connection limit (-m 1): the second client waits for the first"
listen one -m 1 -c cert.pem -k key.pem $IDS 127.0.0.1 0 "$LINED"
ONE=$(port one)
client tls-hold "$ONE" 4 >/dev/null &
holder=$!
for _ in $(seq 50); do
	[ "$(kids one)" -ge 1 ] && break
	sleep 0.1
done
[ "$(kids one)" = 1 ] || fail "no connection process for the first client"
# A second client: connected by the kernel, not taken by tlsd.
python3 -c "
import socket, ssl, sys
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
s = socket.create_connection(('127.0.0.1', $ONE), timeout=30)
t = c.wrap_socket(s)
t.sendall(b'QUIT\r\n')
print('second served')
" >"$T/second.out" 2>&1 &
second=$!
sleep 1
[ "$(kids one)" = 1 ] || fail "-m 1 allowed two connections"
grep -q served "$T/second.out" && fail "second client served during the first"
wait $holder || true
wait $second || fail "second client not served after the first: $(cat "$T/second.out")"
no_strays one "the connection limit"

say "SIGHUP reloads the certificate; a bad one is refused and the old kept"
want=$(openssl x509 -in cert.pem -outform DER | sha256sum | cut -d' ' -f1)
[ "$(client cert "$IMP")" = "$want" ] || fail "served another certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout key.new -out cert.new -days 2 -subj /CN=tlsd-renewed \
	2>/dev/null || fail "openssl req"
chmod 600 key.new
mv key.new key.pem
mv cert.new cert.pem
[ "$(client cert "$IMP")" = "$want" ] ||
	fail "the listener read the files without SIGHUP"
kill -HUP "$(cat "$T/imp.pid")"
for _ in $(seq 50); do
	grep -q 'reloaded' "$T/imp.log" && break
	sleep 0.1
done
grep -q 'reloaded' "$T/imp.log" || fail "no reload logged: $(cat "$T/imp.log")"
new=$(openssl x509 -in cert.pem -outform DER | sha256sum | cut -d' ' -f1)
[ "$(client cert "$IMP")" = "$new" ] || fail "SIGHUP did not reload"
cp key.pem key.good
echo garbage >key.pem
kill -HUP "$(cat "$T/imp.pid")"
for _ in $(seq 50); do
	grep -q 'reload failed' "$T/imp.log" && break
	sleep 0.1
done
grep -q 'unable to load private key key.pem' "$T/imp.log" ||
	fail "bad key on reload not reported: $(cat "$T/imp.log")"
grep -q 'reload failed' "$T/imp.log" || fail "no 'reload failed'"
[ "$(client cert "$IMP")" = "$new" ] || fail "the old certificate was dropped"
client implicit "$IMP" || fail "no service after a failed reload"
mv key.good key.pem

say "a bad key: clear error, no listener"
echo garbage >bad.pem
rc=0
"$BIN/tlsd" -l -c cert.pem -k bad.pem $IDS 127.0.0.1 0 "$LINED" \
	>"$T/bad.out" 2>"$T/bad.log" || rc=$?
[ $rc = 111 ] || fail "bad key: exit $rc, want 111"
grep -q 'unable to load private key bad.pem' "$T/bad.log" ||
	fail "bad key: $(cat "$T/bad.log")"
[ ! -s "$T/bad.out" ] || fail "bad key: a port was announced"
rc=0
"$BIN/tlsd" -l -c cert.pem -k key.pem $IDS 127.0.0.1 http "$LINED" \
	>/dev/null 2>"$T/badport.log" || rc=$?
[ $rc = 100 ] || fail "a port name (DNS-free numbers only): exit $rc"
rc=0
"$BIN/tlsd" -l -m 0 -c cert.pem -k key.pem $IDS 127.0.0.1 0 "$LINED" \
	>/dev/null 2>&1 || rc=$?
[ $rc = 100 ] || fail "-m 0: exit $rc"

say "SIGTERM ends the listener; the port is closed"
no_strays imp "all the above"
lp=$(cat "$T/imp.pid")
kill -TERM "$lp"
rc=0
for _ in $(seq 100); do
	[ -d "/proc/$lp" ] || break
	sleep 0.1
done
[ -d "/proc/$lp" ] && fail "SIGTERM did not end the listener"
wait "$lp" || rc=$?
[ $rc = 0 ] || fail "listener exit $rc after SIGTERM"
grep -q 'stopped' "$T/imp.log" || fail "no stop logged"
python3 -c "
import socket, sys
try:
    socket.create_connection(('127.0.0.1', $IMP), 2).close()
except OSError:
    sys.exit(0)
sys.exit(1)
" || fail "still listening after SIGTERM"
say "ok"

# tlsd under tcpserver on loopback: implicit TLS and STARTTLS (UCSPI-TLS)
# with openssl s_client and Python's ssl module, TLS 1.0/1.1 refused,
# STARTTLS injection, renewed certificates, client certificates, user
# switching (as root), timeouts, and no stray processes after clean and
# abrupt ends (checked by PID).
. "$(dirname "$0")/lib.sh"
set -e

for t in tcpserver openssl python3; do
	command -v "$t" >/dev/null || skip "no $t"
done
HERE=$(cd "$(dirname "$0")" && pwd)
LINED=$(cd "$BIN/.." && pwd)/tests/bin/ucspitls-lined
[ -x "$LINED" ] || fail "no $LINED (built with the programs)"
[ -x "$BIN/tlsd" ] || fail "no $BIN/tlsd"
client() { timeout 60 python3 "$HERE/helpers/tlsclient.py" "$@"; }

cd "$T"
# The programs run as nobody (as root): keep them where nobody can reach
# them, whatever the permissions of the checkout.
cp "$LINED" "$T/lined"
cp "$HERE/helpers/ytls.py" "$T/ytls.py"
chmod 755 "$T/lined" "$T/ytls.py"
LINED=$T/lined
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=tlsd-test \
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

# start NAME ARGS...: tcpserver running tlsd ARGS on a free port.
start() {
	name=$1
	shift
	tcpserver -R -H -l localhost -1 127.0.0.1 0 "$BIN/tlsd" "$@" \
		>"$T/$name.port" 2>>"$T/$name.log" &
	echo $! >"$T/$name.pid"
	on_exit "kill $! 2>/dev/null"
	for _ in $(seq 100); do
		grep -q '^[0-9]' "$T/$name.port" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^[0-9]' "$T/$name.port" || fail "tcpserver $name did not start"
}
port() { head -n 1 "$T/$1.port"; }

# no_strays NAME: within 15 s no tlsd is left under that tcpserver and
# no program whose pid was recorded is alive (zombies count).
no_strays() {
	tcps=$(cat "$T/$1.pid")
	for _ in $(seq 150); do
		left=$(ps -o pid= --ppid "$tcps" || true)
		for p in $(cat "$T/pids"); do
			[ -d "/proc/$p" ] && left="$left $p"
		done
		[ -z "$(echo $left)" ] && return 0
		sleep 0.1
	done
	ps -o pid,ppid,user,stat,args -p "$(echo $left | tr ' ' ,)" >&2 || true
	fail "stray processes after $2: $left"
}

start imp -v -c cert.pem -k key.pem $IDS "$LINED"
start stls -n -v -c cert.pem -k key.pem $IDS "$LINED"
start vuln -n -c cert.pem -k key.pem $IDS env LINED_VULNERABLE=1 "$LINED"
start ytls -n -c cert.pem -k key.pem $IDS python3 "$T/ytls.py"
start cat -c cert.pem -k key.pem $IDS cat
start deaf -w 1 -c cert.pem -k key.pem $IDS \
	sh -c "echo \$\$ >>$T/pids; exec sleep 300"
start short -v -h 4 -t 2 -w 2 -c cert.pem -k key.pem $IDS "$LINED"
IMP=$(port imp) STLS=$(port stls) VULN=$(port vuln) SHORT=$(port short)
CAT=$(port cat) DEAF=$(port deaf) YTLS=$(port ytls)

say "openssl s_client, implicit TLS (1.3 and 1.2)"
out=$(printf 'TLS\r\nQUIT\r\n' | timeout 20 openssl s_client -quiet \
	-connect 127.0.0.1:$IMP 2>/dev/null) || true
echo "$out" | grep -q '^250 TLSv1.3 TLS_' || fail "s_client 1.3: $out"
out=$(printf 'TLS\r\nQUIT\r\n' | timeout 20 openssl s_client -quiet -tls1_2 \
	-connect 127.0.0.1:$IMP 2>/dev/null) || true
echo "$out" | grep -q '^250 TLSv1.2 ECDHE-' || fail "s_client 1.2: $out"
echo "$out" | grep -q '^221 bye' || fail "s_client 1.2 QUIT: $out"
no_strays imp "s_client implicit"

say "openssl s_client -starttls smtp"
out=$(printf 'TLS\r\nQUIT\r\n' | timeout 20 openssl s_client -quiet \
	-starttls smtp -connect 127.0.0.1:$STLS 2>/dev/null) || true
echo "$out" | grep -q '^250 TLSv1.3 TLS_' || fail "s_client starttls: $out"
no_strays stls "s_client starttls"

say "a daemon written for the qmail patches (\"y\", no answer)"
out=$(printf 'ECHO inside-tls\r\nQUIT\r\n' | timeout 20 openssl s_client \
	-quiet -starttls smtp -connect 127.0.0.1:$YTLS 2>/dev/null) || true
echo "$out" | grep -q '^250 inside-tls' || fail "y-style daemon: $out"
no_strays ytls "y-style daemon"

say "Python ssl, both modes"
client implicit "$IMP" || fail "python implicit"
out=$(client starttls "$STLS") || fail "python starttls: $out"
echo "$out"
echo "$out" | grep -q '^plain: 250 none none' ||
	fail "SSL_PROTOCOL set before STARTTLS: $out"
no_strays imp "python implicit"
no_strays stls "python starttls"

say "bulk both ways through tlsd (cat as the program)"
client echo "$CAT" 8 || fail "bulk echo"
no_strays cat "bulk echo"

say "a server that does not start TLS still says why"
out=$(printf 'STARTTLS\r\nQUIT\r\n' | UCSPITLS=- timeout 10 "$LINED") ||
	fail "lined alone"
echo "$out" | grep -q '^454 ' || fail "no 454 without UCSPI-TLS: $out"

say "TLS 1.0 and 1.1 are refused (the same clients get 1.1 from s_server)"
SSPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sleep 30 | OPENSSL_CONF=/dev/null timeout 30 openssl s_server -quiet \
	-accept 127.0.0.1:$SSPORT -cert cert.pem -key key.pem -tls1_1 \
	-cipher 'DEFAULT@SECLEVEL=0' >"$T/ss.out" 2>&1 &
SS=$!
on_exit "kill $SS 2>/dev/null"
for _ in $(seq 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $SSPORT), 1)" 2>/dev/null && break
	sleep 0.1
done
[ -n "$SSPORT" ] || fail "no s_server port"
for v in -tls1 -tls1_1; do
	out=$(echo | OPENSSL_CONF=/dev/null timeout 20 openssl s_client $v \
		-cipher 'DEFAULT@SECLEVEL=0' -connect 127.0.0.1:$IMP 2>&1) &&
		fail "s_client $v accepted"
	echo "$out" | grep -q 'Cipher is (NONE)' || fail "s_client $v: $out"
done
out=$(echo | OPENSSL_CONF=/dev/null timeout 20 openssl s_client -tls1_1 \
	-cipher 'DEFAULT@SECLEVEL=0' -connect 127.0.0.1:$SSPORT 2>&1) || true
echo "$out" | grep -q 'Protocol  : TLSv1.1' || fail "control: s_server 1.1: $out"
echo "$out" | grep -q 'Cipher is (NONE)' && fail "control: s_server refused 1.1"
OPENSSL_CONF=/dev/null client old "$IMP" || fail "python TLS 1.0/1.1 accepted"
grep -q 'handshake failed .*unsupported protocol' "$T/imp.log" ||
	fail "no refusal logged: $(cat "$T/imp.log")"
no_strays imp "refused handshakes"

say "STARTTLS injection"
client inject "$STLS" || fail "injected NOOP answered inside TLS"
# The same check against a daemon that keeps its buffered input: it
# must catch the bug, or the check above proves nothing.
if client inject "$VULN"; then
	fail "the injection check missed a vulnerable daemon"
fi
client inject-late "$STLS" || fail "late plaintext NOOP answered"
grep -q 'handshake failed' "$T/stls.log" ||
	fail "late plaintext did not fail the handshake"
no_strays stls "injection"
no_strays vuln "injection (vulnerable daemon)"

say "a half-close without close_notify still gets its answer"
client halfclose "$IMP" || fail "answer lost after a half-close"
no_strays imp "half-close"

say "abrupt disconnects leave no processes"
client abrupt-tls "$IMP" || fail "abrupt-tls client"
no_strays imp "reset inside TLS"
client abrupt-handshake "$IMP" || fail "abrupt-handshake client"
no_strays imp "reset during the handshake"
client abrupt-plain "$STLS" || fail "abrupt-plain client"
no_strays stls "reset in plaintext"
client abrupt-starttls "$STLS" || fail "abrupt-starttls client"
no_strays stls "reset after STARTTLS"
# Several at once.
kids=
for _ in 1 2 3 4 5; do
	client abrupt-tls "$IMP" >/dev/null &
	kids="$kids $!"
	client abrupt-starttls "$STLS" >/dev/null &
	kids="$kids $!"
done
wait_ok=0
for j in $kids; do wait "$j" || wait_ok=1; done
[ $wait_ok = 0 ] || fail "a parallel abrupt client failed"
no_strays imp "parallel resets"
no_strays stls "parallel resets"

say "a program that ignores its client going away is ended"
client tls-reset "$DEAF" || fail "tls-reset client"
no_strays deaf "a reset under a program that does not read"
grep -q 'still running after 1 s' "$T/deaf.log" ||
	fail "no grace-time warning: $(cat "$T/deaf.log")"

# tlsd itself killed: its supervisor still ends the program.
n0=$(wc -l <"$T/pids")
client tls-hold "$DEAF" 5 &
holder=$!
for _ in $(seq 50); do
	[ "$(wc -l <"$T/pids")" -gt "$n0" ] && break
	sleep 0.1
done
[ "$(wc -l <"$T/pids")" -gt "$n0" ] || fail "deaf program did not start"
victim=$(ps -o pid= --ppid "$(cat "$T/deaf.pid")" | head -n 1)
[ -n "$victim" ] || fail "no tlsd under the deaf tcpserver"
kill -KILL $victim
no_strays deaf "tlsd killed"
wait $holder || true

say "handshake and idle timeouts"
client silent "$SHORT" || fail "silent client not dropped"
grep -q 'handshake failed .*timed out' "$T/short.log" ||
	fail "no handshake timeout logged: $(cat "$T/short.log")"
client idle "$SHORT" || fail "idle client not dropped"
grep -q 'idle timeout' "$T/short.log" || fail "no idle timeout logged"
no_strays short "timeouts"

say "a renewed certificate is used by the next connection"
before=$(client cert "$IMP")
want=$(openssl x509 -in cert.pem -outform DER | sha256sum | cut -d' ' -f1)
[ "$before" = "$want" ] || fail "served $before, file has $want"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout key.new -out cert.new -days 2 -subj /CN=tlsd-renewed \
	2>/dev/null || fail "openssl req"
chmod 600 key.new
mv key.new key.pem
mv cert.new cert.pem
after=$(client cert "$IMP")
want=$(openssl x509 -in cert.pem -outform DER | sha256sum | cut -d' ' -f1)
[ "$after" = "$want" ] && [ "$after" != "$before" ] ||
	fail "renewed certificate not served: $after (want $want)"

say "client certificates (optional)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout ca.key -out ca.pem -days 2 -subj /CN=tlsd-test-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout client.key -out client.csr -subj /CN=client-one 2>/dev/null
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-days 2 -out client.pem 2>/dev/null || fail "sign client cert"
start cca -a ca.pem -c cert.pem -k key.pem $IDS "$LINED"
CCA=$(port cca)
out=$(client clientcert "$CCA")
echo "$out" | grep -q '^250 NONE$' || fail "no client cert: $out"
out=$(client clientcert "$CCA" client.pem client.key)
echo "$out" | grep -q '^250 SUCCESS$' || fail "client cert: $out"
echo "$out" | grep -q '^250 CN=client-one$' || fail "client DN: $out"
# A certificate from another CA fails the handshake, even when optional.
if client clientcert "$CCA" cert.pem key.pem >/dev/null 2>&1; then
	fail "client certificate from an unknown CA accepted"
fi
grep -q 'handshake failed' "$T/cca.log" || fail "unknown CA not logged"
no_strays cca "client certificates"

say "client certificates (required, -A)"
start ccr -A -a ca.pem -c cert.pem -k key.pem $IDS "$LINED"
CCR=$(port ccr)
if client clientcert "$CCR" >/dev/null 2>&1; then
	fail "-A accepted a client without a certificate"
fi
out=$(client clientcert "$CCR" client.pem client.key)
echo "$out" | grep -q '^250 SUCCESS$' || fail "-A with a client cert: $out"
no_strays ccr "required client certificates"

if is_root; then
	say "identities: program as nobody, tlsd as daemon, key root-only"
	out=$(client ids "$IMP")
	echo "$out"
	echo "$out" | grep -q "^250 uid=$(id -u nobody) gid=$(id -g nobody) " ||
		fail "program not run as nobody: $out"
	n=$(id -u nobody) d=$(id -u daemon)
	echo "$out" | grep -q "^supervisor Uid: $n $n $n $n$" ||
		fail "supervisor not run as nobody: $out"
	echo "$out" | grep -q "^tlsd Uid: $d $d $d $d$" ||
		fail "tlsd not running as daemon: $out"
	[ "$(stat -c %a:%U key.pem)" = 600:root ] || fail "key not root-only"
	expect_rc 100 "$BIN/tlsd" -c cert.pem -k key.pem -U daemon true
	expect_rc 100 "$BIN/tlsd" -c cert.pem -k key.pem -u nobody true
	expect_rc 100 "$BIN/tlsd" -c cert.pem -k key.pem -u daemon -U daemon true
fi

say "usage and configuration errors"
expect_rc 100 "$BIN/tlsd"
expect_rc 100 env -u CERTFILE "$BIN/tlsd" true
expect_rc 100 "$BIN/tlsd" -h 0 -c cert.pem true
expect_rc 100 "$BIN/tlsd" -t x -c cert.pem true
# A missing key is a temporary failure; the program never runs.
: >ran
chmod 666 ran
expect_rc 111 "$BIN/tlsd" -c cert.pem -k /nonexistent $IDS \
	sh -c "echo ran >$T/ran" </dev/null
[ ! -s ran ] || fail "program ran without a key"
grep -q 'unable to load private key' "$T/stderr" || fail "$(cat "$T/stderr")"

# Under the sanitizer build, any report in a log is a failure.
if grep -l 'Sanitizer' "$T"/*.log "$T/stderr" 2>/dev/null; then
	fail "sanitizer report: $(grep -h -A5 Sanitizer "$T"/*.log | head -40)"
fi
echo "tlsd: all checks passed"

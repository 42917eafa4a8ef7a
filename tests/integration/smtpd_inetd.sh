# smtpd the way inetd and a systemd socket with Accept=yes run it: the
# connected TCP socket on fd 0 and 1 and no UCSPI environment, so the
# client's address comes from getpeername(0).  An inetd-style launcher
# (helpers/inetd.py: accept, fork, exec with a scrubbed environment), then
# systemd-socket-activate --inetd -a when it is installed.  Python's
# smtplib sends a message; the Received header, the log and relaying by
# mynetworks all see 127.0.0.1.  tlsd in front of smtpd, and pop3-login,
# under inetd also know the client.
. "$(dirname "$0")/lib.sh"
set -e
command -v python3 >/dev/null || skip "no python3"
. "$(dirname "$0")/smtpd.inc"
HERE=$(cd "$(dirname "$0")" && pwd)
printf '127.0.0.0/8\n' >"$FACTEUR_ETC/mynetworks"

# send PORT RCPT: one message through smtplib; prints the queue reply.
send() {
	python3 - "$1" "$2" <<'EOP'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
s.ehlo("client.example")
code, msg = s.docmd("MAIL FROM:<sender@example.net>")
assert code == 250, (code, msg)
code, msg = s.docmd(f"RCPT TO:<{sys.argv[2]}>")
assert code == 250, (code, msg)
code, msg = s.data(b"Subject: inetd\r\n\r\nhello\r\n")
assert code == 250, (code, msg)
print(msg.decode())
s.quit()
EOP
}
# check NAME LOG: one message spooled, Received from [127.0.0.1], logged.
check() {
	n=$(ls "$FACTEUR_SPOOL/todo" | wc -l)
	[ "$n" = 1 ] || fail "$1: $n messages in todo/, want 1"
	d=$(ls -d "$FACTEUR_SPOOL"/todo/*)
	grep -q '^Received: from client.example (\[127\.0\.0\.1\]' "$d/mess" ||
		fail "$1: Received: $(grep -A2 '^Received' "$d/mess")"
	grep -q 'ip=127\.0\.0\.1' "$2" || fail "$1: log lacks ip=127.0.0.1: $(cat "$2")"
	grep -q 'ip=unknown\|ip= ' "$2" && fail "$1: an unknown address was logged"
	rm -rf "$FACTEUR_SPOOL"/todo/*
}

say "inetd style (accept, fork, exec; no TCPREMOTEIP)"
PORT=$(free_port)
python3 "$HERE/helpers/inetd.py" "$PORT" "$T/inetd.log" "$BIN/smtpd" &
INETD=$!
on_exit "kill $INETD 2>/dev/null; wait $INETD 2>/dev/null"
for _ in $(seq 100); do
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" 2>/dev/null && break
	sleep 0.1
done
send "$PORT" alice@example.org >"$T/reply" || fail "inetd: smtplib failed: $(cat "$T/inetd.log")"
check inetd "$T/inetd.log"
say "relaying for mynetworks works on the getpeername address"
send "$PORT" someone@elsewhere.example >/dev/null || fail "inetd: relay for 127.0.0.1 refused: $(tail -n 3 "$T/inetd.log")"
check relay "$T/inetd.log"

say "tlsd -n in front, under inetd: it tells smtpd the client's address"
command -v openssl >/dev/null || skip "no openssl"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=inetd-test \
	2>/dev/null || fail "openssl req"
TPORT=$(free_port)
TLSD="$BIN/tlsd -n -c $T/cert.pem -k $T/key.pem"
is_root && TLSD="$TLSD -u nobody -U daemon" && chown -R nobody "$FACTEUR_SPOOL"
# shellcheck disable=SC2086
python3 "$HERE/helpers/inetd.py" "$TPORT" "$T/tlsd.log" $TLSD "$BIN/smtpd" &
TINETD=$!
on_exit "kill $TINETD 2>/dev/null; wait $TINETD 2>/dev/null"
for _ in $(seq 100); do
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$TPORT" 2>/dev/null && break
	sleep 0.1
done
send "$TPORT" alice@example.org >/dev/null || fail "tlsd+smtpd: smtplib failed: $(cat "$T/tlsd.log")"
check tlsd "$T/tlsd.log"

say "pop3-login under inetd logs the client's address"
PPORT=$(free_port)
python3 "$HERE/helpers/inetd.py" "$PPORT" "$T/pop3.log" "$BIN/pop3-login" "$BIN/checkpw" "$BIN/pop3d" &
PINETD=$!
on_exit "kill $PINETD 2>/dev/null; wait $PINETD 2>/dev/null"
for _ in $(seq 100); do
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PPORT" 2>/dev/null && break
	sleep 0.1
done
python3 - "$PPORT" <<'EOP' || fail "pop3-login under inetd"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
assert f.readline().startswith(b"+OK"), "greeting"
s.sendall(b"QUIT\r\n")
assert f.readline().startswith(b"+OK bye"), "quit"
EOP
for _ in $(seq 50); do grep -q 'reason=quit' "$T/pop3.log" && break; sleep 0.1; done
grep -q 'pop3-login: .* end ip=127\.0\.0\.1 reason=quit' "$T/pop3.log" ||
	fail "pop3-login log: $(cat "$T/pop3.log")"

if command -v systemd-socket-activate >/dev/null; then
	say "systemd-socket-activate --inetd -a (Accept=yes)"
	PORT=$(free_port)
	# It passes on only the variables named with -E.
	systemd-socket-activate --inetd -a -l "127.0.0.1:$PORT" \
		-E FACTEUR_ETC -E FACTEUR_SPOOL "$BIN/smtpd" 2>"$T/systemd.log" &
	SSA=$!
	on_exit "kill $SSA 2>/dev/null; wait $SSA 2>/dev/null"
	for _ in $(seq 100); do
		python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" 2>/dev/null && break
		sleep 0.1
	done
	send "$PORT" alice@example.org >/dev/null || fail "systemd: smtplib failed: $(cat "$T/systemd.log")"
	check systemd "$T/systemd.log"
else
	say "(no systemd-socket-activate here: only the inetd-style part ran)"
fi
say "inetd and systemd-style launches get the peer from getpeername"

# smtpd's control files: -t checks them (file:line:col: reason, exit 1),
# a bad one makes a connection get 421 4.3.0 and nothing else; the session
# time limit ends a session that is never idle long enough to time out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd.inc"
set -e
SD="$BIN/smtpd"

say "-t on good files"
expect_rc 0 "$SD" -t

say "-t on bad files: the file, line and reason"
printf '127.0.0.0/8\n10.0.0.0/33\n' >"$FACTEUR_ETC/mynetworks"
expect_rc 1 "$SD" -t
grep -q "mynetworks:2:1: not an address or network: 10.0.0.0/33" "$T/stderr" || fail "bad mynetworks: $(cat "$T/stderr")"
printf '::1/129\n' >"$FACTEUR_ETC/mynetworks"
expect_rc 1 "$SD" -t
rm "$FACTEUR_ETC/mynetworks"
printf '12abc\n' >"$FACTEUR_ETC/message_size_limit"
expect_rc 1 "$SD" -t
grep -q "message_size_limit" "$T/stderr" || fail "bad size limit: $(cat "$T/stderr")"
printf 'a\nb\n' >"$FACTEUR_ETC/myhostname"
expect_rc 1 "$SD" -t

say "a connection with a bad configuration gets 421 and nothing else"
out=$(printf 'EHLO x\r\nQUIT\r\n' | TCPREMOTEIP=127.0.0.1 "$SD" 2>"$T/err"; echo "rc=$?")
[ "$out" = "$(printf '421 4.3.0 configuration error; try again later\r\nrc=111')" ] || fail "bad config session: $out"
rm "$FACTEUR_ETC/message_size_limit"
echo mx.example.org >"$FACTEUR_ETC/myhostname"

say "the session time limit"
echo 2 >"$FACTEUR_ETC/smtpd_session_time_limit"
start_smtpd
python3 - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
t0 = time.time()
last = b""
for i in range(100):          # at most 100 NOOPs, 0.1 s apart
    try:
        s.sendall(b"NOOP\r\n")
        last = f.readline()
    except OSError:
        break
    if not last.startswith(b"250"):
        break
    time.sleep(0.1)
print("session ended after %.1fs with %r" % (time.time() - t0, last))
if not last.startswith(b"421 4.4.2"):
    sys.exit("no 421 4.4.2 at the session time limit: %r" % last)
PY

say "IPv6 clients: mynetworks match, address literal in Received"
kill "$SMTPD_PID"; wait "$SMTPD_PID" 2>/dev/null || true
rm "$FACTEUR_ETC/smtpd_session_time_limit"
printf '[2001:db8::]/32\n192.0.2.0/24\n' >"$FACTEUR_ETC/mynetworks"
session() { printf 'EHLO c\r\nMAIL FROM:<a@b.net>\r\nRCPT TO:<x@far.example>\r\nQUIT\r\n' | TCPREMOTEIP=$1 "$SD" 2>/dev/null | grep '^[0-9][0-9][0-9] ' | sed -n 4p | cut -c1-3; }
[ "$(session 2001:db8::7)" = 250 ] || fail "2001:db8::7 is in 2001:db8::/32"
[ "$(session 2001:db9::7)" = 554 ] || fail "2001:db9::7 is not in mynetworks"
[ "$(session ::ffff:192.0.2.9)" = 250 ] || fail "IPv4-mapped address not matched"
[ "$(session 192.0.3.1)" = 554 ] || fail "192.0.3.1 is not in 192.0.2.0/24"
printf 'EHLO c\r\nMAIL FROM:<a@b.net>\r\nRCPT TO:<postmaster>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n' | TCPREMOTEIP=2001:db8::7 "$SD" >/dev/null 2>&1
head -n 1 "$FACTEUR_SPOOL"/todo/*/mess | grep -q '^Received: from c (\[IPv6:2001:db8::7\])$' || fail "IPv6 Received: $(head -n 1 "$FACTEUR_SPOOL"/todo/*/mess)"

say "local_recipients.cdb: the same entries, compiled (tinycdb's cdb -c -m)"
command -v cdb >/dev/null || skip "tinycdb's cdb not installed"
rm -f "$FACTEUR_ETC/mynetworks" "$FACTEUR_ETC/local_recipients"
printf 'carol\ndave@example.org\n@big.example\n' >"$T/lr"
echo big.example >"$FACTEUR_ETC/virtual_mailbox_domains"
cdb -c -m "$FACTEUR_ETC/local_recipients.cdb" "$T/lr"
expect_rc 0 "$SD" -t
rcpt() { printf 'EHLO c\r\nMAIL FROM:<a@b.net>\r\nRCPT TO:<%s>\r\nQUIT\r\n' "$1" | TCPREMOTEIP=192.0.2.1 "$SD" 2>/dev/null | grep '^[0-9][0-9][0-9] ' | sed -n 4p | cut -c1-3; }
[ "$(rcpt carol@example.org)" = 250 ] || fail "carol (cdb) refused"
[ "$(rcpt Carol@localhost)" = 250 ] || fail "Carol@localhost (cdb, any case) refused"
[ "$(rcpt dave@example.org)" = 250 ] || fail "dave@example.org (cdb) refused"
[ "$(rcpt dave@localhost)" = 550 ] || fail "dave@localhost accepted"
[ "$(rcpt anyone@big.example)" = 250 ] || fail "@big.example (cdb) refused"
[ "$(rcpt alice@example.org)" = 550 ] || fail "alice is not in the cdb"
[ "$(rcpt postmaster@big.example)" = 250 ] || fail "postmaster refused"
printf 'not a cdb' >"$FACTEUR_ETC/local_recipients.cdb"
expect_rc 1 "$SD" -t
grep -q "local_recipients.cdb" "$T/stderr" || fail "bad cdb not reported: $(cat "$T/stderr")"
rm "$FACTEUR_ETC/local_recipients.cdb"
echo ok

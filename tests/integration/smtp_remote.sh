# smtp-remote against Postfix's smtp-sink (with and without PIPELINING,
# 8BITMIME, DSN; soft and hard rejections) and a scriptable fake server
# (per-recipient results, HELO fallback, SIZE, STARTTLS policies,
# SMTPUTF8, multi-line replies).  Every route goes to 127.0.0.1 through
# smtp_routes: no DNS query is ever made.
. "$(dirname "$0")/lib.sh"
set -e
SR="$BIN/smtp-remote"
[ -x "$SR" ] || skip "smtp-remote not built"
command -v smtp-sink >/dev/null || skip "smtp-sink (postfix) is not installed"
HELPERS="$(cd "$(dirname "$0")" && pwd)/helpers"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {
	i=0
	until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; do
		i=$((i + 1)); [ "$i" -lt 100 ] || fail "nothing listens on $1"; sleep 0.1
	done
}
route() { echo "* [127.0.0.1]:$1" >"$FACTEUR_ETC/smtp_routes"; }
echo client.test >"$FACTEUR_ETC/myhostname"

# sink NAME OPTION...: smtp-sink dumping each message into $T/NAME/;
# sets SINKPORT.  As root it must drop to a user (nobody).
sink() {
	name=$1; shift
	mkdir -p "$T/$name"; chmod 777 "$T/$name"
	SINKPORT=$(free_port)
	if is_root; then
		smtp-sink -u nobody "$@" -d "$T/$name/%M." "127.0.0.1:$SINKPORT" 10 2>>"$T/sink.log" &
	else
		smtp-sink "$@" -d "$T/$name/%M." "127.0.0.1:$SINKPORT" 10 2>>"$T/sink.log" &
	fi
	pid=$!
	on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	wait_port "$SINKPORT"
	route "$SINKPORT"
}

# fake NAME OPTION...: the fake server logging to $T/NAME.log; sets FPORT.
fake() {
	name=$1; shift
	rm -f "$T/$name.port"
	python3 "$HELPERS/smtp_fake.py" "$T/$name.port" "$T/$name.log" "$@" 2>>"$T/fake.err" &
	pid=$!
	on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	i=0
	until [ -s "$T/$name.port" ]; do
		i=$((i + 1)); [ "$i" -lt 100 ] || fail "fake server did not start: $(cat "$T/fake.err")"; sleep 0.1
	done
	FPORT=$(cat "$T/$name.port")
	route "$FPORT"
}

# remote ARGS...: runs smtp-remote on $MSG, output in $T/out; must exit 0.
remote() {
	set +e
	"$SR" "$@" <"$MSG" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" = 0 ] || fail "smtp-remote $* exited $rc: $(cat "$T/err")"
}
# want LINE...: $T/out is exactly these lines (fields separated by tabs).
want() {
	: >"$T/want"
	for l in "$@"; do printf '%s\n' "$l" | tr '|' '\t' >>"$T/want"; done
	cmp -s "$T/out" "$T/want" || { diff "$T/want" "$T/out" >&2 || true; fail "report lines differ"; }
}
# dump DIR: the one message smtp-sink saved in DIR.
dump() {
	n=$(ls "$1" | wc -l)
	[ "$n" = 1 ] || fail "$n messages in $1, want 1"
	cat "$1"/*
}
# body_of FILE: the message in a smtp-sink dump (its own headers and the
# empty line it appends removed).
body_of() {
	python3 - "$1" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b"\nReceived: ")
j = d.index(b"\n", d.index(b"\n", i + 1) + 1) + 1  # three lines
j = d.index(b"\n", j) + 1
assert d.endswith(b"\n\n"), d[-20:]
sys.stdout.buffer.write(d[j:-1])
PY
}

MSG="$T/msg"
printf 'From: s@client.test\nSubject: test\n\n.leading dot\n..two dots\ncaf\303\251 = x\nlast\n' >"$MSG"

say "smtp-sink with PIPELINING, 8BITMIME and DSN: parameters passed, bytes intact"
sink s1
remote -8 -E env+2B1 -R HDRS example.org s@client.test \
	'x@example.org NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@example.org' y@example.org
want "ok|x@example.org|[127.0.0.1]|250 2.0.0 Ok" "ok|y@example.org|[127.0.0.1]|250 2.0.0 Ok"
dump "$T/s1" >"$T/d1"
grep -qx 'X-Mail-Args: <s@client.test> BODY=8BITMIME RET=HDRS ENVID=env+2B1' "$T/d1" || fail "MAIL args: $(grep Mail-Args "$T/d1")"
[ "$(grep '^X-Rcpt-Args' "$T/d1")" = "X-Rcpt-Args: <x@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@example.org
X-Rcpt-Args: <y@example.org>" ] || fail "RCPT args: $(grep Rcpt-Args "$T/d1")"
grep -qx 'X-Helo-Args: client.test' "$T/d1" || fail "EHLO name"
body_of "$T/s1"/* >"$T/b1"
cmp "$T/b1" "$MSG" || fail "message bytes changed on the way"

say "CRLF line ends, a lone dot, a bare CR and no final line end"
printf 'Subject: crlf\r\n\r\nline\r\n.\r\nbare\rcr\r\nno end' >"$T/msg2"
MSG="$T/msg2" remote example.org '' z@example.org
want "ok|z@example.org|[127.0.0.1]|250 2.0.0 Ok"
f=$(grep -l '^X-Rcpt-Args: <z@example.org>' "$T"/s1/*)
grep -qx 'X-Mail-Args: <>' "$f" || fail "null sender"
body_of "$f" >"$T/b2"
printf 'Subject: crlf\n\nline\n.\nbare\ncr\nno end\n' | cmp - "$T/b2" || fail "CRLF message: $(od -c "$T/b2" | tail -5)"

say "250 recipients in one transaction (pipelined in groups of 100)"
rcpts=$(seq 1 250 | sed 's/.*/r&@example.org/')
# shellcheck disable=SC2086
remote example.org s@client.test $rcpts
[ "$(grep -c '^ok	r[0-9]*@example.org	\[127.0.0.1\]	250 2.0.0 Ok$' "$T/out")" = 250 ] || fail "250 recipients: $(sort "$T/out" | uniq -c | head)"
seq 1 250 | sed 's/.*/r&@example.org/' | cmp - <(cut -f2 "$T/out") || fail "report not in argument order"
f=$(grep -l '^X-Rcpt-Args: <r250@example.org>' "$T"/s1/*)
[ "$(grep -c '^X-Rcpt-Args: ' "$f")" = 250 ] || fail "sink saw $(grep -c '^X-Rcpt-Args: ' "$f") recipients"

say "smtp-sink without 8BITMIME: the body is converted to quoted-printable"
sink s2 -8
remote -8 example.org s@client.test x@example.org
want "ok|x@example.org|[127.0.0.1]|250 2.0.0 Ok"
dump "$T/s2" >"$T/d2"
grep -qx 'X-Mail-Args: <s@client.test>' "$T/d2" || fail "BODY=8BITMIME sent to a server without 8BITMIME"
body_of "$T/s2"/* >"$T/b2"
python3 - "$T/b2" "$MSG" <<'PY' || fail "quoted-printable conversion"
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
orig = open(sys.argv[2], "rb").read()
assert all(b < 0x80 for b in raw), "8-bit bytes sent to a 7-bit server"
m = email.message_from_bytes(raw, policy=email.policy.compat32)
assert m["Content-Transfer-Encoding"] == "quoted-printable", m.items()
assert m["MIME-Version"] == "1.0"
assert m["Subject"] == "test"
body = m.get_payload(decode=True)
want = orig[orig.index(b"\n\n") + 2:]
assert body == want, (body, want)
PY

say "a MIME message without 8BITMIME: only the 8-bit part is converted"
cat >"$T/mime" <<'EOF'
From: s@client.test
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

seven bit = stays
--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

EOF
printf 'h\303\251llo\n--b1--\n' >>"$T/mime"
MSG="$T/mime" remote -8 example.org s@client.test x2@example.org
[ "$(ls "$T/s2" | wc -l)" = 2 ] || fail "MIME message not received"
body_of "$(grep -l '^X-Rcpt-Args: <x2@example.org>' "$T"/s2/*)" >"$T/b3"
python3 - "$T/b3" <<'PY' || fail "MIME conversion"
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
assert all(b < 0x80 for b in raw)
m = email.message_from_bytes(raw, policy=email.policy.default)
p1, p2 = m.get_payload()
assert p1.get("Content-Transfer-Encoding") is None
assert p1.get_content() == "seven bit = stays", p1.get_content()
assert p2["Content-Transfer-Encoding"] == "quoted-printable"
assert p2.get_content() == "h\u00e9llo", repr(p2.get_content())
PY

say "smtp-sink without DSN: no DSN parameters"
sink s3 -N
remote -E env1 -R FULL example.org s@client.test 'x@example.org NOTIFY=NEVER'
want "ok|x@example.org|[127.0.0.1]|250 2.0.0 Ok"
dump "$T/s3" >"$T/d3"
grep -qx 'X-Mail-Args: <s@client.test> BODY=8BITMIME' "$T/d3" || fail "DSN on MAIL without DSN (BODY=8BITMIME for the 8-bit body without -8): $(grep Mail-Args "$T/d3")"
grep -qx 'X-Rcpt-Args: <x@example.org>' "$T/d3" || fail "DSN on RCPT without DSN"

say "smtp-sink without PIPELINING"
sink s4 -p
remote example.org s@client.test a@example.org b@example.org
want "ok|a@example.org|[127.0.0.1]|250 2.0.0 Ok" "ok|b@example.org|[127.0.0.1]|250 2.0.0 Ok"
dump "$T/s4" >/dev/null

say "soft and hard rejections: 4xx is temp, 5xx perm"
sink s5 -r RCPT
remote example.org s@client.test a@example.org
want "temp|a@example.org|[127.0.0.1]|450 4.3.0 Error: command failed"
sink s6 -f RCPT
remote example.org s@client.test a@example.org b@example.org
want "perm|a@example.org|[127.0.0.1]|500 5.3.0 Error: command failed" \
	"perm|b@example.org|[127.0.0.1]|500 5.3.0 Error: command failed"
sink s7 -f MAIL
remote example.org s@client.test a@example.org
want "perm|a@example.org|[127.0.0.1]|500 5.3.0 Error: command failed"
sink s8 -r .
remote example.org s@client.test a@example.org
want "temp|a@example.org|[127.0.0.1]|450 4.3.0 Error: command failed"
sink s9 -Q DATA
remote example.org s@client.test a@example.org
grep -q "^temp	a@example.org	\[127.0.0.1\]	421 " "$T/out" || fail "421 at DATA: $(cat "$T/out")"
sink s10 -Q MAIL
remote example.org s@client.test a@example.org
grep -q "^temp	a@example.org	\[127.0.0.1\]	421 .*(in reply to MAIL FROM from \[127.0.0.1\]:$SINKPORT)$" "$T/out" || fail "421 at MAIL: $(cat "$T/out")"
sink s11 -q MAIL
remote example.org s@client.test a@example.org
want "temp|a@example.org|[127.0.0.1]|4.4.2 lost connection with [127.0.0.1]:$SINKPORT while sending MAIL FROM"

say "nothing listening: temp, no remote MTA"
p=$(free_port)
route "$p"
remote example.org s@client.test a@example.org
want "temp|a@example.org||4.4.1 connect to [127.0.0.1]:$p: Connection refused"

say "fake server: per-recipient results in argument order, multi-line reply"
fake f1 --rcpt 'b@example.org=450 4.2.1 mailbox busy' \
	--rcpt 'c@example.org=550 5.1.1 <c@example.org>: no such|5.1.1 user here'
remote example.org s@client.test a@example.org b@example.org c@example.org d@example.org
want "ok|a@example.org|[127.0.0.1]|250 2.0.0 Ok: queued" \
	"temp|b@example.org|[127.0.0.1]|450 4.2.1 mailbox busy" \
	"perm|c@example.org|[127.0.0.1]|550 5.1.1 <c@example.org>: no such user here" \
	"ok|d@example.org|[127.0.0.1]|250 2.0.0 Ok: queued"
! grep VIOLATION "$T/f1.log" || fail "pipelining rules broken"
grep -c '^C: RCPT' "$T/f1.log" | grep -qx 4 || fail "RCPT count"
remote example.org '' '"john doe"@example.org NOTIFY=NEVER'
grep -q '^ok	"john doe"@example.org	' "$T/out" || fail "quoted local part: $(cat "$T/out")"
grep -qx 'C: MAIL FROM:<> BODY=8BITMIME' "$T/f1.log" || fail "null sender, 8-bit body"
grep -qx 'C: RCPT TO:<"john doe"@example.org> NOTIFY=NEVER' "$T/f1.log" || fail "quoted local part on the wire"

say "IPv6: a route to [ipv6:::1]"
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	fake f6a --ipv6
	echo "* [ipv6:::1]:$FPORT" >"$FACTEUR_ETC/smtp_routes"
	remote example.org s@client.test a@example.org
	want "ok|a@example.org|[::1]|250 2.0.0 Ok: queued"
	grep -q '^MSG' "$T/f6a.log" || fail "no message over IPv6"
else
	echo "no IPv6 loopback here; IPv6 not tested"
fi

say "fake server without PIPELINING: each command waits for its reply"
fake f2 --ext 8BITMIME
remote example.org s@client.test a@example.org b@example.org
want "ok|a@example.org|[127.0.0.1]|250 2.0.0 Ok: queued" "ok|b@example.org|[127.0.0.1]|250 2.0.0 Ok: queued"
! grep VIOLATION "$T/f2.log" || fail "commands pipelined without PIPELINING"

say "all recipients refused: no message sent, with and without PIPELINING"
for ext in PIPELINING 8BITMIME; do
	fake "f3$ext" --ext "$ext" --rcpt 'a@example.org=550 5.1.1 no'
	remote example.org s@client.test a@example.org
	want "perm|a@example.org|[127.0.0.1]|550 5.1.1 no"
	! grep -q '^MSG' "$T/f3$ext.log" || fail "message sent with no recipient ($ext)"
done
# RFC 2920 3.1: a server that says 354 all the same gets an empty message.
fake f3b --data-always --rcpt 'a@example.org=550 5.1.1 no'
remote example.org s@client.test a@example.org
want "perm|a@example.org|[127.0.0.1]|550 5.1.1 no"
m=$(sed -n 's/^MSG //p' "$T/f3b.log")
[ -n "$m" ] && [ ! -s "$m" ] || fail "not an empty message after 354 with no recipient"

say "EHLO refused: HELO, and no extensions used"
fake f4 --ehlo '502 5.5.2 what'
remote -8 -E e1 example.org s@client.test 'a@example.org NOTIFY=NEVER'
want "ok|a@example.org|[127.0.0.1]|250 2.0.0 Ok: queued"
grep -qx 'C: HELO client.test' "$T/f4.log" || fail "no HELO"
grep -qx 'C: MAIL FROM:<s@client.test>' "$T/f4.log" || fail "MAIL with extensions after HELO"
grep -qx 'C: RCPT TO:<a@example.org>' "$T/f4.log" || fail "RCPT with extensions after HELO"

say "greeting refused: the server's reply"
fake f5 --greeting '554 5.7.1 go away'
remote example.org s@client.test a@example.org
want "perm|a@example.org|[127.0.0.1]|554 5.7.1 go away (host [127.0.0.1]:$FPORT refused to talk to me)"

say "SIZE: too big for the server is refused before MAIL; SIZE= sent otherwise"
fake f6 --ext 'PIPELINING,SIZE 20'
remote example.org s@client.test a@example.org
grep -q "^perm	a@example.org	\[127.0.0.1\]	5.3.4 message size [0-9]* exceeds size limit 20 of " "$T/out" || fail "SIZE: $(cat "$T/out")"
! grep -q '^C: MAIL' "$T/f6.log" || fail "MAIL sent for a message too big"
fake f7 --ext 'SIZE 100000'
remote example.org s@client.test a@example.org
size=$(python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); print(len(d) + d.count(b"\n"))' "$MSG")
grep -qx "C: MAIL FROM:<s@client.test> SIZE=$size" "$T/f7.log" || fail "SIZE=$size: $(grep MAIL "$T/f7.log")"

say "SMTPUTF8"
fake f8 --ext 'SMTPUTF8,8BITMIME'
remote -U -8 example.org s@client.test "$(printf 'j\303\266rg@example.org')"
grep -qx 'C: MAIL FROM:<s@client.test> BODY=8BITMIME SMTPUTF8' "$T/f8.log" || fail "SMTPUTF8 not sent: $(grep MAIL "$T/f8.log")"
fake f9 --ext '8BITMIME'
remote -U example.org s@client.test "$(printf 'j\303\266rg@example.org')" ascii@example.org
grep -q '^perm	.*	5.6.7 SMTPUTF8 is required' "$T/out" || fail "UTF-8 address to a server without SMTPUTF8: $(cat "$T/out")"
[ "$(grep -c '^perm' "$T/out")" = 2 ] || fail "both recipients perm"
remote -U example.org s@client.test ascii@example.org
grep -q '^ok' "$T/out" || fail "ASCII addresses without SMTPUTF8: $(cat "$T/out")"

say "STARTTLS: a test certificate, the may, encrypt, verify and none policies"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other \
	-keyout "$T/okey.pem" -out "$T/other.pem" 2>/dev/null
fake t1 --ext 'PIPELINING,STARTTLS,8BITMIME' --cert "$T/cert.pem" --key "$T/key.pem"
remote example.org s@client.test a@example.org
want "ok|a@example.org|[127.0.0.1]|250 2.0.0 Ok: queued"
grep -q '^EVENT tls TLSv1' "$T/t1.log" || fail "no TLS under may"
[ "$(grep -c '^C: EHLO' "$T/t1.log")" = 2 ] || fail "EHLO not repeated after STARTTLS"
grep -q '^MSG' "$T/t1.log" || fail "no message over TLS"
printf '* verify\n' >"$FACTEUR_ETC/smtp_tls_policy"
cp "$T/cert.pem" "$FACTEUR_ETC/ca.pem"
echo "$FACTEUR_ETC/ca.pem" >"$FACTEUR_ETC/smtp_tls_CAfile"
remote example.org s@client.test b@example.org
want "ok|b@example.org|[127.0.0.1]|250 2.0.0 Ok: queued"
cp "$T/other.pem" "$FACTEUR_ETC/ca.pem"
remote example.org s@client.test c@example.org
grep -q '^temp	c@example.org	\[127.0.0.1\]	4.7.5 certificate verification failed' "$T/out" || fail "verify with the wrong CA: $(cat "$T/out")"
[ "$(grep -c '^MSG' "$T/t1.log")" = 2 ] || fail "a message went to an unverified server"
rm "$FACTEUR_ETC/smtp_tls_policy"
fake t1b --ext 'STARTTLS' --tls-fail
remote example.org s@client.test a@example.org
want "ok|a@example.org|[127.0.0.1]|250 2.0.0 Ok: queued"
[ "$(grep -c '^EVENT connect' "$T/t1b.log")" = 2 ] || fail "no second, plain connection after a failed handshake under may"
[ "$(grep -c '^C: STARTTLS' "$T/t1b.log")" = 1 ] || fail "STARTTLS tried again"
printf 'example.org encrypt\n' >"$FACTEUR_ETC/smtp_tls_policy"
remote example.org s@client.test b@example.org
grep -q '^temp	b@example.org	\[127.0.0.1\]	4.7.5 TLS handshake failed' "$T/out" || fail "failed handshake under encrypt: $(cat "$T/out")"
fake t2 --ext 'PIPELINING'
printf 'example.org encrypt\n' >"$FACTEUR_ETC/smtp_tls_policy"
remote example.org s@client.test a@example.org
want "temp|a@example.org|[127.0.0.1]|4.7.4 TLS is required, but was not offered by [127.0.0.1]:$FPORT"
! grep -q '^C: MAIL' "$T/t2.log" || fail "MAIL sent without TLS under encrypt"
printf 'example.org none\n' >"$FACTEUR_ETC/smtp_tls_policy"
fake t3 --ext 'STARTTLS' --cert "$T/cert.pem" --key "$T/key.pem"
remote example.org s@client.test a@example.org
grep -q '^ok' "$T/out" || fail "policy none: $(cat "$T/out")"
! grep -q '^C: STARTTLS' "$T/t3.log" || fail "STARTTLS under none"
rm "$FACTEUR_ETC/smtp_tls_policy"
fake t4 --ext 'STARTTLS' --cert "$T/cert.pem" --key "$T/key.pem" --inject-after-starttls
printf 'example.org encrypt\n' >"$FACTEUR_ETC/smtp_tls_policy"
remote example.org s@client.test a@example.org
grep -q '^temp	a@example.org	\[127.0.0.1\]	4.7.0 .*sent data after its STARTTLS reply' "$T/out" || fail "STARTTLS injection: $(cat "$T/out")"
rm "$FACTEUR_ETC/smtp_tls_policy"

say "timeouts: greeting, end of data (set to 1 second)"
echo 1 >"$FACTEUR_ETC/smtp_helo_timeout"
fake w1 --greeting-delay 30
remote example.org s@client.test a@example.org
want "temp|a@example.org|[127.0.0.1]|4.4.2 timeout with [127.0.0.1]:$FPORT while reading the greeting"
rm "$FACTEUR_ETC/smtp_helo_timeout"
echo 1 >"$FACTEUR_ETC/smtp_data_done_timeout"
fake w2 --stall .
remote example.org s@client.test a@example.org
want "temp|a@example.org|[127.0.0.1]|4.4.2 timeout with [127.0.0.1]:$FPORT while sending end of data"
i=0
until grep -q '^EVENT client gave up' "$T/w2.log"; do
	i=$((i + 1)); [ "$i" -lt 100 ] || fail "connection not closed after the timeout"; sleep 0.1
done
rm "$FACTEUR_ETC/smtp_data_done_timeout"

say "SMTP AUTH to a relay host: PLAIN over TLS, LOGIN, refusal, no TLS"
fake a1 --ext 'STARTTLS,AUTH LOGIN PLAIN' --cert "$T/cert.pem" --key "$T/key.pem" --auth 'relayuser:s3cret pass'
echo "[127.0.0.1]:$FPORT" >"$FACTEUR_ETC/relayhost"
rm "$FACTEUR_ETC/smtp_routes"
printf '[127.0.0.1]:%s relayuser:s3cret pass\n' "$FPORT" >"$FACTEUR_ETC/smtp_sasl_password"
remote example.org s@client.test a@example.org
want "ok|a@example.org|[127.0.0.1]|250 2.0.0 Ok: queued"
grep -qx 'EVENT auth ok PLAIN relayuser' "$T/a1.log" || fail "no AUTH PLAIN: $(cat "$T/a1.log")"
[ "$(sed -n '/^EVENT tls/=' "$T/a1.log")" -lt "$(sed -n '/^EVENT auth ok/=' "$T/a1.log")" ] || fail "AUTH before TLS"
printf '* relayuser:wrong\n' >"$FACTEUR_ETC/smtp_sasl_password"
remote example.org s@client.test a@example.org
want "temp|a@example.org|[127.0.0.1]|435 5.7.8 Authentication credentials invalid (authentication failed at [127.0.0.1]:$FPORT)"
! grep -q '^C: MAIL' "$T/a1.log" || true
fake a2 --ext 'AUTH LOGIN' --auth 'relayuser:pw'
echo "[127.0.0.1]:$FPORT" >"$FACTEUR_ETC/relayhost"
printf '127.0.0.1 relayuser:pw\n' >"$FACTEUR_ETC/smtp_sasl_password"
remote example.org s@client.test a@example.org
want "temp|a@example.org|[127.0.0.1]|4.7.0 not sending credentials to [127.0.0.1]:$FPORT without TLS"
! grep -q '^C: AUTH' "$T/a2.log" || fail "credentials sent in plain text"
echo no >"$FACTEUR_ETC/smtp_sasl_tls_only"
remote example.org s@client.test a@example.org
want "ok|a@example.org|[127.0.0.1]|250 2.0.0 Ok: queued"
grep -qx 'EVENT auth ok LOGIN relayuser' "$T/a2.log" || fail "no AUTH LOGIN: $(cat "$T/a2.log")"
rm "$FACTEUR_ETC/relayhost" "$FACTEUR_ETC/smtp_sasl_password" "$FACTEUR_ETC/smtp_sasl_tls_only"

say "misuse and control file checks"
expect_rc 2 "$SR"
expect_rc 2 "$SR" example.org s@client.test
expect_rc 2 "$SR" -R BOTH example.org s@client.test a@example.org
expect_rc 2 "$SR" example.org s@client.test "$(printf 'a@example.org\r\nRSET')"
expect_rc 2 "$SR" example.org 's@client.test> x' a@example.org
expect_rc 2 "$SR" example.org s@client.test 'a@example.org> SIZE=1'
expect_rc 2 "$SR" example.org s@client.test 'no-domain'
"$SR" -t || fail "-t with good control files"
echo "$T/nonexistent.pem" >"$FACTEUR_ETC/smtp_tls_CAfile"
expect_rc 1 "$SR" -t
grep -q 'smtp_tls_CAfile' "$T/stderr" || fail "-t CAfile: $(cat "$T/stderr")"
rm "$FACTEUR_ETC/smtp_tls_CAfile"
printf '* [127.0.0.1]:99999\n' >"$FACTEUR_ETC/smtp_routes"
expect_rc 1 "$SR" -t
grep -q 'smtp_routes:1:' "$T/stderr" || fail "-t: $(cat "$T/stderr")"
remote example.org s@client.test a@example.org
grep -q '^temp	a@example.org		4.3.5 configuration error' "$T/out" || fail "bad route: $(cat "$T/out")"
echo ok

# smtp-remote delivering to a real MTA: a private Postfix instance (its
# own config, queue and log under $T, loopback ports only) whose smtpd
# listens four times: everything offered (STARTTLS with a test
# certificate made here), no PIPELINING and no 8BITMIME, and without
# TLS refusing the message at the end of data with 451 and with 554.
# Accepted messages are put on hold, then read back with postcat:
# headers, body and DSN envelope records.  Recipient tables give mixed
# per-recipient results (550 and 450).
. "$(dirname "$0")/lib.sh"
set -e
SR="$BIN/smtp-remote"
[ -x "$SR" ] || skip "smtp-remote not built"
is_root || skip "needs root (Postfix's master)"
command -v postfix >/dev/null && [ -x /usr/lib/postfix/sbin/master ] || skip "postfix is not installed"
id postfix >/dev/null 2>&1 || skip "no postfix user"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
PF="$T/pf"
mkdir -p "$PF/etc" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx.postfix.test \
	-addext "subjectAltName=DNS:mx.postfix.test,IP:127.0.0.1" \
	-keyout "$PF/etc/key.pem" -out "$PF/etc/cert.pem" 2>/dev/null
chmod 600 "$PF/etc/key.pem"
P1=$(free_port) P2=$(free_port) P3=$(free_port) P4=$(free_port)
cat >"$PF/etc/main.cf" <<EOM
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.postfix.test
mydomain = postfix.test
myorigin = postfix.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
smtp_host_lookup = native
alias_maps =
alias_database =
local_recipient_maps =
maillog_file_prefixes = $T
maillog_file = $PF/maillog
smtpd_banner = mx.postfix.test ESMTP
smtpd_tls_cert_file = $PF/etc/cert.pem
smtpd_tls_key_file = $PF/etc/key.pem
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
smtpd_recipient_restrictions =
	check_recipient_access inline:{ {bad@example.test = 550 5.1.1 no such user}, {later@example.test = 450 4.2.0 try again later} },
	permit_mynetworks, reject
smtpd_end_of_data_restrictions = check_client_access static:HOLD
EOM
cat >"$PF/etc/master.cf" <<EOM
127.0.0.1:$P1 inet n - n - - smtpd
127.0.0.1:$P2 inet n - n - - smtpd -o smtpd_discard_ehlo_keywords=pipelining,8bitmime -o smtpd_tls_security_level=none
127.0.0.1:$P3 inet n - n - - smtpd -o smtpd_tls_security_level=none
  -o { smtpd_end_of_data_restrictions = check_client_access static:{451 4.3.0 come back later} }
127.0.0.1:$P4 inet n - n - - smtpd -o smtpd_tls_security_level=none
  -o { smtpd_end_of_data_restrictions = check_client_access static:{554 5.7.1 no thanks} }
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOM
postfix -c "$PF/etc" start >/dev/null 2>&1 || fail "postfix did not start: $(tail -5 "$PF/maillog" 2>/dev/null)"
on_exit "postfix -c '$PF/etc' stop >/dev/null 2>&1"
for p in $P1 $P2 $P3 $P4; do
	i=0
	until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$p" 2>/dev/null; do
		i=$((i + 1)); [ "$i" -lt 100 ] || fail "postfix does not listen on $p"; sleep 0.1
	done
done
echo client.test >"$FACTEUR_ETC/myhostname"
route() { echo "* [127.0.0.1]:$1" >"$FACTEUR_ETC/smtp_routes"; }

# remote ARGS...: runs smtp-remote on $MSG; report in $T/out.
remote() {
	set +e
	"$SR" "$@" <"$MSG" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" = 0 ] || fail "smtp-remote $* exited $rc: $(cat "$T/err")"
}
# held ID_FILE: waits for the queue id Postfix gave in the report's
# diagnostic, then the message on hold, printed by postcat.
held() {
	qid=$(sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$T/out" | head -n 1)
	[ -n "$qid" ] || fail "no queue id in: $(cat "$T/out")"
	i=0
	until [ -e "$PF/queue/hold/$qid" ]; do
		i=$((i + 1)); [ "$i" -lt 100 ] || fail "message $qid not on hold: $(grep "$qid" "$PF/maillog")"; sleep 0.1
	done
	postcat -c "$PF/etc" -q "$qid"
}

MSG="$T/msg"
printf 'From: s@client.test\nSubject: to postfix\n\n.leading dot\ncaf\303\251\nlast\n' >"$MSG"

say "plain, STARTTLS offered: TLS used, DSN passed, mixed recipients"
route "$P1"
remote -8 -E env1 -R HDRS example.test s@client.test \
	'good@example.test NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;good@example.test' \
	bad@example.test later@example.test good2@example.test
sed -n 1p "$T/out" | grep -q '^ok	good@example.test	\[127.0.0.1\]	250 2.0.0 Ok: queued as ' || fail "good: $(cat "$T/out")"
sed -n 2p "$T/out" | grep -qx 'perm	bad@example.test	\[127.0.0.1\]	550 5.1.1 <bad@example.test>: Recipient address rejected: no such user' || fail "bad: $(sed -n 2p "$T/out")"
sed -n 3p "$T/out" | grep -qx 'temp	later@example.test	\[127.0.0.1\]	450 4.2.0 <later@example.test>: Recipient address rejected: try again later' || fail "later: $(sed -n 3p "$T/out")"
sed -n 4p "$T/out" | grep -q '^ok	good2@example.test	' || fail "good2: $(sed -n 4p "$T/out")"
[ "$(wc -l <"$T/out")" = 4 ] || fail "report lines: $(cat "$T/out")"
held >"$T/pc1"
grep -q 'Anonymous TLS connection established from localhost\[127.0.0.1\]' "$PF/maillog" || fail "no TLS in Postfix's log"
grep -q '(using TLSv1\.[23] with cipher' "$T/pc1" || fail "no TLS in Received: $(grep -A3 '^Received' "$T/pc1")"
grep -qx 'named_attribute: envelope_id=env1' "$T/pc1" || fail "ENVID: $(grep named_attr "$T/pc1")"
grep -qx 'named_attribute: ret_flags=2' "$T/pc1" || fail "RET=HDRS: $(grep named_attr "$T/pc1")"
grep -qx 'named_attribute: dsn_orig_rcpt=rfc822;good@example.test' "$T/pc1" || fail "ORCPT: $(grep named_attr "$T/pc1")"
grep -qx 'named_attribute: notify_flags=6' "$T/pc1" || fail "NOTIFY=SUCCESS,FAILURE: $(grep named_attr "$T/pc1")"
grep -qx 'recipient: good2@example.test' "$T/pc1" || fail "second recipient"
grep -qx 'named_attribute: encoding=8bit' "$T/pc1" || fail "BODY=8BITMIME not seen by Postfix"
! grep -q 'recipient: bad@' "$T/pc1" || fail "refused recipient queued"
sed -n '/^\*\*\* MESSAGE CONTENTS/,/^\*\*\* HEADER EXTRACTED/p' "$T/pc1" | sed '1d;$d' |
	sed '1,/^Subject: to postfix$/{/^Subject: to postfix$/!d}' | grep -v '^Message-Id: \|^Date: ' >"$T/got1"
printf 'Subject: to postfix\n\n.leading dot\ncaf\303\251\nlast\n' >"$T/want1"
cmp "$T/got1" "$T/want1" || { diff "$T/want1" "$T/got1" || true; fail "message bytes through Postfix"; }

say "STARTTLS with certificate verification against the test certificate"
printf 'example.test verify\n' >"$FACTEUR_ETC/smtp_tls_policy"
echo "$PF/etc/cert.pem" >"$FACTEUR_ETC/smtp_tls_CAfile"
remote example.test s@client.test v@example.test
grep -q '^ok	v@example.test	' "$T/out" || fail "verify: $(cat "$T/out")"
grep -q 'verified=yes' "$T/err" || fail "not verified: $(cat "$T/err")"
rm "$FACTEUR_ETC/smtp_tls_policy" "$FACTEUR_ETC/smtp_tls_CAfile"

say "no PIPELINING, no 8BITMIME: one command at a time, body in quoted-printable"
route "$P2"
remote -8 example.test s@client.test a@example.test bad@example.test b@example.test
sed -n 1p "$T/out" | grep -q '^ok	a@example.test	' || fail "a: $(cat "$T/out")"
sed -n 2p "$T/out" | grep -q '^perm	bad@example.test	.*550 5.1.1' || fail "bad: $(cat "$T/out")"
sed -n 3p "$T/out" | grep -q '^ok	b@example.test	' || fail "b: $(cat "$T/out")"
held >"$T/pc2"
! grep -q 'TLS' "$T/pc2" || fail "TLS where none was offered"
grep -qx 'Content-Transfer-Encoding: quoted-printable' "$T/pc2" || fail "no QP label: $(cat "$T/pc2")"
grep -qx 'caf=C3=A9' "$T/pc2" || fail "no QP body: $(cat "$T/pc2")"
! LC_ALL=C grep -q "$(printf '[\200-\377]')" "$T/pc2" || fail "8-bit bytes reached a 7-bit server"
c=$(grep -c 'postfix/smtpd.*improper command pipelining' "$PF/maillog" || true)
[ "$c" = 0 ] || fail "Postfix saw improper pipelining"

say "4xx at the end of data is temp, 5xx perm"
route "$P3"
remote example.test s@client.test a@example.test
grep -qx 'temp	a@example.test	\[127.0.0.1\]	451 4.3.0 <localhost\[127.0.0.1\]>: Client host rejected: come back later' "$T/out" || fail "451 at end of data: $(cat "$T/out")"
route "$P4"
remote example.test s@client.test a@example.test
grep -qx 'perm	a@example.test	\[127.0.0.1\]	554 5.7.1 <localhost\[127.0.0.1\]>: Client host rejected: no thanks' "$T/out" || fail "554 at end of data: $(cat "$T/out")"
echo ok

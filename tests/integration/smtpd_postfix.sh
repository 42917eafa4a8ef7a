# A real MTA talking to us: a private Postfix instance (its own config,
# queue and log under $T, listening on a loopback port) relays to smtpd
# under tcpserver.  The spooled envelope (with Postfix's DSN parameters)
# and message are checked byte for byte, Postfix's headers included.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd.inc"
set -e
is_root || skip "needs root (Postfix's master)"
command -v postfix >/dev/null && [ -x /usr/lib/postfix/sbin/master ] || skip "postfix is not installed"
id postfix >/dev/null 2>&1 || skip "no postfix user"
PF="$T/pf"
mkdir -p "$PF/etc" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
start_smtpd
PFPORT=$(free_port)
cat >"$PF/etc/main.cf" <<EOM
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.test
mydomain = relay.test
myorigin = relay.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$PORT
smtp_dns_support_level = disabled
smtp_host_lookup = native
alias_maps =
alias_database =
local_recipient_maps =
maillog_file_prefixes = $T
maillog_file = $PF/maillog
smtpd_banner = relay.test ESMTP
EOM
# Every service without chroot, so nothing outside $PF is needed.
cat >"$PF/etc/master.cf" <<EOM
127.0.0.1:$PFPORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
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
i=0
until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PFPORT" 2>/dev/null; do
	i=$((i + 1)); [ "$i" -lt 100 ] || fail "postfix does not listen on $PFPORT"; sleep 0.1
done

say "a message through Postfix into our spool"
python3 - "$PFPORT" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as c:
    r = c.sendmail("sender@relay.test", ["alice@example.org", "bob@example.org"],
                   b"Subject: via postfix\r\nX-Byte: caf\xc3\xa9\r\n\r\n.leading dot\r\n..two\r\nlast line\r\n",
                   mail_options=["BODY=8BITMIME", "RET=HDRS", "ENVID=pf1"],
                   rcpt_options=["NOTIFY=SUCCESS,FAILURE"])
    assert r == {}, r
PY
i=0
while [ -z "$(ls "$FACTEUR_SPOOL/todo")" ]; do
	i=$((i + 1)); [ "$i" -lt 300 ] || fail "nothing arrived from Postfix: $(tail -5 "$PF/maillog")"; sleep 0.1
done
echo "arrived after about $((i / 10)).$((i % 10))s"
n=$(ls "$FACTEUR_SPOOL/todo" | wc -l)
[ "$n" = 1 ] || fail "$n messages, want 1 (two recipients in one transaction)"
d=$(ls -d "$FACTEUR_SPOOL"/todo/*)
tr '\0' '\n' <"$d/env" | sed 1,3d >"$T/env"
printf 'Fsender@relay.test\nEpf1\nRHDRS\nB8BITMIME\nTalice@example.org\nNSUCCESS,FAILURE\nOrfc822;alice@example.org\nTbob@example.org\nNSUCCESS,FAILURE\nOrfc822;bob@example.org\n\n' >"$T/env.want"
cmp "$T/env" "$T/env.want" || { diff "$T/env" "$T/env.want"; fail "envelope from Postfix"; }
# Our Received line (no "for": two recipients), then Postfix's, then the
# message as the client sent it, with Postfix's added headers.
qid=$(grep -o 'postfix/cleanup\[[0-9]*\]: [0-9A-F]*' "$PF/maillog" | head -n 1 | awk '{ print $2 }')
[ -n "$qid" ] || fail "no Postfix queue id in its log"
awk 'NR <= 3' "$d/mess" >"$T/ours"
grep -Eq '^Received: from relay\.test \(\[127\.0\.0\.1\]\)$' "$T/ours" || fail "our Received: $(cat "$T/ours")"
sed -n 2p "$T/ours" | grep -q '^	by mx.example.org (facteur) with ESMTP;$' || fail "our Received by: $(cat "$T/ours")"
sed -n 4p "$d/mess" | grep -q "^Received: from \[127.0.0.1\] (localhost \[127.0.0.1\])$" || fail "Postfix's Received: $(sed -n 4p "$d/mess")"
sed -n 5p "$d/mess" | grep -Eq "by relay.test \(Postfix\) with ESMTP id $qid;?$" || fail "Postfix's id: $(sed -n 5p "$d/mess")"
sed -n '/^Subject: via postfix$/,$p' "$d/mess" | grep -v '^Message-Id: \|^Date: \|^From: ' >"$T/rest"
printf 'Subject: via postfix\nX-Byte: caf\303\251\n\n.leading dot\n..two\nlast line\n' >"$T/rest.want"
cmp "$T/rest" "$T/rest.want" || { diff "$T/rest" "$T/rest.want"; fail "message bytes through Postfix"; }
grep -q "status=sent (250 2.0.0 ok: queued as qp" "$PF/maillog" || fail "Postfix did not log our 250"

say "a relay attempt through Postfix to a foreign domain is refused by us"
echo 192.0.2.0/24 >"$FACTEUR_ETC/mynetworks"
rm -rf "$FACTEUR_SPOOL"/todo/*
python3 - "$PFPORT" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as c:
    c.sendmail("sender@relay.test", ["victim@other.net"], b"Subject: relay\r\n\r\nx\r\n")
PY
i=0
until grep -q 'to=<victim@other.net>.*status=bounced' "$PF/maillog"; do
	i=$((i + 1)); [ "$i" -lt 300 ] || fail "Postfix did not get our refusal: $(tail -3 "$PF/maillog")"; sleep 0.1
done
grep 'to=<victim@other.net>' "$PF/maillog" | grep -q '554 5.7.1' || fail "refusal not 554 5.7.1: $(grep victim "$PF/maillog")"
[ -z "$(ls "$FACTEUR_SPOOL/todo")" ] || fail "relay attempt spooled"
echo ok

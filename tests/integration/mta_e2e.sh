# The whole mail chain over real SMTP, as root:
#   Python smtplib and swaks -> tcpserver -> smtpd -> enqueue -> queued
#     -> localspawn -> maildeliver -> Maildir           (local)
#     -> smtp-remote -> Postfix's smtp-sink / a private Postfix  (remote)
# Every copy is checked byte for byte (Return-Path, Delivered-To, smtpd's
# Received, then the message with LF ends).  Local: one transaction whose
# recipients fan out through an alias to a user (once, though named twice),
# a virtual user, a |pipe (its environment too), a /path/Maildir/, an
# :include: file and a user+folder address, plus a remote address; a
# 1.5 MB message to JOE+Work@DEMO.test (.work), a virtual user's
# +extension without its folder (inbox) and Postfix; swaks to
# an :include: list and a remote address; a pipe exiting 100 -> a bounce
# with its words.  Remote: smtp-sink (PIPELINING, 8BITMIME) and smtp-sink
# -8 -p (neither: the 8-bit body arrives quoted-printable); a private
# Postfix with STARTTLS verified against a test certificate, delivering
# with virtual(8) into its own Maildirs (one transaction for two
# recipients), and a second Postfix listener without PIPELINING and
# 8BITMIME (QP); DSN parameters passed on to Postfix, whose success
# report comes back through smtpd; 550 from Postfix plus an unknown local user in one
# message -> exactly one RFC 3464 bounce in the sender's Maildir that
# Python's email reads as multipart/report; 4xx from smtp-sink, then
# delivered after SIGALRM once it recovers; 450 from Postfix, then
# delivered after mailq -f once its table changed.  300 messages over
# SMTP to smtp-sink while queued is killed with SIGKILL again and again:
# every one arrives (duplicates allowed), no report comes back.
# (queued_local.sh and queued_remote.sh test each feature alone against a
# Python sink; this test is about the real programs end to end.)
. "$(dirname "$0")/lib.sh"
is_root || skip "needs root (localspawn switches users; Postfix's master)"
command -v postfix >/dev/null && [ -x /usr/lib/postfix/sbin/master ] || skip "postfix is not installed"
command -v smtp-sink >/dev/null || skip "smtp-sink (postfix) is not installed"
command -v swaks >/dev/null || skip "swaks is not installed"
id postfix >/dev/null 2>&1 || skip "no postfix user"
. "$(dirname "$0")/queued.inc"
. "$(dirname "$0")/smtpd.inc"
[ -x "$BIN/smtp-remote" ] || fail "no $BIN/smtp-remote"
H="python3 $(dirname "$0")/helpers/mta_e2e.py"
# smtpd.inc set its own names; ours again.
echo mx.demo.test >"$E/myhostname"
printf 'demo.test\nlocalhost\n' >"$E/mydestination"
printf 'virt.test\n' >"$E/virtual_mailbox_domains"
rm -f "$E/local_recipients"
# Retries happen only when this test asks for them (SIGALRM, mailq -f).
echo 1h >"$E/minimal_backoff_time"
echo 1h >"$E/maximal_backoff_time"

# ---- local targets
mkowned "$T/out" "$T/archive" "$T/inc"
cat >"$T/pipe.sh" <<EOF
#!/bin/sh
printf 'SENDER=%s\nRECIPIENT=%s\nLOCAL=%s\nHOST=%s\nuid=%s\n' "\$SENDER" "\$RECIPIENT" "\$LOCAL" "\$HOST" "\$(id -u)" >$T/out/pipe.env
cat >$T/out/pipe.msg
EOF
chmod 755 "$T/pipe.sh"
printf 'carol@sink.test\njoe+work\n' >"$T/staff.inc"
printf 'joe\n%s\n' "$T/inc/Maildir/" >"$T/list.inc"
chmod 644 "$T/staff.inc" "$T/list.inc"
cat >"$E/aliases" <<EOF
postmaster: joe
staff: joe, sam@virt.test, "|$T/pipe.sh", $T/archive/Maildir/,
	:include:$T/staff.inc
list: :include:$T/list.inc
tickets: "|echo 5.7.1 the ticket queue is closed; exit 100"
EOF
"$BIN/newaliases" || fail "newaliases"
mkowned "$MD/.work" "$MD/.work/new" "$MD/.work/cur" "$MD/.work/tmp"

# ---- smtp-sink: A offers everything, B neither 8BITMIME nor PIPELINING,
# C refuses RCPT with 450 until it is replaced by a good one.
# sink NAME PORT FLAGS...: an smtp-sink dumping into $T/sink.NAME/.
SINKS=
sink() {
	n=$1 p=$2
	shift 2
	mkowned "$T/sink.$n"
	smtp-sink -u nobody "$@" -d "$T/sink.$n/m." 127.0.0.1:"$p" 16 2>>"$T/sink.$n.log" &
	eval "SINK_$n=$!"
	SINKS="$SINKS $!"
	i=0
	until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$p" 2>/dev/null; do
		i=$((i + 1)); [ "$i" -lt 100 ] || fail "smtp-sink $n does not listen on $p"; sleep 0.1
	done
}
on_exit 'for p in $SINKS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done'
SA=$(free_port) SB=$(free_port) SC=$(free_port)
sink A "$SA"
sink B "$SB" -8 -p
sink C "$SC" -r RCPT

start_smtpd

# ---- a private Postfix: P1 with STARTTLS (certificate for 127.0.0.1),
# P2 without TLS, PIPELINING and 8BITMIME; virtual(8) delivers pf.test
# and pf7.test into Maildirs under $T/pfmail as nobody; mail for
# demo.test (its delivery reports) goes back to our smtpd.
PF="$T/pf"
mkdir -p "$PF/etc" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
mkowned "$T/pfmail"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx.pf.test \
	-addext "subjectAltName=DNS:mx.pf.test,IP:127.0.0.1" \
	-keyout "$PF/etc/key.pem" -out "$PF/etc/cert.pem" 2>/dev/null || fail "openssl req"
chmod 600 "$PF/etc/key.pem"
P1=$(free_port) P2=$(free_port)
: >"$PF/etc/vmailbox"
for u in ok@pf.test ok2@pf.test later@pf.test y@pf7.test; do
	echo "$u ${u%%@*}.${u#*@}/Maildir/" >>"$PF/etc/vmailbox"
done
printf 'bad@pf.test 550 5.1.1 no such user\nlater@pf.test 450 4.2.0 try again later\n' >"$PF/etc/access"
echo "demo.test smtp:[127.0.0.1]:$PORT" >"$PF/etc/transport"
cat >"$PF/etc/main.cf" <<EOM
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.pf.test
mydomain = pf.test
myorigin = pf.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
alias_maps =
alias_database =
local_recipient_maps =
local_header_rewrite_clients =
default_transport = error:no outbound mail here
relay_transport = error:no outbound mail here
maillog_file_prefixes = $T
maillog_file = $PF/maillog
smtpd_banner = mx.pf.test ESMTP
smtpd_tls_cert_file = $PF/etc/cert.pem
smtpd_tls_key_file = $PF/etc/key.pem
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
smtpd_recipient_restrictions = check_recipient_access texthash:$PF/etc/access,
	permit_mynetworks, reject
virtual_mailbox_domains = pf.test, pf7.test
virtual_mailbox_base = $T/pfmail
virtual_mailbox_maps = texthash:$PF/etc/vmailbox
virtual_uid_maps = static:$UUID
virtual_gid_maps = static:$UGID
virtual_minimum_uid = 1
transport_maps = texthash:$PF/etc/transport
smtp_tls_security_level = none
EOM
cat >"$PF/etc/master.cf" <<EOM
127.0.0.1:$P1 inet n - n - - smtpd
127.0.0.1:$P2 inet n - n - - smtpd -o smtpd_discard_ehlo_keywords=pipelining,8bitmime -o smtpd_tls_security_level=none
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 1 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
virtual   unix  - n n -  - virtual
smtp      unix  - - n -  - smtp
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOM
postfix -c "$PF/etc" start >/dev/null 2>&1 || fail "postfix did not start: $(tail -5 "$PF/maillog" 2>/dev/null)"
on_exit "postfix -c '$PF/etc' stop >/dev/null 2>&1"
for p in $P1 $P2; do
	i=0
	until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$p" 2>/dev/null; do
		i=$((i + 1)); [ "$i" -lt 100 ] || fail "postfix does not listen on $p"; sleep 0.1
	done
done
# pfmd ADDR: the Maildir Postfix delivers ADDR into.
pfmd() { echo "$T/pfmail/${1%%@*}.${1#*@}/Maildir"; }

cat >"$E/smtp_routes" <<EOF
sink.test [127.0.0.1]:$SA
sink7.test [127.0.0.1]:$SB
flaky.test [127.0.0.1]:$SC
pf.test [127.0.0.1]:$P1
pf7.test [127.0.0.1]:$P2
EOF
printf 'pf.test verify\n* may\n' >"$E/smtp_tls_policy"
echo "$PF/etc/cert.pem" >"$E/smtp_tls_CAfile"
"$BIN/smtp-remote" -t || fail "smtp-remote -t"
"$BIN/queued" -t || fail "queued -t"

start_queued

# only1 DIR: the one file of DIR (fails when there are more).
only1() {
	[ "$(count "$1")" = 1 ] || fail "$1 holds $(count "$1") files, want 1"
	ls "$1"/* 
}

say "smtplib, one transaction: a user, and an alias fanning out locally and remotely"
cat >"$T/m1" <<'EOF'
From: Alice <alice@example.org>
To: joe@demo.test, staff@demo.test
Subject: fan out
Date: Fri, 04 Dec 2026 08:00:00 +0000
Message-ID: <m1@example.org>

line 1
.leading dot
..two dots
.

	a tab, trailing blanks   
last line
EOF
$H send "$PORT" client.test alice@example.org joe@demo.test,staff@demo.test "$T/m1" || fail "smtplib"
wait_files "$MD/new" 1
wait_files "$SMD/new" 1
wait_files "$T/archive/Maildir/new" 1
wait_files "$MD/.work/new" 1
wait_files "$T/sink.A" 1
queue_empty
[ -f "$T/out/pipe.msg" ] || fail "the pipe did not run"
sleep 1 # (nothing else may come)
$H local "$(only1 "$MD/new")" alice@example.org joe@demo.test "$T/m1" client.test ||
	fail "joe's copy (named twice: once)"
$H local "$(only1 "$SMD/new")" alice@example.org sam@virt.test "$T/m1" client.test || fail "sam's copy"
$H local "$(only1 "$T/archive/Maildir/new")" alice@example.org staff@demo.test "$T/m1" client.test ||
	fail "the /path/Maildir/ copy"
$H local "$(only1 "$MD/.work/new")" alice@example.org joe+work@demo.test "$T/m1" client.test ||
	fail "the +folder copy"
$H spool "$T/out/pipe.msg" "$T/m1" client.test || fail "what the pipe read"
printf 'SENDER=alice@example.org\nRECIPIENT=staff@demo.test\nLOCAL=staff\nHOST=demo.test\nuid=%s\n' "$UUID" |
	cmp - "$T/out/pipe.env" || fail "the pipe's environment: $(cat "$T/out/pipe.env")"
$H sink "$(only1 "$T/sink.A")" "$T/m1" client.test >"$T/args" || fail "carol's copy at smtp-sink"
grep -qx 'X-Mail-Args: <alice@example.org>.*' "$T/args" || fail "MAIL: $(cat "$T/args")"
grep -qx 'X-Rcpt-Args: <carol@sink.test>' "$T/args" || fail "RCPT: $(cat "$T/args")"
[ "$(grep -c '^X-Rcpt-Args' "$T/args")" = 1 ] || fail "RCPT: $(cat "$T/args")"
[ "$(grep -c 'delivery qid=.* result=ok' "$QLOG")" = 6 ] || fail "deliveries: $(grep delivery "$QLOG")"

say "swaks: an :include: list and a remote address"
rm -f "$MD/new"/* "$T/sink.A"/*
cat >"$T/m2" <<'EOF'
From: Bob <bob@example.org>
To: list@demo.test
Subject: via swaks
Date: Fri, 04 Dec 2026 08:01:00 +0000
Message-ID: <m2@example.org>

swaks says hello
.
..
end
EOF
# swaks adds CRLF . CRLF after the data it is given: no last line end.
head -c -1 "$T/m2" >"$T/m2.swaks"
swaks --server 127.0.0.1 --port "$PORT" --ehlo swaks.test --from bob@example.org \
	--to list@demo.test,dave@sink.test --data "@$T/m2.swaks" >"$T/swaks.out" 2>&1 ||
	fail "swaks: $(tail -5 "$T/swaks.out")"
wait_files "$MD/new" 1
wait_files "$T/inc/Maildir/new" 1
wait_files "$T/sink.A" 1
queue_empty
$H local "$(only1 "$MD/new")" bob@example.org joe@demo.test "$T/m2" swaks.test || fail "joe's copy"
$H local "$(only1 "$T/inc/Maildir/new")" bob@example.org list@demo.test "$T/m2" swaks.test ||
	fail "the included Maildir's copy"
$H sink "$(only1 "$T/sink.A")" "$T/m2" swaks.test >"$T/args" || fail "dave's copy at smtp-sink"
grep -qx 'X-Rcpt-Args: <dave@sink.test>' "$T/args" || fail "RCPT: $(cat "$T/args")"

say "case and extensions: JOE+Work@DEMO.test into .work, sam+nofolder@virt.test into the inbox; 1.5 MB, also to Postfix"
rm -f "$MD/new"/* "$MD/.work/new"/* "$SMD/new"/*
python3 - "$T/m10" <<'PY'
import random, sys
r = random.Random(5)
with open(sys.argv[1], "w") as f:
    f.write("From: alice@example.org\nSubject: big\n\n")
    for i in range(40000):
        f.write(("." if i % 7 == 0 else "") + "".join(r.choice("abcdefghij ") for _ in range(r.randint(0, 76))) + "\n")
PY
$H send "$PORT" client.test alice@example.org JOE+Work@DEMO.test,sam+nofolder@virt.test,ok@pf.test "$T/m10" ||
	fail "smtplib"
wait_files "$MD/.work/new" 1
wait_files "$SMD/new" 1
wait_files "$(pfmd ok@pf.test)/new" 1 60
queue_empty
$H postfix "$(only1 "$(pfmd ok@pf.test)/new")" alice@example.org ok@pf.test "$T/m10" client.test >/dev/null ||
	fail "the copy at Postfix"
rm -f "$(pfmd ok@pf.test)/new"/*
$H local "$(only1 "$MD/.work/new")" alice@example.org JOE+Work@DEMO.test "$T/m10" client.test ||
	fail "the +folder copy (case)"
$H local "$(only1 "$SMD/new")" alice@example.org sam+nofolder@virt.test "$T/m10" client.test ||
	fail "the virtual user's copy without its folder"
[ "$(count "$MD/new")" = 0 ] || fail "JOE+Work went to the inbox too"
rm -f "$MD/.work/new"/* "$SMD/new"/*

say "a pipe exiting 100: a bounce carrying its words"
rm -f "$MD/new"/*
printf 'Subject: a ticket\n\nplease\n' >"$T/m3"
$H send "$PORT" client.test joe@demo.test tickets@demo.test "$T/m3" || fail "smtplib"
wait_files "$MD/new" 1
queue_empty
f=$(only1 "$MD/new")
$DSN "$f" >"$T/dsn" || fail "bounce: $(cat "$f")"
grep -q '^rcpt=tickets@demo.test action=failed status=5.3.0 .*diag=x-facteur;5.3.0 command failed: 5.7.1 the ticket queue is closed' "$T/dsn" ||
	fail "bounce: $(cat "$T/dsn")"

say "8BITMIME: kept locally; quoted-printable to smtp-sink -8 and to Postfix without 8BITMIME"
rm -f "$MD/new"/*
printf 'From: alice@example.org\nSubject: accents\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\ncaf\303\251 cr\303\250me br\303\273l\303\251e\n=not an escape\nend\n' >"$T/m4"
$H send "$PORT" client.test alice@example.org joe@demo.test,x@sink7.test,y@pf7.test "$T/m4" BODY=8BITMIME ||
	fail "smtplib"
wait_files "$MD/new" 1
wait_files "$T/sink.B" 1
wait_files "$(pfmd y@pf7.test)/new" 1 60
queue_empty
$H local "$(only1 "$MD/new")" alice@example.org joe@demo.test "$T/m4" client.test || fail "8-bit local copy"
printf 'cte=quoted-printable\ncaf\303\251 cr\303\250me br\303\273l\303\251e\n=not an escape\nend\n' >"$T/want4"
$H qp "$(only1 "$T/sink.B")" sink >"$T/got4" || fail "smtp-sink -8 copy"
cmp "$T/want4" "$T/got4" || fail "smtp-sink -8 copy: $(cat "$T/got4")"
grep -q 'BODY=8BITMIME' "$(only1 "$T/sink.B")" && fail "BODY=8BITMIME sent to a 7-bit server"
$H qp "$(only1 "$(pfmd y@pf7.test)/new")" >"$T/got4" || fail "Postfix's copy"
cmp "$T/want4" "$T/got4" || fail "Postfix's copy: $(cat "$T/got4")"
grep -q 'improper command pipelining' "$PF/maillog" && fail "pipelined to a server without PIPELINING"

say "Postfix with STARTTLS, certificate verified: two recipients, one transaction"
rm -f "$MD/new"/*
cat >"$T/m5" <<'EOF'
From: Joe <joe@demo.test>
To: ok@pf.test, ok2@pf.test
Subject: over TLS
Date: Fri, 04 Dec 2026 08:02:00 +0000
Message-ID: <m5@demo.test>

.dot
over TLS
EOF
$H send "$PORT" client.test joe@demo.test ok@pf.test,ok2@pf.test "$T/m5" || fail "smtplib"
wait_files "$(pfmd ok@pf.test)/new" 1 60
wait_files "$(pfmd ok2@pf.test)/new" 1 60
queue_empty
$H postfix "$(only1 "$(pfmd ok@pf.test)/new")" joe@demo.test ok@pf.test "$T/m5" client.test >"$T/rcv1" ||
	fail "ok's copy at Postfix"
$H postfix "$(only1 "$(pfmd ok2@pf.test)/new")" joe@demo.test ok2@pf.test "$T/m5" client.test >"$T/rcv2" ||
	fail "ok2's copy at Postfix"
grep -q '^Received: from mx.demo.test (unknown \[127.0.0.1\]) (using TLSv1\.[23] with cipher [^ ]*' "$T/rcv1" ||
	fail "not over TLS: $(cat "$T/rcv1")"
grep -q ' with ESMTPS id ' "$T/rcv1" || fail "not ESMTPS: $(cat "$T/rcv1")"
id1=$(sed 's/.* with ESMTPS id \([0-9A-F]*\).*/\1/' "$T/rcv1")
id2=$(sed 's/.* with ESMTPS id \([0-9A-F]*\).*/\1/' "$T/rcv2")
[ -n "$id1" ] && [ "$id1" = "$id2" ] || fail "two transactions: $id1 $id2"
grep -q 'kind=remote result=ok .*relay=\[127.0.0.1\]' "$QLOG" || fail "log: $(grep 'pf.test' "$QLOG")"
grep -q 'smtp-remote: .* tls domain=pf.test ip=127.0.0.1 version=TLSv1\.[23] .* verified=yes' "$QLOG" ||
	fail "certificate not verified: $(grep 'tls' "$QLOG")"
[ "$(count "$MD/new")" = 0 ] || fail "mail came back to joe"

say "DSN passed on: NOTIFY=SUCCESS, ORCPT, ENVID, RET=HDRS; Postfix's report comes back over SMTP"
rm -f "$(pfmd ok@pf.test)/new"/*
printf 'From: joe@demo.test\nSubject: tell me\nMessage-ID: <m9@demo.test>\n\nsecret body\n' >"$T/m9"
$H send "$PORT" client.test joe@demo.test ok@pf.test "$T/m9" ENVID=e2e+2Bone RET=HDRS \
	-- NOTIFY=SUCCESS 'ORCPT=rfc822;orig+2Bok@pf.test' || fail "smtplib"
wait_files "$(pfmd ok@pf.test)/new" 1 60
wait_files "$MD/new" 1 60
queue_empty
f=$(only1 "$MD/new")
head -n 2 "$f" | tr '\n' ' ' | grep -qx 'Return-Path: <> Delivered-To: joe@demo.test ' || fail "report envelope: $(head -n 2 "$f")"
grep -q '^Received: from mx.pf.test (\[127.0.0.1\])$' "$f" || fail "the report did not come through smtpd: $(head -n 6 "$f")"
$DSN "$f" >"$T/dsn" || fail "Postfix's report: $(cat "$f")"
grep -qx 'envid=e2e+one' "$T/dsn" || fail "ENVID: $(cat "$T/dsn")"
grep -qx 'returned=headers' "$T/dsn" || fail "RET=HDRS: $(cat "$T/dsn")"
grep -q '^rcpt=ok@pf.test action=delivered status=2.0.0 orcpt=rfc822;orig+ok@pf.test ' "$T/dsn" ||
	fail "the delivered recipient: $(cat "$T/dsn")"
grep -q 'secret body' "$f" && fail "RET=HDRS report holds the body"
$H postfix "$(only1 "$(pfmd ok@pf.test)/new")" joe@demo.test ok@pf.test "$T/m9" client.test >/dev/null ||
	fail "ok's copy"
rm -f "$MD/new"/*

say "550 from Postfix and an unknown local user: exactly one RFC 3464 bounce"
rm -f "$(pfmd ok@pf.test)/new"/*
printf 'From: joe@demo.test\nSubject: partly refused\nMessage-ID: <m6@demo.test>\n\nthe body\n' >"$T/m6"
$H send "$PORT" client.test joe@demo.test bad@pf.test,ok@pf.test,nosuch@demo.test "$T/m6" \
	-- NOTIFY=FAILURE || fail "smtplib"
wait_files "$MD/new" 1 60
wait_files "$(pfmd ok@pf.test)/new" 1 60
queue_empty
sleep 1
f=$(only1 "$MD/new")
head -n 2 "$f" | tr '\n' ' ' | grep -qx 'Return-Path: <> Delivered-To: joe@demo.test ' || fail "bounce envelope: $(head -n 2 "$f")"
$DSN "$f" >"$T/dsn" || fail "bounce: $(cat "$f")"
grep -q '^subject=Undelivered Mail Returned to Sender$' "$T/dsn" || fail "subject: $(cat "$T/dsn")"
grep -q '^to=<joe@demo.test>$' "$T/dsn" || fail "To: $(cat "$T/dsn")"
grep -q '^returned=rfc822$' "$T/dsn" || fail "returned: $(cat "$T/dsn")"
grep -q '^orig-subject=partly refused$' "$T/dsn" || fail "original: $(cat "$T/dsn")"
grep -qx 'rcpt=bad@pf.test action=failed status=5.1.1 orcpt=- remote=dns;\[127.0.0.1\] diag=smtp;550 5.1.1 <bad@pf.test>: Recipient address rejected: no such user' "$T/dsn" ||
	fail "the refused remote recipient: $(cat "$T/dsn")"
grep -q '^rcpt=nosuch@demo.test action=failed status=5.1.1 ' "$T/dsn" || fail "the unknown local user: $(cat "$T/dsn")"
[ "$(grep -c '^rcpt=' "$T/dsn")" = 2 ] || fail "recipients in the bounce: $(cat "$T/dsn")"
$H postfix "$(only1 "$(pfmd ok@pf.test)/new")" joe@demo.test ok@pf.test "$T/m6" client.test >/dev/null ||
	fail "ok's copy"

say "4xx from smtp-sink, then it recovers: delivered after SIGALRM"
rm -f "$MD/new"/*
printf 'Subject: flaky\n\nonce refused\n' >"$T/m7"
$H send "$PORT" client.test joe@demo.test f@flaky.test "$T/m7" || fail "smtplib"
wait_log 'rcpt=<f@flaky.test> kind=remote result=temp .*attempt=1 relay=\[127.0.0.1\] retry=+3600s diag=450 4.3.0 Error: command failed'
"$BIN/mailq" >"$T/mailq" || fail "mailq"
grep -q ' to=<f@flaky.test> kind=remote state=deferred attempts=1 next=+[0-9]*s error=450 4.3.0 Error: command failed$' "$T/mailq" ||
	fail "mailq: $(cat "$T/mailq")"
kill "$SINK_C"
wait "$SINK_C" 2>/dev/null || true
sink C "$SC"
kill -ALRM "$QPID"
wait_files "$T/sink.C" 1
queue_empty
grep -q 'rcpt=<f@flaky.test> kind=remote result=ok .*attempt=2 ' "$QLOG" || fail "log: $(grep flaky "$QLOG")"
$H sink "$(only1 "$T/sink.C")" "$T/m7" client.test >/dev/null || fail "f's copy"
[ "$(count "$MD/new")" = 0 ] || fail "a report for a delivered message"

say "450 from Postfix, then its table changes: delivered after mailq -f"
printf 'Subject: later\n\ncome back\n' >"$T/m8"
$H send "$PORT" client.test joe@demo.test later@pf.test "$T/m8" || fail "smtplib"
wait_log 'rcpt=<later@pf.test> kind=remote result=temp .*attempt=1 .*diag=450 4.2.0 <later@pf.test>: Recipient address rejected: try again later'
printf 'bad@pf.test 550 5.1.1 no such user\n' >"$PF/etc/access"
postfix -c "$PF/etc" reload >/dev/null 2>&1 || fail "postfix reload"
# Postfix's smtpd processes take the new table when they start again:
# flush until an attempt gets through (bounded).
n=0
until grep -q 'rcpt=<later@pf.test> kind=remote result=ok' "$QLOG"; do
	n=$((n + 1))
	[ "$n" -le 20 ] || fail "later@pf.test never delivered: $(grep later "$QLOG")"
	"$BIN/mailq" -f || fail "mailq -f"
	sleep 1
done
wait_files "$(pfmd later@pf.test)/new" 1 60
queue_empty
$H postfix "$(only1 "$(pfmd later@pf.test)/new")" joe@demo.test later@pf.test "$T/m8" client.test >/dev/null ||
	fail "later's copy"
[ "$(count "$MD/new")" = 0 ] || fail "a report for a delivered message"

say "300 messages over SMTP to smtp-sink while queued is killed with SIGKILL again and again"
stop_queued
rm -f "$T/sink.A"/*
python3 - "$PORT" <<'PY' &
import smtplib, sys, time
port = int(sys.argv[1])
for i in range(300):
    time.sleep(0.02)
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=60) as s:
        s.sendmail("joe@demo.test", ["crash@sink.test"],
                   b"Subject: crash %d\r\nX-Seq: %d\r\n\r\nmessage %d\r\n" % (i, i, i))
PY
PRODUCER=$!
kills=0
while kill -0 "$PRODUCER" 2>/dev/null && [ "$kills" -lt 200 ]; do
	"$BIN/queued" 2>>"$QLOG" &
	pid=$!
	sleep "0.$((RANDOM % 5 + 1))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	kills=$((kills + 1))
done
wait "$PRODUCER" || fail "the SMTP client failed"
start_queued
queue_empty 120
# smtp-remote runs orphaned by a kill may still be finishing.
sleep 1
got=$(cat "$T/sink.A"/* | grep -a '^X-Seq: ' | sort -u | wc -l)
files=$(count "$T/sink.A")
say "killed $kills times; $got distinct messages of 300 at the sink in $files transactions"
[ "$got" = 300 ] || fail "$got of 300 messages reached smtp-sink"
[ "$(count "$MD/new")" = 0 ] || fail "a report came back: $(cat "$MD/new"/* | head -20)"

say "nothing left, nothing wrong"
"$BIN/mailq" >"$T/mailq" || fail "mailq"
[ "$(cat "$T/mailq")" = "-- 0 messages, 0 bytes" ] || fail "mailq: $(cat "$T/mailq")"
stop_queued
# (smtp-remote runs whose queued was killed cannot report: expected.)
grep -v "smtp-remote: pid [0-9]*: error: unable to write the report: Broken pipe" "$QLOG" "$T/smtpd.log" |
	grep "fatal\|error:\|Sanitizer\|runtime error" && fail "errors in the logs"
exit 0

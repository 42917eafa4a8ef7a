# queued with the real smtp-remote against a scriptable SMTP server on
# loopback (helpers/queued_sink.py; smtp_routes sends everything there,
# so no DNS): recipients of one domain grouped into one transaction with
# their DSN parameters passed on; 4xx -> retry -> delivered; 5xx ->
# exactly one RFC 3464 bounce (RET=HDRS, ENVID, ORCPT) in the sender's
# Maildir; NOTIFY=NEVER -> none; expiry with a short lifetime -> a delay
# warning, then a 4.4.7 bounce; a bounce that cannot be delivered ->
# postmaster, once; a postmaster notice that fails -> dropped, logged;
# mailq while mail waits, mailq -f, mailq -d with queued running.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/queued.inc"
[ -x "$BIN/smtp-remote" ] || fail "no $BIN/smtp-remote"

mkdir -p "$T/sink"
: >"$T/rules"
python3 "$(dirname "$0")/helpers/queued_sink.py" "$T/sinkport" "$T/sink" "$T/rules" \
	2>"$T/sink.err" &
SINK=$!
on_exit "kill $SINK 2>/dev/null; wait $SINK 2>/dev/null"
i=0
while [ ! -s "$T/sinkport" ]; do
	i=$((i + 1)); [ "$i" -lt 100 ] || fail "the sink did not start"; sleep 0.1
done
echo "* [127.0.0.1]:$(cat "$T/sinkport")" >"$E/smtp_routes"
echo "* none" >"$E/smtp_tls_policy"
cat >"$T/rules" <<EOF
tempone temp1
always temp
reject perm
slowpoke slow6
EOF
start_queued
# sink_has N: until the sink has accepted N transactions.
sink_has() { wait_files "$T/sink" "$(( $1 ))" 30; }
# (rcpt.log is one file of the sink dir too: N transactions = N+1 files.)

say "three recipients of one domain: one transaction, DSN parameters passed on"
printf 'Subject: grouped\n\nthree at once\n' |
	inject_env 'Fjoe@demo.test\0EID+2B1\0RHDRS\0Ta@remote.test\0NSUCCESS,FAILURE\0Orfc822;a+2Bx@remote.test\0Tb@remote.test\0Tc@REMOTE.test\0\0'
sink_has 2
queue_empty
f=$T/sink/1.txt
[ "$(grep -c '^RCPT TO:' "$f")" = 3 ] || fail "not one transaction: $(cat "$f")"
grep -q '^RCPT TO:<a@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bx@remote.test$' "$f" ||
	fail "DSN parameters not passed: $(cat "$f")"
grep -q '^MAIL FROM:<joe@demo.test>.* RET=HDRS' "$f" || fail "RET not passed: $(head -1 "$f")"
grep -q '^MAIL FROM:<joe@demo.test>.* ENVID=ID+2B1' "$f" || fail "ENVID not passed: $(head -1 "$f")"
sed '1,/^$/d' "$f" | tr -d '\r' | tail -n 3 | grep -q '^three at once$' || fail "message body: $(cat "$f")"
[ "$(grep -c 'kind=remote result=ok' "$QLOG")" = 3 ] || fail "log: $(cat "$QLOG")"

say "4xx, then accepted: retried after the backoff and delivered once"
printf 'Subject: retry\n\nagain\n' | inject joe@demo.test tempone@remote.test
sink_has 3
queue_empty
grep -q 'rcpt=<tempone@remote.test> kind=remote result=temp .*attempt=1 relay=\[127.0.0.1\] retry=+1s diag=451 4.3.0' "$QLOG" ||
	fail "no temp line: $(grep tempone "$QLOG")"
grep -q 'rcpt=<tempone@remote.test> kind=remote result=ok .*attempt=2 ' "$QLOG" ||
	fail "no ok line: $(grep tempone "$QLOG")"
grep -q '^RCPT TO:<tempone@remote.test>' "$T/sink/2.txt" || fail "second transaction"

say "destination_recipient_limit splits a domain's recipients into transactions"
echo 2 >"$E/destination_recipient_limit"
reload_queued
ntx=$(ls "$T/sink" | grep -c '\.txt$')
printf 'Subject: split\n\nsplit\n' | inject joe@demo.test s1@split.test s2@split.test s3@split.test
wait_files "$T/sink" $((ntx + 3))
queue_empty
a=$(ls "$T/sink" | grep '\.txt$' | sort -n | tail -n 2 | head -1) b=$(ls "$T/sink" | grep '\.txt$' | sort -n | tail -n 1)
ca=$(grep -c '^RCPT TO:<s[123]@split.test>' "$T/sink/$a") cb=$(grep -c '^RCPT TO:<s[123]@split.test>' "$T/sink/$b")
# (the two run at once: either may finish first)
[ "$ca$cb" = 21 ] || [ "$ca$cb" = 12 ] || fail "transactions of $ca and $cb recipients: $(cat "$T/sink/$a" "$T/sink/$b")"
rm "$E/destination_recipient_limit"
reload_queued

say "a slow destination does not hold up another"
printf 'Subject: slow\n\nslow\n' | inject joe@demo.test x@slowpoke.test
sleep 1 # (so that the slow one surely started first)
printf 'Subject: fast\n\nfast\n' | inject joe@demo.test y@remote.test
wait_log 'rcpt=<x@slowpoke.test> kind=remote result=ok'
grep -n 'rcpt=<y@remote.test> kind=remote result=ok\|rcpt=<x@slowpoke.test> kind=remote result=ok' "$QLOG" >"$T/order"
head -1 "$T/order" | grep -q 'y@remote.test' || fail "the fast domain waited for the slow one: $(cat "$T/order")"
queue_empty

say "destination_concurrency 1: one connection at a time to a domain"
# The sink's record so far: the slow and the fast run were open at once.
[ "$(cat "$T/sink/maxconc")" -ge 2 ] || fail "two domains were not served at once"
stop_queued
rm "$T/sink/maxconc"
sed -i 's/^slowpoke slow6$/slowpoke slow1/' "$T/rules"
echo 1 >"$E/destination_concurrency"
echo 1 >"$E/destination_recipient_limit"
printf 'Subject: one at a time\n\nx\n' | inject joe@demo.test p1@slowpoke.test p2@slowpoke.test p3@slowpoke.test
start_queued
wait_log 'rcpt=<p3@slowpoke.test> kind=remote result=ok'
wait_log 'rcpt=<p1@slowpoke.test> kind=remote result=ok'
wait_log 'rcpt=<p2@slowpoke.test> kind=remote result=ok'
queue_empty
[ "$(cat "$T/sink/maxconc")" = 1 ] || fail "$(cat "$T/sink/maxconc") connections at once to one domain"
rm "$E/destination_concurrency" "$E/destination_recipient_limit"
reload_queued

say "5xx: exactly one RFC 3464 bounce, RET=HDRS, ENVID and ORCPT reported"
before=$(count "$MD/new")
printf 'Subject: rejected\nMessage-ID: <r1@demo.test>\n\nsecret body\n' |
	inject_env 'Fjoe@demo.test\0Ebounce+2Bid\0RHDRS\0Treject@remote.test\0Orfc822;reject+2Bme@remote.test\0Tok1@remote.test\0\0'
wait_files "$MD/new" $((before + 1))
queue_empty
f=$(newest "$MD/new")
$DSN "$f" >"$T/dsn" || fail "bounce: $(cat "$f")"
grep -q '^returned=headers$' "$T/dsn" || fail "RET=HDRS: $(cat "$T/dsn")"
grep -q 'secret body' "$f" && fail "RET=HDRS bounce holds the body"
grep -q '^envid=bounce+id$' "$T/dsn" || fail "ENVID: $(cat "$T/dsn")"
grep -q '^rcpt=reject@remote.test action=failed status=5.1.1 orcpt=rfc822;reject+me@remote.test remote=dns;\[127.0.0.1\] diag=smtp;550 5.1.1 <reject@remote.test>: no such user$' "$T/dsn" ||
	fail "recipient block: $(cat "$T/dsn")"
[ "$(grep -c '^rcpt=' "$T/dsn")" = 1 ] || fail "the delivered recipient is in the bounce: $(cat "$T/dsn")"
grep -q '^to=<joe@demo.test>$' "$T/dsn" || fail "To: $(cat "$T/dsn")"
sleep 1
[ "$(count "$MD/new")" = $((before + 1)) ] || fail "more than one bounce"

say "NOTIFY=NEVER: no bounce"
printf 'Subject: never\n\nx\n' | inject_env 'Fjoe@demo.test\0Treject2@remote.test\0NNEVER\0\0'
wait_log 'rcpt=<reject2@remote.test> kind=remote result=perm'
queue_empty
sleep 1
[ "$(count "$MD/new")" = $((before + 1)) ] || fail "a bounce despite NOTIFY=NEVER"

say "mailq shows a deferred message; mailq -f retries it at once"
echo 1h >"$E/minimal_backoff_time"
echo 1h >"$E/maximal_backoff_time"
reload_queued
printf 'Subject: waiting\n\nx\n' >"$T/mw"
size=$(wc -c <"$T/mw")
inject joe@demo.test alwayslate@remote.test <"$T/mw"
wait_log 'rcpt=<alwayslate@remote.test> kind=remote result=temp .*attempt=1 '
"$BIN/mailq" >"$T/mailq" || fail "mailq"
id=$(awk 'NR == 1 { print $1 }' "$T/mailq")
grep -q "^$id queue age=[0-9]*s size=$size from=<joe@demo.test> rcpts=1$" "$T/mailq" || fail "mailq: $(cat "$T/mailq")"
grep -q "^$id  to=<alwayslate@remote.test> kind=remote state=deferred attempts=1 next=+[0-9]*s error=451 4.3.0 try again later$" "$T/mailq" ||
	fail "mailq: $(cat "$T/mailq")"
grep -q "^-- 1 message, $size bytes$" "$T/mailq" || fail "mailq total: $(cat "$T/mailq")"
"$BIN/mailq" -f || fail "mailq -f"
wait_log 'rcpt=<alwayslate@remote.test> kind=remote result=temp .*attempt=2 '
say "SIGALRM retries everything now too"
kill -ALRM "$QPID"
wait_log 'rcpt=<alwayslate@remote.test> kind=remote result=temp .*attempt=3 '

say "mailq -d while queued runs: removed, no bounce"
"$BIN/mailq" -d "$id" >"$T/del" || fail "mailq -d: $(cat "$T/del")"
grep -q "marked for deletion" "$T/del" || fail "mailq -d: $(cat "$T/del")"
wait_log "deleted qid=$id"
queue_empty
sleep 1
[ "$(count "$MD/new")" = $((before + 1)) ] || fail "a bounce for a deleted message"
"$BIN/mailq" -d "$id" 2>/dev/null && fail "mailq -d of a deleted message succeeded"

say "mailq -d of a message in todo/ while queued is stopped"
stop_queued
printf 'Subject: todo\n\nx\n' | inject joe@demo.test a@remote.test
id2=$(ls "$FACTEUR_SPOOL/todo")
"$BIN/mailq" | grep -q "^$id2 new .*rcpts=1$" || fail "mailq for todo/: $("$BIN/mailq")"
"$BIN/mailq" -d "$id2" >/dev/null || fail "mailq -d in todo/"
[ -z "$(ls "$FACTEUR_SPOOL/todo")" ] || fail "still in todo/"
"$BIN/mailq" -f 2>/dev/null && fail "mailq -f without queued succeeded"
echo 1s >"$E/minimal_backoff_time"
echo 2s >"$E/maximal_backoff_time"

say "expiry with a short lifetime: a delay warning, then a 4.4.7 bounce"
echo 3s >"$E/maximal_queue_lifetime"
echo 1s >"$E/delay_warning_time"
start_queued
before=$(count "$MD/new")
printf 'Subject: slow\n\nnever arrives\n' |
	inject_env 'Fjoe@demo.test\0Talwaysslow@remote.test\0NFAILURE,DELAY\0\0'
wait_files "$MD/new" $((before + 2)) 30
queue_empty
grep -q 'rcpt=<alwaysslow@remote.test> kind=remote result=expired ' "$QLOG" || fail "no expired line"
for f in $(ls -tr "$MD/new" | tail -n 2); do
	$DSN "$MD/new/$f" || fail "report $f: $(cat "$MD/new/$f")"
done >"$T/dsn"
grep -q '^subject=Delayed Mail (still being retried)$' "$T/dsn" || fail "no delay warning: $(cat "$T/dsn")"
grep -q '^rcpt=alwaysslow@remote.test action=delayed status=4.3.0 ' "$T/dsn" || fail "delayed: $(cat "$T/dsn")"
grep -q '^rcpt=alwaysslow@remote.test action=failed status=4.4.7 .*diag=smtp;451 4.3.0 try again later$' "$T/dsn" ||
	fail "expired: $(cat "$T/dsn")"
[ "$(grep -c '^returned=rfc822$' "$T/dsn")" = 1 ] || fail "the bounce returns the message: $(cat "$T/dsn")"
rm "$E/maximal_queue_lifetime" "$E/delay_warning_time"
reload_queued

say "bounce_queue_lifetime: mail from <> expires sooner, then postmaster hears of it"
echo 2s >"$E/bounce_queue_lifetime"
reload_queued
before=$(count "$MD/new")
printf 'Subject: a bounce\n\nx\n' | inject "" alwaysbounce@remote.test
wait_files "$MD/new" $((before + 1)) 30
queue_empty
f=$(newest "$MD/new")
$DSN "$f" >"$T/dsn" || fail "notice: $(cat "$f")"
grep -q '^subject=Postmaster Copy: Undelivered Mail$' "$T/dsn" || fail "subject: $(cat "$T/dsn")"
grep -q '^rcpt=alwaysbounce@remote.test action=failed status=4.4.7 ' "$T/dsn" || fail "notice: $(cat "$T/dsn")"
rm "$E/bounce_queue_lifetime"
reload_queued

say "a bounce that cannot be delivered goes to postmaster, once"
before=$(count "$MD/new")
printf 'Subject: double\n\nx\n' | inject rejectsender@remote.test reject3@remote.test
wait_files "$MD/new" $((before + 1))
queue_empty
f=$(newest "$MD/new")
$DSN "$f" >"$T/dsn" || fail "postmaster notice: $(cat "$f")"
grep -q '^subject=Postmaster Copy: Undelivered Mail$' "$T/dsn" || fail "subject: $(cat "$T/dsn")"
grep -q '^rcpt=rejectsender@remote.test action=failed status=5.1.1 ' "$T/dsn" || fail "notice: $(cat "$T/dsn")"
head -1 "$f" | grep -q '^Return-Path: <double-bounce@mx.demo.test>$' || fail "notice sender: $(head -1 "$f")"
sleep 1
[ "$(count "$MD/new")" = $((before + 1)) ] || fail "more than one notice"

say "a postmaster notice that fails is dropped with a log line"
echo rejectpm@remote.test >"$E/bounce_notice_recipient"
reload_queued
printf 'Subject: triple\n\nx\n' | inject rejectsender2@remote.test reject4@remote.test
wait_log "dropped: a postmaster notice that could not be delivered"
queue_empty
[ "$(count "$MD/new")" = $((before + 1)) ] || fail "mail reached joe"
grep -c '^RCPT TO:<rejectpm@remote.test>' "$T/sink/rcpt.log" | grep -q '^1$' || fail "postmaster tried $(grep -c rejectpm "$T/sink/rcpt.log") times"
rm "$E/bounce_notice_recipient"

stop_queued
grep -q "fatal\|error:\|Sanitizer\|runtime error" "$QLOG" &&
	fail "errors in the log: $(grep 'fatal\|error:\|Sanitizer\|runtime error' "$QLOG")"
exit 0

# smtpd under tcpserver on loopback, driven by Python's smtplib and raw
# sockets (tests/integration/smtpd_client.py): commands and replies,
# enhanced status codes, the spool read back byte for byte, DSN and
# SMTPUTF8 envelopes, relay tricks, smuggling, limits, SIZE lies, a
# client vanishing mid-DATA, PIPELINING and BDAT, timeouts, ETRN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd.inc"
set -e
PY="python3 $(dirname "$0")/smtpd_client.py"

say "from mynetworks (127.0.0.1 is in the default)"
start_smtpd
$PY basic commands postmaster enhanced_codes relay_allowed dsn_utf8 eightbit smuggling limits \
	size vanish pipelining errors_and_timeout recipient_limit etrn
kill "$SMTPD_PID"; wait "$SMTPD_PID" 2>/dev/null || true

say "from outside mynetworks"
echo 192.0.2.0/24 >"$FACTEUR_ETC/mynetworks"
start_smtpd
$PY relay etrn_refused

say "RELAYCLIENT set by tcpserver rules relays"
kill "$SMTPD_PID"; wait "$SMTPD_PID" 2>/dev/null || true
start_smtpd RELAYCLIENT=
$PY relay_allowed
kill "$SMTPD_PID"; wait "$SMTPD_PID" 2>/dev/null || true
rm "$FACTEUR_ETC/mynetworks"

say "a failing queue program: temporary (451) and permanent (554)"
printf '#!/bin/sh\ncat >/dev/null; exit 53\n' >"$T/q53"
printf '#!/bin/sh\ncat >/dev/null; exit 31\n' >"$T/q31"
chmod +x "$T/q53" "$T/q31"
start_smtpd FACTEUR_QUEUE="$T/q53"
WANT_CODE=451 $PY queue_failure
kill "$SMTPD_PID"; wait "$SMTPD_PID" 2>/dev/null || true
start_smtpd QMAILQUEUE="$T/q31"
WANT_CODE=554 $PY queue_failure
kill "$SMTPD_PID"; wait "$SMTPD_PID" 2>/dev/null || true

say "the log: one line per event, network bytes escaped"
grep -q 'info: connect ip=127.0.0.1' "$T/smtpd.log" || fail "no connect line"
grep -q 'info: accept ip=127.0.0.1 qp=[0-9]* from=<a@b.net> rcpts=2 size=' "$T/smtpd.log" || fail "no accept line"
grep -q 'info: refuse ip=127.0.0.1 cmd=RCPT code=554' "$T/smtpd.log" || fail "no refuse line"
grep -q 'code=521' "$T/smtpd.log" || fail "no smuggling refusal logged"
if grep -q "$(printf '\r')" "$T/smtpd.log"; then fail "raw CR in the log"; fi
grep -c . "$T/smtpd.log"
echo ok

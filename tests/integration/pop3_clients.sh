# Real POP3 clients against the whole chain (tcpserver -> [tlsd] ->
# pop3-login -> checkpw -> pop3d) on loopback: fetchmail (into
# maildeliver as its MDA, and into a BSMTP file), getmail6 (into a
# Maildir), curl pop3:// (with and without STLS) and pop3s://, each over
# plaintext and TLS.  What they retrieve is compared byte for byte with
# the Maildir served (realistic MIME messages).  fetchmail's UIDL
# bookkeeping sees nothing new in a second session; fetchmail without
# "keep" deletes exactly what it retrieved.
. "$(dirname "$0")/lib.sh"
set -e
for t in tcpserver python3 openssl setpriv fetchmail getmail curl; do
	command -v "$t" >/dev/null || skip "no $t"
done
is_root || skip "needs root (checkpw switches to the mail user)"
id nobody >/dev/null 2>&1 && id daemon >/dev/null 2>&1 || skip "no users nobody/daemon"
for p in pop3-login pop3d checkpw facteur-passwd tlsd maildeliver; do
	[ -x "$BIN/$p" ] || fail "no $BIN/$p"
done
HERE=$(cd "$(dirname "$0")" && pwd)
SAME="python3 $HERE/helpers/pop3_same.py"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
E=$FACTEUR_ETC
echo 1 >"$E/argon2_passes"
echo 8 >"$E/argon2_memory"
echo 0 >"$E/checkpw_delay"
chmod 755 "$E"
mkdir -p "$T/home/joe"
chown 65534:65534 "$T/home/joe"
echo 'pop3 s3cret' | "$BIN/facteur-passwd" add -s -c -u 65534 -g 65534 -d "$T/home/joe" joe
chmod 644 "$E/passwd.cdb"
MD=$T/home/joe/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
python3 "$HERE/helpers/pop3_mkmail.py" "$T/msgs" 12 400000
for f in "$T"/msgs/msg*; do "$BIN/maildeliver" "$MD" <"$f"; done
chown -R 65534:65534 "$MD"
N=$(count "$MD/new")

cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=pop3-test \
	2>/dev/null || fail "openssl req"
chmod 600 key.pem

CHAIN="$BIN/pop3-login $BIN/checkpw $BIN/pop3d"
start() {
	name=$1
	shift
	tcpserver -R -H -l localhost -1 127.0.0.1 0 "$@" \
		>"$T/$name.port" 2>>"$T/$name.log" &
	on_exit "kill $! 2>/dev/null"
	for _ in $(seq 100); do
		grep -q '^[0-9]' "$T/$name.port" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^[0-9]' "$T/$name.port" || fail "tcpserver $name did not start"
}
port() { head -n 1 "$T/$1.port"; }
start plain $CHAIN
start stls "$BIN/tlsd" -n -c cert.pem -k key.pem -u nobody -U daemon $CHAIN
start imp "$BIN/tlsd" -c cert.pem -k key.pem -u nobody -U daemon $CHAIN
PLAIN=$(port plain) STLS=$(port stls) IMP=$(port imp)

# A fresh Maildir for a client to deliver into, owned by nobody.
outdir() {
	mkdir -p "$T/$1/new" "$T/$1/cur" "$T/$1/tmp"
	chown -R 65534:65534 "$T/$1"
}

# fetchmail NAME PORT EXTRA TARGET: a run control file (the password is
# not on any command line), run as nobody; $SRVOPT adds server options.  Exit 0: mail was fetched;
# 1: there was none.
fetchmail_run() {
	name=$1 p=$2 extra=$3 target=$4
	mkdir -p "$T/fm-$name"
	cat >"$T/fm-$name/rc" <<EOF
set no syslog
set invisible
set no bouncemail
poll 127.0.0.1 service $p protocol pop3 auth password timeout 60 ${SRVOPT:-}:
  user "joe" password "pop3 s3cret" is "joe" here
  no rewrite $extra
  $target
EOF
	chmod 600 "$T/fm-$name/rc"
	chown -R 65534:65534 "$T/fm-$name"
	timeout 120 $NOBODY env HOME="$T/fm-$name" FETCHMAILHOME="$T/fm-$name" \
		fetchmail -f "$T/fm-$name/rc" >"$T/fm-$name.log" 2>&1
}

# getmail NAME PORT TYPE: getmail6 as nobody into Maildir $T/gm-NAME.out.
getmail_run() {
	name=$1 p=$2 type=$3
	mkdir -p "$T/gm-$name"
	outdir "gm-$name.out"
	cat >"$T/gm-$name/rc" <<EOF
[retriever]
type = $type
server = 127.0.0.1
port = $p
username = joe
password = pop3 s3cret

[destination]
type = Maildir
path = $T/gm-$name.out/

[options]
read_all = true
delete = false
received = false
delivered_to = false
message_log_syslog = false
EOF
	chown -R 65534:65534 "$T/gm-$name"
	timeout 120 $NOBODY env HOME="$T/gm-$name" getmail \
		--rcfile="$T/gm-$name/rc" --getmaildir="$T/gm-$name" \
		>"$T/gm-$name.log" 2>&1 || fail "getmail $name: $(tail -n 5 "$T/gm-$name.log")"
}

# curl_all NAME URL CURLOPTS...: the UIDL listing, then every message by
# number into $T/cu-NAME/.
curl_all() {
	name=$1 url=$2
	shift 2
	mkdir -p "$T/cu-$name"
	curl -sS --max-time 60 "$@" -u 'joe:pop3 s3cret' -X UIDL "$url/" \
		| tr -d '\r' >"$T/cu-$name/UIDL" || fail "curl $name UIDL"
	[ "$(wc -l <"$T/cu-$name/UIDL")" = "$N" ] || fail "curl $name UIDL: $(cat "$T/cu-$name/UIDL")"
	for n in $(cut -d' ' -f1 "$T/cu-$name/UIDL"); do
		curl -sS --max-time 60 "$@" -u 'joe:pop3 s3cret' "$url/$n" \
			>"$T/cu-$name/$n" || fail "curl $name RETR $n"
	done
}

say "$N messages served; plaintext logins disabled (the default)"
say "curl pop3:// with STLS (--ssl-reqd): UIDL and every RETR byte for byte"
curl_all stls "pop3://127.0.0.1:$STLS" --ssl-reqd -k
$SAME numbered "$MD" "$T/cu-stls" || fail "curl STLS"
say "curl pop3:// without TLS: PLAIN and USER refused, CRAM-MD5 works"
for o in AUTH=PLAIN AUTH=LOGIN; do
	curl -sS --max-time 60 --login-options "$o" -u 'joe:pop3 s3cret' \
		"pop3://127.0.0.1:$PLAIN/1" >/dev/null 2>"$T/o" &&
		fail "plaintext login ($o) accepted"
done
curl_all cram "pop3://127.0.0.1:$PLAIN" --login-options AUTH=CRAM-MD5
$SAME numbered "$MD" "$T/cu-cram" || fail "curl CRAM-MD5"
say "curl pop3s:// (implicit TLS)"
curl_all imp "pop3s://127.0.0.1:$IMP" -k
$SAME numbered "$MD" "$T/cu-imp" || fail "curl pop3s"

say "fetchmail over implicit TLS into maildeliver, keeping the mail"
outdir fm-imp.out
fetchmail_run imp "$IMP" "ssl no sslcertck keep fetchall" \
	"mda \"$BIN/maildeliver $T/fm-imp.out\"" || fail "fetchmail TLS: $(tail -n 5 "$T/fm-imp.log")"
$SAME maildir "$MD" "$T/fm-imp.out" || fail "fetchmail TLS + maildeliver"
say "fetchmail with STLS (sslproto tls1.2+) into a BSMTP file"
fetchmail_run stls "$STLS" "sslproto tls1.2+ no sslcertck keep fetchall" \
	"bsmtp \"$T/fm-stls/out.bsmtp\"" || fail "fetchmail STLS: $(tail -n 5 "$T/fm-stls.log")"
$SAME bsmtp "$MD" "$T/fm-stls/out.bsmtp" || fail "fetchmail STLS + BSMTP"

say "getmail6 over implicit TLS into a Maildir (it adds only Return-Path)"
getmail_run imp "$IMP" SimplePOP3SSLRetriever
$SAME maildir "$MD" "$T/gm-imp.out" 'Return-Path: <unknown>\n' || fail "getmail6 TLS"

echo no >"$E/disable_plaintext_auth"
say "disable_plaintext_auth no: the same clients in plaintext"
curl_all plain "pop3://127.0.0.1:$PLAIN"
$SAME numbered "$MD" "$T/cu-plain" || fail "curl plain"
getmail_run plain "$PLAIN" SimplePOP3Retriever
$SAME maildir "$MD" "$T/gm-plain.out" 'Return-Path: <unknown>\n' || fail "getmail6 plain"

say "fetchmail keeping UIDLs: the first session fetches all, the second nothing"
outdir fm-uidl.out
SRVOPT=uidl fetchmail_run uidl "$PLAIN" "sslproto '' keep" \
	"mda \"$BIN/maildeliver $T/fm-uidl.out\"" || fail "fetchmail uidl: $(tail -n 5 "$T/fm-uidl.log")"
$SAME maildir "$MD" "$T/fm-uidl.out" || fail "fetchmail plain + maildeliver"
[ "$(wc -l <"$T/fm-uidl/.fetchids")" -ge "$N" ] || fail "fetchmail kept no UIDLs"
rc=0
SRVOPT=uidl fetchmail_run uidl "$PLAIN" "sslproto '' keep" \
	"mda \"$BIN/maildeliver $T/fm-uidl.out\"" || rc=$?
[ "$rc" = 1 ] || fail "second fetchmail session exited $rc (want 1, no new mail): $(tail -n 5 "$T/fm-uidl.log")"
[ "$(count "$T/fm-uidl.out/new")" = "$N" ] || fail "second session fetched again"

say "fetchmail without keep: retrieves all, deletes exactly those at QUIT"
outdir fm-flush.out
fetchmail_run flush "$PLAIN" "sslproto '' fetchall" \
	"mda \"$BIN/maildeliver $T/fm-flush.out\"" || fail "fetchmail flush: $(tail -n 5 "$T/fm-flush.log")"
[ "$(count "$T/fm-flush.out/new")" = "$N" ] || fail "fetchmail flush got $(count "$T/fm-flush.out/new")"
[ "$(count "$MD/cur")" = 0 ] && [ "$(count "$MD/new")" = 0 ] || fail "messages left after DELE+QUIT"
sums() { for f in "$1"/new/*; do md5sum <"$f"; done | sort; }
[ "$(sums "$T/fm-imp.out")" = "$(sums "$T/fm-flush.out")" ] ||
	fail "what fetchmail deleted is not what it retrieved"
grep -q "pop3d: .* end user=joe reason=quit retr=$N .* dele=$N failed=0 left=0" "$T/plain.log" ||
	fail "pop3d did not log the deletions: $(grep 'pop3d.*end' "$T/plain.log" | tail -n 2)"
say "every client got every message byte for byte"

# imapd sessions and deliveries at the same time on one Maildir: two
# sessions see every change (EXISTS, EXPUNGE, flags) with UIDs strictly
# ascending and never reused, four sessions APPEND at once while
# maildeliver delivers, and a lost or damaged UID list is rebuilt (new
# UIDVALIDITY when lost, every readable UID kept when damaged).
. "$(dirname "$0")/lib.sh"
set -e
# Our own directory outside /tmp/facteur-test.* (as dhcpc.sh does):
# something on this machine removes those directories mid-run.
rm -rf "$T"
T=$(mktemp -d /var/tmp/facteur-imapc.XXXXXX)
chmod 755 "$T"
export FACTEUR_ETC="$T/etc"
mkdir -p "$FACTEUR_ETC"
command -v python3 >/dev/null || skip "no python3"
command -v setpriv >/dev/null || skip "no setpriv"
is_root || skip "needs root (the sessions run as uid 65534)"
for p in imapd maildeliver; do
	[ -x "$BIN/$p" ] || fail "no $BIN/$p"
done
HERE=$(cd "$(dirname "$0")" && pwd)
MD=$T/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
chown -R 65534:65534 "$MD"
timeout 300 python3 "$HERE/helpers/imap_concurrent.py" "$BIN" "$MD" ||
	fail "concurrent sessions"

say "a session that finds the folder as the last scan left it skips the scan; any change is seen"
MD2=$T/Maildir2
mkdir -p "$MD2/new" "$MD2/cur" "$MD2/tmp"
for i in 1 2 3; do printf 'Subject: %d\n\nx\n' $i >"$MD2/cur/100$i.M1P1.host:2,"; done
chown -R 65534:65534 "$MD2"
touch -d '2 minutes ago' "$MD2/cur" "$MD2/new"
flags() {
	printf 'a SELECT INBOX\r\nb FETCH 1:* (UID FLAGS)\r\nz LOGOUT\r\n' |
		setpriv --reuid 65534 --regid 65534 --clear-groups env MAILDIR="$MD2" \
		"$BIN/imapd" 2>/dev/null | tr -d '\r' | grep '^\* [0-9]* FETCH' | tr '\n' '|'
}
want='* 1 FETCH (UID 1 FLAGS ())|* 2 FETCH (UID 2 FLAGS ())|* 3 FETCH (UID 3 FLAGS ())|'
[ "$(flags)" = "$want" ] || fail "first: $(flags)"
grep -q ' c=[0-9.]* n=[0-9.]* s=[0-9]* k=0$' "$MD2/facteur-uidlist" || fail "no stamps: $(head -n 1 "$MD2/facteur-uidlist")"
[ "$(flags)" = "$want" ] || fail "second: $(flags)"
# another program sets a flag (a rename), the directory time is old again
mv "$MD2/cur/1002.M1P1.host:2," "$MD2/cur/1002.M1P1.host:2,F"
touch -d '1 minute ago' "$MD2/cur"
[ "$(flags)" = '* 1 FETCH (UID 1 FLAGS ())|* 2 FETCH (UID 2 FLAGS (\Flagged))|* 3 FETCH (UID 3 FLAGS ())|' ] ||
	fail "rename not seen: $(flags)"
# a delivery, then new/ looks old again
printf 'Subject: 4\n\nx\n' >"$MD2/new/1004.M1P1.host"
chown 65534:65534 "$MD2/new/1004.M1P1.host"
touch -d '1 minute ago' "$MD2/new"
flags | grep -q '^.*\* 4 FETCH (UID 4 FLAGS (\\Recent))|$' || fail "delivery not seen: $(flags)"
exit 0

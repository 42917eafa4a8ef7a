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

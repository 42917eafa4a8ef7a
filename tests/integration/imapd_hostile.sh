# Random and hostile commands to one imapd session from a fixed seed
# (helpers/imap_hostile.py): real command names with argument shapes and
# garbage (huge numbers and literals, 1:4294967296, deep nesting, bad
# sections, names with .. / % *, 8-bit bytes).  Every command gets its
# tagged OK, NO or BAD; nothing hangs or crashes, nothing is made outside
# the Maildir.
. "$(dirname "$0")/lib.sh"
set -e
rm -rf "$T"
T=$(mktemp -d /var/tmp/facteur-imaph.XXXXXX)
chmod 755 "$T"
export FACTEUR_ETC="$T/etc"
mkdir -p "$FACTEUR_ETC"
command -v python3 >/dev/null || skip "no python3"
command -v setpriv >/dev/null || skip "no setpriv"
is_root || skip "needs root (the session runs as uid 65534)"
[ -x "$BIN/imapd" ] || fail "no $BIN/imapd"
MD=$T/box/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
for i in 1 2 3; do
	printf 'Subject: %d\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n' "$i" \
		>"$MD/cur/100$i.M1P1.host:2,"
done
chown -R 65534:65534 "$T/box"
timeout 600 python3 "$(dirname "$0")/helpers/imap_hostile.py" "$BIN" "$MD" 1500 ||
	fail "hostile session"
# nothing outside the Maildir
[ "$(ls -A "$T/box")" = Maildir ] || fail "made outside the Maildir: $(ls -A "$T/box")"
exit 0

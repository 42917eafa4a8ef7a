# A Maildir that Dovecot wrote opens in imapd with Dovecot's UIDs: three
# messages delivered by dovecot-lda (a private configuration, no
# services) keep their UIDVALIDITY and UIDs; and back, Dovecot's imap
# (run directly, PREAUTH) sees the flags and keywords imapd set.
. "$(dirname "$0")/lib.sh"
set -e
rm -rf "$T"
T=$(mktemp -d /var/tmp/facteur-imapdv.XXXXXX)
chmod 755 "$T"
export FACTEUR_ETC="$T/etc"
mkdir -p "$FACTEUR_ETC"
LDA=$(ls /usr/lib/dovecot/dovecot-lda /usr/libexec/dovecot/dovecot-lda 2>/dev/null | head -n 1)
[ -n "$LDA" ] || skip "no dovecot-lda"
is_root || skip "needs root (the sessions run as uid 65534)"
command -v setpriv >/dev/null || skip "no setpriv"
[ -x "$BIN/imapd" ] || fail "no $BIN/imapd"
MD=$T/md
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp" "$T/run"
cat >"$T/d.conf" <<EOC
mail_location = maildir:$MD
mail_fsync = optimized
log_path = $T/dovecot.log
mail_temp_dir = $T
stats_writer_socket_path =
base_dir = $T/run
hostname = test.invalid
postmaster_address = postmaster@test.invalid
EOC
chown -R 65534:65534 "$T"
AS="setpriv --reuid 65534 --regid 65534 --clear-groups env HOME=$T USER=nobody"
for i in 1 2 3; do
	printf 'From: a@b.test\nSubject: dv %d\nMessage-ID: <dv%d@test>\n\nbody %d\n' $i $i $i |
		$AS "$LDA" -c "$T/d.conf" -f a@b.test || fail "dovecot-lda: $(cat "$T/dovecot.log")"
done
[ -s "$MD/dovecot-uidlist" ] || skip "dovecot-lda wrote no dovecot-uidlist"
# Distinct numbers, so that nothing but reading the file can get them
# right: UIDVALIDITY 4242 and UIDs 7, 8, 9 (Dovecot's format kept).
sed -i -e '1s/ V[0-9]* / V4242 /' -e '2,$s/^1 /7 /' -e '2,$s/^2 /8 /' -e '2,$s/^3 /9 /' "$MD/dovecot-uidlist"
V=4242
say "Dovecot's UIDVALIDITY $V and UIDs are kept"
printf 'a SELECT INBOX\r\nb UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])\r\nc UID STORE 8 +FLAGS (\\Seen \\Answered $Label1)\r\nz LOGOUT\r\n' |
	$AS MAILDIR="$MD" "$BIN/imapd" 2>"$T/err" | tr -d '\r' >"$T/o"
grep -qx "\* OK \[UIDVALIDITY $V\] UIDs valid" "$T/o" || fail "UIDVALIDITY: $(cat "$T/o")"
# dovecot-lda gave UIDs in delivery order; each must name its message
for i in 1 2 3; do
	grep -A1 "^\* $i FETCH (UID $((i + 6)) " "$T/o" | grep -q "Message-ID: <dv$i@test>" ||
		fail "UID $((i + 6)) is not dv$i: $(cat "$T/o")"
done
say "flags are Maildir letters Dovecot reads (RS, keyword a)"
ls "$MD/cur" | grep -q ':2,RSa$' || fail "no :2,RSa file: $(ls "$MD/cur")"
grep -qx '0 \$Label1' "$MD/dovecot-keywords" || fail "dovecot-keywords: $(cat "$MD/dovecot-keywords")"
DVIMAP=$(ls /usr/lib/dovecot/imap /usr/libexec/dovecot/imap 2>/dev/null | head -n 1)
if [ -n "$DVIMAP" ]; then
	say "and back: Dovecot's imap reads the flags and keywords imapd set"
	printf 'a SELECT INBOX\r\nb FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])\r\nz LOGOUT\r\n' |
		$AS "$DVIMAP" -c "$T/d.conf" 2>>"$T/err" | tr -d '\r' >"$T/o2"
	grep -A1 'FLAGS (\\Answered \\Seen \$Label1)' "$T/o2" | grep -q 'dv2@test' ||
		grep -A1 'FLAGS (\\Seen \\Answered \$Label1)' "$T/o2" | grep -q 'dv2@test' ||
		fail "Dovecot does not see the flags: $(cat "$T/o2")"
	[ "$(grep -c '^\* [0-9]* FETCH' "$T/o2")" = 3 ] || fail "Dovecot sees: $(cat "$T/o2")"
fi

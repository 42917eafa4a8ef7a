# imapd and the Maildir++ quota (maildirsize): GETQUOTAROOT, GETQUOTA,
# SETQUOTA refused, APPEND and COPY charged and refused with
# NO [OVERQUOTA] past the limit, EXPUNGE written back as a negative line.
# imapd runs directly (PREAUTH) as uid 65534; the exact transcript is
# compared.
. "$(dirname "$0")/lib.sh"
set -e
rm -rf "$T"
T=$(mktemp -d /var/tmp/facteur-imapq.XXXXXX)
chmod 755 "$T"
export FACTEUR_ETC="$T/etc"
mkdir -p "$FACTEUR_ETC"
is_root || skip "needs root (the session runs as uid 65534)"
command -v setpriv >/dev/null || skip "no setpriv"
[ -x "$BIN/imapd" ] || fail "no $BIN/imapd"
MD=$T/md
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
printf 'Subject: a\n\nx\n' >"$MD/cur/1000.M1P1.host:2,S"
printf '2000S,4C\n14 1\n' >"$MD/maildirsize"
chown -R 65534:65534 "$MD"
printf 'a GETQUOTAROOT INBOX\r\nb GETQUOTA ""\r\nc APPEND INBOX {5+}\r\nhello\r\nd SELECT INBOX\r\ne COPY 1:* Trash\r\nf APPEND INBOX {5+}\r\nhello\r\ng STORE 1:2 +FLAGS.SILENT (\\Deleted)\r\nh EXPUNGE\r\ni GETQUOTA ""\r\nj SETQUOTA "" (STORAGE 1)\r\nk GETQUOTA foo\r\nl GETQUOTAROOT Nowhere\r\nz LOGOUT\r\n' |
	setpriv --reuid 65534 --regid 65534 --clear-groups env MAILDIR="$MD" "$BIN/imapd" 2>"$T/err" |
	tr -d '\r' | grep -v '^\* OK \[\(UIDVALIDITY\|UIDNEXT\|PERMANENTFLAGS\|UNSEEN\|HIGHESTMODSEQ\)\|^\* FLAGS\|^\* PREAUTH' >"$T/o"
cat >"$T/want" <<'EOW'
* QUOTAROOT INBOX ""
* QUOTA "" (STORAGE 1 1 MESSAGE 1 4)
a OK GETQUOTAROOT completed
* QUOTA "" (STORAGE 1 1 MESSAGE 1 4)
b OK GETQUOTA completed
c OK [APPENDUID V 2] APPEND completed
* 2 EXISTS
* 0 RECENT
d OK [READ-WRITE] SELECT completed
e OK [COPYUID V 1,2 1,2] COPY completed
f NO [OVERQUOTA] Quota exceeded
* 2 EXPUNGE
* 1 EXPUNGE
h OK EXPUNGE completed
* QUOTA "" (STORAGE 1 1 MESSAGE 2 4)
i OK GETQUOTA completed
j NO [NOPERM] Quotas are set by the administrator
k NO [NONEXISTENT] No such quota root
l NO [NONEXISTENT] No such mailbox
* BYE Logging out
z OK LOGOUT completed
EOW
sed -e 's/APPENDUID [0-9]* /APPENDUID V /' -e 's/COPYUID [0-9]* /COPYUID V /' -e '/^g OK/d' "$T/o" |
	diff "$T/want" - || fail "quota transcript differs"
# 14 + 5 (APPEND) + 14 + 5 (COPY) - 19 (EXPUNGE): the lines add up
[ "$(sed 1d "$MD/maildirsize" | awk '{ b += $1; c += $2 } END { print b, c }')" = "19 2" ] ||
	fail "maildirsize: $(cat "$MD/maildirsize")"
[ "$(ls "$MD/.Trash/cur" | wc -l)" = 2 ] || fail "Trash: $(ls "$MD/.Trash/cur")"

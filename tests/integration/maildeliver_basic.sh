# maildeliver: byte-exact delivery, headers, loops, folders, limits, exit codes.
. "$(dirname "$0")/lib.sh"
set -e
MD="$BIN/maildeliver"
M="$T/Maildir"

say "byte-exact: Return-Path and Delivered-To added, CRLF -> LF, nothing else"
printf 'Subject: t\r\nX-Bin: \001\177\200\377\r\n\r\nline\r\nbare\rcr\r\n\000nul\r\n.\r\nlast-no-eol' >"$T/in"
printf 'Return-Path: <s@x.test>\nDelivered-To: r@y.test\nSubject: t\nX-Bin: \001\177\200\377\n\nline\nbare\rcr\n\000nul\n.\nlast-no-eol' >"$T/want"
expect_rc 0 "$MD" -c -f s@x.test -r r@y.test "$M" <"$T/in"
[ "$(count "$M/new")" = 1 ] || fail "not exactly one file in new/"
[ "$(count "$M/tmp")" = 0 ] || fail "file left in tmp/"
f=$(find "$M/new" -type f)
cmp "$f" "$T/want" || fail "delivered bytes differ"
size=$(wc -c <"$T/want")
# W=: the size with CRLF line ends (each LF not after a CR counts two).
vsize=$(python3 -c 'import re, sys; d = open(sys.argv[1], "rb").read(); print(len(d) + len(re.findall(rb"(?<!\r)\n", d)))' "$T/want")
case "$f" in *",S=$size,W=$vsize") ;; *) fail "name $f lacks ,S=$size,W=$vsize" ;; esac
base=$(basename "$f")
echo "$base" | grep -Eq '^[0-9]+\.M[0-9]{6}P[0-9]+_R[0-9a-f]{16}\.[^/]+,S=[0-9]+,W=[0-9]+$' ||
	fail "bad unique name $base"
[ "$(stat -c %a "$f")" = 600 ] || fail "mode of $f is not 600"

say "no -f/-r: the message is stored as it came (LF input untouched)"
rm -f "$M"/new/*
printf 'A: b\n\nbody\n' >"$T/in"
expect_rc 0 "$MD" "$M" <"$T/in"
cmp "$(find "$M/new" -type f)" "$T/in" || fail "plain delivery changed bytes"
rm -f "$M"/new/*

say "-f with angle brackets and the null sender"
printf 'A: b\n\n' | expect_rc 0 "$MD" -f '<a@b.test>' "$M"
printf 'A: b\n\n' | expect_rc 0 "$MD" -f '' "$M"
grep -qx 'Return-Path: <a@b.test>' "$M"/new/* || fail "angle brackets doubled"
grep -qx 'Return-Path: <>' "$M"/new/* || fail "null sender not <>"
rm -f "$M"/new/*

say "a message already delivered to the recipient is a loop (100)"
printf 'Received: x\r\nDELIVERED-TO:  R@Y.test \r\nSubject: s\r\n\r\nb\r\n' >"$T/loop"
expect_rc 100 "$MD" -r r@y.test "$M" <"$T/loop"
grep -q 'mail loop' "$T/stderr" || fail "no loop reason: $(cat "$T/stderr")"
[ "$(count "$M/new")" = 0 ] && [ "$(count "$M/tmp")" = 0 ] || fail "loop left a file"
# The same header in the body, or for someone else, is no loop.
printf 'A: b\n\nDelivered-To: r@y.test\n' | expect_rc 0 "$MD" -r r@y.test "$M"
printf 'Delivered-To: other@y.test\n\n' | expect_rc 0 "$MD" -r r@y.test "$M"
# Delivering our own output again to the same recipient loops.
for f in "$M"/new/*; do
	expect_rc 100 "$MD" -r r@y.test "$M" <"$f"
done
rm -f "$M"/new/*

say "line breaks in an address are refused (100)"
printf 'A: b\n\n' | expect_rc 100 "$MD" -f "$(printf 'a\nX-Evil: 1')" "$M"
[ "$(count "$M/new")" = 0 ] || fail "header injection delivered"

say "folders: -m needs -c when missing; Maildir++ names"
printf 'A: b\n\n' | expect_rc 111 "$MD" -m Lists/foo "$M"
printf 'A: b\n\n' | expect_rc 0 "$MD" -c -m Lists/foo "$M"
printf 'A: b\n\n' | expect_rc 0 "$MD" -m INBOX.Lists.foo "$M"
[ "$(count "$M/.Lists.foo/new")" = 2 ] || fail "folder delivery missing"
[ -f "$M/.Lists.foo/maildirfolder" ] || fail "no maildirfolder file"
for bad in .. ../x a//b /etc "a/../b"; do
	printf 'A: b\n\n' | expect_rc 100 "$MD" -c -m "$bad" "$M"
done
[ ! -e "$T/x" ] && [ ! -e "$M/..x" ] || fail "a folder escaped"

say "missing Maildir is temporary (111); -c creates it"
printf 'A: b\n\n' | expect_rc 111 "$MD" "$T/none"
grep -q 'does not exist' "$T/stderr" || fail "unclear reason: $(cat "$T/stderr")"
[ ! -e "$T/none" ] || fail "created without -c"
printf 'A: b\n\n' | expect_rc 111 "$MD" -c "$T/no/parent/Maildir"

say "size limit: -s and the message_size_limit control file (100)"
head -c 5000 /dev/zero | tr '\0' 'a' >"$T/big"
expect_rc 100 "$MD" -s 4000 "$M" <"$T/big"
grep -q 'too big' "$T/stderr" || fail "no size reason"
echo 4000 >"$FACTEUR_ETC/message_size_limit"
expect_rc 100 "$MD" "$M" <"$T/big"
expect_rc 0 "$MD" -s 0 "$M" <"$T/big"
printf '# comment\n\n  9000  \n' >"$FACTEUR_ETC/message_size_limit"
expect_rc 0 "$MD" "$M" <"$T/big"
echo lots >"$FACTEUR_ETC/message_size_limit"
expect_rc 111 "$MD" "$M" <"$T/big"
grep -q "message_size_limit:3:1: not a number\|message_size_limit:1:1: not a number" "$T/stderr" ||
	fail "bad control not located: $(cat "$T/stderr")"
expect_rc 111 "$MD" -t
rm -f "$FACTEUR_ETC/message_size_limit"
expect_rc 0 "$MD" -t
[ "$(count "$M/tmp")" = 0 ] || fail "tmp/ not clean"

say "quota: over is 111, or 100 with -q; maildirsize kept up to date"
Q="$T/Q"
printf 'A: b\n\n' | expect_rc 0 "$MD" -c -Q 100S,3C "$Q"
[ "$(head -n 1 "$Q/maildirsize")" = 100S,3C ] || fail "maildirsize not created"
expect_rc 111 "$MD" "$Q" <"$T/big"
grep -q 'over quota' "$T/stderr" || fail "no quota reason"
expect_rc 100 "$MD" -q "$Q" <"$T/big"
echo yes >"$FACTEUR_ETC/quota_full_permanent"
expect_rc 100 "$MD" "$Q" <"$T/big"
rm "$FACTEUR_ETC/quota_full_permanent"
printf 'A: b\n\n' | expect_rc 0 "$MD" "$Q"
printf 'A: b\n\n' | expect_rc 0 "$MD" "$Q"
printf 'A: b\n\n' | expect_rc 111 "$MD" "$Q" # the count limit: 3 messages
[ "$(count "$Q/new")" = 3 ] || fail "quota let too many through"
[ "$(count "$Q/tmp")" = 0 ] || fail "quota left tmp files"
sum=$(awk 'NR > 1 { b += $1; c += $2 } END { print b, c }' "$Q/maildirsize")
real=$(cat "$Q"/new/* | wc -c)
[ "$sum" = "$real 3" ] || fail "maildirsize says $sum, Maildir holds $real 3"

say "usage errors are temporary (111): never lose mail to a typo"
expect_rc 111 "$MD"
expect_rc 111 "$MD" -z "$M"
expect_rc 111 "$MD" -s 12x "$M"
expect_rc 111 "$MD" -Q 10X "$M"
grep -q '^maildeliver: pid [0-9]*: fatal: ' "$T/stderr" || fail "log format: $(cat "$T/stderr")"
echo ok

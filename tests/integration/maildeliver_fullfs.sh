# maildeliver on a full file system, and on a Maildir it may not write:
# both are temporary failures (111) that leave no file in new/ or tmp/.
# Needs root (to mount a small tmpfs and to switch users).
. "$(dirname "$0")/lib.sh"
set -e
MD="$BIN/maildeliver"
is_root || skip "needs root to mount a tmpfs"

FS="$T/fs"
mkdir "$FS"
mount -t tmpfs -o size=1m,mode=0755 facteur-test "$FS" || skip "cannot mount tmpfs here"
on_exit "umount '$FS'"
M="$FS/Maildir"
mkdir -p "$M/tmp" "$M/new" "$M/cur"

say "a message larger than the file system: 111, nothing left behind"
head -c 3000000 /dev/urandom | base64 >"$T/big"
expect_rc 111 "$MD" "$M" <"$T/big"
grep -q 'file system full' "$T/stderr" || fail "reason: $(cat "$T/stderr")"
[ "$(count "$M/new")" = 0 ] || fail "file left in new/"
[ "$(count "$M/tmp")" = 0 ] || fail "file left in tmp/"

say "file system filled by something else: a small message fails the same way"
dd if=/dev/zero of="$FS/filler" bs=4k 2>/dev/null || true
printf 'Subject: x\n\nsmall\n' | expect_rc 111 "$MD" "$M"
[ "$(count "$M/new")" = 0 ] && [ "$(count "$M/tmp")" = 0 ] || fail "file left behind"

say "space again: delivery works, and the earlier failures left no trace"
rm -f "$FS/filler"
printf 'Subject: x\n\nsmall\n' | expect_rc 0 "$MD" "$M"
[ "$(count "$M/new")" = 1 ] && [ "$(count "$M/tmp")" = 0 ] || fail "recovery delivery"

say "run as root, it delivers as the Maildir's owner"
U="$T/user/Maildir"
mkdir -p "$U/tmp" "$U/new" "$U/cur"
chown -R nobody:nogroup "$T/user"
printf 'Subject: x\n\n' | expect_rc 0 "$MD" "$U"
[ "$(stat -c %U "$(find "$U/new" -type f)")" = nobody ] || fail "file not owned by nobody"

say "a Maildir its owner may not write: 111"
rm -f "$U"/new/*
chmod 500 "$U/new"
printf 'Subject: x\n\n' | expect_rc 111 "$MD" "$U"
grep -q 'Permission denied' "$T/stderr" || fail "reason: $(cat "$T/stderr")"
[ "$(count "$U/new")" = 0 ] && [ "$(count "$U/tmp")" = 0 ] || fail "file left behind"
echo ok

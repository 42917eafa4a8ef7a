# facteur-passwd: add/passwd/change/del/lock/unlock/list/compile, -t,
# the password from a terminal without echo, atomic replacement under the
# crash harness, concurrent editors.
. "$(dirname "$0")/lib.sh"
set -e
FP="$BIN/facteur-passwd"
CP="$BIN/checkpw"
E="$FACTEUR_ETC"
echo 1 >"$E/argon2_passes"
echo 8 >"$E/argon2_memory"
echo 0 >"$E/checkpw_delay"
mkdir -p "$T/h"

# login USER PASS: checkpw's verdict (exit code) for USER/PASS.
login() {
	printf '%s\0%s\0\0' "$1" "$2" >"$T/rec"
	set +e
	"$CP" true 3<"$T/rec" 2>/dev/null
	echo $?
	set -e
}

say "-t on a missing file fails; add creates both files, mode 600"
expect_rc 1 "$FP" -t
echo pw1 | expect_rc 0 "$FP" add -s -u 1001 -g 100 -d "$T/h" joe
[ "$(stat -c %a "$E/passwd")" = 600 ] || fail "passwd mode"
[ "$(stat -c %a "$E/passwd.cdb")" = 600 ] || fail "passwd.cdb mode"
expect_rc 0 "$FP" -t
grep -q '^joe:\$argon2id\$v=19\$m=8,t=1,p=1\$' "$E/passwd" || fail "hash cost not the site's"
[ "$(login joe pw1)" = 0 ] || fail "new user cannot log in"

say "the cdb holds every user's line and a dummy hash"
cdb -d "$E/passwd.cdb" >"$T/dump"
grep -q "^+3,[0-9]*:joe->$(grep '^joe:' "$E/passwd" | sed 's/[$]/[$]/g')$" "$T/dump" ||
	fail "cdb record differs from the line"
grep -q '^+6,[0-9]*::dummy->\$argon2id\$v=19\$m=8,t=1,p=1\$' "$T/dump" || fail "no dummy"

say "refusals: existing user, no such user, bad names and ids"
echo x | expect_rc 1 "$FP" add -s -u 1 -g 1 -d /x joe
expect_rc 1 "$FP" del nobody-here
expect_rc 1 "$FP" lock nobody-here
echo x | expect_rc 2 "$FP" add -s -u 1 -g 1 -d /x 'a:b'
echo x | expect_rc 2 "$FP" add -s -u 0 -g 1 -d /x rooty
echo x | expect_rc 2 "$FP" add -s -u 1 -g 1 -d rel reluser
echo x | expect_rc 2 "$FP" add -s -g 1 -d /x noid
expect_rc 2 "$FP" frobnicate
expect_rc 2 "$FP"
printf '' | expect_rc 1 "$FP" add -s -u 1 -g 1 -d /x emptypw
printf 'a\0b\n' | expect_rc 1 "$FP" add -s -u 1 -g 1 -d /x nulpw
head -c 300 /dev/zero | tr '\0' a | expect_rc 1 "$FP" add -s -u 1 -g 1 -d /x longpw
head -c 65 /dev/zero | tr '\0' a | expect_rc 1 "$FP" add -s -c -u 1 -g 1 -d /x longcram
echo x | expect_rc 1 "$FP" add -s -T 9 -u 1 -g 1 -d /x costly
grep -q 'exceeds the ceiling' "$T/stderr" || fail "no ceiling reason"
[ "$(grep -c . "$E/passwd")" = 1 ] || fail "a refused add changed the file"

say "comments and order survive edits"
{ echo '# site users'; cat "$E/passwd"; echo; echo '# end'; } >"$T/p"
cp "$T/p" "$E/passwd"
echo pw2 | "$FP" add -s -c -u 1002 -g 100 -d "$T/h" -m /var/mail/ann/ ann@example.org
sed -n 1p "$E/passwd" | grep -qx '# site users' || fail "first comment lost"
sed -n 2p "$E/passwd" | grep -q '^joe:' || fail "order changed"
sed -n 4p "$E/passwd" | grep -qx '# end' || fail "last comment lost"
sed -n 5p "$E/passwd" | grep -q '^ann@example.org:.*:1002:100:.*:/var/mail/ann/:cram-md5=707732$' ||
	fail "ann's line: $(sed -n 5p "$E/passwd")"

say "list shows names and state, never hashes or keys"
"$FP" list >"$T/list"
printf 'joe\t1001\t100\t%s\t%s/Maildir/\tactive\t-\nann@example.org\t1002\t100\t%s\t/var/mail/ann/\tactive\tcram-md5\n' \
	"$T/h" "$T/h" "$T/h" | cmp - "$T/list" || fail "list: $(cat "$T/list")"

say "lock, unlock, passwd, change, del"
"$FP" lock joe
grep -q '^joe:!\$argon2id' "$E/passwd" || fail "no lock mark"
"$FP" list | grep -q '^joe.*locked' || fail "list does not show the lock"
[ "$(login joe pw1)" = 1 ] || fail "locked user logged in"
"$FP" lock joe
"$FP" unlock joe
[ "$(login joe pw1)" = 0 ] || fail "unlocked user cannot log in"
old=$(grep '^ann' "$E/passwd" | cut -d: -f2)
echo pw3 | "$FP" passwd -s ann@example.org
[ "$(grep '^ann' "$E/passwd" | cut -d: -f2)" != "$old" ] || fail "hash unchanged"
grep -q '^ann.*cram-md5' "$E/passwd" && fail "passwd without -c kept the old CRAM key"
[ "$(login ann@example.org pw2)" = 1 ] || fail "old password still works"
[ "$(login ann@example.org pw3)" = 0 ] || fail "new password refused"
"$FP" change -u 2000 -g 2001 -d "$T/h/" -m '' ann@example.org
grep -q "^ann@example.org:[^:]*:2000:2001:$T/h/::$" "$E/passwd" ||
	fail "change: $(grep '^ann' "$E/passwd")"
[ "$(login ann@example.org pw3)" = 0 ] || fail "change lost the password"
"$FP" del ann@example.org
! grep -q '^ann' "$E/passwd" || fail "del left the line"
! cdb -q "$E/passwd.cdb" ann@example.org >/dev/null || fail "del left the cdb record"
[ "$(login ann@example.org pw3)" = 1 ] || fail "deleted user logged in"

say "-t reports file, line, column and reason"
cp "$E/passwd" "$T/saved"
printf 'bob:%s:1:1:relative::\n' "$(grep '^joe' "$E/passwd" | cut -d: -f2)" >>"$E/passwd"
expect_rc 1 "$FP" -t
col=$(( 4 + $(grep '^joe' "$E/passwd" | cut -d: -f2 | wc -c) + 5 ))
grep -q "$E/passwd:5:$col: path is not absolute" "$T/stderr" ||
	fail "-t message: $(cat "$T/stderr") (want col $col)"
printf 'joe:x:1:1:/h::\n' >"$E/passwd"
expect_rc 1 "$FP" -t
grep -q "$E/passwd:1:5: hash is not an argon2id string" "$T/stderr" || fail "-t: $(cat "$T/stderr")"
printf '#x\n' >"$E/passwd"; grep '^joe' "$T/saved" | tr -d '\n' >>"$E/passwd"
expect_rc 1 "$FP" -t
grep -q "$E/passwd:2:[0-9]*: last line lacks its newline" "$T/stderr" || fail "-t: $(cat "$T/stderr")"
say "an invalid file is never compiled over a good cdb"
expect_rc 1 "$FP" compile
[ "$(login joe pw1)" = 0 ] || fail "bad compile replaced the cdb"
cp "$T/saved" "$E/passwd"
say "-t refuses a hash over the site's ceiling"
echo 65536 >"$E/argon2_max_memory"
sed 's/m=8,t=1,p=1/m=131072,t=1,p=1/' "$T/saved" >"$E/passwd"
expect_rc 1 "$FP" -t
grep -q "$E/passwd:2:5: hash cost m=131072,t=1,p=1 exceeds" "$T/stderr" || fail "-t ceiling: $(cat "$T/stderr")"
rm "$E/argon2_max_memory"
cp "$T/saved" "$E/passwd"
expect_rc 0 "$FP" -t

say "malformed control files: -t says which (1), checkpw fails temporarily (111)"
echo lots >"$E/argon2_passes"
expect_rc 1 "$FP" -t
grep -q "$E/argon2_passes:1:1: not a number" "$T/stderr" || fail "-t control: $(cat "$T/stderr")"
printf 'joe\0pw1\0\0' >"$T/rec"
expect_rc 111 "$CP" true 3<"$T/rec"
echo 1 >"$E/argon2_passes"

say "compile after a hand edit"
sed 's/:1001:100:/:1003:100:/' "$T/saved" >"$E/passwd"
expect_rc 1 "$FP" -t
grep -q "$E/passwd:2:1: entry differs in passwd.cdb" "$T/stderr" || fail "-t stale: $(cat "$T/stderr")"
"$FP" compile
expect_rc 0 "$FP" -t
say "-t notices a cdb with records the text lacks, or none at all"
cp "$E/passwd.cdb" "$T/cdb.ok"
{ cdb -d "$E/passwd.cdb"; } | sed '$d' >"$T/dump"
{ cat "$T/dump"; printf '+5,1:ghost->x\n\n'; } | cdb -c "$E/passwd.cdb"
expect_rc 1 "$FP" -t
grep -q 'records for' "$T/stderr" || fail "-t extra record: $(cat "$T/stderr")"
rm "$E/passwd.cdb"
expect_rc 1 "$FP" -t
cp "$T/cdb.ok" "$E/passwd.cdb"
expect_rc 0 "$FP" -t
cdb -q "$E/passwd.cdb" joe | grep -q ':1003:100:' || fail "compile did not pick up the edit"
ls "$E" | grep -q tmp && fail "tmp file left: $(ls "$E")"

say "the password from a terminal, without echo, asked twice"
python3 - "$FP" "$T/h" <<'EOF' || fail "terminal add failed"
import os, pty, sys, time
fp, home = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(fp, [fp, "add", "-u", "1005", "-g", "100", "-d", home, "tty"])
out = b""
def expect(what):
    global out
    end = time.monotonic() + 20
    while what not in out:
        if time.monotonic() > end:
            sys.exit("timeout waiting for %r, got %r" % (what, out))
        try:
            out += os.read(fd, 1024)
        except OSError:
            sys.exit("eof waiting for %r, got %r" % (what, out))
expect(b"New password: ")
os.write(fd, b"ttypass\n")
expect(b"Retype new password: ")
os.write(fd, b"ttypass\n")
_, st = os.waitpid(pid, 0)
try:
    while True:
        b = os.read(fd, 1024)
        if not b:
            break
        out += b
except OSError:
    pass
if b"ttypass" in out:
    sys.exit("password echoed: %r" % out)
sys.exit(os.waitstatus_to_exitcode(st))
EOF
[ "$(login tty ttypass)" = 0 ] || fail "terminal password refused"
say "without a terminal and without -s: usage error"
expect_rc 2 setsid -w "$FP" add -u 1 -g 1 -d /x notty </dev/null

say "crash at every durable step: the old or the new database, never half"
cp "$E/passwd" "$T/before"
before_sum=$(cat "$E/passwd" "$E/passwd.cdb" | md5sum)
n=1
while [ $n -le 20 ]; do
	set +e
	(echo "crashpw$n" | FACTEUR_CRASH_AFTER=$n "$FP" add -s -u 1 -g 1 -d "$T/h" "crash$n") 2>/dev/null
	rc=$?
	set -e
	if grep -q "^crash$n:" "$E/passwd"; then
		# The text is new: the cdb is either new or (crash between
		# the renames) old; -t says so, and compile repairs it.
		r=$(login "crash$n" "crashpw$n")
		if [ "$r" != 0 ]; then
			expect_rc 1 "$FP" -t
			grep -q 'run facteur-passwd compile' "$T/stderr" ||
				fail "step $n: -t: $(cat "$T/stderr")"
			"$FP" compile
			[ "$(login "crash$n" "crashpw$n")" = 0 ] || fail "step $n: compile did not repair"
		fi
	else
		[ "$(login "crash$n" "crashpw$n")" = 1 ] || fail "step $n: cdb new but text old"
	fi
	expect_rc 0 "$FP" -t
	[ "$(login tty ttypass)" = 0 ] || fail "step $n: existing user lost"
	rm -f "$E"/*.tmp.*
	[ $rc = 0 ] && break
	"$FP" del "crash$n" 2>/dev/null || true
	n=$((n + 1))
done
[ $rc = 0 ] || fail "add never completed within 20 steps"
say "add completes after $((n - 1)) durable steps; every cut before left a whole database"

say "concurrent editors are serialized by the lock"
pids=
for i in 1 2 3 4 5 6; do
	echo "c$i" | "$FP" add -s -u 1 -g 1 -d "$T/h" "conc$i" 2>"$T/conc$i.err" &
	pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "concurrent add failed: $(cat "$T"/conc*.err)"; done
for i in 1 2 3 4 5 6; do
	[ "$(login "conc$i" "c$i")" = 0 ] || fail "conc$i lost"
done
expect_rc 0 "$FP" -t
say "all facteur-passwd cases passed"

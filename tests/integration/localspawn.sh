# localspawn: every KIND, as root and not.  A virtual user (facteur
# passwd.cdb) owned by nobody; a system user that exists only inside a
# private mount namespace (a copy of /etc/passwd bind-mounted over it);
# user+ext folders; pipe commands (environment, stdin byte for byte,
# qmail exit codes, time limit, identity); Maildir owners; every way of
# asking for root refused; unknown users; one RFC 3463 line on stderr.
. "$(dirname "$0")/lib.sh"
set -e
for p in localspawn maildeliver facteur-passwd; do
	[ -x "$BIN/$p" ] || fail "no $BIN/$p"
done
is_root || skip "needs root (localspawn switches users)"
id nobody >/dev/null 2>&1 || skip "no user nobody"
NOBODY=$(id -u nobody)
NOGROUP=$(id -g nobody)
command -v unshare >/dev/null && command -v setpriv >/dev/null ||
	skip "no unshare/setpriv (util-linux)"
E=$FACTEUR_ETC
echo 1 >"$E/argon2_passes"
echo 8 >"$E/argon2_memory"
chmod 755 "$E"

# The virtual user joe, owned by nobody, as pop3_login.sh does.
mkdir -p "$T/home/joe"
chown "$NOBODY:$NOGROUP" "$T/home/joe"
echo secret | "$BIN/facteur-passwd" add -s -c -u "$NOBODY" -g "$NOGROUP" \
	-d "$T/home/joe" joe
chmod 644 "$E/passwd.cdb"
MD=$T/home/joe/Maildir

# A message with CRLF line ends, and what a delivery of it must store.
printf 'From: a@x.example\r\nSubject: test\r\n\r\nline one\r\n.dot\r\nlast\r\n' \
	>"$T/msg"
stored() { # SENDER RCPT
	printf 'Return-Path: <%s>\nDelivered-To: %s\n' "$1" "$2"
	tr -d '\r' <"$T/msg"
}

# ls1 RC SENDER RCPT KIND TARGET: runs localspawn on the message, checks
# its status and that stderr is one line starting with a status code.
ls1() {
	want=$1
	shift
	set +e
	"$BIN/localspawn" "$@" <"$T/msg" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	[ "$got" = "$want" ] || fail "localspawn $* exited $got, want $want: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "stderr not one line: $(cat "$T/err")"
	grep -Eq '^[245]\.[0-9]{1,3}\.[0-9]{1,3} ' "$T/err" ||
		fail "no status code: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "stdout not empty: $(cat "$T/out")"
}
err_is() { grep -q -- "$1" "$T/err" || fail "stderr lacks '$1': $(cat "$T/err")"; }
# only_file DIR: the one file in DIR (fails unless exactly one).
only_file() {
	[ "$(count "$1")" = 1 ] || fail "$1 holds $(count "$1") files, want 1"
	find "$1" -maxdepth 1 -type f
}
owner_is() { # FILE UID
	[ "$(stat -c %u "$1")" = "$2" ] || fail "$1 owned by $(stat -c %u "$1"), want $2"
}

say "virtual user: Maildir created, message stored byte for byte, as nobody"
ls1 0 s@x.example joe@test.example user joe
err_is "^2.0.0 delivered to $MD/"
f=$(only_file "$MD/new")
stored s@x.example joe@test.example >"$T/want"
cmp "$T/want" "$f" || fail "stored message differs"
owner_is "$f" "$NOBODY"
owner_is "$MD" "$NOBODY"
[ "$(stat -c %a "$f")" = 600 ] || fail "mode $(stat -c %a "$f")"
rm -f "$MD"/new/*

say "null sender, name in upper case"
ls1 0 "" joe@test.example user JOE
printf 'Return-Path: <>\nDelivered-To: joe@test.example\n' >"$T/want"
tr -d '\r' <"$T/msg" >>"$T/want"
cmp "$T/want" "$(only_file "$MD/new")" || fail "null sender message differs"
rm -f "$MD"/new/*

say "user+ext: into .ext when it exists, else the inbox"
mkdir -p "$MD/.work/new" "$MD/.work/cur" "$MD/.work/tmp"
chown -R "$NOBODY:$NOGROUP" "$MD/.work"
ls1 0 s@x.example joe+work@test.example user joe+work
err_is "folder work"
stored s@x.example joe+work@test.example >"$T/want"
cmp "$T/want" "$(only_file "$MD/.work/new")" || fail "+work message differs"
[ "$(count "$MD/new")" = 0 ] || fail "+work went to the inbox too"
ls1 0 s@x.example joe+nofolder@test.example user joe+nofolder
stored s@x.example joe+nofolder@test.example >"$T/want"
cmp "$T/want" "$(only_file "$MD/new")" || fail "+nofolder not in the inbox"
mkdir -p "$MD/.Lists.Foo"
chown "$NOBODY:$NOGROUP" "$MD/.Lists.Foo"
ls1 0 s@x.example joe+lists.foo@test.example user joe+lists.foo
err_is "folder Lists.Foo$"
[ "$(count "$MD/.Lists.Foo/new")" = 1 ] || fail "+lists.foo not in .Lists.Foo"
ls1 0 s@x.example joe+..@test.example user "joe+.."
[ "$(count "$MD/new")" = 2 ] || fail "joe+.. not in the inbox"
rm -f "$MD"/new/* "$MD"/.work/new/*

say "a looping message is refused (5.4.6)"
cp "$T/msg" "$T/msg.orig"
printf 'Delivered-To: joe@test.example\r\n' | cat - "$T/msg.orig" >"$T/msg"
ls1 100 s@x.example joe@test.example user joe
err_is "^5.4.6 "
ls1 100 s@x.example joe@test.example pipe "cat >$T/never"
err_is "^5.4.6 mail loop"
[ ! -e "$T/never" ] || fail "looping message reached the command"
cp "$T/msg.orig" "$T/msg"
[ "$(count "$MD/new")" = 0 ] || fail "looping message delivered"

say "unknown users: 100 with 5.1.1"
ls1 100 s@x.example nosuch@test.example user nosuch-user-here
err_is "^5.1.1 no such user nosuch-user-here"
ls1 100 s@x.example x@test.example user "nosuch+ext"
err_is "^5.1.1 "
ls1 100 s@x.example x@test.example user "+joe"
err_is "^5.1.1 "

say "root is never a target"
ls1 100 s@x.example root@test.example user root
err_is "^5.7.1 refusing to deliver as root"
mkdir -p "$T/rootmd"
ls1 111 s@x.example a@test.example maildir "$T/rootmd/Maildir/"
err_is "^4.3.5 refusing to deliver as root"
[ ! -e "$T/rootmd/Maildir" ] || fail "root-owned Maildir created"
echo root >"$E/alias_user"
ls1 111 s@x.example a@test.example pipe "touch $T/ran-as-root"
err_is "^4.3.5 alias_user root is root"
[ ! -e "$T/ran-as-root" ] || fail "command ran as root"
rm "$E/alias_user"

say "maildeliver itself runs as the user, with a clean environment"
mkdir -p "$T/libexec"
cat >"$T/libexec/maildeliver" <<EOF
#!/bin/sh
set -e
{ id -u; id -g; id -G; env | sort; echo "args: \$*"; } >$T/fake.out
cat >/dev/null
EOF
chmod 755 "$T/libexec/maildeliver"
chmod 777 "$T"
FACTEUR_LIBEXEC=$T/libexec SECRET_FROM_CALLER=1 \
	ls1 0 s@x.example joe+work@test.example user joe+work
chmod 755 "$T"
[ "$(sed -n 1p "$T/fake.out")" = "$NOBODY" ] || fail "maildeliver uid: $(cat "$T/fake.out")"
[ "$(sed -n 2p "$T/fake.out")" = "$NOGROUP" ] || fail "maildeliver gid: $(cat "$T/fake.out")"
grep -qw 0 <(sed -n 3p "$T/fake.out") && fail "root group kept: $(cat "$T/fake.out")"
grep -q SECRET_FROM_CALLER "$T/fake.out" && fail "environment not cleaned"
grep -qx "HOME=$T/home/joe" "$T/fake.out" || fail "HOME: $(cat "$T/fake.out")"
grep -qx "args: -c -f s@x.example -r joe+work@test.example -m work -- $MD/" \
	"$T/fake.out" || fail "maildeliver args: $(grep args "$T/fake.out")"

say "system user (only inside a private mount namespace)"
SYSHOME=$T/home/lstest
mkdir -p "$SYSHOME"
cp /etc/passwd "$T/passwd"
cp /etc/group "$T/group"
echo "lstest:x:64999:64998::$SYSHOME:/bin/sh" >>"$T/passwd"
echo "lstest:x:64998:" >>"$T/group"
echo "lsextra:x:64997:lstest" >>"$T/group"
chown 64999:64998 "$SYSHOME"
HAVE_NS=0
unshare -m --propagation private true 2>/dev/null && HAVE_NS=1
# insys CMD...: runs CMD with the test's passwd and group files.
insys() {
	unshare -m --propagation private sh -c \
		'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"' \
		sh "$T/passwd" "$T/group" "$@"
}
if [ "$HAVE_NS" = 1 ]; then
	set +e
	insys "$BIN/localspawn" s@x.example lstest@test.example user lstest \
		<"$T/msg" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" = 0 ] || fail "system user: exit $rc: $(cat "$T/err")"
	stored s@x.example lstest@test.example >"$T/want"
	f=$(only_file "$SYSHOME/Maildir/new")
	cmp "$T/want" "$f" || fail "system user message differs"
	owner_is "$f" 64999
	getent passwd lstest >/dev/null && fail "lstest leaked out of the namespace"
	# Supplementary groups of a system user are set (seen by a fake maildeliver).
	chmod 777 "$T"
	rm -f "$T/fake.out"
	FACTEUR_LIBEXEC=$T/libexec insys "$BIN/localspawn" s@x.example \
		lstest@test.example user lstest <"$T/msg" 2>"$T/err" ||
		fail "system user with fake maildeliver: $(cat "$T/err")"
	chmod 755 "$T"
	[ "$(sed -n 1p "$T/fake.out")" = 64999 ] || fail "uid $(sed -n 1p "$T/fake.out")"
	[ "$(sed -n 3p "$T/fake.out" | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "64997 64998 " ] ||
		fail "groups: $(sed -n 3p "$T/fake.out")"
else
	say "no mount namespace here: system user checks skipped"
fi
# A system user found by getpwnam whose home is missing: a temporary
# failure (nobody's home is /nonexistent on Debian).
if [ ! -d "$(getent passwd nobody | cut -d: -f6)" ]; then
	ls1 111 s@x.example nobody@test.example user nobody
	err_is "^4.2.0 .*$(getent passwd nobody | cut -d: -f6)/Maildir/"
fi

say "pipe: as alias_user (nobody), environment, stdin byte for byte"
mkdir -p "$T/pipe"
chown "$NOBODY" "$T/pipe"
FOO=leak ls1 0 "s@x.example" "List+x@Test.Example" pipe \
	"cat >$T/pipe/stdin; env | sort >$T/pipe/env; id -u >$T/pipe/uid; pwd >$T/pipe/pwd; echo hello; echo world >&2"
err_is "^2.0.0 delivered to command: hello / world$"
cmp "$T/msg" "$T/pipe/stdin" || fail "command's stdin differs from the message"
[ "$(cat "$T/pipe/uid")" = "$NOBODY" ] || fail "command uid $(cat "$T/pipe/uid")"
for v in "SENDER=s@x.example" "RECIPIENT=List+x@Test.Example" "LOCAL=List+x" \
	"HOST=Test.Example" "PATH=/usr/local/bin:/usr/bin:/bin" \
	"HOME=$(getent passwd nobody | cut -d: -f6)" "USER=nobody"; do
	grep -qx "$v" "$T/pipe/env" || fail "env lacks $v: $(cat "$T/pipe/env")"
done
grep -q "^FOO=" "$T/pipe/env" && fail "caller's environment leaked"
grep -q "^RPLINE=Return-Path: <s@x.example>" "$T/pipe/env" || fail "no RPLINE"

say "pipe: no descriptor of the caller reaches the command"
# (fds 7 and 9: dash itself uses 10 and up for its own saved copies.)
ls1 0 s@x.example l@test.example pipe \
	'for n in 3 4 5 6 7 8 9; do [ ! -e /proc/$$/fd/$n ] || { echo "fd $n open"; exit 100; }; done' \
	7<"$T/msg" 9>>"$T/msg.extra"

say "pipe: qmail exit codes"
ls1 0 s@x.example l@test.example pipe "exit 99"
ls1 100 s@x.example l@test.example pipe "echo 'Sorry, no mailbox here' >&2; exit 100"
err_is "^5.3.0 command failed: Sorry, no mailbox here$"
ls1 111 s@x.example l@test.example pipe "echo busy; exit 111"
err_is "^4.3.0 .*busy"
ls1 111 s@x.example l@test.example pipe "exit 64"
err_is "exit 64"
ls1 111 s@x.example l@test.example pipe 'kill -TERM $$'
err_is "^4.3.0 command killed by signal 15"
ls1 111 s@x.example l@test.example pipe "/nonexistent/program"
ls1 0 s@x.example l@test.example pipe "printf 'a\tb\033[31m\n'"
err_is 'a\\x09b\\x1b\[31m'

say "pipe: the time limit kills the whole process group"
echo 1 >"$E/command_time_limit"
ls1 111 s@x.example l@test.example pipe "sleep 30 & sleep 30; exit 0"
err_is "timed out"
rm "$E/command_time_limit"
sleep 0.5 # SIGKILL is delivered at once; the zombies' reaping may lag
pgrep -u "$NOBODY" -f "sleep 30" >/dev/null && fail "a sleep survived the time limit"

say "pipe: a configured alias_user"
chmod 777 "$T/pipe"
if [ "$HAVE_NS" = 1 ]; then
	echo lstest >"$E/alias_user"
	insys "$BIN/localspawn" s@x.example l@test.example pipe "id -u >$T/pipe/uid2" \
		<"$T/msg" 2>"$T/err" || fail "alias_user lstest: $(cat "$T/err")"
	rm "$E/alias_user"
	[ "$(cat "$T/pipe/uid2")" = 64999 ] || fail "alias_user uid $(cat "$T/pipe/uid2")"
fi
echo no-such-user-xyz >"$E/alias_user"
ls1 111 s@x.example l@test.example pipe "true"
err_is "^4.3.5 alias_user no-such-user-xyz does not exist"
rm "$E/alias_user"

say "maildir: as the directory's owner; created under an owned parent"
mkdir -p "$T/shared"
chown "$NOBODY:$NOGROUP" "$T/shared"
ls1 0 s@x.example archive@test.example maildir "$T/shared/Maildir/"
f=$(only_file "$T/shared/Maildir/new")
stored s@x.example archive@test.example >"$T/want"
cmp "$T/want" "$f" || fail "maildir message differs"
owner_is "$f" "$NOBODY"
ls1 0 s@x.example archive@test.example maildir "$T/shared/Maildir"
[ "$(count "$T/shared/Maildir/new")" = 2 ] || fail "second maildir delivery"
ls1 111 s@x.example a@test.example maildir "$T/nonexistent/deeper/Maildir/"
err_is "^4.2.1 "
ls1 111 s@x.example a@test.example maildir "relative/Maildir/"
err_is "not absolute"

say "maildir: a symbolic link owned by someone else is refused"
mkdir -p "$T/links"
ln -s "$T/shared/Maildir" "$T/links/to-nobody"
ls1 111 s@x.example a@test.example maildir "$T/links/to-nobody/"
err_is "^4.3.5 .*symbolic link owned by uid 0"
chown -h "$NOBODY:$NOGROUP" "$T/links/to-nobody"
ls1 0 s@x.example a@test.example maildir "$T/links/to-nobody/"
[ "$(count "$T/shared/Maildir/new")" = 3 ] || fail "delivery through an owned link"

say "-t checks the control files"
"$BIN/localspawn" -t 2>"$T/err" || fail "-t: $(cat "$T/err")"
echo abc >"$E/command_time_limit"
expect_rc 111 "$BIN/localspawn" -t
grep -q "^4.3.5 bad control file: $E/command_time_limit:1:1: " "$T/stderr" ||
	fail "-t: $(cat "$T/stderr")"
rm "$E/command_time_limit"
echo root >"$E/alias_user"
expect_rc 111 "$BIN/localspawn" -t
grep -q "alias_user root is root" "$T/stderr" || fail "-t: $(cat "$T/stderr")"
rm "$E/alias_user"

say "bad usage and bad addresses never lose mail (111) or are refused (100)"
ls1 111 s@x.example a@test.example mbox /var/mail/x
set +e
"$BIN/localspawn" s@x.example a@test.example user <"$T/msg" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 111 ] || fail "missing argument: exit $rc"
ls1 100 "$(printf 'a\nb')" a@test.example user joe
err_is "^5.1.3 "

say "not root: only as itself"
chmod 777 "$T"
asnobody() {
	setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups "$@"
}
set +e
asnobody "$BIN/localspawn" s@x.example joe@test.example user joe <"$T/msg" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 0 ] || fail "as nobody to joe (same uid): exit $rc: $(cat "$T/err")"
[ "$(count "$MD/new")" = 1 ] || fail "as nobody: not delivered"
rm -f "$T/pipe/asnobody"
asnobody "$BIN/localspawn" s@x.example l@test.example pipe \
	"id -u >$T/pipe/asnobody" <"$T/msg" 2>"$T/err" ||
	fail "as nobody, pipe as nobody: $(cat "$T/err")"
[ "$(cat "$T/pipe/asnobody")" = "$NOBODY" ] || fail "pipe as nobody: uid"
if [ "$HAVE_NS" = 1 ]; then
	echo lstest >"$E/alias_user"
	set +e
	insys setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups \
		"$BIN/localspawn" s@x.example l@test.example pipe "true" <"$T/msg" 2>"$T/err"
	rc=$?
	set -e
	rm "$E/alias_user"
	[ "$rc" = 111 ] || fail "as nobody, pipe as lstest: exit $rc: $(cat "$T/err")"
fi
set +e
asnobody "$BIN/localspawn" s@x.example a@test.example maildir "$T/rootmd/" \
	<"$T/msg" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 111 ] || fail "as nobody into root's dir: exit $rc"
set +e
asnobody env FACTEUR_ETC="$E" "$BIN/localspawn" s@x.example a@test.example \
	maildir "$SYSHOME/Maildir/" <"$T/msg" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 111 ] || fail "as nobody to another uid: exit $rc: $(cat "$T/err")"
grep -q "^4.3.0 localspawn runs as uid $NOBODY, not root" "$T/err" ||
	fail "as nobody: $(cat "$T/err")"
chmod 755 "$T"
say "ok"

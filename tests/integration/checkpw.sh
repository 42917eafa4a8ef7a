# checkpw: the checkpassword interface, verification, CRAM-MD5 (RFC 2195),
# limits, cost ceiling, deadline, identity switch (root, setuid root,
# unprivileged), environment, logging, and timing of unknown users.
. "$(dirname "$0")/lib.sh"
set -e
is_root || skip "needs root (identity switch)"
CP="$BIN/checkpw"
FP="$BIN/facteur-passwd"
CALLER="$(dirname "$0")/helpers/cpw_caller.py"
E="$FACTEUR_ETC"
# Cheap hashes so the test is quick; no delay unless a case sets one.
echo 1 >"$E/argon2_passes"
echo 8 >"$E/argon2_memory"
echo 0 >"$E/checkpw_delay"
chmod 755 "$E"
mkdir -p "$T/home/joe" "$T/home/tim" "$T/home/v"
chown 65534:65534 "$T/home/joe" "$T/home/tim" "$T/home/v"

# rec NAME BYTES: writes an fd-3 record (printf format) to $T/NAME.
rec() { printf "$2" >"$T/$1"; }
# cp_run REC CMD...: runs checkpw with $T/REC on fd 3.
cp_run() { r=$1; shift; "$CP" "$@" 3<"$T/$r"; }

echo secret | "$FP" add -s -u 65534 -g 65534 -d "$T/home/joe" joe
echo tanstaaftanstaaf | "$FP" add -s -c -u 65534 -g 65534 -d "$T/home/tim" \
	-m "$T/home/tim/mail/" tim

say "right password: exec of argv with the user's identity, HOME, MAILDIR"
rec ok 'joe\0secret\0\0'
cp_run ok sh -c 'echo "$(id -u) $(id -g) $(id -G) $(pwd) $HOME $USER $MAILDIR"' \
	>"$T/out" 2>"$T/err" || fail "right password refused: $(cat "$T/err")"
[ "$(cat "$T/out")" = "65534 65534 65534 $T/home/joe $T/home/joe joe $T/home/joe/Maildir/" ] ||
	fail "identity/env wrong: $(cat "$T/out")"
grep -q 'auth ok user=joe' "$T/err" || fail "no success log line"
say "the exit code on success is the program's"
expect_rc 7 cp_run ok sh -c 'exit 7'

say "wrong password, unknown user, empty user, locked user: exit 1"
rec bad 'joe\0Secret\0\0'
expect_rc 1 cp_run bad true
rec unk 'nosuch\0secret\0\0'
expect_rc 1 cp_run unk true
grep -q 'reason=unknown user' "$T/stderr" || fail "no unknown-user log"
rec empty '\0secret\0\0'
expect_rc 1 cp_run empty true
rec odd 'a:b\n\377\0secret\0\0'
expect_rc 1 cp_run odd true
grep -q 'user=a:b\\x0a\\xff ' "$T/stderr" || fail "user not escaped: $(cat "$T/stderr")"
"$FP" lock joe
expect_rc 1 cp_run ok true
grep -q 'reason=account locked' "$T/stderr" || fail "no locked log"
"$FP" unlock joe
expect_rc 0 cp_run ok true
say "no challenge field at all (user NUL secret NUL) is accepted"
rec nochal 'joe\0secret\0'
expect_rc 0 cp_run nochal true

say "misuse: no program, fd 3 closed, oversized or malformed record: exit 2"
expect_rc 2 cp_run ok
expect_rc 2 "$CP" true 3<&-
head -c 513 /dev/zero >"$T/big"
expect_rc 2 cp_run big true
grep -q 'more than 512 bytes' "$T/stderr" || fail "no oversize reason"
head -c 100000 /dev/zero >"$T/huge"
expect_rc 2 cp_run huge true
# Exactly 512 bytes is within the limit (and a wrong password).
{ printf 'joe\0'; head -c 506 /dev/zero | tr '\0' x; printf '\0\0'; } >"$T/max"
[ "$(wc -c <"$T/max")" = 512 ] || fail "max record is not 512 bytes"
expect_rc 1 cp_run max true
rec nonul 'joe\0secret'
expect_rc 2 cp_run nonul true
rec nonul2 'joe'
expect_rc 2 cp_run nonul2 true
rec chalnonul 'joe\0secret\0chal'
expect_rc 2 cp_run chalnonul true

say "CRAM-MD5 with the RFC 2195 example"
CH='<1896.697170952@postoffice.reston.mci.net>'
rec cram "tim\\0b913a602c7eda7a495b4e6e7334d3890\\0$CH\\0"
cp_run cram sh -c 'echo "$USER $MAILDIR"' >"$T/out" 2>"$T/err" ||
	fail "RFC 2195 response refused: $(cat "$T/err")"
[ "$(cat "$T/out")" = "tim $T/home/tim/mail/" ] || fail "cram env: $(cat "$T/out")"
rec cramuc "tim\\0B913A602C7EDA7A495B4E6E7334D3890\\0$CH\\0"
expect_rc 0 cp_run cramuc true
rec crambad "tim\\0b913a602c7eda7a495b4e6e7334d3891\\0$CH\\0"
expect_rc 1 cp_run crambad true
rec cramch "tim\\0b913a602c7eda7a495b4e6e7334d3890\\0<1896.697170953@postoffice.reston.mci.net>\\0"
expect_rc 1 cp_run cramch true
rec cramnoch 'tim\0b913a602c7eda7a495b4e6e7334d3890\0\0'
expect_rc 1 cp_run cramnoch true
say "a CRAM user's plain password still works (PLAIN/LOGIN), with or without a timestamp"
rec timpw "tim\\0tanstaaftanstaaf\\0$CH\\0"
expect_rc 0 cp_run timpw true
say "a user without a CRAM-MD5 key cannot log in with a digest of their password"
echo tanstaaftanstaaf | "$FP" passwd -s tim
expect_rc 1 cp_run cram true
expect_rc 0 cp_run timpw true

say "database problems are temporary (111)"
mv "$E/passwd.cdb" "$E/passwd.cdb.away"
expect_rc 111 cp_run ok true
mv "$E/passwd.cdb.away" "$E/passwd.cdb"
# A cdb with a malformed record (made by hand, not by facteur-passwd).
cp "$E/passwd.cdb" "$T/good.cdb"
H=$(grep '^joe:' "$E/passwd" | cut -d: -f2)
line="joe:$H:65534:65534:relative::"
line2="joe:$H:65534:65534:/x::"
printf '+3,%d:joe->%s\n+3,%d:bad->%s\n\n' ${#line} "$line" ${#line2} "$line2" |
	cdb -c "$E/passwd.cdb"
expect_rc 111 cp_run ok true
grep -q 'path is not absolute' "$T/stderr" || fail "no reason for malformed entry: $(cat "$T/stderr")"
rec badname 'bad\0secret\0\0'
expect_rc 111 cp_run badname true
grep -q 'filed under another name' "$T/stderr" || fail "no mismatch reason"
cp "$T/good.cdb" "$E/passwd.cdb"
expect_rc 0 cp_run ok true

say "a hash over the cost ceiling is refused before hashing"
big='$argon2id$v=19$m=4194304,t=1000,p=1$c29tZXNhbHRzb21lc2FsdA$Vr6bTMxjDzT5TIrfS8bRj3vCbbyAbb4W7pEi1dd3fXU'
line="joe:$big:65534:65534:$T/home/joe::"
printf '+3,%d:joe->%s\n\n' ${#line} "$line" | cdb -c "$E/passwd.cdb"
start=$(date +%s%N)
expect_rc 111 timeout 30 "$CP" true 3<"$T/ok"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'exceeds the ceiling' "$T/stderr" || fail "no ceiling reason: $(cat "$T/stderr")"
say "refused in ${ms} ms (4 GiB x 1000 passes if it had been hashed)"
say "the ceiling is settable per site"
echo 4 >"$E/argon2_max_passes"
echo 4 >"$E/argon2_max_memory"
expect_rc 111 cp_run ok true
grep -q 'at least 8' "$T/stderr" || fail "argon2_max_memory 4 accepted"
rm -f "$E/argon2_max_passes" "$E/argon2_max_memory"
cp "$T/good.cdb" "$E/passwd.cdb"
echo 8 >"$E/argon2_max_memory"
expect_rc 0 cp_run ok true
rm -f "$E/argon2_max_memory"

say "verification runs under a deadline"
echo 1 >"$E/checkpw_timeout"
echo 1000 >"$E/argon2_max_passes"
echo 65536 >"$E/argon2_max_memory"
# An entry that takes far longer than a second to verify (made by hand:
# facteur-passwd would take as long to make it).
slow='$argon2id$v=19$m=65536,t=1000,p=1$c29tZXNhbHRzb21lc2FsdA$Vr6bTMxjDzT5TIrfS8bRj3vCbbyAbb4W7pEi1dd3fXU'
line="slow:$slow:65534:65534:$T/home/v::"
printf '+4,%d:slow->%s\n\n' ${#line} "$line" | cdb -c "$E/passwd.cdb"
rec slow 'slow\0slow\0\0'
start=$(date +%s%N)
expect_rc 111 timeout 60 "$CP" true 3<"$T/slow"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'deadline' "$T/stderr" || fail "no deadline message: $(cat "$T/stderr")"
say "deadline of 1 s hit after ${ms} ms"
cp "$T/good.cdb" "$E/passwd.cdb"
rm -f "$E/checkpw_timeout" "$E/argon2_max_passes" "$E/argon2_max_memory"

say "a failed attempt is logged with TCPREMOTEIP, delayed, and no secret is logged"
echo 300 >"$E/checkpw_delay"
start=$(date +%s%N)
TCPREMOTEIP=192.0.2.7 expect_rc 1 cp_run bad true
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'auth failed user=joe ip=192.0.2.7 reason=wrong secret' "$T/stderr" ||
	fail "failure log: $(cat "$T/stderr")"
say "failed attempt with checkpw_delay 300 took ${ms} ms"
echo 0 >"$E/checkpw_delay"
for r in ok bad cram timpw unk; do
	TCPREMOTEIP=192.0.2.7 "$CP" true 3<"$T/$r" 2>>"$T/alllogs" || true
done
for s in secret Secret tanstaaftanstaaf b913a602c7eda7a495b4e6e7334d3890; do
	! sed 's/reason=wrong secret//' "$T/alllogs" | grep -q "$s" ||
		fail "secret $s in the log"
done

say "without TCPREMOTEIP the address comes from getpeername(0) (loopback TCP)"
python3 - "$CP" "$T/bad" >"$T/peer.log" 2>&1 <<'EOF' || fail "peer run: $(cat "$T/peer.log")"
import os, socket, subprocess, sys
cp, rec = sys.argv[1], sys.argv[2]
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.bind(("127.0.0.1", 0))
ls.listen(1)
c = socket.create_connection(ls.getsockname(), timeout=10)
s, _ = ls.accept()
env = {k: v for k, v in os.environ.items() if not k.startswith("TCP")}
with open(rec, "rb") as f:
    p = subprocess.run([cp, "true"], stdin=s, env=env, timeout=30, close_fds=False,
                       preexec_fn=lambda: os.dup2(f.fileno(), 3))
sys.exit(0 if p.returncode == 1 else 1)
EOF
grep -q 'auth failed user=joe ip=127.0.0.1 reason=wrong secret' "$T/peer.log" ||
	fail "no peer address: $(cat "$T/peer.log")"

say "the environment is cleaned; UCSPI variables are kept"
env -i FOO=bar LD_LIBRARY_PATH=/nowhere PATH=/nowhere TCPREMOTEIP=192.0.2.9 \
	PROTO=TCP SSL_PROTOCOL=TLSv1.3 FACTEUR_ETC="$E" \
	"$CP" /usr/bin/env 3<"$T/ok" >"$T/env" 2>/dev/null || fail "env run refused"
! grep -q '^FOO=' "$T/env" || fail "FOO kept"
! grep -q '^LD_LIBRARY_PATH=' "$T/env" || fail "LD_LIBRARY_PATH kept"
grep -qx 'PATH=/usr/local/bin:/usr/bin:/bin' "$T/env" || fail "PATH not reset"
grep -qx 'TCPREMOTEIP=192.0.2.9' "$T/env" || fail "TCPREMOTEIP lost"
grep -qx 'SSL_PROTOCOL=TLSv1.3' "$T/env" || fail "SSL_PROTOCOL lost"
grep -qx 'USER=joe' "$T/env" || fail "USER not set"

say "a system user gets its supplementary groups and shell"
u=fcpw$$
groupadd "$u" && on_exit "groupdel $u"
useradd -M -N -g 65534 -G "$u" -d "$T/home/joe" -s /bin/sh "$u" &&
	on_exit "userdel $u"
uid=$(id -u "$u")
gid=$(getent group "$u" | cut -d: -f3)
echo pw | "$FP" add -s -u "$uid" -g 65534 -d "$T/home/joe" sys
rec sys 'sys\0pw\0\0'
cp_run sys sh -c 'echo "$(id -u) $(id -g) $(id -G) $SHELL"' >"$T/out" 2>/dev/null ||
	fail "system user refused"
[ "$(cat "$T/out")" = "$uid 65534 65534 $gid /bin/sh" ] ||
	fail "system user identity: $(cat "$T/out"), want $uid 65534 65534 $gid /bin/sh"
"$FP" del sys

say "unprivileged, for a single virtual account"
chown -R 65534:65534 "$E"
UNPRIV="setpriv --reuid=65534 --regid=65534 --clear-groups"
$UNPRIV "$CP" sh -c 'id -u' 3<"$T/ok" >"$T/out" 2>"$T/err" ||
	fail "unprivileged run refused: $(cat "$T/err")"
[ "$(cat "$T/out")" = 65534 ] || fail "unprivileged uid $(cat "$T/out")"
$UNPRIV "$FP" list >/dev/null || fail "facteur-passwd list as the account"
chown -R 0:0 "$E"
echo other | "$FP" add -s -u 4242 -g 4242 -d /tmp other
chown -R 65534:65534 "$E"
rec other 'other\0other\0\0'
expect_rc 111 $UNPRIV "$CP" true 3<"$T/other"
grep -q 'unable to become uid 4242' "$T/stderr" || fail "no reason: $(cat "$T/stderr")"
chown -R 0:0 "$E"

say "setuid root, mode 4750: the login group may run it, others may not"
g=fclg$$
groupadd "$g" && on_exit "groupdel $g"
ggid=$(getent group "$g" | cut -d: -f3)
mkdir -p "$T/sbin"
cp "$CP" "$T/sbin/checkpw"
chgrp "$g" "$T/sbin/checkpw"
chmod 4750 "$T/sbin/checkpw"
expect_rc 126 setpriv --reuid=65534 --regid=65534 --clear-groups \
	sh -c "exec $T/sbin/checkpw true" 3<"$T/ok"
# Set-id, it ignores FACTEUR_ETC and reads /etc/facteur: run it in a
# private mount namespace whose /etc is a copy with our /etc/facteur.
mkdir -p "$T/ns"
cat >"$T/suid.sh" <<EOF
set -e
mount -t tmpfs tmpfs "$T/ns"
mkdir "$T/ns/etc"
cp -a /etc/. "$T/ns/etc/"
rm -rf "$T/ns/etc/facteur"
mkdir "$T/ns/etc/facteur"
cp "$E/passwd.cdb" "$T/ns/etc/facteur/"
echo 0 >"$T/ns/etc/facteur/checkpw_delay"
mount --bind "$T/ns/etc" /etc
FACTEUR_ETC=/nonexistent setpriv --reuid=65534 --regid=$ggid --clear-groups \\
	$T/sbin/checkpw sh -c 'id -u; grep -E "^(Uid|Gid|Groups):" /proc/self/status' 3<"$T/ok"
EOF
unshare -m --propagation private sh "$T/suid.sh" >"$T/out" 2>"$T/err" ||
	fail "setuid run: $(cat "$T/err")"
grep -q '^65534$' "$T/out" || fail "setuid identity: $(cat "$T/out")"
grep -Eq '^Uid:\s+65534\s+65534\s+65534\s+65534$' "$T/out" ||
	fail "saved uid not dropped: $(cat "$T/out")"
grep -Eq '^Gid:\s+65534\s+65534\s+65534\s+65534$' "$T/out" ||
	fail "gid not switched: $(cat "$T/out")"
grep -Eq '^Groups:\s+65534\s*$' "$T/out" || fail "groups: $(cat "$T/out")"
say "and outside the namespace the setuid copy does not use FACTEUR_ETC"
FACTEUR_ETC="$E" expect_rc 111 setpriv --reuid=65534 --regid="$ggid" \
	--clear-groups "$T/sbin/checkpw" true 3<"$T/ok"
[ -e /etc/facteur/passwd.cdb ] || grep -q '/etc/facteur/passwd.cdb' "$T/stderr" ||
	fail "setuid checkpw used FACTEUR_ETC: $(cat "$T/stderr")"

say "under a foreign checkpassword caller (pipe on fd 3, written byte by byte)"
python3 "$CALLER" run "$T/ok" "$CP" sh -c 'echo "$USER"' >"$T/out" 2>/dev/null ||
	fail "foreign caller: refused"
[ "$(cat "$T/out")" = joe ] || fail "foreign caller output $(cat "$T/out")"
set +e
python3 "$CALLER" run "$T/bad" "$CP" true 2>/dev/null; rc1=$?
python3 "$CALLER" run "$T/big" "$CP" true 2>/dev/null; rc2=$?
set -e
[ "$rc1" = 1 ] && [ "$rc2" = 2 ] || fail "foreign caller codes $rc1 $rc2"
say "the caller also drives any other checkpassword program the same way"
cat >"$T/otherchk" <<'EOF'
#!/bin/sh
# A minimal checkpassword: accepts joe/secret, like checkpw does.
rec=$(head -c 512 <&3 | tr '\0' '\n')
[ "$(printf '%s\n' "$rec" | sed -n 1p)" = joe ] &&
	[ "$(printf '%s\n' "$rec" | sed -n 2p)" = secret ] || exit 1
exec "$@"
EOF
chmod 755 "$T/otherchk"
for prog in "$T/otherchk" "$CP"; do
	set +e
	python3 "$CALLER" run "$T/ok" "$prog" true 2>/dev/null; a=$?
	python3 "$CALLER" run "$T/bad" "$prog" true 2>/dev/null; b=$?
	set -e
	[ "$a" = 0 ] && [ "$b" = 1 ] || fail "$prog: codes $a $b, want 0 1"
done

say "timing: unknown vs known user over many tries (reported, not asserted)"
echo 1 >"$E/argon2_passes"
echo 16384 >"$E/argon2_memory"
echo pw | "$FP" passwd -s joe
rec known 'joe\0wrong\0\0'
rec unknown 'nosuchuser\0wrong\0\0'
python3 "$CALLER" time 30 "$T/known" "$T/unknown" "$CP" true 2>/dev/null ||
	fail "timing runs did not all exit 1"
say "all checkpw cases passed"

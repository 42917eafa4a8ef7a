# enqueue: the qmail-queue interface (message on fd 0, envelope on fd 1),
# the spool layout and env records of facteur-spool(5), the exit codes,
# and the trigger poke.
. "$(dirname "$0")/lib.sh"
set -e
EQ="$BIN/enqueue"
export FACTEUR_SPOOL="$T/spool"
mkdir -p "$FACTEUR_SPOOL/tmp" "$FACTEUR_SPOOL/todo"

printf 'Subject: hi\n\nbody \001\0 with a NUL\n' >"$T/msg"

# run ENVELOPE-BYTES (printf format): enqueue, rc in $rc
run() {
	printf "$1" >"$T/env"
	set +e
	"$EQ" <"$T/msg" 1<"$T/env" 2>"$T/err"
	rc=$?
	set -e
}
only() { # the one message in todo/
	n=$(ls "$FACTEUR_SPOOL/todo" | wc -l)
	[ "$n" = 1 ] || fail "$n messages in todo/, want 1"
	ls -d "$FACTEUR_SPOOL"/todo/*
}

say "a plain qmail-queue envelope"
run 'Fsender@example.org\0Trcpt@example.net\0Tother@example.net\0\0'
[ "$rc" = 0 ] || fail "exit $rc: $(cat "$T/err")"
d=$(only)
cmp "$d/mess" "$T/msg" || fail "message changed"
tr '\0' '\n' <"$d/env" >"$T/got"
now=$(date +%s)
t=$(sed -n 2p "$T/got")
case $t in t[0-9]*) ;; *) fail "no time record: $t" ;; esac
[ $(( now - ${t#t} )) -lt 600 ] || fail "time record $t far from $now"
printf 'V1\n%s\nu%s\nFsender@example.org\nTrcpt@example.net\nTother@example.net\n\n' \
	"$t" "$(id -u)" >"$T/want"
cmp "$T/got" "$T/want" || { diff "$T/got" "$T/want"; fail "env records"; }
[ "$(tail -c 2 "$d/env" | od -An -c | tr -d ' ')" = '\0\0' ] || fail "env does not end in two NULs"
[ -z "$(ls "$FACTEUR_SPOOL/tmp")" ] || fail "tmp/ not empty"
rm -rf "$FACTEUR_SPOOL"/todo/*

say "extended records: DSN parameters and the authenticated user"
run 'F\0EQQ+2B1\0RHDRS\0B8BITMIME\0U\0Aalice\0Ta@x\0NSUCCESS,FAILURE\0Orfc822;a+40x\0Tb@y\0NNEVER\0\0'
[ "$rc" = 0 ] || fail "exit $rc: $(cat "$T/err")"
d=$(only)
tr '\0' '\n' <"$d/env" | sed 1,3d >"$T/got"
printf 'F\nEQQ+2B1\nRHDRS\nB8BITMIME\nU\nAalice\nTa@x\nNSUCCESS,FAILURE\nOrfc822;a+40x\nTb@y\nNNEVER\n\n' >"$T/want"
cmp "$T/got" "$T/want" || { diff "$T/got" "$T/want"; fail "extended env records"; }
rm -rf "$FACTEUR_SPOOL"/todo/*

say "bad envelopes: exit codes, nothing spooled, nothing left in tmp/"
bad() { # CODE ENVELOPE
	run "$2"
	[ "$rc" = "$1" ] || fail "envelope '$2': exit $rc, want $1"
	[ -z "$(ls "$FACTEUR_SPOOL/todo")" ] || fail "envelope '$2' was spooled"
	[ -z "$(ls "$FACTEUR_SPOOL/tmp")" ] || fail "envelope '$2' left tmp/ files"
}
bad 54 ''                          # EOF at once
bad 54 'Fa@b\0Tc@d\0'              # EOF before the final NUL
bad 54 'Fa@b\0Tc@'                 # EOF inside a record
bad 91 'Tc@d\0\0'                  # no F first
bad 91 'Fa@b\0\0'                  # no recipient
bad 91 'Fa@b\0Fa@b\0Tc@d\0\0'      # two F
bad 91 'Fa@b\0Xjunk\0Tc@d\0\0'     # unknown record
bad 91 'Fa@b\0tc@d\0\0'            # lower case records are enqueue's own
bad 91 'Fa@b\0Tc@d\0NSOMETIMES\0\0'
bad 91 'Fa@b\0Nnever\0Tc@d\0\0'    # N before any T
bad 91 'Fa@b\0Tc@d\0EQQ\0\0'       # message record after a T
bad 91 'Fa@b\0Tc\n@d\0\0'          # control byte in an address
bad 91 'Fa@b\0RALL\0Tc@d\0\0'
long=$(head -c 1200 /dev/zero | tr '\0' a)
bad 11 "Fa@b\\0T$long@d\\0\\0"     # address too long

say "spool missing: 61; spool/tmp missing: 62"
FACTEUR_SPOOL="$T/nonexistent" expect_rc 61 sh -c "\"$EQ\" <\"$T/msg\" 1<\"$T/env\""
mkdir -p "$T/half"
FACTEUR_SPOOL="$T/half" expect_rc 62 sh -c "\"$EQ\" <\"$T/msg\" 1<\"$T/env\""

say "the trigger: poked when a reader is there, harmless when none is"
mkfifo "$FACTEUR_SPOOL/trigger"
run 'Fa@b\0Tc@d\0\0'
[ "$rc" = 0 ] || fail "no reader on the trigger: exit $rc"
exec 7<>"$FACTEUR_SPOOL/trigger"   # a reader (and writer, so open does not block)
run 'Fa@b\0Tc@d\0\0'
[ "$rc" = 0 ] || fail "with a reader: exit $rc"
got=$(timeout 5 dd bs=1 count=1 <&7 2>/dev/null | od -An -c | tr -d ' ')
[ "$got" = '\n' ] || fail "trigger got '$got'"
exec 7<&-
[ "$(ls "$FACTEUR_SPOOL/todo" | wc -l)" = 2 ] || fail "want 2 messages"
echo ok

# pop3d on its own (as a checkpassword program would run it, as an
# unprivileged user) over pipes and under tcpserver on loopback: RFC 1939
# commands and states, byte-for-byte RETR/TOP of realistic MIME messages
# with Python's poplib, sizes, UIDL stability and format, DELE+QUIT vs
# DELE+drop, [IN-USE] and its lock vanishing with a killed session, idle
# timeout, hostile input, a client that never reads, memory on a large
# message.
. "$(dirname "$0")/lib.sh"
set -e
for t in tcpserver python3 setpriv; do
	command -v "$t" >/dev/null || skip "no $t"
done
is_root || skip "needs root (runs pop3d as nobody)"
id nobody >/dev/null 2>&1 || skip "no user nobody"
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK="timeout 120 python3 $HERE/helpers/pop3_check.py"
RAW="timeout 120 python3 $HERE/helpers/pop3_raw.py"
P3="$BIN/pop3d"
MD=$T/Maildir
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

say "a Maildir of realistic MIME messages, delivered by maildeliver and by hand (W= names)"
python3 "$HERE/helpers/pop3_mkmail.py" "$T/msgs" 12 3000000
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
for f in "$T"/msgs/msg00[1-9] "$T/msgs/msg013"; do
	"$BIN/maildeliver" "$MD" <"$f" || fail "maildeliver $f"
done
# Three more as another server would leave them: a W= size in the name,
# one already in cur/ with flags.
for i in 10 11 12; do
	f=$T/msgs/msg0$i
	s=$(stat -c %s "$f")
	w=$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(); print(len(d.replace(b'\r\n',b'\n').replace(b'\n',b'\r\n')))" "$f")
	n="17000000$i.M1P$i.otherhost,S=$s,W=$w"
	if [ $i = 12 ]; then cp "$f" "$MD/cur/$n:2,S"; else cp "$f" "$MD/new/$n"; fi
done
chown -R 65534:65534 "$MD"
[ "$(count "$MD/new")" = 12 ] || fail "want 12 messages in new/"

say "pipes: greeting, commands in TRANSACTION, wrong-state and bad commands"
printf 'STAT\r\nUSER joe\r\nPASS x\r\nAPOP a b\r\nSTLS\r\nAUTH PLAIN\r\nXTND\r\nRETR 0\r\nRETR 14\r\nRETR 99999999999999999999\r\nDELE x\r\nTOP 1\r\nLIST 1 2\r\nDELE 1\r\nDELE 1\r\nRETR 1\r\nLIST 1\r\nSTAT\r\nRSET\r\nSTAT\r\nNOOP\r\nQUIT\r\n' |
	MAILDIR=$MD $NOBODY "$P3" >"$T/out" 2>"$T/err" || fail "pop3d: $(cat "$T/err")"
[ "$(count "$MD/new")" = 0 ] || fail "new/ not moved to cur/"
[ "$(count "$MD/cur")" = 13 ] || fail "cur/ should hold 13"
ls "$MD/cur" | grep -qv ':2,' && fail "a moved name lacks :2,"
tr -d '\r' <"$T/out" >"$T/o"
total=$(sed -n 2p "$T/o" | cut -d' ' -f3)
sed -n 1p "$T/o" | grep -q "^+OK 13 messages ($total octets)$" || fail "greeting: $(sed -n 1,2p "$T/o")"
cat >"$T/want" <<EOW
+OK 13 $total
-ERR command not valid in this state
-ERR command not valid in this state
-ERR command not valid in this state
-ERR command not valid in this state
-ERR command not valid in this state
-ERR unknown command
-ERR no such message
-ERR no such message
-ERR no such message
-ERR no such message
-ERR missing argument
-ERR too many arguments
+OK message 1 deleted
-ERR message 1 already deleted
-ERR message 1 already deleted
-ERR message 1 already deleted
EOW
sed -n 2,18p "$T/o" | diff "$T/want" - || fail "replies differ"
s1=$(sed -n 19p "$T/o")
case "$s1" in "+OK 12 "*) ;; *) fail "STAT after DELE: $s1" ;; esac
sed -n 20p "$T/o" | grep -q '^+OK 13 messages' || fail "RSET: $(sed -n 20p "$T/o")"
sed -n 21p "$T/o" | grep -q "^+OK 13 $total$" || fail "STAT after RSET"
sed -n 23p "$T/o" | grep -q '^+OK bye (0 messages removed)' || fail "QUIT: $(sed -n 23p "$T/o")"
[ "$(count "$MD/cur")" = 13 ] || fail "RSET then QUIT removed something"

say "pipes: RETR of a crafted message, byte for byte (CR/LF and dots across 16 KiB reads)"
CM=$T/crafted
mkdir -p "$CM/new" "$CM/cur" "$CM/tmp"
python3 - "$CM/cur/1700000000.M1P1.crafted:2," "$T/crafted.want" <<'EOP'
import sys
K = 16384
d = bytearray(b"Subject: crafted\n\n.dot first\r\n..two\rbare cr\n\n.\n")
d += b"a" * (K - 1 - len(d)) + b"\r"      # CR ends the first read ...
d += b"\n.after\n"                          # ... its LF starts the second
d += b"b" * (2 * K - 1 - len(d)) + b"\n"    # LF ends the second read ...
d += b".x\r\n\r\r\n\n\n..\nno final line end"  # ... a dot starts the third
open(sys.argv[1], "wb").write(d)
out = b""
for line in bytes(d).split(b"\n")[:-1]:
    if line.startswith(b"."):
        line = b"." + line
    out += line + (b"\n" if line.endswith(b"\r") else b"\r\n")
out += b"no final line end\r\n.\r\n"
open(sys.argv[2], "wb").write(out)
EOP
# Not messages: symlinks, a directory and a FIFO, with and without W=.
ln -s /etc/passwd "$CM/cur/1700000001.M1P1.link:2,"
ln -s /etc/passwd "$CM/cur/1700000002.M1P1.wlink,S=5,W=5:2,"
mkdir "$CM/cur/1700000003.M1P1.dir,S=1,W=1:2,"
mkfifo "$CM/cur/1700000004.M1P1.fifo,S=1,W=1:2,"
chown -R 65534:65534 "$CM"
printf 'RETR 1\r\nQUIT\r\n' | MAILDIR=$CM $NOBODY "$P3" 2>/dev/null >"$T/crafted.got"
head -n 1 "$T/crafted.got" | grep -q '^+OK 1 messages' || fail "non-files listed: $(head -n 1 "$T/crafted.got")"
sed -n '3,$p' "$T/crafted.got" | head -c "$(wc -c <"$T/crafted.want")" | cmp - "$T/crafted.want" ||
	fail "crafted RETR differs"

say "pipes: EOF after DELE deletes nothing"
printf 'DELE 1\r\nDELE 2\r\n' | MAILDIR=$MD $NOBODY "$P3" >/dev/null 2>&1
[ "$(count "$MD/cur")" = 13 ] || fail "a dropped session deleted messages"

say "refuses root; misuse exits 100 without a word to the client"
expect_rc 100 env MAILDIR=$MD "$P3" </dev/null
expect_rc 100 $NOBODY "$P3" -t 0 </dev/null
expect_rc 3 env MAILDIR=$T/nonexistent $NOBODY "$P3" </dev/null >"$T/o"
grep -q '^-ERR \[SYS/PERM\] unable to open the mailbox' "$T/o" || fail "missing Maildir: $(cat "$T/o")"
mkdir -p "$T/nocur/new" "$T/nocur/tmp"
chown -R 65534:65534 "$T/nocur"
expect_rc 3 env MAILDIR=$T/nocur $NOBODY "$P3" </dev/null >"$T/o"
grep -q '^-ERR \[SYS/PERM\] unable to open the mailbox' "$T/o" || fail "no cur/: $(cat "$T/o")"

# start NAME ARGS...: tcpserver running pop3d (as nobody) on a free port.
start() {
	name=$1
	shift
	tcpserver -R -H -l localhost -1 -u 65534 -g 65534 127.0.0.1 0 \
		env MAILDIR="$MD" "$@" >"$T/$name.port" 2>>"$T/$name.log" &
	echo $! >"$T/$name.pid"
	on_exit "kill $! 2>/dev/null"
	for _ in $(seq 100); do
		grep -q '^[0-9]' "$T/$name.port" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^[0-9]' "$T/$name.port" || fail "tcpserver $name did not start"
}
port() { head -n 1 "$T/$1.port"; }
# session_pid NAME: the pid of the one pop3d under that tcpserver.
session_pid() {
	for _ in $(seq 100); do
		p=$(ps -o pid= --ppid "$(cat "$T/$1.pid")" | head -n 1 | tr -d ' ')
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

start main "$P3"
start short "$P3" -t 2
PORT=$(port main)

say "poplib: STAT, LIST, UIDL, RETR and TOP of every message, byte for byte"
$CHECK "$PORT" retrieve "$MD" >"$T/r" || fail "retrieve"
say "$(cat "$T/r")"
[ "$(count "$MD/cur")" = 13 ] || fail "retrieve changed the Maildir"

say "UIDL: the Maildir name before ':' (qmail-pop3d; Dovecot with %f), stable across sessions"
$CHECK "$PORT" uidl >"$T/u1" || fail "uidl 1"
$CHECK "$PORT" uidl >"$T/u2" || fail "uidl 2"
cmp -s "$T/u1" "$T/u2" || fail "UIDL changed between sessions"
ls "$MD/cur" | sed 's/:.*//' | sort >"$T/names"
cut -d' ' -f2 "$T/u1" | sort | diff "$T/names" - || fail "UIDLs are not the names"
awk 'length($2) > 70 || $2 ~ /[^!-~]/ { exit 1 }' "$T/u1" || fail "a UIDL breaks RFC 1939"

say "DELE then drop the connection: nothing removed"
$CHECK "$PORT" dele 2,5 drop >/dev/null || fail "dele drop"
sleep 0.5
[ "$(count "$MD/cur")" = 13 ] || fail "a dropped session deleted messages"

say "DELE then QUIT: exactly those removed"
$CHECK "$PORT" dele 2,5,7 quit >"$T/gone" || fail "dele quit"
[ "$(count "$MD/cur")" = 10 ] || fail "want 10 left, have $(count "$MD/cur")"
while read -r u; do
	ls "$MD/cur" | grep -qF "$u" && fail "$u still there"
done <"$T/gone"
$CHECK "$PORT" uidl | cut -d' ' -f2 >"$T/u3"
grep -vxFf "$T/gone" "$T/names" | diff - "$T/u3" || fail "the survivors differ"

say "concurrent session: [IN-USE]; a killed session's lock vanishes"
$CHECK "$PORT" hold 30 >"$T/hold" 2>&1 &
hold=$!
on_exit "kill $hold 2>/dev/null"
for _ in $(seq 100); do grep -q holding "$T/hold" && break; sleep 0.1; done
grep -q holding "$T/hold" || fail "holder did not log in: $(cat "$T/hold")"
printf 'STAT\r\n' | $RAW "$PORT" >"$T/o2"
grep -q '^-ERR \[IN-USE\]' "$T/o2" || fail "second session: $(cat "$T/o2")"
grep -q '^+OK' "$T/o2" && fail "second session got +OK"
kill -9 "$(session_pid main)"
kill $hold 2>/dev/null || true
wait $hold 2>/dev/null || true
printf 'STAT\r\nQUIT\r\n' | $RAW "$PORT" >"$T/o3"
grep -q '^+OK bye' "$T/o3" || fail "lock did not vanish: $(cat "$T/o3")"

say "the lock is released before QUIT's +OK: a client reconnecting at once is never [IN-USE]"
python3 - "$PORT" <<'EOP' || fail "a session right after QUIT was refused"
import socket, sys
for i in range(50):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
    f = s.makefile("rb")
    g = f.readline()
    if not g.startswith(b"+OK"):
        sys.exit(f"session {i}: {g!r}")
    s.sendall(b"QUIT\r\n")
    if not f.readline().startswith(b"+OK bye"):
        sys.exit(f"session {i}: no +OK bye")
    s.close()
EOP

say "hostile input: an overlong line, a flood of bad commands"
{ printf 'NOOP '; head -c 5000 /dev/zero | tr '\0' a; printf '\r\nNOOP\r\nQUIT\r\n'; } |
	$RAW "$PORT" | tr -d '\r' >"$T/o4"
sed -n 2p "$T/o4" | grep -qx -- '-ERR line too long' || fail "long line: $(cat "$T/o4")"
sed -n 3p "$T/o4" | grep -qx -- '+OK' || fail "no NOOP after long line"
printf 'NOOP\0\r\n%.0s' $(seq 60) | $RAW "$PORT" | tr -d '\r' >"$T/o5"
grep -q -- '-ERR too many errors, closing' "$T/o5" || fail "no hang-up after a flood"
[ "$(grep -c -- '^-ERR' "$T/o5")" -le 51 ] || fail "flood went on"

say "idle timeout (-t 2): autologout, then close"
: | $RAW "$(port short)" 30 | tr -d '\r' >"$T/o6"
grep -q -- '^-ERR autologout' "$T/o6" || fail "no autologout: $(cat "$T/o6")"
grep -q '<timeout>' "$T/o6" && fail "connection stayed open"

say "a client that never reads its replies: the session ends by itself"
$CHECK "$PORT" list >"$T/list" || fail "list"
n=$(sort -k2 -n "$T/list" | tail -n 1 | cut -d' ' -f1)
: >"$T/nr"
printf 'RETR %s\r\n' "$n" | $RAW "$(port short)" 60 --noread 200 >"$T/nr" &
nr=$!
on_exit "kill $nr 2>/dev/null"
for _ in $(seq 100); do grep -q sent "$T/nr" && break; sleep 0.1; done
spid=$(session_pid short) || fail "no session for the non-reading client"
for _ in $(seq 300); do [ -d "/proc/$spid" ] || break; sleep 0.1; done
[ -d "/proc/$spid" ] && fail "pop3d $spid still serves a client that does not read"
grep -q 'reason=write' "$T/short.log" || fail "no write timeout logged"
kill $nr 2>/dev/null || true

say "memory stays bounded while a 3 MB message streams"
cat >"$T/mem.py" <<'EOP'
import socket, sys, time, re
port, n, spid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
f = s.makefile("rb")
f.readline()
pid = ""
for _ in range(100):
    pid = open(spid).read().strip()
    if pid:
        break
    time.sleep(0.1)
s.sendall(b"RETR " + n.encode() + b"\r\n")
got = 0
while True:
    l = f.readline()
    got += len(l)
    if l == b".\r\n":
        break
print(got, re.search(r"VmHWM:\s*(\d+)", open(f"/proc/{pid}/status").read()).group(1))
s.sendall(b"QUIT\r\n")
EOP
: >"$T/spid"
( sleep 0.5; session_pid main >"$T/spid" ) &
python3 "$T/mem.py" "$PORT" "$n" "$T/spid" >"$T/mem" || fail "mem probe"
say "RETR of $(cut -d' ' -f1 "$T/mem") bytes: pop3d peak RSS $(cut -d' ' -f2 "$T/mem") KiB"
[ "$(cut -d' ' -f1 "$T/mem")" -gt 3000000 ] || fail "RETR $n was not the large message"
[ "$(cut -d' ' -f2 "$T/mem")" -lt 8192 ] || fail "pop3d used $(cut -d' ' -f2 "$T/mem") KiB"
[ "$(count "$MD/cur")" = 10 ] || fail "Maildir changed"

# queued crash safety.
# 1. lib/durable's harness: queued kills itself after its N-th durable
#    step (FACTEUR_CRASH_AFTER=N) for every N until it no longer dies;
#    after each, a normal run delivers every message and recipient, and
#    the one bounce is sent.
# 2. A stream of 1000 messages while queued is killed with SIGKILL again
#    and again (a bounded loop): after the last restart all 1000 are in
#    the Maildir, none missing (duplicates are allowed, and counted).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/queued.inc"
cat >"$E/aliases" <<EOF
postmaster: joe
both: joe, sam@virt.test
EOF
"$BIN/newaliases" 2>/dev/null || fail "newaliases"

# seqs DIR: the distinct X-Seq values in DIR's files.
seqs() { cat "$1"/* 2>/dev/null | grep -a '^X-Seq: ' | sort -u | wc -l; }

say "a crash after every durable step of queued"
n=0
while :; do
	n=$((n + 1))
	[ "$n" -le 200 ] || fail "queued still dies after 200 steps"
	rm -rf "$MD/new"/* "$SMD/new"/* 2>/dev/null || true
	printf 'Subject: c1\nX-Seq: a%s\n\none\n' "$n" | inject alice@demo.test joe@demo.test
	printf 'Subject: c2\nX-Seq: b%s\n\ntwo\n' "$n" | inject alice@demo.test both@demo.test nosuch@demo.test
	: >"$T/crash.log"
	FACTEUR_CRASH_AFTER=$n "$BIN/queued" 2>>"$T/crash.log" &
	pid=$!
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 40 ]; do
		# Done when everything is delivered and the queue is empty.
		if [ -z "$(ls "$FACTEUR_SPOOL/todo")$(ls "$FACTEUR_SPOOL/queue" 2>/dev/null)" ]; then
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	survived=0
	if kill -0 "$pid" 2>/dev/null; then
		survived=1
		kill "$pid"
	fi
	wait "$pid" 2>/dev/null || true
	# A normal run finishes the work.
	start_queued
	queue_empty 30
	stop_queued
	# joe: c1, c2 and the bounce for nosuch (alice is joe's alias? no:
	# alice@demo.test is no user, so its bounce fails: postmaster (joe)
	# gets the notice instead).
	[ "$(cat "$MD/new"/* | grep -ac "^X-Seq: a$n$")" -ge 1 ] || fail "step $n: c1 lost"
	[ "$(cat "$MD/new"/* | grep -ac "^X-Seq: b$n$")" -ge 1 ] || fail "step $n: c2 lost for joe"
	[ "$(cat "$SMD/new"/* | grep -ac "^X-Seq: b$n$")" -ge 1 ] || fail "step $n: c2 lost for sam"
	grep -lq 'Postmaster Copy' "$MD/new"/* || fail "step $n: no postmaster notice"
	[ "$survived" = 1 ] && break
done
say "queued crashed at each of its first $((n - 1)) durable steps; nothing lost"
[ "$n" -gt 10 ] || fail "only $n steps: the harness did not reach queued"

say "1000 messages, queued killed with SIGKILL again and again"
rm -rf "$MD/new"/* "$SMD/new"/*
(
	for i in $(seq 1 1000); do
		printf 'Subject: stream %s\nX-Seq: %s\n\nmessage %s\n' "$i" "$i" "$i" |
			inject alice@example.org joe@demo.test || exit 1
	done
) &
PRODUCER=$!
kills=0
while kill -0 "$PRODUCER" 2>/dev/null && [ "$kills" -lt 300 ]; do
	"$BIN/queued" 2>>"$QLOG" &
	pid=$!
	sleep "0.$((RANDOM % 5 + 1))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	kills=$((kills + 1))
done
wait "$PRODUCER" || fail "the producer failed"
say "killed $kills times; now a last run"
start_queued
queue_empty 300
got=$(seqs "$MD/new")
files=$(count "$MD/new")
say "$got distinct messages of 1000 delivered in $files files ($((files - got)) duplicates)"
[ "$got" = 1000 ] || fail "$got of 1000 delivered"
stop_queued
grep -q "Sanitizer\|runtime error" "$QLOG" "$T/crash.log" &&
	fail "sanitizer reports: $(grep -A5 'Sanitizer\|runtime error' "$QLOG" "$T/crash.log")"
exit 0

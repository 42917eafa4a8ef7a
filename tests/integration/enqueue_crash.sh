# enqueue under crashes: killed after each durable step (lib/durable's
# harness) and by SIGKILL at random moments while the message streams in,
# spool/todo/ never holds a partial message: every entry there has the
# whole message and a complete envelope.
. "$(dirname "$0")/lib.sh"
set -e
EQ="$BIN/enqueue"
export FACTEUR_SPOOL="$T/spool"
mkdir -p "$FACTEUR_SPOOL/tmp" "$FACTEUR_SPOOL/todo"
python3 -c '
import sys
sys.stdout.write("Subject: crash\n\n" + "".join("line %06d %s\n" % (i, "y" * 50) for i in range(5000)))' >"$T/msg"
printf 'Fa@example.org\0Tb@example.net\0Tc@example.net\0\0' >"$T/env"

check_todo() {
	for d in "$FACTEUR_SPOOL"/todo/*; do
		[ -e "$d" ] || continue
		cmp -s "$d/mess" "$T/msg" || fail "partial message in todo/ ($1)"
		[ -f "$d/env" ] || fail "todo entry without env ($1)"
		tr '\0' '\n' <"$d/env" | sed 1,3d | cmp -s - "$T/envwant" ||
			fail "partial envelope in todo/ ($1)"
	done
}
printf 'Fa@example.org\nTb@example.net\nTc@example.net\n\n' >"$T/envwant"

say "trace one run"
FACTEUR_DURABLE_TRACE="$T/trace" "$EQ" <"$T/msg" 1<"$T/env"
steps=$(wc -l <"$T/trace")
ops=$(awk '{ print $3 }' "$T/trace" | uniq | tr '\n' ' ')
echo "steps=$steps ops: $ops"
case $ops in "create write fsync create write fsync dirsync rename dirsync ") ;;
*) fail "durable steps out of order: $ops" ;; esac
check_todo "full run"
rm -rf "$FACTEUR_SPOOL"/todo/*

say "kill it after each of its $steps durable steps"
n=1
while [ "$n" -le "$steps" ]; do
	set +e
	FACTEUR_CRASH_AFTER=$n "$EQ" <"$T/msg" 1<"$T/env" 2>/dev/null
	rc=$?
	set -e
	[ "$rc" = 137 ] || fail "step $n: expected SIGKILL (137), got $rc"
	check_todo "crash after step $n"
	renamed=$(awk -v n="$n" '$2 <= n && $3 == "rename"' "$T/trace" | wc -l)
	got=$(ls "$FACTEUR_SPOOL/todo" | wc -l)
	[ "$got" = "$renamed" ] || fail "step $n: $got entries in todo/, want $renamed"
	rm -rf "$FACTEUR_SPOOL"/todo/* "$FACTEUR_SPOOL"/tmp/*
	n=$((n + 1))
done

say "SIGKILL at random moments while the message streams in (40 runs)"
i=0 done_n=0
while [ "$i" -lt 40 ]; do
	# Feed the message slowly through a pipe so the kill lands mid-run.
	( python3 -c '
import sys, time
data = open(sys.argv[1], "rb").read()
for k in range(0, len(data), 16384):
    sys.stdout.buffer.write(data[k:k+16384]); sys.stdout.flush(); time.sleep(0.002)
' "$T/msg" | "$EQ" 1<"$T/env" 2>/dev/null ) &
	pid=$!
	sleep "0.$(( RANDOM % 2 ))$(( RANDOM % 10 ))"
	# Kill enqueue itself (the pipeline's last process), by its PID.
	for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
		if [ "$(ps -o comm= -p "$c" 2>/dev/null)" = enqueue ]; then kill -KILL "$c" 2>/dev/null || true; fi
	done
	wait "$pid" 2>/dev/null || true
	check_todo "random kill $i"
	done_n=$(( done_n + $(ls "$FACTEUR_SPOOL/todo" | wc -l) ))
	rm -rf "$FACTEUR_SPOOL"/todo/* "$FACTEUR_SPOOL"/tmp/*
	i=$((i + 1))
done
echo "random kills: 40 runs, $done_n finished before the kill"
echo ok

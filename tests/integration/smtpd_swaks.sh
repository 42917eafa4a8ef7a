# smtpd driven by swaks: a plain send, a pipelined one (--pipeline), a
# relay refusal, and the spooled message read back byte for byte.  swaks
# 20201014 (Debian 12) has no BDAT; CHUNKING is tested with raw sockets
# in smtpd_smtplib.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd.inc"
set -e
command -v swaks >/dev/null || skip "swaks is not installed"
start_smtpd

printf 'From: a@b.net\r\nSubject: swaks\r\n\r\nfirst\r\n.starts with a dot\r\nlast\r\n' >"$T/data"
printf 'Subject: swaks\n' >/dev/null

# one_message ENV-WANT: the single spooled message's env records (after
# the V/t/u records) must be ENV-WANT and its body $T/data with LF ends.
one_message() {
	n=$(ls "$FACTEUR_SPOOL/todo" | wc -l)
	[ "$n" = 1 ] || fail "$n messages in todo/, want 1"
	d=$(ls -d "$FACTEUR_SPOOL"/todo/*)
	tr '\0' '\n' <"$d/env" | sed 1,3d >"$T/env.got"
	printf "$1" >"$T/env.want"
	cmp "$T/env.got" "$T/env.want" || { diff "$T/env.got" "$T/env.want"; fail "env records"; }
	# Drop the 4-line Received header smtpd adds (one recipient: with "for").
	head -n 1 "$d/mess" | grep -q '^Received: from swaks.example (\[127.0.0.1\])$' || fail "Received: $(head -n 1 "$d/mess")"
	sed 1,4d "$d/mess" >"$T/mess.got"
	{ tr -d "\r" <"$T/data"; echo; } >"$T/mess.want"  # swaks ends DATA with one more CRLF
	cmp "$T/mess.got" "$T/mess.want" || { diff "$T/mess.got" "$T/mess.want"; fail "message bytes"; }
	rm -rf "$d"
}

say "plain send"
swaks --server 127.0.0.1 --port "$PORT" --helo swaks.example --from a@b.net \
	--to alice@example.org --data "$T/data" >"$T/out" 2>&1 || { cat "$T/out"; fail "swaks send"; }
grep -q '<-  250 2.0.0 ok: queued as qp' "$T/out" || fail "no 250 queued reply"
one_message 'Fa@b.net\nTalice@example.org\n\n'

say "pipelined send"
swaks --server 127.0.0.1 --port "$PORT" --helo swaks.example --from a@b.net \
	--to alice@example.org --pipeline --data "$T/data" >"$T/out" 2>&1 || { cat "$T/out"; fail "swaks pipeline"; }
grep -q 'PIPELINING' "$T/out" || fail "PIPELINING not advertised"
one_message 'Fa@b.net\nTalice@example.org\n\n'

say "relay refused from outside mynetworks"
kill "$SMTPD_PID"; wait "$SMTPD_PID" 2>/dev/null || true
echo 192.0.2.0/24 >"$FACTEUR_ETC/mynetworks"
start_smtpd
set +e
swaks --server 127.0.0.1 --port "$PORT" --helo swaks.example --from a@b.net \
	--to victim@other.net --data "$T/data" >"$T/out" 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || fail "swaks relayed"
grep -q '<\*\* 554 5.7.1 <victim@other.net>: relay access denied' "$T/out" || { cat "$T/out"; fail "no 554 5.7.1"; }
[ -z "$(ls "$FACTEUR_SPOOL/todo")" ] || fail "relay attempt spooled"
echo ok

# smtp-remote's MX routing (RFC 5321 section 5) through the real system
# resolver, inside a network and mount namespace this test makes for
# itself: its loopback carries the "mail servers'" addresses, and
# /etc/resolv.conf bind-mounted to name a fake DNS server on
# the namespace's own 127.0.0.1.  No query leaves the namespace; the
# machine's resolver is never asked.  Checked: preference order with
# fallback to the next MX, implicit MX, IPv6 (AAAA), null MX, NXDOMAIN,
# SERVFAIL, this host as an MX (loop, and better MX hosts kept), equal
# preferences shuffled.
if [ -z "${SMTP_REMOTE_MX_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "needs root (namespaces)"; exit 77; }
	command -v unshare >/dev/null && command -v ip >/dev/null ||
		{ echo "no unshare or ip"; exit 77; }
	unshare -n -m --propagation private true 2>/dev/null ||
		{ echo "no network and mount namespaces here"; exit 77; }
	SMTP_REMOTE_MX_NS=1 exec unshare -n -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
set -e
SR="$BIN/smtp-remote"
[ -x "$SR" ] || skip "smtp-remote not built"
HELPERS="$(cd "$(dirname "$0")" && pwd)/helpers"

# This shell is alone in its namespaces: everything below stays here and
# ends with it.
ip link set lo up
ip addr add 10.9.0.1/32 dev lo
ip addr add 10.9.0.2/32 dev lo
ip addr add 10.9.0.3/32 dev lo
ip -6 addr add 2001:db8::25/128 dev lo
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf
printf '127.0.0.1 localhost\n::1 localhost\n' >"$T/hosts"
mount --bind "$T/hosts" /etc/hosts

cat >"$T/zone" <<'EOF'
pref.test MX 20 mx-up.pref.test
pref.test MX 10 mx-down.pref.test
mx-down.pref.test A 10.9.0.1
mx-up.pref.test A 10.9.0.2
implicit.test A 10.9.0.2
nullmx.test MX 0 .
v6.test MX 10 mx6.v6.test
mx6.v6.test AAAA 2001:db8::25
loop.test MX 10 client.test
loop.test MX 20 mx-up.pref.test
better.test MX 10 mx-up.pref.test
better.test MX 20 client.test
servfail.test SERVFAIL
equal.test MX 10 mx-a.equal.test
equal.test MX 10 mx-b.equal.test
equal.test MX 5 mx-down.pref.test
mx-a.equal.test A 10.9.0.2
mx-b.equal.test A 10.9.0.3
EOF
python3 "$HELPERS/dns_fake.py" 127.0.0.1 53 "$T/zone" "$T/dns.log" 2>"$T/dns.err" &
on_exit "kill $! 2>/dev/null"
# fake NAME ADDR: the fake SMTP server on ADDR port 25.
fake() {
	python3 "$HELPERS/smtp_fake.py" "$T/$1.port" "$T/$1.log" --addr "$2" --port 25 2>>"$T/fake.err" &
	on_exit "kill $! 2>/dev/null"
	i=0
	until [ -s "$T/$1.port" ]; do
		i=$((i + 1)); [ "$i" -lt 100 ] || fail "fake server did not start: $(cat "$T/fake.err")"; sleep 0.1
	done
}
fake up 10.9.0.2
fake up6 2001:db8::25
fake up3 10.9.0.3
i=0
until grep -q QUERY "$T/dns.log" 2>/dev/null; do
	python3 -c 'import socket; socket.getaddrinfo("probe.test", 25)' 2>/dev/null || true
	i=$((i + 1)); [ "$i" -lt 50 ] || fail "fake DNS server not answering: $(cat "$T/dns.err")"; sleep 0.1
done

echo client.test >"$FACTEUR_ETC/myhostname"
printf 'Subject: mx\n\nbody\n' >"$T/msg"
remote() {
	set +e
	"$SR" "$@" <"$T/msg" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" = 0 ] || fail "smtp-remote $* exited $rc: $(cat "$T/err")"
}
want() {
	printf '%s\n' "$1" | tr '|' '\t' >"$T/want"
	cmp -s "$T/out" "$T/want" || { diff "$T/want" "$T/out" >&2 || true; fail "report line differs"; }
}

say "MX preference: the best MX refuses, the next one takes it"
: >"$T/dns.log"
remote pref.test s@client.test a@pref.test
want "ok|a@pref.test|mx-up.pref.test|250 2.0.0 Ok: queued"
[ "$(head -n 1 "$T/dns.log")" = "QUERY pref.test MX" ] || fail "MX not asked first: $(cat "$T/dns.log")"
grep -q 'mx-down.pref.test\[10.9.0.1\]:25: Connection refused' "$T/err" || fail "the preference-10 host was not tried first: $(cat "$T/err")"
grep -n 'QUERY mx-' "$T/dns.log" | head -n 1 | grep -q 'mx-down' || fail "hosts looked up out of order: $(cat "$T/dns.log")"

say "no MX: the domain's own address (implicit MX)"
remote implicit.test s@client.test a@implicit.test
want "ok|a@implicit.test|implicit.test|250 2.0.0 Ok: queued"

say "IPv6: an MX with only an AAAA record"
remote v6.test s@client.test a@v6.test
want "ok|a@v6.test|mx6.v6.test|250 2.0.0 Ok: queued"
grep -q '^MSG' "$T/up6.log" || fail "nothing arrived over IPv6"

say "null MX, NXDOMAIN, SERVFAIL"
remote nullmx.test s@client.test a@nullmx.test
want "perm|a@nullmx.test||5.1.10 domain nullmx.test accepts no mail (null MX)"
remote nx.test s@client.test a@nx.test
want "perm|a@nx.test||5.1.2 domain nx.test not found"
remote servfail.test s@client.test a@servfail.test
grep -q '^temp	a@servfail.test		4.4.3 MX lookup of servfail.test failed' "$T/out" || fail "SERVFAIL: $(cat "$T/out")"

say "this host among the MX hosts"
remote loop.test s@client.test a@loop.test
want "perm|a@loop.test||5.4.6 mail for loop.test loops back to myself"
remote better.test s@client.test a@better.test
want "ok|a@better.test|mx-up.pref.test|250 2.0.0 Ok: queued"

say "equal preference: both hosts get mail (random order, 30 tries)"
for n in $(seq 1 30); do
	remote equal.test s@client.test "e$n@equal.test"
	grep -q '^ok	' "$T/out" || fail "equal.test: $(cat "$T/out")"
done
a=$(grep -c '^MSG' "$T/up.log" || true) b=$(grep -c '^MSG' "$T/up3.log" || true)
echo "mx-a took $a messages in all, mx-b $b"
[ "$b" -gt 0 ] && [ "$b" -lt 30 ] || fail "equal MX hosts not shuffled: mx-b took $b of 30"

say "a route overrides DNS, and an address literal domain is not looked up"
: >"$T/dns.log"
echo 'pref.test [10.9.0.2]:25' >"$FACTEUR_ETC/smtp_routes"
remote pref.test s@client.test b@pref.test
want "ok|b@pref.test|[10.9.0.2]|250 2.0.0 Ok: queued"
rm "$FACTEUR_ETC/smtp_routes"
remote '[10.9.0.2]' s@client.test 'c@[10.9.0.2]'
want "ok|c@[10.9.0.2]|[10.9.0.2]|250 2.0.0 Ok: queued"
[ ! -s "$T/dns.log" ] || fail "DNS asked for a routed or literal destination: $(cat "$T/dns.log")"
echo ok

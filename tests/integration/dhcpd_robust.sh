# dhcpd: the course material's dhcpd.conf under -t (host names from the
# namespace's hosts file), bad configurations, the ping check, hostile
# packets, DISCOVER and DECLINE floods, SIGHUP reload, and SIGKILL in
# the middle of a stream of exchanges (and of compactions) losing no
# ACKed lease, and the migration of an ISC dhcpd.leases (-m).
. "$(dirname "$0")/lib.sh"
set -e
. "$(dirname "$0")/dhcplib.inc"
command -v python3 >/dev/null || skip "needs python3"
command -v udhcpc >/dev/null || skip "needs udhcpc"
SEND="python3 $(cd "$(dirname "$0")" && pwd)/helpers/dhcp_send.py"
SEED=$(cd "$(dirname "$0")/../.." && pwd)/tests/integration/helpers/seed-dhcpd.conf
[ -f "$SEED" ] || SEED=/work/shared/seed-dhcpd.conf
[ -f "$SEED" ] || skip "no seed-dhcpd.conf"

say "-t: the course material's dhcpd.conf loads unchanged"
mkdir -p "/etc/netns/$NS_S"
printf '%s\n' '10.254.239.1 rtr-239-0-1.example.org' \
	'10.254.239.2 rtr-239-0-2.example.org' \
	'192.168.10.1 ns1.internal.example.org' >"/etc/netns/$NS_S/hosts"
ins "$BIN/dhcpd" -t -c "$SEED" 2>"$T/err" || fail "seed refused: $(cat "$T/err")"

say "-t: a bad file is refused with file, line and column"
printf 'subnet 10.0.42.0 netmask 255.255.255.0 {\n  range 10.0.42.10 10.0.43.20;\n}\n' >"$T/bad.conf"
set +e
ins "$BIN/dhcpd" -t -c "$T/bad.conf" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 100 ] || fail "-t on a bad file exited $rc"
grep -q "$T/bad.conf:2:9: range is not inside its subnet" "$T/err" || fail "message: $(cat "$T/err")"
ins "$BIN/dhcpd" -c "$T/bad.conf" -l "$LEASES" -u nobody 2>"$T/err" && fail "started on a bad file"

cat >"$T/dhcpd.conf" <<'CONF'
option domain-name "fai.com";
default-lease-time 600;
ping-check true;
subnet 10.0.42.0 netmask 255.255.255.0 {
    range 10.0.42.10 10.0.42.29;
    option routers 10.0.42.254;
}
CONF
start_dhcpd "$T/dhcpd.conf"
cat >"$T/u" <<'SH'
#!/bin/sh
{ echo "EVENT=$1"; env; } >>"$0.env"
exit 0
SH
chmod 755 "$T/u"
udhcp() { # MAC: one lease with udhcpc; prints the address
	set_mac "$1"
	rm -f "$T/u.env"
	inc timeout 30 udhcpc -i c0 -f -q -n -t 5 -T 2 -s "$T/u" >"$T/u.out" 2>&1 ||
		fail "udhcpc $1 failed: $(cat "$T/u.out") $(dlog)"
	envget "$T/u.env" ip
}

say "ping check: an address in use is abandoned and another offered"
ip -n "$NS_C" addr add 10.0.42.10/24 dev c0
ip=$(udhcp 02:42:00:00:01:01)
ip -n "$NS_C" addr flush dev c0
[ "$ip" = 10.0.42.11 ] || fail "got $ip, not 10.0.42.11: $(dlog)"
dlog | grep -q 'ping check: 10.0.42.10 answered: marked abandoned' || fail "no abandon log: $(dlog)"

say "hostile packets: each dropped with a log line, nothing crashes"
inc $SEND bad c0 >"$T/bad.out" || fail "sender failed"
for _ in $(seq 50); do
	dlog | grep -q 'drop: packet over' && break
	sleep 0.1
done
for why in 'truncated BOOTP header' 'no magic cookie' 'wrong magic cookie' \
	'runs past the end' 'wrong length' 'hardware address length over 16' \
	'past the end of its field' 'not a BOOTREQUEST' 'address on another network' \
	'untrusted interface' 'packet over'; do
	dlog | grep -q "$why" || fail "no log line for: $why: $(dlog)"
done
kill -0 "$DHCPD_PID" || fail "dhcpd died"

say "DISCOVER flood from random MACs: pool exhausted, logged, no crash"
inc $SEND discover-flood c0 300
for _ in $(seq 50); do
	dlog | grep -q 'pool exhausted' && break
	sleep 0.1
done
dlog | grep -q 'pool exhausted' || fail "no exhaustion logged"
kill -0 "$DHCPD_PID" || fail "dhcpd died in the flood"
say "an existing client still gets its address"
ip=$(udhcp 02:42:00:00:01:01)
[ "$ip" = 10.0.42.11 ] || fail "existing client got '$ip': $(dlog | tail -5)"

say "DECLINE flood: refused unless the address is the sender's"
inc $SEND decline-flood c0 300
sleep 0.5
kill -0 "$DHCPD_PID" || fail "dhcpd died in the DECLINE flood"
dlog | grep -q 'DECLINE for an address not given to this client' || fail "no DECLINE log"
"$BIN/dhcp-leases" -l -a "$LEASES" | grep -q 'ip=10.0.42.11 .*state=active' ||
	fail "a DECLINE flood changed a lease"

say "SIGHUP: a bad file keeps the old configuration, a good one applies"
cp "$T/dhcpd.conf" "$T/good.conf"
echo 'option bogus 1;' >>"$T/dhcpd.conf"
kill -HUP "$DHCPD_PID"
for _ in $(seq 50); do
	dlog | grep -q 'keeping the old configuration' && break
	sleep 0.1
done
dlog | grep -q 'dhcpd.conf:8:8: unknown option "bogus"' || fail "reload error: $(dlog | tail -3)"
sed 's/fai.com/new.example/' "$T/good.conf" >"$T/dhcpd.conf"
kill -HUP "$DHCPD_PID"
for _ in $(seq 50); do
	dlog | grep -q 'info: reloaded' && break
	sleep 0.1
done
dlog | grep -q 'info: reloaded' || fail "no reload: $(dlog | tail -3)"
ip=$(udhcp 02:42:00:00:01:01)
[ "$ip" = 10.0.42.11 ] || fail "lease lost over the reload: $ip"
[ "$(envget "$T/u.env" domain)" = new.example ] || fail "new option not served"

say "SIGHUP: clients are served while the configuration is being read"
# dhcpd.conf becomes a FIFO: the reader waits in open() until we write.
mv "$T/dhcpd.conf" "$T/dhcpd.conf.real"
mkfifo "$T/dhcpd.conf"
kill -HUP "$DHCPD_PID"
sleep 0.3
ip=$(udhcp 02:42:00:00:01:01)
[ "$ip" = 10.0.42.11 ] || fail "not served during the reload: $ip"
timeout 10 sh -c ': >"$1"' sh "$T/dhcpd.conf" || fail "the reload never opened the file"
for _ in $(seq 50); do
	dlog | grep -q 'not a regular file' && break
	sleep 0.1
done
dlog | grep -q "error: $T/dhcpd.conf: not a regular file" || fail "FIFO not refused: $(dlog | tail -3)"
dlog | tail -1 | grep -q 'keeping the old configuration' || fail "after the FIFO: $(dlog | tail -3)"
rm "$T/dhcpd.conf"
mv "$T/dhcpd.conf.real" "$T/dhcpd.conf"
ip=$(udhcp 02:42:00:00:01:01)
[ "$(envget "$T/u.env" domain)" = new.example ] || fail "configuration lost after a refused reload"

say "SIGKILL in the middle of a stream: every ACKed lease survives"
stop_dhcpd
rm -rf "$LEASES"
sed 's/10.0.42.29/10.0.42.250/; s/ping-check true/ping-check false/' "$T/good.conf" >"$T/big.conf"
# -C 8: compactions run all along the stream, so the kill can land in
# the middle of one (the child may outlive dhcpd and finish beside the
# restarted server).
start_dhcpd "$T/big.conf" -C 8
: >"$T/acked"
inc $SEND dora c0 200 "$T/acked" &
spid=$!
on_exit "kill $spid 2>/dev/null"
for _ in $(seq 100); do
	[ "$(wc -l <"$T/acked")" -ge 20 ] && break
	sleep 0.05
done
kill -KILL "$DHCPD_PID"
wait "$DHCPD_PID" 2>/dev/null || true
# Nothing more can be ACKed: stop the sender (its lines are whole:
# each is written and fsynced before the next exchange).
kill "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
n=$(wc -l <"$T/acked")
[ "$n" -ge 20 ] || fail "only $n exchanges before the kill"
dlog | grep -q 'info: compacting leases' || fail "no compaction before the kill: $(dlog | tail -5)"
start_dhcpd "$T/big.conf" -C 8
"$BIN/dhcp-leases" -l "$LEASES" >"$T/after"
while read -r mac ip; do
	[ -n "$ip" ] || continue
	grep -q "^ip=$ip mac=$mac " "$T/after" || fail "ACKed lease $ip $mac lost after SIGKILL"
done <"$T/acked"
echo "acked before SIGKILL: $n, all present after restart"
stop_dhcpd

say "-m: ISC dhcpd's lease file migrated at the first start"
end=$(( $(date +%s) + 3600 ))
cat >"$T/isc.leases" <<ISC
# This lease file was written by isc-dhcp-4.4.3-P1
authoring-byte-order little-endian;
server-duid "\000\001\000\001-\017\241\247";
lease 10.0.42.20 {
  starts epoch $(date +%s);
  ends epoch $end;
  binding state active;
  next binding state free;
  hardware ethernet 02:42:00:00:02:02;
  uid "\001\002B\000\000\002\002";
  client-hostname "old-pc";
}
lease 10.0.42.21 {
  starts 4 2026/12/03 10:00:00;
  ends 4 2026/12/03 10:10:00;
  binding state free;
  hardware ethernet 02:42:00:00:02:03;
}
ISC
ins "$BIN/dhcpd" -t -c "$T/good.conf" -m "$T/isc.leases" 2>"$T/err" || fail "-t -m: $(cat "$T/err")"
printf 'lease 10.0.42.22 {\n  ends 4 2026/13/03 10:10:00;\n}\n' >"$T/bad.leases"
set +e
ins "$BIN/dhcpd" -t -c "$T/good.conf" -m "$T/bad.leases" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 100 ] || fail "-t -m on a bad lease file exited $rc"
grep -q "$T/bad.leases:2:10: expected a date YYYY/MM/DD" "$T/err" || fail "message: $(cat "$T/err")"
rm -rf "$LEASES"
cp "$T/good.conf" "$T/dhcpd.conf"
start_dhcpd "$T/dhcpd.conf" -m "$T/isc.leases"
dlog | grep -q "migrated 2 leases from $T/isc.leases" || fail "no migration: $(dlog)"
"$BIN/dhcp-leases" -l "$LEASES" >"$T/migrated"
grep -q "^ip=10.0.42.20 mac=02:42:00:00:02:02 clientid=01024200000202 hostname=old-pc state=active expires=$end\$" "$T/migrated" ||
	fail "migrated lease: $(cat "$T/migrated")"
grep -q 'ip=10.0.42.21 ' "$T/migrated" && fail "a free ISC lease listed active"
# The client comes back to the server that replaced ISC's: same address.
ip=$(udhcp 02:42:00:00:02:02)
[ "$ip" = 10.0.42.20 ] || fail "migrated client got $ip"
stop_dhcpd
# Not read again once the database has leases.
start_dhcpd "$T/dhcpd.conf" -m "$T/bad.leases"
dlog | grep -q "lease database not empty: $T/bad.leases not read" || fail "-m on a full database: $(dlog)"
stop_dhcpd
echo ok

# dhcpd on several interfaces and subnets, and behind ISC's dhcrelay:
#
#   C  c0 ─── s0 10.0.42.42/24  ┐
#   D  d0 ─── s1 10.0.43.1/24   ├ S (dhcpd -R s2)
#   R  r1 10.0.99.254 ─── s2 10.0.99.1/24 ┘
#   R  r0 10.0.44.254/24 ─── e0 E          (dhcrelay -a in R)
#
# The course material's DISCOVER and REQUEST on the wire (exact fields
# and options of ../shared/seed-offer.txt, sent as a unicast frame to a
# client without an address); a client on the second interface gets an
# address of that interface's subnet; dhclient behind dhcrelay gets one
# of the relay's subnet, with option 82 echoed back to the relay;
# DHCPINFORM gets options and no lease; SIGTERM and a restart keep every
# lease.
. "$(dirname "$0")/lib.sh"
set -e
. "$(dirname "$0")/dhcplib.inc"
command -v python3 >/dev/null || skip "needs python3"
for c in dhclient udhcpc dhcrelay tcpdump; do
	command -v $c >/dev/null || skip "needs $c (tests/packages)"
done
WIRE="python3 $(cd "$(dirname "$0")" && pwd)/helpers/dhcp_wire.py"

NS_D=fdh$$d
NS_R=fdh$$r
NS_E=fdh$$e
for ns in $NS_D $NS_R $NS_E; do
	ip netns add "$ns" || fail "cannot create namespace $ns"
	on_exit "ip netns del $ns 2>/dev/null"
	on_exit 'for p in $(ip netns pids '"$ns"'); do kill -9 "$p"; done 2>/dev/null'
	ip -n "$ns" link set lo up
done
ip link add s1 netns "$NS_S" type veth peer name d0 netns "$NS_D"
ip link add s2 netns "$NS_S" type veth peer name r1 netns "$NS_R"
ip link add r0 netns "$NS_R" type veth peer name e0 netns "$NS_E"
ip -n "$NS_S" addr add 10.0.43.1/24 dev s1
ip -n "$NS_S" addr add 10.0.99.1/24 dev s2
ip -n "$NS_R" addr add 10.0.99.254/24 dev r1
ip -n "$NS_R" addr add 10.0.44.254/24 dev r0
ip -n "$NS_D" link set d0 address 02:43:00:00:00:01
ip -n "$NS_E" link set e0 address 02:44:00:00:00:01
for l in "$NS_S s1" "$NS_S s2" "$NS_R r0" "$NS_R r1" "$NS_D d0" "$NS_E e0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$NS_S" route add 10.0.44.0/24 via 10.0.99.254
ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1

cat >"$T/dhcpd.conf" <<'CONF'
# 10.0.42.0/24 is the course material's server (seed-offer.txt).
option domain-name "fai.com";
option domain-name-servers 192.168.0.254;
default-lease-time 600;
max-lease-time 7200;
subnet 10.0.42.0 netmask 255.255.255.0 {
    range 10.0.42.10 10.0.42.20;
    option routers 10.0.42.254;
}
subnet 10.0.43.0 netmask 255.255.255.0 {
    range 10.0.43.10 10.0.43.20;
    option routers 10.0.43.1;
}
# The link to the relay: no pool.
subnet 10.0.99.0 netmask 255.255.255.0 { }
subnet 10.0.44.0 netmask 255.255.255.0 {
    range 10.0.44.50 10.0.44.60;
    option routers 10.0.44.254;
    option domain-name "relayed.example";
}
CONF
start_dhcpd "$T/dhcpd.conf" -R s2

say "the course material's exchange on the wire (seed-offer.txt)"
inc $WIRE seed c0 10.0.42.42 >"$T/seed" 2>&1 || fail "seed exchange: $(cat "$T/seed") $(dlog)"
# 53 54 51 1 3 15 6 then END, nothing else, in that order.
want='53=02 54=0a002a2a 51=00000258 1=ffffff00 3=0a002afe 15=6661692e636f6d 6=c0a800fe 255=-'
for w in offer ack; do
	v() { sed -n "s/^$w $1 //p" "$T/seed"; }
	[ "$(v op)" = 2 ] || fail "$w op $(v op)"
	[ "$(v xid)" = 3903f326 ] || fail "$w xid"
	[ "$(v ciaddr)" = 0.0.0.0 ] || fail "$w ciaddr $(v ciaddr)"
	[ "$(v yiaddr)" = 10.0.42.10 ] || fail "$w yiaddr $(v yiaddr)"
	[ "$(v siaddr)" = 0.0.0.0 ] || fail "$w siaddr $(v siaddr)"
	[ "$(v giaddr)" = 0.0.0.0 ] || fail "$w giaddr $(v giaddr)"
	[ "$(v chaddr)" = 04:8d:38:cf:7d:41 ] || fail "$w chaddr $(v chaddr)"
	[ "$(v cookie)" = 99.130.83.99 ] || fail "$w cookie $(v cookie)"
	[ "$(v length)" -ge 300 ] || fail "$w shorter than the BOOTP minimum: $(v length)"
	o=$(v options)
	[ "$w" = ack ] && o=$(echo "$o" | sed 's/^53=05/53=02/')
	[ "$o" = "$want" ] || fail "$w options: $o, want $want"
	# No broadcast bit, no address yet: a frame to the client's MAC.
	[ "$(v pkttype)" = host ] || fail "$w sent as $(v pkttype), not to the client's MAC"
	[ "$(v ipdst)" = 10.0.42.10 ] || fail "$w IP destination $(v ipdst)"
done

say "a client on the second interface gets an address of its subnet"
cat >"$T/u" <<'SH'
#!/bin/sh
{ echo "EVENT=$1"; env; } >>"$0.env"
exit 0
SH
chmod 755 "$T/u"
ip netns exec "$NS_D" timeout 30 udhcpc -i d0 -f -q -n -t 5 -T 2 -s "$T/u" \
	>"$T/u.out" 2>&1 || fail "udhcpc on s1 failed: $(cat "$T/u.out") $(dlog)"
[ "$(envget "$T/u.env" ip)" = 10.0.43.10 ] || fail "second interface: $(envget "$T/u.env" ip)"
[ "$(envget "$T/u.env" router)" = 10.0.43.1 ] || fail "second interface router"
[ "$(envget "$T/u.env" serverid)" = 10.0.43.1 ] || fail "server id on s1: $(envget "$T/u.env" serverid)"

say "dhclient behind ISC dhcrelay gets an address of the relay's subnet"
ip netns exec "$NS_R" timeout 20 tcpdump -l -n -vv -i r1 -c 40 udp port 67 \
	>"$T/tcpdump" 2>/dev/null &
tpid=$!
on_exit "kill $tpid 2>/dev/null"
ip netns exec "$NS_R" dhcrelay -4 -d -a -pf "$T/dhcrelay.pid" \
	-id r0 -iu r1 10.0.99.1 >"$T/dhcrelay.log" 2>&1 &
rpid=$!
on_exit "kill $rpid 2>/dev/null"
sleep 1
kill -0 "$rpid" || fail "dhcrelay did not start: $(cat "$T/dhcrelay.log")"
cat >"$T/dh" <<'SH'
#!/bin/sh
{ echo "EVENT=$reason"; env; } >>"$0.env"
exit 0
SH
chmod 755 "$T/dh"
timeout 40 ip netns exec "$NS_E" dhclient -4 -1 -v -sf "$T/dh" \
	-lf "$T/dh.leases" -pf "$T/dh.pid" e0 >"$T/dh.out" 2>&1 ||
	fail "dhclient behind the relay failed: $(cat "$T/dh.out") $(cat "$T/dhcrelay.log") $(dlog)"
[ -s "$T/dh.pid" ] && kill "$(cat "$T/dh.pid")" 2>/dev/null
f=$T/dh.env
[ "$(envget "$f" new_ip_address)" = 10.0.44.50 ] || fail "relayed address $(envget "$f" new_ip_address)"
[ "$(envget "$f" new_routers)" = 10.0.44.254 ] || fail "relayed router"
[ "$(envget "$f" new_domain_name)" = relayed.example ] || fail "relayed domain"
[ "$(envget "$f" new_subnet_mask)" = 255.255.255.0 ] || fail "relayed mask"
dlog | grep -q 'REQUEST hw=02:44:00:00:00:01 ip=10.0.44.50 giaddr=10.0.44.254 .*ACK' ||
	fail "no relayed ACK logged: $(dlog)"
sleep 1
kill "$tpid" 2>/dev/null || true
wait "$tpid" 2>/dev/null || true
# Every reply from dhcpd to the relay carries the relay's option 82 back.
awk '/^[0-9]/ { rep = 0 } / 10\.0\.99\.1\.67 > 10\.0\.44\.254\.67:/ { rep = 1 }
     rep && /Agent-Information/ { n++ } END { exit n < 2 }' "$T/tcpdump" ||
	fail "option 82 not echoed to the relay: $(cat "$T/tcpdump")"

say "DHCPINFORM: options, no lease"
ip -n "$NS_C" addr add 10.0.42.77/24 dev c0
inc $WIRE inform c0 10.0.42.77 >"$T/inform" 2>&1 || fail "INFORM: $(cat "$T/inform") $(dlog)"
ip -n "$NS_C" addr flush dev c0
grep -q '^inform yiaddr 0.0.0.0$' "$T/inform" || fail "INFORM yiaddr: $(cat "$T/inform")"
grep -q '^inform ciaddr 10.0.42.77$' "$T/inform" || fail "INFORM ciaddr"
o=$(sed -n 's/^inform options //p' "$T/inform")
case " $o " in *" 53=05 "*) ;; *) fail "INFORM not answered with ACK: $o" ;; esac
case " $o " in *" 3=0a002afe "*) ;; *) fail "INFORM without router: $o" ;; esac
case " $o " in *" 6=c0a800fe "*) ;; *) fail "INFORM without DNS: $o" ;; esac
case " $o " in *" 51="*) fail "INFORM with a lease time: $o" ;; esac
"$BIN/dhcp-leases" -a -l "$LEASES" | grep -q 'ip=10.0.42.77 ' && fail "INFORM made a lease"

say "SIGTERM and a restart keep every lease"
"$BIN/dhcp-leases" -l "$LEASES" | sort >"$T/before"
[ "$(wc -l <"$T/before")" = 3 ] || fail "want 3 leases: $(cat "$T/before")"
stop_dhcpd
start_dhcpd "$T/dhcpd.conf" -R s2
"$BIN/dhcp-leases" -l "$LEASES" | sort >"$T/after"
cmp -s "$T/before" "$T/after" || fail "leases changed over a restart: $(diff "$T/before" "$T/after")"
# The relayed client asks again (INIT-REBOOT, giaddr): the same address.
timeout 40 ip netns exec "$NS_E" dhclient -4 -1 -v -sf "$T/dh" \
	-lf "$T/dh.leases" -pf "$T/dh.pid" e0 >"$T/dh.out" 2>&1 ||
	fail "dhclient behind the relay (again) failed: $(cat "$T/dh.out")"
[ -s "$T/dh.pid" ] && kill "$(cat "$T/dh.pid")" 2>/dev/null
[ "$(envget "$f" new_ip_address)" = 10.0.44.50 ] || fail "relayed address after restart $(envget "$f" new_ip_address)"
stop_dhcpd
echo ok

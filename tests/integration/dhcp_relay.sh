# dhcp-relay between a client namespace and a server namespace on
# another subnet, routed through the relay's namespace:
#   client ns (c0) <-> (r0 10.51.0.1/24) relay ns (r1 10.52.0.1/24) <-> (s0 10.52.0.2/24) server ns
# Real clients (dhclient, udhcpc, dhcpcd) get leases from the subnet that
# matches giaddr through dhcp-relay from facteur's dhcpd, ISC dhcpd and
# Kea; the server sees option 82, the client never does; a second
# configured server that is down changes nothing; the hop limit, the
# untrusted option 82 policy, malformed packets and routed unicast.
. "$(dirname "$0")/lib.sh"
set -e
# Our own directory outside /tmp/facteur-test.* (as dhcpc.sh does):
# something on the machine has removed such directories mid-run.
rm -rf "$T"
T=$(mktemp -d /var/tmp/facteur-relay.XXXXXX)
chmod 755 "$T"
export FACTEUR_ETC="$T/etc"
mkdir -p "$FACTEUR_ETC"
is_root || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "needs iproute2"
for c in dhclient udhcpc dhcpcd python3; do
	command -v $c >/dev/null || skip "needs $c (tests/packages)"
done
HELP=$(cd "$(dirname "$0")" && pwd)/helpers
NS_C=fdr$$c
NS_R=fdr$$r
NS_S=fdr$$s
ip netns add "$NS_C" 2>/dev/null || skip "cannot create network namespaces"
on_exit "ip netns del $NS_C 2>/dev/null"
ip netns add "$NS_R" || fail "cannot create namespace $NS_R"
on_exit "ip netns del $NS_R 2>/dev/null"
ip netns add "$NS_S" || fail "cannot create namespace $NS_S"
on_exit "ip netns del $NS_S 2>/dev/null"
# What still runs in the namespaces when the test ends was started by it.
on_exit 'for p in $(ip netns pids '"$NS_C"') $(ip netns pids '"$NS_R"') $(ip netns pids '"$NS_S"'); do kill -9 "$p"; done 2>/dev/null'
ip link add c0 netns "$NS_C" type veth peer name r0 netns "$NS_R" ||
	fail "cannot create veth pair"
ip link add r1 netns "$NS_R" type veth peer name s0 netns "$NS_S" ||
	fail "cannot create veth pair"
for ns in "$NS_C" "$NS_R" "$NS_S"; do ip -n "$ns" link set lo up; done
ip -n "$NS_R" addr add 10.51.0.1/24 dev r0
ip -n "$NS_R" addr add 10.52.0.1/24 dev r1
ip -n "$NS_R" link set r0 up
ip -n "$NS_R" link set r1 up
ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS_S" addr add 10.52.0.2/24 dev s0
ip -n "$NS_S" link set s0 up
ip -n "$NS_S" route add 10.51.0.0/24 via 10.52.0.1
# A second client segment: c1 (client ns) <-> r2 10.53.0.1/24.
ip link add c1 netns "$NS_C" type veth peer name r2 netns "$NS_R" ||
	fail "cannot create veth pair"
ip -n "$NS_R" addr add 10.53.0.1/24 dev r2
ip -n "$NS_R" link set r2 up
ip -n "$NS_C" link set c1 address 02:53:00:00:00:01
ip -n "$NS_C" link set c1 up
ip -n "$NS_S" route add 10.53.0.0/24 via 10.52.0.1
ip -n "$NS_C" link set c0 address 02:51:00:00:00:01
ip -n "$NS_C" link set c0 up
inc() { ip netns exec "$NS_C" "$@"; }
set_mac() {
	ip -n "$NS_C" link set c0 down
	ip -n "$NS_C" link set c0 address "$1"
	ip -n "$NS_C" link set c0 up
}
envget() { sed -n "s/^$2=//p" "$1" | tail -n 1 | tr -d "'\""; }

# ------------------------------------------------------------ sniffers
# sniff NAME NS IFACE: records the DHCP packets on IFACE into $T/NAME.
sniff() {
	: >"$T/$1"
	ip netns exec "$2" timeout 600 python3 "$HELP/dhcp_sniff.py" "$3" \
		"$T/$1" 600 &
	pid=$!
	on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	for _ in $(seq 50); do
		grep -q ready "$T/$1" && return 0
		sleep 0.1
	done
	fail "sniffer $1 not ready"
}
sniff srv "$NS_S" s0
sniff cli "$NS_C" c0
# The option 82 the relay adds on r0: circuit id "r0", remote id "relay-t".
O82=0102$(printf r0 | od -An -tx1 | tr -d ' \n')0207$(printf relay-t | od -An -tx1 | tr -d ' \n')

# --------------------------------------------------------------- relay
RELAY_PID=
start_relay() { # ARGS...: dhcp-relay in the relay namespace, as nobody
	: >"$T/relay.log"
	ip netns exec "$NS_R" "$BIN/dhcp-relay" -v -u nobody -r relay-t "$@" \
		2>>"$T/relay.log" &
	RELAY_PID=$!
	on_exit "kill $RELAY_PID 2>/dev/null"
	for _ in $(seq 100); do
		grep -q 'info: ready' "$T/relay.log" && break
		kill -0 "$RELAY_PID" 2>/dev/null ||
			fail "dhcp-relay died: $(cat "$T/relay.log")"
		sleep 0.1
	done
	grep -q 'info: ready' "$T/relay.log" ||
		fail "dhcp-relay not ready: $(cat "$T/relay.log")"
	[ "$(cat /proc/$RELAY_PID/comm)" = dhcp-relay ] ||
		fail "PID $RELAY_PID is not dhcp-relay"
}
stop_relay() {
	kill "$RELAY_PID" 2>/dev/null || true
	wait "$RELAY_PID" 2>/dev/null || true
}
rlog() { cat "$T/relay.log"; }

say "bad command lines are refused"
expect_rc 100 ip netns exec "$NS_R" "$BIN/dhcp-relay" -t 10.52.0.2
expect_rc 100 ip netns exec "$NS_R" "$BIN/dhcp-relay" -t -i r0
expect_rc 100 ip netns exec "$NS_R" "$BIN/dhcp-relay" -t -i nosuch0 10.52.0.2
expect_rc 100 ip netns exec "$NS_R" "$BIN/dhcp-relay" -t -i r0 server.example
expect_rc 100 ip netns exec "$NS_R" "$BIN/dhcp-relay" -t -c 17 -i r0 10.52.0.2
expect_rc 100 ip netns exec "$NS_R" "$BIN/dhcp-relay" -t -m maybe -i r0 10.52.0.2
expect_rc 100 ip netns exec "$NS_R" "$BIN/dhcp-relay" -t -i r0 -i r0 10.52.0.2
expect_rc 0 ip netns exec "$NS_R" "$BIN/dhcp-relay" -t -i r0:port-1 10.52.0.2
expect_rc 100 ip netns exec "$NS_R" "$BIN/dhcp-relay" -i r0 10.52.0.2

# Two servers: 10.52.0.3 is down (nobody has it), 10.52.0.2 is up.
start_relay -i r0 -i r2:building-b 10.52.0.3 10.52.0.2
grep -q "^Uid:.*65534" /proc/$RELAY_PID/status ||
	fail "dhcp-relay still has root: $(grep Uid /proc/$RELAY_PID/status)"

# Client scripts dump their environment on every event into SCRIPT.env.
mkscript() {
	cat >"$T/$1" <<'SH'
#!/bin/sh
{ echo "EVENT=${reason:-$1}"; env; } >>"$0.env"
exit 0
SH
	chmod 755 "$T/$1"
}
# clients TAG SERVERLOG: dhclient, udhcpc and dhcpcd get a lease from
# 10.51.0.0/24 with the router 10.51.0.1 through the relay.
clients() {
	tag=$1
	mkscript "dhclient-$tag"
	mkscript "udhcpc-$tag"
	mkscript "dhcpcd-$tag"
	set_mac 02:51:00:00:01:01
	timeout 40 ip netns exec "$NS_C" \
		dhclient -4 -1 -v -sf "$T/dhclient-$tag" \
		-lf "$T/dhclient-$tag.leases" -pf "$T/dhclient-$tag.pid" c0 \
		>"$T/dhclient-$tag.out" 2>&1 ||
		fail "$tag: dhclient failed: $(cat "$T/dhclient-$tag.out") $(rlog) $($2)"
	[ -s "$T/dhclient-$tag.pid" ] &&
		kill "$(cat "$T/dhclient-$tag.pid")" 2>/dev/null
	f=$T/dhclient-$tag.env
	case "$(envget "$f" new_ip_address)" in
	10.51.0.1[0-9][0-9]) ;;
	*) fail "$tag: dhclient address '$(envget "$f" new_ip_address)'" ;;
	esac
	[ "$(envget "$f" new_routers)" = 10.51.0.1 ] ||
		fail "$tag: dhclient router $(envget "$f" new_routers)"
	[ "$(envget "$f" new_subnet_mask)" = 255.255.255.0 ] ||
		fail "$tag: dhclient mask"
	[ "$(envget "$f" new_dhcp_server_identifier)" = 10.52.0.2 ] ||
		fail "$tag: dhclient server id"

	set_mac 02:51:00:00:01:02
	inc timeout 40 udhcpc -i c0 -f -q -n -t 5 -T 3 -s "$T/udhcpc-$tag" \
		>"$T/udhcpc-$tag.out" 2>&1 ||
		fail "$tag: udhcpc failed: $(cat "$T/udhcpc-$tag.out") $(rlog) $($2)"
	f=$T/udhcpc-$tag.env
	case "$(envget "$f" ip)" in
	10.51.0.1[0-9][0-9]) ;;
	*) fail "$tag: udhcpc address '$(envget "$f" ip)'" ;;
	esac
	[ "$(envget "$f" router)" = 10.51.0.1 ] || fail "$tag: udhcpc router"

	set_mac 02:51:00:00:01:03
	# A whole DORA: dhcpcd's state directories are private tmpfs in a
	# mount namespace of its own, so nothing of the host's is touched.
	inc timeout 40 unshare -m sh -c 'mount -t tmpfs tmpfs /var/lib/dhcpcd &&
		mount -t tmpfs tmpfs /run &&
		exec dhcpcd -4 -1 -B -t 30 -f /dev/null -c "$0" c0' \
		"$T/dhcpcd-$tag" >"$T/dhcpcd-$tag.out" 2>&1 || true
	ip -n "$NS_C" addr flush dev c0
	f=$T/dhcpcd-$tag.env
	[ -s "$f" ] || fail "$tag: dhcpcd produced nothing: $(cat "$T/dhcpcd-$tag.out") $(rlog) $($2)"
	grep -q "^EVENT=BOUND" "$f" || fail "$tag: dhcpcd not bound: $(cat "$T/dhcpcd-$tag.out")"
	case "$(envget "$f" new_ip_address)" in
	10.51.0.1[0-9][0-9]) ;;
	*) fail "$tag: dhcpcd address '$(envget "$f" new_ip_address)'" ;;
	esac
	[ "$(envget "$f" new_routers)" = 10.51.0.1 ] || fail "$tag: dhcpcd router"
}
# check_82 TAG: every request that reached the server was relayed with
# the relay's option 82; every reply the client saw has none.
check_82() {
	n=$(grep -c "dir=in .*op=1 .*giaddr=10.51.0.1 .*o82=$O82\$" "$T/srv" || true)
	# DISCOVER and REQUEST from each of the three clients.
	[ "$n" -ge 6 ] || fail "$1: requests with option 82 at the server: $n: $(cat "$T/srv")"
	grep "dir=in .*op=1 .*giaddr=10.51.0.1 " "$T/srv" | grep -v "o82=$O82\$" &&
		fail "$1: a relayed request without the relay's option 82"
	grep -q "dir=in .*op=1 xid=[0-9a-f]* hops=1 giaddr=10.51.0.1 " "$T/srv" ||
		fail "$1: hops not 1 at the server"
	# The server echoes the option (RFC 3046 2.2); the relay strips it.
	n=$(grep -c "dir=out .*op=2 .*giaddr=10.51.0.1 .*o82=$O82\$" "$T/srv" || true)
	[ "$n" -ge 6 ] || fail "$1: replies with option 82 from the server: $n: $(cat "$T/srv")"
	n=$(grep -c "src=10.51.0.1 .*op=2 " "$T/cli" || true)
	[ "$n" -ge 6 ] || fail "$1: replies relayed to the client: $n: $(cat "$T/cli")"
	grep "op=2 " "$T/cli" | grep -v "o82=-\$" &&
		fail "$1: the client saw option 82"
	return 0
}

# ------------------------------------------------------- facteur dhcpd
cat >"$T/dhcpd.conf" <<'CONF'
option domain-name "relay.test";
default-lease-time 600;
max-lease-time 7200;
subnet 10.52.0.0 netmask 255.255.255.0 {
}
subnet 10.51.0.0 netmask 255.255.255.0 {
    range 10.51.0.100 10.51.0.150;
    option routers 10.51.0.1;
}
subnet 10.53.0.0 netmask 255.255.255.0 {
    range 10.53.0.100 10.53.0.110;
    option routers 10.53.0.1;
}
CONF
: >"$T/dhcpd.log"
ip netns exec "$NS_S" "$BIN/dhcpd" -c "$T/dhcpd.conf" -l "$T/leases" \
	-u nobody -R s0 2>>"$T/dhcpd.log" &
DHCPD_PID=$!
on_exit "kill $DHCPD_PID 2>/dev/null"
for _ in $(seq 100); do
	grep -q 'info: ready' "$T/dhcpd.log" && break
	sleep 0.1
done
grep -q 'info: ready' "$T/dhcpd.log" || fail "dhcpd not ready: $(cat "$T/dhcpd.log")"
flog() { cat "$T/dhcpd.log"; }

say "dhclient, udhcpc and dhcpcd get leases from facteur's dhcpd through the relay"
clients facteur flog
grep -q "giaddr=10.51.0.1 " "$T/dhcpd.log" || fail "dhcpd saw no giaddr: $(flog)"
check_82 facteur
say "the relay logs each packet at the debug level"
grep -q "debug: request if=r0 hw=02:51:00:00:01:01 .*type=DISCOVER hops=1 giaddr=10.51.0.1 .*servers=2" "$T/relay.log" ||
	fail "no request line with both servers: $(rlog)"
grep -q "debug: reply if=r0 hw=02:51:00:00:01:01 .*type=OFFER server=10.52.0.2 " "$T/relay.log" ||
	fail "no reply line: $(rlog)"

say "a client on the second segment gets a lease from its own subnet"
mkscript udhcpc-seg2
inc timeout 40 udhcpc -i c1 -f -q -n -t 5 -T 3 -s "$T/udhcpc-seg2" \
	>"$T/udhcpc-seg2.out" 2>&1 ||
	fail "udhcpc on c1 failed: $(cat "$T/udhcpc-seg2.out") $(rlog) $(flog)"
case "$(envget "$T/udhcpc-seg2.env" ip)" in
10.53.0.1[01][0-9]) ;;
*) fail "second segment address '$(envget "$T/udhcpc-seg2.env" ip)'" ;;
esac
[ "$(envget "$T/udhcpc-seg2.env" router)" = 10.53.0.1 ] || fail "second segment router"
O82B=0102$(printf r2 | od -An -tx1 | tr -d ' \n')
grep -q "dir=in .*op=1 .*giaddr=10.53.0.1 .*o82=$O82B" "$T/srv" && fail "circuit id not replaced"
grep -q "dir=in .*op=1 .*giaddr=10.53.0.1 .*o82=010a$(printf building-b | od -An -tx1 | tr -d ' \n')0207" "$T/srv" ||
	fail "no request with circuit id building-b: $(grep giaddr=10.53 "$T/srv")"

say "routed unicast is not relayed a second time; unicast to the relay is"
ip -n "$NS_C" addr add 10.51.0.50/24 dev c0
ip -n "$NS_C" route add default via 10.51.0.1
inc python3 "$HELP/dhcp_send.py" unicast c0 10.52.0.2 0x300
inc python3 "$HELP/dhcp_send.py" unicast c0 10.51.0.1 0x301
sleep 1
n=$(grep -c "dir=in .*xid=00000300 " "$T/srv" || true)
[ "$n" = 1 ] || fail "routed unicast reached the server $n times: $(cat "$T/srv")"
grep -q "dir=in .*xid=00000300 hops=0 giaddr=0.0.0.0 " "$T/srv" ||
	fail "routed unicast was changed: $(grep xid=00000300 "$T/srv")"
grep -q "dir=in .*op=1 xid=00000301 hops=1 giaddr=10.51.0.1 .*o82=$O82\$" "$T/srv" ||
	fail "unicast to the relay was not relayed: $(cat "$T/srv")"
ip -n "$NS_C" route del default
ip -n "$NS_C" addr flush dev c0

say "hop limit (4), untrusted option 82 dropped, malformed packets not forwarded"
inc python3 "$HELP/dhcp_send.py" relay c0 >/dev/null
inc python3 "$HELP/dhcp_send.py" bad c0 >"$T/bad.out"
sleep 1
for h in 0 1 2 3; do
	grep -q "dir=in .*op=1 xid=0000010$h hops=$((h + 1)) giaddr=10.51.0.1 " "$T/srv" ||
		fail "request with hops $h not relayed: $(cat "$T/srv")"
done
grep -q "xid=0000010[45] " "$T/srv" && fail "hop limit not enforced: $(cat "$T/srv")"
grep -q "xid=00000200 " "$T/srv" && fail "untrusted option 82 relayed"
grep -q "reason=untrusted-option-82" "$T/relay.log" || fail "no untrusted-82 log line: $(rlog)"
[ "$(grep -c "reason=hops" "$T/relay.log")" = 2 ] || fail "hops drops: $(rlog)"
# Of the 'bad' packets (all xid 1), only the two well-formed requests
# reach the server: outside-pool, and relayed-untrusted (giaddr kept).
n=$(grep -c "dir=in .*op=1 xid=00000001 " "$T/srv" || true)
[ "$n" = 2 ] || fail "bad packets at the server: $n: $(grep xid=00000001 "$T/srv")"
grep -q "dir=in .*xid=00000001 hops=1 giaddr=10.0.42.1 .*o82=-" "$T/srv" ||
	fail "a request from an earlier relay was changed"
n=$(grep -c "reason=malformed" "$T/relay.log" || true)
[ "$n" -ge 7 ] || fail "malformed drops logged: $n: $(rlog)"
grep -q "reason=over-4096-bytes" "$T/relay.log" || fail "huge packet not dropped: $(rlog)"
grep -q "reason=reply-on-client-side-interface" "$T/relay.log" ||
	fail "a reply from a client was not refused: $(rlog)"
kill -0 "$RELAY_PID" || fail "dhcp-relay died: $(rlog)"

say "SIGUSR1 logs the counters"
kill -USR1 "$RELAY_PID"
for _ in $(seq 50); do
	grep -q "info: counters: " "$T/relay.log" && break
	sleep 0.1
done
line=$(grep "info: counters: " "$T/relay.log" | tail -n 1)
case "$line" in
*" requests=0 "* | *" replies=0 "* | "") fail "counters: $line" ;;
esac
case "$line" in *" hops=2 "*) ;; *) fail "hops counter: $line" ;; esac
case "$line" in *" untrusted-option-82=1 "*) ;; *) fail "82 counter: $line" ;; esac
kill "$DHCPD_PID"
wait "$DHCPD_PID" 2>/dev/null || true

say "replies: foreign option 82 and unknown servers are refused, ours is stripped"
: >"$T/cli"
ip -n "$NS_S" addr add 10.52.0.9/24 dev s0
ins() { ip netns exec "$NS_S" "$@"; }
ins python3 "$HELP/dhcp_send.py" reply 10.52.0.2 10.51.0.1 0x400 0102657602017a
ins python3 "$HELP/dhcp_send.py" reply 10.52.0.2 10.51.0.1 0x401 "$O82"
ins python3 "$HELP/dhcp_send.py" reply 10.52.0.9 10.51.0.1 0x402 "$O82"
ins python3 "$HELP/dhcp_send.py" reply 10.52.0.2 10.51.0.1 0x403 -
# A client that has its address (ciaddr) gets the reply by UDP.
ip -n "$NS_C" addr add 10.51.0.50/24 dev c0
ins python3 "$HELP/dhcp_send.py" reply 10.52.0.2 10.51.0.1 0x404 - 10.51.0.50
# A client forging the server's address: refused for coming in on the
# client side (with the kernel's reverse-path filter off, so that it is
# the relay that refuses it).
ip netns exec "$NS_R" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.r0.rp_filter=0
ip -n "$NS_C" addr add 10.52.0.2/32 dev lo
inc python3 "$HELP/dhcp_send.py" reply 10.52.0.2 10.51.0.1 0x405 "$O82"
ip -n "$NS_C" addr del 10.52.0.2/32 dev lo
sleep 1
grep -q "src=10.51.0.1 .*op=2 xid=00000401 .*o82=-" "$T/cli" ||
	fail "a reply with the relay's option 82 was not relayed: $(cat "$T/cli") $(rlog)"
grep -q "src=10.51.0.1 .*op=2 xid=00000403 .*o82=-" "$T/cli" ||
	fail "a reply without option 82 was not relayed: $(cat "$T/cli")"
grep -q "dir=in src=10.51.0.1 dst=10.51.0.50 op=2 xid=00000404 " "$T/cli" ||
	fail "a reply to ciaddr was not sent by UDP to it: $(grep xid=00000404 "$T/cli") $(rlog)"
ip -n "$NS_C" addr flush dev c0
grep -q "xid=00000400 " "$T/cli" && fail "a reply with a foreign option 82 was relayed"
grep -q "src=10.51.0.1 .*xid=00000405 " "$T/cli" && fail "a forged reply from the client side was relayed"
grep -q "if=r0 from=10.52.0.2 reason=reply-on-client-side-interface" "$T/relay.log" ||
	fail "the forged reply was not seen and refused: $(rlog)"
grep -q "xid=00000402 " "$T/cli" && fail "a reply from an unknown server was relayed"
grep -q "from=10.52.0.2 .*xid=00000400 .*reason=foreign-option-82" "$T/relay.log" ||
	fail "no foreign-option-82 drop: $(rlog)"
grep -q "from=10.52.0.9 reason=unknown-server" "$T/relay.log" ||
	fail "no unknown-server drop: $(rlog)"
ip -n "$NS_S" addr del 10.52.0.9/24 dev s0

# ----------------------------------------------------------- ISC dhcpd
if command -v dhcpd >/dev/null && [ -x /usr/sbin/dhcpd ]; then
	say "the same clients get leases from ISC dhcpd through the relay"
	: >"$T/srv"
	: >"$T/cli"
	cat >"$T/isc.conf" <<'CONF'
default-lease-time 600;
max-lease-time 7200;
ddns-update-style none;
authoritative;
subnet 10.52.0.0 netmask 255.255.255.0 {
}
subnet 10.51.0.0 netmask 255.255.255.0 {
    range 10.51.0.160 10.51.0.190;
    option routers 10.51.0.1;
}
CONF
	: >"$T/isc.leases"
	: >"$T/isc.log"
	ip netns exec "$NS_S" /usr/sbin/dhcpd -4 -f -d -cf "$T/isc.conf" \
		-lf "$T/isc.leases" -pf "$T/isc.pid" s0 >"$T/isc.log" 2>&1 &
	ISC_PID=$!
	on_exit "kill $ISC_PID 2>/dev/null"
	for _ in $(seq 100); do
		grep -q 'Server starting service' "$T/isc.log" && break
		sleep 0.1
	done
	ilog() { cat "$T/isc.log"; }
	clients isc ilog
	grep -q "DHCPDISCOVER from 02:51:00:00:01:01 via 10.51.0.1" "$T/isc.log" ||
		fail "ISC dhcpd did not see the relay: $(ilog)"
	check_82 isc
	kill "$ISC_PID"
	wait "$ISC_PID" 2>/dev/null || true
else
	say "ISC dhcpd not installed: skipped"
fi

# ----------------------------------------------------------------- Kea
if [ -x /usr/sbin/kea-dhcp4 ]; then
	say "the same clients get leases from Kea through the relay"
	: >"$T/srv"
	: >"$T/cli"
	mkdir -p "$T/kea"
	cat >"$T/kea/kea-dhcp4.conf" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "s0" ], "dhcp-socket-type": "udp" },
  "lease-database": { "type": "memfile", "persist": true, "lfc-interval": 0,
                      "name": "$T/kea/leases4.csv" },
  "valid-lifetime": 600,
  "subnet4": [
    { "id": 1, "subnet": "10.52.0.0/24" },
    { "id": 2, "subnet": "10.51.0.0/24",
      "pools": [ { "pool": "10.51.0.110 - 10.51.0.140" } ],
      "option-data": [ { "name": "routers", "data": "10.51.0.1" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
                 "output_options": [ { "output": "$T/kea/kea.log" } ] } ]
} }
JSON
	KEA_PIDFILE_DIR=$T/kea KEA_LOCKFILE_DIR=$T/kea \
		ip netns exec "$NS_S" /usr/sbin/kea-dhcp4 -c "$T/kea/kea-dhcp4.conf" \
		>"$T/kea/out" 2>&1 &
	KEA_PID=$!
	on_exit "kill $KEA_PID 2>/dev/null"
	for _ in $(seq 100); do
		grep -q 'DHCP4_STARTED' "$T/kea/kea.log" 2>/dev/null && break
		kill -0 "$KEA_PID" 2>/dev/null ||
			fail "kea-dhcp4 died: $(cat "$T/kea/out")"
		sleep 0.1
	done
	klog() { cat "$T/kea/kea.log" "$T/kea/out"; }
	grep -q 'DHCP4_STARTED' "$T/kea/kea.log" || fail "Kea not started: $(klog)"
	clients kea klog
	grep -q "02:51:00:00:01:01" "$T/kea/leases4.csv" || fail "no Kea lease: $(klog)"
	grep -q "^10.51.0.1[1-4][0-9],02:51:00:00:01:02" "$T/kea/leases4.csv" ||
		fail "Kea lease not from the giaddr's subnet: $(cat "$T/kea/leases4.csv")"
	check_82 kea
	kill "$KEA_PID"
	wait "$KEA_PID" 2>/dev/null || true
else
	say "Kea not installed: skipped"
fi

stop_relay
grep -q "info: terminating" "$T/relay.log" || fail "no clean exit: $(rlog)"
echo ok

# dhcpd against real clients (dhclient, udhcpc, dhcpcd) in network
# namespaces: address, mask, router, DNS, domain, lease time; a static
# host with its boot file; renewal at T1; release; the lease listing.
. "$(dirname "$0")/lib.sh"
set -e
. "$(dirname "$0")/dhcplib.inc"
for c in dhclient udhcpc dhcpcd; do
	command -v $c >/dev/null || skip "needs $c (tests/packages)"
done

cat >"$T/dhcpd.conf" <<'CONF'
# The course material's server (../shared/seed-offer.txt).
option domain-name "fai.com";
option domain-name-servers 192.168.0.254;
default-lease-time 600;
max-lease-time 7200;
subnet 10.0.42.0 netmask 255.255.255.0 {
    range 10.0.42.10 10.0.42.100;
    option routers 10.0.42.254;
}
host netboot {
    hardware ethernet 02:42:00:00:00:05;
    fixed-address 10.0.42.5;
    filename "pxelinux.0";
    next-server 10.0.42.2;
}
host shortlease {
    hardware ethernet 02:42:00:00:00:06;
    fixed-address 10.0.42.6;
    default-lease-time 4;
    max-lease-time 4;
}
CONF
expect_rc 0 "$BIN/dhcpd" -t -c "$T/dhcpd.conf"
start_dhcpd "$T/dhcpd.conf"

# Client scripts that dump their environment on every event into
# SCRIPT.env (dhclient gives its script a clean environment).
for n in dhclient udhcpc dhcpcd pxe renew; do
	cat >"$T/$n" <<'SH'
#!/bin/sh
{ echo "EVENT=${reason:-$1}"; env; } >>"$0.env"
exit 0
SH
	chmod 755 "$T/$n"
done

check() { # FILE IP MASK ROUTER DNS DOMAIN LEASE (variable names vary)
	f=$1
	[ -s "$f" ] || fail "no client output in $f; dhcpd log: $(dlog)"
}

say "dhclient gets the course material's lease"
timeout 30 ip netns exec "$NS_C" \
	dhclient -4 -1 -v -sf "$T/dhclient" -lf "$T/dhclient.leases" \
	-pf "$T/dhclient.pid" c0 >"$T/dhclient.out" 2>&1 ||
	fail "dhclient failed: $(cat "$T/dhclient.out") $(dlog)"
[ -s "$T/dhclient.pid" ] && on_exit "kill $(cat "$T/dhclient.pid") 2>/dev/null"
f=$T/dhclient.env
check "$f"
[ "$(envget "$f" new_ip_address)" = 10.0.42.10 ] || fail "dhclient address: $(envget "$f" new_ip_address)"
[ "$(envget "$f" new_subnet_mask)" = 255.255.255.0 ] || fail "dhclient mask"
[ "$(envget "$f" new_routers)" = 10.0.42.254 ] || fail "dhclient router"
[ "$(envget "$f" new_domain_name_servers)" = 192.168.0.254 ] || fail "dhclient dns"
[ "$(envget "$f" new_domain_name)" = fai.com ] || fail "dhclient domain"
[ "$(envget "$f" new_dhcp_lease_time)" = 600 ] || fail "dhclient lease time"
[ "$(envget "$f" new_dhcp_server_identifier)" = 10.0.42.42 ] || fail "dhclient server id"
kill "$(cat "$T/dhclient.pid")" 2>/dev/null || true

say "udhcpc (busybox) gets a lease"
set_mac 02:42:00:00:00:02
inc timeout 30 udhcpc -i c0 -f -q -n -t 5 -T 2 \
	-s "$T/udhcpc" >"$T/udhcpc.out" 2>&1 || fail "udhcpc failed: $(cat "$T/udhcpc.out") $(dlog)"
f=$T/udhcpc.env
check "$f"
ip2=$(envget "$f" ip)
case "$ip2" in 10.0.42.1[1-9]) ;; *) fail "udhcpc address $ip2" ;; esac
[ "$(envget "$f" subnet)" = 255.255.255.0 ] || fail "udhcpc mask"
[ "$(envget "$f" router)" = 10.0.42.254 ] || fail "udhcpc router"
[ "$(envget "$f" dns)" = 192.168.0.254 ] || fail "udhcpc dns"
[ "$(envget "$f" domain)" = fai.com ] || fail "udhcpc domain"
[ "$(envget "$f" lease)" = 600 ] || fail "udhcpc lease"

say "dhcpcd (client identifier from a DUID) gets a lease"
set_mac 02:42:00:00:00:03
inc timeout 40 dhcpcd -T -4 -t 20 -f /dev/null -o domain_name_servers -o domain_name \
	-c "$T/dhcpcd" c0 >"$T/dhcpcd.out" 2>&1 || true
f=$T/dhcpcd.env
[ -s "$f" ] || fail "dhcpcd produced nothing: $(cat "$T/dhcpcd.out") $(dlog)"
ip3=$(envget "$f" new_ip_address)
case "$ip3" in 10.0.42.1[1-9]) ;; *) fail "dhcpcd address '$ip3': $(cat "$T/dhcpcd.out")" ;; esac
[ "$ip3" != "$ip2" ] || fail "dhcpcd got udhcpc's address"
[ "$(envget "$f" new_subnet_mask)" = 255.255.255.0 ] || fail "dhcpcd mask"
[ "$(envget "$f" new_routers)" = 10.0.42.254 ] || fail "dhcpcd router"
[ "$(envget "$f" new_domain_name_servers)" = 192.168.0.254 ] || fail "dhcpcd dns"
[ "$(envget "$f" new_domain_name)" = fai.com ] || fail "dhcpcd domain"
[ "$(envget "$f" new_dhcp_lease_time)" = 600 ] || fail "dhcpcd lease time"

say "a static host gets its fixed address and boot file"
set_mac 02:42:00:00:00:05
inc timeout 30 udhcpc -i c0 -f -q -n -t 5 -T 2 \
	-s "$T/pxe" >"$T/pxe.out" 2>&1 || fail "udhcpc (static) failed: $(dlog)"
f=$T/pxe.env
[ "$(envget "$f" ip)" = 10.0.42.5 ] || fail "static host address $(envget "$f" ip)"
[ "$(envget "$f" boot_file)" = pxelinux.0 ] || fail "boot file '$(envget "$f" boot_file)'"
[ "$(envget "$f" siaddr)" = 10.0.42.2 ] || fail "next-server '$(envget "$f" siaddr)'"

say "renewal at T1 with a 4-second lease (dhclient)"
set_mac 02:42:00:00:00:06
cat >>"$T/renew" <<'SH'
SH
sed -i 's|^exit 0$|case $reason in BOUND) ip addr add "$new_ip_address/24" dev "$interface" ;; esac\nexit 0|' "$T/renew"
timeout 30 ip netns exec "$NS_C" dhclient -4 -1 -v -sf "$T/renew" \
	-lf "$T/renew.leases" -pf "$T/renew.pid" c0 >"$T/renew.out" 2>&1 ||
	fail "dhclient (short lease) failed: $(cat "$T/renew.out")"
on_exit "kill $(cat "$T/renew.pid") 2>/dev/null"
for _ in $(seq 100); do
	grep -q '^EVENT=RENEW' "$T/renew.env" 2>/dev/null && break
	sleep 0.1
done
kill "$(cat "$T/renew.pid")" 2>/dev/null || true
grep -q '^EVENT=BOUND' "$T/renew.env" || fail "no lease for the short-lease host"
grep -q '^EVENT=RENEW' "$T/renew.env" || fail "no renewal within 10 s: $(cat "$T/renew.out") $(dlog)"
[ "$(envget "$T/renew.env" new_dhcp_lease_time)" = 4 ] || fail "short lease time"
[ "$(envget "$T/renew.env" new_ip_address)" = 10.0.42.6 ] || fail "renewed address"
ip -n "$NS_C" addr flush dev c0

say "dhcp-leases lists what was handed out"
"$BIN/dhcp-leases" "$LEASES" >"$T/list"
"$BIN/dhcp-leases" -l "$LEASES" >"$T/lines"
grep -q '^10.0.42.10 .*04:8d:38:cf:7d:41 .*active' "$T/list" || fail "dhclient lease not listed: $(cat "$T/list")"
grep -q "^ip=$ip2 mac=02:42:00:00:00:02 clientid=01024200000002 " "$T/lines" || fail "udhcpc lease not listed: $(cat "$T/lines")"
grep -q "^ip=10.0.42.5 mac=02:42:00:00:00:05 " "$T/lines" || fail "static lease not listed: $(cat "$T/lines")"

say "release (dhclient -r): the lease is listed free"
set_mac 04:8d:38:cf:7d:41
ip -n "$NS_C" addr add 10.0.42.10/24 dev c0
timeout 30 ip netns exec "$NS_C" dhclient -4 -r -v -sf "$T/dhclient" \
	-lf "$T/dhclient.leases" -pf "$T/dhclient.pid" c0 >"$T/rel.out" 2>&1 ||
	fail "dhclient -r failed: $(cat "$T/rel.out")"
for _ in $(seq 50); do
	dlog | grep -q "RELEASE .*ip=10.0.42.10 .*released" && break
	sleep 0.1
done
dlog | grep -q "RELEASE .*ip=10.0.42.10 .*released" || fail "no RELEASE logged: $(cat "$T/rel.out") $(dlog)"
"$BIN/dhcp-leases" -l "$LEASES" | grep -q "ip=10.0.42.10 " && fail "released lease still listed"
"$BIN/dhcp-leases" -a -l "$LEASES" | grep -q "ip=10.0.42.10 .*state=free" || fail "released lease not free"
stop_dhcpd
echo ok

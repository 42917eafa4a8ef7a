# make run: dhcpd in a demo namespace pair, only when run as root (DHCP
# never touches the machine's own interfaces).  Sourced by tools/run
# (DEMO, BIN, TOP).
#
#   facteur-demo-cli  demo-c0  <-- veth -->  demo-s0 10.0.88.1/24  facteur-demo-srv
#
# dhcpd serves 10.0.88.0/24 on demo-s0 as nobody, with its configuration
# in demo/etc/dhcpd.conf and its leases in demo/dhcpd/.  Try a client:
#   ip netns exec facteur-demo-cli udhcpc -i demo-c0 -f -q -n
#   dhcp-leases demo/dhcpd
# The namespaces stay after Ctrl-C (so a running demo is never pulled
# from under a client); remove them with
#   ip netns del facteur-demo-srv; ip netns del facteur-demo-cli
[ -x "$BIN/dhcpd" ] || return 0
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
	echo "dhcpd: not started (needs root and iproute2 for its namespaces)"
	return 0
fi
DS=facteur-demo-srv DC=facteur-demo-cli
for ns in $DS $DC; do
	ip netns list | awk '{ print $1 }' | grep -qx "$ns" || ip netns add "$ns" || return 0
	ip -n "$ns" link set lo up
done
if ! ip -n "$DS" link show demo-s0 >/dev/null 2>&1; then
	ip -n "$DC" link del demo-c0 2>/dev/null || true
	ip link add demo-s0 netns "$DS" type veth peer name demo-c0 netns "$DC" || return 0
fi
ip -n "$DS" addr replace 10.0.88.1/24 dev demo-s0
ip -n "$DS" link set demo-s0 up
ip -n "$DC" link set demo-c0 up
[ -e "$DEMO/etc/dhcpd.conf" ] || cat >"$DEMO/etc/dhcpd.conf" <<'CONF'
# The demo's DHCP server (dhcpd.conf(5): ISC dhcpd syntax).
option domain-name "demo.test";
option domain-name-servers 10.0.88.1;
default-lease-time 600;
max-lease-time 7200;
authoritative;
subnet 10.0.88.0 netmask 255.255.255.0 {
    range 10.0.88.100 10.0.88.199;
    option routers 10.0.88.1;
}
CONF
"$BIN/dhcpd" -t -c "$DEMO/etc/dhcpd.conf" || return 0
mkdir -p "$DEMO/dhcpd"
chown nobody "$DEMO/dhcpd"
service dhcpd ip netns exec "$DS" "$BIN/dhcpd" -c "$DEMO/etc/dhcpd.conf" \
	-l "$DEMO/dhcpd" -u nobody -i demo-s0
echo "dhcpd: serving 10.0.88.0/24 in namespace $DS; try: ip netns exec $DC udhcpc -i demo-c0 -f -q -n; then $BIN/dhcp-leases $DEMO/dhcpd"

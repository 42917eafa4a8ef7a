# dhcpc in network namespaces, against facteur's dhcpd (and ISC dhcpd,
# Kea and dnsmasq when installed): it obtains a lease and applies it
# (the address really appears on the interface, resolv.conf is the
# namespace's own), renews at T1, rebinds at T2 with a second server
# when the first is gone, expires when none answers, INIT-REBOOTs after
# a restart, releases on SIGUSR2 and with -r; require, reject,
# select-timeout and a static lease block each change the outcome; an
# address in use is declined; hostile replies are survived.
#
# Four namespaces joined by a bridge: L (the bridge), C (the client,
# c0), A and B (servers, 10.0.42.42 and .43).  The script dhcpc runs is
# etc/dhcpc-script behind a wrapper that records each reason and its
# environment; it runs only inside C, whose /etc/resolv.conf is
# /etc/netns/C/resolv.conf.  States are waited for by bounded polling;
# no timing is asserted.
. "$(dirname "$0")/lib.sh"
set -e
# Our own directory outside /tmp/facteur-test.*: during development
# something else on the machine removed such directories mid-run.
rm -rf "$T"
T=$(mktemp -d /var/tmp/facteur-dhcpc.XXXXXX)
chmod 755 "$T"
is_root || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "needs iproute2"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEFSCRIPT=$SRC/etc/dhcpc-script
[ -x "$DEFSCRIPT" ] || fail "no $DEFSCRIPT"
NS_L=fdc$$l
NS_C=fdc$$c
NS_A=fdc$$a
NS_B=fdc$$b
ip netns add "$NS_L" 2>/dev/null || skip "cannot create network namespaces"
on_exit "ip netns del $NS_L 2>/dev/null"
for ns in "$NS_C" "$NS_A" "$NS_B"; do
	ip netns add "$ns" || fail "cannot create namespace $ns"
	on_exit "ip netns del $ns 2>/dev/null"
done
# Whatever still runs in the namespaces was started here: end it by PID.
on_exit 'for p in $(ip netns pids '"$NS_C"') $(ip netns pids '"$NS_A"') $(ip netns pids '"$NS_B"'); do kill -9 "$p"; done 2>/dev/null'
# The client namespace's own resolv.conf (ip netns exec bind-mounts it).
mkdir -p "/etc/netns/$NS_C"
on_exit "rm -rf /etc/netns/$NS_C"
echo "# resolv.conf of $NS_C" >"/etc/netns/$NS_C/resolv.conf"
ip netns exec "$NS_C" cat /etc/resolv.conf | grep -q "of $NS_C" ||
	skip "ip netns exec does not give the namespace its resolv.conf"

ip -n "$NS_L" link add br0 type bridge
ip -n "$NS_L" link set br0 up
ip link add c0 netns "$NS_C" type veth peer name lc netns "$NS_L"
ip link add a0 netns "$NS_A" type veth peer name la netns "$NS_L"
ip link add b0 netns "$NS_B" type veth peer name lb netns "$NS_L"
for p in lc la lb; do
	ip -n "$NS_L" link set "$p" master br0
	ip -n "$NS_L" link set "$p" up
done
for ns in "$NS_C" "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" addr add 10.0.42.42/24 dev a0
ip -n "$NS_A" link set a0 up
ip -n "$NS_B" addr add 10.0.42.43/24 dev b0
ip -n "$NS_B" link set b0 up
ip -n "$NS_C" link set c0 address 04:8d:38:cf:7d:41
# dhcpc's PREINIT brings c0 up.

# ------------------------------------------------------------ servers
# start_srv A|B CONF: facteur's dhcpd in namespace A or B, fresh leases.
start_srv() {
	n=$1 conf=$2 ns=$NS_A
	[ "$n" = B ] && ns=$NS_B
	expect_rc 0 "$BIN/dhcpd" -t -c "$conf"
	rm -rf "$T/leases.$n"
	mkdir -p "$T/leases.$n"
	chown nobody "$T/leases.$n"
	: >"$T/dhcpd.$n.log"
	ip netns exec "$ns" "$BIN/dhcpd" -c "$conf" -l "$T/leases.$n" \
		-u nobody 2>>"$T/dhcpd.$n.log" &
	eval "SRV_$n=$!"
	for _ in $(seq 100); do
		grep -q 'info: ready' "$T/dhcpd.$n.log" && return 0
		sleep 0.1
	done
	fail "dhcpd $n not ready: $(cat "$T/dhcpd.$n.log")"
}
stop_srv() {
	eval "p=\${SRV_$1:-}"
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	eval "SRV_$1="
}
on_exit 'stop_srv A; stop_srv B'

srvconf() { # FILE LEASE [EXTRA...]: the course's subnet
	f=$1 lt=$2
	shift 2
	{
		echo "default-lease-time $lt; max-lease-time $lt;"
		for x in "$@"; do echo "$x"; done
		echo 'subnet 10.0.42.0 netmask 255.255.255.0 {'
		echo '  range 10.0.42.10 10.0.42.20;'
		echo '  option routers 10.0.42.254;'
		echo '  option domain-name "fai.com";'
		echo '  option domain-name-servers 192.168.0.254;'
		echo '}'
	} >"$f"
}

# ------------------------------------------------------------- client
DHCPC_PID=
# start_dhcpc TAG CONFTEXT [ARGS...]: dhcpc on c0 with that dhclient.conf,
# state file $T/state.TAG, reasons in $T/reasons.TAG, the environment of
# the last run for each reason in $T/env.TAG.REASON.
start_dhcpc() {
	tag=$1 text=$2
	shift 2
	printf '%s\n' "$text" >"$T/dhclient.$tag.conf"
	cat >"$T/script.$tag" <<SH
#!/bin/sh
echo "\$reason" >>"$T/reasons.$tag"
env >"$T/env.$tag.\$reason"
exec "$DEFSCRIPT"
SH
	chmod 755 "$T/script.$tag"
	ip netns exec "$NS_C" "$BIN/dhcpc" -v -c "$T/dhclient.$tag.conf" \
		-l "$T/state.$tag" -s "$T/script.$tag" "$@" c0 \
		2>>"$T/dhcpc.$tag.log" &
	DHCPC_PID=$!
	on_exit "kill $DHCPC_PID 2>/dev/null"
}
stop_dhcpc() { # [SIGNAL]
	kill -"${1:-TERM}" "$DHCPC_PID" 2>/dev/null || true
	wait "$DHCPC_PID" 2>/dev/null || true
	DHCPC_PID=
}
# count TAG REASON: how often the script ran with REASON.
nreason() { cat "$T/reasons.$1" 2>/dev/null | grep -cx "$2" || true; }
# wait_reason TAG REASON [N] [SECONDS]: until REASON has run N times.
wait_reason() {
	tag=$1 r=$2 want=${3:-1} secs=${4:-90}
	for _ in $(seq $((secs * 5))); do
		[ "$(nreason "$tag" "$r")" -ge "$want" ] && return 0
		if [ -n "$DHCPC_PID" ] && ! kill -0 "$DHCPC_PID" 2>/dev/null; then
			fail "dhcpc died waiting for $r: $(tail -20 "$T/dhcpc.$tag.log")"
		fi
		sleep 0.2
	done
	fail "no $r (#$want) within ${secs}s; reasons: $(tr '\n' ' ' <"$T/reasons.$tag" 2>/dev/null); log: $(tail -30 "$T/dhcpc.$tag.log")"
}
val() { envget "$T/env.$1.$2" "$3"; } # TAG REASON NAME
has_addr() { ip -n "$NS_C" -4 addr show dev c0 | grep -q "inet $1/"; }
no_addr() { ! ip -n "$NS_C" -4 addr show dev c0 | grep -q "inet "; }
envget() { sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1; }
flush() { ip -n "$NS_C" addr flush dev c0; }

expect_rc 0 "$BIN/dhcpc" -t -c /dev/null c0
printf 'timeout 60\nmedia "x";\n' >"$T/bad.conf"
expect_rc 100 "$BIN/dhcpc" -t -c "$T/bad.conf" c0
grep -q "bad.conf:2:1: expected ';'" "$T/stderr" ||
	fail "no line:col for a bad dhclient.conf: $(cat "$T/stderr")"

# ================================================ obtain .. expire
say "obtain: the course's lease, applied to c0"
srvconf "$T/a.conf" 12 "ping-check false;"
start_srv A "$T/a.conf"
start_dhcpc life 'send host-name "fantasia";
request subnet-mask, routers, domain-name, domain-name-servers;
timeout 5; retry 2;' -A
wait_reason life BOUND
ip=$(val life BOUND new_ip_address)
case $ip in 10.0.42.1[0-9] | 10.0.42.20) ;; *) fail "address $ip" ;; esac
has_addr "$ip" || fail "$ip not on c0: $(ip -n "$NS_C" addr show dev c0)"
[ "$(val life BOUND new_subnet_mask)" = 255.255.255.0 ] || fail "mask"
[ "$(val life BOUND new_routers)" = 10.0.42.254 ] || fail "router"
[ "$(val life BOUND new_domain_name)" = fai.com ] || fail "domain"
[ "$(val life BOUND new_dhcp_server_identifier)" = 10.0.42.42 ] || fail "server id"
[ "$(val life BOUND new_dhcp_lease_time)" = 12 ] || fail "lease time"
[ "$(val life BOUND interface)" = c0 ] || fail "interface"
ip -n "$NS_C" route show default | grep -q "via 10.0.42.254" ||
	fail "no default route: $(ip -n "$NS_C" route)"
grep -qx "nameserver 192.168.0.254" "/etc/netns/$NS_C/resolv.conf" ||
	fail "resolv.conf: $(cat "/etc/netns/$NS_C/resolv.conf")"
grep -q "^dhcpc 1" "$T/state.life" || fail "no state file"
grep -q "fantasia" "$T/dhcpd.A.log" "$T/leases.A"/* 2>/dev/null ||
	say "(dhcpd does not log the host name)"

say "renew at T1 with the same server"
# B (authoritative, the same pool) comes up now; a renewal is unicast
# to A, so B only hears the client once it broadcasts at T2.
srvconf "$T/b.conf" 12 "authoritative;" "ping-check false;"
start_srv B "$T/b.conf"
wait_reason life RENEW
[ "$(val life RENEW new_dhcp_server_identifier)" = 10.0.42.42 ] || fail "renewed elsewhere"
[ "$(val life RENEW new_ip_address)" = "$ip" ] || fail "renewal changed the address"

say "A is gone: rebind at T2 with B"
stop_srv A
wait_reason life REBIND
[ "$(val life REBIND new_dhcp_server_identifier)" = 10.0.42.43 ] ||
	fail "rebound with $(val life REBIND new_dhcp_server_identifier)"
has_addr "$ip" || fail "address lost on rebinding"

say "no server left: the lease expires and the address goes"
stop_srv B
wait_reason life EXPIRE
no_addr || fail "address still there after EXPIRE: $(ip -n "$NS_C" addr show dev c0)"
[ "$(val life EXPIRE old_ip_address)" = "$ip" ] || fail "EXPIRE without old_ip_address"
[ ! -e "$T/state.life" ] || fail "state file kept after expiry"
wait_reason life FAIL

say "a server again: bound from INIT"
start_srv A "$T/a.conf"
wait_reason life BOUND 2
has_addr "$(val life BOUND new_ip_address)" || fail "no address after re-binding"
stop_dhcpc TERM
has_addr "$(val life BOUND new_ip_address)" || fail "TERM removed the address"
grep -q "^dhcpc 1" "$T/state.life" || fail "no state file after TERM"

say "INIT-REBOOT after a restart"
ip=$(val life BOUND new_ip_address)
start_dhcpc life 'timeout 5; retry 2;' -A
wait_reason life REBOOT
[ "$(val life REBOOT new_ip_address)" = "$ip" ] || fail "rebooted into another address"
has_addr "$ip" || fail "no address after REBOOT"
grep -q "INIT-REBOOT ip=$ip" "$T/dhcpc.life.log" || fail "no INIT-REBOOT in the log"

say "release on SIGUSR2"
stop_dhcpc USR2
[ "$(nreason life RELEASE)" = 1 ] || fail "no RELEASE: $(cat "$T/reasons.life")"
no_addr || fail "address kept after RELEASE"
[ ! -e "$T/state.life" ] || fail "state file kept after RELEASE"
for _ in $(seq 50); do grep -qi release "$T/dhcpd.A.log" && break; sleep 0.1; done
grep -qi "release" "$T/dhcpd.A.log" || fail "dhcpd saw no RELEASE: $(tail "$T/dhcpd.A.log")"

say "release with -r"
start_dhcpc life 'timeout 5;' -A
wait_reason life BOUND 3
stop_dhcpc TERM
has_addr "$(val life BOUND new_ip_address)" || fail "TERM removed the address"
ip netns exec "$NS_C" "$BIN/dhcpc" -r -c "$T/dhclient.life.conf" \
	-l "$T/state.life" -s "$T/script.life" c0 2>>"$T/dhcpc.life.log" ||
	fail "dhcpc -r failed"
[ "$(nreason life RELEASE)" = 2 ] || fail "no RELEASE from -r"
no_addr || fail "address kept after -r"
[ ! -e "$T/state.life" ] || fail "state file kept after -r"
stop_srv A

echo "dhcpc: all passed"

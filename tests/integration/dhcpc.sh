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
	local n=$1 conf=$2 ns=$NS_A
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
	local f=$1 lt=$2 x
	shift 2
	{
		echo "default-lease-time $lt; max-lease-time $lt;"
		for x in "$@"; do echo "$x"; done
		echo 'subnet 10.0.42.0 netmask 255.255.255.0 {'
		echo "  range ${RANGE:-10.0.42.10 10.0.42.20};"
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
	local tag=$1 text=$2
	shift 2
	printf '%s\n' "$text" >"$T/dhclient.$tag.conf"
	cat >"$T/script.$tag" <<SH
#!/bin/sh
echo "\$reason" >>"$T/reasons.$tag"
env >"$T/env.$tag.\$reason"
exec "$DEFSCRIPT"
SH
	chmod 755 "$T/script.$tag"
	ip netns exec "$NS_C" "$BIN/dhcpc" -v -u nobody \
		-c "$T/dhclient.$tag.conf" \
		-l "$T/state.$tag" -s "$T/script.$tag" "$@" c0 \
		2>>"$T/dhcpc.$tag.log" &
	DHCPC_PID=$!
	DHCPC_TAG=$tag
	on_exit "kill $DHCPC_PID 2>/dev/null"
}
stop_dhcpc() { # [SIGNAL]: dhcpc must exit 0 (a sanitizer report fails)
	local rc=0
	kill -"${1:-TERM}" "$DHCPC_PID" 2>/dev/null || true
	wait "$DHCPC_PID" 2>/dev/null || rc=$?
	DHCPC_PID=
	[ "$rc" = 0 ] || fail "dhcpc exited $rc: $(tail -20 "$T/dhcpc.$DHCPC_TAG.log")"
}
# count TAG REASON: how often the script ran with REASON.
nreason() { cat "$T/reasons.$1" 2>/dev/null | grep -cx "$2" || true; }
# wait_reason TAG REASON [N] [SECONDS]: until REASON has run N times.
wait_reason() {
	local tag=$1 r=$2 want=${3:-1} secs=${4:-90}
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
# The process that reads the network is not root; its parent is.
[ "$(ps -o user= -p "$DHCPC_PID" | tr -d ' ')" = root ] || fail "parent not root"
[ "$(ps -o user= --ppid "$DHCPC_PID" | tr -d ' ' | sort -u)" = nobody ] ||
	fail "network process not nobody: $(ps -o user=,args= --ppid "$DHCPC_PID")"
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

# ================================================ configuration
srvconf "$T/a.conf" 600 "ping-check false;"
srvconf "$T/b.conf" 600 "ping-check false;" "option ntp-servers 10.0.42.43;"
start_srv A "$T/a.conf"
start_srv B "$T/b.conf"
say "reject: only the other server's offer is taken"
for r in 42 43; do
	w=43
	[ $r = 43 ] && w=42
	start_dhcpc rej$r "reject 10.0.42.$r; timeout 30;" -A
	wait_reason rej$r BOUND
	[ "$(val rej$r BOUND new_dhcp_server_identifier)" = 10.0.42.$w ] ||
		fail "reject 10.0.42.$r: lease from $(val rej$r BOUND new_dhcp_server_identifier)"
	stop_dhcpc USR2
	no_addr || fail "address kept after RELEASE"
done
grep -q "ignored: server rejected" "$T/dhcpc.rej42.log" ||
	fail "no rejected offer in the log: $(tail "$T/dhcpc.rej42.log")"

say "require: only the server sending the option is taken; none, no lease"
start_dhcpc req "require ntp-servers; timeout 30;" -A
wait_reason req BOUND
[ "$(val req BOUND new_dhcp_server_identifier)" = 10.0.42.43 ] || fail "require ignored"
[ "$(val req BOUND new_ntp_servers)" = 10.0.42.43 ] || fail "no new_ntp_servers"
stop_dhcpc USR2
start_dhcpc reqnone "require nis-domain; timeout 3; retry 600;" -A
wait_reason reqnone FAIL
[ "$(nreason reqnone BOUND)" = 0 ] || fail "bound without the required option"
no_addr || fail "an address without a lease"
stop_dhcpc
stop_srv B

say "select-timeout: the first offer, or the best one after waiting"
# B is slower (it pings first) but gives a longer lease.
srvconf "$T/b.conf" 7200 "ping-check true;" "ping-timeout 2;"
start_srv B "$T/b.conf"
start_dhcpc sel0 "timeout 30;" -A
wait_reason sel0 BOUND
[ "$(val sel0 BOUND new_dhcp_server_identifier)" = 10.0.42.42 ] ||
	fail "select-timeout 0 did not take the first offer"
stop_dhcpc USR2
start_dhcpc sel5 "select-timeout 5; timeout 30;" -A
wait_reason sel5 BOUND
[ "$(val sel5 BOUND new_dhcp_server_identifier)" = 10.0.42.43 ] ||
	fail "select-timeout 5 did not take the longer lease"
[ "$(val sel5 BOUND new_dhcp_lease_time)" = 7200 ] || fail "lease time"
stop_dhcpc USR2
stop_srv A
stop_srv B

say "no server: the static lease block, or FAIL without one"
start_dhcpc static 'timeout 3; retry 600;
lease {
  interface "c0";
  fixed-address 10.0.42.99;
  option subnet-mask 255.255.255.0;
  option domain-name-servers 10.0.42.1;
}' -A
wait_reason static TIMEOUT
has_addr 10.0.42.99 || fail "static lease not applied: $(ip -n "$NS_C" addr show dev c0)"
grep -qx "nameserver 10.0.42.1" "/etc/netns/$NS_C/resolv.conf" || fail "static DNS"
stop_dhcpc USR2
no_addr || fail "static address kept after RELEASE"
start_dhcpc nostatic 'timeout 3; retry 600;' -A
wait_reason nostatic FAIL
[ "$(nreason nostatic TIMEOUT)" = 0 ] || fail "TIMEOUT without a lease block"
no_addr || fail "an address without a lease"
stop_dhcpc

# ================================================ DECLINE
say "an address in use is declined after the ARP probe"
# B's namespace holds 10.0.42.10 and ignores pings, so A's ping check
# lets it through; the client's ARP probe finds it.
ip -n "$NS_B" addr add 10.0.42.10/24 dev b0
ip netns exec "$NS_B" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
RANGE="10.0.42.10 10.0.42.11" srvconf "$T/d.conf" 600 "ping-check true;" "ping-timeout 1;"
start_srv A "$T/d.conf"
start_dhcpc decl "timeout 60;"
wait_reason decl BOUND 1 120
grep -q "address 10.0.42.10 in use: declining" "$T/dhcpc.decl.log" ||
	fail "no DECLINE: $(tail -20 "$T/dhcpc.decl.log")"
[ "$(val decl BOUND new_ip_address)" = 10.0.42.11 ] ||
	fail "bound to $(val decl BOUND new_ip_address)"
grep -q "BOUND" "$T/reasons.decl"
[ "$(grep -c "ip=10.0.42.10" "$T/reasons.decl" || true)" = 0 ]
grep -qi "decline" "$T/dhcpd.A.log" || fail "dhcpd saw no DECLINE: $(tail "$T/dhcpd.A.log")"
stop_dhcpc USR2
stop_srv A
ip -n "$NS_B" addr del 10.0.42.10/24 dev b0

# ================================================ hostile replies
PY=/usr/bin/python3
if $PY -c 'import scapy.all' 2>/dev/null; then
	say "hostile replies from a scapy server are survived"
	rm -f /var/tmp/dhcpc-pwned
	ip netns exec "$NS_A" $PY "$SRC/tests/integration/helpers/dhcpc_hostile.py" \
		a0 "$T/hostile.log" 2>>"$T/hostile.log" &
	HPID=$!
	on_exit "kill $HPID 2>/dev/null"
	for _ in $(seq 100); do grep -q ready "$T/hostile.log" 2>/dev/null && break; sleep 0.1; done
	start_dhcpc hostile "timeout 30;" -A
	wait_reason hostile BOUND
	kill -0 "$DHCPC_PID" || fail "dhcpc died"
	f=$T/env.hostile.BOUND
	[ "$(val hostile BOUND new_ip_address)" = 10.0.42.77 ] ||
		fail "took a bad offer: $(val hostile BOUND new_ip_address)"
	[ "$(val hostile BOUND new_dhcp_lease_time)" = 3600 ] || fail "lease time"
	[ "$(val hostile BOUND new_routers)" = 10.0.42.254 ] || fail "router outside the subnet kept"
	[ "$(val hostile BOUND new_domain_name_servers)" = 192.168.0.254 ] || fail "0.0.0.0 kept"
	grep -q "^new_domain_name=" "$f" && fail "bad domain-name kept"
	grep -q "^new_host_name=" "$f" && fail "overlong host-name kept"
	grep -q "^new_domain_search=" "$f" && fail "bad domain-search kept"
	grep -q "^new_interface_mtu=" "$f" && fail "MTU 16 kept"
	grep -q "^new_dhcp_message=_reboot__ __id_ _ rm _$" "$f" ||
		fail "dhcp-message not sanitised: $(grep dhcp_message "$f")"
	if grep -E '^(new|old)_' "$f" | grep -q '[][$`;()|&<>*?"\\'"'"']'; then
		fail "shell metacharacters reach the script: $(grep -E '^(new|old)_' "$f")"
	fi
	[ ! -e /var/tmp/dhcpc-pwned ] || fail "the script ran a server's command"
	for why in "lease time 0" "no lease time" "subnet mask not contiguous" \
		"server identifier not a unicast address" "no server identifier" \
		"unusable yiaddr" "yiaddr is the network or broadcast" "xid does not match" \
		"not our hardware address" "NAK where none is expected" \
		"ACK from another server" "ACK for another address"; do
		grep -q "ignored: $why" "$T/dhcpc.hostile.log" ||
			fail "no '$why' in the log: $(grep ignored "$T/dhcpc.hostile.log")"
	done
	grep -Eq "frame ignored|ignored: .*(option|past|overload)" "$T/dhcpc.hostile.log" ||
		fail "malformed frames not seen as such"
	stop_dhcpc
	kill "$HPID" 2>/dev/null || true
	wait "$HPID" 2>/dev/null || true
	flush
else
	say "(python3-scapy not installed: hostile replies skipped)"
fi

# ================================================ peer servers
# peer_start NAME NS IF ADDR: ISC dhcpd, Kea or dnsmasq (a 12 s lease,
# T1 6 s, T2 10 s) in namespace NS on interface IF, its log $T/NAME.log.
PEER_PID=
peer_start() {
	local name=$1 ns=$2 ifc=$3
	case $name in
	isc)
		srvconf "$T/isc.conf" 12 "authoritative;" "ddns-update-style none;" \
			"option dhcp-renewal-time 6;" "option dhcp-rebinding-time 10;"
		: >"$T/isc.leases"
		set -- /usr/sbin/dhcpd -4 -f -d -cf "$T/isc.conf" \
			-lf "$T/isc.leases" -pf "$T/isc.pid" "$ifc"
		;;
	kea)
		cat >"$T/kea.json" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "$ifc" ], "dhcp-socket-type": "raw" },
  "lease-database": { "type": "memfile", "persist": true, "name": "$T/kea.leases" },
  "authoritative": true,
  "valid-lifetime": 12, "renew-timer": 6, "rebind-timer": 10,
  "subnet4": [ { "id": 1, "subnet": "10.0.42.0/24",
    "pools": [ { "pool": "10.0.42.10 - 10.0.42.20" } ],
    "option-data": [
      { "name": "routers", "data": "10.0.42.254" },
      { "name": "domain-name-servers", "data": "192.168.0.254" },
      { "name": "domain-name", "data": "fai.com" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
    "output_options": [ { "output": "stderr" } ] } ] } }
JSON
		rm -f "$T/kea.leases"*
		set -- env KEA_PIDFILE_DIR="$T" KEA_LOCKFILE_DIR="$T" \
			kea-dhcp4 -c "$T/kea.json"
		;;
	dnsmasq)
		# The shortest lease dnsmasq gives is two minutes.
		rm -f "$T/dnsmasq.leases"
		set -- dnsmasq -d -k --conf-file=/dev/null --port=0 \
			--interface="$ifc" --bind-interfaces --dhcp-authoritative \
			--dhcp-range=10.0.42.10,10.0.42.20,255.255.255.0,2m \
			--dhcp-option=option:router,10.0.42.254 \
			--dhcp-option=option:dns-server,192.168.0.254 \
			--dhcp-option=option:T1,6 --dhcp-option=option:T2,10 \
			--dhcp-leasefile="$T/dnsmasq.leases" \
			--pid-file="$T/dnsmasq.pid" --user=root --group=root
		;;
	esac
	echo "== start" >>"$T/$name.log"
	ip netns exec "$ns" "$@" >>"$T/$name.log" 2>&1 &
	PEER_PID=$!
	on_exit "kill $PEER_PID 2>/dev/null"
	sleep 1
	kill -0 "$PEER_PID" 2>/dev/null || fail "$name did not start: $(tail "$T/$name.log")"
}
peer_stop() {
	kill "$PEER_PID" 2>/dev/null || true
	wait "$PEER_PID" 2>/dev/null || true
	PEER_PID=
}
# peer_cycle NAME: obtain, renew at T1, INIT-REBOOT after a restart,
# release; obtain again, expire when the peer is gone; then rebind with
# the peer (in B) after facteur's dhcpd (in A) that granted the lease
# has gone.
peer_cycle() {
	local name=$1 pip
	peer_start "$name" "$NS_A" a0
	rm -f "$T/state.$name"
	start_dhcpc "$name" "timeout 30; retry 600;" -A
	wait_reason "$name" BOUND
	pip=$(val "$name" BOUND new_ip_address)
	has_addr "$pip" || fail "$name: $pip not on c0"
	[ "$(val "$name" BOUND new_routers)" = 10.0.42.254 ] || fail "$name: router"
	[ "$(val "$name" BOUND new_domain_name_servers)" = 192.168.0.254 ] || fail "$name: dns"
	wait_reason "$name" RENEW 1 150
	[ "$(val "$name" RENEW new_ip_address)" = "$pip" ] || fail "$name: renewal moved"
	stop_dhcpc TERM
	start_dhcpc "$name" "timeout 30; retry 600;" -A
	wait_reason "$name" REBOOT
	[ "$(val "$name" REBOOT new_ip_address)" = "$pip" ] || fail "$name: reboot moved"
	stop_dhcpc USR2
	[ "$(nreason "$name" RELEASE)" = 1 ] || fail "$name: no RELEASE"
	no_addr || fail "$name: address kept after RELEASE"
	for _ in $(seq 50); do grep -qi release "$T/$name.log" && break; sleep 0.1; done
	grep -qi release "$T/$name.log" || fail "$name saw no RELEASE: $(tail "$T/$name.log")"

	start_dhcpc "$name" "timeout 3; retry 600;" -A
	wait_reason "$name" BOUND 2
	peer_stop
	wait_reason "$name" EXPIRE 1 200
	no_addr || fail "$name: address kept after EXPIRE"
	stop_dhcpc

	srvconf "$T/a.conf" 12 "ping-check false;"
	start_srv A "$T/a.conf"
	start_dhcpc "$name.rb" "timeout 30; retry 600;" -A
	wait_reason "$name.rb" BOUND
	peer_start "$name" "$NS_B" b0
	stop_srv A
	wait_reason "$name.rb" REBIND 1 60
	[ "$(val "$name.rb" REBIND new_dhcp_server_identifier)" = 10.0.42.43 ] ||
		fail "$name: rebound with $(val "$name.rb" REBIND new_dhcp_server_identifier)"
	stop_dhcpc USR2
	peer_stop
}
for peer in isc:/usr/sbin/dhcpd kea:kea-dhcp4 dnsmasq:dnsmasq; do
	if command -v "${peer#*:}" >/dev/null; then
		say "peer server: ${peer%%:*}"
		peer_cycle "${peer%%:*}"
	else
		say "(${peer#*:} not installed: ${peer%%:*} skipped)"
	fi
done

echo "dhcpc: all passed"

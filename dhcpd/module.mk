# dhcpd/: the DHCPv4 server and the lease lister.
PROGS += dhcpd dhcp-leases
dhcpd_SRCS := dhcpd/dhcpd.c
dhcpd_LIBS := -lpthread
dhcpd_DIR  := sbin
dhcp-leases_SRCS := dhcpd/dhcp-leases.c
dhcp-leases_DIR  := bin
MANS += man/dhcpd.8 man/dhcpd.conf.5 man/dhcp-leases.8
# dhcp-relay: the relay agent.
PROGS += dhcp-relay
dhcp-relay_SRCS := dhcpd/dhcp-relay.c
dhcp-relay_DIR  := sbin
MANS += man/dhcp-relay.8
# dhcpc: the client.
PROGS += dhcpc
dhcpc_SRCS := dhcpd/dhcpc.c
dhcpc_DIR  := sbin
MANS += man/dhcpc.8
SCRIPTS += etc/dhcpc-script

#!/usr/bin/env python3
"""What dhcpd puts on the wire, seen from the client's namespace (run it
only there).  Modes:
  seed IFACE SERVER          the course material's DISCOVER and REQUEST
                             (../shared/seed-offer.txt) from IFACE's MAC,
                             without the broadcast bit; the OFFER and the
                             ACK are caught on a packet socket and printed
                             field by field, with the Ethernet and IP
                             destinations they were sent to
  inform IFACE CIADDR        a DHCPINFORM from CIADDR (configured on
                             IFACE); the reply, caught on UDP port 68
Replies are printed as "key value" lines for the shell test to compare.
Every wait is bounded (5 s)."""
import socket, struct, sys, time

COOKIE = b'\x63\x82\x53\x63'
ETH_P_IP = 0x0800


def mac_of(iface):
    with open('/sys/class/net/%s/address' % iface) as f:
        return bytes.fromhex(f.read().strip().replace(':', ''))


def header(mac, xid, flags=0, ciaddr=b'\0' * 4):
    h = struct.pack('!BBBBIHH', 1, 1, 6, 0, xid, 0, flags)
    h += ciaddr + b'\0' * 12
    return h + mac.ljust(16, b'\0') + b'\0' * 192


def opts(*items):
    b = b''
    for code, val in items:
        b += bytes([code, len(val)]) + val
    return b + b'\xff'


def udp_sock(iface):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(('0.0.0.0', 68))
    return s


def options(p):
    """The options area as a list of (code, value), END included."""
    out, i = [], 240
    while i < len(p):
        c = p[i]
        if c == 0:
            i += 1
            continue
        if c == 255:
            out.append((255, b''))
            break
        out.append((c, p[i + 2:i + 2 + p[i + 1]]))
        i += 2 + p[i + 1]
    return out


def show(p, prefix=''):
    ip = socket.inet_ntoa
    print(prefix + 'op %d' % p[0])
    print(prefix + 'xid %08x' % struct.unpack('!I', p[4:8])[0])
    print(prefix + 'flags %04x' % struct.unpack('!H', p[10:12])[0])
    for name, off in (('ciaddr', 12), ('yiaddr', 16), ('siaddr', 20),
                      ('giaddr', 24)):
        print(prefix + '%s %s' % (name, ip(p[off:off + 4])))
    print(prefix + 'chaddr %s' % ':'.join('%02x' % b for b in p[28:34]))
    print(prefix + 'cookie %s' % '.'.join(str(b) for b in p[236:240]))
    print(prefix + 'length %d' % len(p))
    print(prefix + 'options %s' % ' '.join(
        '%d=%s' % (c, v.hex() if v else '-') for c, v in options(p)))


def catch(raw, mac, xid, want, deadline):
    """The next frame to UDP port 68 with this xid and message type."""
    while time.time() < deadline:
        raw.settimeout(max(0.01, deadline - time.time()))
        try:
            fr, addr = raw.recvfrom(65535)
        except socket.timeout:
            return None
        if addr[2] == socket.PACKET_OUTGOING or len(fr) < 20:
            continue
        ihl = (fr[0] & 15) * 4
        if fr[9] != 17 or len(fr) < ihl + 8 + 240:
            continue
        if struct.unpack('!H', fr[ihl + 2:ihl + 4])[0] != 68:
            continue
        p = fr[ihl + 8:]
        if struct.unpack('!I', p[4:8])[0] != xid or p[28:34] != mac:
            continue
        t = dict(options(p)).get(53)
        if t == bytes([want]):
            return addr, fr[:ihl], p
    return None


def seed(iface, server):
    mac = mac_of(iface)
    xid = 0x3903f326
    s = udp_sock(iface)
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                        socket.htons(ETH_P_IP))
    raw.bind((iface, ETH_P_IP))
    prl = bytes([1, 28, 2, 3, 15, 6, 119, 12, 44])
    s.sendto(header(mac, xid) + COOKIE +
             opts((53, b'\x01'), (12, b'debian'), (55, prl)),
             ('255.255.255.255', 67))
    got = catch(raw, mac, xid, 2, time.time() + 5)
    if got is None:
        sys.exit('no OFFER')
    for name, (addr, iph, p) in (('offer', got),):
        print('offer pkttype %s' % ('host' if addr[2] == socket.PACKET_HOST
                                    else 'broadcast' if addr[2] == socket.PACKET_BROADCAST
                                    else str(addr[2])))
        print('offer ipdst %s' % socket.inet_ntoa(iph[16:20]))
        show(p, 'offer ')
    yiaddr = got[2][16:20]
    s.sendto(header(mac, xid) + COOKIE +
             opts((53, b'\x03'), (50, yiaddr),
                  (54, socket.inet_aton(server)), (12, b'debian'),
                  (55, prl)), ('255.255.255.255', 67))
    got = catch(raw, mac, xid, 5, time.time() + 5)
    if got is None:
        sys.exit('no ACK')
    addr, iph, p = got
    print('ack pkttype %s' % ('host' if addr[2] == socket.PACKET_HOST
                              else 'broadcast' if addr[2] == socket.PACKET_BROADCAST
                              else str(addr[2])))
    print('ack ipdst %s' % socket.inet_ntoa(iph[16:20]))
    show(p, 'ack ')


def inform(iface, ciaddr):
    mac = mac_of(iface)
    xid = 0x1f0f0f0f
    s = udp_sock(iface)
    s.sendto(header(mac, xid, ciaddr=socket.inet_aton(ciaddr)) + COOKIE +
             opts((53, b'\x08'), (55, bytes([1, 3, 6, 15, 51]))),
             ('255.255.255.255', 67))
    deadline = time.time() + 5
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            p, frm = s.recvfrom(4096)
        except socket.timeout:
            break
        if len(p) >= 240 and struct.unpack('!I', p[4:8])[0] == xid:
            print('inform from %s' % frm[0])
            show(p, 'inform ')
            return
    sys.exit('no reply to INFORM')


def main():
    if sys.argv[1] == 'seed':
        seed(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'inform':
        inform(sys.argv[2], sys.argv[3])
    else:
        sys.exit('unknown mode')


main()

#!/usr/bin/env python3
"""Crafted DHCP traffic for the dhcpd tests, run inside the client
network namespace (never elsewhere).  Modes:
  bad IFACE                 hostile packets, one of each kind
  discover-flood IFACE N    N DISCOVERs from random MACs
  decline-flood IFACE N     N DECLINEs for random addresses
  dora IFACE N OUT          N full exchanges (broadcast flag set); each
                            ACKed "mac ip" is appended to OUT as it comes
  relay IFACE               probes for a relay agent: DISCOVERs with hops
                            0..5 (xid 0x100 + hops), one carrying the
                            client's own option 82 (xid 0x200)
  unicast IFACE DST XID     a REQUEST (renewal) sent by unicast to DST
  reply SRC GIADDR XID HEX [CIADDR]
                            a server's OFFER from SRC:67 to GIADDR:67
                            with option 82 HEX (none when "-")
Every loop is bounded in count and time."""
import os, random, socket, struct, sys, time

COOKIE = b'\x63\x82\x53\x63'

def sock(iface):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(('0.0.0.0', 68))
    return s

def header(op=1, mac=b'\x02\0\0\0\0\1', xid=1, flags=0x8000, hlen=6,
           ciaddr=b'\0' * 4, hops=0):
    h = struct.pack('!BBBBIHH', op, 1, hlen, hops, xid, 0, flags)
    h += ciaddr + b'\0' * 12
    h += mac.ljust(16, b'\0') + b'\0' * 192
    return h

def opts(*items):
    b = b''
    for code, val in items:
        b += bytes([code, len(val)]) + val
    return b + b'\xff'

def send(s, pkt):
    s.sendto(pkt, ('255.255.255.255', 67))

def rmac():
    return bytes([2] + [random.randrange(256) for _ in range(5)])

def bad(s):
    d = (53, b'\x01')
    pkts = {
        'truncated': header()[:100],
        'no-cookie': header(),
        'bad-cookie': header() + b'\x63\x82\x53\x64' + opts(d),
        'past-end': header() + COOKIE + b'\x35\x01\x01\x0c\x40ab',
        'zero-length': header() + COOKIE + b'\x35\x00\xff',
        'oversized-53': header() + COOKIE + b'\x35\x02\x01\x01\xff',
        'hlen-17': header(hlen=17) + COOKIE + opts(d),
        'overload-garbage': header() + COOKIE + opts(d, (52, b'\x03')),
        'op-reply': header(op=2) + COOKIE + opts(d),
        'outside-pool': header() + COOKIE + opts((53, b'\x03'),
                        (50, socket.inet_aton('192.0.2.9'))),
        'relayed-untrusted': (header()[:24] + socket.inet_aton('10.0.42.1')
                              + header()[28:] + COOKIE + opts(d)),
        'huge': header() + COOKIE + opts(d) + b'\0' * 5000,
    }
    # overload-garbage: the file field carries junk.
    p = bytearray(pkts['overload-garbage'])
    p[108:236] = b'\x41' * 128
    pkts['overload-garbage'] = bytes(p)
    for name, pkt in pkts.items():
        send(s, pkt)
        print(name)
        time.sleep(0.02)

def discover_flood(s, n):
    for i in range(n):
        send(s, header(mac=rmac(), xid=i) + COOKIE + opts((53, b'\x01')))

def decline_flood(s, n):
    for i in range(n):
        ip = socket.inet_aton('10.0.42.%d' % random.randrange(1, 255))
        send(s, header(mac=rmac(), xid=i) + COOKIE +
             opts((53, b'\x04'), (50, ip),
                  (54, socket.inet_aton('10.0.42.42'))))

def wait_reply(s, xid, want, deadline):
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            data, _ = s.recvfrom(4096)
        except socket.timeout:
            return None
        if len(data) < 244 or struct.unpack('!I', data[4:8])[0] != xid:
            continue
        i, t = 240, None
        while i + 1 < len(data) and data[i] != 255:
            if data[i] == 0:
                i += 1
                continue
            if data[i] == 53:
                t = data[i + 2]
            i += 2 + data[i + 1]
        if t == want:
            return data
    return None

def dora(s, n, out):
    stop = time.time() + 60
    for k in range(n):
        if time.time() > stop:
            break
        mac = rmac()
        xid = random.randrange(1 << 32)
        send(s, header(mac=mac, xid=xid) + COOKIE + opts((53, b'\x01')))
        offer = wait_reply(s, xid, 2, time.time() + 2)
        if offer is None:
            continue
        ip = offer[16:20]
        send(s, header(mac=mac, xid=xid) + COOKIE +
             opts((53, b'\x03'), (50, ip), (54, socket.inet_aton('10.0.42.42'))))
        if wait_reply(s, xid, 5, time.time() + 2) is not None:
            with open(out, 'a') as f:
                f.write('%s %s\n' % (':'.join('%02x' % b for b in mac),
                                     socket.inet_ntoa(ip)))
                f.flush()
                os.fsync(f.fileno())

def relay(s):
    for h in range(6):
        send(s, header(xid=0x100 + h, hops=h) + COOKIE + opts((53, b'\x01')))
        time.sleep(0.02)
    send(s, header(xid=0x200) + COOKIE +
         opts((53, b'\x01'), (82, b'\x01\x04evil\x02\x01x')))

def unicast(s, dst, xid):
    s.sendto(header(xid=xid, flags=0) + COOKIE + opts((53, b'\x03')),
             (dst, 67))

def reply(src, giaddr, xid, o82, ciaddr=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, 67))
    items = [(53, b'\x02'), (54, socket.inet_aton(src))]
    if o82 != '-':
        items.append((82, bytes.fromhex(o82)))
    h = bytearray(header(op=2, xid=xid, flags=0))
    h[3] = 1
    h[16:20] = socket.inet_aton('10.51.0.177')
    h[24:28] = socket.inet_aton(giaddr)
    if ciaddr:
        h[12:16] = socket.inet_aton(ciaddr)
    s.sendto(bytes(h) + COOKIE + opts(*items), (giaddr, 67))

def main():
    mode, iface = sys.argv[1], sys.argv[2]
    if mode == 'reply':
        reply(iface, sys.argv[3], int(sys.argv[4], 0), sys.argv[5],
              sys.argv[6] if len(sys.argv) > 6 else None)
        return
    s = sock(iface)
    if mode == 'bad':
        bad(s)
    elif mode == 'discover-flood':
        discover_flood(s, int(sys.argv[3]))
    elif mode == 'decline-flood':
        decline_flood(s, int(sys.argv[3]))
    elif mode == 'relay':
        relay(s)
    elif mode == 'unicast':
        unicast(s, sys.argv[3], int(sys.argv[4], 0))
    elif mode == 'dora':
        dora(s, int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit('unknown mode')

main()

#!/usr/bin/env python3
"""DISCOVER -> OFFER round trips, one at a time, for bench/relay; run
only inside the benchmark's network namespaces.

  dhcp-rtt.py client IFACE N      as a client: broadcast on IFACE from
                                  port 68 (broadcast flag set), through a
                                  relay agent
  dhcp-rtt.py relay LOCAL SRV N   as a relay itself: unicast from LOCAL:67
                                  to SRV:67 with giaddr LOCAL (the path
                                  without a relay program: the baseline)

Prints "n=N lost=L median_us=M p90_us=P min_us=X"; with RTT_OUT set,
also appends each round trip in microseconds to that file, one a line.
N is bounded (at most 100000) and every wait is at most 1 s."""
import os, socket, struct, sys, time

COOKIE = b'\x63\x82\x53\x63'


def discover(xid, mac, giaddr=b'\0' * 4, hops=0):
    h = struct.pack('!BBBBIHH', 1, 1, 6, hops, xid, 0, 0x8000)
    h += b'\0' * 12 + giaddr + mac.ljust(16, b'\0') + b'\0' * 192
    return (h + COOKIE + b'\x35\x01\x01\xff').ljust(300, b'\0')


def main():
    mode = sys.argv[1]
    n = min(int(sys.argv[-1]), 100000)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mode == 'client':
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                     sys.argv[2].encode())
        s.bind(('0.0.0.0', 68))
        dst, gi = ('255.255.255.255', 67), b'\0' * 4
    else:
        s.bind((sys.argv[2], 67))
        dst, gi = (sys.argv[3], 67), socket.inet_aton(sys.argv[2])
    rtts, lost = [], 0
    base = struct.unpack('!I', os.urandom(4))[0]
    for i in range(n):
        xid = (base + i) & 0xffffffff
        mac = b'\x02\xbe' + struct.pack('!I', 0x100000 + i % 2000)
        pkt = discover(xid, mac, gi, 1 if mode != 'client' else 0)
        t0 = time.perf_counter()
        s.sendto(pkt, dst)
        deadline = t0 + 1.0
        got = False
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                data = s.recv(4096)
            except socket.timeout:
                break
            if len(data) >= 8 and struct.unpack('!I', data[4:8])[0] == xid:
                got = True
                break
        if got:
            rtts.append((time.perf_counter() - t0) * 1e6)
        else:
            lost += 1
    if os.environ.get('RTT_OUT'):
        with open(os.environ['RTT_OUT'], 'a') as f:
            f.write(''.join('%.1f\n' % r for r in rtts))
    rtts.sort()
    if not rtts:
        print('n=%d lost=%d median_us=nan p90_us=nan min_us=nan' % (n, lost))
        return
    print('n=%d lost=%d median_us=%.0f p90_us=%.0f min_us=%.0f' % (
        n, lost, rtts[len(rtts) // 2], rtts[len(rtts) * 9 // 10], rtts[0]))


main()

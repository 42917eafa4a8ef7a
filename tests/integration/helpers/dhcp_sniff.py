#!/usr/bin/env python3
"""Records the DHCP packets (UDP port 67 or 68, IPv4) seen on one
interface, for the relay tests; run inside a test's network namespace
only.  usage: dhcp_sniff.py IFACE OUT SECONDS
One line per packet, appended to OUT as it is seen:
  dir=in|out src=IP dst=IP op=N xid=HEX hops=N giaddr=IP type=N o82=HEX|-
Stops after SECONDS (a bound, in case nobody ends it) or on SIGTERM."""
import os, signal, socket, struct, sys, time

def options(p):
    """Option 53 and 82 of a DHCP payload (None when absent)."""
    t, o82, i = None, None, 240
    if len(p) < 240 or p[236:240] != b'\x63\x82\x53\x63':
        return t, o82
    while i < len(p) and p[i] != 255:
        if p[i] == 0:
            i += 1
            continue
        if i + 1 >= len(p) or i + 2 + p[i + 1] > len(p):
            break
        v = p[i + 2:i + 2 + p[i + 1]]
        if p[i] == 53 and len(v) == 1:
            t = v[0]
        elif p[i] == 82:
            o82 = (o82 or b'') + v
        i += 2 + p[i + 1]
    return t, o82

def main():
    iface, out, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    # Every line is flushed as it is written: just go.
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    # ETH_P_ALL: a socket for one protocol sees no outgoing frames.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    stop = time.time() + secs
    with open(out, 'a') as f:
        f.write('ready\n')
        f.flush()
        while time.time() < stop:
            s.settimeout(max(0.05, stop - time.time()))
            try:
                frame, addr = s.recvfrom(65535)
            except socket.timeout:
                break
            except OSError:
                # The interface went down (a new MAC): wait for it.
                time.sleep(0.05)
                continue
            if frame[12:14] != b'\x08\x00':
                continue
            ip = frame[14:]
            if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            sport, dport = struct.unpack('!HH', ip[ihl:ihl + 4])
            if sport not in (67, 68) and dport not in (67, 68):
                continue
            p = ip[ihl + 8:]
            if len(p) < 240:
                continue
            t, o82 = options(p)
            f.write('dir=%s src=%s dst=%s op=%d xid=%08x hops=%d giaddr=%s '
                    'type=%s o82=%s\n' % (
                        'out' if addr[2] == socket.PACKET_OUTGOING else 'in',
                        socket.inet_ntoa(ip[12:16]),
                        socket.inet_ntoa(ip[16:20]), p[0],
                        struct.unpack('!I', p[4:8])[0], p[3],
                        socket.inet_ntoa(p[24:28]), t,
                        o82.hex() if o82 is not None else '-'))
            f.flush()

main()

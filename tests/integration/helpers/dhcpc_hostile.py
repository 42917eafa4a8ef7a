#!/usr/bin/python3
"""A hostile DHCP server for tests/integration/dhcpc.sh (run inside the
server namespace only).  To every DISCOVER it answers with a volley of
malformed or misleading OFFERs, at the DHCP, UDP and IP level (sent as
whole frames with scapy), then with one acceptable OFFER for .77 that
still carries options a client must drop or sanitise; to the REQUEST
with bad ACKs, then a good one.  Usage: dhcpc_hostile.py IFNAME LOGFILE
"""
import socket
import struct
import sys

from scapy.all import IP, UDP, Ether, Raw

IFACE, LOG = sys.argv[1], sys.argv[2]
SRV = "10.0.42.42"
GOOD = "10.0.42.77"
BAD = "10.0.42.66"
# A bridge drops frames from 00:00:00:00:00:00: use the interface's.
with open("/sys/class/net/%s/address" % IFACE) as f:
    MAC = f.read().strip()


def ip4(s):
    return socket.inet_aton(s)


def opt(code, data):
    out = b""
    # RFC 3396: long values as several instances.
    while True:
        out += bytes([code, min(len(data), 255)]) + data[:255]
        data = data[255:]
        if not data:
            return out


def bootp(xid, chaddr, yi, opts, file=b"", sname=b""):
    h = struct.pack("!BBBBIHHIIII", 2, 1, 6, 0, xid, 0, 0, 0,
                    struct.unpack("!I", ip4(yi))[0], 0, 0)
    h += chaddr[:6] + b"\0" * 10
    h += sname.ljust(64, b"\0")[:64] + file.ljust(128, b"\0")[:128]
    return h + b"\x63\x82\x53\x63" + opts + b"\xff"


def base(mtype, lease=3600, sid=SRV, mask="255.255.255.0"):
    o = opt(53, bytes([mtype]))
    if sid is not None:
        o += opt(54, ip4(sid))
    if lease is not None:
        o += opt(51, struct.pack("!I", lease))
    if mask is not None:
        o += opt(1, ip4(mask))
    return o


def nasty_options():
    """Options of the acceptable reply that must not reach the script."""
    return (opt(3, ip4("10.9.9.1") + ip4("10.0.42.254"))      # one off-link
            + opt(6, ip4("0.0.0.0") + ip4("192.168.0.254"))
            + opt(15, b"$(touch /var/tmp/dhcpc-pwned);x")
            + opt(12, b"a" * 300)                             # overlong
            + opt(119, b"\x03abc\xc0\x10")                    # bad pointer
            + opt(56, b"`reboot`; $(id) | rm *")
            + opt(26, b"\x00\x10"))                           # MTU 16


def frame(payload, **kw):
    ip = IP(src=SRV, dst="255.255.255.255", **kw.get("ip", {}))
    udp = UDP(sport=67, dport=68, **kw.get("udp", {}))
    return Ether(src=MAC, dst="ff:ff:ff:ff:ff:ff") / ip / udp / Raw(payload)


def volley(xid, ch, mtype, yi):
    """Bad replies of type mtype, then what the client may take."""
    good_opts = base(mtype) + nasty_options()
    bad = [
        bootp(xid, ch, yi if mtype == 5 else BAD, base(mtype, lease=0)),
        bootp(xid, ch, BAD, base(mtype, lease=None)),
        bootp(xid, ch, BAD, base(mtype, mask="255.0.255.0")),
        bootp(xid, ch, BAD, base(mtype, sid="0.0.0.0")),
        bootp(xid, ch, BAD, base(mtype, sid=None)),
        bootp(xid, ch, "127.0.0.1", base(mtype)),
        bootp(xid, ch, "10.0.42.255", base(mtype)),
        bootp(xid + 1, ch, BAD, base(mtype)),
        bootp(xid, b"\x02" + ch[1:], BAD, base(mtype)),
        bootp(xid, ch, BAD, base(mtype))[:250],                  # cut
        bootp(xid, ch, BAD, base(mtype) + b"\x0c\xc8abc"),       # past end
        # Overload (52) whose file field overloads again.
        bootp(xid, ch, BAD, base(mtype) + opt(52, b"\x03"),
              file=b"\x34\x01\x03\xff"),
        bootp(xid, ch, BAD, base(6 if mtype == 2 else 2)),
    ]
    if mtype == 5:
        bad.append(bootp(xid, ch, BAD, base(5)))                 # other ip
        bad.append(bootp(xid, ch, yi, base(5, sid="10.0.42.99")))
    frames = [frame(p) for p in bad]
    good = bootp(xid, ch, yi, good_opts)
    frames.append(frame(good, udp={"chksum": 0x1234}))          # checksum
    frames.append(frame(good, ip={"flags": "MF"}))              # fragment
    frames.append(frame(good, ip={"ihl": 4}))                   # IHL < 5
    frames = [bytes(f) for f in frames]
    frames.append(bytes(frame(good))[:60])                      # truncated
    frames.append(bytes(frame(good)))                           # the one
    return frames


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, IFACE.encode())
    s.bind(("0.0.0.0", 67))
    s.settimeout(120)
    out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    out.bind((IFACE, 0))
    with open(LOG, "a") as log:
        log.write("ready\n")
        log.flush()
        for _ in range(40):                     # bounded
            try:
                data, _ = s.recvfrom(4096)
            except socket.timeout:
                break
            if len(data) < 240 or data[0] != 1:
                continue
            xid = struct.unpack("!I", data[4:8])[0]
            ch = data[28:34]
            mtype = 0
            i = 240
            while i + 1 < len(data) and data[i] != 255:
                if data[i] == 0:
                    i += 1
                    continue
                if data[i] == 53:
                    mtype = data[i + 2]
                i += 2 + data[i + 1]
            if mtype == 1:
                reply = 2
            elif mtype == 3:
                reply = 5
            else:
                log.write("got type %d\n" % mtype)
                log.flush()
                continue
            frames = volley(xid, ch, reply, GOOD)
            for f in frames:
                out.send(f)
            log.write("answered type %d with %d frames\n"
                      % (mtype, len(frames)))
            log.flush()


main()

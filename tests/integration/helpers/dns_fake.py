#!/usr/bin/env python3
"""A tiny authoritative DNS server for tests, UDP only.

    dns_fake.py ADDR PORT ZONEFILE LOG

Runs only inside a network namespace the test made (it serves whatever
asks).  ZONEFILE lines: "name TYPE data" with TYPE one of
    MX     "pref exchange" ("." for a null MX)
    A      an IPv4 address
    AAAA   an IPv6 address
    SERVFAIL  (no data: every query for name fails with SERVFAIL)
A name in the zone without records of the asked type gets NODATA; a
name not in the zone NXDOMAIN.  Each query is logged as "QUERY name TYPE".
"""
import socket
import struct
import sys

TYPES = {"A": 1, "MX": 15, "AAAA": 28}
NAMES = {v: k for k, v in TYPES.items()}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_name(pkt, off):
    labels = []
    while True:
        n = pkt[off]
        if n == 0:
            return ".".join(labels), off + 1
        labels.append(pkt[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


def main():
    addr, port, zonefile, logfile = sys.argv[1:5]
    zone = {}
    for line in open(zonefile):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        zone.setdefault(f[0].lower().rstrip("."), []).append((f[1].upper(), f[2:]))
    log = open(logfile, "a", buffering=1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    while True:
        pkt, peer = s.recvfrom(4096)
        if len(pkt) < 12:
            continue
        qid, flags, qd = struct.unpack(">HHH", pkt[:6])
        if qd != 1:
            continue
        name, off = read_name(pkt, 12)
        qtype, qclass = struct.unpack(">HH", pkt[off:off + 4])
        question = pkt[12:off + 4]
        name = name.lower()
        log.write("QUERY %s %s\n" % (name, NAMES.get(qtype, qtype)))
        rcode, answers = 0, []
        recs = zone.get(name)
        if recs is None:
            rcode = 3
        elif any(t == "SERVFAIL" for t, _ in recs):
            rcode = 2
        else:
            for t, data in recs:
                if TYPES.get(t) != qtype:
                    continue
                if t == "MX":
                    rdata = struct.pack(">H", int(data[0])) + encode_name(data[1])
                elif t == "A":
                    rdata = socket.inet_pton(socket.AF_INET, data[0])
                else:
                    rdata = socket.inet_pton(socket.AF_INET6, data[0])
                # The owner by a compression pointer to the question.
                answers.append(struct.pack(">HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata)
        hdr = struct.pack(">HHHHHH", qid, 0x8580 | rcode, 1, len(answers), 0, 0)
        s.sendto(hdr + question + b"".join(answers), peer)


if __name__ == "__main__":
    main()

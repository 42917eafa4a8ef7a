#!/usr/bin/env python3
"""A UCSPI-TLS daemon the way the qmail STARTTLS patches do it, for the
tlsd tests: writes "y" (no answer expected) to $SSLCTLFD, then moves
$SSLREADFD and $SSLWRITEFD onto descriptors 0 and 1.  Line protocol:
EHLO (offers STARTTLS), STARTTLS, ECHO text, QUIT."""
import os
import sys


def out(s):
    os.write(1, s.encode() + b"\r\n")


def lines():
    buf = b""
    while True:
        while b"\n" not in buf:
            d = os.read(0, 4096)
            if not d:
                return
            buf += d
        line, buf = buf.split(b"\n", 1)
        yield line.rstrip(b"\r").decode("latin-1"), buf
        # After STARTTLS the plaintext buffer is dropped by the caller.
        buf = lines.keep


lines.keep = b""


def main():
    tls = False
    out("220 ytls ready")
    for line, rest in lines():
        lines.keep = rest
        verb = line.split(" ", 1)[0].upper()
        if verb == "EHLO":
            out("250 STARTTLS" if not tls else "250 ytls")
        elif verb == "STARTTLS" and not tls:
            out("220 go ahead")
            os.write(int(os.environ["SSLCTLFD"]), b"y")
            os.dup2(int(os.environ["SSLREADFD"]), 0)
            os.dup2(int(os.environ["SSLWRITEFD"]), 1)
            lines.keep = b""
            tls = True
        elif verb == "ECHO":
            out("250 " + line[5:])
        elif verb == "QUIT":
            out("221 bye")
            return 0
        else:
            out("500 unknown")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A checkpassword caller that is not facteur's: it does what the
interface says (djb's checkpassword), the way qmail-popup does it.

  cpw_caller.py run RECORD CMD...
      Runs CMD with a pipe on descriptor 3, writes the bytes of the file
      RECORD to it one byte at a time, closes it, and exits with CMD's
      exit code (128+N for signal N).
  cpw_caller.py time N RECORD_A RECORD_B CMD...
      Runs CMD N times with each record, alternating, and prints the
      mean, median, min and max wall time of each in milliseconds.
      Exits 0 if every run exited 1 (a refused login), 1 otherwise.
"""
import os
import statistics
import subprocess
import sys
import time


def run(record, cmd):
    r, w = os.pipe()
    start = time.monotonic()

    def to_fd3():
        if r != 3:
            os.dup2(r, 3)
        else:
            os.set_inheritable(3, True)

    # The write end is close-on-exec (Python's default), so CMD sees
    # end of file as soon as we close ours.
    p = subprocess.Popen(cmd, preexec_fn=to_fd3, close_fds=False)
    os.close(r)
    try:
        for i in range(len(record)):
            os.write(w, record[i:i + 1])
    except BrokenPipeError:
        pass
    os.close(w)
    rc = p.wait(timeout=60)
    return (rc if rc >= 0 else 128 - rc), time.monotonic() - start


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "run":
        with open(sys.argv[2], "rb") as f:
            record = f.read()
        rc, _ = run(record, sys.argv[3:])
        sys.exit(rc)
    if len(sys.argv) >= 6 and sys.argv[1] == "time":
        n = int(sys.argv[2])
        recs = []
        for name in sys.argv[3:5]:
            with open(name, "rb") as f:
                recs.append((os.path.basename(name), f.read()))
        cmd = sys.argv[5:]
        times = {name: [] for name, _ in recs}
        ok = True
        for _ in range(n):
            for name, rec in recs:
                rc, t = run(rec, cmd)
                ok = ok and rc == 1
                times[name].append(t * 1000)
        for name, _ in recs:
            t = times[name]
            print("timing %-10s n=%d mean=%.2fms median=%.2fms min=%.2fms "
                  "max=%.2fms" % (name, len(t), statistics.mean(t),
                                  statistics.median(t), min(t), max(t)))
        a, b = (statistics.median(times[name]) for name, _ in recs)
        print("timing ratio %s/%s median=%.3f" % (recs[1][0], recs[0][0],
                                                  b / a if a else 0))
        sys.exit(0 if ok else 1)
    sys.exit(__doc__)


if __name__ == "__main__":
    main()

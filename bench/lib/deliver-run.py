#!/usr/bin/env python3
"""Deliver messages the way an MTA does: one MDA process per message.

    deliver-run.py [--jobs J] [--user UID:GID] [--env K=V]... [--log FILE]
                   --list FILE -- /abs/path/to/mda ARG...

FILE holds message paths, one a line.  For each, the MDA is started with
posix_spawn (the lean fork+exec an MTA does) with the message file as its
standard input, standard output on /dev/null, standard error appended to
--log, and exactly the environment given with --env.  With --jobs J, J
streams take the next message from a shared queue, each waiting for its
own child before starting another (like J concurrent MTA delivery slots).

Prints one line:
    elapsed=SECONDS ok=N fail=N codes=CODE:COUNT,...
elapsed is time.perf_counter() around the whole run (spawns and waits
included).  No RSS here on purpose: a child spawned from Python inherits
the interpreter's ~10 MB as its ru_maxrss floor (see lib/maxrss.c).

--user UID:GID: when started as root, drop to that user before running
anything (supplementary groups cleared), so an unprivileged user delivers.
"""

import argparse
import os
import sys
import threading
import time


# Everything is imported up front: after dropping to an unprivileged user
# the interpreter's own library dir (e.g. under /root/.pyenv) may be
# unreadable, so no lazy import may happen later.


def drop_privileges(spec):
    uid, gid = (int(x) for x in spec.split(":"))
    if os.geteuid() != 0:
        return
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.geteuid() != uid or os.getegid() != gid:
        sys.exit("deliver-run: could not drop to %s" % spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--list", required=True)
    ap.add_argument("--user")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--log", default="/dev/null")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd or not os.path.isabs(cmd[0]):
        ap.error("need -- /absolute/path/to/mda [args]")

    with open(a.list) as f:
        msgs = [ln.rstrip("\n") for ln in f if ln.strip()]
    env = dict(kv.split("=", 1) for kv in a.env)

    if a.user:
        drop_privileges(a.user)

    devnull = os.open("/dev/null", os.O_WRONLY)
    log = os.open(a.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "fail": 0, "codes": {}}

    def take():
        with lock:
            i = state["next"]
            if i >= len(msgs):
                return None
            state["next"] = i + 1
            return msgs[i]

    def stream():
        while True:
            m = take()
            if m is None:
                return
            fa = [(os.POSIX_SPAWN_OPEN, 0, m, os.O_RDONLY, 0),
                  (os.POSIX_SPAWN_DUP2, devnull, 1),
                  (os.POSIX_SPAWN_DUP2, log, 2)]
            try:
                pid = os.posix_spawn(cmd[0], cmd, env, file_actions=fa)
                _, status = os.waitpid(pid, 0)
                code = os.waitstatus_to_exitcode(status)
            except OSError as e:
                os.write(log, ("deliver-run: %s: %s\n" % (cmd[0], e))
                         .encode())
                code = 127
            with lock:
                if code == 0:
                    state["ok"] += 1
                else:
                    state["fail"] += 1
                state["codes"][code] = state["codes"].get(code, 0) + 1

    t0 = time.perf_counter()
    if a.jobs <= 1:
        stream()
    else:
        threads = [threading.Thread(target=stream) for _ in range(a.jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - t0

    codes = ",".join("%d:%d" % kv for kv in sorted(state["codes"].items()))
    print("elapsed=%.6f ok=%d fail=%d codes=%s" %
          (elapsed, state["ok"], state["fail"], codes))
    return 0


if __name__ == "__main__":
    sys.exit(main())

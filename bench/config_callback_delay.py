"""Delay from a config write in another process to the callback in this one.

A child process sets a parameter N times at random intervals and prints when
each write committed; this process records when its callback saw each value.
Baselines in the same run: the same-process callback delay (fires at once) and
one database round trip.  The budget is 1 s (spec section 3).

    python bench/config_callback_delay.py [--mysql] [--host 127.0.0.1] [--port 3306] [-n 40]
"""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

import _bench  # noqa: E402
from CryoCore import API  # noqa: E402

CHILD = """
import random, sys, time
import CryoCore
cfg = CryoCore.get_config("Bench")
for i in range(1, %d + 1):
    time.sleep(random.uniform(0.05, 0.4))
    cfg["value"] = i
    print("%%d %%r" %% (i, time.time()))
    sys.stdout.flush()
CryoCore.API.shutdown()
"""


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def main():
    args = _bench.parse_args(__doc__, ("-n", 40, "changes the other process makes"))
    with _bench.scratch_backend(args, settings_file=True) as backend:
        cfg = API.get_config("Bench")
        cfg["value"] = 0
        seen = {}
        done = threading.Event()

        def on_change(param):
            seen[param.get_value()] = time.time()
            if param.get_value() == args.n:
                done.set()
        cfg.add_callback("value", on_change)
        # baseline 1: a callback for a write in this process
        local = []
        for i in range(20):
            t0 = time.time()
            cfg["value"] = -1 - i
            local.append(seen[-1 - i] - t0)
        # baseline 2: one database round trip
        db = cfg._store.db
        rtt = []
        for i in range(20):
            t0 = time.time()
            db._execute("SELECT value FROM config WHERE name = %s", ("value",))
            rtt.append(time.time() - t0)
        env = dict(os.environ)
        env["PYTHONPATH"] = HERE + os.pathsep + env.get("PYTHONPATH", "")
        out = subprocess.check_output([sys.executable, "-c", CHILD % args.n], env=env)
        written = dict((int(a), float(b)) for a, b in (l.split() for l in out.decode().split("\n")
                                                         if l.strip()))
        done.wait(5.0)
        # a value overwritten within one poll is superseded: its delay is until a later one shows
        delays, superseded = [], 0
        for i, t in written.items():
            later = [seen[v] for v in seen if v >= i]
            if later:
                delays.append(min(later) - t)
                superseded += i not in seen
        missed = [i for i in written if not any(v >= i for v in seen)]
        print("config callback delay across processes (%s, Python %s, %d changes)"
              % (backend.label, sys.version.split()[0], len(written)))
        print("  same-process write+callback median %7.2f ms" % (pct(local, 50) * 1e3))
        print("  one DB round trip           median %7.2f ms" % (pct(rtt, 50) * 1e3))
        print("  other process -> callback   median %7.1f ms  p95 %7.1f ms  max %7.1f ms"
              % (pct(delays, 50) * 1e3, pct(delays, 95) * 1e3, max(delays) * 1e3))
        print("  ratio max delay / 1 s budget: %.2f;  median delay / DB round trip: %.0fx"
              % (max(delays), pct(delays, 50) / pct(rtt, 50)))
        print("  %d of %d values were superseded by a later write before the next poll"
              % (superseded, len(written)))
        if missed:
            print("  MISSED changes (callback never saw them): %s" % missed)


if __name__ == "__main__":
    main()

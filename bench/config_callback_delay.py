"""Delay from a config write in another process to the callback in this one.

A child process sets a parameter N times at random intervals and prints when
each write committed; this process records when its callback saw each value.
Baselines in the same run: the same-process callback delay (fires at once) and
one database round trip.  The budget is 1 s (spec section 3).

    python bench/config_callback_delay.py [--mysql] [--host 127.0.0.1] [--port 3306] [-n 40]
"""
from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

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
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mysql", action="store_true")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3306)
    p.add_argument("--user", default="root")
    p.add_argument("--password", default="")
    p.add_argument("-n", type=int, default=40)
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="ccbench-")
    dbname = None
    if args.mysql:
        dbname = "ccbench_%s" % uuid.uuid4().hex[:10]
        settings = {"db_type": "mysql", "db_host": args.host, "db_port": args.port,
                    "db_user": args.user, "db_password": args.password, "db_name": dbname}
    else:
        settings = {"db_type": "sqlite", "db_path": os.path.join(tmp, "bench.db")}
    settings_file = os.path.join(tmp, "settings.json")
    with open(settings_file, "w") as f:
        json.dump(settings, f)
    os.environ["CRYOCORE_CONFIG"] = settings_file
    try:
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
        backend = "MariaDB" if args.mysql else "SQLite"
        print("config callback delay across processes (%s, Python %s, %d changes)"
              % (backend, sys.version.split()[0], len(written)))
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
    finally:
        API.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
        if dbname:
            import mysql.connector
            conn = mysql.connector.connect(host=args.host, port=args.port, user=args.user,
                                           password=args.password, use_pure=True)
            conn.cursor().execute("DROP DATABASE IF EXISTS `%s`" % dbname)
            conn.close()


if __name__ == "__main__":
    main()

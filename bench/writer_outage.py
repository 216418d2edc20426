"""A producer through a 10 s database outage: caller cost, catch-up time, rows lost.

Starts a private MariaDB (own data directory and port), runs
``tests/_producer.py`` (1,000 status + 1,000 log rows/s through
``API.get_status`` and ``API.get_log``) and stops the server for 10 s in the
middle.  Prints the producer's per-call p50/p99/max in the
healthy phase and during the outage (ratio against healthy, same run), how
long after the restart the database had every row handed over so far, and
whether every row arrived once and in order.  Then SIGKILLs a producer 1.5 s
into an outage and prints how old the last row that survived was.

    python bench/writer_outage.py [--outage 10] [--rate 1000]
"""
from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
sys.path[:0] = [ROOT, TESTS]

from CryoCore.Core import InternalDB  # noqa: E402

from _mariadb import PrivateMariaDB  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] * 1e6


def windowed(calls, spans, width=0.5):
    out = []
    for start, end in spans:
        while start + width <= end:
            window = [d for t, d in zip(calls["t"], calls["dt"]) if start <= t < start + width]
            if len(window) > 100:
                out.append(pct(window, 0.99))
            start += width
    return out


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2.0


def count(settings, sql):
    db = InternalDB.mysql("bench", config=settings)
    try:
        return db._execute(sql).fetchall()
    finally:
        db.close()


def kill(server, settings, env, out, rate):
    """SIGKILL the producer 1.5 s into an outage; another program replays its spool."""
    for table in ("status", "log"):
        count(settings, "DELETE FROM %s" % table)
    proc = subprocess.Popen([sys.executable, os.path.join(TESTS, "_producer.py"), str(rate),
                             "30", out], env=env, stdout=subprocess.PIPE,
                            universal_newlines=True)
    proc.stdout.readline()
    time.sleep(0.5)
    server.stop()
    time.sleep(1.5)
    proc.kill()
    killed = time.time()
    handed = dict((int(k), float(t)) for k, t in
                  (line.split() for line in proc.communicate()[0].splitlines()
                   if line.split()[0].isdigit()))
    server.start()
    subprocess.check_call([sys.executable, "-c", "from CryoCore.Core import _runtime; "
                           "_runtime.replay_spools(); _runtime.shutdown(30)"], env=env)
    stored = count(settings, "SELECT COUNT(*) - 1, MAX(time) FROM log WHERE logger = 'outage'")[0]
    print("SIGKILL 1.5 s into an outage: %d log rows stored; the last was handed over %.2f s "
          "before the kill (bound: 0.5 s); %d handed over after it were lost"
          % (stored[0], killed - stored[1], max(handed) + 1 - stored[0]))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--outage", type=float, default=10.0)
    p.add_argument("--rate", type=int, default=1000)
    a = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="ccbench-outage-")
    server = PrivateMariaDB().start()
    try:
        settings = dict(server.settings("bench"), db_timeout=2, writer_retry_max=0.5,
                        spool_dir=os.path.join(tmp, "spool"))
        cfg = os.path.join(tmp, "settings.json")
        with open(cfg, "w") as f:
            json.dump(settings, f)
        out = os.path.join(tmp, "calls.json")
        seconds = a.outage + 6.0
        env = dict(os.environ, CRYOCORE_CONFIG=cfg,
                   PYTHONPATH=os.pathsep.join([ROOT, TESTS, os.environ.get("PYTHONPATH", "")]))
        proc = subprocess.Popen([sys.executable, os.path.join(TESTS, "_producer.py"),
                                 str(a.rate), str(seconds), out, "60"], env=env,
                                stdout=subprocess.PIPE, universal_newlines=True)
        ready = float(proc.stdout.readline().split()[1])
        time.sleep(3.0)
        down = time.time()
        server.stop()
        time.sleep(a.outage)
        server.start()
        up = time.time()
        handed_at_up = int((up - ready) * a.rate)
        while count(settings, "SELECT COUNT(*) FROM log WHERE logger = 'outage'")[0][0] \
                < handed_at_up + 1:  # (+ its "ready" line)
            time.sleep(0.05)
        caught_up = time.time() - up
        proc.communicate()
        with open(out) as f:
            calls = json.load(f)
        healthy = [d for t, d in zip(calls["t"], calls["dt"]) if ready + 0.5 <= t < down]
        outage = [d for t, d in zip(calls["t"], calls["dt"]) if down <= t < up]
        lines = [int(r[0][1:]) for r in count(
            settings, "SELECT message FROM log WHERE logger = 'outage' ORDER BY id")
            if r[0] != "ready"]
        n = int(a.rate * seconds)
        print("log rows: %d handed over, %d stored, in order and once: %s"
              % (n, len(lines), lines == list(range(n))))
        print("outage: %.1f s; every row handed over before the restart stored %.2f s after it"
              % (up - down, caught_up))
        for label, values in (("healthy", healthy), ("outage ", outage)):
            print("per call %s p50 %5.1f us  p99 %5.1f us  max %7.1f us"
                  % (label, pct(values, 0.5), pct(values, 0.99), max(values) * 1e6))
        print("p99 ratio outage/healthy: %.2f (target < 2)" % (pct(outage, 0.99) /
                                                               pct(healthy, 0.99)))
        windows_h = windowed(calls, [(ready + 0.5, down), (up + 1.0, ready + seconds)])
        windows_o = windowed(calls, [(down, up)])
        print("median of per-0.5 s p99 (as tests/test_outage.py): healthy %.1f us, outage "
              "%.1f us, ratio %.2f" % (median(windows_h), median(windows_o),
                                       median(windows_o) / median(windows_h)))
        kill(server, settings, env, out, a.rate)
    finally:
        server.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Many short-lived producers: N processes each set K changed status values into one MariaDB.

For each shape ``N x K`` (default 20x5000 and 50x2000), in the same run and
alternately, best of ``--rounds``:

- CryoCore: N processes started at once, each ``status["v"] = i`` for K
  values and ``API.shutdown()``; timed from the first start to the last exit,
  then all N*K rows are counted in the database (a missing row fails the bench);
- raw: this process inserts the same N*K rows with multi-row INSERTs (5000
  rows each, one commit each, mysql-connector) into ``status_raw``, a table
  made with ``CREATE TABLE ... LIKE status`` (same columns and indexes).

The ratio is CryoCore's rows/s over raw's: what N producers pay, start-up
included (interpreter, imports, connect, schema probe, id look-ups), compared
with one loop that only inserts.  Aims: 20x5000 >= 0.85x, 50x2000 >= 0.5x.

    python bench/status_producers.py                 # both shapes
    python bench/status_producers.py --shape 50x2000 --rounds 3
"""
from __future__ import absolute_import, division, print_function

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import _bench  # noqa: E402

PRODUCER = """
import sys
from CryoCore import API
API.shutdown_grace_period = 300  # every row stored before exit (the bench counts them)
status = API.get_status("Producer%s" % sys.argv[1])
for i in range(int(sys.argv[2])):
    status["v"] = i
API.shutdown()
"""
BATCH = 5000


def run_producers(n, k, env):
    """Seconds from starting N producer processes to the last one's exit."""
    start = time.time()
    procs = [subprocess.Popen([sys.executable, "-c", PRODUCER, str(i), str(k)], env=env,
                              cwd=ROOT) for i in range(n)]
    codes = [p.wait() for p in procs]
    took = time.time() - start
    if any(codes):
        raise SystemExit("a producer failed: exit codes %s" % codes)
    return took


def count_rows(conn, n):
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM status s JOIN status_channel c ON c.chanid = s.chanid "
                "WHERE c.name LIKE 'Producer%%'")
    got = cur.fetchone()[0]
    cur.execute("DELETE FROM status")
    return got


def run_raw(conn, n, k):
    """Seconds to insert N*K status-shaped rows with multi-row INSERTs into status_raw."""
    cur = conn.cursor()
    cur.execute("DELETE FROM status_raw")
    rows = [(time.time(), 1 + p, 1 + p, str(i), None) for p in range(n) for i in range(k)]
    start = time.time()
    for at in range(0, len(rows), BATCH):
        batch = rows[at:at + BATCH]
        sql = ("INSERT INTO status_raw (timestamp, paramid, chanid, value, expires) VALUES "
               + ",".join(["(%s,%s,%s,%s,%s)"] * len(batch)))
        cur.execute(sql, [v for row in batch for v in row])
        conn.commit()
    took = time.time() - start
    cur.execute("SELECT COUNT(*) FROM status_raw")
    assert cur.fetchone()[0] == n * k
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _bench.add_backend_args(parser, mysql_only=True)
    parser.add_argument("--shape", action="append", metavar="NxK",
                        help="producers x values each (repeatable; default 20x5000 and 50x2000)")
    parser.add_argument("--rounds", type=int, default=3, help="best of (%(default)s)")
    args = parser.parse_args()
    shapes = [tuple(int(x) for x in s.lower().split("x")) for s in args.shape or
              ["20x5000", "50x2000"]]
    with _bench.scratch_backend(args, settings_file=True) as backend:
        _bench.write_settings(backend.tmp, dict(backend.settings,
                                                spool_dir=os.path.join(backend.tmp, "spool")))
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        conn = backend.raw_connection(autocommit=False)
        # The status tables as a producer makes them, and a raw twin of ``status``.
        subprocess.check_call([sys.executable, "-c", PRODUCER, "Setup", "1"], env=env, cwd=ROOT)
        cur = conn.cursor()
        cur.execute("CREATE TABLE status_raw LIKE status")
        cur.execute("DELETE FROM status")
        conn.commit()
        print("%-8s %12s %12s %8s" % ("N x K", "CryoCore/s", "raw/s", "ratio"))
        for n, k in shapes:
            best_cc = best_raw = float("inf")
            for _ in range(args.rounds):
                took = run_producers(n, k, env)
                conn.commit()
                got = count_rows(conn, n)
                conn.commit()
                if got != n * k:
                    raise SystemExit("%dx%d: %d rows stored, %d expected" % (n, k, got, n * k))
                best_cc = min(best_cc, took)
                best_raw = min(best_raw, run_raw(conn, n, k))
            rows = n * k
            print("%-8s %12.0f %12.0f %7.2fx" % ("%dx%d" % (n, k), rows / best_cc,
                                                 rows / best_raw, best_raw / best_cc))
        conn.close()


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""End to end: 100,000 status changes from one process, all in MariaDB, timed.

Compared, in the same run and the same database, with a raw multi-row INSERT of
the same rows through the same driver (mysql-connector, pure Python), 1000 rows
per statement as the writer does.  Aim: ratio (ours / raw rate) >= 0.5.

    python bench/status_e2e.py            # MariaDB on 127.0.0.1:3306 as root
    python bench/status_e2e.py --host H --port P
    CC_TEST_MYSQL_HOST=... CC_TEST_MYSQL_PORT=... python bench/status_e2e.py
    (server credentials from CC_TEST_MYSQL_*, see bench/_bench.py)
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import _bench  # noqa: E402

N = int(os.environ.get("BENCH_N", "100000"))


def ours(settings_file):
    """Seconds from the first change to the last row committed (flush)."""
    os.environ["CRYOCORE_CONFIG"] = settings_file
    from CryoCore import API
    from CryoCore.Core import _runtime
    API.reset()
    status = API.get_status("Bench")
    status["warm"] = 0   # creates the tables and the ids: not part of the timing
    assert _runtime.writer().flush(60)
    names = ["p%d" % i for i in range(10)]
    start = time.time()
    for i in range(N):
        status[names[i % 10]] = i
    produced = time.time() - start
    assert _runtime.writer().flush(600)
    elapsed = time.time() - start
    API.shutdown()
    return elapsed, produced


def raw(conn, rows):
    cur = conn.cursor()
    one = "(%s,%s,%s,%s,%s)"
    start = time.time()
    for i in range(0, len(rows), 1000):
        chunk = rows[i:i + 1000]
        cur.execute("INSERT INTO status (timestamp, paramid, chanid, value, expires) VALUES "
                    + ",".join([one] * len(chunk)), [v for r in chunk for v in r])
    return time.time() - start


def main():
    args = _bench.parse_args(__doc__, mysql_only=True)  # --host/--port, as every bench
    with _bench.scratch_backend(args, settings_file=True) as backend:
        conn = backend.raw_connection()
        results = []
        for attempt in range(3):
            ours_s, produced = ours(backend.settings_file)
            cur = conn.cursor()
            cur.execute("SELECT COUNT(*) FROM status WHERE paramid IN "
                        "(SELECT paramid FROM status_parameter WHERE name LIKE 'p%%')")
            stored = cur.fetchone()[0]
            assert stored == N, stored
            cur.execute("SELECT paramid, chanid FROM status_parameter WHERE name='p0'")
            paramid, chanid = cur.fetchone()
            now = time.time()
            rows = [(now + i * 1e-6, paramid, chanid, str(i), None) for i in range(N)]
            raw_s = raw(conn, rows)
            cur.execute("DELETE FROM status")  # the next attempt starts from the same state
            results.append((ours_s, produced, raw_s))
        conn.close()
    best = min(results, key=lambda r: r[0])
    raw_best = min(r[2] for r in results)
    print("%d changes, MariaDB, mysql-connector (pure), best of 3" % N)
    print("ours: %.2f s end to end (%.0f rows/s); the caller spent %.2f s setting values"
          % (best[0], N / best[0], best[1]))
    print("raw multi-row INSERT of the same rows: %.2f s (%.0f rows/s)"
          % (raw_best, N / raw_best))
    print("ratio ours/raw rate: %.2f (aim >= 0.5)" % (raw_best / best[0]))


if __name__ == "__main__":
    main()

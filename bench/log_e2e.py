#!/usr/bin/env python
"""End to end: 100,000 log records into MariaDB vs a raw multi-row INSERT, in one run.

    python bench/log_e2e.py [--host 127.0.0.1] [--port 3306] [-n RECORDS] [--repeat R]

CryoCore: from the first ``log.info`` until ``flush()`` says every row is
stored (the logging calls, the writer and the driver all count).  Baseline:
the same rows as multi-row INSERTs of 1,000 rows through the same driver
(mysql-connector-python, pure), one connection, autocommit.  Target: the
CryoCore rate is at least half the baseline rate (ratio >= 0.5).  Uses
MariaDB in a scratch database (server from CC_TEST_MYSQL_*, default
127.0.0.1:3306, root, no password; see bench/_bench.py).
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402

COLUMNS = ("message", "level", "time", "msecs", "line", "func", "module", "logger")


def raw_insert(conn, n, chunk=1000):
    """The baseline: the rows a log.info("record %d", i) loop makes, 1,000 per INSERT."""
    cur = conn.cursor()
    head = "INSERT INTO log (%s) VALUES " % ",".join(COLUMNS)
    one = "(" + ",".join(["%s"] * len(COLUMNS)) + ")"
    start = time.time()
    for base in range(0, n, chunk):
        rows = []
        for i in range(base, min(n, base + chunk)):
            now = time.time()
            rows.extend(("record %d" % i, 20, now, (now - int(now)) * 1000, 42, "main",
                         "log_e2e", "bench"))
        cur.execute(head + ",".join([one] * (len(rows) // len(COLUMNS))), rows)
    took = time.time() - start
    cur.close()
    return took


def cryocore_insert(n):
    from CryoCore import API
    from CryoCore.Core import _runtime
    API.reset()
    log = API.get_log("bench")
    log.info("warm up")  # creates the table outside the timing
    assert _runtime.writer().flush(300)
    start = time.time()
    for i in range(n):
        log.info("record %d", i)
    assert _runtime.writer().flush(600)
    took = time.time() - start
    stats = _runtime.writer().stats()
    API.shutdown()
    return took, stats


def count(conn):
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM log")
    value = cur.fetchone()[0]
    cur.execute("DELETE FROM log")
    cur.close()
    return value


def main():
    args = _bench.parse_args(__doc__, ("-n", 100000, "log records"), ("--repeat", 3, "rounds"),
                             mysql_only=True)
    with _bench.scratch_backend(args, settings_file=True) as backend:
        from CryoCore.Core import InternalDB, _schema
        _schema.ensure(InternalDB.mysql("bench", service="log"), "log")
        conn = backend.raw_connection()
        raw_best, cc_best = None, None
        for _ in range(args.repeat):
            raw = raw_insert(conn, args.n)
            assert count(conn) == args.n
            cc, stats = cryocore_insert(args.n)
            stored = count(conn)
            assert stored == args.n + 1, "CryoCore stored %d of %d (%s)" % (stored, args.n + 1,
                                                                           stats)
            raw_best = raw if raw_best is None else min(raw_best, raw)
            cc_best = cc if cc_best is None else min(cc_best, cc)
        conn.close()
        print("Python %s, MariaDB, %d records, best of %d"
              % (sys.version.split()[0], args.n, args.repeat))
        print("raw multi-row INSERT  %7.2f s  %8.0f rows/s" % (raw_best, args.n / raw_best))
        print("CryoCore log.info     %7.2f s  %8.0f rows/s" % (cc_best, args.n / cc_best))
        print("rate ratio CryoCore/raw %.2f  (target >= 0.5)" % (raw_best / cc_best))


if __name__ == "__main__":
    main()

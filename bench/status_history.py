#!/usr/bin/env python
"""The history query: bucketed history vs fetching the raw rows, and how it grows.

One status table of --rows rows (default 1,000,000; one row every 10 ms) with 20
parameters interleaved: parameter "p50k" has 5% of the rows (50,000), "p200k" 20%
(200,000), "p600k" 60% (600,000), 17 others share the rest.  For each of the three,
over its whole time range (every one of its rows in range):

- buckets: ``StatusReader.buckets(param, start, end, 1000)`` (one GROUP BY query);
- raw: the plain ``SELECT timestamp, value ... WHERE paramid AND time range`` of the
  same rows, fetched through the same driver (what a tool would do without buckets);
- history: ``StatusReader.history`` streaming those rows (for reference).

Aims (issue 14): buckets of the 50,000 rows at most 0.2 s on MariaDB and at least 3x
faster than raw; the time grows with the rows in range, not with the table.  Best of
--repeat runs; the status_param_time index is built first the way writers build it.

    python bench/status_history.py                # MariaDB on 127.0.0.1:3306 as root
    python bench/status_history.py --rows 200000  # quicker, smaller table
    python bench/status_history.py --sqlite       # the embedded backend
"""
from __future__ import absolute_import, division, print_function

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import _bench  # noqa: E402

BASE = 1700000000.0
STEP = 0.01
# row number % 20 -> parameter: 1/20 "p50k", 4/20 "p200k", 12/20 "p600k", 3/20 others
SHARES = [("p50k", 1), ("p200k", 4), ("p600k", 12)]
OTHERS = 17


def parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="use a temp SQLite file")
    parser.add_argument("--rows", type=int, default=1000000, help="rows in the table")
    parser.add_argument("--buckets", type=int, default=1000, help="buckets per query")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best kept)")
    return parser.parse_args()


def fill(db, rows):
    """The table, by INSERT ... SELECT in the database (loading is not what we measure)."""
    from CryoCore.Core import _schema
    _schema.ensure(db, "status")
    db._execute("INSERT INTO status_channel (name) VALUES ('Bench')")
    names = [n for n, _ in SHARES] + ["other%d" % i for i in range(OTHERS)]
    for name in names:
        db._execute("INSERT INTO status_parameter (name, chanid) VALUES (%s, 1)", (name,))
    # paramid by n % 20: 0 -> 1, 1..4 -> 2, 5..16 -> 3, 17..19 -> 4 + (n / 20) % 17 (no
    # parameters are bound here, so a single % is plain SQL)
    pid = ("CASE WHEN n % 20 = 0 THEN 1 WHEN n % 20 <= 4 THEN 2 WHEN n % 20 <= 16 THEN 3 "
           "ELSE 4 + (n DIV 20) % 17 END")
    value = "CASE WHEN n % 97 = 0 THEN 'off' ELSE CAST(ROUND(SIN(n) * 100, 3) AS CHAR) END"
    if db.is_sqlite:
        pid = pid.replace("(n DIV 20)", "(n / 20)")
        value = value.replace("CAST(ROUND(SIN(n) * 100, 3) AS CHAR)",
                              "CAST((n * 7919) % 2001 - 1000 AS TEXT)")
        source = ("(WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < %d) "
                  "SELECT n FROM s)" % (rows - 1))
    else:
        source = "(SELECT seq AS n FROM seq_0_to_%d)" % (rows - 1)
    db._execute("INSERT INTO status (timestamp, paramid, chanid, value) SELECT %s + n * %s, "
                "%s, 1, %s FROM %s t" % (BASE, STEP, pid, value, source))


def main():
    args = parse()
    from CryoCore.Core import _status_upkeep
    from CryoCore.Core.InternalDB import mysql
    from CryoCore.Core._status_reader import StatusReader
    with _bench.scratch_backend("sqlite" if args.sqlite else "mysql") as backend:
        db = mysql("bench", config=dict(backend.settings, db_timeout=3600))
        t = time.time()
        fill(db, args.rows)
        print("%s: %d rows loaded in %.1f s" % (backend.label, args.rows, time.time() - t))
        t = time.time()
        _status_upkeep.Upkeep(backend.settings).add_indexes()
        print("indexes built in %.1f s (status_param_time, stat_exp, stat2d_exp)"
              % (time.time() - t))
        reader = StatusReader(db_cfg=backend.settings)
        start, end = BASE, BASE + args.rows * STEP
        print("%-6s %8s %10s %10s %10s %8s" % ("param", "rows", "buckets s", "raw s", "history s",
                                               "raw/bkt"))
        for name, share in SHARES:
            param = ("Bench", name)
            paramid = reader._ids([param])[0][1][0]
            out = {}

            def buckets():
                out["b"] = reader.buckets(param, start, end, args.buckets)

            def raw():
                out["r"] = db._execute("SELECT timestamp, value FROM status WHERE paramid = %s "
                                       "AND timestamp >= %s AND timestamp < %s",
                                       (paramid, start, end)).fetchall()

            def history():
                out["h"] = sum(1 for _ in reader.history([param], start, end))

            tb, tr = _bench.best(buckets, args.repeat), _bench.best(raw, args.repeat)
            th = _bench.best(history, 1)
            assert sum(b["count"] for b in out["b"]) == len(out["r"]) == out["h"]
            print("%-6s %8d %10.3f %10.3f %10.3f %8.1f"
                  % (name, len(out["r"]), tb, tr, th, tr / tb))
        reader.close()
        db.close()


if __name__ == "__main__":
    main()

"""TailStatus and TailLog on big tables: time per view at N rows vs at N/4 (issue 11 item 9).

Fills a scratch database (MariaDB by default; --sqlite for a temp file) with N/4
status rows and N/4 log rows, times every view form of both tools (run in this
process, output discarded, best of 3), grows the tables to N rows and times them
again.  The ratio (N vs N/4, same run) should stay near 1: each view reads about as
many rows whatever the table size.  Free-text words may scan (their -h says so) and
are shown for information only.

Rows: 100 channels x 10 parameters, a value change every 10 ms up to now; one log
row per 10 ms, 20 loggers, 20 modules, 1 in 100 at ERROR.

    python bench/tail_big.py [--sqlite] [--host 127.0.0.1] [--port 3306] [-n 1000000]
"""
from __future__ import absolute_import, division, print_function

import argparse
import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from CryoCore.Core import InternalDB, _schema  # noqa: E402
from CryoCore.Tools import TailLog, TailStatus  # noqa: E402

_clock = getattr(time, "perf_counter", time.time)
STEP = 0.01  # seconds between rows
CHANNELS, PARAMS, LOGGERS = 100, 10, 20

SINCE = "SINCE"  # replaced by the newest row's time - 60 s
STATUS_VIEWS = [("default (200 rows)", []), ("-n 10", ["-n", "10"]),
                ("--since (last 60 s)", ["--since", SINCE]),
                ("--channel Chan7", ["--channel", "Chan7"]),
                ("Chan7:p3", ["Chan7:p3"]), ("(scan) word p3", ["p3"])]
LOG_VIEWS = [("default (200 rows)", []), ("-n 10", ["-n", "10"]),
             ("--since (last 60 s)", ["--since", SINCE]), ("--level ERROR", ["--level", "ERROR"]),
             ("--logger L5", ["--logger", "L5"]), ("--module m7", ["--module", "m7"]),
             ("(scan) word needle", ["needle"])]


def fill(db, start, stop, now):
    """Status and log rows number start..stop-1 (row i at now - (total - i) * STEP)."""
    status, log = [], []
    for i in range(start, stop):
        t = now - (stop - i) * STEP
        p = i % (CHANNELS * PARAMS)
        status.append((t, p + 1, p // PARAMS + 1, str(i)))
        level = 40 if i % 100 == 0 else 20
        log.append(("message %d" % i, level, t, 0, 1, "f", "m%d" % (i % LOGGERS),
                    "L%d" % (i % LOGGERS)))
        if len(status) == 20000:
            _flush(db, status, log)
    _flush(db, status, log)


def _flush(db, status, log):
    with db._transaction():
        db._insert_many("status", ("timestamp", "paramid", "chanid", "value"), status)
        db._insert_many("log", ("message", "level", "time", "msecs", "line", "func", "module",
                                "logger"), log)
    del status[:], log[:]


def timed_view(main, argv, out_kw, newest):
    argv = [repr(newest - 60) if a == SINCE else a for a in argv]
    best = None
    for _ in range(3):
        sink = io.StringIO()
        start = _clock()
        if out_kw:
            main(["--bw"] + argv, out=sink)
        else:
            old, sys.stdout = sys.stdout, sink
            try:
                main(["--bw"] + argv)
            finally:
                sys.stdout = old
        took = _clock() - start
        best = took if best is None else min(best, took)
    return best


def measure(newest):
    out = []
    for label, argv in STATUS_VIEWS:
        out.append(("TailStatus " + label, timed_view(TailStatus.main, argv, True, newest)))
    for label, argv in LOG_VIEWS:
        out.append(("TailLog " + label, timed_view(TailLog.main, argv, False, newest)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="a temp SQLite file instead")
    srv = _bench.server()
    parser.add_argument("--host", default=srv["host"])
    parser.add_argument("--port", type=int, default=srv["port"])
    parser.add_argument("-n", type=int, default=1000000, help="rows at the end (%(default)s)")
    args = parser.parse_args()
    args.mysql = not args.sqlite
    with _bench.scratch_backend(args, settings_file=True) as backend:
        db = InternalDB.mysql("bench", config=backend.settings)
        for service in ("status", "log"):
            _schema.ensure(db, service)
        with db._transaction():
            db._insert_many("status_channel", ("chanid", "name"),
                            [(c + 1, "Chan%d" % c) for c in range(CHANNELS)])
            db._insert_many("status_parameter", ("paramid", "name", "chanid"),
                            [(p + 1, "p%d" % (p % PARAMS), p // PARAMS + 1)
                             for p in range(CHANNELS * PARAMS)])
        now = time.time()
        quarter = args.n // 4
        start = _clock()
        fill(db, 0, quarter, now - (args.n - quarter) * STEP)
        small = measure(now - (args.n - quarter) * STEP)
        fill(db, quarter, args.n, now)
        print("%s: filled %d status + %d log rows in %.0f s" % (backend.label, args.n, args.n,
                                                                 _clock() - start))
        big = measure(now)
        print("%-36s %10s %10s %7s" % ("view", "%d rows" % quarter, "%d rows" % args.n, "ratio"))
        for (label, t_small), (_, t_big) in zip(small, big):
            print("%-36s %9.3fs %9.3fs %7.2f" % (label, t_small, t_big, t_big / t_small))
        db.close()


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""StatusPlot: a PNG of one parameter over 1,000,000 rows in MariaDB, timed.

Baseline, in the same run: the bucket query alone (``StatusReader.buckets`` with the
bucket count a 1280-pixel picture uses), so the report says how much of the picture's
time is the query.  Then the whole ``StatusPlot.main`` in-process (matplotlib already
imported) and as a fresh process (what a user waits for, imports included).
Target: under 2 s, most of it the query.

    python bench/plot_speed.py                # MariaDB on 127.0.0.1:3306 as root
    python bench/plot_speed.py -n 200000 --host H --port P
"""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import _bench  # noqa: E402
import export_speed  # noqa: E402  (its loader: raw multi-row INSERTs plus the index)

ROUNDS = 3


def best(fn):
    return _bench.best(fn, ROUNDS)


def main():
    args = _bench.parse_args(__doc__, ("-n", 1000000, "rows of the plotted parameter"),
                             mysql_only=True)
    export_speed.PARAMS = 1
    with _bench.scratch_backend(args, settings_file=True) as backend:
        # a slow query must be measured, not cut off by the default 10 s timeout
        _bench.write_settings(backend.tmp, dict(backend.settings, db_timeout=120))
        print("loading %d rows into MariaDB ..." % args.n)
        export_speed.load(backend, args.n)
        from CryoCore.Core._status_reader import StatusReader
        from CryoCore.Tools import StatusPlot, _plot_png
        import matplotlib.figure  # noqa: F401  (imports are not the in-process figure)
        start, end = export_speed.T0 - 1, export_speed.T0 + args.n * 0.01
        span = ["--since", repr(start), "--until", repr(end)]
        reader = StatusReader()
        n = _plot_png.buckets_for(StatusPlot.DEFAULT_SIZE[0])
        query = best(lambda: reader.buckets(("Bench", "p0"), start, end, n))
        reader.close()
        png = os.path.join(backend.tmp, "p.png")
        inproc = best(lambda: StatusPlot.main(["Bench:p0", "-o", png] + span))
        env = dict(os.environ, PYTHONPATH=ROOT)
        cold = best(lambda: subprocess.check_call(
            [sys.executable, "-m", "CryoCore.Tools.StatusPlot", "Bench:p0", "-o", png] + span,
            env=env))
        print("bucket query (%d buckets)   %.2f s  (baseline)" % (n, query))
        print("PNG in-process              %.2f s  query share %.0f%%" % (inproc,
                                                                        100 * query / inproc))
        print("PNG as a new process        %.2f s  target < 2 s: %s" % (
            cold, "ok" if cold < 2 else "MISSED"))


if __name__ == "__main__":
    main()

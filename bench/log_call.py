#!/usr/bin/env python
"""Caller-side cost of a log call: CryoCore vs a stdlib FileHandler, measured in one run.

    python bench/log_call.py [--mysql] [--host 127.0.0.1] [--port 3306] [-n CALLS] [--repeat R]

Prints the time per call of ``log.info("value %d", i)`` through a CryoCore logger
and through a stdlib logger with a ``logging.FileHandler`` (target ratio <= 1,
aim 0.5), and of a call below the level against a disabled stdlib call
(target <= 1.1).  The CryoCore timing includes the background writer competing
for the GIL; the writer is flushed between rounds, outside the timing.
Default backend: a temporary SQLite file; ``--mysql`` uses MariaDB in a
scratch database (server from CC_TEST_MYSQL_*, default 127.0.0.1:3306, root,
no password; see bench/_bench.py).
"""
from __future__ import absolute_import, division, print_function

import logging
import os
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402


def per_call(fn, calls, repeat, between=None):
    """Best time per call over `repeat` rounds of `calls` calls."""
    best = None
    for _ in range(repeat):
        t = timeit.timeit(fn, number=calls) / calls
        if between:
            between()
        best = t if best is None else min(best, t)
    return best


def main():
    args = _bench.parse_args(__doc__, ("-n", 20000, "calls per round"),
                             ("--repeat", 7, "rounds"))
    with _bench.scratch_backend(args, settings_file=True) as backend:
        from CryoCore import API
        from CryoCore.Core import _runtime
        cc = API.get_log("bench")
        std = logging.getLogger("bench_stdlib")
        std.propagate = False
        std.setLevel(logging.DEBUG)
        std.addHandler(logging.FileHandler(os.path.join(backend.tmp, "stdlib.log")))
        flush = lambda: _runtime.writer().flush(120)  # noqa: E731
        cc.info("warm up")
        flush()
        counter = [0]

        def cc_call():
            counter[0] += 1
            cc.info("value %d", counter[0])

        def std_call():
            counter[0] += 1
            std.info("value %d", counter[0])

        results = {}
        # interleave rounds so machine noise hits both sides alike
        cc_best, std_best = None, None
        for _ in range(args.repeat):
            c = per_call(cc_call, args.n, 1, flush)
            s = per_call(std_call, args.n, 1)
            cc_best = c if cc_best is None else min(cc_best, c)
            std_best = s if std_best is None else min(std_best, s)
        results["info"] = (cc_best, std_best)

        cc.setLevel(logging.WARNING)
        std.setLevel(logging.WARNING)
        cc_off, std_off = None, None
        for _ in range(args.repeat):
            c = per_call(lambda: cc.debug("value %d", 1), args.n * 10, 1)
            s = per_call(lambda: std.debug("value %d", 1), args.n * 10, 1)
            cc_off = c if cc_off is None else min(cc_off, c)
            std_off = s if std_off is None else min(std_off, s)
        results["below level"] = (cc_off, std_off)
        stored = _runtime.writer().stats()
        API.shutdown()
        print("Python %s, backend %s, %d calls x %d rounds (best round)"
              % (sys.version.split()[0], backend.label, args.n, args.repeat))
        for name, target in (("info", 1.0), ("below level", 1.1)):
            c, s = results[name]
            print("%-12s CryoCore %7.3f us  stdlib %7.3f us  ratio %.2f  (target <= %.1f)"
                  % (name, c * 1e6, s * 1e6, c / s, target))
        print("writer: stored %(stored)d, dropped %(dropped)d, failed %(failed)d" % stored)


if __name__ == "__main__":
    main()

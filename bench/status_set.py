#!/usr/bin/env python
"""Caller cost of setting status values, as ratios to prometheus_client's Gauge.set.

Runs on a throw-away SQLite database unless $CRYOCORE_CONFIG is set.  Also
measures the caller's cost while the status database is down (port 1) and
what each design choice costs (lock, events, accounting).

    python bench/status_set.py
"""
from __future__ import absolute_import, division, print_function

import json
import os
import sys
import tempfile
import threading
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

N = int(os.environ.get("BENCH_N", "200000"))
REPEAT = 5


def best(stmt, ns, number=N):
    """Best per-call time in ns over REPEAT runs (the usual timeit practice)."""
    return min(timeit.repeat(stmt, globals=ns, number=number, repeat=REPEAT)) / number * 1e9


def use_settings(settings):
    d = tempfile.mkdtemp(prefix="ccbench-")
    path = os.path.join(d, "settings.json")
    with open(path, "w") as f:
        json.dump(settings, f)
    os.environ["CRYOCORE_CONFIG"] = path
    return d


def main():
    import prometheus_client
    from CryoCore import API
    from CryoCore.Core import _runtime

    if "CRYOCORE_CONFIG" not in os.environ:
        d = tempfile.mkdtemp(prefix="ccbench-")
        use_settings({"db_type": "sqlite", "db_path": os.path.join(d, "cc.db")})
    registry = prometheus_client.CollectorRegistry()
    gauge = prometheus_client.Gauge("bench_gauge", "bench", registry=registry)
    status = API.get_status("Bench")
    status["same"] = 7
    elem = status["same"]
    ctr = [0]
    status["changing"] = 0
    ch = status["changing"]
    ns = {"gauge": gauge, "status": status, "elem": elem, "ch": ch, "ctr": ctr,
          "it": iter(range(10 ** 9)), "next": next}
    results = []

    def row(label, ns_time, base):
        results.append((label, ns_time, ns_time / base))

    g = best("gauge.set(7)", ns)
    row("Gauge.set(7)", g, g)
    g_loop = best("gauge.set(next(it))", ns)
    row("Gauge.set(next(it))  [baseline for changes]", g_loop, g_loop)

    row("status['same'] = 7  (unchanged)", best("status['same'] = 7", ns), g)
    row("elem.set_value(7)   (unchanged)", best("elem.set_value(7)", ns), g)
    w = _runtime.writer()

    def changed(stmt, label):
        t = best(stmt, ns)
        w.flush(120)
        row(label, t, g_loop)

    changed("status['changing'] = next(it)", "status['changing'] = new  (changed)")
    changed("ch.set_value(next(it))", "elem.set_value(new)     (changed)")
    changed("ch.inc()", "elem.inc()              (changed)")

    # design choices, measured in isolation
    lock = threading.RLock()
    ns["lock"] = lock
    row("  of which: RLock acquire+release", best("with lock: pass", ns), g_loop)
    ev = threading.Event()
    ch.add_event_on_change(ev)
    changed("ch.set_value(next(it))", "elem.set_value(new) + event on change")
    ch.remove_event_on_change(ev)
    ch.add_event_on_value(-1, ev)
    row("elem.set_value(7) unchanged, with an event on value",
        best("elem2.set_value(7)", dict(ns, elem2=_watched(status, ev))), g)
    ch.remove_event_on_value(-1)
    row("  of which: writer.put (queue + byte accounting)",
        best("put(sink, item, 80)", {"put": w.put, "sink": None, "item": (1, 2, 3, 4)}), g_loop)
    w._queue.clear()
    w._in_bytes = w._out_bytes
    API.shutdown()

    # the database is down: the caller's cost must stay flat
    API.reset()
    use_settings({"db_type": "mysql", "db_host": "127.0.0.1", "db_port": 1, "db_name": "x",
                  "db_timeout": 1})
    down = API.get_status("BenchDown")
    down["c"] = 0
    ns2 = dict(ns, ch=down["c"])
    t = best("ch.set_value(next(it))", ns2, number=N // 2)
    row("elem.set_value(new), status DB down", t, g_loop)
    API.reset()

    width = max(len(r[0]) for r in results)
    print("%-*s %10s %8s" % (width, "operation", "ns/call", "ratio"))
    for label, t, ratio in results:
        print("%-*s %10.1f %8.2f" % (width, label, t, ratio))
    print("(unchanged rows: ratio to Gauge.set(7); changed rows: ratio to Gauge.set(next(it)))")


def _watched(status, ev):
    status["watched"] = 7
    e = status["watched"]
    e.add_event_on_value(8, ev)
    return e


if __name__ == "__main__":
    main()

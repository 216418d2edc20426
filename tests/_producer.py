"""A producer process for the outage tests: status and log rows through the shared writer.

Status rows come from ``API.get_status("outage")["k"] = k``, log rows from
``API.get_log("outage").info("m%d", k)``.  Run as a script::

    python tests/_producer.py RATE SECONDS OUTFILE [GRACE]

It prints ``ready`` once set up, then ``k time`` lines as it hands rows over,
writes ``{"t": [...], "dt": [...]}`` (call times) to OUTFILE and shuts down.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from CryoCore.Core import _runtime  # noqa: E402


def run(rate, seconds, outfile, grace):
    from CryoCore import API
    status = API.get_status("outage")  # the Status and Log services, through the shared writer
    log = API.get_log("outage")
    status["ready"] = 1  # set up (tables, ids) before the clock starts
    log.info("ready")
    writer = _runtime.writer()
    assert writer.flush(30)
    clock = time.perf_counter if hasattr(time, "perf_counter") else time.time
    times, durations = [], []
    print("ready", time.time())
    sys.stdout.flush()
    start = time.time()
    for k in range(int(rate * seconds)):
        due = start + k / float(rate)
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        now = time.time()
        t0 = clock()
        status["k"] = k
        t1 = clock()
        log.info("m%d", k)
        t2 = clock()
        times.append(now)
        durations.append(max(t1 - t0, t2 - t1))
        if k % 10 == 0:
            print(k, now)
            sys.stdout.flush()
    print("done", time.time())
    sys.stdout.flush()
    with open(outfile, "w") as f:
        json.dump({"t": times, "dt": durations, "stats": writer.stats()}, f)
    API.shutdown_grace_period = grace
    API.shutdown()


if __name__ == "__main__":
    run(float(sys.argv[1]), float(sys.argv[2]), sys.argv[3],
        float(sys.argv[4]) if len(sys.argv) > 4 else 30.0)

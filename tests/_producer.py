"""A producer process for the outage tests: status and log rows through the shared writer.

Log rows come from ``API.get_log("outage")`` (message ``m<k>``); status rows
from a sink shaped like the Status service's (channel/parameter ids resolved
in ``prepare``) into the real tables.  Run as a script::

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

from CryoCore.Core import InternalDB, _runtime, _schema  # noqa: E402
from CryoCore.Core._writer import Sink  # noqa: E402

STATUS_COLUMNS = ("timestamp", "paramid", "chanid", "value", "expires")
LOG_COLUMNS = ("message", "level", "time", "msecs", "line", "func", "module", "logger")


class StatusLikeSink(Sink):
    """Items ``(channel, parameter, value, timestamp, expires)``; ids resolved in prepare."""

    def __init__(self, db):
        Sink.__init__(self, db, "status", STATUS_COLUMNS)
        self._ids = {}

    def _ids_of(self, channel, name):
        key = (channel, name)
        if key not in self._ids:
            db = self.db
            db._execute("INSERT IGNORE INTO status_channel (name) VALUES (%s)", (channel,))
            chanid = db._execute("SELECT chanid FROM status_channel WHERE name = %s",
                                 (channel,)).fetchone()[0]
            db._execute("INSERT IGNORE INTO status_parameter (name, chanid) VALUES (%s, %s)",
                        (name, chanid))
            paramid = db._execute("SELECT paramid FROM status_parameter WHERE chanid = %s AND "
                                  "name = %s", (chanid, name)).fetchone()[0]
            self._ids[key] = (paramid, chanid)
        return self._ids[key]

    def prepare(self, items):
        rows = []
        for channel, name, value, timestamp, expires in items:
            paramid, chanid = self._ids_of(channel, name)
            rows.append((timestamp, paramid, chanid, value, expires))
        return rows


class LogLikeSink(Sink):
    """Items are log rows as they are stored."""

    def __init__(self, db):
        Sink.__init__(self, db, "log", LOG_COLUMNS)


def sinks():
    status_db = InternalDB.connect("producer-status", "status")
    log_db = InternalDB.connect("producer-log", "log")
    _schema.ensure(status_db, "status")
    _schema.ensure(log_db, "log")
    return StatusLikeSink(status_db), LogLikeSink(log_db)


def run(rate, seconds, outfile, grace):
    from CryoCore import API
    status = sinks()[0]
    log = API.get_log("outage")  # the Log service: rows through the shared writer
    writer = _runtime.writer()
    put = writer.put
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
        put(status, ("outage", "k", str(k), now, None), 64)
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
    import _producer  # the sinks' module must be importable by the process that replays
    _producer.run(float(sys.argv[1]), float(sys.argv[2]), sys.argv[3],
        float(sys.argv[4]) if len(sys.argv) > 4 else 30.0)

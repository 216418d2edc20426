"""What store-and-forward costs: put() vs prometheus Gauge.set, and burst throughput.

1. Caller cost: ns per ``writer.put`` (healthy database, and while the table is
   locked so everything goes to the spool) against ``Gauge.set`` of
   prometheus_client, measured in the same run.  Target: put <= 1x Gauge.set.
2. Burst throughput into MariaDB: 100,000 status-shaped rows handed over at
   once, writer with a spool vs without (rows not stored within a tick go
   through the disk, which is what bounds the loss on SIGKILL to 0.5 s).

    python bench/writer_spool.py [--rows N] [--host 127.0.0.1] [--port 3306]

MariaDB credentials as for every bench (CC_TEST_MYSQL_*, see _bench.py).
"""
from __future__ import absolute_import, division, print_function

import os
import sqlite3
import sys
import time
import timeit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from CryoCore.Core import InternalDB  # noqa: E402
from CryoCore.Core._writer import BackgroundWriter, Sink  # noqa: E402

COLUMNS = ("timestamp", "paramid", "chanid", "value", "expires")
TABLE = """CREATE TABLE IF NOT EXISTS rows_%s (id INTEGER PRIMARY KEY AUTO_INCREMENT,
    timestamp DOUBLE, paramid INTEGER, chanid INTEGER, value VARCHAR(2048), expires DOUBLE)"""


def per_call_ns(fn, n=20000):
    return min(timeit.repeat(fn, number=n, repeat=5)) / n * 1e9


def caller_cost(tmp):
    from prometheus_client import CollectorRegistry, Gauge
    gauge = Gauge("bench_value", "bench", registry=CollectorRegistry())
    gauge_ns = per_call_ns(lambda: gauge.set(42.0))
    path = os.path.join(tmp, "bench.db")
    db = InternalDB.mysql("bench", config={"db_type": "sqlite", "db_path": path,
                                           "db_timeout": 0.5})
    db._init_sqls([TABLE % "put"])
    sink = Sink(db, "rows_put", COLUMNS)
    item = (time.time(), 1, 1, "42.0", None)
    w = BackgroundWriter(spool_dir=os.path.join(tmp, "spool"), max_bytes=1 << 30)
    healthy_ns = per_call_ns(lambda: w.put(sink, item, 64))
    w.flush()
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the database is "down": rows go to the spool
    w.put(sink, item, 64)
    while not w.stats()["spooled"]:
        time.sleep(0.01)
    outage_ns = per_call_ns(lambda: w.put(sink, item, 64))
    time.sleep(0.5)
    spooled = w.stats()["spooled"]
    lock.execute("ROLLBACK")
    w.flush()
    w.stop()
    print("Gauge.set (baseline)       %6.0f ns" % gauge_ns)
    print("put, database healthy      %6.0f ns   ratio %.2f" % (healthy_ns, healthy_ns / gauge_ns))
    print("put, database away         %6.0f ns   ratio %.2f   (%d rows spooled meanwhile)"
          % (outage_ns, outage_ns / gauge_ns, spooled))


def burst(settings, table, n, spool_dir):
    sink = Sink(InternalDB.mysql("bench", config=settings), table, COLUMNS)
    w = BackgroundWriter(spool_dir=spool_dir, max_bytes=1 << 30)
    now = time.time()
    start = time.time()
    for i in range(n):
        w.put(sink, (now + i * 1e-4, i % 50, 1, str(i), None), 64)
    w.flush()
    elapsed = time.time() - start
    w.stop()
    return n / elapsed


def throughput(tmp, n, settings):
    InternalDB.mysql("bench", config=settings)._init_sqls([TABLE % "memory", TABLE % "spool"])
    memory = burst(settings, "rows_memory", n, None)
    spool = burst(settings, "rows_spool", n, os.path.join(tmp, "spool2"))
    print("burst of %d rows, memory only  %8.0f rows/s" % (n, memory))
    print("burst of %d rows, with spool   %8.0f rows/s   ratio %.2f" % (n, spool,
                                                                      spool / memory))


def main():
    args = _bench.parse_args(__doc__, ("--rows", 100000, "rows per burst"), mysql_only=True)
    with _bench.scratch_backend(args) as backend:
        caller_cost(backend.tmp)
        throughput(backend.tmp, args.rows, backend.settings)


if __name__ == "__main__":
    main()

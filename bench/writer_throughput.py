"""Rows/s the background writer sustains into MariaDB vs a raw multi-row INSERT.

Both sides insert the same 100,000 status-shaped rows with the same driver
(mysql-connector-python, pure) into fresh tables of one scratch database, in
the same run.  Prints the ratio writer/raw (>= 0.5 is the target).

    python bench/writer_throughput.py [--rows N] [--host 127.0.0.1] [--port 3306]

(server credentials from CC_TEST_MYSQL_*, see bench/_bench.py)
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from CryoCore.Core import InternalDB  # noqa: E402
from CryoCore.Core._writer import BackgroundWriter, Sink  # noqa: E402

TABLE = """CREATE TABLE %s (id INTEGER PRIMARY KEY AUTO_INCREMENT, timestamp DOUBLE,
    paramid INTEGER, chanid INTEGER, value VARCHAR(2048), expires DOUBLE)"""
COLUMNS = ("timestamp", "paramid", "chanid", "value", "expires")


def rows(n):
    now = time.time()
    return [(now + i * 1e-4, i % 50, 1, str(i), None) for i in range(n)]


def raw_insert(conn, data, batch=1000):
    cur = conn.cursor()
    one = "(%s,%s,%s,%s,%s)"
    start = time.time()
    for i in range(0, len(data), batch):
        chunk = data[i:i + batch]
        cur.execute("INSERT INTO raw_rows (%s) VALUES %s" % (",".join(COLUMNS),
                                                             ",".join([one] * len(chunk))),
                    [v for r in chunk for v in r])
    conn.commit()
    return time.time() - start


def writer_insert(settings, data):
    sink = Sink(InternalDB.mysql("bench", config=settings), "writer_rows", COLUMNS)
    w = BackgroundWriter()
    start = time.time()
    for r in data:
        w.put(sink, r, 64)
    w.flush()
    elapsed = time.time() - start
    w.stop()
    return elapsed


def main():
    a = _bench.parse_args(__doc__, ("--rows", 100000, "rows each side inserts"),
                          mysql_only=True)
    with _bench.scratch_backend(a) as backend:
        conn = backend.raw_connection(autocommit=False)
        try:
            _run(a, backend, conn)
        finally:
            conn.close()  # before the DROP: an open transaction would block it


def _run(a, backend, conn):
    cur = conn.cursor()
    cur.execute(TABLE % "raw_rows")
    cur.execute(TABLE % "writer_rows")
    data = rows(a.rows)
    raw = raw_insert(conn, data)
    wr = writer_insert(backend.settings, data)
    cur.execute("SELECT COUNT(*) FROM writer_rows")
    stored = cur.fetchone()[0]
    assert stored == a.rows, "writer stored %d of %d rows" % (stored, a.rows)
    print("rows: %d" % a.rows)
    print("raw multi-row insert: %8.0f rows/s" % (a.rows / raw))
    print("background writer:    %8.0f rows/s" % (a.rows / wr))
    print("ratio writer/raw:     %8.2f  (target >= 0.5)" % (raw / wr))


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""StatusExport from MariaDB: rows/s to CSV and Parquet, and memory growth, for 1,000,000 rows.

The rows (4 parameters interleaved, one row every 10 ms) are loaded with raw multi-row
INSERTs, then exported in-process with ``StatusExport.main``.  Baseline, in the same
run: fetching the same rows with a plain keyset-paged SELECT through the same driver
(what any exporter has to pay).  Memory: peak RSS growth during the export, after
a one-second export has loaded what the format's library needs.  Targets: >= 50,000
rows/s for CSV and Parquet, peak memory growth (max RSS) < 50 MB.

    python bench/export_speed.py              # MariaDB on 127.0.0.1:3306 as root
    python bench/export_speed.py -n 200000 --host H --port P
"""
from __future__ import absolute_import, division, print_function

import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import _bench  # noqa: E402

PARAMS = 4
T0 = 1764400000.0


def load(backend, n):
    """Create the tables through the API, then insert `n` rows with raw SQL."""
    from CryoCore import API
    from CryoCore.Core import _runtime
    API.reset()
    status = API.get_status("Bench")
    for i in range(PARAMS):
        status["p%d" % i].set_value(0, timestamp=T0 - 1)
    assert _runtime.writer().flush(60)
    API.shutdown()
    conn = backend.raw_connection(autocommit=False)
    cur = conn.cursor()
    cur.execute("SELECT p.paramid, p.chanid FROM status_parameter p ORDER BY p.name")
    ids = cur.fetchall()
    one = "(%s,%s,%s,%s,%s)"
    for i in range(0, n, 2000):
        rows = [(T0 + k * 0.01, ids[k % PARAMS][0], ids[k % PARAMS][1],
                 "%.3f" % (20 + (k % 977) / 100.0), None) for k in range(i, min(n, i + 2000))]
        cur.execute("INSERT INTO status (timestamp, paramid, chanid, value, expires) VALUES "
                    + ",".join([one] * len(rows)), [v for r in rows for v in r])
    conn.commit()
    cur.execute("SHOW INDEX FROM status WHERE Key_name = 'status_param_time'")
    if not cur.fetchall():  # what a writer adds in the background
        cur.execute("CREATE INDEX status_param_time ON status (paramid, timestamp)")
    conn.close()
    return [i[0] for i in ids]


def baseline(backend, paramids, n):
    """Seconds to fetch the rows with a plain keyset-paged SELECT (5000 per page)."""
    conn = backend.raw_connection()
    cur = conn.cursor()
    start, got = time.time(), 0
    for pid in paramids:
        last = (T0 - 0.5, 0)
        while True:
            cur.execute("SELECT timestamp, id, value FROM status WHERE paramid = %s AND "
                        "timestamp >= %s AND (timestamp > %s OR id > %s) "
                        "ORDER BY timestamp, id LIMIT 5000", (pid, last[0], last[0], last[1]))
            rows = cur.fetchall()
            got += len(rows)
            if len(rows) < 5000:
                break
            last = rows[-1][:2]
    conn.close()
    assert got == n, (got, n)
    return time.time() - start


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def export(fmt, path):
    """(seconds, MB of peak RSS growth) of exporting every row; before it, one second of
    rows is exported so that what the format's library takes on first use (code, codecs,
    thread pools: about 50 MB for pyarrow's Parquet writer) is not counted as growth."""
    from CryoCore.Tools import StatusExport
    warm = ["Bench", "--since", repr(T0 - 0.5), "--format", fmt, "--no-progress", "-o", path]
    assert StatusExport.main(warm + ["--until", repr(T0 + 1)]) == 0
    rss = max_rss_mb()
    start = time.time()
    status = StatusExport.main(warm)
    elapsed = time.time() - start
    assert status == 0
    return elapsed, max_rss_mb() - rss


def main():
    args = _bench.parse_args(__doc__, ("-n", 1000000, "rows"), mysql_only=True)
    with _bench.scratch_backend(args, settings_file=True) as backend:
        print("loading %d rows into MariaDB ..." % args.n)
        paramids = load(backend, args.n)
        results = {}
        for fmt, name in (("csv", "x.csv"), ("parquet", "x.parquet")):
            path = os.path.join(backend.tmp, name)
            results[fmt] = export(fmt, path)
            print("%-8s %7.2f s  %9.0f rows/s  max RSS growth %6.1f MB  file %6.1f MB"
                  % (fmt, results[fmt][0], args.n / results[fmt][0], results[fmt][1],
                     os.path.getsize(path) / 1e6))
        raw = baseline(backend, paramids, args.n)
        print("raw SELECT %5.2f s  %9.0f rows/s (baseline)" % (raw, args.n / raw))
        for fmt in ("csv", "parquet"):
            secs, grew = results[fmt]
            print("%-8s ratio to raw fetch %.2f; %s rows/s target >= 50,000: %s; memory < 50 MB: %s"
                  % (fmt, raw / secs, "{:,.0f}".format(args.n / secs),
                     "ok" if args.n / secs >= 50000 else "MISSED",
                     "ok" if grew < 50 else "MISSED"))


if __name__ == "__main__":
    main()

"""DbSync catch-up rate over a local connection vs a raw multi-row INSERT, same run.

A field SQLite file with N status rows is copied to a scratch MariaDB database by the
sync engine (in-process, compression as the tool uses it); the baseline inserts the same
rows (ground form: ground ids, source, field id) into a table made LIKE the ground's
status table, with the same driver in 1,000-row statements.  Prints rows/s of both and
the ratio sync/raw (target >= 0.5).

    python bench/sync_catchup.py [--rows N] [--host 127.0.0.1] [--port 3306]
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from _sync_field import make_field  # noqa: E402


def raw_insert(conn, rows, batch=1000):
    cur = conn.cursor()
    columns = "timestamp, paramid, chanid, value, aux, expires, cc_source, cc_field_id"
    one = "(" + ",".join(["%s"] * 8) + ")"
    start = time.time()
    for i in range(0, len(rows), batch):
        chunk = rows[i:i + batch]
        cur.execute("INSERT INTO raw_status (%s) VALUES %s" % (columns, ",".join([one] * len(chunk))),
                    [v for r in chunk for v in r])
    conn.commit()
    return time.time() - start


def sync_run(field_path, ground_settings, compress):
    from CryoCore.Core import _sync_run
    field = dict((s, {"db_type": "sqlite", "db_path": field_path}) for s in ("config", "status", "log"))
    ground = dict((s, dict(ground_settings, db_compress=compress, ssl={}))
                  for s in ("config", "status", "log"))
    sync = _sync_run.Sync(field, ground, "bench%d" % compress, ("status",))
    sync.connect()
    start = time.time()
    while True:
        if not sync.step() and sync.caught_up():
            break
    elapsed = time.time() - start
    copied = sync.copied["status"]
    sync.close()
    return copied, elapsed


def main():
    args = _bench.parse_args(__doc__, ("--rows", 100000, "status rows"), mysql_only=True)
    with _bench.scratch_backend(args) as ground:
        field_path = os.path.join(ground.tmp, "field.db")
        rows = make_field(field_path, args.rows)
        n, t_sync = sync_run(field_path, ground.settings, True)
        assert n == args.rows, (n, args.rows)
        n2, t_plain = sync_run(field_path, ground.settings, False)
        conn = ground.raw_connection(autocommit=False)
        conn.cursor().execute("CREATE TABLE raw_status LIKE status")
        data = [(r[0], r[1] + 1000, r[2] + 1000, r[3], None, r[4], 3, i + 1)
                for i, r in enumerate(rows)]
        t_raw = raw_insert(conn, data)
        conn.close()
    raw_rate, sync_rate, plain_rate = args.rows / t_raw, args.rows / t_sync, n2 / t_plain
    print("raw multi-row INSERT : %8.0f rows/s" % raw_rate)
    print("sync (compressed)    : %8.0f rows/s  ratio %.2f (target >= 0.5)" % (sync_rate, sync_rate / raw_rate))
    print("sync (uncompressed)  : %8.0f rows/s  ratio %.2f" % (plain_rate, plain_rate / raw_rate))


if __name__ == "__main__":
    main()

"""A field database for the sync benches (not a benchmark itself): a SQLite file with the
CryoCore status tables and `n` status rows of 50 parameters, written with plain SQL."""
from __future__ import absolute_import, division, print_function

import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from CryoCore.Core import _schema  # noqa: E402


def make_field(path, n, channel="Drone", params=50, start=None):
    """Create `path` with `n` status rows (numeric values, 10 rows/s per parameter)."""
    conn = sqlite3.connect(path)
    for sql in _schema.statements("sqlite", "status") + _schema.statements("sqlite", "log"):
        conn.execute(sql)
    conn.execute("INSERT INTO status_channel (name) VALUES (?)", (channel,))
    chanid = conn.execute("SELECT chanid FROM status_channel WHERE name = ?", (channel,)).fetchone()[0]
    ids = []
    for p in range(params):
        conn.execute("INSERT INTO status_parameter (name, chanid) VALUES (?, ?)", ("p%02d" % p, chanid))
        ids.append(conn.execute("SELECT last_insert_rowid()").fetchone()[0])
    t0 = (start or time.time()) - n / 500.0
    rows = [(t0 + i / 500.0, ids[i % params], chanid, "%.2f" % (100 + (i % 977) * 0.37), None)
            for i in range(n)]
    conn.executemany("INSERT INTO status (timestamp, paramid, chanid, value, expires) "
                     "VALUES (?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return rows

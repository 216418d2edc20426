"""The shared background writer on both backends."""
from __future__ import absolute_import, division, print_function

import subprocess
import sys
import textwrap
import time

import pytest

from CryoCore.Core import InternalDB
from CryoCore.Core._writer import BackgroundWriter, Sink

ROWS_TABLE = """CREATE TABLE IF NOT EXISTS wtest (
    id INTEGER PRIMARY KEY AUTO_INCREMENT, k INTEGER, v VARCHAR(16))"""


def make_sink(settings):
    db = InternalDB.mysql("wtest", config=settings)
    db._init_sqls([ROWS_TABLE])
    return Sink(db, "wtest", ("k", "v"))


def count(sink):
    return sink.db._execute("SELECT COUNT(*) FROM wtest").fetchone()[0]


@pytest.mark.smoke
def test_rows_handed_over_before_stop_are_all_stored(backend):
    """stop() stores all 5,000 rows handed over before it, in order; twice is fine."""
    sink = make_sink(backend.settings)
    w = BackgroundWriter()
    for i in range(5000):
        w.put(sink, (i, "v%d" % i))
    w.stop()
    assert count(sink) == 5000
    ks = [r[0] for r in sink.db._execute("SELECT k FROM wtest ORDER BY id").fetchall()]
    assert ks == list(range(5000))
    w.stop()  # idempotent


def test_flush_waits_until_stored(backend):
    """flush() returns once the rows are stored, long before the interval."""
    sink = make_sink(backend.settings)
    w = BackgroundWriter(interval=30)  # only flush() can make this prompt
    w.put(sink, (1, "a"))
    assert w.flush(10)
    assert count(sink) == 1
    w.stop()


def test_bad_row_does_not_take_its_batch_down(backend):
    """A row the database refuses is counted as failed; the other nine are stored."""
    sink = make_sink(backend.settings)
    if backend.kind == "sqlite":  # SQLite does not enforce VARCHAR lengths: use a CHECK
        sink.db._execute("DROP TABLE wtest")
        sink.db._execute("CREATE TABLE wtest (id INTEGER PRIMARY KEY AUTOINCREMENT, k INTEGER,"
                         " v VARCHAR(16) CHECK (length(v) <= 16))")
    else:
        sink.db._execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES'")
    w = BackgroundWriter()
    for i in range(10):
        w.put(sink, (i, "x" * 100 if i == 4 else "ok"))
    w.stop()
    assert count(sink) == 9
    assert w.failed == 1 and "wtest" in w.last_error


def test_memory_bound_counts_what_it_cannot_keep(backend):
    """Beyond max_bytes in memory rows are dropped and counted, never silently."""
    sink = make_sink(backend.settings)
    w = BackgroundWriter(max_bytes=1000, interval=30)
    w._thread = object()  # pretend the thread runs but never drains
    kept = sum(1 for i in range(100) if w.put(sink, (i, "x"), size=100))
    assert kept == 11 and w.dropped == 89
    assert w.stats()["dropped"] == 89


def test_down_server_does_not_block_the_caller():
    """put() with the database unreachable returns at once; the rows are counted at stop."""
    sink = Sink(InternalDB.mysql("down", config={
        "db_type": "mysql", "db_host": "127.0.0.1", "db_port": 1, "db_name": "x",
        "db_timeout": 1}), "wtest", ("k", "v"))
    w = BackgroundWriter()
    start = time.time()
    for i in range(1000):
        w.put(sink, (i, "v"))
    assert time.time() - start < 0.5
    assert not w.flush(0.3)
    w.stop(timeout=1.0)
    assert w.dropped == 1000 and "cannot connect" in w.last_error


@pytest.mark.smoke
def test_process_exiting_without_shutdown_stores_everything(backend):
    """A real subprocess: rows put just before exit are stored by the atexit hook."""
    script = textwrap.dedent("""
        import sys
        from CryoCore.Core import InternalDB, _runtime
        from CryoCore.Core._writer import Sink
        db = InternalDB.mysql("wtest")
        db._init_sqls([%r])
        sink = Sink(db, "wtest", ("k", "v"))
        w = _runtime.writer()
        for i in range(3000):
            w.put(sink, (i, "p"))
    """ % ROWS_TABLE)
    start = time.time()
    subprocess.check_call([sys.executable, "-c", script], env=backend.env())
    assert time.time() - start < 20
    sink = make_sink(backend.settings)
    assert count(sink) == 3000

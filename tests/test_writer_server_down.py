"""The writer against a private MariaDB that stops: the caller never waits (spec 8)."""
from __future__ import absolute_import, division, print_function

import time

import pytest

from CryoCore.Core import InternalDB
from CryoCore.Core._writer import BackgroundWriter, Sink



@pytest.fixture
def server(private_mariadb):
    return private_mariadb


def test_stopped_server_does_not_block_the_caller_and_rows_arrive_after_restart(server):
    """With the server stopped put() never blocks; every row arrives after the restart."""
    settings = dict(server.settings("wdown"), db_timeout=2)
    db = InternalDB.mysql("w", config=settings)
    db._init_sqls(["CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTO_INCREMENT, k INT)"])
    sink = Sink(db, "t", ("k",))
    w = BackgroundWriter()
    for i in range(100):
        w.put(sink, (i,))
    assert w.flush(10)
    server.stop()
    worst = 0.0
    for i in range(100, 2100):
        start = time.time()
        w.put(sink, (i,))
        worst = max(worst, time.time() - start)
        if i % 100 == 0:
            time.sleep(0.05)  # let the writer hit the dead server meanwhile
    assert worst < 0.05, "put() blocked for %.3f s" % worst
    assert not w.flush(0.5)
    server.start()
    assert w.flush(30), w.stats()
    w.stop()
    rows = [r[0] for r in db._execute("SELECT k FROM t ORDER BY id").fetchall()]
    assert rows == list(range(2100))

"""Config against a private MariaDB that pauses and stops: reads never wait on it."""
from __future__ import absolute_import, division, print_function

import threading
import time

import pytest

from CryoCore import API



@pytest.fixture
def server(private_mariadb):
    return private_mariadb


def test_reads_served_while_server_paused_or_stopped(server, capsys):
    """Reads stay under 10 ms while the server is paused or stopped; callbacks resume."""
    settings = dict(server.settings("cfgdown"), db_timeout=2)
    cfg = API.get_config("Dev", db_cfg=settings)
    cfg["x"] = 1
    changed = threading.Event()
    cfg.add_callback("x", lambda p: changed.set())
    server.pause()  # the poller blocks in a query; readers must not
    try:
        time.sleep(0.5)
        worst = 0.0
        for _ in range(2000):
            start = time.time()
            assert cfg["x"] == 1
            worst = max(worst, time.time() - start)
        assert worst < 0.01, "a read waited %.3f s" % worst
    finally:
        server.resume()
    server.stop()
    for _ in range(100):
        assert cfg["x"] == 1 and cfg.get("x").value == 1
    time.sleep(1.5)  # let the poller hit the stopped server
    server.start()
    other = API.get_config("Dev", db_cfg=dict(settings, db_name="cfgdown"))
    assert other is cfg  # same settings, same object
    from CryoCore.Core import InternalDB
    raw = InternalDB.mysql("raw", config=settings)
    raw._execute("UPDATE config SET value = '2' WHERE name = 'x'")
    raw.close()
    assert changed.wait(5.0), "the change after restart never arrived"
    assert cfg["x"] == 2
    err = capsys.readouterr().err
    # reported, not once per failed poll (about 7 of them), and the recovery too
    assert 1 <= err.count("config poller:") <= 2 and "reachable again" in err

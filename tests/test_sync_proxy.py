"""DbSync over a poor link, through a fault-injecting TCP proxy (tests/_faultproxy.py):
delay, a throughput cap, dropped and hanging connections, --max-kbps measured at the
proxy, and the latest-values lane ahead of a draining backlog."""
from __future__ import absolute_import, division, print_function

import signal
import sys
import time

import pytest

from _sync import (assert_equal_tables, drop, field, field_rows, ground_mysql,  # noqa: F401
                   ground_rows, produce, raw, sync, sync_proc)  # (field: a fixture)
from conftest import MYSQL_SERVER, wait_exit, write_settings

pytestmark = pytest.mark.skipif(sys.version_info < (3, 7), reason="the proxy is asyncio")


@pytest.fixture
def link(tmp_path):
    """(ground settings, settings file through the proxy, proxy)."""
    from _faultproxy import FaultProxy
    settings, _ = ground_mysql(tmp_path)
    proxy = FaultProxy((MYSQL_SERVER["db_host"], MYSQL_SERVER["db_port"])).start()
    via = dict(settings, db_host="127.0.0.1", db_port=proxy.port, db_timeout=2)
    path = write_settings(tmp_path / "via-proxy.json", via)
    yield settings, path, proxy
    proxy.stop()
    drop(settings)


def _stop(proc):
    proc.send_signal(signal.SIGTERM)
    assert wait_exit(proc, 20) == 0, proc.stderr.read()


def test_delay_and_throughput_cap(field, link):
    """20 ms added each way and a 60 kB/s cap: --once still ends with equal tables."""
    settings, path, proxy = link
    produce(field, 10, "d")
    assert sync(field, path, "--once", "--source", "slow")[0] == 0   # the ground's tables
    proxy.delay, proxy.rate = 0.02, 60000
    produce(field, 500, "d")
    rc, out, err = sync(field, path, "--once", "--source", "slow", timeout=60)
    assert rc == 0, err
    assert_equal_tables(field.settings, settings, "slow")


def test_dropped_and_hanging_connections(field, link):
    """Cut and hanging connections: the sync reconnects with back-off; the tables end equal."""
    settings, path, proxy = link
    produce(field, 800, "x")
    proc = sync_proc(field, path, "--follow", "--source", "cut")
    writer = produce(field, 1200, "y", rate=300, wait=False)
    try:
        time.sleep(1.0)
        proxy.drop()
        time.sleep(1.0)
        proxy.hang = True
        time.sleep(3.0)          # longer than db_timeout (2 s): the sync gives up on it
        proxy.drop()
        proxy.hang = False
        time.sleep(0.5)
        proxy.drop()
        assert writer.wait() == 0
        want = len(field_rows(field.settings, "log"))
        deadline = time.time() + 30
        while len(ground_rows(settings, "log", "cut")) < want and time.time() < deadline:
            time.sleep(0.3)
    finally:
        _stop(proc)
    assert proxy.connections >= 4
    rc, out, err = sync(field, path, "--once", "--source", "cut")
    assert rc == 0, err
    assert_equal_tables(field.settings, settings, "cut")


def test_max_kbps_over_any_10s_window_and_the_latest_lane(field, link):
    """--max-kbps holds over every 10 s window; --latest values arrive during the backlog."""
    settings, path, proxy = link
    produce(field, 6000, "back")
    live = produce(field, 400, "live", rate=25, wait=False)
    proc = sync_proc(field, path, "--follow", "--source", "kb", "--max-kbps", "64",
                     "--latest", "Field.live", "--latest-every", "1", "--tables", "status,log")
    lags = []
    try:
        start = time.time()
        while time.time() - start < 12:
            time.sleep(0.5)
            if time.time() - start < 3:
                continue
            newest = raw(field.settings, "SELECT MAX(s.timestamp) FROM status s JOIN "
                         "status_parameter p ON p.paramid = s.paramid WHERE p.name = 'k' AND "
                         "s.chanid = (SELECT chanid FROM status_channel WHERE name = 'Field.live')")
            got = raw(settings, "SELECT MAX(s.timestamp) FROM status s JOIN status_parameter p "
                      "ON p.paramid = s.paramid WHERE p.name = 'k' AND s.chanid = (SELECT chanid "
                      "FROM status_channel WHERE name = 'Field.live')")
            if newest[0][0] is not None:
                lags.append(newest[0][0] - (got[0][0] or 0))
    finally:
        _stop(proc)
        live.wait()
    budget = 64 * 1000 / 8.0 * 10
    used = proxy.bytes_in_window(10.0)
    assert used <= budget, (used, budget)
    assert used >= 0.5 * budget, (used, budget)
    assert len(ground_rows(settings, "log", "kb")) < len(field_rows(field.settings, "log"))
    assert lags and max(lags) <= 2 * 1.0 + 0.5, lags

"""Status upkeep by a producer process: the history and expiry indexes added in the
background, and autoclean of expired rows (config System.Status.MySQL.autoclean)."""
from __future__ import absolute_import, division, print_function

import time

import pytest

from CryoCore import API
from CryoCore.Core import _status_upkeep
from conftest import wait_exit
from _status_rows import produce


def indexes(backend):
    """Index names per table, by plain SQL."""
    out = {}
    for table in ("status", "status2d"):
        if backend.kind == "sqlite":
            rows = backend.sql("SELECT name FROM sqlite_master WHERE type = 'index' "
                               "AND tbl_name = %s", (table,))
        else:
            rows = [(r[2],) for r in backend.sql("SHOW INDEX FROM %s" % table)]
        out[table] = set(r[0] for r in rows)
    return out


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def expiring_spec(now):
    """Rows that expired long ago, rows that expire in a day, rows that never expire."""
    rows = [["Exp", "gone", i, now - 100 + i] for i in range(5)]
    rows += [["Exp", "kept", i, now - 100 + i] for i in range(3)]
    rows += [["Exp", "plain", i, now - 100 + i] for i in range(2)]
    grids = [["Exp", "gone2d", [2, 2], 0, 0, 1, now - 50],
             ["Exp", "kept2d", [2, 2], 1, 1, 2, now - 50]]
    expire = {"Exp:gone": 1, "Exp:kept": 86400, "Exp:gone2d": 1, "Exp:kept2d": 86400}
    return {"rows": rows, "grids": grids, "expire": expire}


def stored(backend):
    one = backend.sql("SELECT p.name, s.value FROM status s JOIN status_parameter p "
                      "ON p.paramid = s.paramid ORDER BY s.id")
    two = backend.sql("SELECT p.name, s.value FROM status2d s JOIN status_parameter2d p "
                      "ON p.paramid = s.paramid ORDER BY s.id")
    return [(n, str(v)) for n, v in one], [(n, int(v)) for n, v in two]


def test_producer_adds_the_indexes_in_the_background(backend, tmp_path):
    """A program that stores status gets status(paramid, timestamp), stat_exp and stat2d_exp."""
    proc = produce(backend, tmp_path, {"rows": [["Idx", "x", 1, 1000.0]],
                                       "grids": [["Idx", "g", [1, 1], 0, 0, 1, 1000.0]]},
                   hold=30, wait=False)
    try:
        assert wait_for(lambda: "stat2d_exp" in indexes(backend)["status2d"], 15)
        got = indexes(backend)
        assert {"status_param_time", "stat_exp"} <= got["status"]
    finally:
        proc.terminate()
        wait_exit(proc, 30)
    if backend.kind == "mysql":
        cols = [(r[3], r[4]) for r in backend.sql("SHOW INDEX FROM status")
                if r[2] == "status_param_time"]
        assert cols == [(1, "paramid"), (2, "timestamp")]


def test_autoclean_removes_expired_rows_and_keeps_the_rest(backend, tmp_path):
    """Autoclean removes expired status and status2d rows within 10 s, keeps the rest."""
    now = time.time()
    proc = produce(backend, tmp_path, expiring_spec(now), hold=30, wait=False)
    try:
        one, two = stored(backend)
        assert ("gone", "0") in one and ("gone2d", 1) in two  # stored first
        assert wait_for(lambda: not any(n.startswith("gone") for n, _ in
                                        stored(backend)[0] + stored(backend)[1]),
                        10 - (time.time() - now))
        one, two = stored(backend)
        assert one == [("kept", str(i)) for i in range(3)] + [("plain", str(i)) for i in range(2)]
        assert two == [("kept2d", 2)]
    finally:
        proc.terminate()
        wait_exit(proc, 30)


def test_autoclean_off_in_config_keeps_expired_rows(backend, tmp_path):
    """System.Status.MySQL.autoclean = False: expired rows stay past the first clean."""
    API.get_config("System.Status.MySQL").set_default("autoclean", False)
    API.shutdown()
    proc = produce(backend, tmp_path, expiring_spec(time.time()),
                   hold=_status_upkeep.FIRST_CLEAN + 3)
    assert wait_exit(proc, 30) == 0
    one, two = stored(backend)
    assert [n for n, _ in one].count("gone") == 5 and ("gone2d", 1) in two


@pytest.mark.smoke
def test_setting_values():
    """Unset means on; false/0/no/off (any case) and False mean off."""
    assert _status_upkeep.enabled(None) and _status_upkeep.enabled(True)
    assert _status_upkeep.enabled("yes") and _status_upkeep.enabled(1)
    for off in (False, 0, "false", "False", " OFF ", "no", "0"):
        assert not _status_upkeep.enabled(off), off

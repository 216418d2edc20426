"""DbSync between two real databases: every row once, in order, names not ids, config
versions, several sources, the original's schema, hostile text, --status and the tools'
--source filter."""
from __future__ import absolute_import, division, print_function

import os
import signal
import subprocess
import sys
import time

import pytest

from _sync import (assert_equal_tables, drop, field, field_rows, ground, ground_rows,  # noqa: F401
                   ground_sqlite, produce, raw, sync, sync_proc)  # (field, ground: fixtures)
from conftest import ROOT, wait_exit


@pytest.mark.smoke
def test_once_copies_every_row_once_in_order(backend, ground):
    """--once copies status, status2d and log exactly, in order; a second run copies nothing."""
    settings, path = ground
    produce(backend, 600, "a")
    rc, out, err = sync(backend, path, "--once", "--source", "drone1")
    assert rc == 0, err
    assert_equal_tables(backend.settings, settings, "drone1")
    in_ground_order = [r[0] for r in ground_rows(settings, "status", "drone1", order="s.id")]
    assert in_ground_order == sorted(in_ground_order)
    before = [len(ground_rows(settings, t, "drone1")) for t in ("status", "status2d", "log")]
    rc, out, err = sync(backend, path, "--once", "--source", "drone1")
    assert rc == 0, err
    assert_equal_tables(backend.settings, settings, "drone1")
    # the second run only copied what the first published on channel CryoCore.Sync
    added = len(ground_rows(settings, "status", "drone1")) - before[0]
    assert 0 < added <= 20, added


def test_sqlite_ground_and_empty_ground_gets_the_tables(field, tmp_path):
    """A SQLite file as the ground (a laptop) is created with the CryoCore tables."""
    settings, path = ground_sqlite(tmp_path)
    produce(field, 120, "b")
    rc, out, err = sync(field, path, "--once", "--source", "lap")
    assert rc == 0, err
    assert_equal_tables(field.settings, settings, "lap")


def test_follow_with_producers_writing(backend, ground):
    """Two producers write while --follow runs; afterwards both sides hold the same rows."""
    settings, path = ground
    produce(backend, 5, "warm")
    proc = sync_proc(backend, path, "--follow", "--source", "f1")
    try:
        producers = [produce(backend, 800, tag, rate=400, wait=False) for tag in ("p", "q")]
        for p in producers:
            assert p.wait() == 0
        deadline = time.time() + 30
        while time.time() < deadline:
            if len(ground_rows(settings, "log", "f1")) == len(field_rows(backend.settings, "log")):
                break
            time.sleep(0.3)
        time.sleep(1.5)  # the CryoCore.Sync values of the last round travel too
    finally:
        proc.send_signal(signal.SIGTERM)
        assert wait_exit(proc, 20) == 0, proc.stderr.read()
    rc, out, err = sync(backend, path, "--once", "--source", "f1", "--tables", "status,status2d,log")
    assert rc == 0, err
    assert_equal_tables(backend.settings, settings, "f1")
    assert len(field_rows(backend.settings, "log")) >= 1600


def _config(settings, version):
    rows = raw(settings, "SELECT c.id, c.parent, c.name, c.value, c.datatype, c.comment FROM "
               "config c JOIN config_version v ON v.id = c.version WHERE v.name = %s", (version,))
    by_id = dict((r[0], r) for r in rows)

    def path(r):
        return (path(by_id[r[1]]) + "." if r[1] else "") + r[2]
    return dict((path(r), (r[3], r[4], r[5])) for r in rows)


@pytest.mark.smoke
def test_config_versions_changes_and_deletions(backend, ground):
    """Field versions map to NAME and NAME.<v>; changes and deletions follow; ground's own stay."""
    settings, path = ground
    env = backend.env()
    run = lambda *a: subprocess.check_call(  # noqa: E731
        [sys.executable, os.path.join(ROOT, "CryoCore", "Tools", "ConfigTool.py")] + list(a),
        env=env, stdout=subprocess.PIPE)
    run("add", "Cam.fps", "30")
    run("add", "Cam.name", "it's")
    run("--create", "-v", "test", "add", "Cam.fps", "5")
    ground_env = dict(env, CRYOCORE_CONFIG=path)
    subprocess.check_call([sys.executable, os.path.join(ROOT, "CryoCore", "Tools",
                                                         "ConfigTool.py"), "add", "Own.x", "1"],
                          env=ground_env, stdout=subprocess.PIPE)
    own = _config(settings, "default")
    rc, out, err = sync(backend, path, "--once", "--source", "d7")
    assert rc == 0, err
    assert _config(settings, "d7") == _config(backend.settings, "default")
    assert _config(settings, "d7.test") == _config(backend.settings, "test")
    run("set", "Cam.fps", "25")
    run("remove", "Cam.name")
    run("-v", "test", "delete", "version")
    rc, out, err = sync(backend, path, "--once", "--source", "d7")
    assert rc == 0, err
    assert _config(settings, "d7") == _config(backend.settings, "default")
    assert _config(settings, "d7")["Cam.fps"][0] == "25" and "Cam.name" not in _config(settings, "d7")
    assert raw(settings, "SELECT COUNT(*) FROM config_version WHERE name = 'd7.test'") == [(0,)]
    assert _config(settings, "default") == own
    listed = subprocess.check_output(
        [sys.executable, os.path.join(ROOT, "CryoCore", "Tools", "ConfigTool.py"), "-v", "d7",
         "list"], env=ground_env).decode("utf-8")
    assert "Cam.fps = 25" in listed


def test_ground_with_another_source_and_local_rows(field, ground, tmp_path):
    """A ground that already holds its own rows and another source's keeps them all."""
    from conftest import make_backend
    settings, path = ground
    (tmp_path / "other").mkdir()
    other, _ = make_backend("sqlite", tmp_path / "other")
    produce(other, 200, "o")
    assert sync(other, path, "--once", "--source", "other")[0] == 0
    ground_backend = type(field)("mysql", settings, path)
    produce(ground_backend, 100, "g")
    own_before = raw(settings, "SELECT * FROM status WHERE cc_source IS NULL ORDER BY id")
    other_before = ground_rows(settings, "status", "other")
    produce(field, 300, "a")
    rc, out, err = sync(field, path, "--once", "--source", "mine")
    assert rc == 0, err
    assert_equal_tables(field.settings, settings, "mine")
    assert_equal_tables(other.settings, settings, "other", tables=("log", "status2d"))
    assert ground_rows(settings, "status", "other") == other_before
    assert raw(settings, "SELECT * FROM status WHERE cc_source IS NULL ORDER BY id") == own_before


def test_ground_created_by_the_original_schema(field, ground):
    """A ground whose tables have the original's layout only gets the source columns added."""
    from CryoCore.Core import _schema
    settings, path = ground
    for service in ("status", "log", "config"):
        for sql in _schema.statements("mysql", service):
            raw(settings, sql)
    produce(field, 150, "a")
    rc, out, err = sync(field, path, "--once", "--source", "old")
    assert rc == 0, err
    assert_equal_tables(field.settings, settings, "old")


def test_hostile_names_and_values_survive(backend, ground):
    """Hostile names, values, log text and 2048-character values arrive exactly."""
    settings, path = ground
    produce(backend, 200, "h", hostile=True)
    rc, out, err = sync(backend, path, "--once", "--source", u"dr'one\\%")
    assert rc == 0, err
    assert_equal_tables(backend.settings, settings, u"dr'one\\%")
    assert _config(settings, u"dr'one\\%") == _config(backend.settings, "default")
    assert any(len(r[4]) == 2048 for r in field_rows(backend.settings, "status"))


@pytest.mark.smoke
def test_status_and_source_filters(field, ground):
    """--status shows last id and lag per table; TailStatus/TailLog --source filter by source."""
    settings, path = ground
    produce(field, 50, "s")
    assert sync(field, path, "--once", "--source", "srcA", "--tables", "status,log")[0] == 0
    produce(field, 30, "t")
    rc, out, err = sync(field, path, "--status", "--source", "srcA")
    assert rc == 0, err
    lines = dict((tuple(line.split()[:2]), line.split()) for line in out.splitlines())
    log_id = max(r[0] for r in ground_rows(settings, "log", "srcA"))
    assert lines[("srcA", "log")][2] == str(log_id)
    assert lines[("srcA", "log")][3] == "30"
    published = raw(field.settings, "SELECT s.value FROM status s JOIN status_parameter p ON "
                    "p.paramid = s.paramid JOIN status_channel c ON c.chanid = p.chanid WHERE "
                    "c.name = 'CryoCore.Sync' AND p.name = 'log.last_id' ORDER BY s.id DESC")
    assert published[0][0] == str(log_id)
    env = dict(field.env(), CRYOCORE_CONFIG=path)
    tail = subprocess.check_output([sys.executable, os.path.join(ROOT, "CryoCore", "Tools",
                                    "TailLog.py"), "-a", "--source", "srcA", "--bw"], env=env)
    assert len(tail.decode("utf-8").splitlines()) == 50
    none = subprocess.check_output([sys.executable, os.path.join(ROOT, "CryoCore", "Tools",
                                    "TailStatus.py"), "-n", "5", "--source", "nobody"], env=env)
    assert none.decode("utf-8").strip() == ""
    shown = subprocess.check_output([sys.executable, os.path.join(ROOT, "CryoCore", "Tools",
                                     "TailStatus.py"), "-n", "1000", "--source", "srcA",
                                     "Field.s:k"], env=env)
    assert len(shown.decode("utf-8").splitlines()) == 50


@pytest.mark.parametrize("argv, message", [
    (["--tables", "status,nope"], "--tables"),
    (["--max-kbps", "-3"], "--max-kbps"),
    (["--source", ""], "--source"),
])
def test_bad_input_is_one_error_line(field, ground, argv, message):
    """Bad flags: one 'Error: ...' line naming the flag, exit status 1."""
    rc, out, err = sync(field, ground[1], *argv)
    assert rc == 1
    assert err.startswith("Error: ") and message in err and len(err.splitlines()) == 1


@pytest.mark.smoke
def test_missing_settings_file_and_same_database(field, tmp_path):
    """--to a missing file, or to the field's own database, is refused in one line."""
    rc, out, err = sync(field, str(tmp_path / "nope.json"), "--once")
    assert rc == 1 and err.startswith("Error: ") and "nope.json" in err
    rc, out, err = sync(field, field.settings_file, "--once")
    assert rc == 1 and "own" in err, err


def test_row_committed_out_of_id_order_is_not_skipped(tmp_path, ground):
    """A field row committed after rows with larger ids still reaches the ground, once."""
    from conftest import make_backend, mysql_connect
    field, dbname = make_backend("mysql", tmp_path)
    try:
        settings, path = ground
        produce(field, 5, "o")
        late = mysql_connect(database=dbname)
        late.autocommit = False
        cur = late.cursor()
        cur.execute("SELECT paramid, chanid FROM status_parameter LIMIT 1")
        paramid, chanid = cur.fetchone()
        cur.execute("INSERT INTO status (timestamp, paramid, chanid, value) VALUES "
                    "(1.5, %s, %s, 'late')", (paramid, chanid))
        late_id = cur.lastrowid
        proc = sync_proc(field, path, "--follow", "--source", "ooo", "--tables", "status")
        try:
            produce(field, 20, "o")          # ids above the open transaction's
            deadline = time.time() + 20
            while time.time() < deadline and not any(
                    r[0] > late_id + 20 for r in _rows_or_empty(settings, "ooo")):
                time.sleep(0.2)
            late.commit()
            deadline = time.time() + 20
            while time.time() < deadline and late_id not in [
                    r[0] for r in _rows_or_empty(settings, "ooo")]:
                time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert wait_exit(proc, 20) == 0
            late.close()
        ids = [r[0] for r in ground_rows(settings, "status", "ooo")]
        assert late_id in ids and len(ids) == len(set(ids))
        rc, out, err = sync(field, path, "--once", "--source", "ooo", "--tables", "status")
        assert rc == 0, err
        assert_equal_tables(field.settings, settings, "ooo", tables=("status",))
    finally:
        drop(field.settings)


def _rows_or_empty(settings, source):
    try:
        return ground_rows(settings, "status", source)
    except Exception as e:  # the sync has not made the ground's tables yet
        assert "exist" in str(e) or "Unknown column" in str(e), e
        return []


def test_unreachable_ground_is_retried_and_reported(field, ground, tmp_path):
    """An unreachable ground is retried; its error is published and shown by --status."""
    from _mariadb import free_port
    from conftest import write_settings
    produce(field, 10, "e")
    bad = write_settings(tmp_path / "bad.json", dict(ground[0], db_port=free_port(), db_timeout=1))
    proc = sync_proc(field, bad, "--follow", "--source", "e")
    time.sleep(2.5)
    proc.send_signal(signal.SIGTERM)
    assert wait_exit(proc, 20) == 0
    err = proc.stderr.read().decode("utf-8")
    assert err.count("(retrying)") >= 2, err
    rc, out, err = sync(field, ground[1], "--status", "--source", "e")
    assert rc == 0, err
    last = out.splitlines()[-1]
    assert last.startswith("last error: ") and "cannot connect" in last, out

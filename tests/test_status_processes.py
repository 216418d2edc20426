"""Status across processes and databases: exit without shutdown, a down server, split settings."""
from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from CryoCore import API
from CryoCore.Core import _runtime

from conftest import ROOT, make_backend, drop_mysql_database, write_settings


@pytest.mark.smoke
def test_program_that_never_calls_shutdown_keeps_everything(backend):
    """The atexit hook drains the writer: all 5000 changes of a short program are stored."""
    p = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        from CryoCore import API
        s = API.get_status("Exit")
        for i in range(5000):
            s["n"] = i
        s.new2d("g", (2, 2)).set_value((1, 1), 9)
        """)], env=backend.env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    assert p.returncode == 0 and err == b"", err  # and no traceback from a socket at exit
    got = backend.sql("SELECT COUNT(*), MIN(value), MAX(CAST(value AS INTEGER)) FROM status"
                      if backend.kind == "sqlite" else
                      "SELECT COUNT(*), MIN(value), MAX(CAST(value AS SIGNED)) FROM status")
    assert tuple(got[0]) == (5000, "0", 4999)
    assert backend.sql("SELECT posx, posy, value FROM status2d")[0] == (1, 1, 9)


def test_caller_never_waits_on_a_down_database(tmp_path, monkeypatch, capfd):
    """20,000 sets with the server down take < 2 s; every row is spooled, none lost."""
    spool = tmp_path / "spool"
    path = write_settings(tmp_path / "down.json", {
        "db_type": "mysql", "db_host": "127.0.0.1", "db_port": 1, "db_name": "x",
        "db_timeout": 1, "spool_dir": str(spool)})
    monkeypatch.setenv("CRYOCORE_CONFIG", path)
    monkeypatch.setattr(API, "shutdown_grace_period", 0.5)
    API.reset()
    s = API.get_status("Down")
    start = time.time()
    for i in range(20000):
        s["n"] = i
    assert time.time() - start < 2.0
    assert s["n"].get_value() == 19999
    w = _runtime.writer()
    assert not API.flush(0.3)  # nothing can be stored
    start = time.time()
    API.reset()  # gives up within the grace period; the rows stay in the spool
    assert time.time() - start < 0.5 + 3.0 and w.dropped == 0
    values = []
    for name in sorted(os.listdir(str(spool))):  # the spool read as plain JSON lines
        if name.endswith(".spool"):
            with open(str(spool / name)) as f:
                header = json.loads(f.readline())
                if header["table"] == "status":
                    values += [json.loads(line)[1][-2] for line in f]  # value, expires last
    assert values == list(range(20000))
    assert "spool" in capfd.readouterr().err


def test_config_on_sqlite_with_status_on_mariadb(tmp_path, monkeypatch):
    """override_status puts status data in MariaDB while the default settings are SQLite."""
    mysql_backend, dbname = make_backend("mysql", tmp_path)
    try:
        status_settings = dict(mysql_backend.settings)
        settings = {"db_type": "sqlite", "db_path": str(tmp_path / "config.db"),
                    "override_status": status_settings}
        monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(tmp_path / "split.json", settings))
        API.reset()
        assert API.get_config_db("config")["db_type"] == "sqlite"
        assert API.get_config_db("status")["db_name"] == dbname
        API.get_status("Split")["x"] = "remote"
        cfg = API.get_config("Split")
        cfg.set_default("local", 1)
        assert cfg["local"] == 1
        API.shutdown()
        got = mysql_backend.sql("SELECT value FROM status")
        assert [r[0] for r in got] == ["remote"]
        remote_tables = set(r[0] for r in mysql_backend.sql("SHOW TABLES"))
        assert "status" in remote_tables and "config" not in remote_tables
        import sqlite3
        conn = sqlite3.connect(str(tmp_path / "config.db"))
        tables = set(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
        conn.close()
        assert "status" not in tables and "config" in tables
    finally:
        API.reset()
        if dbname:
            drop_mysql_database(dbname)


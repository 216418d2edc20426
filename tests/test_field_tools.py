"""Field-proofing (issue 11): the tools as a new user meets them (typos, empty databases)."""
from __future__ import absolute_import, division, print_function

import os
import sqlite3
import subprocess
import sys
import uuid

import pytest

from conftest import MYSQL_SERVER, ROOT, mysql_connect, require_mysql, write_settings

VIEWERS = ("TailLog", "TailStatus")


def tool(name, argv, env=None, stdin=b""):
    """Run CryoCore/Tools/<name>.py; returns (exit status, stdout, stderr) as text."""
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "CryoCore", "Tools", name + ".py")]
                            + list(argv), env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(stdin)
    return proc.returncode, out.decode("utf-8"), err.decode("utf-8")


def _env(tmp_path, settings):
    env = dict(os.environ)
    env["CRYOCORE_CONFIG"] = write_settings(tmp_path / "settings.json", settings)
    return env


def _tables(backend):
    """The table names in the backend's database, by plain SQL."""
    if backend.kind == "sqlite":
        if not os.path.exists(backend.settings["db_path"]):
            return set()
        conn = sqlite3.connect(backend.settings["db_path"])
        names = set(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE "
                                               "type = 'table' AND name NOT LIKE 'sqlite_%'"))
        conn.close()
        return names
    return set(r[0] for r in backend.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        (backend.settings["db_name"],)))


@pytest.mark.parametrize("name", VIEWERS)
def test_viewer_never_creates_a_mysql_database_from_a_typo(name, tmp_path):
    """`--db_name typo` is `Error: no such database ...` (exit 1) and creates nothing."""
    require_mysql()
    typo = "cctypo_%s" % uuid.uuid4().hex[:10]
    env = _env(tmp_path, dict(MYSQL_SERVER, db_type="mysql", db_name="cryocore"))
    status, out, err = tool(name, ["--db_name", typo], env=env)
    assert (status, out) == (1, "")
    assert err.startswith("Error: no such database ") and typo in err
    assert len(err.splitlines()) == 1
    conn = mysql_connect()
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %s", (typo,))
    assert cur.fetchone()[0] == 0
    conn.close()


@pytest.mark.smoke
@pytest.mark.parametrize("name", VIEWERS)
def test_viewer_never_creates_a_sqlite_file_or_directory(name, tmp_path):
    """`--db_path /nonexistent/dir/x.db` is an error and creates neither the directory
    nor the file."""
    missing = tmp_path / "nonexistent" / "dir" / "x.db"
    env = _env(tmp_path, {"db_type": "sqlite", "db_path": str(tmp_path / "other.db")})
    status, out, err = tool(name, ["--db_path", str(missing)], env=env)
    assert (status, out) == (1, "")
    assert err.startswith("Error: no such database ") and len(err.splitlines()) == 1
    assert not (tmp_path / "nonexistent").exists()
    assert not (tmp_path / "other.db").exists()


@pytest.mark.parametrize("argv", [["TailLog"], ["TailLog", "--list", "modules"],
                                  ["TailLog", "-n", "5", "--level", "ERROR"],
                                  ["TailStatus"], ["TailStatus", "--list-channels"],
                                  ["TailStatus", "--channel", "x"]])
def test_viewer_on_a_database_without_cryocore_tables_shows_nothing(backend, argv):
    """A database that exists without CryoCore's tables: no output, exit 0, no table made."""
    if backend.kind == "sqlite":
        conn = sqlite3.connect(backend.settings["db_path"])
        conn.execute("CREATE TABLE unrelated (x INTEGER)")
        conn.commit()
        conn.close()
    before = _tables(backend)
    status, out, err = tool(argv[0], argv[1:], env=backend.env())
    assert (status, out, err) == (0, "", "")
    assert _tables(backend) == before


@pytest.mark.parametrize("name,service", [("TailLog", "log"), ("TailStatus", "status")])
def test_viewer_never_migrates_an_existing_table(backend, name, service):
    """Tables in the original's layout stay as they are: a viewer adds no column or index."""
    from CryoCore.Core import InternalDB, _schema
    db = InternalDB.mysql("setup", config=backend.settings)
    db._init_sqls(_schema.statements(db.db_type, service))
    db.close()
    status, out, err = tool(name, [], env=backend.env())
    assert (status, err) == (0, "")
    db = InternalDB.mysql("check", config=backend.settings)
    for table in _schema.TABLES[service]:
        if table in _schema.SEQUENCED_TABLES:
            assert not _schema.has_sequence_columns(db, table)
    db.close()

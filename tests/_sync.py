"""Helpers for the sync tests: a ground database, runs of DbSync and the field producer,
and both sides' rows read with plain SQL through the raw drivers (the oracle)."""
from __future__ import absolute_import, division, print_function

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import ROOT, mysql_connect, new_mysql_database, require_mysql, write_settings

TOOL = os.path.join(ROOT, "CryoCore", "Tools", "DbSync.py")
PRODUCER = os.path.join(ROOT, "tests", "_sync_producer.py")

_FIELD_SQL = {
    "status": "SELECT s.{id}, s.timestamp, c.name, p.name, s.value, s.aux, s.expires FROM status s "
              "JOIN status_parameter p ON p.paramid = s.paramid "
              "JOIN status_channel c ON c.chanid = p.chanid",
    "status2d": "SELECT s.{id}, s.timestamp, c.name, p.name, s.posx, s.posy, s.value, s.expires "
                "FROM status2d s JOIN status_parameter2d p ON p.paramid = s.paramid "
                "JOIN status_channel c ON c.chanid = p.chanid",
    "log": "SELECT s.{id}, s.message, s.level, s.time, s.msecs, s.line, s.func, s.module, s.logger "
           "FROM log s",
}


def raw(settings, sql, params=()):
    """Rows of `sql` (``%s`` placeholders) through sqlite3 or mysql-connector directly."""
    if settings["db_type"] == "sqlite":
        conn = sqlite3.connect(settings["db_path"])
        try:
            return [tuple(r) for r in conn.execute(sql.replace("%s", "?"), params).fetchall()]
        finally:
            conn.close()
    server = dict(settings, db_password=settings.get("db_password", ""))
    conn = mysql_connect(database=settings["db_name"], server=server)
    try:
        cur = conn.cursor()
        cur.execute(sql, params)
        return [tuple(r) for r in cur.fetchall()] if cur.description else []
    finally:
        conn.close()


def field_rows(settings, table):
    """Every row of `table` with names instead of ids, by field id."""
    return raw(settings, _FIELD_SQL[table].format(id="id") + " ORDER BY s.id")


def ground_rows(settings, table, source, order="s.cc_field_id"):
    """The rows of `source` in the ground's `table`, in the form of ``field_rows``."""
    return raw(settings, _FIELD_SQL[table].format(id="cc_field_id") + " WHERE s.cc_source = "
               "(SELECT id FROM cc_sync_source WHERE name = %s) ORDER BY " + order, (source,))


def assert_equal_tables(field, ground, source, tables=("status", "status2d", "log")):
    for table in tables:
        want, got = field_rows(field, table), ground_rows(ground, table, source)
        assert len(got) == len(want), "%s: %d rows on the ground, %d in the field" % (
            table, len(got), len(want))
        assert got == want, table


def ground_mysql(tmp_path, name="ground.json", **extra):
    """A fresh MariaDB database as the ground: (settings, settings file)."""
    require_mysql()
    from conftest import MYSQL_SERVER
    settings = dict(MYSQL_SERVER, db_type="mysql", db_name=new_mysql_database("ccground"))
    settings.update(extra)
    return settings, write_settings(tmp_path / name, settings)


def ground_sqlite(tmp_path):
    settings = {"db_type": "sqlite", "db_path": str(tmp_path / "ground.db")}
    return settings, write_settings(tmp_path / "ground.json", settings)


def drop(settings):
    if settings.get("db_type") == "mysql":
        conn = mysql_connect()
        conn.cursor().execute("DROP DATABASE IF EXISTS `%s`" % settings["db_name"])
        conn.close()


@pytest.fixture
def field(tmp_path):
    """A field SQLite database (the common case: the embedded default on an instrument)."""
    from conftest import make_backend
    return make_backend("sqlite", tmp_path)[0]


@pytest.fixture
def ground(tmp_path):
    """A fresh ground MariaDB database: (settings, settings file)."""
    settings, path = ground_mysql(tmp_path)
    yield settings, path
    drop(settings)


def produce(backend, n, tag, rate=None, hostile=False, wait=True):
    args = [sys.executable, PRODUCER, str(n), tag]
    if rate:
        args.append(str(rate))
    if hostile:
        args.append("--hostile")
    proc = subprocess.Popen(args, env=backend.env())
    if wait:
        assert proc.wait() == 0
    return proc


def sync_proc(backend, ground_file, *args, **kwargs):
    """Start DbSync on `backend` (the field) towards `ground_file`."""
    return subprocess.Popen([sys.executable, TOOL, "--to", ground_file] + list(args),
                            env=backend.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            **kwargs)


def sync(backend, ground_file, *args, **kwargs):
    """Run DbSync to its end: (exit status, stdout, stderr) as text."""
    timeout = kwargs.pop("timeout", 120)
    proc = sync_proc(backend, ground_file, *args)
    deadline = time.time() + timeout
    out, err = proc.communicate() if sys.version_info[0] == 2 else proc.communicate(
        timeout=max(1, deadline - time.time()))
    return proc.returncode, out.decode("utf-8"), err.decode("utf-8")

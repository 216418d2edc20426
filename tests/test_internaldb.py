"""The database layer on both backends: parameters, schema, threads, reconnect."""
from __future__ import absolute_import, division, print_function

import threading

import pytest

from CryoCore.Core import InternalDB, _schema
from CryoCore.Core._exceptions import DatabaseError


class Things(InternalDB.mysql):
    """A subclass as user code writes one: _init_sqls and _execute with %s."""

    def __init__(self, settings):
        InternalDB.mysql.__init__(self, "Things", config=settings)
        self._init_sqls(["""CREATE TABLE IF NOT EXISTS things (
            id INTEGER PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) UNIQUE,
            n INT UNSIGNED, ts TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)
            ON UPDATE CURRENT_TIMESTAMP(6)) ENGINE=InnoDB"""])

    def add(self, name, n):
        return self._execute("INSERT IGNORE INTO things (name, n) VALUES (%s, %s)", (name, n))


@pytest.mark.smoke
def test_subclass_surface_and_dialect(backend):
    """A subclass written for MySQL runs unchanged on both backends."""
    db = Things(backend.settings)
    first = db.add("a", 1)
    assert first.rowcount == 1 and first.lastrowid
    assert db.add("a", 2).rowcount == 0  # INSERT IGNORE
    rows = db._execute("SELECT name, n FROM things WHERE name = %s", ("a",)).fetchall()
    assert [tuple(r) for r in rows] == [("a", 1)]
    Things(backend.settings)  # _init_sqls is idempotent


def test_parameters_are_bound_not_interpolated(backend):
    """Quotes, percent signs and SQL fragments are data."""
    db = Things(backend.settings)
    nasty = "x'); DROP TABLE things; -- %s %% \\"
    db.add(nasty, 5)
    row = db._execute("SELECT name FROM things WHERE name = %s", (nasty,)).fetchone()
    assert row[0] == nasty


def test_schema_creates_every_table(backend):
    """ensure() makes every table idempotently; log has the original's column order."""
    db = InternalDB.mysql("schema", config=backend.settings)
    for service in ("config", "status", "log"):
        _schema.ensure(db, service)
        _schema.ensure(db, service)
        for table in _schema.TABLES[service]:
            assert db._execute("SELECT COUNT(*) FROM %s" % table).fetchone()[0] >= 0
    assert db._execute("SELECT name FROM config_version").fetchall()[0][0] == "default"
    cols = [d[0] for d in db._execute("SELECT * FROM log WHERE 1=0").description]
    assert cols[:9] == ["id", "message", "level", "time", "msecs", "line", "func", "module",
                        "logger"]
    assert cols[9:] == list(_schema.SEQ_COLUMNS)  # the writer's nullable sequence columns


def test_threads_share_one_instance(backend):
    """Five threads share one InternalDB instance without errors or lost rows."""
    db = Things(backend.settings)
    errors = []

    def work(k):
        try:
            for i in range(50):
                db.add("t%d-%d" % (k, i), i)
        except Exception as e:
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert db._execute("SELECT COUNT(*) FROM things").fetchone()[0] == 250


def test_insert_many_and_transaction(backend):
    """_insert_many stores 2,500 rows; a failing transaction leaves none of its rows."""
    db = Things(backend.settings)
    rows = [("n%d" % i, i) for i in range(2500)]
    assert db._insert_many("things", ("name", "n"), rows) == 2500
    with pytest.raises(DatabaseError):
        with db._transaction():
            db._execute("INSERT INTO things (name, n) VALUES (%s, %s)", ("tx", 1))
            db._execute("INSERT INTO things (name, n) VALUES (%s, %s)", ("n1", 1))  # dupe
    assert db._execute("SELECT COUNT(*) FROM things WHERE name = %s", ("tx",)).fetchone()[0] == 0


def test_bad_statement_is_a_database_error_with_context(backend):
    """A bad statement raises DatabaseError naming it, not a connection error."""
    db = InternalDB.mysql("bad", config=backend.settings)
    with pytest.raises(DatabaseError) as info:
        db._execute("SELECT nothing FROM nowhere_at_all")
    assert "nowhere_at_all" in str(info.value)
    assert not getattr(info.value, "connection_error", False)


def test_reconnects_after_connection_is_killed(backend):
    """A server-side kill (as after a restart) is survived by the next statement."""
    if backend.kind != "mysql":
        pytest.skip("SQLite has no server connection")
    db = Things(backend.settings)
    conn_id = db._execute("SELECT CONNECTION_ID()").fetchone()[0]
    other = InternalDB.mysql("killer", config=backend.settings)
    other._execute("KILL %s", (conn_id,))
    assert db._execute("SELECT 1").fetchone()[0] == 1
    assert db._execute("SELECT CONNECTION_ID()").fetchone()[0] != conn_id


def test_unreachable_server_is_a_connection_error():
    """An unreachable server is a DatabaseError marked connection_error."""
    db = InternalDB.mysql("down", config={"db_type": "mysql", "db_host": "127.0.0.1",
                                          "db_port": 1, "db_name": "x", "db_timeout": 2})
    with pytest.raises(DatabaseError) as info:
        db._execute("SELECT 1")
    assert info.value.connection_error
    assert "cannot connect" in str(info.value) and "password" not in str(info.value)


def test_sqlite_uses_wal(backend):
    """SQLite databases run in WAL mode."""
    if backend.kind != "sqlite":
        pytest.skip("WAL is SQLite's")
    db = InternalDB.mysql("wal", config=backend.settings)
    assert db._execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


def test_placeholder_rewrite_leaves_literals_alone():
    """The %s to ? rewrite for SQLite leaves string literals alone."""
    sql = InternalDB.sqlite_dialect("SELECT '%s', x FROM t WHERE a = %s AND b LIKE '%%x'")
    assert sql == "SELECT '%s', x FROM t WHERE a = ? AND b LIKE '%%x'"

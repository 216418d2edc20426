"""The writer's spool on both backends: rows wait on disk while the table is locked."""
from __future__ import absolute_import, division, print_function

import contextlib
import os
import sqlite3
import time

import pytest

from CryoCore.Core import InternalDB, _schema, _spool, _writer
from CryoCore.Core._health import StatusChannel
from CryoCore.Core._writer import BackgroundWriter, Sink

TABLE = """CREATE TABLE IF NOT EXISTS wspool (
    id INTEGER PRIMARY KEY AUTO_INCREMENT, k INTEGER, v VARCHAR(16))"""


def make_sink(backend, sequenced=True):
    db = InternalDB.mysql("wspool", config=dict(backend.settings, db_timeout=0.5))
    db._init_sqls([TABLE])
    if sequenced:
        _schema.add_sequence_columns(db, "wspool")
    return Sink(db, "wspool", ("k", "v"))


def keys(sink):
    return [r[0] for r in sink.db._execute("SELECT k FROM wspool ORDER BY id").fetchall()]


def spool_files(directory):
    if not os.path.isdir(directory):
        return []
    return sorted(n for n in os.listdir(directory) if n.endswith(_spool.SUFFIX))


@contextlib.contextmanager
def locked(backend):
    """Another connection holds the write lock: the writer's stores time out."""
    if backend.kind == "sqlite":
        conn = sqlite3.connect(backend.settings["db_path"], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        from conftest import mysql_connect
        conn = mysql_connect(backend.settings["db_name"])
        conn.cursor().execute("LOCK TABLES wspool WRITE")
        try:
            yield
        finally:
            conn.cursor().execute("UNLOCK TABLES")
            conn.close()


def wait_for(condition, timeout):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "condition not met within %s s" % timeout
        time.sleep(0.02)


@pytest.mark.parametrize("recent_bytes", [_writer.RECENT_BYTES, 0, 2500],
                         ids=["from-memory", "from-disk", "partly"])
def test_rows_wait_in_the_spool_while_the_table_is_locked(backend, tmp_path, monkeypatch,
                                                           recent_bytes):
    """Unstored rows reach the spool within a tick, then all arrive once, in order."""
    monkeypatch.setattr(_writer, "RECENT_BYTES", recent_bytes)
    sink = make_sink(backend)
    spool = str(tmp_path / "spool")
    w = BackgroundWriter(spool_dir=spool)
    with locked(backend):
        for half in (0, 100):  # two spool writes of about 1,700 bytes each
            for i in range(half, half + 100):
                w.put(sink, (i, "v%d" % i))
            wait_for(lambda: w.stats()["spooled"] == half + 100, 5)
        assert w.stats()["queued"] == 0 and len(spool_files(spool)) == 1
        mode = os.stat(os.path.join(spool, spool_files(spool)[0])).st_mode & 0o777
        assert mode == 0o600  # log messages and values are the user's only
        assert not w.flush(0.1)
    assert w.flush(20), w.stats()
    assert keys(sink) == list(range(200))
    assert w.stats()["spooled"] == 0
    w.stop()
    assert spool_files(spool) == []


@pytest.mark.smoke
@pytest.mark.parametrize("sequenced", [True, False])
def test_spool_left_at_stop_is_stored_by_the_next_writer(backend, tmp_path, sequenced):
    """stop() with the database away leaves the rows on disk; the next writer stores them."""
    sink = make_sink(backend, sequenced)
    spool = str(tmp_path / "spool")
    w = BackgroundWriter(spool_dir=spool)
    with locked(backend):
        for i in range(100):
            w.put(sink, (i, "v"))
        start = time.time()
        w.stop(timeout=0.5)
        assert time.time() - start < 2.5
        assert w.dropped == 0 and len(spool_files(spool)) == 1
    w._storer.join(5)  # a store stuck on the lock ends (and hands its spool over) once it goes
    w2 = BackgroundWriter(spool_dir=spool)
    w2.start_replay()
    w2.stop(20)
    assert keys(sink) == list(range(100))
    assert spool_files(spool) == []


class OwnStoreSink(Sink):
    """Shaped like the Status sinks: its own constructor, a store() that wraps Sink.store."""

    def __init__(self, db):
        Sink.__init__(self, db, "wspool", ("k", "v"))
        self.stores = 0

    def store(self, rows):
        self.stores += 1
        return Sink.store(self, rows)


def test_subclass_with_its_own_store_and_constructor_is_sequenced_and_replayed(backend,
                                                                               tmp_path):
    """Rows through an overriding store() still carry cc_seq; from_spool rebuilds it by (db)."""
    sink = OwnStoreSink(make_sink(backend).db)
    spool = str(tmp_path / "spool")
    w = BackgroundWriter(spool_dir=spool)
    for i in range(10):
        w.put(sink, (i, "a"))
    assert w.flush(10) and sink.stores >= 1
    with locked(backend):
        for i in range(10, 20):
            w.put(sink, (i, "b"))
        w.stop(timeout=0.5)
    w._storer.join(5)
    w2 = BackgroundWriter(spool_dir=spool)
    w2.start_replay()
    w2.stop(20)
    assert keys(sink) == list(range(20))
    seqs = [r[0] for r in sink.db._execute("SELECT cc_seq FROM wspool ORDER BY id").fetchall()]
    assert seqs == list(range(1, 21))


def test_replay_after_a_crash_stores_nothing_twice(backend, tmp_path):
    """A spool whose first rows were stored before the crash: only the rest is stored."""
    sink = make_sink(backend)
    spool_dir = str(tmp_path / "spool")
    producer = 12345
    header = {"format": _spool.FORMAT, "producer": producer, "pid": 1, "created": 0,
              "sink": _spool.sink_path(sink), "table": "wspool", "columns": ["k", "v"],
              "name": "wspool", "service": None, "db": sink.db.describe(),
              "fingerprint": _spool.fingerprint(sink.db.settings)}
    spool = _spool.SpoolFile.create(spool_dir, header)
    spool.append(b"".join(_spool.encode(seq, (seq, "s")) for seq in range(1, 51)))
    sink.db._insert_many("wspool", ("k", "v", "cc_producer", "cc_seq"),
                         [(seq, "s", producer, seq) for seq in range(1, 21)])
    spool.close()  # the "crash": the lock is gone, the file stays
    w = BackgroundWriter(spool_dir=spool_dir)
    w.start_replay()
    w.stop(20)
    assert keys(sink) == list(range(1, 51))
    assert w.stored == 30 and spool_files(spool_dir) == []


def test_unwritable_spool_drops_with_a_count_and_reports_it(backend, tmp_path, capsys):
    """Memory full and no spool: rows are dropped, counted, and reported on stderr and status."""
    sink = make_sink(backend)
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text(u"x")
    reporter = StatusChannel(settings=backend.settings)
    w = BackgroundWriter(spool_dir=str(not_a_dir), max_bytes=64 * 20, health_reporter=reporter)
    with locked(backend):
        for i in range(100):
            w.put(sink, (i, "v"), size=64)
        wait_for(lambda: "cannot spool" in (w.last_error or ""), 5)
    assert w.flush(20)
    w.stop()
    assert w.dropped > 0 and len(keys(sink)) == 100 - w.dropped
    assert "%d status/log rows could not be stored" % w.dropped in capsys.readouterr().err
    rows = sink.db._execute(
        "SELECT p.name, s.value FROM status s JOIN status_parameter p ON s.paramid = p.paramid "
        "JOIN status_channel c ON c.chanid = s.chanid WHERE c.name = 'CryoCore' ORDER BY s.id"
    ).fetchall()
    assert dict(rows)["dropped"] == str(w.dropped)


def test_full_spool_keeps_rows_in_memory_until_the_database_is_back(backend, tmp_path):
    """At spool_max_bytes rows wait in memory (nothing dropped while memory lasts)."""
    sink = make_sink(backend)
    w = BackgroundWriter(spool_dir=str(tmp_path / "spool"), spool_max_bytes=2000)
    with locked(backend):
        for i in range(100):
            w.put(sink, (i, "v"))
        wait_for(lambda: "is full" in (w.last_error or ""), 5)
        stats = w.stats()
        assert 0 < stats["spooled"] < 100 and stats["queued"] > 0
    assert w.flush(20)
    w.stop()
    assert w.dropped == 0
    assert keys(sink) == list(range(100)), keys(sink)


def test_spool_of_another_database_is_left_alone(backend, tmp_path, capsys):
    """A spool for a database this program's settings do not name stays for another program."""
    sink = make_sink(backend)
    spool_dir = str(tmp_path / "spool")
    other = {"db_type": "sqlite", "db_path": str(tmp_path / "elsewhere.db")}
    header = {"format": _spool.FORMAT, "producer": 1, "pid": 1, "created": 0,
              "sink": _spool.sink_path(sink), "table": "wspool", "columns": ["k", "v"],
              "name": "wspool", "service": "status", "db": "sqlite:elsewhere",
              "fingerprint": _spool.fingerprint(other)}
    spool = _spool.SpoolFile.create(spool_dir, header)
    spool.append(_spool.encode(1, (1, "x")))
    spool.close()
    w = BackgroundWriter(spool_dir=spool_dir)
    w.start_replay()
    w.stop(5)
    assert keys(sink) == [] and len(spool_files(spool_dir)) == 1
    assert capsys.readouterr().err == ""  # not our database: nothing to say about it


def test_sequence_columns_are_added_to_existing_tables_in_place(backend):
    """An original log table gains the nullable columns; its rows stay; twice is harmless."""
    db = InternalDB.mysql("schema", config=backend.settings)
    db._init_sqls(_schema.statements(db.db_type, "log"))  # the original layout
    db._execute("INSERT INTO log (message, level) VALUES (%s, %s)", ("old", 20))
    seen = []
    InternalDB.tracer = lambda sql, params: seen.append(sql)
    try:
        _schema.ensure(db, "log")
        alters = [s for s in seen if s.startswith("ALTER")]
        del seen[:]
        _schema.ensure(db, "log")
        assert not [s for s in seen if s.startswith("ALTER")]
    finally:
        InternalDB.tracer = None
    assert db._execute("SELECT message, cc_producer, cc_seq FROM log").fetchall() == \
        [("old", None, None)]
    if backend.kind == "mysql":
        assert "ALGORITHM=INSTANT" in alters[0]  # no table rewrite on MariaDB
        assert db._execute("SHOW INDEX FROM log WHERE Key_name = 'cc_seq'").fetchall()


def test_a_ready_database_costs_one_schema_query_and_a_missing_index_is_made_again(backend):
    """A ready database costs one schema query; a dropped index is made again."""
    if backend.kind != "mysql":
        pytest.skip("SQLite runs its CREATE ... IF NOT EXISTS statements: a local file")
    db = InternalDB.mysql("schema", config=backend.settings)
    _schema.ensure(db, "status")
    seen = []
    InternalDB.tracer = lambda sql, params: seen.append(sql)
    try:
        _schema.ensure(InternalDB.mysql("again", config=backend.settings), "status")
        assert len(seen) == 1 and seen[0].startswith("SELECT")
        db._execute("ALTER TABLE status2d DROP INDEX cc_seq")
        del seen[:]
        _schema.ensure(InternalDB.mysql("third", config=backend.settings), "status")
        assert len(seen) > 1
    finally:
        InternalDB.tracer = None
    assert db._execute("SHOW INDEX FROM status2d WHERE Key_name = 'cc_seq'").fetchall()
    db.close()


@pytest.mark.smoke
def test_spool_lines_round_trip_plain_values(tmp_path):
    """Items of str/int/float/None survive the spool unchanged (tuples stay tuples)."""
    item = (u"\u00e5 text", 3, 2.5, None, 1e300, -7, True, (u"chan", u"name"), (2, 3))
    seq, back = _spool.decode(_spool.encode(9, item))
    assert (seq, back) == (9, item)

    class Odd(object):
        def __str__(self):
            return "odd"
    assert _spool.decode(_spool.encode(1, (Odd(),))) == (1, (u"odd",))  # as status stores it


@pytest.mark.smoke
def test_status_values_left_at_shutdown_are_stored_by_the_next_start(tmp_path, monkeypatch):
    """API level, 1-D and 2-D status and a log line: spooled at shutdown, stored next start."""
    from CryoCore import API
    from CryoCore.Core import _runtime
    from conftest import write_settings
    db_path = str(tmp_path / "cc.db")
    settings = {"db_type": "sqlite", "db_path": db_path, "db_timeout": 0.3,
                "spool_dir": str(tmp_path / "spool")}
    monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(tmp_path / "s.json", settings))
    monkeypatch.setattr(API, "shutdown_grace_period", 0.5)
    API.reset()
    lock = sqlite3.connect(db_path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # nobody else can write: not even create the tables
    status = API.get_status("Spooled")
    status["n"] = 41
    status["n"] = 42
    status.new2d("grid", (2, 2)).set_value((1, 1), 9)
    API.get_log("Spooled").warning("kept")
    writer = _runtime.writer()
    API.shutdown()
    lock.execute("ROLLBACK")
    lock.close()
    assert len(spool_files(settings["spool_dir"])) == 3
    # the "program" has ended only when its store thread, stuck on the lock past the grace
    # period, has let go of its spools (a real next program starts after the exit)
    writer._storer.join(5)
    API.reset()
    API.get_log("Next").info("started")  # the next start of a library user
    API.shutdown()
    db = InternalDB.mysql("check", config=settings)
    assert [r[0] for r in db._execute("SELECT value FROM status s JOIN status_parameter p "
                                      "ON s.paramid = p.paramid WHERE p.name = 'n' "
                                      "ORDER BY s.id").fetchall()] == ["41", "42"]
    assert db._execute("SELECT posx, posy, value FROM status2d").fetchall() == [(1, 1, 9)]
    assert db._execute("SELECT message FROM log WHERE logger = 'Spooled'").fetchall() == \
        [("kept",)]
    assert spool_files(settings["spool_dir"]) == []

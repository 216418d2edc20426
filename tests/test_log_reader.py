"""The log reading layer (LogReader) on both backends, against rows a producer process
logged; expected rows come from plain SQL plus Python filtering."""
from __future__ import absolute_import, division, print_function

import logging

import pytest

from CryoCore.Core._log_reader import LogReader, NoSuchDatabase
from _status_rows import produce

LOGGED = [["Cam", logging.INFO, "start 1"], ["Cam", logging.DEBUG, "frame 50%_done"],
          ["Motor", logging.WARNING, "hot: 80C"], ["Cam", logging.ERROR, "lost frame"],
          ["Motor", logging.INFO, "moved 50%"], ["Motor", logging.CRITICAL, "stalled"],
          ["Cam", logging.INFO, "frame 50x"]]


@pytest.fixture
def logged(backend, tmp_path):
    produce(backend, tmp_path, {"log": LOGGED})
    return backend.sql("SELECT id, time, level, logger, message FROM log ORDER BY id")


@pytest.mark.smoke
def test_rows_filters_match_plain_python(logged):
    """rows(): level minimum, loggers, text (LIKE metacharacters literal), time range, limit."""
    reader = LogReader()
    try:
        got = reader.rows()
        assert [(r["id"], r["level"], r["logger"], r["message"]) for r in got] == [
            (i, lv, lg, m) for i, _, lv, lg, m in logged]
        assert got[0]["levelname"] == "INFO" and got[0]["module"] == "_status_rows"

        def ids(**kw):
            return [r["id"] for r in reader.rows(**kw)]
        assert ids(level="warning") == [r[0] for r in logged if r[2] >= logging.WARNING]
        assert ids(level=logging.ERROR) == [r[0] for r in logged if r[2] >= logging.ERROR]
        assert ids(loggers=["Motor"]) == [r[0] for r in logged if r[3] == "Motor"]
        assert ids(loggers=[]) == []
        assert ids(text="50%") == [r[0] for r in logged if "50%" in r[4]]
        assert ids(text="%_") == [r[0] for r in logged if "%_" in r[4]]
        t = logged[3][1]
        assert ids(since=t) == [r[0] for r in logged if r[1] >= t]
        assert ids(until=t) == [r[0] for r in logged if r[1] < t]
        assert ids(limit=3) == [r[0] for r in logged][-3:]
        assert ids(limit=2, after_id=logged[1][0]) == [r[0] for r in logged][2:4]
        assert ids(after_id=logged[-1][0]) == []
        assert reader.loggers() == ["Cam", "Motor"]
        assert reader.modules() == ["_status_rows"]
        assert reader.max_id() == logged[-1][0]
        with pytest.raises(ValueError):
            reader.rows(level="loud")
    finally:
        reader.close()


def test_missing_database_and_missing_table(backend, tmp_path):
    """No database: NoSuchDatabase; a database without the log table: empty answers."""
    if backend.kind == "sqlite":
        missing = {"db_type": "sqlite", "db_path": str(tmp_path / "none.db")}
    else:
        missing = dict(backend.settings, db_name=backend.settings["db_name"] + "_absent")
    with pytest.raises(NoSuchDatabase):
        LogReader(db_cfg=missing).rows()
    if backend.kind == "sqlite":
        import sqlite3
        sqlite3.connect(backend.settings["db_path"]).close()
    reader = LogReader()
    try:
        assert reader.rows() == [] and reader.loggers() == [] and reader.max_id() == 0
    finally:
        reader.close()

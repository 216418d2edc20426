"""The status reading layer (StatusReader) on both backends, against rows a producer process
wrote: every expected result is recomputed in plain Python from those rows."""
from __future__ import absolute_import, division, print_function

import io
import math
import random
import sys

import pytest

from CryoCore.Core import _schema, _status_reader
from CryoCore.Core._status_reader import NoSuchDatabase, StatusReader, UnknownParameter
from _status_rows import produce

BASE = 1700000000.0
PARAMS = [("Cryo", "pressure"), ("Cryo", "temp"), ("Cryo.sub", "temp"), ("Motor", "state")]
NON_NUMERIC = ["on", "12 V", "True", "nan", "", "1.2.3", "-", "0x10"]


def dataset(seed=1, n=240):
    """Rows [channel, name, value, timestamp] in write order, with ties and non-numbers."""
    rnd = random.Random(seed)
    rows, t = [], BASE
    for _ in range(n):
        t += rnd.choice([0.0, 0.0, 0.25, 1.0, 3.5])
        channel, name = rnd.choice(PARAMS)
        if name == "state" or rnd.random() < 0.2:
            value = rnd.choice(NON_NUMERIC)
        else:
            value = rnd.choice([rnd.randint(-50, 50), round(rnd.uniform(-1e3, 1e3), 3)])
        rows.append([channel, name, value, t])
    return rows


def numeric(value):
    """The oracle's number test: by construction, ints and floats are numbers, text is not."""
    return isinstance(value, (int, float))


@pytest.fixture
def written(backend, tmp_path):
    rows = dataset()
    produce(backend, tmp_path, {"rows": rows})
    return rows


def expected_history(rows, params, start=None, end=None):
    """Plain Python: rows of `params` in [start, end), by time then write order."""
    wanted = set(params)
    keep = [(r[3], i, r) for i, r in enumerate(rows) if (r[0], r[1]) in wanted
            and (start is None or r[3] >= start) and (end is None or r[3] < end)]
    return [(r[3], r[0], r[1], str(r[2])) for _, _, r in sorted(keep, key=lambda e: e[:2])]


@pytest.mark.smoke
def test_history_streams_rows_in_time_order(written, monkeypatch):
    """history() gives exactly the rows of [start, end) in time order, across chunks."""
    monkeypatch.setattr(_status_reader, "CHUNK", 3)
    reader = StatusReader()
    try:
        params = reader.select(["temp", "Motor:state"])
        times = [r[3] for r in written]
        ranges = [(None, None), (times[40], times[120]), (None, times[30]), (times[200], None),
                  (times[50], times[50]), (times[-1] + 1, None), (times[10], times[10] + 0.1)]
        for start, end in ranges:
            got = list(reader.history(params, start, end))
            assert got == expected_history(written, params, start, end), (start, end)
        assert list(reader.history(params, BASE - 100, BASE - 1)) == []
    finally:
        reader.close()


def expected_buckets(rows, param, start, end, n):
    """Plain Python: per non-empty bucket count, numbers' min/max/mean/first/last."""
    buckets = {}
    for r in rows:
        if (r[0], r[1]) == param and start <= r[3] < end:
            b = min(int(math.floor((r[3] - start) * n / (end - start))), n - 1)
            buckets.setdefault(b, []).append(r[2])
    out = []
    for b in sorted(buckets):
        values = buckets[b]
        nums = [float(v) for v in values if numeric(v)]
        out.append({"count": len(values), "numeric": len(nums),
                    "min": min(nums) if nums else None, "max": max(nums) if nums else None,
                    "mean": sum(nums) / len(nums) if nums else None,
                    "first": nums[0] if nums else None, "last": nums[-1] if nums else None,
                    "t0": start + (end - start) * b / n})
    return out


@pytest.mark.smoke
def test_buckets_match_plain_python(written):
    """buckets() counts every row and takes min/max/mean/first/last over numbers only."""
    reader = StatusReader()
    try:
        times = [r[3] for r in written]
        cases = [(("Cryo", "temp"), times[0], times[-1] + 1, 7),
                 (("Cryo", "temp"), times[20], times[100], 1),
                 (("Cryo", "pressure"), BASE, times[-1] + 0.5, 40),
                 (("Motor", "state"), BASE, times[-1] + 1, 5),
                 (("Cryo.sub", "temp"), times[30], times[30] + 3, 1000)]
        for param, start, end, n in cases:
            got = reader.buckets(param, start, end, n)
            want = expected_buckets(written, param, start, end, n)
            assert [g["count"] for g in got] == [w["count"] for w in want], (param, n)
            for g, w in zip(got, want):
                for k in ("numeric", "min", "max", "first", "last"):
                    assert g[k] == w[k], (param, n, k, g, w)
                assert g["mean"] == (None if w["mean"] is None else pytest.approx(w["mean"]))
                assert g["t0"] == pytest.approx(w["t0"]) and g["t1"] > g["t0"]
        assert reader.buckets(("Cryo", "temp"), BASE - 10, BASE - 5, 10) == []
        for bad in (0, -1, 2.5):
            with pytest.raises(ValueError):
                reader.buckets(("Cryo", "temp"), BASE, BASE + 10, bad)
        with pytest.raises(ValueError):
            reader.buckets(("Cryo", "temp"), BASE + 10, BASE, 10)
    finally:
        reader.close()


@pytest.mark.smoke
def test_select_names_and_words(written):
    """select(): channel:param exact, words by substring, no duplicates; unknown raises."""
    reader = StatusReader()
    try:
        assert reader.channels() == ["Cryo", "Cryo.sub", "Motor"]
        assert reader.parameters() == sorted(PARAMS)
        assert reader.parameters("Cryo") == [("Cryo", "pressure"), ("Cryo", "temp")]
        assert reader.select(["Motor:state", "temp", "Cryo:temp"]) == [
            ("Motor", "state"), ("Cryo", "temp"), ("Cryo.sub", "temp")]
        assert reader.select(["Cryo"]) == [p for p in sorted(PARAMS) if "Cryo" in "%s:%s" % p]
        with pytest.raises(UnknownParameter):  # a word with ':' is exact: no partial match
            reader.select(["sub:te"])
        for word in ("Cryo:nope", "nothing-like-it"):
            with pytest.raises(UnknownParameter) as info:
                reader.select([word])
            assert word in str(info.value)
        with pytest.raises(UnknownParameter):
            list(reader.history([("Cryo", "nope")]))
    finally:
        reader.close()


def test_values_at_and_changes(written):
    """values_at(t) is each parameter's last row by t; changes_since() the rows after an id."""
    reader = StatusReader()
    try:
        for t in (written[0][3] - 1, written[60][3], written[150][3] + 0.1, None):
            last = {}
            for i, (channel, name, value, ts) in enumerate(written):
                if t is None or ts <= t:
                    if (channel, name) not in last or ts >= last[(channel, name)][0]:
                        last[(channel, name)] = (ts, str(value))
            want = [(c, n, ts, v, None) for (c, n), (ts, v) in sorted(last.items())]
            assert reader.values_at(t) == want, t
        only = reader.values_at(None, channels=["Motor"])
        assert [r[:2] for r in only] == [("Motor", "state")]
        assert reader.values_at(None, channels=["NoSuchChannel"]) == []
        top = reader.max_id()
        assert top >= len(written)
        new_max, rows = reader.changes_since(top - 5)
        assert new_max == top and [r[0] for r in rows] == list(range(top - 4, top + 1))
        assert [(r[2], r[3], r[1], r[4]) for r in rows] == [
            (c, n, t, str(v)) for c, n, v, t in written[-5:]]
        new_max, rows = reader.changes_since(top - 50, params=[("Motor", "state")], limit=3)
        assert len(rows) <= 3 and all(r[2:4] == ("Motor", "state") for r in rows)
        assert reader.changes_since(top) == (top, [])
    finally:
        reader.close()


def test_grids_at(backend, tmp_path):
    """grids_at(t) rebuilds each 2-D grid (its stored size) from its cells' last values by t."""
    grids = [["Cam", "img", [2, 3], 0, 0, 10, BASE + 1], ["Cam", "img", [2, 3], 1, 2, 20, BASE + 2],
             ["Cam", "img", [2, 3], 0, 0, 11, BASE + 3], ["Cam", "img", [2, 3], 2, 1, 30, BASE + 4]]
    produce(backend, tmp_path, {"grids": grids})
    reader = StatusReader()
    try:
        assert reader.grids_at(BASE) == []
        assert reader.grids_at(BASE + 2.5) == [
            ("Cam", "img", BASE + 2, [[10, None, None], [None, None, 20], [None, None, None]])]
        assert reader.grids_at() == [
            ("Cam", "img", BASE + 4, [[11, None, None], [None, None, 20], [None, 30, None]])]
        assert reader.grids_at(channels=["Other"]) == []
    finally:
        reader.close()


def test_missing_database_is_refused_not_created(backend, tmp_path):
    """A reader on a database that does not exist raises NoSuchDatabase and creates nothing."""
    if backend.kind == "sqlite":
        cfg = {"db_type": "sqlite", "db_path": str(tmp_path / "absent" / "none.db")}
    else:
        cfg = dict(backend.settings, db_name=backend.settings["db_name"] + "_absent")
    reader = StatusReader(db_cfg=cfg)
    with pytest.raises(NoSuchDatabase) as info:
        reader.channels()
    assert str(info.value).startswith("no such database")
    if backend.kind == "sqlite":
        assert not (tmp_path / "absent").exists()
    else:
        names = [r[0] for r in backend.sql("SHOW DATABASES")]
        assert cfg["db_name"] not in names


def test_database_without_tables_gives_empty_results(backend, tmp_path):
    """A database without the status tables answers empty, and stays without them."""
    if backend.kind == "sqlite":
        import sqlite3
        sqlite3.connect(backend.settings["db_path"]).close()  # an empty file
    reader = StatusReader()
    try:
        assert not reader.has_tables()
        assert reader.channels() == [] and reader.parameters() == []
        assert reader.values_at() == [] and reader.grids_at() == []
        assert reader.max_id() == 0 and reader.changes_since(0) == (0, [])
        with pytest.raises(UnknownParameter):
            reader.select(["x"])
    finally:
        reader.close()
    raw = _raw(backend)
    assert not _schema.has_table(raw, "status")
    raw.close()


def _raw(backend):
    from CryoCore.Core.InternalDB import mysql
    return mysql("test-raw", config=backend.settings)


def _schema_text(backend):
    if backend.kind == "sqlite":
        return backend.sql("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    tables = [r[0] for r in backend.sql("SHOW TABLES")]
    return [backend.sql("SHOW CREATE TABLE %s" % t) for t in sorted(tables)]


def test_viewer_alters_nothing_on_an_original_database(backend):
    """Reading everything leaves the original's tables and rows exactly as they were."""
    db = _raw(backend)
    db._init_sqls(_schema.statements(db.db_type, "status"))  # the original layout
    db._execute("INSERT INTO status_channel (name) VALUES ('Old')")
    db._execute("INSERT INTO status_parameter (name, chanid) VALUES ('v', 1)")
    for i in range(20):
        db._execute("INSERT INTO status (timestamp, paramid, chanid, value) VALUES (%s, 1, 1, %s)",
                    (BASE + i, str(i * 2)))
    db.close()
    before = (_schema_text(backend), backend.sql("SELECT * FROM status ORDER BY id"))
    reader = StatusReader()
    try:
        assert list(reader.history([("Old", "v")]))[-1] == (BASE + 19, "Old", "v", "38")
        assert reader.buckets(("Old", "v"), BASE, BASE + 20, 2)[1]["max"] == 38.0
        assert reader.values_at(BASE + 3)[0][3] == "6"
        reader.grids_at()
        reader.changes_since(0)
    finally:
        reader.close()
    from CryoCore.Tools import TailStatus, _common
    out = io.StringIO() if sys.version_info[0] > 2 else io.BytesIO()
    assert _common.run(lambda a: TailStatus.main(a, out=out), ["--timeseries", "-", "Old:v"]) == 0
    assert out.getvalue().splitlines()[-1] == "%s,38" % float(BASE + 19)
    assert (_schema_text(backend), backend.sql("SELECT * FROM status ORDER BY id")) == before

# -*- coding: utf-8 -*-
"""StatusExport on both backends: every format read back with its own library and
compared row by row with what a producer process wrote; --every/--fill; bad input."""
from __future__ import absolute_import, division, print_function

import csv
import io
import json
import math
import os
import subprocess
import sys

import pytest

from CryoCore.Tools import StatusExport
from _history_data import in_time_order, need, one_error_line, produce, run_tool

T0 = 1764400000.125
STATE = [u"booting", u"two\nlines", u'idle, "done"\nnext line', u"température ✓", u"capturing"]


def dataset():
    """Rows with fractional timestamps, a tie, text with commas/quotes/newlines/non-ASCII."""
    rows = []
    for i in range(120):
        rows.append((T0 + i * 0.4 + 1e-6 * i, u"Camera", u"temperature",
                     u"%s" % round(35 + 0.013 * i, 3)))
    for i, s in enumerate(STATE):
        rows.append((T0 + 5.0 * i + 0.1, u"Camera", u"state", s))
    for i in range(10):
        rows.append((T0 + 4.0 * i + 0.3, u"GPS", u"lat", u"%.11f" % (-69.12345678901 + i * 1e-9)))
    rows.append((T0 + 7 * 0.4 + 1e-6 * 7, u"GPS", u"fix", u"3"))  # a tie with a temperature row
    rows.append((T0 + 30.5, u"GPS", u"fix", u"none"))           # a text value in a numeric one
    return rows


@pytest.fixture
def stored(backend, tmp_path):
    rows = dataset()
    produce(backend, tmp_path, rows, config={"Camera.units.temperature": "degC"})
    return in_time_order(rows)


def read_csv(text):
    """Rows of CSV text with the csv module (2.7's reads UTF-8 bytes)."""
    if sys.version_info[0] > 2:
        return list(csv.reader(io.StringIO(text, newline="")))
    return [[c.decode("utf-8") for c in r]
            for r in csv.reader(io.BytesIO(text.encode("utf-8")))]


def export(argv):
    return run_tool(StatusExport.main, argv)


def wanted(rows, params):
    return [r for r in rows if (r[1], r[2]) in params]


ALL = [(u"Camera", u"state"), (u"Camera", u"temperature"), (u"GPS", u"fix"), (u"GPS", u"lat")]


@pytest.mark.smoke
def test_csv_round_trip(stored, tmp_path):
    """csv: header and one row per stored value, timestamps exact, text exactly as stored."""
    path = str(tmp_path / "out.csv")
    assert export(["Camera", "GPS", "-o", path])[0] == 0
    with io.open(path, encoding="utf-8", newline="") as f:
        got = list(csv.reader(f)) if sys.version_info[0] > 2 else None
    if got is None:  # 2.7's csv reads bytes
        with open(path, "rb") as f:
            got = [[c.decode("utf-8") for c in row] for row in csv.reader(f)]
    assert got[0] == ["timestamp", "channel", "parameter", "value"]
    assert [(float(r[0]), r[1], r[2], r[3]) for r in got[1:]] == stored


@pytest.mark.smoke
def test_csv_to_stdout_selects_words_and_range(stored):
    """csv to stdout: a word selects every parameter containing it; [--since, --until)."""
    since, until = T0 + 5.0, T0 + 20.1
    status, text = export(["GPS:lat", "state", "--since", repr(since), "--until", repr(until)])
    assert status == 0
    rows = read_csv(text)[1:]
    expect = [r for r in wanted(stored, [(u"GPS", u"lat"), (u"Camera", u"state")])
              if since <= r[0] < until]
    assert [(float(r[0]), r[1], r[2], r[3]) for r in rows] == expect
    assert len(expect) == 6  # the state row at exactly --until is left out


@pytest.mark.smoke
def test_json_lines_round_trip(stored):
    """json: one object per line with the four keys, values as stored."""
    status, text = export(["--format", "json"])
    assert status == 0
    got = [json.loads(line) for line in text.splitlines()]
    assert [(d["timestamp"], d["channel"], d["parameter"], d["value"]) for d in got] == stored
    assert set(got[0]) == set(["timestamp", "channel", "parameter", "value"])


def moments_of(rows, params):
    """Hand-built wide rows: (t, cells) per distinct timestamp (none are < 0.01 s apart)."""
    times = sorted(set(r[0] for r in rows))
    out = []
    for t in times:
        cells = [None] * len(params)
        for r in rows:
            if r[0] == t:
                cells[params.index((r[1], r[2]))] = r[3]
        out.append((t, cells))
    return out


@pytest.mark.smoke
def test_wide_round_trip(stored):
    """wide: Time plus one column per parameter in the order asked, one row per moment."""
    params = [(u"GPS", u"lat"), (u"Camera", u"state"), (u"Camera", u"temperature")]
    status, text = export(["GPS:lat", "Camera", "--format", "wide"])
    assert status == 0
    rows = read_csv(text)
    assert rows[0] == ["Time", "GPS:lat", "Camera:state", "Camera:temperature"]
    expect = moments_of(wanted(stored, params), params)
    assert len(rows) - 1 == len(expect)
    for row, (t, cells) in zip(rows[1:], expect):
        assert row[0] == str(float(t))  # the --timeseries layout (2.7: 12 digits, as the original)
        assert row[1:] == [u"" if c is None else c for c in cells]


def test_parquet_round_trip(stored, tmp_path):
    """parquet (pyarrow): the csv layout, float64 timestamps and strings, row by row."""
    pq = need("pyarrow.parquet")
    path = str(tmp_path / "out.parquet")
    assert export(["-o", path])[0] == 0  # the format comes from the file name
    table = pq.read_table(path)
    assert [str(t) for t in table.schema.types] == ["double", "string", "string", "string"]
    assert table.column_names == ["timestamp", "channel", "parameter", "value"]
    got = [(r["timestamp"], r["channel"], r["parameter"], r["value"]) for r in table.to_pylist()]
    assert got == stored


def test_parquet_of_an_empty_range_is_a_valid_file(stored, tmp_path):
    """An empty range still gives a Parquet file with the schema and no rows."""
    pq = need("pyarrow.parquet")
    path = str(tmp_path / "empty.parquet")
    assert export(["--since", "1000", "--until", "2000", "--format", "parquet", "-o", path])[0] == 0
    table = pq.read_table(path)
    assert table.num_rows == 0 and table.column_names[0] == "timestamp"


def test_netcdf_round_trip_and_cf_attributes(stored, tmp_path):
    """netcdf (netCDF4): CF-1.8, one time axis, a variable per parameter, units from config."""
    netCDF4 = need("netCDF4")
    path = str(tmp_path / "out.nc")
    assert export(["-o", path])[0] == 0
    ds = netCDF4.Dataset(path)
    try:
        assert ds.Conventions == "CF-1.8"
        t = ds.variables["time"]
        assert t.units == "seconds since 1970-01-01 00:00:00 UTC"
        assert (t.standard_name, t.axis, t.calendar) == ("time", "T", "standard")
        assert ds.dimensions["time"].isunlimited()
        expect = moments_of(stored, ALL)
        assert list(t[:]) == [m[0] for m in expect]
        names = {"Camera_state": 0, "Camera_temperature": 1, "GPS_fix": 2, "GPS_lat": 3}
        assert set(ds.variables) == set(names) | set(["time"])
        temp = ds.variables["Camera_temperature"]
        assert temp.units == "degC" and temp.long_name == "Camera:temperature"
        assert temp.dimensions == ("time",) and temp.dtype.kind == "f"
        assert not hasattr(ds.variables["GPS_lat"], "units")  # no config entry: no units
        assert ds.variables["GPS_fix"].dtype == str  # "none" among numbers: text, not lost
        for vname, i in names.items():
            var = ds.variables[vname]
            var.set_auto_mask(False)
            values = list(var[:])
            for (_, cells), got in zip(expect, values):
                if var.dtype == str:
                    assert got == (cells[i] if cells[i] is not None else u"")
                elif cells[i] is None:
                    assert math.isnan(got)
                else:
                    assert got == float(cells[i])
    finally:
        ds.close()


# -- --every / --fill against grids computed by hand ---------------------------------
GRID_ROWS = [(100.0, u"G", u"a", u"1"), (101.0, u"G", u"b", u"x"), (104.0, u"G", u"a", u"2"),
             (117.0, u"G", u"a", u"3"), (125.0, u"G", u"b", u"y"), (141.0, u"G", u"a", u"4")]


@pytest.fixture
def grid(backend, tmp_path):
    produce(backend, tmp_path, GRID_ROWS)


def csv_rows(text):
    return [(float(r[0]), r[1], r[2], r[3]) for r in
            (line.split(",") for line in text.strip().splitlines()[1:])]


@pytest.mark.smoke
def test_every_takes_the_last_value_of_each_step(grid):
    """--every 10: steps from the first row rounded down; empty steps have no rows."""
    status, text = export(["G", "--every", "10"])
    assert status == 0
    assert csv_rows(text) == [(100.0, "G", "a", "2"), (100.0, "G", "b", "x"),
                              (110.0, "G", "a", "3"), (120.0, "G", "b", "y"),
                              (140.0, "G", "a", "4")]


@pytest.mark.smoke
def test_every_with_fill_carries_values(grid):
    """--fill carries each parameter's last value into steps without one."""
    status, text = export(["G", "--every", "10", "--fill"])
    assert status == 0
    assert csv_rows(text) == [(100.0, "G", "a", "2"), (100.0, "G", "b", "x"),
                              (110.0, "G", "a", "3"), (110.0, "G", "b", "x"),
                              (120.0, "G", "a", "3"), (120.0, "G", "b", "y"),
                              (130.0, "G", "a", "3"), (130.0, "G", "b", "y"),
                              (140.0, "G", "a", "4"), (140.0, "G", "b", "y")]


@pytest.mark.smoke
def test_every_fill_runs_from_since_to_until(grid):
    """With --since/--until the grid starts at --since and covers every step before --until."""
    status, text = export(["G", "--every", "10", "--fill", "--since", "95", "--until", "160"])
    assert status == 0
    a = ["2", "2", "3", "3", "4", "4", "4"]
    b = ["x", "x", "x", "y", "y", "y", "y"]
    expect = []
    for k in range(7):
        expect += [(95.0 + 10 * k, "G", "a", a[k]), (95.0 + 10 * k, "G", "b", b[k])]
    assert csv_rows(text) == expect


@pytest.mark.smoke
def test_fill_starts_from_the_values_before_since(grid):
    """--fill carries in the values parameters had before --since (stored on change only)."""
    status, text = export(["G", "--every", "10", "--fill", "--since", "102", "--until", "130"])
    assert status == 0
    assert csv_rows(text) == [(102.0, "G", "a", "2"), (102.0, "G", "b", "x"),
                              (112.0, "G", "a", "3"), (112.0, "G", "b", "x"),
                              (122.0, "G", "a", "3"), (122.0, "G", "b", "y")]


@pytest.mark.smoke
def test_every_in_the_wide_layout(grid):
    """--every with --format wide: one row per non-empty step, empty cells where none."""
    status, text = export(["G:a", "G:b", "--every", "10", "--format", "wide"])
    assert status == 0
    assert text.splitlines() == ["Time,G:a,G:b", "100.0,2,x", "110.0,3,", "120.0,,y",
                                 "140.0,4,"]


@pytest.mark.smoke
def test_wide_fill_starts_from_values_before_since(grid):
    """wide --fill without --every: empty cells carry the last value, also from before --since."""
    status, text = export(["G:a", "G:b", "--format", "wide", "--fill", "--since", "102"])
    assert status == 0
    assert text.splitlines() == ["Time,G:a,G:b", "104.0,2,x", "117.0,3,x", "125.0,3,y",
                                 "141.0,4,y"]


# -- bad input ---------------------------------------------------------------------
@pytest.mark.smoke
@pytest.mark.parametrize("argv, words", [
    (["G:nope"], ["G:nope"]),
    (["--since", "yesterday-ish"], ["yesterday-ish"]),
    (["--until", "2026-13-45"], ["2026-13-45"]),
    (["--since", "200", "--until", "100"], ["--until"]),
    (["--every", "0"], ["--every"]),
    (["--every", "nan"], ["--every"]),
    (["--fill"], ["--fill"]),
    (["--format", "parquet"], ["-o"]),
    (["--format", "netcdf"], ["-o"]),
])
def test_bad_input_is_one_error_line(grid, capsys, argv, words):
    """Unknown parameters, bad times and bad options: one Error line naming them, exit 1."""
    capsys.readouterr()
    status, text = export(argv)
    assert status == 1 and text == ""
    one_error_line(capsys.readouterr().err, *words)


@pytest.mark.parametrize("fmt, module", [("parquet", "pyarrow"), ("netcdf", "netCDF4")])
def test_missing_extra_names_it(tmp_path, capsys, monkeypatch, fmt, module):
    """Without pyarrow/netCDF4 the tool says in one line which extra to install."""
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    status, _ = export(["--format", fmt, "-o", str(tmp_path / "x")])
    assert status == 1
    one_error_line(capsys.readouterr().err, 'pip install "CryoCore[export]"')
    assert not os.path.exists(str(tmp_path / "x"))


@pytest.mark.smoke
def test_missing_database_is_an_error_and_creates_nothing(tmp_path, capsys):
    """A SQLite file that does not exist: one Error line, and no file is created."""
    path = str(tmp_path / "nothing-here.db")
    status, _ = export(["--db_type", "sqlite", "--db_path", path])
    assert status == 1
    one_error_line(capsys.readouterr().err, "no such database")
    assert not os.path.exists(path)


def test_console_script_runs_as_a_real_process(grid, backend, tmp_path):
    """`python -m CryoCore.Tools.StatusExport` writes the file and nothing on stderr."""
    path = str(tmp_path / "g.json")
    proc = subprocess.Popen([sys.executable, "-m", "CryoCore.Tools.StatusExport", "G:a", "-o",
                             path], env=backend.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, err = proc.communicate()
    assert proc.returncode == 0 and out == b"" and err == b"", err
    with open(path) as f:
        got = [json.loads(line) for line in f]
    assert [(d["timestamp"], d["value"]) for d in got] == [(100.0, "1"), (104.0, "2"),
                                                            (117.0, "3"), (141.0, "4")]


class FakeTty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal(stored, tmp_path, monkeypatch):
    """On a terminal stderr: a bar with the share of the range, rows and rows/s; ends at 100%."""
    from CryoCore.Tools import _progress
    monkeypatch.setattr(_progress, "SHOW_AFTER", 0.0)
    monkeypatch.setattr(_progress, "EVERY_SECONDS", 0.0)
    monkeypatch.setattr(_progress, "EVERY_ROWS", 1)
    err = FakeTty()
    monkeypatch.setattr(sys, "stderr", err)
    until = T0 + 60
    assert export(["--since", repr(T0), "--until", repr(until), "-o",
                   str(tmp_path / "x.csv")])[0] == 0
    text = err.getvalue()
    assert text.startswith("\r[") and text.endswith("\n")
    last = text.rstrip("\n").split("\r")[-1]
    assert last.startswith("[" + "#" * _progress.BAR + "] 100%")
    assert " %d rows " % len(stored) in last and "rows/s" in last
    assert " 50%" in text or " 49%" in text or " 51%" in text  # drawn along the way


def test_progress_bar_only_on_a_terminal():
    """No bar when stderr is not a terminal, or when the data itself goes to the terminal."""
    from CryoCore.Tools._progress import wanted
    assert not wanted(io.StringIO(), None)
    assert wanted(FakeTty(), None) and wanted(FakeTty(), io.StringIO())
    assert not wanted(FakeTty(), FakeTty())

"""The original's StatusDbReader names on both backends, against rows a producer process
wrote with known timestamps (expected values from those rows and plain SQL)."""
from __future__ import absolute_import, division, print_function

import pytest

from CryoCore.Core.Status.StatusDbReader import StatusDbReader
from _status_rows import produce

T = 1600000000.0
ROWS = [["Cam", "fps", 30, T + 1], ["Cam", "fps", 25, T + 2], ["Cam", "mode", "auto", T + 3],
        ["Motor", "fps", 1.5, T + 4], ["Cam", "fps", 24, T + 10], ["Motor", "pos", 7, T + 11]]


@pytest.fixture
def reader(backend, tmp_path):
    produce(backend, tmp_path, {"rows": ROWS})
    r = StatusDbReader()
    yield r
    r.close()


def ids(backend):
    """{(channel, name): paramid} and {channel: chanid} by plain SQL."""
    params = dict(((c, n), p) for p, c, n in backend.sql(
        "SELECT p.paramid, c.name, p.name FROM status_parameter p "
        "JOIN status_channel c ON c.chanid = p.chanid"))
    return params, dict((n, c) for c, n in backend.sql("SELECT chanid, name FROM status_channel"))


@pytest.mark.smoke
def test_names_and_ids(reader, backend):
    """Channel/parameter names and ids as the original returns them; unknown -> None."""
    params, chans = ids(backend)
    assert reader.get_channels() == ["Cam", "Motor"]
    assert all(type(c) is str for c in reader.get_channels())
    assert reader.get_channel_id("Cam") == chans["Cam"]
    assert reader.get_channel_id("Nope") is None
    assert reader.get_channel_name(chans["Motor"]) == "Motor"
    assert reader.get_channel_name(99999) is None
    assert reader.get_param_id("Cam", "fps") == params[("Cam", "fps")]
    assert reader.get_param_id("Cam", "nope") is None and reader.get_param_id("X", "fps") is None
    assert reader.get_parameters("Cam") == ["fps", "mode"]
    assert reader.get_parameters("Nope") == []
    assert reader.get_parameters("x' OR '1'='1") == []  # bound, not pasted into SQL
    assert sorted(reader.get_parameters_by_name("fps")) == sorted(
        [(chans["Cam"], "fps"), (chans["Motor"], "fps")])
    assert reader.get_channels_and_parameters() == {
        "Cam": {"fps": params[("Cam", "fps")], "mode": params[("Cam", "mode")]},
        "Motor": {"fps": params[("Motor", "fps")], "pos": params[("Motor", "pos")]}}


@pytest.mark.smoke
def test_last_values_and_updates(reader, backend):
    """Last values (by time window too), updates since a row id, min/max timestamps."""
    params, _ = ids(backend)
    assert reader.get_last_status_value("Cam", "fps") == (T + 10, "24")
    assert reader.get_last_status_value("Cam", "nope") == (None, None)
    assert reader.get_last_status_value("Nope", "fps") == (None, None)
    assert reader.get_last_status_value_by_id(params[("Cam", "mode")]) == (T + 3, "auto")
    assert reader.get_last_status_value_by_id(99999) == (None, None)
    got = reader.get_last_status_values([("Cam", "fps"), ("Motor", "fps"), ("Cam", "x")],
                                        since=T + 1.5, now=T + 5)
    assert got == {("Cam", "fps"): (T + 2, "25"), ("Motor", "fps"): (T + 4, "1.5")}
    got = reader.get_last_status_values([("Cam", "fps"), ("Motor", "pos")], since=-2, now=T + 11.5)
    assert got == {("Cam", "fps"): (T + 10, "24"), ("Motor", "pos"): (T + 11, "7")}
    assert reader.get_last_status_values([("Cam", "fps")], since=-1000) == {}  # now: the clock
    maxid = backend.sql("SELECT MAX(id) FROM status")[0][0]
    fps, pos = params[("Cam", "fps")], params[("Motor", "pos")]
    assert reader.get_updates([fps, pos]) == {"maxid": maxid, "params": {
        fps: {"ts": T + 10, "val": "24"}, pos: {"ts": T + 11, "val": "7"}}}
    assert reader.get_updates([fps, pos], since=maxid) == {"maxid": maxid, "params": {}}
    first_id = backend.sql("SELECT MIN(id) FROM status")[0][0]
    assert reader.get_updates([fps], since=first_id) == {
        "maxid": maxid, "params": {fps: {"ts": T + 10, "val": "24"}}}
    assert reader.get_min_timestamp() == T + 1 and reader.get_max_timestamp() == T + 11


def test_empty_database(backend):
    """An empty status database: no channels, no values, None timestamps."""
    backend.sql("SELECT 1")  # the database exists (SQLite: the file), without tables
    reader = StatusDbReader()
    try:
        assert reader.get_channels() == [] and reader.get_min_timestamp() is None
        assert reader.get_last_status_value("A", "b") == (None, None)
        assert reader.get_updates([1]) == {"maxid": 0, "params": {}}
    finally:
        reader.close()

# -*- coding: utf-8 -*-
"""--source on the history tools (issue 17): TailStatus --timeseries, StatusExport,
StatusPlot and Snapshot on a ground database that DbSync fed from two field sources,
through the reading layer; the oracle is plain SQL over the ground (tests/_sync.raw)."""
from __future__ import absolute_import, division, print_function

import json
import os

import pytest

from CryoCore import API
from CryoCore.Core._status_reader import StatusReader, UnknownSource
from CryoCore.Tools import Snapshot, StatusExport, TailStatus, _common
from _sync import drop, ground_mysql, ground_sqlite, produce, raw, sync
from conftest import make_backend

ROUNDS = {"alpha": 40, "beta": 25}  # rounds each field source writes (one tag: shared names)
PARAM = ("Field.x", "k")


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def ground(request, tmp_path_factory):
    """A ground database (of each backend) holding the rows of sources alpha and beta, both
    writing channel Field.x: (settings, settings file)."""
    tmp = tmp_path_factory.mktemp("ground")
    settings, path = ground_mysql(tmp) if request.param == "mysql" else ground_sqlite(tmp)
    try:
        for source in sorted(ROUNDS):
            (tmp / source).mkdir()
            field = make_backend("sqlite", tmp / source)[0]
            produce(field, ROUNDS[source], "x")
            rc, out, err = sync(field, path, "--once", "--source", source)
            assert rc == 0, err
        yield settings, path
    finally:
        drop(settings)


@pytest.fixture
def on_ground(ground, monkeypatch):
    """The tools' settings name the ground database."""
    monkeypatch.setenv("CRYOCORE_CONFIG", ground[1])
    API.reset()
    return ground[0]


def oracle(settings, source, param=PARAM):
    """(timestamp, value) of `param` rows copied from `source`, in time order, by plain SQL."""
    return raw(settings, "SELECT s.timestamp, s.value FROM status s JOIN status_parameter p "
               "ON p.paramid = s.paramid JOIN status_channel c ON c.chanid = p.chanid "
               "WHERE c.name = %s AND p.name = %s AND s.cc_source = "
               "(SELECT id FROM cc_sync_source WHERE name = %s) ORDER BY s.timestamp, s.id",
               (param[0], param[1], source))


def run(capsys, main, *argv):
    code = _common.run(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.smoke
def test_timeseries_and_export_show_only_that_source(on_ground, capsys):
    """TailStatus --timeseries and StatusExport with --source give exactly that source's
    rows of a parameter both sources write; without it both sources' rows."""
    alpha, beta = oracle(on_ground, "alpha"), oracle(on_ground, "beta")
    assert len(alpha) == ROUNDS["alpha"] and len(beta) == ROUNDS["beta"]
    code, out, err = run(capsys, TailStatus.main, "--timeseries", "-", "--source", "alpha",
                         "Field.x:k")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Time,Field.x:k"
    assert [tuple(x.split(",")) for x in lines[1:]] == [(str(float(t)), v) for t, v in alpha]
    code, out, err = run(capsys, TailStatus.main, "--timeseries", "-", "Field.x:k")
    assert len(out.splitlines()) - 1 == len(alpha) + len(beta)
    code, out, err = run(capsys, StatusExport.main, "--source", "beta", "Field.x:k")
    assert code == 0, err
    got = [line.split(",") for line in out.splitlines()[1:]]
    assert [(float(r[0]), r[1], r[2], r[3]) for r in got] == [
        (float(t), "Field.x", "k", v) for t, v in beta]


def test_plot_range_and_buckets_of_one_source(on_ground, capsys):
    """StatusPlot --source plots that source's time range (an unknown one is an Error line);
    buckets(source=) agree with plain Python over that source's rows."""
    from CryoCore.Tools import StatusPlot
    beta = [(float(t), float(v)) for t, v in oracle(on_ground, "beta")]
    args, size, reader, params, start, end = StatusPlot.plan(["Field.x:k", "--source", "beta"])
    reader.close()
    assert start == beta[0][0] and beta[-1][0] < end < beta[-1][0] + 0.01
    reader = StatusReader()
    try:
        [b] = reader.buckets(PARAM, start, end, 1, source="beta")
        assert reader.time_range([PARAM], source="alpha")[0] == float(
            oracle(on_ground, "alpha")[0][0])
    finally:
        reader.close()
    values = [v for _, v in beta]
    assert (b["count"], b["min"], b["max"], b["first"], b["last"]) == (
        len(values), min(values), max(values), values[0], values[-1])
    assert b["mean"] == pytest.approx(sum(values) / len(values))
    picture = os.path.join(os.environ["HOME"], "alpha.png")
    code, out, err = run(capsys, StatusPlot.main, "Field.x:k", "--source", "alpha", "-o",
                         picture)
    assert code == 0 and os.path.getsize(picture) > 0, err
    code, out, err = run(capsys, StatusPlot.main, "Field.x:k", "--source", "nobody", "-o",
                         picture)
    assert code == 1 and err == "Error: no such source 'nobody' (sources here: alpha, beta)\n"


@pytest.mark.smoke
def test_snapshot_shows_that_sources_values_and_logs(on_ground, capsys):
    """Snapshot --source: each parameter's last value from that source and its log rows."""
    alpha, beta = oracle(on_ground, "alpha"), oracle(on_ground, "beta")
    at = max(alpha[-1][0], beta[-1][0]) + 1
    code, out, err = run(capsys, Snapshot.main, "--at", repr(at), "--window", "1d", "--format",
                         "json", "--source", "alpha")
    assert code == 0, err
    report = json.loads(out)
    status = dict(((s["channel"], s["name"]), s["value"]) for s in report["status"])
    assert status[PARAM] == alpha[-1][1] != beta[-1][1]
    logs = raw(on_ground, "SELECT message FROM log WHERE cc_source = (SELECT id FROM "
               "cc_sync_source WHERE name = %s) ORDER BY id", ("alpha",))
    assert [r["message"] for r in report["logs"]] == [m for (m,) in logs]


@pytest.mark.smoke
@pytest.mark.parametrize("tool, argv", [
    (TailStatus, ["--timeseries", "-"]), (StatusExport, []), (Snapshot, [])])
def test_unknown_source_is_one_error_line(on_ground, capsys, tool, argv):
    """An unknown --source name: one Error line naming it and the sources there, status 1."""
    code, out, err = run(capsys, tool.main, *(argv + ["--source", "nobody"]))
    assert code == 1 and out == ""
    assert err == "Error: no such source 'nobody' (sources here: alpha, beta)\n"


@pytest.mark.smoke
def test_a_database_without_sources_is_one_error_line(backend, capsys, tmp_path):
    """A database DbSync never wrote (no cc_source column): --source is one Error line and
    StatusExport makes no file."""
    API.get_status("Field.x").new("k").set_value(1)
    API.get_log("field").info("hello")
    API.shutdown()
    target = str(tmp_path / "out.csv")
    for main, argv in ((TailStatus.main, ["--timeseries", "-"]),
                       (StatusExport.main, ["-o", target]), (Snapshot.main, [])):
        code, out, err = run(capsys, main, *(argv + ["--source", "alpha"]))
        assert code == 1 and out == "", err
        assert err.startswith("Error: no source 'alpha' here: this database holds no rows "
                              "copied by DbSync") and len(err.splitlines()) == 1
    assert not os.path.exists(target)
    with pytest.raises(UnknownSource):
        StatusReader().history([PARAM], source="alpha")

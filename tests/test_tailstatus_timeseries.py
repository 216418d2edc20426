"""TailStatus --timeseries FILE [--fill] on both backends, over rows a producer process wrote:
header and column order, word expansion, merging of close rows, --fill, the last row."""
from __future__ import absolute_import, division, print_function

import io
import os
import subprocess
import sys

import pytest

from CryoCore import API
from CryoCore.Tools import TailStatus, _common
from _status_rows import produce

T = 1600000000.0
ROWS = [["Cryo", "temp", 1.5, T], ["Cryo", "pressure", 10, T + 0.004],
        ["Motor", "pos", 3, T + 0.02], ["Cryo", "temp", 2.5, T + 1.0],
        ["Cryo", "temp", 2.75, T + 1.005], ["Cryo", "pressure", "a,b", T + 2.0],
        ["Cryo.sub", "temp", 9, T + 3.0], ["Motor", "pos", 4, T + 4.0]]


def s(t):
    return str(float(t))


@pytest.fixture
def written(backend, tmp_path):
    produce(backend, tmp_path, {"rows": ROWS})


def series(argv, tmp_path):
    """Run TailStatus with --timeseries FILE in-process: (exit status, lines of FILE)."""
    path = str(tmp_path / "out.csv")
    if os.path.exists(path):
        os.remove(path)
    status = _common.run(TailStatus.main, ["--timeseries", path] + argv)
    API.reset()
    if not os.path.exists(path):
        return status, None
    with io.open(path, encoding="utf-8") as f:
        return status, f.read().split(u"\n")[:-1]


@pytest.mark.smoke
def test_words_columns_and_merging(written, tmp_path):
    """Words expand in name order, columns keep their order, close rows merge per parameter."""
    status, lines = series(["Cryo:pressure", "temp", "-n", "1"], tmp_path)
    assert status == 0
    assert lines == ["Time,Cryo:pressure,Cryo:temp,Cryo.sub:temp",
                     s(T) + ",10,1.5,",
                     s(T + 1.0) + ",,2.5,",
                     s(T + 1.005) + ",,2.75,",
                     s(T + 2.0) + ',"a,b",,',
                     s(T + 3.0) + ",,,9"]
    status, lines = series(["Motor:pos", "Cryo:temp"], tmp_path)
    assert lines == ["Time,Motor:pos,Cryo:temp", s(T) + ",,1.5", s(T + 0.02) + ",3,",
                     s(T + 1.0) + ",,2.5", s(T + 1.005) + ",,2.75", s(T + 4.0) + ",4,"]


@pytest.mark.smoke
def test_fill_and_since(written, tmp_path):
    """--fill carries the last known value (also from before --since) into empty cells."""
    status, lines = series(["--fill", "Cryo:pressure", "temp"], tmp_path)
    assert lines[1:] == [s(T) + ",10,1.5,", s(T + 1.0) + ",10,2.5,", s(T + 1.005) + ",10,2.75,",
                         s(T + 2.0) + ',"a,b",2.75,', s(T + 3.0) + ',"a,b",2.75,9']
    status, lines = series(["--since", s(T + 1.0), "Cryo:pressure", "Cryo:temp"], tmp_path)
    assert lines[1:] == [s(T + 1.0) + ",,2.5", s(T + 1.005) + ",,2.75", s(T + 2.0) + ',"a,b",']
    status, lines = series(["--fill", "--since", s(T + 1.0), "--until", s(T + 2.0),
                            "Cryo:pressure", "Cryo:temp"], tmp_path)
    assert lines[1:] == [s(T + 1.0) + ",10,2.5", s(T + 1.005) + ",10,2.75"]


def test_unknown_words_fail_with_one_line(written, tmp_path, capsys):
    """An unknown channel:param or a word matching nothing: one Error line, exit 1, no file."""
    for word in ("Cryo:nope", "nothing"):
        status, lines = series([word], tmp_path)
        err = capsys.readouterr().err
        assert status == 1 and lines is None
        assert err.startswith("Error: ") and word in err and err.count("\n") == 1


@pytest.mark.smoke
def test_as_a_command_to_stdout_and_file(written, backend, tmp_path):
    """The installed-style script writes the same CSV to a file and to stdout (-)."""
    script = [sys.executable, "-m", "CryoCore.Tools.TailStatus"]
    path = str(tmp_path / "cli.csv")
    subprocess.check_call(script + ["--timeseries", path, "Motor:pos"], env=backend.env())
    out = subprocess.check_output(script + ["--timeseries", "-", "Motor:pos"], env=backend.env())
    want = "Time,Motor:pos\n%s,3\n%s,4\n" % (s(T + 0.02), s(T + 4.0))
    with open(path) as f:
        assert f.read() == want
    assert out.decode("utf-8") == want

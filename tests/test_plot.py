"""StatusPlot on both backends: picture files of the expected size, the plotted min/max/mean
per bucket against a recomputation from the raw rows, readable layout, the terminal chart's
size, bad input."""
from __future__ import absolute_import, division, print_function

import datetime
import math
import os
import subprocess
import sys
import time

import pytest

from _history_data import need, one_error_line, produce, run_tool

START = 1000.0
SPAN = 320.0  # with --size 400x...: 320 buckets of exactly 1 s


def raw_rows():
    """Temperature every 0.25 s (never on a bucket edge) with a gap, a second degC sensor,
    a frame counter and a text state."""
    rows = []
    for k in range(int(SPAN * 4)):
        t = START + 0.1 + 0.25 * k
        if 100 <= t - START < 150:
            continue  # a gap: empty buckets
        rows.append((t, "Camera", "temperature", "%.1f" % (20 + (k * 7919) % 1000 / 10.0)))
        if k % 8 == 0:
            rows.append((t + 0.05, "Camera", "board", "%.2f" % (30 + math.sin(k / 50.0))))
            rows.append((t + 0.06, "Camera", "frames", str(k)))
    rows.append((START + 5.0, "Camera", "state", "capturing"))
    return rows


@pytest.fixture
def stored(backend, tmp_path):
    need("matplotlib")
    rows = raw_rows()
    produce(backend, tmp_path, rows, config={"Camera.units.temperature": "degC",
                                            "Camera.units.board": "degC"})
    return rows


def plot(argv):
    from CryoCore.Tools import StatusPlot
    return run_tool(StatusPlot.main, argv)


RANGE = ["--since", repr(START), "--until", repr(START + SPAN)]


def test_png_opens_with_the_expected_size(stored, tmp_path):
    """The PNG opens, has the default 1280x720 (or --size) pixels and is not blank."""
    Image = need("PIL.Image")
    for extra, size in [([], (1280, 720)), (["--size", "640x400"], (640, 400))]:
        path = str(tmp_path / "p.png")
        assert plot(["Camera:temperature", "-o", path] + extra)[0] == 0
        img = Image.open(path)
        assert img.format == "PNG" and img.size == size
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
        assert len(colours) > 50  # lines, band, text: far from a blank picture


def test_svg_is_written(stored, tmp_path):
    """-o FILE.svg writes an SVG document."""
    import xml.etree.ElementTree as ET
    path = str(tmp_path / "p.svg")
    assert plot(["temperature", "-o", path])[0] == 0
    assert ET.parse(path).getroot().tag.endswith("svg")


def _picture(argv):
    from CryoCore.Tools import StatusPlot
    args, size, reader, params, start, end = StatusPlot.plan(argv)
    try:
        return StatusPlot.picture(args, size, reader, params, start, end)
    finally:
        reader.close()


def _to_epoch(nums):
    import matplotlib.dates as mdates
    origin = mdates.date2num(datetime.datetime(1970, 1, 1, tzinfo=_utc()))
    return [(n - origin) * 86400.0 for n in nums]


def _utc():
    from dateutil import tz
    return tz.tzutc()


def oracle(rows, param, n):
    """min, max, mean per non-empty bucket of [START, START+SPAN), from the raw rows."""
    buckets = {}
    for t, channel, name, value in rows:
        if (channel, name) == param and START <= t < START + SPAN:
            buckets.setdefault(int((t - START) // (SPAN / n)), []).append(float(value))
    width = SPAN / n
    return dict((START + (b + 0.5) * width, (min(v), max(v), sum(v) / len(v)))
                for b, v in buckets.items())


def test_plotted_band_and_mean_equal_a_recomputation_from_raw_rows(stored):
    """Each bucket's plotted min, max (the band) and mean (the line) equal plain Python's."""
    from CryoCore.Tools import _plot_png
    assert _plot_png.buckets_for(400) == 320  # about one bucket per pixel of the plot area
    fig = _picture(["Camera:temperature", "--size", "400x300"] + RANGE)
    expect = oracle(stored, ("Camera", "temperature"), 320)
    assert len(expect) == 320 - 50  # the gap leaves 50 buckets empty
    [ax] = fig.axes
    [band] = [c for c in ax.collections if c.get_gid() == "band:Camera:temperature"]
    points = set()
    for path in band.get_paths():
        xs = _to_epoch(path.vertices[:, 0])
        points.update((round(x, 3), y) for x, y in zip(xs, path.vertices[:, 1]))
    wanted = set()
    for x, (lo, hi, _) in expect.items():
        wanted.update([(round(x, 3), lo), (round(x, 3), hi)])
    assert points == wanted
    [line] = [l for l in ax.lines if l.get_gid() == "line:Camera:temperature"]
    got = dict((round(x, 3), y) for x, y in zip(_to_epoch(line.get_xdata()), line.get_ydata()))
    assert sorted(got) == sorted(round(x, 3) for x in expect)
    for x, (_, _, mean) in expect.items():
        assert abs(got[round(x, 3)] - mean) < 1e-9


def test_one_axis_per_unit_else_per_parameter(stored):
    """Parameters with the same unit share an axis labelled with it; others get their own."""
    fig = _picture(["Camera:temperature", "Camera:frames", "Camera:board"] + RANGE)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels == ["degC", "Camera:frames"]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("Camera:board" in t for t in legend) and any("temperature" in t for t in legend)
    assert "local time" in fig.axes[-1].get_xlabel()


def drawn_ticks(labels, limits, i):
    """The tick labels matplotlib draws: those inside the view limits."""
    low, high = min(limits), max(limits)
    return [t for t in labels if low <= t.get_position()[i] <= high]


def test_no_text_overlaps(stored):
    """Title, axis labels, tick labels and legends: no two boxes overlap, all inside."""
    fig = _picture(["Camera:temperature", "Camera:frames", "Camera:board"])
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    boxes = []
    texts = [fig.get_suptitle() and fig._suptitle]
    for ax in fig.axes:
        texts += [ax.xaxis.label, ax.yaxis.label, ax.xaxis.get_offset_text()]
        texts += drawn_ticks(ax.get_xticklabels(), ax.get_xlim(), 0)
        texts += drawn_ticks(ax.get_yticklabels(), ax.get_ylim(), 1)
    for t in texts:
        if t is not None and t.get_visible() and t.get_text().strip():
            boxes.append((t.get_text(), t.get_window_extent(renderer)))
    for ax in fig.axes:
        boxes.append(("legend", ax.get_legend().get_window_extent(renderer)))
    full = fig.bbox
    for i, (name, box) in enumerate(boxes):
        assert box.x0 >= full.x0 - 1 and box.x1 <= full.x1 + 1, name
        assert box.y0 >= full.y0 - 1 and box.y1 <= full.y1 + 1, name
        for other, box2 in boxes[i + 1:]:
            assert not box.overlaps(box2), (name, other)
    for ax in fig.axes:  # legends beside the data, never on it
        assert not ax.get_legend().get_window_extent(renderer).overlaps(ax.get_window_extent())


def test_terminal_chart_fits_80x24_without_a_terminal(stored, backend):
    """Not a terminal: at most 80 columns and 23 lines (one left for the prompt), no colour."""
    env = backend.env()
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    out = _run(env, ["Camera:temperature", "Camera:frames"] + RANGE)
    lines = out.rstrip("\n").split("\n")
    assert 15 <= len(lines) <= 23
    assert max(len(l) for l in lines) <= 80
    assert "\x1b" not in out
    assert "Camera:temperature" in out and "Camera:frames" in out
    env.update(COLUMNS="120", LINES="40")
    lines = _run(env, ["Camera:temperature"] + RANGE).rstrip("\n").split("\n")
    assert 100 < max(len(l) for l in lines) <= 120 and 30 < len(lines) <= 39


def _run(env, argv):
    need("plotext")
    proc = subprocess.Popen([sys.executable, "-m", "CryoCore.Tools.StatusPlot"] + argv, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    assert proc.returncode == 0 and err == b"", err
    return out.decode("utf-8")


@pytest.mark.parametrize("argv, words", [
    (["Camera:nope"], ["Camera:nope"]),
    (["Camera:temperature", "-o", "x.pdf"], ["x.pdf"]),
    (["Camera:temperature", "-o", "x.png", "--size", "big"], ["--size", "big"]),
    (["Camera:temperature", "--since", "soonish"], ["soonish"]),
    (["Camera:state", "-o", "x.png"], ["Camera:state", "nothing to plot", "1 rows of text"]),
    (["Camera:temperature", "--since", "10", "--until", "20"], ["no values"]),
])
def test_bad_input_is_one_error_line(stored, capsys, tmp_path, monkeypatch, argv, words):
    """Unknown parameters, bad file names, sizes or times, nothing numeric: one Error line."""
    monkeypatch.chdir(str(tmp_path))
    capsys.readouterr()
    status, text = plot(argv)
    assert status == 1 and text == ""
    one_error_line(capsys.readouterr().err, *words)
    assert not os.path.exists(str(tmp_path / "x.png"))


@pytest.mark.parametrize("module, argv", [("matplotlib", ["-o", "x.png"]), ("plotext", [])])
def test_missing_extra_names_it(tmp_path, capsys, monkeypatch, module, argv):
    """Without matplotlib/plotext the tool says in one line which extra to install."""
    monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.chdir(str(tmp_path))
    status, _ = plot(["Camera:temperature"] + argv)
    assert status == 1
    one_error_line(capsys.readouterr().err, 'pip install "CryoCore[plot]"')


def test_text_parameters_beside_numbers_are_reported_not_dropped(stored, tmp_path, capsys):
    """A parameter without numbers is left out with a line on stderr; the rest is plotted."""
    path = str(tmp_path / "p.png")
    capsys.readouterr()
    assert plot(["Camera:state", "Camera:frames", "-o", path])[0] == 0
    assert capsys.readouterr().err == ("StatusPlot: Camera:state has no numeric values in "
                                       "that range (1 rows); not plotted\n")
    assert os.path.getsize(path) > 0


def test_terminal_chart_on_a_terminal_fills_it_in_colour(stored, backend):
    """On a 100x30 terminal the chart fills 100x29 in colour, with parameter and times."""
    need("plotext")
    need("pyte")
    from _pty_term import Term
    env = backend.env()
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    term = Term([sys.executable, "-m", "CryoCore.Tools.StatusPlot", "Camera:temperature"] + RANGE,
                env, cols=100, rows=30)
    try:
        assert term.wait_exit(60) == 0
        assert b"\x1b[" in term.raw  # colour on a terminal
        lines = [l.rstrip() for l in term.lines()]
        used = [l for l in lines if l]
        assert 26 <= len(used) <= 29 and max(len(l) for l in lines) > 90
        assert "Camera:temperature" in term.text()
        assert time.strftime("%H:%M", time.localtime(START)) in term.text()
    finally:
        term.close()

"""TailStatus on both backends: layout, filters, follow, clear-all, completion (spec 6)."""
from __future__ import absolute_import, division, print_function

import io
import sys
import threading
import time

import pytest

from CryoCore import API
from CryoCore.Tools import TailStatus, _common


def tail(argv):
    """Run TailStatus in-process like the console script: (exit status, stdout lines)."""
    out = io.StringIO() if sys.version_info[0] > 2 else io.BytesIO()
    status = _common.run(lambda a: TailStatus.main(a, out=out), argv)
    API.reset()  # run() shuts the API down, as at the end of a real tool
    text = out.getvalue()
    return status, [line for line in text.split("\n") if line]


def seed(values, channel="UnitTest", ts=1470130000.0):
    """Set values with known timestamps and wait until they are stored."""
    s = API.get_status(channel)
    for i, (name, value) in enumerate(values):
        s[name].set_value(value, timestamp=ts + i)
    assert API.flush(30)


def line(ts, channel, name, value):
    return "%s [%s] %s = %s" % (time.ctime(ts), channel, name, value)


@pytest.mark.smoke
def test_bw_layout_is_exact(backend):
    """With --bw each row is exactly "<ctime> [<channel>] <name> = <value>"."""
    seed([("runner4", 98), ("runner5", 93)])
    status, lines = tail(["--bw"])
    assert status == 0
    assert lines == [line(1470130000.0, "UnitTest", "runner4", 98),
                     line(1470130001.0, "UnitTest", "runner5", 93)]


def test_colour_only_on_a_terminal(backend, monkeypatch):
    """Colour only on a terminal and without --bw."""
    seed([("a", 1)])

    class Tty(io.StringIO if sys.version_info[0] > 2 else io.BytesIO):
        def isatty(self):
            return True
    out = Tty()
    assert _common.run(lambda a: TailStatus.main(a, out=out), []) == 0
    assert "\033[" in out.getvalue() and "UnitTest" in out.getvalue()
    out = Tty()
    assert _common.run(lambda a: TailStatus.main(a, out=out), ["--bw"]) == 0
    assert "\033[" not in out.getvalue()
    status, lines = tail([])  # not a terminal: plain
    assert "\033[" not in lines[0]


def test_n_since_and_channel(backend):
    """-n, --since and --channel select the documented rows; -n 0 shows none."""
    seed([("v", i) for i in range(10)], channel="A", ts=1000.0)
    seed([("w", 1)], channel="B", ts=2000.0)
    _, lines = tail(["--bw", "-n", "3"])
    assert [l.rsplit(" ", 1)[1] for l in lines] == ["8", "9", "1"]
    _, lines = tail(["--bw", "--since", "1007"])
    assert len(lines) == 4
    _, lines = tail(["--bw", "--channel", "A", "-n", "2"])
    assert lines == [line(1008.0, "A", "v", 8), line(1009.0, "A", "v", 9)]
    _, lines = tail(["--bw", "-n", "0"])
    assert lines == []
    assert len(tail(["--bw"])[1]) == 11


def test_positional_filters(backend):
    """channel:name matches exactly; other words anywhere, literally."""
    seed([("runner4", 98), ("runner5", 93), ("other", "hello world")], channel="MyModule")
    seed([("runner4", 1)], channel="Else", ts=1470130010.0)
    _, lines = tail(["--bw", "MyModule:runner4", "MyModule:runner5"])
    assert [l.split("] ")[1] for l in lines] == ["runner4 = 98", "runner5 = 93"]
    _, lines = tail(["--bw", "hello"])
    assert lines == [line(1470130002.0, "MyModule", "other", "hello world")]
    _, lines = tail(["--bw", "runner4"])
    assert len(lines) == 2
    _, lines = tail(["--bw", "100%_"])  # LIKE wildcards are taken literally
    assert lines == []
    status, lines = tail(["--bw", "MyModule:nosuch"])
    assert status == 0 and lines == []


def test_two_d_rows_are_readable(backend):
    """2-D rows show as name[x,y] = value and match channel:name."""
    g = API.get_status("Grid").new2d("cells", (2, 2))
    g.set_value((1, 0), 200, timestamp=5000.0)
    assert API.flush(30)
    _, lines = tail(["--bw"])
    assert lines == [line(5000.0, "Grid", "cells[1,0]", 200)]
    _, lines = tail(["--bw", "Grid:cells"])
    assert len(lines) == 1


def test_list_channels(backend):
    """--list-channels prints channel names, sorted."""
    seed([("x", 1)], channel="Beta")
    seed([("y", 1)], channel="Alpha")
    assert tail(["--list-channels"]) == (0, ["Alpha", "Beta"])


def test_clear_all_asks_first(backend, monkeypatch, capsys):
    """--clear-all deletes rows only after y; channels stay usable for running programs."""
    seed([("x", 1), ("y", 2)])
    monkeypatch.setattr(sys, "stdin", io.StringIO(u"n\n"))
    status, _ = tail(["--clear-all"])
    assert status == 1 and "nothing deleted" in capsys.readouterr().err
    assert len(tail(["--bw"])[1]) == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO(u"y\n"))
    status, lines = tail(["--clear-all"])
    assert status == 0 and lines == ["Deleted 2 status and 0 2-D status rows"]
    assert tail(["--bw"]) == (0, [])
    # channels survive: a running program keeps storing under its cached ids
    API.get_status("UnitTest")["x"] = 5
    assert API.flush(30)
    assert len(tail(["--bw"])[1]) == 1


def test_bad_since_is_a_one_line_error(backend, capsys):
    """A bad --since is one Error line and exit 1."""
    status, lines = tail(["--since", "yesterday-ish"])
    err = capsys.readouterr().err
    assert status == 1 and lines == []
    assert err.startswith("Error: cannot parse time") and err.count("\n") == 1


def test_since_forms(backend):
    """--since takes 1h, -60 and ctime text."""
    now = time.time()
    seed([("old", 1)], ts=now - 7200)
    seed([("new", 2)], ts=now - 10)
    assert len(tail(["--bw", "--since", "1h"])[1]) == 1
    assert len(tail(["--bw", "--since", "-60"])[1]) == 1
    assert len(tail(["--bw", "--since", time.ctime(now - 3 * 3600)])[1]) == 2


def test_follow_in_process_shows_new_rows(backend):
    """-f shows new 1-D and 2-D rows as they are stored."""
    seed([("a", 1)])
    out = io.StringIO() if sys.version_info[0] > 2 else io.BytesIO()
    seen = threading.Event()

    def stop():
        return "b = 2" in out.getvalue() and "cells[0,0]" in out.getvalue() or seen.is_set()
    t = threading.Thread(target=lambda: TailStatus.main(["--bw", "-f", "-n", "5"], out=out,
                                                         stop=stop))
    t.start()
    try:
        API.get_status("UnitTest")["b"] = 2
        API.get_status("UnitTest").new2d("cells", (1, 1)).set_value((0, 0), 3)
        assert API.flush(30)
        t.join(10)
    finally:
        seen.set()
        t.join(5)
    text = out.getvalue()
    assert "a = 1" in text and "b = 2" in text and "cells[0,0] = 3" in text


def test_completion_of_channels_and_channel_names(backend):
    """Channels and channel:name (2-D too) complete from the database."""
    seed([("runner4", 1), ("runner5", 1)], channel="UnitTest")
    API.get_status("UnitTest").new2d("grid", (1, 1)).set_value((0, 0), 1)
    API.get_status("Other")["z"] = 1
    assert API.flush(30)
    args = TailStatus.build_parser().parse_args([])
    assert TailStatus._complete_channels("U", args) == ["UnitTest"]
    assert TailStatus._complete_filters("", args) == ["Other:", "UnitTest:"]
    assert TailStatus._complete_filters("UnitTest:r", args) == ["UnitTest:runner4",
                                                                "UnitTest:runner5"]
    assert TailStatus._complete_filters("UnitTest:g", args) == ["UnitTest:grid"]


def test_help_works():
    """-h exits 0."""
    with pytest.raises(SystemExit) as e:
        TailStatus.main(["-h"])
    assert e.value.code == 0

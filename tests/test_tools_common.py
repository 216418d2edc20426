"""What every tool shares: --since parsing, error edge, closed pipes, --help, README."""
from __future__ import absolute_import, division, print_function

import errno
import os
import subprocess
import sys
import time

import pytest

from CryoCore.Tools import _common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = ("ConfigTool", "ConfigUI", "TailStatus", "TailLog", "StatusExport", "StatusPlot",
         "DbSync", "Snapshot", "WebServer")
SHORT = ("ccconfig", "ccconfigui", "ccstatus", "cclog", "ccexport", "ccplot", "ccsync",
         "ccsnapshot", "ccweb")


@pytest.mark.smoke
def test_parse_since_accepts_every_documented_form():
    """parse_since takes epoch, -60, 30s, 10m, 2h, 1d and ctime text."""
    now = 1000000.0
    assert _common.parse_since("1470130000", now) == 1470130000
    assert _common.parse_since("-60", now) == now - 60
    assert _common.parse_since("30s", now) == now - 30
    assert _common.parse_since("10m", now) == now - 600
    assert _common.parse_since("2h", now) == now - 7200
    assert _common.parse_since("1d", now) == now - 86400
    t = _common.parse_since("Tue Aug  2 11:44:23 2016", now)
    assert time.ctime(t) == "Tue Aug  2 11:44:23 2016"


def test_parse_since_refuses_garbage_with_one_line():
    """parse_since refuses garbage with a one-line ToolError naming it."""
    with pytest.raises(_common.ToolError) as info:
        _common.parse_since("yesterday-ish")
    assert "yesterday-ish" in str(info.value) and "\n" not in str(info.value)


def test_run_turns_errors_into_one_line_and_exit_1(capsys):
    """run() turns an exception into one Error: line (newlines joined) and exit 1."""
    def main(argv):
        raise ValueError("bad value 'x' for\nparameter p")
    assert _common.run(main, []) == 1
    err = capsys.readouterr().err
    assert err == "Error: bad value 'x' for parameter p\n"


def test_run_is_quiet_on_ctrl_c_and_closed_pipe(capsys):
    """run(): Ctrl-C exits 130 and EPIPE exits 0, both silently; another OSError is an Error."""
    def interrupted(argv):
        raise KeyboardInterrupt()

    def closed_pipe(argv):
        raise IOError(errno.EPIPE, "Broken pipe")

    def disk_full(argv):
        raise IOError(errno.ENOSPC, "No space left on device")
    assert _common.run(interrupted, []) == 130
    assert capsys.readouterr() == ("", "")
    assert _common.run(closed_pipe, []) == 0
    assert capsys.readouterr() == ("", "")
    assert _common.run(disk_full, []) == 1
    assert capsys.readouterr().err == "Error: [Errno 28] No space left on device\n"


def test_closed_pipe_ends_quietly():
    """`tool | head` closes the pipe: no traceback, exit 0."""
    script = ("import sys; sys.path.insert(0, %r)\n"
              "from CryoCore.Tools import _common\n"
              "def main(argv):\n"
              "    while True:\n"
              "        print('line ' * 20)\n"
              "sys.exit(_common.run(main))\n" % ROOT)
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait() == 0
    assert err == b""


def test_colour_only_on_a_terminal_and_without_bw():
    """use_colour is true only on a terminal and without --bw."""
    class Args(object):
        bw = False

    class Tty(object):
        def isatty(self):
            return True
    assert _common.use_colour(Args(), Tty())
    assert not _common.use_colour(Args(), open(os.devnull, "w"))
    Args.bw = True
    assert not _common.use_colour(Args(), Tty())


@pytest.mark.parametrize("tool", TOOLS)
def test_every_tool_runs_from_a_checkout_with_help(tool):
    """Each tool runs from a checkout (./CryoCore/Tools/X.py -h)."""
    out = subprocess.check_output([sys.executable, os.path.join(ROOT, "CryoCore", "Tools",
                                                                tool + ".py"), "-h"])
    assert b"usage" in out.lower()


def test_readme_names_every_tool():
    """The README names every tool under both its names (test_install runs them installed)."""
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    for name in TOOLS:
        assert "`%s.py`" % name in readme
    for name in SHORT:
        assert "`%s`" % name in readme


class _Stream(object):
    """A text stream with a chosen encoding that refuses what it cannot encode, like a
    terminal or a pipe whose locale lacks the characters."""

    def __init__(self, encoding, tty):
        self.encoding, self.tty, self.parts, self.flushed = encoding, tty, [], 0

    def isatty(self):
        return self.tty

    def write(self, text):
        text.encode(self.encoding)  # raises UnicodeEncodeError like a real stream
        self.parts.append(text)

    def flush(self):
        self.flushed += 1


def test_write_escapes_what_the_stream_cannot_show_and_control_characters_on_a_terminal():
    """write(): unencodable text as escapes, control characters escaped on a terminal only."""
    tty = _Stream("ascii", True)
    _common.write(u"caf\u00e9 \x1b[2J done\n", tty)
    assert u"".join(tty.parts) == u"caf\\xe9 \\x1b[2J done\n" and tty.flushed == 1
    pipe = _Stream("utf-8", False)
    _common.write(u"caf\u00e9 \x1b[2J done\n", pipe)
    assert u"".join(pipe.parts) == u"caf\u00e9 \x1b[2J done\n" and pipe.flushed == 1

"""The tools as real processes with hostile and non-UTF-8 arguments: exact output or one
'Error:' line, never a traceback (issue 8)."""
from __future__ import absolute_import, division, print_function

import io
import subprocess
import sys

import pytest

from CryoCore import API

from conftest import ROOT

BAD = b"\xff\xfe'; DROP TABLE x; -- %s \\"


def _run(backend, *argv, **kwargs):
    proc = subprocess.run([sys.executable] + list(argv), cwd=ROOT, env=backend.env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, **kwargs)
    assert b"Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def data(backend):
    API.get_config("Evil").set_default(u"it's 100%", u"'; DROP TABLE config; -- \\")
    API.get_status("Evil")[u"it's 100%"] = u"'; DROP TABLE status; -- \\"
    API.get_log("Evil").info(u"'; DROP TABLE log; -- 100%s \\")
    assert API.flush(30)
    API.reset()
    return backend


def test_configtool_non_utf8_arguments(data):
    """Non-UTF-8 arguments to ConfigTool are one Error line; hostile text lists exactly."""
    proc = _run(data, "CryoCore/Tools/ConfigTool.py", "add", b"Evil.x" + BAD, b"1")
    assert proc.returncode == 1 and proc.stderr.count(b"\n") == 1
    assert proc.stderr.startswith(b"Error: parameter name holds characters UTF-8 cannot store")
    proc = _run(data, "CryoCore/Tools/ConfigTool.py", "add", "Evil.y", BAD)
    assert proc.returncode == 1 and proc.stderr.startswith(b"Error: value for Evil.y ")
    proc = _run(data, "CryoCore/Tools/ConfigTool.py", BAD)
    assert proc.returncode == 1 and proc.stderr.startswith(b"Error: no parameter matches")
    proc = _run(data, "CryoCore/Tools/ConfigTool.py", "list", "Evil")
    assert proc.returncode == 0
    assert proc.stdout.decode("utf-8") == u"Evil.it's 100% = '; DROP TABLE config; -- \\\n"


def test_taillog_non_utf8_arguments(data):
    """Non-UTF-8 TailLog filters match nothing; a bad --grep is one Error line."""
    for argv in (["--logger", BAD], ["--module", BAD], [BAD], ["--grep", b"\xff\xfe"]):
        proc = _run(data, "CryoCore/Tools/TailLog.py", "--bw", *argv)
        assert proc.returncode == 0 and proc.stdout == b"", (argv, proc.stderr)
    proc = _run(data, "CryoCore/Tools/TailLog.py", "--grep", BAD)  # a bad pattern: refused
    assert proc.returncode == 1 and proc.stderr.startswith(b"Error: bad --grep pattern")
    assert proc.stderr.count(b"\n") == 1
    proc = _run(data, "CryoCore/Tools/TailLog.py", "--bw", "DROP TABLE log")
    assert proc.stdout.decode("utf-8").endswith(u"'; DROP TABLE log; -- 100%s \\\n")


def test_tailstatus_non_utf8_arguments(data):
    """Non-UTF-8 TailStatus filters match nothing; hostile rows print exactly."""
    for argv in (["--channel", BAD], [BAD], [b"Evil:" + BAD]):
        proc = _run(data, "CryoCore/Tools/TailStatus.py", "--bw", *argv)
        assert proc.returncode == 0 and proc.stdout == b"", (argv, proc.stderr)
    proc = _run(data, "CryoCore/Tools/TailStatus.py", "--bw", u"Evil:it's 100%")
    assert proc.stdout.decode("utf-8").endswith(
        u"[Evil] it's 100% = '; DROP TABLE status; -- \\\n")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


EVIL = u"\x1b]0;owned\x07\x1b[2J\rgone"


@pytest.mark.parametrize("tool", ["TailLog", "TailStatus"])
def test_terminal_never_gets_escape_sequences_from_the_data(backend, monkeypatch, tool):
    """On a terminal, control characters of stored text are shown as escapes."""
    from CryoCore.Tools import TailLog, TailStatus, _common
    API.get_log("evil").info(EVIL)
    API.get_status("evil")["x"] = EVIL
    assert API.flush(30)
    term = _Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    main = TailLog.main if tool == "TailLog" else TailStatus.main
    assert _common.run(main, []) == 0
    shown = term.getvalue()
    assert u"\\x1b]0;owned\\x07\\x1b[2J\\x0dgone" in shown
    assert u"\x1b]" not in shown and u"\x07" not in shown and u"\r" not in shown
    assert u"\x1b[" in shown  # the tool's own colours still work


def test_configtool_terminal_gets_no_escape_sequences(backend, monkeypatch):
    """On a terminal, control characters of stored values print as escapes."""
    from CryoCore.Tools import ConfigTool, _common
    API.get_config("Evil")["v"] = EVIL
    term = _Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    assert _common.run(ConfigTool.main, ["list", "Evil"]) == 0
    assert term.getvalue() == u"Evil.v = \\x1b]0;owned\\x07\\x1b[2J\\x0dgone\n"

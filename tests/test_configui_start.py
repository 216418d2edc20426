# -*- coding: utf-8 -*-
"""ConfigUI as a real process: it starts in a terminal and quits (also on Python 2.7)."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import time

import pytest

from CryoCore import API

from _pty_term import Term

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "CryoCore", "Tools", "ConfigUI.py")


@pytest.mark.smoke
def test_starts_in_a_terminal_and_q_quits(backend):
    """In a pty it shows database and tree, saves a UTF-8 edit, and q quits with 0."""
    cfg = API.get_config()
    cfg[u"Instruments.Camera.fps"] = 30
    cfg[u"Instruments.Camera.navn"] = u"kamera \u00e6\u00f8\u00e5"
    env = backend.env()
    if backend.kind == "sqlite":  # --db_* flags (byte strings on 2.7) win; ~ in the header
        flags, home = ["--db_path", backend.settings["db_path"]], os.path.dirname(
            backend.settings["db_path"])
        env["HOME"] = home
        del env["CRYOCORE_CONFIG"]
        shown = b"sqlite:~/cryocore.db"
    else:
        flags, shown = ["--db_name", backend.settings["db_name"]], b"/cctest_"
    term = Term([sys.executable, TOOL, "--bw"] + flags, env, cwd=ROOT)
    try:
        assert term.wait_raw(b"q quit"), term.raw  # the footer is drawn last
        assert b"version default" in term.raw and b"2 parameters" in term.raw
        assert shown in term.raw
        term.send(u"*")  # open everything: the UTF-8 value is drawn
        assert term.wait_raw(u"kamera \u00e6\u00f8\u00e5".encode("utf-8")), term.raw
        # filter to the parameter, edit it, type UTF-8 text (2.7 reads it byte by byte)
        term.send(u"/navn", "ENTER", "ENTER", "CTRL_U", u"\u00f8ye \u00c5", "ENTER")
        # (raw output cannot be matched for the message: curses redraws only what differs)
        assert term.wait_raw(u"\u00f8ye \u00c5".encode("utf-8")), term.raw
        stored = lambda: [r[0] for r in backend.sql(  # noqa: E731
            "SELECT value FROM config WHERE name = %s", (u"navn",))]
        deadline = time.time() + 5
        while stored() != [u"\u00f8ye \u00c5"] and time.time() < deadline:
            term.wait_raw(b"\x00", timeout=0.05)  # read the screen meanwhile
        assert stored() == [u"\u00f8ye \u00c5"]
        term.send(u"q")
        assert term.wait_exit() == 0
        assert b"Traceback" not in term.raw
    finally:
        term.close()


@pytest.mark.smoke
def test_without_a_terminal_one_error_line(backend):
    """Without a terminal: exit 1 and one Error: line pointing to ConfigTool."""
    p = subprocess.Popen([sys.executable, TOOL], cwd=ROOT, env=backend.env(),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(b"")
    assert p.returncode == 1 and out == b""
    assert err == b"Error: ConfigUI needs a terminal (use ConfigTool.py for scripts)\n"


@pytest.mark.parametrize("term,status,shows", [
    ("vt100", 0, b"q quit"),  # no colours: the plain look
    ("nosuchterm", 1, b"Error: cannot use terminal 'nosuchterm': "),
    ("dumb", 1, b"Error: terminal 'dumb' cannot place the cursor"),
])
@SQLITE_ONLY  # (what it checks does not depend on the backend)
def test_terminals_without_colour_or_unknown(backend, term, status, shows):
    """Colourless terminals work; an unknown TERM is one clear error, no traceback."""
    t = Term([sys.executable, TOOL], backend.env(), cwd=ROOT, term=term)
    try:
        assert t.wait_raw(shows), t.raw
        if status == 0:
            assert b"version default" in t.raw
            t.send(u"q")
        assert t.wait_exit() == status
        assert b"Traceback" not in t.raw
    finally:
        t.close()


@SQLITE_ONLY  # (what it checks does not depend on the backend)
@pytest.mark.smoke
def test_ctrl_c_quits_quietly_terminal_restored(backend):
    """Ctrl-C exits 130 quietly and restores the terminal."""
    term = Term([sys.executable, TOOL], backend.env(), cwd=ROOT)
    try:
        assert term.wait_raw(b"q quit"), term.raw
        term.send("CTRL_C")
        assert term.wait_exit() == 130
        assert b"\x1b[?1049l" in term.raw and b"Traceback" not in term.raw
    finally:
        term.close()

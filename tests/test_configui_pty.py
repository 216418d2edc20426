# -*- coding: utf-8 -*-
"""ConfigUI end to end in a pseudo-terminal (pyte as the terminal): edit, save, watch."""
from __future__ import absolute_import, division, print_function

import os
import sys
import threading
import time

import pytest

from CryoCore import API

from _pty_term import Term

from conftest import importorskip  # noqa: E402

importorskip("pyte")
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "CryoCore", "Tools", "ConfigUI.py")


def seed():
    cfg = API.get_config()
    cfg["Instruments.Camera.fps"] = 30
    cfg["Instruments.Camera.enabled"] = True
    cfg["Instruments.Camera.name"] = u"cam0"
    cfg["System.max_retries"] = 5
    return cfg


@pytest.fixture
def ui(backend):
    """Start ConfigUI in an 80x24 pty with the test's backend; yields the Term."""
    seed()
    terms = []

    def start(*args, **kwargs):
        term = Term([sys.executable, TOOL] + list(args), backend.env(), cwd=ROOT, **kwargs)
        terms.append(term)
        return term
    yield start
    for term in terms:
        term.close()


def cursor_row(term):
    rows = [r for r in term.reverse_rows() if not r.startswith(u" ConfigUI")
            and u"quit" not in r and u"Esc" not in r]
    return rows[0] if rows else u""


def test_navigate_edit_save_and_see_it_in_the_database(backend, ui):
    """Arrows to a parameter, a wrong type (y/n offered, n), a right value, Enter: stored."""
    seen = threading.Event()
    API.get_config("Instruments.Camera").add_callback("fps", lambda p: seen.set())
    term = ui()
    assert term.wait_for(u"version default"), term.text()
    assert term.wait_for(lambda t: cursor_row(t).startswith(u"+ Instruments"))
    term.send("ALT_RIGHT")
    assert term.wait_for(u"name"), term.text()
    term.send("DOWN", "DOWN", "DOWN")
    assert term.wait_for(lambda t: u" fps " in cursor_row(t)), term.text()
    assert cursor_row(term).rstrip().endswith(u"30 integer")
    term.send("ENTER", "CTRL_U", u"fast", "ENTER")
    assert term.wait_for(u"Save 'fast' as string instead of integer? (y/n)"), term.text()
    assert u"value 'fast' does not fit parameter Instruments.Camera.fps of type integer" \
        in term.text()
    term.send(u"n", "CTRL_U", u"25", "ENTER")
    assert term.wait_for(u"Saved Instruments.Camera.fps = 25"), term.text()
    rows = backend.sql("SELECT value, datatype FROM config WHERE name = 'fps'")
    assert [tuple(r) for r in rows] == [(u"25", u"integer")]
    assert seen.wait(3.0)  # another process's callback fired (this test process)
    assert API.get_config()["Instruments.Camera.fps"] == 25
    term.send(u"q")
    assert term.wait_exit() == 0
    assert b"\x1b[?1049l" in term.raw  # the alternate screen was left: terminal restored
    assert b"Traceback" not in term.raw


def test_change_elsewhere_appears_within_a_second_cursor_stays(backend, ui):
    """A change made elsewhere shows within ~1 s; the cursor stays on its parameter."""
    term = ui()
    assert term.wait_for(u"version default"), term.text()
    term.send("ALT_RIGHT", "DOWN", "DOWN", "DOWN")
    assert term.wait_for(lambda t: u" fps " in cursor_row(t)), term.text()
    cfg = API.get_config("Instruments.Camera")
    cfg["aaa_new"] = 1  # a new row above the cursor's
    cfg["fps"] = 99
    written = time.time()
    assert term.wait_for(lambda t: u" fps " in cursor_row(t) and u"99 integer" in cursor_row(t),
                         timeout=3.0), term.text()
    assert time.time() - written < 2.0  # about a second: the poller and the UI tick
    assert u"aaa_new" in term.text()
    term.send(u"/", u"retr")
    assert term.wait_for(u"/retr   (1 match)"), term.text()
    assert u"max_retries" in cursor_row(term) and u"fps" not in term.text()
    term.send("ESC", u"q")
    assert term.wait_exit() == 0


@SQLITE_ONLY  # (what it checks does not depend on the backend)
def test_small_terminal_says_so_and_resizing_recovers(backend, ui):
    """Under 80x24 it says so; resizing to 100x30 draws the tree full width."""
    term = ui(cols=60, rows=20)
    assert term.wait_for(u"Terminal too small: 60x20"), term.text()
    assert u"at least 80x24" in term.text()
    term.resize(100, 30)
    assert term.wait_for(u"version default"), term.text()
    assert term.lines()[0].rstrip().endswith(u"4 parameters")
    assert len(term.lines()[0]) == 100
    term.send(u"q")
    assert term.wait_exit() == 0


@SQLITE_ONLY  # (what it checks does not depend on the backend)
def test_ctrl_c_ends_quietly_and_restores_the_terminal(backend, ui):
    """Ctrl-C exits 130 quietly and leaves the alternate screen."""
    term = ui("--bw")
    assert term.wait_for(u"version default"), term.text()
    term.send("CTRL_C")
    assert term.wait_exit() == 130
    assert b"\x1b[?1049l" in term.raw and b"Traceback" not in term.raw
    assert b"Error" not in term.raw


def test_database_stops_while_open_message_not_crash(tmp_path):
    """A lost database keeps the tree, shows the problem, and the UI recovers when it is back."""
    from conftest import require_mysql, write_settings
    from _mariadb import PrivateMariaDB
    require_mysql()
    server = PrivateMariaDB().start()
    term = None
    try:
        settings = dict(server.settings("cfgui"), db_timeout=2)
        conn = __import__("conftest").mysql_connect(server=server.server)
        conn.cursor().execute("CREATE DATABASE cfgui CHARACTER SET utf8mb4")
        conn.close()
        API.set_config_db(settings)
        cfg = API.get_config()
        cfg["Camera.enabled"] = True
        cfg["Camera.fps"] = 30
        API.shutdown()
        env = dict(os.environ, CRYOCORE_CONFIG=write_settings(tmp_path / "s.json", settings),
                   PYTHONPATH=ROOT)
        term = Term([sys.executable, TOOL], env, cwd=ROOT)
        assert term.wait_for(u"version default"), term.text()
        term.send("RIGHT", "DOWN")
        assert term.wait_for(lambda t: u"enabled" in cursor_row(t)), term.text()
        server.stop()
        assert term.wait_for(u"CryoCore: config poller:", timeout=5.0), term.text()
        assert u"enabled" in cursor_row(term) and u"True boolean" in cursor_row(term)
        term.send(u"t")
        assert term.wait_for(u"Not saved: cannot reach the config database mysql://", timeout=15.0), term.text()
        server.start()
        assert term.wait_for(u"reachable again", timeout=5.0), term.text()
        term.send(u"t")
        assert term.wait_for(u"Saved Camera.enabled = False"), term.text()
        term.send(u"q")
        assert term.wait_exit() == 0
        tail = term.raw[term.raw.rindex(b"\x1b[?1049l"):]  # after the terminal was restored
        assert b"CryoCore: config poller:" in tail and b"Traceback" not in term.raw
    finally:
        if term is not None:
            term.close()
        server.destroy()


@SQLITE_ONLY  # (what it checks does not depend on the backend)
def test_sigterm_restores_the_terminal(backend, ui):
    """SIGTERM exits 128+15 and leaves the alternate screen, no traceback."""
    import signal
    term = ui()
    assert term.wait_for(u"version default"), term.text()
    os.kill(term.pid, signal.SIGTERM)
    assert term.wait_exit() == 128 + signal.SIGTERM
    assert b"\x1b[?1049l" in term.raw and b"Traceback" not in term.raw


@SQLITE_ONLY  # (what it checks does not depend on the backend)
@pytest.mark.parametrize("term_name", ["xterm-256color", "vt100"])
def test_keys_as_terminals_send_them(backend, term_name):
    """Pages, Home/End, Backspace, Alt-arrows as terminfo keys, as Esc+arrow and as CSI text."""
    cfg = API.get_config()
    for i in range(60):
        cfg["Big.p%02d" % i] = i
    cfg["Small.Deep.x"] = 1
    term = Term([sys.executable, TOOL], backend.env(), cwd=ROOT, term=term_name)
    try:
        assert term.wait_for(u"version default"), term.text()
        row = lambda text: (lambda t: text in cursor_row(t))  # noqa: E731
        term.send("RIGHT", "PGDN")  # 21 tree rows: from Big to p20
        assert term.wait_for(row(u"p20 ")), term.text()
        term.send("END")
        assert term.wait_for(row(u"Small")), term.text()
        term.send("\x1b", "\x1bOC")  # Esc + Right (Alt-Right where Alt sends Esc)
        assert term.wait_for(row(u"- Small")), term.text()
        term.send("END")  # the whole subtree opened: the last row is Small.Deep.x
        assert term.wait_for(row(u"      x ")), term.text()
        term.send("HOME", "\x1b[1;3D")  # Alt-Left: kLFT3, or CSI text for vt100
        assert term.wait_for(lambda t: u"p00" not in t.text()), term.text()
        term.send("\x1b[1;3C")  # Alt-Right
        assert term.wait_for(u"p59"), term.text()
        term.send("PGDN", "PGUP", "UP")
        assert term.wait_for(row(u"Big")), term.text()
        term.send(u"/p5x", "BACKSPACE")
        assert term.wait_for(u"/p5   (10 matches)"), term.text()
        term.send("ENTER", "ENTER", "CTRL_U", u"x", "ENTER")
        assert term.wait_for(u"(y/n)"), term.text()
        term.send(b"\x1b\x1b")  # Esc Esc at once: back to the edit, then cancel it
        assert term.wait_for(u"Edit cancelled"), term.text()
        term.send("ESC", u"q")
        assert term.wait_exit() == 0
    finally:
        term.close()


@SQLITE_ONLY
def test_h_shows_history_on_screen(backend, ui):
    """Key h in a real terminal: the cursor parameter's changes, then back to the tree."""
    API.get_config()["Instruments.Camera.fps"] = 31
    term = ui()
    assert term.wait_for(lambda t: cursor_row(t).startswith(u"+ Instruments"))
    term.send("ALT_RIGHT", "DOWN", "DOWN", "DOWN")
    assert term.wait_for(lambda t: u" fps " in cursor_row(t)), term.text()
    term.send(u"h")
    assert term.wait_for(u"Any key closes this history"), term.text()
    screen = term.text()
    assert u"History of Instruments.Camera.fps (version default)" in screen
    assert u"  (added) -> 30" in screen and u"  30 -> 31" in screen
    term.send(u" ")
    assert term.wait_for(lambda t: u" fps " in cursor_row(t)), term.text()
    term.send(u"q")
    assert term.wait_exit() == 0

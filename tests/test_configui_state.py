# -*- coding: utf-8 -*-
"""ConfigUI's screen state without a terminal: navigation, filter, edit, toggle, type mismatch."""
from __future__ import absolute_import, division, print_function

import pytest

from CryoCore import API
from CryoCore.Tools import ConfigUI, _common
from CryoCore.Tools import _configui_render as R
from CryoCore.Tools import _configui_state as S
from CryoCore.Tools._configui_state import (ALT_LEFT, ALT_RIGHT, BACKSPACE, CTRL_U, DOWN, END,
                                            ENTER, ESC, HOME, LEFT, PGDN, PGUP, RIGHT, UP)


NAMED = (ALT_LEFT, ALT_RIGHT, BACKSPACE, CTRL_U, DOWN, END, ENTER, ESC, HOME, LEFT, PGDN, PGUP,
         RIGHT, UP, S.DELETE, S.RESIZE)


def seed():
    """A small instrument configuration; returns the root view."""
    cfg = API.get_config()
    cfg["Instruments.Camera.fps"] = 30
    cfg["Instruments.Camera.enabled"] = True
    cfg["Instruments.Camera.exposure"] = 0.004
    cfg["Instruments.Camera.name"] = u"cam0"
    cfg["Instruments.Gps.port"] = u"/dev/ttyS0"
    cfg["System.SystemControl.default_user"] = u"cryo"
    cfg["System.SystemControl.max_retries"] = 5
    return cfg


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def press(state, *keys):
    """Feed keys: key names as they are, other text character by character."""
    for key in keys:
        if key in NAMED:
            state.handle_key(key)
        else:
            for c in key:
                state.handle_key(c)


def stored(backend, name):
    rows = backend.sql("SELECT value, datatype FROM config WHERE name = %s", (name,))
    assert len(rows) == 1
    return tuple(rows[0])


def goto(state, path):
    """Open the folders above `path` and put the cursor on it."""
    for parent in reversed(state.tree.ancestors(path)):
        state.expanded.add(parent)
    state.cursor_path = path
    state._rebuild()
    assert state.current().path == path


@pytest.mark.smoke
def test_tree_starts_closed_and_arrows_navigate(backend):
    """Right opens a folder (then enters it), Left closes it or goes to the parent."""
    state = S.UIState(seed())
    assert state.rows == [u"Instruments", u"System"]
    press(state, RIGHT)
    assert state.rows == [u"Instruments", u"Instruments.Camera", u"Instruments.Gps", u"System"]
    press(state, RIGHT, RIGHT, RIGHT)  # enter Instruments, open Camera, enter it
    assert state.current().path == u"Instruments.Camera.enabled"
    press(state, DOWN, DOWN)
    assert state.current().path == u"Instruments.Camera.fps"
    press(state, LEFT)
    assert state.current().path == u"Instruments.Camera"
    press(state, LEFT)
    assert state.rows[:3] == [u"Instruments", u"Instruments.Camera", u"Instruments.Gps"]
    press(state, UP, LEFT)
    assert state.rows == [u"Instruments", u"System"] and state.cursor == 0
    press(state, UP)
    assert state.cursor == 0  # the top stays the top


def test_pages_home_end_and_scrolling(backend):
    """PgUp/PgDn, Home and End move by a page or to the ends and scroll with it."""
    cfg = API.get_config()
    for i in range(50):
        cfg["Big.p%02d" % i] = i
    state = S.UIState(cfg)
    state.set_page(10)
    press(state, RIGHT, PGDN)
    assert state.current().path == u"Big.p09" and state.top == 1
    press(state, PGDN, PGDN)
    assert state.current().path == u"Big.p29" and state.top == 21
    press(state, END)
    assert state.current().path == u"Big.p49" and state.top == 41
    press(state, PGUP)
    assert state.current().path == u"Big.p39"
    press(state, HOME)
    assert state.cursor == 0 and state.top == 0


def test_alt_arrows_open_and_close_whole_subtrees(backend):
    """Alt-Right/Left (and * / -) open and close a whole subtree."""
    state = S.UIState(seed())
    press(state, ALT_RIGHT)
    assert len(state.rows) == 1 + 2 + 5 + 1  # Instruments, its 2 folders, their 5 leaves, System
    assert state.rows[-1] == u"System"
    press(state, END, ALT_RIGHT, END)
    assert state.current().path == u"System.SystemControl.max_retries"
    press(state, ALT_LEFT)  # on a leaf: close its folder's subtree, cursor to that folder
    assert state.current().path == u"System.SystemControl"
    press(state, HOME, ALT_LEFT)
    assert state.rows == [u"Instruments", u"System", u"System.SystemControl"]
    press(state, u"*")  # the same for terminals without Alt
    assert u"Instruments.Gps.port" in state.rows
    press(state, u"-")
    assert u"Instruments.Camera" not in state.rows


@pytest.mark.smoke
def test_filter_on_name_or_value_as_you_type(backend):
    """`/` filters as you type (any case), keeps the folders above matches; Esc clears."""
    state = S.UIState(seed())
    press(state, u"/", u"c", u"R")
    assert state.mode == S.FILTER and state.filter == u"cR"
    # "cryo" is a value, "default_user" holds it; no name holds "cr"
    assert state.rows == [u"System", u"System.SystemControl", u"System.SystemControl.default_user"]
    assert state.current().path == u"System.SystemControl.default_user"
    press(state, BACKSPACE, BACKSPACE, u"ttyS")
    assert state.rows == [u"Instruments", u"Instruments.Gps", u"Instruments.Gps.port"]
    assert state.current().path == u"Instruments.Gps.port"  # the cursor goes to a match
    press(state, ENTER)
    assert state.mode == S.BROWSE and state.filter == u"ttyS"
    press(state, ESC)
    assert state.filter == u"" and state.rows == [u"Instruments", u"System"]
    press(state, u"/", u"zzz")
    assert state.rows == [] and state.current() is None
    assert u"No parameter matches 'zzz'" in u"\n".join(R.render(state, 80, 24).text())
    press(state, ESC)
    assert state.mode == S.BROWSE and state.rows == [u"Instruments", u"System"]


def test_filter_follows_values_changed_elsewhere(backend):
    """A kept filter re-applies to values changed elsewhere; the cursor follows."""
    cfg = seed()
    state = S.UIState(cfg)
    press(state, u"/", u"cryo", ENTER)
    assert state.rows[-1] == u"System.SystemControl.default_user"
    cfg[u"System.SystemControl.default_user"] = u"root"
    cfg[u"Instruments.Camera.name"] = u"cryocam"
    state.refresh()
    assert state.rows == [u"Instruments", u"Instruments.Camera", u"Instruments.Camera.name"]
    assert state.current().path == u"Instruments.Camera.name"


def test_filter_typed_or_set_at_once_matches_the_same(backend):
    """Typing narrows the previous matches; the result equals a fresh filter."""
    cfg = API.get_config()
    for i in range(300):
        cfg[u"M%d.S%d.p%d" % (i % 7, i % 5, i)] = u"v%d" % (i * 37 % 1000)
    typed = S.UIState(cfg)
    press(typed, u"/", u"p1")
    first = set(typed.matches)
    press(typed, u"7")
    press(typed, BACKSPACE, u"7")
    fresh = S.UIState(cfg)
    fresh.set_filter(u"p17")
    assert typed.matches == fresh.matches and typed.rows == fresh.rows
    assert typed.matches < first and len(typed.matches) > 5
    assert all(u"p17" in p.rpartition(u".")[2] or u"p17" in cfg[p]
               for p in typed.matches)


def test_filter_on_a_folder_shows_its_content_and_folds(backend):
    """Filtering on a folder name shows its content, which still folds."""
    state = S.UIState(seed())
    press(state, u"/", u"camera")
    assert u"Instruments.Camera.fps" in state.rows and u"Instruments.Gps" not in state.rows
    goto_row = state.index[u"Instruments.Camera"]
    state._move(goto_row)
    press(state, LEFT)  # folding works while filtering too
    assert u"Instruments.Camera.fps" not in state.rows
    press(state, RIGHT)
    assert u"Instruments.Camera.fps" in state.rows


@pytest.mark.smoke
def test_edit_saves_with_type_check_and_fires_callbacks(backend):
    """Enter edits, Enter saves: a normal config write (stored, callbacks fire)."""
    cfg = seed()
    seen = []
    API.get_config("Instruments.Camera").add_callback("fps", lambda p: seen.append(p.value))
    state = S.UIState(cfg)
    goto(state, u"Instruments.Camera.fps")
    press(state, ENTER)
    assert state.mode == S.EDIT and state.buffer == u"30"
    press(state, BACKSPACE, BACKSPACE, u"25", ENTER)
    assert state.mode == S.BROWSE and state.message == u"Saved Instruments.Camera.fps = 25"
    assert stored(backend, u"fps") == (u"25", u"integer")
    assert seen == [25] and cfg[u"Instruments.Camera.fps"] == 25
    assert state.current().path == u"Instruments.Camera.fps" and state.current().value == 25


def test_edit_cursor_keys_and_escape_cancels(backend):
    """Editing keys move in the buffer; Esc cancels and stores nothing."""
    state = S.UIState(seed())
    goto(state, u"Instruments.Camera.name")
    press(state, ENTER, HOME, u"x", END, u"y", LEFT, LEFT, S.DELETE)
    assert state.buffer == u"xcamy" and state.pos == 4
    press(state, CTRL_U, u"other", ESC)
    assert state.mode == S.BROWSE and state.message == u"Edit cancelled"
    assert stored(backend, u"name") == (u"cam0", u"string")


def test_type_mismatch_offers_to_change_the_type(backend):
    """A value that does not fit: the error is shown, y changes the type, n goes back."""
    state = S.UIState(seed())
    goto(state, u"Instruments.Camera.fps")
    press(state, ENTER, CTRL_U, u"fast", ENTER)
    assert state.mode == S.CONFIRM
    assert state.message == (u"value 'fast' does not fit parameter Instruments.Camera.fps "
                             u"of type integer")
    screen = u"\n".join(R.render(state, 80, 24).text())
    assert u"Save 'fast' as string instead of integer? (y/n)" in screen
    assert stored(backend, u"fps") == (u"30", u"integer")  # nothing stored yet
    press(state, u"n")
    assert state.mode == S.EDIT and state.buffer == u"fast"
    press(state, ENTER, u"y")
    assert state.mode == S.BROWSE and stored(backend, u"fps") == (u"fast", u"string")
    assert state.current().datatype == u"string"


@pytest.mark.parametrize("path,text,offer", [
    (u"Instruments.Camera.fps", u"2.5", u"double"),
    (u"Instruments.Camera.enabled", u"maybe", u"string"),
    (u"Instruments.Camera.exposure", u"true", u"boolean"),
])
def test_mismatch_offers_the_guessed_type(backend, path, text, offer):
    """A value that does not fit the type asks to save it as the guessed type."""
    state = S.UIState(seed())
    goto(state, path)
    press(state, ENTER, CTRL_U, text, ENTER)
    assert state.mode == S.CONFIRM and state.pending[2] == offer


def test_values_each_type_accepts_and_refusals_without_offer(backend):
    """Each type takes its text forms; a too-long value is refused, no offer."""
    state = S.UIState(seed())
    goto(state, u"Instruments.Camera.enabled")
    press(state, ENTER, CTRL_U, u"off", ENTER)  # a boolean takes off/on/yes/no/0/1
    assert stored(backend, u"enabled") == (u"False", u"boolean")
    goto(state, u"Instruments.Camera.exposure")
    press(state, ENTER, CTRL_U, u"3", ENTER)  # a double takes an integer
    assert stored(backend, u"exposure") == (u"3.0", u"double")
    goto(state, u"Instruments.Camera.name")
    press(state, ENTER, CTRL_U, u"x" * 300, ENTER)  # too long for the column: no type helps
    assert state.mode == S.EDIT and state.message_error
    assert u"300 characters long" in state.message
    assert stored(backend, u"name") == (u"cam0", u"string")


@pytest.mark.smoke
def test_t_toggles_booleans_only(backend):
    """t toggles and stores a boolean; on another type it says booleans only."""
    state = S.UIState(seed())
    goto(state, u"Instruments.Camera.enabled")
    press(state, u"t")
    assert stored(backend, u"enabled") == (u"False", u"boolean")
    assert state.message == u"Saved Instruments.Camera.enabled = False"
    press(state, u"t")
    assert stored(backend, u"enabled") == (u"True", u"boolean")
    goto(state, u"Instruments.Camera.fps")
    press(state, u"t")
    assert state.message_error and u"booleans only" in state.message
    assert stored(backend, u"fps") == (u"30", u"integer")


def test_changes_elsewhere_keep_the_cursor_on_its_parameter(backend):
    """A change made elsewhere shows on refresh; the cursor stays on the same path."""
    clock = Clock()
    cfg = seed()
    state = S.UIState(cfg, clock=clock)
    goto(state, u"Instruments.Camera.fps")
    row = state.cursor
    assert not state.refresh()  # nothing changed: nothing rebuilt
    other = API.get_config("Instruments.Camera")
    other["aaa"] = 1                # a new row above the cursor
    other["fps"] = 60
    assert state.refresh()
    assert state.current().path == u"Instruments.Camera.fps" and state.cursor == row + 1
    assert state.current().value == 60 and state.recently_changed(u"Instruments.Camera.fps")
    assert not state.recently_changed(u"Instruments.Camera.name")
    clock.now += S.CHANGED_FOR + 1
    assert not state.recently_changed(u"Instruments.Camera.fps")
    other.remove(u"fps")            # the cursor's parameter goes: to its folder
    state.refresh()
    assert state.current().path == u"Instruments.Camera"


def test_changed_elsewhere_while_editing_says_so(backend):
    """A change elsewhere during an edit is announced; Enter saves the user's value."""
    state = S.UIState(seed())
    goto(state, u"Instruments.Camera.fps")
    press(state, ENTER, CTRL_U, u"7")
    API.get_config()[u"Instruments.Camera.fps"] = 31
    state.refresh()
    assert state.mode == S.EDIT and state.buffer == u"7"
    assert state.message == (u"Changed elsewhere to 31 while you edit: Enter saves yours, "
                             u"Esc keeps it")
    press(state, ENTER)
    assert stored(backend, u"fps") == (u"7", u"integer")


def test_removed_while_editing_saves_nothing(backend):
    """A parameter removed during its edit: Enter saves nothing and says so."""
    state = S.UIState(seed())
    goto(state, u"Instruments.Camera.fps")
    press(state, ENTER, CTRL_U, u"7")
    API.get_config().remove(u"Instruments.Camera.fps")
    state.refresh()  # the cursor moves to the folder; the buffer still belongs to fps
    assert state.current().path == u"Instruments.Camera"
    assert R.render(state, 80, 24).text()[22].startswith(u"Instruments.Camera.fps (?): 7")
    press(state, ENTER)
    assert state.mode == S.BROWSE and state.message_error
    assert u"nothing saved" in state.message
    assert backend.sql("SELECT COUNT(*) FROM config WHERE name = 'fps'")[0][0] == 0


@pytest.mark.smoke
def test_empty_database_every_key_is_harmless(backend):
    """On an empty configuration every key is harmless; q quits."""
    state = S.UIState(API.get_config())
    for key in (UP, DOWN, LEFT, RIGHT, ALT_LEFT, ALT_RIGHT, PGUP, PGDN, HOME, END, ENTER,
                u"t", u"*", u"-", ESC, u"?", u"x", u"/", u"a", BACKSPACE, ESC):
        press(state, key)
    assert state.current() is None and not state.quit
    text = R.render(state, 80, 24).text()
    assert u"The configuration (version default) is empty" in text[1]
    press(state, u"q")
    assert state.quit


def test_help_and_quit(backend):
    """? shows the whole help; any key closes it; q then quits."""
    state = S.UIState(seed())
    press(state, u"?")
    assert state.mode == S.HELP
    lines = R.render(state, 80, 24).text()
    assert any(u"toggle a boolean" in line for line in lines)
    assert not any(line.rstrip().endswith(R.MORE) for line in lines)  # nothing cut
    press(state, u"q")  # any key closes the help, q included
    assert state.mode == S.BROWSE and not state.quit
    press(state, u"q")
    assert state.quit


@pytest.mark.smoke
def test_render_80x24(backend):
    """Header with database and version, values right-aligned with their type, truncation."""
    cfg = seed()
    cfg[u"Instruments.Camera.name"] = u"a very long camera description " * 4
    state = S.UIState(cfg, db_text=str("sqlite:/data/cc.db"))  # bytes on 2.7 are fine too
    press(state, ALT_RIGHT)
    view = R.render(state, 80, 24)
    lines = view.text()
    assert len(lines) == 24 and all(R.cells(line) <= 80 for line in lines)
    assert lines[0].startswith(u" ConfigUI  sqlite:/data/cc.db  version default")
    assert lines[0].rstrip().endswith(u"7 parameters")
    fps = [line for line in lines if u" fps " in line][0]
    assert fps.rstrip().endswith(u"30 integer") and R.cells(fps) == 80
    enabled = [line for line in lines if u"enabled" in line][0]
    assert enabled.index(u"True") + 4 == fps.index(u"30") + 2  # the value column is aligned
    name = [line for line in lines if u" name " in line][0]
    assert u"a very long camera" in name and u"... string" in name
    assert view.highlight == 1 and lines[1].startswith(u"- Instruments")
    assert lines[-1].startswith(u" Arrows move") and u"q quit" in lines[-1]
    assert lines[-2].startswith(u"Instruments")  # the cursor's path


@pytest.mark.parametrize("size", [(79, 24), (80, 23), (40, 10), (12, 3), (1, 1)])
def test_render_smaller_than_80x24_says_so(backend, size):
    """Sizes under 80x24 render a "too small" message that fits."""
    state = S.UIState(seed())
    lines = R.render(state, size[0], size[1]).text()
    assert 1 <= len(lines) <= max(size[1] - 1, 1)
    assert all(R.cells(line) < size[0] or size[0] <= 1 for line in lines)
    if size[0] >= 40:
        assert u"Terminal too small: %dx%d" % size in u" ".join(lines)
        assert u"at least 80x24" in u" ".join(lines)


def test_render_wide_characters_and_control_characters(backend):
    """Wide characters fit 80 cells with "..."; a newline shows as the escape \\n."""
    cfg = API.get_config()
    cfg[u"Stasjon.\u540d\u524d"] = u"\u6771\u4eac" * 40
    cfg[u"Stasjon.note"] = u"line one\nline two"
    state = S.UIState(cfg)
    press(state, ALT_RIGHT)
    lines = R.render(state, 80, 24).text()
    assert all(R.cells(line) <= 80 for line in lines)
    assert any(u"line one\\nline two" in line for line in lines)
    wide = [line for line in lines if u"\u540d\u524d" in line][0]
    assert wide.rstrip().endswith(u"... string") and R.cells(wide) == 80


@pytest.mark.smoke
def test_edit_line_shows_the_buffer_and_text_cursor(backend):
    """The edit line shows path, type, buffer, and the cursor at its place."""
    state = S.UIState(seed())
    goto(state, u"Instruments.Camera.fps")
    press(state, ENTER, LEFT)
    view = R.render(state, 80, 24)
    assert view.text()[22].startswith(u"Instruments.Camera.fps (integer): 30")
    assert view.cursor == (22, len(u"Instruments.Camera.fps (integer): 3"))


def test_version_flag_and_errors_in_process(backend, capsys):
    """-v opens a version; versions complete; an unknown one is a single Error line."""
    seed()
    API.get_config(None, "test")["only.in_test"] = 1
    state = S.UIState(ConfigUI.open_config(ConfigUI.build_parser().parse_args(["-v", "test"])))
    assert state.version == u"test" and state.rows == [u"only"]
    assert ConfigUI.complete_versions(u"te") == [u"test"]
    assert ConfigUI.complete_versions(u"") == [u"default", u"test"]
    assert _common.run(ConfigUI.main, ["-v", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(u"Error: no such version 'nope' (versions: ") and u"test" in err
    assert _common.run(ConfigUI.main, []) == 1  # pytest's stdin is no terminal
    assert capsys.readouterr().err == (u"Error: ConfigUI needs a terminal "
                                       u"(use ConfigTool.py for scripts)\n")


@pytest.mark.smoke
def test_reports_while_curses_owns_the_screen(backend):
    """stderr (the config poller's reports) goes to the message line, and again after."""
    class Stream(object):
        encoding = "utf-8"

        def __init__(self):
            self.written = []

        def write(self, data):
            self.written.append(data)

    state = S.UIState(seed())
    real = Stream()
    reports = ConfigUI._Reports(state, real)
    reports.write(u"CryoCore: config poller: nede \u00f8\n")
    state.refresh()
    assert state.message == u"CryoCore: config poller: nede \u00f8" and state.message_error
    assert real.written == []
    reports.replay()
    expected = u"CryoCore: config poller: nede \u00f8\n"
    assert real.written == [expected if not isinstance(real.written[0], bytes)
                            else expected.encode("utf-8")]


@pytest.mark.smoke
def test_h_shows_the_history_of_the_parameter_under_the_cursor(backend):
    """Key h: one line per recorded change of the cursor's parameter; any key goes back."""
    cfg = seed()
    cfg["Instruments.Camera.fps"] = 25
    cfg["Instruments.Gps.port"] = u"/dev/ttyS1"
    state = S.UIState(API.get_config())
    goto(state, "Instruments.Camera.fps")
    press(state, u"h")
    lines = R.render(state, 80, 24).lines
    text = [u"".join(t for t, _ in line).rstrip() for line in lines]
    assert text[1] == u"History of Instruments.Camera.fps (version default), oldest first:"
    assert text[2].endswith(u"  (added) -> 30") and u"@" in text[2]
    assert text[3].endswith(u"  30 -> 25")
    assert text[4] == u""
    assert text[-1].strip() == u"Any key closes this history"
    press(state, u"x")
    assert state.mode == S.BROWSE and state.cursor_path == "Instruments.Camera.fps"

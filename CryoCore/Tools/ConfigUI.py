#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""ConfigUI: Curses editor of the configuration.

This module only draws and reads keys; the tree, cursor, filter and edit
buffer live in ``_configui_state.UIState`` and the screen text in
``_configui_render``.  ``curses.wrapper`` restores the terminal on any error
and on Ctrl-C.
"""
from __future__ import absolute_import, division, print_function

import locale
import os
import signal
import sys

if __package__ in (None, ""):  # run as ./CryoCore/Tools/ConfigUI.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore import API  # noqa: E402
from CryoCore.Core import _settings  # noqa: E402
from CryoCore.Core._compat import PY2, to_text  # noqa: E402
from CryoCore.Core._exceptions import ConfigException, DatabaseError, SettingsError  # noqa: E402
from CryoCore.Tools import _common  # noqa: E402
from CryoCore.Tools import _configui_render as R  # noqa: E402
from CryoCore.Tools import _configui_state as S  # noqa: E402

TICK_MS = 200  # the screen follows the config cache at least this often


def build_parser():
    parser = _common.make_parser(
        "ConfigUI.py", "Curses editor of the CryoCore configuration: arrows move and open "
        "folders, Enter edits, / filters, t toggles a boolean, ? help, q quits.")
    version = parser.add_argument("-v", "--version", dest="version", default=None,
                                  help="configuration version (default: the one the "
                                  "default_version parameter names; -v default is the version "
                                  "'default' itself)")
    version.completer = complete_versions
    parser.add_argument("--create", action="store_true", help="create an unknown version")
    return parser


def complete_versions(prefix, parsed_args=None, **_kwargs):
    """argcomplete completer of -v: the versions in the database."""
    try:
        if parsed_args is not None:
            _common.apply_db_flags(parsed_args)
        names = [v[0] for v in API.get_config(None, "default").list_versions()]
    except (ConfigException, DatabaseError, SettingsError):
        return []
    return [n for n in names if n.startswith(prefix or "")]


def open_config(args):
    """The root view of the chosen version (an unknown one needs --create)."""
    version = to_text(args.version) if args.version else None
    root = API.get_config(None, "default")
    if version and version != "default" and not args.create:
        known = [v[0] for v in root.list_versions()]
        if version not in known:
            raise _common.ToolError("no such version '%s' (versions: %s; --create makes it)"
                                    % (version, ", ".join(known)))
    if not version:  # the version default_version names
        return API.get_config(None, "default")
    from CryoCore.Core import Config
    return Config.get_config(None, version, exact=True)  # -v default: "default" itself


def main(argv=None):
    """Run ConfigUI with `argv` (default sys.argv[1:]); returns the exit status."""
    from CryoCore.Core import _config_lkg
    with _config_lkg.database_only():  # an editor shows the database itself, never a copy
        return _main(argv)


def _main(argv):
    parser = build_parser()
    _common.autocomplete(parser)
    args = parser.parse_args(argv)
    _common.apply_db_flags(args)
    settings = _common.db_settings(args, "config")
    state = S.UIState(open_config(args), db_text=_short_home(_settings.describe(settings)))
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise _common.ToolError("ConfigUI needs a terminal (use ConfigTool.py for scripts)")
    import curses
    os.environ.setdefault("ESCDELAY", "25")  # Esc reacts at once (read before initscr)
    _set_locale()
    _check_terminal(curses)
    old_term = signal.signal(signal.SIGTERM, _terminate)
    old_err, sys.stderr = sys.stderr, _Reports(state, sys.stderr)
    try:
        curses.wrapper(_loop, state, not args.bw)
    finally:
        reports, sys.stderr = sys.stderr, old_err
        signal.signal(signal.SIGTERM, old_term)
        reports.replay()
    return 0


def _set_locale():
    """The user's locale for curses (UTF-8 drawing); over ssh it may name one not installed."""
    for name in ("", "C.UTF-8"):
        try:
            locale.setlocale(locale.LC_ALL, name)
            return
        except locale.Error:
            continue


def _short_home(text):
    """``~`` for the home directory: the header has little room."""
    home = os.path.expanduser("~")
    if home and home != "/" and home + os.sep in text:
        return text.replace(home + os.sep, "~" + os.sep, 1)
    return text


def _check_terminal(curses):
    """A one-line error for an unknown terminal or one that cannot place the cursor."""
    term = os.environ.get("TERM") or ""
    try:
        curses.setupterm(term or None, sys.stdout.fileno())
    except curses.error as e:
        raise _common.ToolError("cannot use terminal '%s': %s (try TERM=xterm)"
                                % (term, to_text(str(e)).strip()))
    if not curses.tigetstr("cup"):
        raise _common.ToolError("terminal '%s' cannot place the cursor: ConfigUI needs a "
                                "full-screen terminal (try TERM=xterm)" % term)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through curses.wrapper: terminal restored


class _Reports(object):
    """stderr while curses owns the screen: reports (config poller) go to the message line,
    and are repeated on the real stderr once the terminal is restored."""
    encoding = "utf-8"

    def __init__(self, state, real):
        self.state, self.real, self.lines = state, real, []

    def isatty(self):
        return False

    def write(self, text):
        text = to_text(text)
        if text.strip():
            self.lines.append(text.rstrip("\n"))
            self.state.notify(text)

    def flush(self):
        return None

    def replay(self):
        for line in self.lines:
            _common.write(line + u"\n", self.real)


# -- the curses loop -------------------------------------------------------------------
def _loop(stdscr, state, colour):
    import curses
    _hide_cursor(curses, 0)
    stdscr.keypad(1)
    stdscr.timeout(TICK_MS)
    styles = _styles(curses, colour)
    reader = _KeyReader(curses, stdscr)
    while not state.quit:
        state.refresh()
        _draw(curses, stdscr, state, styles)
        key = reader.read()
        if key == S.RESIZE and hasattr(curses, "update_lines_cols"):
            curses.update_lines_cols()
        if key is not None:
            state.handle_key(key)


def _hide_cursor(curses, visible):
    try:
        curses.curs_set(visible)
    except curses.error:  # a terminal without cursor control: nothing to hide
        return


def _styles(curses, colour):
    """style name -> curses attribute; colours only when asked for and available."""
    plain = {"header": curses.A_REVERSE, "footer": curses.A_REVERSE, "folder": curses.A_BOLD,
             "name": curses.A_NORMAL, "value": curses.A_NORMAL, "type": curses.A_NORMAL,
             "dim": curses.A_NORMAL, "changed": curses.A_BOLD | curses.A_UNDERLINE,
             "error": curses.A_BOLD, "info": curses.A_NORMAL}
    if not colour or not curses.has_colors():
        return plain
    try:
        curses.start_color()
        curses.use_default_colors()
        background = -1
    except curses.error:  # no default colours: a black background
        background = curses.COLOR_BLACK
    pairs = {"folder": curses.COLOR_BLUE, "type": curses.COLOR_CYAN,
             "changed": curses.COLOR_YELLOW, "error": curses.COLOR_RED,
             "info": curses.COLOR_GREEN, "dim": curses.COLOR_CYAN}
    out = dict(plain)
    for n, (name, fg) in enumerate(sorted(pairs.items()), 1):
        try:
            curses.init_pair(n, fg, background)
        except curses.error:  # fewer colour pairs than we want: keep the plain look
            continue
        out[name] = plain[name] | curses.color_pair(n)
    return out


def _draw(curses, stdscr, state, styles):
    height, width = stdscr.getmaxyx()
    view = R.render(state, width, height)
    stdscr.erase()
    for y, line in enumerate(view.lines[:height]):
        x = 0
        extra = curses.A_REVERSE if y == view.highlight else 0
        for text, style in line:
            if y == height - 1 and x + R.cells(text) >= width:
                text = R.fit(text, width - 1 - x, u"")  # the last cell of the screen: never
            _put(stdscr, y, x, text, styles.get(style, 0) | extra)
            x += R.cells(text)
    if view.cursor is not None:
        _hide_cursor(curses, 1)
        stdscr.move(min(view.cursor[0], height - 1), min(view.cursor[1], width - 1))
    else:
        _hide_cursor(curses, 0)
    stdscr.refresh()


def _put(stdscr, y, x, text, attr):
    if not text:
        return
    if PY2:  # 2.7's curses takes bytes in the terminal's encoding
        text = text.encode(locale.getpreferredencoding() or "utf-8", "replace")
    stdscr.addstr(y, x, text, attr)


class _KeyReader(object):
    """Curses key codes and characters -> the key names of _configui_state."""

    def __init__(self, curses, stdscr):
        self.curses, self.stdscr = curses, stdscr
        c = curses
        self.codes = {c.KEY_UP: S.UP, c.KEY_DOWN: S.DOWN, c.KEY_LEFT: S.LEFT,
                      c.KEY_RIGHT: S.RIGHT, c.KEY_PPAGE: S.PGUP, c.KEY_NPAGE: S.PGDN,
                      c.KEY_HOME: S.HOME, c.KEY_END: S.END, c.KEY_ENTER: S.ENTER,
                      c.KEY_BACKSPACE: S.BACKSPACE, c.KEY_DC: S.DELETE, c.KEY_RESIZE: S.RESIZE}
        for name in ("KEY_A1", "KEY_FIND"):
            if hasattr(c, name):
                self.codes.setdefault(getattr(c, name), S.HOME)
        if hasattr(c, "KEY_SELECT"):
            self.codes.setdefault(c.KEY_SELECT, S.END)
        self.chars = {u"\n": S.ENTER, u"\r": S.ENTER, u"\x7f": S.BACKSPACE, u"\x08": S.BACKSPACE,
                      u"\x15": S.CTRL_U}
        self._pending = b""
        self._queue = []  # a key read after Esc that was not part of a sequence
        self._names = []  # a key name decoded after Esc Esc that was no arrow

    def _get(self):
        """One key: an int (function key), text (a character) or None (no key yet)."""
        if self._queue:
            return self._queue.pop(0)
        if not PY2:
            try:
                return self.stdscr.get_wch()
            except self.curses.error:  # the tick passed without a key
                return None
        code = self.stdscr.getch()
        if code < 0:
            return None
        if code >= 256:
            return code
        self._pending += bytes(bytearray([code]))
        try:
            text = self._pending.decode("utf-8")
        except UnicodeDecodeError:
            if len(self._pending) < 4:
                return self._get()
            text = self._pending.decode("utf-8", "replace")
        self._pending = b""
        return text

    def read(self):
        if self._names:
            return self._names.pop(0)
        key = self._get()
        if key is None:
            return None
        if isinstance(key, int):
            return self.codes.get(key) or self._named(key)
        if key == u"\x1b":
            return self._escape()
        return self.chars.get(key, key if key >= u" " else None)

    def _named(self, code):
        """Alt-arrows as terminfo names them (kRIT3 = Alt-Right, kLFT3 = Alt-Left)."""
        try:
            name = to_text(self.curses.keyname(code))
        except (ValueError, self.curses.error):
            return None
        if name.startswith("kRIT") and name != "kRIT5":
            return S.ALT_RIGHT
        if name.startswith("kLFT") and name != "kLFT5":
            return S.ALT_LEFT
        return None

    def _escape(self):
        """Esc alone, Alt + arrow (Esc + arrow), or a sequence the terminfo entry lacks."""
        self.stdscr.nodelay(1)
        try:
            nxt = self._get()
            if nxt is None:
                return S.ESC
            if nxt == u"\x1b":  # Esc + an arrow that came as a sequence: Alt + arrow
                after = self._get()
                if after in (u"[", u"O"):
                    key = self._sequence()
                elif isinstance(after, int):
                    key = self.codes.get(after)
                else:  # Esc Esc (after is None) or Esc Esc + a key: each counts
                    self._queue.extend([u"\x1b"] + ([after] if after is not None else []))
                    return S.ESC
                if key in _ALT:
                    return _ALT[key]
                if key is not None:
                    self._names.append(key)
                return S.ESC
            if nxt in (self.curses.KEY_RIGHT, self.curses.KEY_LEFT):
                return _ALT[self.codes[nxt]]
            if nxt in (u"[", u"O"):
                return self._sequence()
            self._queue.append(nxt)  # Esc, then a key typed quickly: both count
            return S.ESC
        finally:
            self.stdscr.timeout(TICK_MS)

    def _sequence(self):
        """The rest of ``Esc [ ...`` / ``Esc O ...`` as a key name (None: unknown)."""
        seq = u""
        while len(seq) < 8:
            c = self._get()
            if c is None or not isinstance(c, type(u"")):
                return None
            seq += c
            if u"@" <= c <= u"~":  # the final character
                break
        params, final = seq[:-1], seq[-1:]
        if final == u"~":
            return _TILDE.get(params.split(u";")[0])
        key = _FINAL.get(final)
        if key is not None and params.split(u";")[-1:] in ([u"3"], [u"9"]):
            return _ALT.get(key, key)  # modifier 3 (xterm) or 9: Alt
        return key


_FINAL = {u"A": S.UP, u"B": S.DOWN, u"C": S.RIGHT, u"D": S.LEFT, u"H": S.HOME, u"F": S.END}
_TILDE = {u"1": S.HOME, u"7": S.HOME, u"4": S.END, u"8": S.END, u"5": S.PGUP, u"6": S.PGDN,
          u"3": S.DELETE}
_ALT = {S.RIGHT: S.ALT_RIGHT, S.LEFT: S.ALT_LEFT}


console_main = _common.entry_point(main)

if __name__ == "__main__":
    console_main()

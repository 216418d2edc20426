"""ConfigUI's screen as text: what each line shows, in which style (no curses here).

``render(state, width, height)`` returns a ``View``: `lines` (one list of
``(text, style)`` segments per screen line, never wider than `width` cells),
`highlight` (the line of the cursor row), `cursor` (``(y, x)`` of the text
cursor while editing, else None).  Styles: header, footer, folder, name,
value, type, dim, changed, error, info.
"""
from __future__ import absolute_import, division, print_function

import unicodedata

from CryoCore.Tools import _configui_state as S

MIN_WIDTH, MIN_HEIGHT = 80, 24
TYPE_WIDTH = 7          # "boolean", "integer", "double", "string": the type column
MORE = u"..."           # marks a truncated name or value
FOOTERS = {
    S.BROWSE: u"Arrows move, open, close  Enter edit  / filter  t toggle  ? help  q quit",
    S.FILTER: u"Type to filter names and values  Enter keep  Esc clear  Up/Down move",
    S.EDIT: u"Enter save  Esc cancel  Left/Right/Home/End move  Ctrl-U clear",
    S.CONFIRM: u"y change the type and save  n/Esc back to editing",
    S.HELP: u"Any key closes this help",
    S.HISTORY: u"Any key closes this history",
}
HELP = [
    u"Up/Down, PgUp/PgDn, Home/End   move",
    u"Right / Left                   open a folder / close it or go to its parent",
    u"Alt-Right / Alt-Left (* / -)   open / close a folder and everything under it",
    u"Enter                          edit a value (Enter saves, Esc cancels);",
    u"                               on a folder: open or close it",
    u"/                              filter on names and values (Esc clears)",
    u"t                              toggle a boolean",
    u"h                              history: who changed it, when, old -> new",
    u"q                              quit",
    u"",
    u"Values are type-checked when saved; on a mismatch ConfigUI offers to",
    u"change the type.  Changes made by other programs show within a second,",
    u"highlighted for a few seconds.",
]


class View(object):
    """The lines to draw, the highlighted line and the text cursor."""

    def __init__(self, width, height):
        self.width, self.height = width, height
        self.lines = []
        self.highlight = None
        self.cursor = None

    def add(self, segments):
        self.lines.append(segments)

    def text(self):
        """The screen as plain text lines (for tests and captures)."""
        return [u"".join(t for t, _ in line) for line in self.lines]


def cells(text):
    """Terminal cells of `text` (wide characters take two, combining ones none)."""
    n = 0
    for c in text:
        n += _cell(c)
    return n


def _cell(c):
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def fit(text, width, more=MORE):
    """`text` cut to `width` cells, ending in MORE when it was cut."""
    if width <= 0:
        return u""
    if cells(text) <= width:
        return text
    if width <= len(more):
        return more[:width]
    out, n = [], 0
    for c in text:
        w = _cell(c)
        if n + w > width - len(more):
            break
        out.append(c)
        n += w
    return u"".join(out) + more


def pad(text, width):
    """`text` fitted and padded with spaces to exactly `width` cells."""
    text = fit(text, width)
    return text + u" " * (width - cells(text))


def printable(text):
    """Control characters shown as escapes (a value may hold a newline)."""
    if not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text):
        return text
    out = []
    for c in text:
        o = ord(c)
        if c == u"\n":
            out.append(u"\\n")
        elif c == u"\t":
            out.append(u"\\t")
        elif o < 32 or 127 <= o < 160:
            out.append(u"\\x%02x" % o)
        else:
            out.append(c)
    return u"".join(out)


def render(state, width, height):
    """The whole screen of `state` at `width` x `height` cells."""
    view = View(width, height)
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(view)
    page = height - 3
    state.set_page(page)
    view.add(_header(state, width))
    if state.mode == S.HELP:
        body = [[(pad(u"  " + line, width), "info")] for line in [u""] + HELP]
    elif state.mode == S.HISTORY:
        body = _history(state, width, page)
    else:
        body = _tree(state, view, width, page)
    status = _status(state, view, width)
    for line in body[:page + 1 - len(status)]:
        view.add(line)
    while len(view.lines) < page + 2 - len(status):
        view.add([(u" " * width, "name")])
    if view.highlight is not None and view.highlight >= len(view.lines):
        view.highlight = None  # the cursor row is under the message line
    for line in status:
        view.add(line)
    view.add([(pad(u" " + FOOTERS[state.mode], width - 1), "footer")])
    return view


def _history(state, width, page):
    """Key h: a title, then the newest changes that fit, oldest first."""
    title = u"History of %s (version %s), oldest first:" % (state.history_path, state.version)
    lines = [fit(printable(line), width - 1) for line in state.history] or [
        u"No recorded changes (the history began after its last change)."]
    shown = lines[-(page - 1):]
    if len(shown) < len(lines):
        title += u" (the last %d of %d)" % (len(shown), len(lines))
    return [[(pad(fit(printable(title), width), width), "folder")]] + [
        [(pad(u" " + line, width), "name")] for line in shown]


def _too_small(view):
    w, h = view.width, view.height
    words = (u"Terminal too small: %dx%d. ConfigUI needs at least %dx%d. "
             u"Enlarge the window, or press q to quit." % (w, h, MIN_WIDTH, MIN_HEIGHT)).split()
    lines, line = [], u""
    for word in words:
        if line and cells(line) + 1 + cells(word) > w - 1:
            lines.append(line)
            line = u""
        line = (line + u" " + word) if line else word
    lines.append(line)
    for line in lines[:max(h - 1, 1)]:
        view.add([(fit(line, max(w - 1, 0)), "error")])
    return view


def _header(state, width):
    """`` ConfigUI  <database>  version <v>      <n> parameters``: the database is cut first."""
    version = u"  version %s" % printable(state.version)
    right = u"%d parameters " % state.tree.params
    room = width - cells(u" ConfigUI  ") - cells(version) - cells(right) - 2
    db = printable(state.db_text)
    if cells(db) > room:  # keep the end of a long path: the file and database names
        db = MORE + _tail(db, max(room - len(MORE), 0)) if room > len(MORE) else u""
    left = u" ConfigUI  %s%s" % (db, version)
    space = width - cells(right)
    return [(pad(left, space), "header"), (fit(right, width - cells(pad(left, space))), "header")]


def _tail(text, width):
    """The end of `text` that fits `width` cells."""
    out, n = [], 0
    for c in reversed(text):
        n += _cell(c)
        if n > width:
            break
        out.append(c)
    return u"".join(reversed(out))


def _tree(state, view, width, page):
    if not state.rows:
        text = (u"  No parameter matches '%s' (Esc clears the filter)" % state.filter
                if state.filter else u"  The configuration (version %s) is empty" % state.version)
        return [[(pad(printable(text), width), "dim")]]
    out = []
    entries = state.tree.entries
    for i in range(state.top, min(state.top + page, len(state.rows))):
        entry = entries[state.rows[i]]
        if i == state.cursor:
            view.highlight = len(out) + 1
        out.append(_row(state, entry, width))
    return out


def _row(state, entry, width):
    """``  - name ........ value  type``: values right-aligned, the type in its own column."""
    indent = u"  " * entry.depth
    if entry.children:
        marker = u"- " if state.is_open(entry) else u"+ "
    else:
        marker = u"  "
    if entry.is_folder:
        value, vstyle, dtype = u"(%d)" % len(entry.children), "dim", u""
    elif entry.value is None:
        value, vstyle, dtype = u"(none)", "dim", entry.datatype
    elif entry.text == u"":
        value, vstyle, dtype = u'""', "dim", entry.datatype
    else:
        value, vstyle, dtype = printable(entry.text), "value", entry.datatype
    if state.recently_changed(entry.path):
        vstyle = "changed"
    name = printable(entry.name)
    right_w = TYPE_WIDTH + 2                       # " " + type + " "
    room = width - right_w - 1                     # name and value share the rest
    left = indent + marker
    name_w = cells(name)
    value_w = cells(value)
    if cells(left) + name_w + 2 + value_w > room:  # something must be cut: keep both readable
        value_room = max(room - cells(left) - name_w - 2, min(value_w, room // 3))
        value = fit(value, value_room)
        value_w = cells(value)
        name = fit(name, max(room - cells(left) - value_w - 2, 1))
        name_w = cells(name)
    gap = room - cells(left) - name_w - value_w
    return [(left, "dim"), (name, "folder" if entry.is_folder else "name"),
            (u" " * gap, "name"), (value, vstyle),
            (u" " + pad(dtype, TYPE_WIDTH) + u" ", "type"), (u" ", "name")]


def _status(state, view, width):
    """The message line(s) above the footer: one, or two while editing with a message."""
    y = view.height - 2
    if state.mode == S.CONFIRM:
        path, text, datatype = state.pending
        entry = state.tree.entries.get(path)
        question = u"Save %s as %s instead of %s? (y/n)" % (
            printable(_quoted(text)), datatype, entry.datatype if entry else u"?")
        return [[(pad(printable(state.message), width), "error")],
                [(pad(question, width), "error")]]
    if state.mode == S.EDIT:
        lines = []
        if state.message:
            lines.append([(pad(printable(state.message), width),
                           "error" if state.message_error else "info")])
        lines.append(_edit_line(state, view, y, width))
        return lines
    if state.message:
        return [[(pad(printable(state.message), width),
                  "error" if state.message_error else "info")]]
    if state.mode == S.FILTER or state.filter:
        n = len(state.matches)
        text = u"/%s" % printable(state.filter)
        if state.mode == S.FILTER:
            view.cursor = (y, min(cells(text), width - 1))
        return [[(pad(u"%s   (%d match%s)" % (text, n, u"" if n == 1 else u"es"), width),
                  "info")]]
    entry = state.current()
    if entry is None:
        return [[(pad(u"", width), "info")]]
    about = entry.path
    if entry.comment:
        about += u"  -- " + entry.comment
    return [[(pad(printable(about), width), "dim")]]


def _quoted(text):
    """Quoted text for a question (cut: the question must fit one line)."""
    return u"'%s'" % fit(text, 30)


def _edit_line(state, view, y, w):
    entry = state.tree.entries.get(state.edit_path)
    label = u"%s (%s): " % (state.edit_path, entry.datatype if entry else u"?")
    label = fit(printable(label), max(w // 2, 10))
    room = max(w - cells(label) - 1, 1)
    text = printable(state.buffer[:state.pos])
    after = printable(state.buffer[state.pos:])
    # scroll the buffer horizontally so the text cursor stays on screen
    while cells(text) > room - 1 and text:
        text = text[1:]
    shown = text + after
    if state.mode == S.EDIT:
        view.cursor = (y, cells(label) + cells(text))
    return [(label, "info"), (pad(shown, w - cells(label)), "value")]

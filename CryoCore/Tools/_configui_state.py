"""ConfigUI's screen state, without curses: tree, cursor, filter, edit buffer.

``UIState`` wraps a root ``NamedConfiguration``.  The curses layer calls
``refresh()`` every tick (it rebuilds the visible rows from the config cache
when the cache's generation changed, keeping the cursor on the same path),
``handle_key(name)`` for every key, and ``render(width, height)``
(``_configui_render``) to get the lines to draw.  Keys are names: the
constants below, or a single character of text.
"""
from __future__ import absolute_import, division, print_function

import collections
import threading
import time

from CryoCore.Core import _config_types as T
from CryoCore.Core._compat import one_line, to_text
from CryoCore.Core._exceptions import (ConfigException, ConfigValueError, DatabaseError,
                                       NoSuchParameterException)

UP, DOWN, LEFT, RIGHT = "UP", "DOWN", "LEFT", "RIGHT"
ALT_LEFT, ALT_RIGHT = "ALT_LEFT", "ALT_RIGHT"
PGUP, PGDN, HOME, END = "PGUP", "PGDN", "HOME", "END"
ENTER, ESC, BACKSPACE, DELETE, CTRL_U, RESIZE = ("ENTER", "ESC", "BACKSPACE", "DELETE",
                                                 "CTRL_U", "RESIZE")
BROWSE, FILTER, EDIT, CONFIRM, HELP = "browse", "filter", "edit", "confirm", "help"
HISTORY = "history"  # the recorded changes of the parameter under the cursor (key h)
CHANGED_FOR = 3.0   # seconds a value changed (here or elsewhere) stays highlighted
_MOVES = (UP, DOWN, PGUP, PGDN, HOME, END)


class Entry(object):
    """One parameter or folder of the snapshot."""
    __slots__ = ("path", "name", "parent", "depth", "datatype", "value", "comment", "modified",
                 "id", "children", "text", "name_l", "text_l")

    def __init__(self, param):
        self.path = param.path
        self.name = to_text(param.name)
        self.parent = self.path.rpartition(".")[0]
        self.depth = self.path.count(".")
        self.id = param.id
        self.datatype = param.datatype
        self.value = param.value
        self.comment = param.comment
        self.modified = param.last_modified
        self.children = []
        self.text = T.value_text(param.value)  # folders hold None: ""
        self.name_l = self.name.lower()
        self.text_l = self.text.lower()

    def same(self, param):
        """Whether `param` is this entry unchanged (then the entry is reused)."""
        return (self.id == param.id and self.modified == param.last_modified
                and self.datatype == param.datatype and self.value == param.value
                and self.comment == param.comment and self.path == param.path)

    @property
    def is_folder(self):
        return self.datatype == "folder"


class Tree(object):
    """All entries of one version (path -> Entry) and the top-level paths, sorted by name.

    Built from ``cfg.search("")``; entries of `old` that did not change are reused, and so
    are its children lists when no path came or went (a value change rebuilds little).
    """

    def __init__(self, cfg, old=None):
        old_entries = old.entries if old is not None else {}
        entries = self.entries = {}
        self.changed = []  # paths that are new or changed since `old`
        for param in cfg.search(""):
            entry = old_entries.get(param.path)
            if entry is None or not entry.same(param):
                entry = Entry(param)
                self.changed.append(param.path)
            entries[param.path] = entry
        self.params = sum(1 for e in entries.values() if e.datatype != "folder")
        self.same_shape = old is not None and len(entries) == len(old_entries) and all(
            p in old_entries for p in self.changed)
        if self.same_shape:
            self.roots = old.roots  # the same paths: the same tree
            for path in self.changed:
                entries[path].children = old_entries[path].children
            return
        for entry in entries.values():
            entry.children = []
        self.roots = []
        for path in sorted(entries):  # parents sort before their children
            entry = entries[path]
            parent = entries.get(entry.parent)
            (parent.children if parent is not None else self.roots).append(path)

    def __len__(self):
        return len(self.entries)

    def ancestors(self, path):
        """The paths of the folders above `path`, nearest first."""
        out = []
        while "." in path:
            path = path.rpartition(".")[0]
            out.append(path)
        return out


class UIState(object):
    """Everything ConfigUI shows and does, driven by key names (no curses here)."""

    def __init__(self, cfg, db_text=u"", clock=time.time):
        self.cfg = cfg
        self.db_text = to_text(db_text)  # 2.7: settings from defaults are byte strings
        self.clock = clock
        self.mode = BROWSE
        self.quit = False
        self.expanded = set()
        self.filter = u""
        self.filter_collapsed = set()
        self.matches = set()
        self.buffer, self.pos = u"", 0
        self.edit_path = None        # what the edit buffer will be saved to
        self.pending = None          # (path, text, datatype) waiting for y/n
        self.history_path, self.history = None, []  # what key h shows
        self.message, self.message_error = u"", False
        self.changed = {}            # path -> time its value changed while we watched
        self.rows = []               # visible paths, in order
        self.index = {}              # path -> row
        self.cursor, self.top, self.page = 0, 0, 20
        self.cursor_path = None
        self.tree = None
        self._generation = None
        self._notes = collections.deque()
        self._notes_lock = threading.Lock()
        self.refresh()

    # -- the cache ------------------------------------------------------------------
    @property
    def version(self):
        return to_text(self.cfg.get_version())

    def refresh(self):
        """Rebuild from the config cache if it changed since the last call; True if it did."""
        self._take_notes()
        generation = self.cfg.generation()
        if generation == self._generation and self.tree is not None:
            return False
        old = self.tree
        self._generation = generation
        self.tree = Tree(self.cfg, old)
        if old is not None:
            self._mark_changes(old, self.tree)
            if self.mode == EDIT and self.edit_path in self.tree.changed:
                entry = self.tree.entries.get(self.edit_path)
                if entry is not None and entry.text != old.entries[self.edit_path].text:
                    self._say(u"Changed elsewhere to %s while you edit: Enter saves yours, "
                              u"Esc keeps it" % entry.text, True)
        if self.filter:
            before = self.matches
            self._match()
            if self.matches != before or not self.tree.same_shape:
                self._rebuild()
        elif not self.tree.same_shape:
            self._rebuild()  # (only values changed: the same rows)
        return True

    def _mark_changes(self, old, new):
        now = self.clock()
        for path in new.changed:
            before = old.entries.get(path)
            entry = new.entries[path]
            if before is None or before.text != entry.text or before.datatype != entry.datatype:
                self.changed[path] = now
        for path in [p for p, t in self.changed.items() if now - t > CHANGED_FOR]:
            del self.changed[path]

    def recently_changed(self, path):
        t = self.changed.get(path)
        return t is not None and self.clock() - t <= CHANGED_FOR

    def notify(self, text, error=True):
        """Show `text` on the message line (thread-safe: the config poller reports here)."""
        with self._notes_lock:
            self._notes.append((to_text(text).strip(), error))

    def _take_notes(self):
        with self._notes_lock:
            while self._notes:
                self.message, self.message_error = self._notes.popleft()

    def _say(self, text, error=False):
        self.message, self.message_error = to_text(text), error

    # -- visible rows ---------------------------------------------------------------
    def current(self):
        """The Entry under the cursor (None in an empty or fully filtered tree)."""
        if not self.rows:
            return None
        return self.tree.entries.get(self.rows[self.cursor])

    def is_open(self, entry):
        if self.filter:
            return entry.path not in self.filter_collapsed
        return entry.path in self.expanded

    def _match(self, within=None):
        """The paths whose name or value holds the filter; `within`: only look there."""
        needle = self.filter.lower()
        entries = self.tree.entries
        if within is not None:
            self.matches = set(p for p in within
                               if needle in entries[p].name_l or needle in entries[p].text_l)
        else:
            self.matches = set(p for p, e in entries.items()
                               if needle in e.name_l or needle in e.text_l)

    def _rebuild(self):
        """The visible rows from the tree, expansion and filter; the cursor keeps its path."""
        entries = self.tree.entries
        keep = None
        if self.filter:
            keep = set()
            for path in self.matches:
                while path and path not in keep:
                    keep.add(path)
                    path = entries[path].parent
        rows = []
        stack = [(p, False) for p in reversed(self.tree.roots)]
        while stack:
            path, inside = stack.pop()
            if keep is not None and not inside and path not in keep:
                continue
            rows.append(path)
            entry = entries[path]
            if entry.children and self.is_open(entry):
                inside = inside or (keep is not None and path in self.matches)
                stack.extend((c, inside) for c in reversed(entry.children))
        old_row, old_top = self.cursor, self.top
        self.rows = rows
        self.index = dict((p, i) for i, p in enumerate(rows))
        self._place_cursor(old_row, old_top)

    def _place_cursor(self, old_row, old_top):
        target = self.cursor_path
        row = self.index.get(target) if target is not None else None
        if row is None and target is not None:
            for parent in self.tree.ancestors(target):
                if parent in self.index:
                    row = self.index[parent]
                    break
        if row is None and self.filter:
            row = next((i for i, p in enumerate(self.rows) if p in self.matches), None)
        if row is None:
            row = min(old_row, len(self.rows) - 1)
        self.cursor = max(row, 0)
        self.top = old_top + (self.cursor - old_row)  # the cursor's row stays where it was
        self._scroll()
        self.cursor_path = self.rows[self.cursor] if self.rows else None

    def _scroll(self):
        page = max(self.page, 1)
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + page:
            self.top = self.cursor - page + 1
        self.top = max(0, min(self.top, max(len(self.rows) - page, 0)))

    def _move(self, row):
        if not self.rows:
            return
        self.cursor = max(0, min(row, len(self.rows) - 1))
        self.cursor_path = self.rows[self.cursor]
        self._scroll()

    def set_page(self, rows):
        """The number of tree rows on screen (the curses layer calls this on every draw)."""
        self.page = max(int(rows), 1)
        self._scroll()

    # -- keys -------------------------------------------------------------------------
    def handle_key(self, key):
        """Act on one key name (see the constants) or one character of text."""
        if key == RESIZE:
            return
        if self.mode != CONFIRM:
            self.message = u""
        handler = {BROWSE: self._key_browse, FILTER: self._key_filter, EDIT: self._key_edit,
                   CONFIRM: self._key_confirm, HELP: self._key_help,
                   HISTORY: self._key_help}[self.mode]
        handler(key)

    def _key_help(self, key):
        self.mode = BROWSE

    def show_history(self):
        """Key h: the recorded changes of the entry under the cursor, oldest first."""
        from CryoCore.Core import _config_past
        from CryoCore.Tools._config_timeline import history_line
        entry = self.current()
        if entry is None:
            return
        try:
            rows = _config_past.changes(self.cfg._store.db, self.version, entry.path)
        except (ConfigException, DatabaseError) as e:
            self._say(u"History of %s: %s" % (entry.path, one_line(e)), error=True)
            return
        self.history_path = entry.path
        self.history = [to_text(history_line(r, entry.path)) for r in rows]
        self.mode = HISTORY

    def _key_browse(self, key):
        if key in _MOVES or key in (LEFT, RIGHT, ALT_LEFT, ALT_RIGHT):
            self._navigate(key)
        elif key == ENTER:
            entry = self.current()
            if entry is None:
                return
            if entry.is_folder:
                self._set_open(entry, not self.is_open(entry))
            else:
                self.start_edit()
        elif key == u"q":
            self.quit = True
        elif key == u"?":
            self.mode = HELP
        elif key == u"/":
            self.mode = FILTER
            self._say(u"")
        elif key == u"t":
            self.toggle()
        elif key == u"h":
            self.show_history()
        elif key == u"*":
            self._navigate(ALT_RIGHT)
        elif key == u"-":
            self._navigate(ALT_LEFT)
        elif key == ESC and self.filter:
            self.set_filter(u"")

    def _navigate(self, key):
        entry = self.current()
        if key == UP:
            self._move(self.cursor - 1)
        elif key == DOWN:
            self._move(self.cursor + 1)
        elif key == PGUP:
            self._move(self.cursor - self.page)
        elif key == PGDN:
            self._move(self.cursor + self.page)
        elif key == HOME:
            self._move(0)
        elif key == END:
            self._move(len(self.rows) - 1)
        elif entry is None:
            return
        elif key == RIGHT:
            if entry.children and not self.is_open(entry):
                self._set_open(entry, True)
            elif entry.children:
                self._move(self.cursor + 1)
        elif key == LEFT:
            if entry.children and self.is_open(entry):
                self._set_open(entry, False)
            elif entry.parent in self.index:
                self._move(self.index[entry.parent])
        elif key == ALT_RIGHT:
            self._set_subtree(entry.path, True)
        elif key == ALT_LEFT:
            base = entry.path if entry.children else entry.parent
            if base:
                self.cursor_path = base
                self._set_subtree(base, False)

    def _open_set(self):
        return self.filter_collapsed if self.filter else self.expanded

    def _set_open(self, entry, is_open):
        self._apply_open([entry.path], is_open)
        self._rebuild()

    def _apply_open(self, paths, is_open):
        opened = not self.filter  # the filter keeps a set of *collapsed* folders
        target = self._open_set()
        if is_open == opened:
            target.update(paths)
        else:
            target.difference_update(paths)

    def _set_subtree(self, path, is_open):
        """Expand or collapse the folder at `path` and every folder under it."""
        entries = self.tree.entries
        paths, stack = [], [path]
        while stack:
            p = stack.pop()
            if entries[p].children:
                paths.append(p)
                stack.extend(entries[p].children)
        self._apply_open(paths, is_open)
        self._rebuild()

    # -- filter -------------------------------------------------------------------------
    def set_filter(self, text):
        """Show only entries whose name or value holds `text` (any case), with their folders."""
        text = to_text(text)
        narrower = bool(self.filter) and text.startswith(self.filter)
        self.filter = text
        self.filter_collapsed = set()
        if self.filter:
            self._match(self.matches if narrower else None)
            if self.cursor_path not in self.matches:
                self.cursor_path = None  # to the first match
        else:
            self.matches = set()
        self._rebuild()

    def _key_filter(self, key):
        if key == ENTER:
            self.mode = BROWSE
        elif key == ESC:
            self.mode = BROWSE
            self.set_filter(u"")
        elif key == BACKSPACE:
            self.set_filter(self.filter[:-1])
        elif key == CTRL_U:
            self.set_filter(u"")
        elif key in _MOVES or key in (LEFT, RIGHT, ALT_LEFT, ALT_RIGHT):
            self._navigate(key)
        elif _is_char(key):
            self.set_filter(self.filter + key)

    # -- editing -----------------------------------------------------------------------
    def start_edit(self):
        """Edit the value under the cursor (folders hold no value)."""
        entry = self.current()
        if entry is None or entry.is_folder:
            return False
        self.mode = EDIT
        self.edit_path = entry.path
        self.buffer = entry.text
        self.pos = len(self.buffer)
        self.pending = None
        return True

    def _key_edit(self, key):
        b, p = self.buffer, self.pos
        if key == ENTER:
            self.save()
        elif key == ESC:
            self.mode = BROWSE
            self._say(u"Edit cancelled")
        elif key == LEFT:
            self.pos = max(p - 1, 0)
        elif key == RIGHT:
            self.pos = min(p + 1, len(b))
        elif key == HOME:
            self.pos = 0
        elif key == END:
            self.pos = len(b)
        elif key == BACKSPACE and p > 0:
            self.buffer, self.pos = b[:p - 1] + b[p:], p - 1
        elif key == DELETE:
            self.buffer = b[:p] + b[p + 1:]
        elif key == CTRL_U:
            self.buffer, self.pos = u"", 0
        elif _is_char(key):
            self.buffer, self.pos = b[:p] + key + b[p:], p + len(key)

    def save(self):
        """Store the edit buffer with the type check; a mismatch asks to change the type."""
        path, text = self.edit_path, self.buffer
        entry = self.tree.entries.get(path)
        if entry is None or entry.is_folder:
            self.mode = BROWSE
            return self._say(u"%s was removed meanwhile: nothing saved" % path, True)
        try:
            self.cfg.set(path, text, check=True)
        except NoSuchParameterException as e:
            self.mode = BROWSE
            return self._say(u"%s: nothing saved" % one_line(e), True)
        except ConfigValueError as e:
            guessed = T.guess_text(text)
            if guessed != entry.datatype and _fits(text, guessed, path):
                self.mode, self.pending = CONFIRM, (path, text, guessed)  # ask to change type
            return self._say(one_line(e), True)
        except (ConfigException, DatabaseError) as e:
            return self._say(u"Not saved: %s" % one_line(e), True)
        self.mode = BROWSE
        self._saved(path)

    def _saved(self, path):
        self.refresh()
        entry = self.tree.entries.get(path)
        shown = entry.text if entry is not None else self.buffer
        self._say(u"Saved %s = %s" % (path, shown))

    def _key_confirm(self, key):
        if key in (u"y", u"Y"):
            path, text, datatype = self.pending
            self.pending = None
            try:
                self.cfg.set(path, text, datatype=datatype)
            except (ConfigException, DatabaseError) as e:
                self.mode = EDIT
                return self._say(u"Not saved: %s" % one_line(e), True)
            self.mode = BROWSE
            self._saved(path)
        elif key in (u"n", u"N", ESC):
            self.mode, self.pending = EDIT, None
            self._say(u"Type kept: edit the value, or Esc to cancel")

    def toggle(self):
        """Flip the boolean under the cursor."""
        entry = self.current()
        if entry is None:
            return
        if entry.datatype != "boolean":
            return self._say(u"t toggles booleans only: %s is %s" % (entry.path, entry.datatype),
                             True)
        try:
            self.cfg.set(entry.path, not entry.value, check=True)
        except (ConfigException, DatabaseError) as e:
            return self._say(u"Not saved: %s" % one_line(e), True)
        self._saved(entry.path)


def _fits(text, datatype, path):
    try:
        T.prepare(text, datatype, path)
    except ConfigValueError:
        return False
    return True


def _is_char(key):
    return len(key) == 1 and (key >= u" " and key != u"\x7f")

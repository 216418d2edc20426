"""Where status changes go: two sinks of the shared writer (status, status2d).

Producers hand over small tuples; ``prepare`` runs in the writer thread,
creates the tables on first use and resolves channel/parameter ids through a
cache, so the caller never touches the database.
"""
from __future__ import absolute_import, division, print_function

import os
import threading

from . import InternalDB, _runtime, _schema, _status_upkeep
from ._compat import PY2, text_type, to_text
from ._exceptions import DatabaseError
from ._writer import Sink

_FOREIGN_KEY_FAILED = 1452  # MySQL: "Cannot add or update a child row"

STATUS_COLUMNS = ("timestamp", "paramid", "chanid", "value", "expires")
STATUS2D_COLUMNS = ("timestamp", "paramid", "chanid", "posx", "posy", "value", "expires")


class _Ids(object):
    """Channel and parameter ids of one database, cached (writer thread only)."""

    def __init__(self, db):
        self.db = db
        self.ready = False
        self.channels = {}
        self.params = {}    # (channel, name) -> (paramid, chanid)
        self.params2d = {}  # (channel, name) -> [paramid, chanid, sizex, sizey]
        self.refused = {}   # (what, params) -> the clash error (no queries for it again)

    def forget(self):
        """Drop cached ids (another program deleted channels or parameters)."""
        self.channels.clear()
        self.params.clear()
        self.params2d.clear()
        self.refused.clear()

    def _ensure(self):
        if not self.ready:
            _schema.ensure(self.db, "status")
            self.ready = True
            _status_upkeep.start(self.db.settings)  # indexes and autoclean, in the background

    def _exact(self, select, params):
        """The row whose name (its last column) is exactly params[0]: MySQL's `=` also
        matches names differing in case, accents or trailing spaces."""
        for row in self.db._execute(select, params).fetchall():
            if to_text(row[-1]) == params[0]:
                return row
        return None

    def _select_or_insert(self, select, insert, params, what):
        refused = self.refused.get((what, params))
        if refused is not None:
            raise refused
        row = self._exact(select, params)
        if row is None:
            # No UNIQUE index in an original database: select first so we never duplicate;
            # INSERT IGNORE covers another process winning the race where the index exists.
            self.db._execute(insert, params)
            row = self._exact(select, params)
            if row is None:  # the unique index took it for a near-namesake: refuse
                others = [to_text(r[-1]) for r in self.db._execute(select, params).fetchall()]
                refused = self.refused[(what, params)] = DatabaseError(
                    "status %s %r clashes with existing %s in %s: the database does not tell "
                    "names apart that differ only in case, accents or trailing spaces; its "
                    "values are not stored" % (what, params[0], ", ".join(repr(o) for o in others),
                                               self.db.describe()))
                raise refused
        return row

    def channel(self, name):
        chanid = self.channels.get(name)
        if chanid is None:
            self._ensure()
            row = self._select_or_insert(
                "SELECT chanid, name FROM status_channel WHERE name=%s",
                "INSERT IGNORE INTO status_channel (name) VALUES (%s)", (name,), "channel")
            chanid = self.channels[name] = row[0]
        return chanid

    def param(self, key):
        ids = self.params.get(key)
        if ids is None:
            chanid = self.channel(key[0])
            row = self._select_or_insert(
                "SELECT paramid, name FROM status_parameter WHERE name=%s AND chanid=%s",
                "INSERT IGNORE INTO status_parameter (name, chanid) VALUES (%s, %s)",
                (key[1], chanid), "parameter")
            ids = self.params[key] = (row[0], chanid)
        return ids

    def param2d(self, key, sizex, sizey):
        ids = self.params2d.get(key)
        if ids is None:
            chanid = self.channel(key[0])
            row = self._select_or_insert(
                "SELECT paramid, sizex, sizey, name FROM status_parameter2d "
                "WHERE name=%s AND chanid=%s",
                "INSERT IGNORE INTO status_parameter2d (name, chanid) VALUES (%s, %s)",
                (key[1], chanid), "2-D parameter")
            ids = self.params2d[key] = [row[0], chanid, row[1] or 0, row[2] or 0]
        if sizex != ids[2] or sizey != ids[3]:  # new, or the grid grew
            self.db._execute("UPDATE status_parameter2d SET sizex=%s, sizey=%s WHERE paramid=%s",
                             (sizex, sizey, ids[0]))
            ids[2], ids[3] = sizex, sizey
        return ids


def _text(value):
    """``str(value)`` as text (producers hand over short immutable values as they are)."""
    return to_text(str(value)) if PY2 else str(value)


def _storable(text):
    """`text`, or where UTF-8 cannot hold it (lone surrogates: undecodable bytes) the same
    with visible backslash escapes, as the log does."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class _IdSink(Sink):
    """A sink whose rows reference cached ids: a foreign-key failure forgets them.

    The writer then stores the batch row by row, preparing each again with
    freshly resolved ids (MariaDB enforces the original's REFERENCES).
    """

    @classmethod
    def from_spool(cls, db, table, columns, name=None):
        """Rebuild to replay a spool a dead process left (the writer's Sink API)."""
        return cls(db, _Ids(db))

    def store(self, rows):
        try:
            return Sink.store(self, rows)
        except DatabaseError as e:
            if getattr(e, "errno", None) == _FOREIGN_KEY_FAILED:
                self.ids.forget()
            raise


class StatusSink(_IdSink):
    """Items ``(key, timestamp, value_or_text, expires)`` -> rows of ``status``."""

    def __init__(self, db, ids):
        _IdSink.__init__(self, db, "status", STATUS_COLUMNS, name="status")
        self.ids = ids

    def prepare(self, items):
        param = self.ids.param
        cache = self.ids.params
        rows = []
        for key, ts, value, expires in items:
            ids = cache.get(key) or param(key)
            text = value if type(value) is text_type else _text(value)
            if not PY2 and not text.isascii():
                text = _storable(text)
            rows.append((ts, ids[0], ids[1], text, expires))
        return rows


class Status2DSink(_IdSink):
    """Items ``(key, (sizex, sizey), timestamp, x, y, value, expires)`` -> rows of ``status2d``."""

    def __init__(self, db, ids):
        _IdSink.__init__(self, db, "status2d", STATUS2D_COLUMNS, name="status2d")
        self.ids = ids

    def prepare(self, items):
        rows = []
        for key, size, ts, x, y, value, expires in items:
            ids = self.ids.param2d(key, size[0], size[1])
            rows.append((ts, ids[0], ids[1], x, y, value, expires))
        return rows


class _State(object):
    """The writer and the sinks of this process (forgotten on reset and after fork)."""
    __slots__ = ("writer", "put", "status", "status2d")

    def __init__(self):
        writer = _runtime.writer()
        db = InternalDB.mysql("Status", service="status")
        ids = _Ids(db)
        self.writer = writer
        self.put = writer.put
        self.status = StatusSink(db, ids)
        self.status2d = Status2DSink(db, ids)
        _runtime.on_shutdown("status", self._drained, after_writer=True)

    def _drained(self):
        """After shutdown drained the writer (and closed our connection): a later change
        starts afresh, with the next writer."""
        global _state
        if _state is self:
            _state = None


_lock = threading.Lock()
_state = None
_AT_FORK = hasattr(os, "register_at_fork")
_pid = os.getpid()


def state():
    """The current writer and sinks (created on the first change, not at import)."""
    global _state, _pid
    s = _state
    if s is None or not _AT_FORK and _pid != os.getpid():
        with _lock:
            if not _AT_FORK and _pid != os.getpid():  # 2.7: no fork hook, check the pid
                _pid, _state = os.getpid(), None
            if _state is None:
                _state = _State()
            s = _state
    return s


def forget():
    """After fork: the next change builds a new writer connection and id cache."""
    global _state
    _state = None  # no lock: after fork a lock held by a vanished thread would hang us


def _reset():
    """API.reset: forget the state and close its connection (the writer has stopped)."""
    global _state
    s, _state = _state, None
    if s is not None:
        s.status.db.close()


_runtime.on_reset(_reset)
if _AT_FORK:
    os.register_at_fork(after_in_child=forget)

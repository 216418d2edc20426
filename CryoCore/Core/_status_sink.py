"""Where status changes go: two sinks of the shared writer (status, status2d).

Producers hand over small tuples; ``prepare`` runs in the writer thread,
creates the tables on first use and resolves channel/parameter ids through a
cache, so the caller never touches the database.
"""
from __future__ import absolute_import, division, print_function

import os
import threading

from . import InternalDB, _runtime, _status_upkeep
from ._compat import PY2, text_type, to_text
from ._exceptions import DatabaseError
from ._status_ids import STATUS2D_COLUMNS, STATUS_COLUMNS, _Ids, status2d_row, status_row
from ._writer import Sink

_FOREIGN_KEY_FAILED = 1452  # MySQL: "Cannot add or update a child row"


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


#: Bytes an item costs besides a text value (the writer's memory bound).
ITEM_BYTES = 72
_NOTHING = object()


class StatusSink(_IdSink):
    """Items ``(key, timestamp, value_or_text, expires)`` -> rows of ``status``.

    Producers append items to the writer's source deque for this sink (see
    ``StatusElement``); ``admit`` runs in the writer thread, in append order.
    """

    def __init__(self, db, ids):
        _IdSink.__init__(self, db, "status", STATUS_COLUMNS, name="status")
        self.ids = ids
        self._last = {}  # key -> value of its last admitted item (writer thread only)

    def admit(self, item):
        """The item's size, or None to drop it: a tuple item repeating its key's previous
        value (setters that raced without a lock each stored it; one row is kept).  A
        forced item (``force_update``: a list) is always kept."""
        key, value = item[0], item[2]
        if type(item) is tuple:
            prev = self._last.get(key, _NOTHING)
            if prev == value and type(prev) is type(value):
                return None
        self._last[key] = value
        return ITEM_BYTES + len(value) if type(value) is text_type else ITEM_BYTES

    def prepare(self, items):
        param = self.ids.param
        cache = self.ids.params
        rows = []
        for key, ts, value, expires in items:
            ids = cache.get(key) or param(key)
            text = value if type(value) is text_type else _text(value)
            if not PY2 and not text.isascii():
                text = _storable(text)
            rows.append(status_row(ts, ids, text, expires))
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
            rows.append(status2d_row(ts, ids, x, y, value, expires))
        return rows


class _State(object):
    """The writer and the sinks of this process (forgotten on reset and after fork)."""
    __slots__ = ("writer", "put", "append", "status", "status2d")

    def __init__(self):
        writer = _runtime.writer()
        db = InternalDB.mysql("Status", service="status")
        ids = _Ids(db, on_ready=_status_upkeep.start)  # indexes and autoclean, in the background
        self.writer = writer
        self.put = writer.put
        self.status = StatusSink(db, ids)
        self.status2d = Status2DSink(db, ids)
        #: status items go here (a deque's append: atomic, no lock, no accounting)
        self.append = writer.add_source(self.status).append
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

"""Connections for viewers: InternalDB's with ``create=False``, so they never create anything.

A MySQL database or SQLite file that does not exist raises ``NoSuchDatabase``
instead of being created, and a SQLite file is opened as it is (no switch to
WAL, which would change the file).  SQLite connections get ``REGEXP`` and, if
the library lacks it, ``FLOOR``, so the readers' SQL is the same on both backends.
"""
from __future__ import absolute_import, division, print_function

import math
import re
import sqlite3

from . import InternalDB
from ._compat import to_text
from ._exceptions import DatabaseError, NoSuchDatabase  # noqa: F401  (one class for all viewers)


def open_db(service, db_cfg=None, name=None):
    """A ``ReadOnlyDB`` on `service`'s settings ("status", "log"); `db_cfg` wins over them.

    Connects at once, so a missing database raises ``NoSuchDatabase`` here.
    """
    db = ReadOnlyDB(name or "Reader-" + service, config=db_cfg, service=service)
    with db._lock:
        db._connection()
    return db


class Reader(object):
    """What the readers share: a ``ReadOnlyDB`` on `SERVICE`, opened on first use."""

    SERVICE = None  # "status" or "log"

    def __init__(self, db_cfg=None, name=None):
        self._db_cfg = db_cfg
        self._name = name
        self._db = None

    @property
    def db(self):
        """The ``InternalDB`` connection (opened on first use; NoSuchDatabase if missing)."""
        if self._db is None:
            self._db = open_db(self.SERVICE, self._db_cfg, self._name)
        return self._db

    def close(self):
        """Close the connection (a later call reopens it)."""
        if self._db is not None:
            self._db.close()


def _regexp(pattern, value, _cache={}):
    """SQLite's ``value REGEXP pattern`` (as MySQL's: a search, NULL never matches)."""
    if value is None:
        return None
    compiled = _cache.get(pattern)
    if compiled is None:
        compiled = _cache[pattern] = re.compile(pattern)
    return 1 if compiled.search(to_text(value)) else 0


def _floor(x):
    return None if x is None else int(math.floor(x))


class ReadOnlyDB(InternalDB.mysql):
    """An ``InternalDB.mysql(create=False)`` whose SQLite connections know REGEXP and FLOOR."""

    def __init__(self, name, **kwargs):
        kwargs["create"] = False
        InternalDB.mysql.__init__(self, name, **kwargs)

    def _connect_sqlite(self):
        conn = InternalDB.mysql._connect_sqlite(self)
        try:
            conn.create_function("regexp", 2, _regexp)
            try:
                conn.execute("SELECT floor(1.5)")
            except sqlite3.OperationalError:  # built without the math functions
                conn.create_function("floor", 1, _floor)
        except sqlite3.Error as e:
            conn.close()
            err = DatabaseError("cannot open SQLite database %s: %s"
                                % (self.settings["db_path"], e))
            err.connection_error = True
            raise err
        return conn

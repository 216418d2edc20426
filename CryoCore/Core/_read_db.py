"""Connections for viewers: like InternalDB's, but they never create anything.

A MySQL database or SQLite file that does not exist raises ``NoSuchDatabase``
instead of being created, and a SQLite file is opened as it is (no switch to
WAL, which would change the file).  SQLite connections get ``REGEXP`` and, if
the library lacks it, ``FLOOR``, so the readers' SQL is the same on both backends.
"""
from __future__ import absolute_import, division, print_function

import math
import os
import re
import sqlite3

from . import InternalDB
from ._compat import PY2, one_line, to_text
from ._exceptions import DatabaseError, NoSuchDatabase  # noqa: F401  (one class for all viewers)

_UNKNOWN_DATABASE = 1049


def open_db(service, db_cfg=None, name=None):
    """A ``ReadOnlyDB`` on `service`'s settings ("status", "log"); `db_cfg` wins over them.

    Connects at once, so a missing database raises ``NoSuchDatabase`` here.
    """
    db = ReadOnlyDB(name or "Reader-" + service, config=db_cfg, service=service)
    with db._lock:
        db._connection()
    return db


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
    """An ``InternalDB.mysql`` that refuses, rather than creates, a missing database."""

    def _missing(self):
        err = NoSuchDatabase("no such database %s (viewers never create one)" % self.describe())
        err.connection_error = False
        return err

    def _connect_sqlite(self):
        path = self.settings["db_path"]
        if not os.path.isfile(path):
            raise self._missing()
        try:
            conn = sqlite3.connect(path, timeout=self.timeout, check_same_thread=False,
                                   isolation_level=None)
            conn.execute("PRAGMA busy_timeout=%d" % int(self.timeout * 1000))
            conn.create_function("regexp", 2, _regexp)
            try:
                conn.execute("SELECT floor(1.5)")
            except sqlite3.OperationalError:  # built without the math functions
                conn.create_function("floor", 1, _floor)
        except sqlite3.Error as e:
            err = DatabaseError("cannot open SQLite database %s: %s" % (path, e))
            err.connection_error = True
            raise err
        if PY2:  # pragma: no cover
            conn.text_factory = lambda b: b.decode("utf-8", "replace")
        return conn

    def _connect_mysql(self):
        try:
            import mysql.connector as driver
        except ImportError:
            raise DatabaseError("db_type is mysql but mysql-connector-python is not installed")
        try:
            return self._with_timeout(driver.connect(**self._mysql_args()))
        except driver.errors.Error as e:
            if getattr(e, "errno", None) == _UNKNOWN_DATABASE:
                raise self._missing()
            err = DatabaseError("cannot connect to %s: %s" % (self.describe(), one_line(e)))
            err.connection_error = True
            raise err

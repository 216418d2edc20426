"""Reading the log back: rows by time, level, logger, module and text; names; the top id.

``LogReader`` never creates or alters the database or the ``log`` table; a
database without the table gives empty results.
"""
from __future__ import absolute_import, division, print_function

import logging

from . import _read_db, _schema
from ._compat import integer_types, string_types, to_text
from ._read_db import NoSuchDatabase  # noqa: F401  (part of this module's API)
from ._status_reader import UnknownSource, native, source_id  # noqa: F401

_COLUMNS = "id, time, level, module, line, func, logger, message, msecs"
_LEVEL_NAMES = {"WARN": logging.WARNING, "FATAL": logging.CRITICAL}


def level_number(level):
    """A level as a number: an int, or a name like "info" (ValueError otherwise)."""
    if isinstance(level, integer_types) and not isinstance(level, bool):
        return level
    if isinstance(level, string_types):
        name = level.strip().upper()
        number = _LEVEL_NAMES.get(name, logging.getLevelName(name))
        if isinstance(number, integer_types):
            return number
        try:
            return int(name)
        except ValueError:
            pass
    raise ValueError("unknown log level %r: use a number or DEBUG, INFO, WARNING, ERROR, "
                     "CRITICAL" % (level,))


def _like(text):
    escaped = to_text(text).replace(u"|", u"||").replace(u"%", u"|%").replace(u"_", u"|_")
    return u"%" + escaped + u"%"


class LogReader(_read_db.Reader):
    """Read-only access to the log database (settings: log service, `db_cfg` wins)."""

    SERVICE = "log"

    def __init__(self, db_cfg=None, name="LogReader"):
        _read_db.Reader.__init__(self, db_cfg, name)
        self._table = False

    def has_table(self):
        """Whether the database holds the ``log`` table (checked until it appears)."""
        if not self._table:
            self._table = _schema.has_table(self.db, "log")
        return self._table

    def rows(self, since=None, until=None, level=None, loggers=None, modules=None, text=None,
             limit=None, after_id=None, source=None):
        """Log rows as dicts (id, time, level, levelname, module, line, func, logger,
        message, msecs), oldest first: since <= time < until, level >= `level`, of those
        loggers/modules, message containing `text`, id > after_id.  With `limit` and no
        `after_id`: the newest `limit` rows; with both: the first `limit` after it.
        `source`: only rows DbSync copied from that field source (UnknownSource if none)."""
        if not self.has_table():
            return []
        conds, args = [], []
        if source is not None:
            conds.append("cc_source = %s")
            args.append(source_id(self.db, source, "log"))
        for cond, value in (("time >= %s", since), ("time < %s", until), ("id > %s", after_id)):
            if value is not None:
                conds.append(cond)
                args.append(value)
        if level is not None:
            conds.append("level >= %s")
            args.append(level_number(level))
        for column, names in (("logger", loggers), ("module", modules)):
            if names is not None:
                names = [to_text(n) for n in names]
                if not names:
                    return []
                conds.append("%s IN (%s)" % (column, ",".join(["%s"] * len(names))))
                args.extend(names)
        if text is not None:
            conds.append("message LIKE %s ESCAPE '|'")
            args.append(_like(text))
        sql = "SELECT %s FROM log%s" % (_COLUMNS, " WHERE " + " AND ".join(conds) if conds else "")
        newest = limit is not None and after_id is None
        if limit is not None:
            sql += " ORDER BY id %s LIMIT %%s" % ("DESC" if newest else "ASC")
            args.append(int(limit))
        else:
            sql += " ORDER BY id"
        rows = self.db._execute(sql, args).fetchall()
        if newest:
            rows.reverse()
        return [_row(r) for r in rows]

    def max_id(self):
        """The highest log row id (0 when empty)."""
        if not self.has_table():
            return 0
        return self.db._execute("SELECT MAX(id) FROM log").fetchone()[0] or 0

    def loggers(self):
        """Sorted logger names."""
        return self._distinct("logger")

    def modules(self):
        """Sorted module names."""
        return self._distinct("module")

    def _distinct(self, column):
        if not self.has_table():
            return []
        names = self.db._execute("SELECT DISTINCT %s FROM log WHERE %s IS NOT NULL"
                                 % (column, column)).fetchall()
        return [native(n) for n in sorted(set(to_text(r[0]) for r in names))]


def _row(r):
    row_id, t, level, module, line, func, logger, message, msecs = r
    level = int(level) if level is not None else None
    return {"id": row_id, "time": t, "level": level,
            "levelname": logging.getLevelName(level) if level is not None else None,
            "module": native(module) if module is not None else None, "line": line,
            "func": native(func) if func is not None else None,
            "logger": native(logger) if logger is not None else None,
            "message": to_text(message), "msecs": msecs}

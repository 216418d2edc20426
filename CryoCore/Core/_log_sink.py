"""The ``log`` table as a sink of the background writer (runs in the writer thread).

Producers hand over ``(message, level, time, msecs, line, func, module,
logger)``; ``prepare`` creates the table on first use and fits each text to
what its column holds (the message in UTF-8 bytes, with a visible marker).
"""
from __future__ import absolute_import, division, print_function

from . import InternalDB, _schema
from ._compat import PY2, text_type, to_text
from ._exceptions import DatabaseError
from ._writer import Sink, is_connection_error

COLUMNS = ("message", "level", "time", "msecs", "line", "func", "module", "logger")
# What the original's columns hold: message TEXT (bytes), the names VARCHAR(255) (characters).
MESSAGE_BYTES = 65535
NAME_CHARS = 255
_MARKER = u" [... truncated from %d bytes]"
# Encoding errors: lone surrogates (undecodable file names) become visible escapes.
_ENCODE_ERRORS = "replace" if PY2 else "backslashreplace"


class LogSink(Sink):
    """Rows for ``log(message, level, time, msecs, line, func, module, logger)``."""

    def __init__(self, db):
        Sink.__init__(self, db, "log", COLUMNS, name="log")
        self._ready = False
        self.message_bytes = MESSAGE_BYTES
        self.name_chars = {"func": NAME_CHARS, "module": NAME_CHARS, "logger": NAME_CHARS}

    @classmethod
    def from_settings(cls):
        """The sink of the log settings (``override_log`` applies); connects lazily."""
        return cls(InternalDB.mysql("Log", service="log"))

    def _prepare_table(self):
        try:
            _schema.ensure(self.db, "log")
        except DatabaseError as e:
            # A user without CREATE rights on an existing database: fine if the table is there.
            if is_connection_error(e) or not _schema.has_table(self.db, "log"):
                raise
        if not self.db.is_sqlite:  # an existing database may have wider or narrower columns
            self._read_column_sizes()
        self._ready = True

    def _read_column_sizes(self):
        rows = self.db._execute(
            "SELECT COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH, CHARACTER_OCTET_LENGTH "
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "AND TABLE_NAME = 'log'").fetchall()
        for name, chars, octets in rows:
            name = to_text(name)
            if name == "message" and octets:  # TEXT counts bytes, VARCHAR characters:
                self.message_bytes = int(min(octets, chars or octets))  # bytes <= both
            elif name in self.name_chars and chars:
                self.name_chars[name] = int(chars)

    def prepare(self, items):
        if not self._ready:
            self._prepare_table()
        limit = self.message_bytes
        func_chars = self.name_chars["func"]
        module_chars = self.name_chars["module"]
        logger_chars = self.name_chars["logger"]
        rows = []
        for message, level, created, msecs, line, func, module, logger in items:
            rows.append((fit_message(message, limit), level, created, msecs, line,
                         _name(func, func_chars), _name(module, module_chars),
                         _name(logger, logger_chars)))
        return rows


def fit_message(message, limit=MESSAGE_BYTES):
    """`message` as valid text of at most `limit` UTF-8 bytes (truncated with a marker)."""
    if not isinstance(message, text_type):
        message = to_text(message)
    data = message.encode("utf-8", _ENCODE_ERRORS)
    if len(data) <= limit:
        if len(data) == len(message):  # pure ASCII: nothing to repair
            return message
        return data.decode("utf-8", "replace")
    marker = _MARKER % (len(data),)
    keep = max(0, limit - len(marker.encode("utf-8")))
    return data[:keep].decode("utf-8", "ignore") + marker


def _name(value, chars):
    if value is None:
        return None
    if not isinstance(value, text_type):
        value = to_text(value)
    value = value.encode("utf-8", _ENCODE_ERRORS).decode("utf-8", "replace")
    return value[:chars]

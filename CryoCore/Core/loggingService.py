"""Log service: ``logging.Logger``s whose records become rows of the ``log`` table.

``get_log(name)`` configures the standard logger of that name (level DEBUG,
not propagating) with one ``DbHandler``.  The handler only hands a small
tuple to the shared background writer (``_runtime.writer()``); the writer
creates the table, fits the text to the columns and inserts in batches.
Records at ERROR and above wake the writer at once.  No wrapper sits between
the caller and ``logging``, so each record keeps the caller's own module, line
and function, on every Python version.
"""
from __future__ import absolute_import, division, print_function

import logging
import threading

from . import _runtime
from ._compat import PY2, integer_types, string_types, to_text
from ._log_sink import LogSink

__all__ = ["get_log", "set_log_level", "getLoggingService", "DbHandler", "DEFAULT_LEVEL"]

DEFAULT_LEVEL = logging.DEBUG
# Rough bytes a queued record costs besides its message (for the writer's memory bound).
_RECORD_OVERHEAD = 200

_lock = threading.Lock()
_loggers = {}                    # name -> logger we configured
_state = {"level": DEFAULT_LEVEL, "sink": None}


def get_log(name, prefix=None):
    """The logger `name`, storing to the log database (see module doc).

    `prefix` (text, or a callable returning text) is prepended to every
    message; only the first request of a name decides it.
    """
    logger = _loggers.get(name)
    if logger is not None:
        return logger
    with _lock:
        logger = _loggers.get(name)
        if logger is None:
            logger = _configure(name, prefix)
            _loggers[name] = logger
    return logger


def getLoggingService(name):
    """Legacy alias of ``API.get_log``."""
    return get_log(name)


def set_log_level(level):
    """Set the level of every CryoCore logger, now and later (int or name like "INFO")."""
    level = _level_number(level)
    with _lock:
        _state["level"] = level
        loggers = list(_loggers.values())
    for logger in loggers:
        logger.setLevel(level)
    return level


def _level_number(level):
    if isinstance(level, bool):
        raise ValueError("log level must be a number or a level name, not %r" % (level,))
    if isinstance(level, integer_types):
        return int(level)
    if isinstance(level, string_types):
        text = level.strip().upper()
        if text.lstrip("-").isdigit():
            return int(text)
        number = logging.getLevelName(text)  # name -> number for known names
        if text == "WARN":
            return logging.WARNING
        if isinstance(number, integer_types):
            return number
    raise ValueError("unknown log level %r (use a number or one of DEBUG, INFO, WARNING, "
                     "ERROR, CRITICAL)" % (level,))


def _sink():
    """The process's one log sink (the database of the log settings)."""
    sink = _state["sink"]
    if sink is None:
        sink = _state["sink"] = LogSink.from_settings()
    return sink


def _configure(name, prefix):
    logger = logging.getLogger(name)
    logger.setLevel(_state["level"])
    logger.propagate = False
    _strip(logger)  # a leftover of ours (e.g. reset raced a request) must not double rows
    logger.addHandler(DbHandler(_sink()))
    if prefix is not None:
        logger.addFilter(_PrefixFilter(prefix))
    return logger


def _strip(logger):
    for handler in list(logger.handlers):
        if isinstance(handler, DbHandler):
            logger.removeHandler(handler)
    for f in list(logger.filters):
        if isinstance(f, _PrefixFilter):
            logger.removeFilter(f)


def _forget():
    """API.reset(): detach our handlers and prefixes (user handlers stay) and forget."""
    with _lock:
        loggers = list(_loggers.values())
        _loggers.clear()
        _state["sink"] = None
        _state["level"] = DEFAULT_LEVEL
    for logger in loggers:
        _strip(logger)


_runtime.on_reset(_forget)


class _PrefixFilter(logging.Filter):
    """Prepends the logger's prefix to each record's message.

    A filter runs after logging has found the caller, so it adds no stack
    frame; `%` in the prefix is escaped when the message has arguments.
    """

    def __init__(self, prefix):
        logging.Filter.__init__(self)
        self.prefix = prefix

    def filter(self, record):
        prefix = self.prefix
        if callable(prefix):
            try:
                prefix = prefix()
            except Exception as e:  # user code: never let it break the log call
                prefix = "<prefix failed: %s> " % (e,)
        prefix = to_text(prefix) if PY2 else str(prefix)
        msg = record.msg
        if not isinstance(msg, string_types):
            msg = str(msg)
        if PY2:
            msg = to_text(msg)
        if record.args:
            prefix = prefix.replace("%", "%%")
        record.msg = prefix + msg
        return True


class DbHandler(logging.Handler):
    """Hands each record to the background writer; never blocks, never raises."""

    def __init__(self, sink=None, level=logging.NOTSET):
        logging.Handler.__init__(self, level)
        self.sink = sink if sink is not None else _sink()

    def handle(self, record):
        # No handler lock: the writer's put() is a thread-safe deque append.
        if self.filters:
            rv = self.filter(record)
            if not rv:
                return rv
            if isinstance(rv, logging.LogRecord):  # 3.12+: a filter may replace the record
                record = rv
        self.emit(record)
        return True

    def emit(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a %-format mistake: logging's own report, and keep the record
            self.handleError(record)
            message = _unformatted(record)
        if record.exc_info or record.exc_text or getattr(record, "stack_info", None):
            message = self._with_traceback(record, message)
        level = record.levelno
        item = (message, level, record.created, record.msecs, record.lineno,
                record.funcName, record.module, record.name)
        try:
            _runtime.writer().put(self.sink, item, len(message) + _RECORD_OVERHEAD,
                                  level >= logging.ERROR)
        except Exception:  # put() does not raise; belt and braces for the caller
            self.handleError(record)

    def _with_traceback(self, record, message):
        """The message with the traceback and stack appended, as logging's Formatter does."""
        formatter = self.formatter or _FORMATTER
        if record.exc_info and not record.exc_text:
            record.exc_text = formatter.formatException(record.exc_info)
        parts = [to_text(message)]
        if record.exc_text:
            parts.append(to_text(record.exc_text))
        stack = getattr(record, "stack_info", None)
        if stack:
            parts.append(to_text(formatter.formatStack(stack)))
        return u"\n".join(parts)


_FORMATTER = logging.Formatter()


def _unformatted(record):
    """Text for a record whose message and arguments do not fit together."""
    try:
        return u"%s %% %r" % (to_text(record.msg), record.args)
    except Exception:  # even repr failed: keep what is certain
        return u"%s %% <unprintable arguments>" % (to_text(record.msg),)

"""The log service (facade: ``loggingService``): loggers whose records become ``log`` rows.

``get_log(name)`` configures logging's logger of that name (level DEBUG, not
propagating) with one ``DbHandler``, which only hands a small tuple to the
shared background writer (``_runtime.writer()``); the writer creates the table,
fits the text to the columns and inserts in batches.  Records at ERROR and
above wake the writer at once.

Each row keeps the caller's own module, line and function: the prefix is a
logger filter (it runs after logging found the caller), and on Python 3 a new
logger is a ``_FastLogger``, whose plain calls go straight to the writer
without building a LogRecord and whose ``findCaller`` skips this module's
frames when it hands a call to logging's own path.
"""
from __future__ import absolute_import, division, print_function

import io
import logging
import os
import sys
import threading
import time
import traceback

try:
    from collections.abc import Mapping
except ImportError:  # Python 2.7
    from collections import Mapping

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
    logger = _get_logger(name)
    _strip(logger)  # a leftover of ours (e.g. reset raced a request) must not double rows
    logger.setLevel(_state["level"])
    logger.propagate = False
    logger.addHandler(DbHandler(_sink()))
    if prefix is not None:
        logger.addFilter(_PrefixFilter(prefix))
    return logger


def _get_logger(name):
    """logging's logger `name`; a new one is a _FastLogger unless the program chose a class."""
    manager = logging.Logger.manager
    lock = getattr(logging, "_lock", None)
    if not _fast_path_ok() or lock is None or manager.loggerClass is not None or \
            logging.getLoggerClass() is not logging.Logger:
        return logging.getLogger(name)
    with lock:  # logging's own (reentrant) lock: no other logger is made meanwhile
        manager.loggerClass = _FastLogger
        try:
            return logging.getLogger(name)
        finally:
            manager.loggerClass = None


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
        prefix = _prefix_now(self.prefix)
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


def _prefix_now(prefix):
    """The prefix to prepend now: a callable prefix is called (a failure becomes the text)."""
    if callable(prefix):
        try:
            return prefix()
        except Exception as e:  # user code: never let it break the log call
            return "<prefix failed: %s> " % (e,)
    return prefix


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
        try:
            hand_over(self.sink, message, record.levelno, record.created, record.msecs,
                      record.lineno, record.funcName, record.module, record.name)
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


def hand_over(sink, message, level, created, msecs, line, func, module, logger):
    """Give one log row to the background writer (the one place a log item is built:
    the order is ``_log_sink.COLUMNS``); ERROR and above wake the writer at once."""
    _runtime.writer().put(sink, (message, level, created, msecs, line, func, module, logger),
                          len(message) + _RECORD_OVERHEAD, level >= logging.ERROR)


class _FastLogger(logging.Logger):
    """A ``logging.Logger`` whose plain calls skip building a LogRecord.

    The short path is taken only when our handler is the logger's one
    listener (no other handler or filter but our prefix, no propagation,
    exc_info, extra, stack_info or stacklevel): the caller's frame is found
    by logging's rules and the row goes straight to the writer.  Anything
    else, and any message that does not format, takes logging's own path.
    """

    def _log(self, level, msg, args, exc_info=None, extra=None, **kwargs):
        handlers = self.handlers
        if (exc_info or extra is not None or kwargs or self.propagate or len(handlers) != 1
                or type(handlers[0]) is not DbHandler or self.disabled):
            return self._standard(level, msg, args, exc_info, extra, kwargs)
        handler = handlers[0]
        prefix = None
        if self.filters:
            if len(self.filters) != 1 or type(self.filters[0]) is not _PrefixFilter:
                return self._standard(level, msg, args, exc_info, extra, kwargs)
            prefix = self.filters[0].prefix
        if level < handler.level or handler.filters:
            return self._standard(level, msg, args, exc_info, extra, kwargs)
        try:
            message = str(msg)
            if args:  # as LogRecord: a lone non-empty mapping is the argument
                one = args[0] if len(args) == 1 else None
                message = message % (one if isinstance(one, Mapping) and one else args)
        except Exception:  # logging's own error report and record (outside this handler)
            message = None
        if message is None:
            return self._standard(level, msg, args, exc_info, extra, kwargs)
        if prefix is not None:
            message = str(_prefix_now(prefix)) + message
        frame = sys._getframe(1)
        while _internal(frame.f_code.co_filename) and frame.f_back is not None:
            frame = frame.f_back
        code = frame.f_code
        module = _MODULES.get(code.co_filename)
        if module is None:
            module = _MODULES[code.co_filename] = _module_name(code.co_filename)
        created = time.time()
        hand_over(handler.sink, message, level, created,
                  int((created - int(created)) * 1000) + 0.0, frame.f_lineno, code.co_name,
                  module, self.name)

    def _standard(self, level, msg, args, exc_info, extra, kwargs):
        """logging's own path (our findCaller skips this module's frames)."""
        return logging.Logger._log(self, level, msg, args, exc_info, extra, **kwargs)

    def findCaller(self, stack_info=False, stacklevel=1):
        """The caller's (file, line, function, stack): Python 3.11's rules on every 3.x,
        skipping logging's frames and this module's."""
        frame = sys._getframe(1)
        while stacklevel > 0:
            back = frame.f_back
            if back is None:
                break
            frame = back
            if not _internal(frame.f_code.co_filename):
                stacklevel -= 1
        code = frame.f_code
        sinfo = None
        if stack_info:
            out = io.StringIO()
            out.write(u"Stack (most recent call last):\n")
            traceback.print_stack(frame, file=out)
            sinfo = out.getvalue().rstrip(u"\n")
        return code.co_filename, frame.f_lineno, code.co_name, sinfo




def _internal(path):
    return path == _SRCFILE or path == _OWNFILE or ("importlib" in path and "_bootstrap" in path)


def _module_name(path):
    return os.path.splitext(os.path.basename(path))[0]


def _fast_path_ok():
    """Whether logging's own path, entered through _FastLogger, still finds our caller.

    Checked once per process: a future logging whose stacklevel counts
    frames differently just gets plain loggers.
    """
    if _probe["ok"] is None:
        _probe["ok"] = _FAST and _probe_caller()
    return _probe["ok"]


def _probe_caller():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    probe = _FastLogger("CryoCore.probe")
    probe.propagate = False
    probe.addHandler(Keep())
    space = {}
    exec(compile("def user(log):\n    log.info('probe')\n", "<probe>", "exec"), space)
    space["user"](probe)  # logging's own path: another handler than ours listens
    return [(r.lineno, r.funcName, r.module) for r in records] == [(2, "user", "<probe>")]


_probe = {"ok": None}
_OWNFILE = _module_name.__code__.co_filename
_MODULES = {}  # code file name -> module name, as LogRecord computes it
_SRCFILE = getattr(logging, "_srcfile", None)
# Python 3 only: 2.7's LogRecord and message rules differ, it takes logging's own path.
_FAST = not PY2 and _SRCFILE is not None


def _unformatted(record):
    """Text for a record whose message and arguments do not fit together."""
    try:
        return u"%s %% %r" % (to_text(record.msg), record.args)
    except Exception:  # even repr failed: keep what is certain
        return u"%s %% <unprintable arguments>" % (to_text(record.msg),)

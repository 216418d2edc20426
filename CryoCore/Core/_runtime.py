"""Process-wide state behind the API: the stop event, the shared writer, shutdown order."""
from __future__ import absolute_import, division, print_function

import atexit
import os
import threading

from . import _settings
from ._writer import DEFAULT_MAX_BYTES, BackgroundWriter

_EventBase = getattr(threading, "_Event", None) or threading.Event  # 2.7: Event is a factory


class StopEvent(_EventBase):
    """``threading.Event`` that also answers the original's ``isSet()``."""

    def isSet(self):
        return self.is_set()


api_stop_event = StopEvent()

_lock = threading.RLock()
_writer = None
_stoppers = []   # (name, fn) in creation order; shutdown runs them in reverse
_resetters = []  # fn() that forget a service's cached objects
_pid = os.getpid()


def writer():
    """The process's one background writer (created on first use)."""
    global _writer
    w = _writer
    if w is not None and _pid == os.getpid():
        return w
    with _lock:
        _check_fork()
        if _writer is None:
            settings = _settings.get_settings()
            _writer = BackgroundWriter(max_bytes=int(settings.get("writer_max_bytes")
                                                     or DEFAULT_MAX_BYTES))
        return _writer


def _check_fork():
    """After fork the parent's threads are gone: start afresh in the child."""
    global _pid, _writer
    if _pid != os.getpid():
        _pid = os.getpid()
        _writer = None


def on_shutdown(name, fn):
    """Register `fn()` to run at shutdown (services stop before the writer drains)."""
    with _lock:
        _stoppers.append((name, fn))


def on_reset(fn):
    """Register `fn()` that forgets cached objects when the API is reset."""
    with _lock:
        if fn not in _resetters:
            _resetters.append(fn)


_shutdown_lock = threading.Lock()


def shutdown(grace=None):
    """Stop services (reverse creation order), drain the writer, set the stop event."""
    with _shutdown_lock:
        api_stop_event.set()
        with _lock:
            stoppers = list(reversed(_stoppers))
            del _stoppers[:]
        for name, fn in stoppers:
            try:
                fn()
            except Exception as e:  # one service failing must not stop the others draining
                from .InternalDB import report
                report("shutdown of %s failed: %s" % (name, e))
        w = _writer
        if w is not None:
            w.stop(grace)


def reset(grace=None):
    """Shut down, forget every cached object, clear the stop event: usable again."""
    global _writer
    shutdown(grace)
    with _lock:
        _check_fork()
        _writer = None
        resetters = list(_resetters)
    for fn in resetters:
        fn()
    _settings.clear_explicit()
    api_stop_event.clear()


def _at_exit():
    from .. import API
    API.shutdown()


atexit.register(_at_exit)

"""Process-wide state behind the API: the stop event, the shared writer, shutdown order."""
from __future__ import absolute_import, division, print_function

import atexit
import os
import threading

from . import _settings
from . import _spool
from ._writer import (DEFAULT_INTERVAL, DEFAULT_MAX_BYTES, DEFAULT_SPOOL_MAX_BYTES, MAX_BACKOFF,
                      BackgroundWriter)

_EventBase = getattr(threading, "_Event", None) or threading.Event  # 2.7: Event is a factory


class StopEvent(_EventBase):
    """``threading.Event`` that also answers the original's ``isSet()``."""

    def isSet(self):
        return self.is_set()


api_stop_event = StopEvent()

_lock = threading.RLock()
_writer = None
_stoppers = []   # (name, fn) in creation order; shutdown runs them in reverse
_after_writer = []  # (name, fn) run once the writer has drained (close sinks' connections)
_resetters = []  # fn() that forget a service's cached objects
_pid = os.getpid()

#: The values a program may change as attributes of ``API`` (the original's names), with
#: their defaults.  ``API`` hands itself over with ``read_settable_from``: Core never
#: imports ``API``.
SETTABLE = {"cc_default_expire_time": None, "queue_timeout": 0.5, "shutdown_grace_period": 5.0}
_settable_source = None


def read_settable_from(namespace):
    """Read the SETTABLE values as attributes of `namespace` (the API module) from now on."""
    global _settable_source
    _settable_source = namespace


def settable(name):
    """The current value of the SETTABLE value `name`."""
    return getattr(_settable_source, name, SETTABLE[name])


def writer():
    """The process's one background writer (created on first use)."""
    global _writer
    w = _writer
    if w is not None and _pid == os.getpid():
        return w
    with _lock:
        _check_fork()
        if _writer is None:
            _writer = _make_writer(_settings.get_settings())
            _writer.start_replay()  # spools left by dead processes: stored in the background
        return _writer


def _make_writer(settings):
    """The writer as the settings say (keys documented in the README)."""
    from ._health import StatusChannel

    def number(key, default):
        value = settings.get(key)
        return default if value is None else float(value)

    return BackgroundWriter(
        max_bytes=int(number("writer_max_bytes", DEFAULT_MAX_BYTES)),
        interval=number("writer_interval", DEFAULT_INTERVAL),
        spool_dir=_spool.configured_dir(settings),
        spool_max_bytes=int(number("spool_max_bytes", DEFAULT_SPOOL_MAX_BYTES)),
        retry_max=number("writer_retry_max", MAX_BACKOFF),
        health_reporter=StatusChannel())


def flush(timeout=None):
    """Wait until every status and log row handed over so far is stored.

    True when they are; False on timeout, or when they went to the spool instead
    (the database is away).  Without a writer nothing is waiting: True.
    """
    w = _writer
    if w is None or _pid != os.getpid():
        return True
    return w.flush(timeout)


def replay_spools(rescan=False):
    """Start storing spools that dead processes left (tools call this at start-up; with
    `rescan` once more after their --db_* flags changed the settings).

    Runs in the writer's background threads; ``shutdown()`` gives it at most
    ``API.shutdown_grace_period`` seconds, and what is left waits for the next program.
    """
    w = writer()
    if rescan:
        w.rescan_spools()


def _check_fork():
    """After fork the parent's threads are gone: start afresh in the child, which never
    drains the parent's writer nor runs the parent's shutdown steps."""
    global _pid, _writer
    if _pid != os.getpid():
        _pid = os.getpid()
        _writer = None
        del _retiring[:]
        for registry in (_stoppers, _after_writer):
            registry[:] = [s for s in registry if s[2] == _pid]


def on_shutdown(name, fn, after_writer=False):
    """Register `fn()` for the next shutdown: services stop before the writer drains;
    with `after_writer`, `fn` runs once it has drained and closed its sinks' connections."""
    with _lock:
        (_after_writer if after_writer else _stoppers).append((name, fn, os.getpid()))


def on_reset(fn):
    """Register `fn()` that forgets cached objects when the API is reset."""
    with _lock:
        if fn not in _resetters:
            _resetters.append(fn)


_shutdown_lock = threading.Lock()


def shutdown(grace=None):
    """Stop services (reverse creation order), drain the writer, set the stop event."""
    global _writer
    with _shutdown_lock:
        api_stop_event.set()
        with _lock:
            _check_fork()
        _run_stoppers(_stoppers)
        w = _writer
        if w is not None:
            w.stop(grace)
            w.close_connections()
            _retiring.append(w)
            with _lock:  # rows handed over after shutdown go to a new writer (drained at exit)
                if _writer is w:
                    _writer = None
        _run_stoppers(_after_writer)


def _run_stoppers(registry):
    with _lock:
        stoppers = list(reversed(registry))
        del registry[:]
    for name, fn, pid in stoppers:
        if pid != os.getpid():  # registered by the parent before a fork: not ours
            continue
        try:
            fn()
        except Exception as e:  # one service failing must not stop the others draining
            from .InternalDB import report
            report("shutdown of %s failed: %s" % (name, e))


_retiring = []       # writers shut down in this process whose store thread may still run
RELEASE_WAIT = 5.0   # at most this long, in reset(), for such a thread to release its spools


def reset(grace=None):
    """Shut down, forget every cached object, clear the stop event: usable again."""
    global _writer
    shutdown(grace)
    with _lock:
        _check_fork()
        _writer = None
        retiring = list(_retiring)
        del _retiring[:]
        resetters = list(_resetters)
    for w in retiring:  # a store thread still in a database call holds its spools locked:
        w.wait_released(RELEASE_WAIT)  # let go of them, so the next writer can replay them
    for fn in resetters:
        fn()
    _settings.clear_explicit()
    api_stop_event.clear()


def _at_exit():
    shutdown(settable("shutdown_grace_period"))


atexit.register(_at_exit)


def _after_fork_in_child():
    """A lock a parent's thread held at fork time would never be released here."""
    global _lock, _shutdown_lock
    _lock, _shutdown_lock = threading.RLock(), threading.Lock()
    _check_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

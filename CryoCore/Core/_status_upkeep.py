"""Upkeep of the status tables by a program that stores status, in a background thread.

- The indexes readers need, added online: ``status_param_time`` on
  ``status(paramid, timestamp)`` (history), the original's ``stat_exp`` on
  ``status(expires)`` and ``stat2d_exp`` on ``status2d(expires)`` (autoclean).
  MariaDB/MySQL builds them in place without locking writers
  (``ALGORITHM=INPLACE, LOCK=NONE``) and never rewrites the table: a server that
  cannot is reported once and left as it is (readers still work, slower).
- Autoclean, as the original: rows of ``status`` and ``status2d`` whose ``expires``
  has passed are deleted in batches of CLEAN_BATCH rows, FIRST_CLEAN seconds after
  the start and every CLEAN_INTERVAL seconds after, unless the config parameter
  ``System.Status.MySQL.autoclean`` is false (unset means true; it is read, never
  created, and only when there is something to delete).

The status sink starts it once it has made sure of the tables; it never delays a
program's start or its writes, and shutdown stops it.
"""
from __future__ import absolute_import, division, print_function

import os
import threading
import time

from . import InternalDB, _runtime, _schema
from ._compat import string_types, to_text
from ._exceptions import DatabaseError, is_connection_error

INDEXES = (("status", "status_param_time", "paramid, timestamp"),
           ("status", "stat_exp", "expires"),
           ("status2d", "stat2d_exp", "expires"))
FIRST_CLEAN = 3.0       # seconds after the start (the issue: within 10 s)
CLEAN_INTERVAL = 300.0  # seconds between cleans
CLEAN_BATCH = 1000      # rows per DELETE: a writer never waits long behind one
BATCH_PAUSE = 0.05      # seconds between batches
_ONLINE = ", ALGORITHM=INPLACE, LOCK=NONE"

#: ``() -> value`` of config System.Status.MySQL.autoclean (None when unset); the API wires
#: it (this private module may not import the Config facade).  None here: autoclean is on.
autoclean_setting = None


def enabled(value):
    """Whether a setting value means "clean" (unset: yes; false/0/no/off: no)."""
    if value is None:
        return True
    if isinstance(value, (bytes,) + string_types):
        return to_text(value).strip().lower() not in ("false", "0", "no", "off")
    return bool(value)


class Upkeep(object):
    """The upkeep thread of one status database (`settings`: its effective settings)."""

    def __init__(self, settings, clock=time.time):
        self.settings = dict(settings)
        self._clock = clock
        self._stop = threading.Event()
        self._reported = set()
        self.indexed = False
        self.cleaned = 0  # rows deleted so far (for tests and the curious)
        self._thread = threading.Thread(target=self._run, name="CryoCore-status-upkeep")
        self._thread.daemon = True

    def start(self):
        self._thread.start()

    def stop(self, timeout=5.0):
        """Stop after the current statement (an index build on a big table runs on)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self):
        db = InternalDB.mysql("Status-upkeep", config=self.settings)
        try:
            next_clean = self._clock() + FIRST_CLEAN
            while not self._stop.is_set():
                if not self.indexed:
                    failure = self._step("add the history and expiry indexes", self.add_indexes)
                    if failure is not None and not is_connection_error(failure):
                        self.indexed = True  # refused (rights, engine): not again in this run
                if self._clock() >= next_clean:
                    self._step("autoclean expired status rows", self.clean, db)
                    next_clean = self._clock() + CLEAN_INTERVAL
                wait = next_clean - self._clock()
                if not self.indexed:
                    wait = min(wait, FIRST_CLEAN * 10)  # retry the indexes now and then
                self._stop.wait(max(0.0, wait))
        finally:
            db.close()

    def _step(self, what, fn, *args):
        """Run `fn`; a failure is reported (once per kind) and returned, never raised."""
        try:
            fn(*args)
        except Exception as e:  # never kill the thread; say it once per kind of failure
            key = (what, type(e).__name__, is_connection_error(e))
            if key not in self._reported:
                self._reported.add(key)
                InternalDB.report("status upkeep: cannot %s in %s: %s"
                                  % (what, _describe(self.settings), e))
            return e
        return None

    # -- indexes ------------------------------------------------------------
    def add_indexes(self):
        """Add the missing indexes (online; a server that cannot is left as it is)."""
        slow = InternalDB.mysql("Status-upkeep-index", config=dict(
            self.settings, db_timeout=_schema.MIGRATION_TIMEOUT))
        try:
            for table, name, columns in INDEXES:
                if self._stop.is_set():
                    return
                if not _schema.has_table(slow, table) or has_index(slow, table, name):
                    continue
                if slow.is_sqlite:
                    slow._execute("CREATE INDEX IF NOT EXISTS %s ON %s(%s)"
                                  % (name, table, columns))
                else:
                    _add_online(slow, table, name, columns)
            self.indexed = True
        finally:
            slow.close()

    # -- autoclean ------------------------------------------------------------
    def clean(self, db):
        """Delete expired rows in batches, if autoclean is on; returns how many."""
        now = self._clock()
        tables = [t for t in ("status", "status2d") if _schema.has_table(db, t)]
        batches = dict((t, _expired(db, t, now)) for t in tables)
        if not any(batches.values()) or not self._autoclean_on():
            return 0
        deleted = 0
        for table in tables:
            ids = batches[table]
            while ids and not self._stop.is_set():
                db._execute("DELETE FROM %s WHERE id IN (%s)"
                            % (table, ",".join(["%s"] * len(ids))), ids)
                deleted += len(ids)
                if len(ids) < CLEAN_BATCH:
                    break
                self._stop.wait(BATCH_PAUSE)
                ids = _expired(db, table, now)
        self.cleaned += deleted
        return deleted

    def _autoclean_on(self):
        reader = autoclean_setting
        return enabled(reader() if reader is not None else None)


def _expired(db, table, now):
    rows = db._execute("SELECT id FROM %s WHERE expires < %%s LIMIT %%s" % table,
                       (now, CLEAN_BATCH)).fetchall()
    return [r[0] for r in rows]


def has_index(db, table, name):
    """Whether `table` has an index called `name`."""
    if db.is_sqlite:
        return bool(db._execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %s",
                                (name,)).fetchall())
    return bool(db._execute("SHOW INDEX FROM %s WHERE Key_name = %%s" % table, (name,)).fetchall())


def _add_online(db, table, name, columns):
    """ALTER TABLE ... ADD INDEX in place without blocking writers, or not at all."""
    try:
        db._execute("ALTER TABLE %s ADD INDEX %s (%s)%s" % (table, name, columns, _ONLINE))
    except DatabaseError as e:
        if getattr(e, "errno", None) == 1061:  # another program added it meanwhile
            return
        if getattr(e, "errno", None) in _schema._ALGORITHM_REFUSED:
            raise DatabaseError("the server cannot add index %s to %s online (%s); readers "
                                "work without it, slower" % (name, table, e))
        raise


def _describe(settings):
    from ._settings import describe
    return describe(settings)


# -- one upkeep per database per process ----------------------------------------------
_lock = threading.Lock()
_running = {}  # description of the database -> Upkeep
_pid = [os.getpid()]


def start(settings):
    """Start the upkeep of the status database `settings` names (once per process)."""
    if _runtime.api_stop_event.is_set():  # shutting down (or shut down): nothing new
        return None
    key = _describe(settings)
    with _lock:
        if _pid[0] != os.getpid():  # forked: the parent's threads are not ours
            _pid[0] = os.getpid()
            _running.clear()
        upkeep = _running.get(key)
        if upkeep is None:
            if not _running:
                _runtime.on_shutdown("status upkeep", stop_all, after_writer=True)
            upkeep = _running[key] = Upkeep(settings)
            upkeep.start()
    return upkeep


def stop_all(timeout=5.0):
    """Stop every upkeep thread of this process (shutdown)."""
    with _lock:
        running = list(_running.values())
        _running.clear()
    for upkeep in running:
        upkeep.stop(timeout)

"""The background writer that Status and Log share (style example 4).

Producers only append to a deque; one daemon thread drains it, batching a
multi-row INSERT per table at least every `interval` seconds.  ``flush()``
waits until everything handed over before it is stored; ``stop()`` drains and
joins.  Memory is bounded by an estimate in bytes; what cannot be kept is
counted and reported on stderr, never raised into the caller and never logged
through the database logger.
"""
from __future__ import absolute_import, division, print_function

import collections
import threading
import time

from .InternalDB import report
from ._exceptions import DatabaseError

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_INTERVAL = 0.5
MAX_BACKOFF = 5.0


class Sink(object):
    """A table the writer inserts into.

    `db` is the sink's own InternalDB (status and log may live in different
    databases).  Subclasses override ``prepare(items)`` to turn what producers
    handed over into row tuples; it runs in the writer thread, so it may query
    the database (and must be safe to call again after a failure).
    """

    def __init__(self, db, table, columns, name=None):
        self.db = db
        self.table = table
        self.columns = tuple(columns)
        self.name = name or table

    def prepare(self, items):
        return items

    def store(self, rows):
        """Insert `rows` in multi-row statements."""
        return self.db._insert_many(self.table, self.columns, rows)


class _Marker(object):
    """Put in the queue by flush(); set once everything before it is stored."""
    __slots__ = ("event",)

    def __init__(self):
        self.event = threading.Event()


def is_connection_error(e):
    """Whether `e` means "database unreachable" (retry later) rather than a bad row."""
    return bool(getattr(e, "connection_error", False))


class BackgroundWriter(object):
    """One daemon thread that stores what producers enqueue (see module doc)."""

    def __init__(self, max_bytes=DEFAULT_MAX_BYTES, interval=DEFAULT_INTERVAL,
                 name="CryoCore-writer", clock=time.time):
        self.max_bytes = max_bytes
        self.interval = interval
        self.name = name
        self._clock = clock
        self._queue = collections.deque()
        self._wake = threading.Event()
        self._stopping = False
        self._thread = None
        self._start_lock = threading.Lock()
        self._in_bytes = 0    # producers add (approximate under contention: never too high)
        self._out_bytes = 0   # the writer adds what left memory
        self._pending = collections.OrderedDict()  # sink -> [(item, size)] awaiting the DB
        self._waiting_markers = []
        self._retry_at = 0.0
        self._backoff = DEFAULT_INTERVAL
        self.stored = 0
        self.dropped = 0
        self.failed = 0
        self.last_error = None
        self._reported_drop = 0
        self._stop_deadline = None

    # -- producer side (never blocks, never raises) ------------------------
    def put(self, sink, item, size=64, urgent=False):
        """Hand `item` to `sink`; `urgent` wakes the writer now (log ERROR)."""
        if self._in_bytes - self._out_bytes > self.max_bytes or self._stopping and \
                self._thread is None:
            self.dropped += 1
            return False
        self._in_bytes += size
        self._queue.append((sink, item, size))
        if self._thread is None:
            self._start()
        if urgent:
            self._wake.set()
        return True

    def queued_bytes(self):
        return max(0, self._in_bytes - self._out_bytes)

    def stats(self):
        """Counters: queued rows, stored, dropped, failed (bad rows), last error."""
        pending = sum(len(v) for v in self._pending.values())
        return {"queued": len(self._queue) + pending, "stored": self.stored,
                "dropped": self.dropped, "failed": self.failed, "last_error": self.last_error,
                "queued_bytes": self.queued_bytes()}

    def flush(self, timeout=None):
        """Wait until everything handed over before this call is stored.

        Returns False if `timeout` passed first (e.g. the database is down).
        """
        if self._thread is None and not self._queue:
            return True
        marker = _Marker()
        self._queue.append((None, marker, 0))
        if self._thread is None:
            self._start()
        self._wake.set()
        return marker.event.wait(timeout)

    def stop(self, timeout=None):
        """Drain and join the thread (at most `timeout` s); safe to call twice."""
        self._stopping = True
        thread = self._thread
        if thread is None:
            if self._queue:  # never started: store in this thread
                self._drain(final=True, deadline=self._deadline(timeout))
            return
        self._stop_deadline = self._deadline(timeout)
        self._wake.set()
        thread.join(timeout)
        if thread.is_alive():  # stuck on an unresponsive database: count what is left
            self.dropped += len(self._queue) + sum(len(v) for v in self._pending.values())
        self._report_loss()

    def _deadline(self, timeout):
        return None if timeout is None else time.time() + timeout

    # -- writer side ------------------------------------------------------
    def _start(self):
        with self._start_lock:
            if self._thread is not None:
                return
            self._stop_deadline = None
            t = threading.Thread(target=self._run, name=self.name)
            t.daemon = True
            self._thread = t
            t.start()

    def _run(self):
        while True:
            self._wake.wait(0.05 if self._stopping else self.interval)
            self._wake.clear()
            try:
                self._drain(final=self._stopping, deadline=self._stop_deadline)
            except Exception as e:  # the writer must never die: report and go on
                self.last_error = str(e)
                report("writer error: %s" % e)
            if self._stopping and not self._queue and (not self._pending or self._expired()):
                self._give_up_pending()
                return

    def _expired(self):
        return self._stop_deadline is not None and time.time() >= self._stop_deadline

    def _drain(self, final=False, deadline=None):
        """Move the queue into per-sink pending lists, then store what we can."""
        popleft, queue = self._queue.popleft, self._queue
        while queue:
            sink, item, size = popleft()
            if sink is None:
                self._waiting_markers.append(item)
                continue
            self._pending.setdefault(sink, []).append((item, size))
        if self._pending and (final or time.time() >= self._retry_at):
            self._store_pending(final)
        if not self._pending:
            for marker in self._waiting_markers:
                marker.event.set()
            self._waiting_markers = []

    def _store_pending(self, final):
        for sink in list(self._pending):
            entries = self._pending[sink]
            try:
                self._store(sink, entries)
            except DatabaseError as e:
                if not is_connection_error(e):
                    raise
                self._note_error("%s unreachable, will retry: %s" % (sink.db.describe(), e))
                self._retry_at = time.time() + self._backoff
                self._backoff = min(MAX_BACKOFF, self._backoff * 2)
                if final and not self._expired():
                    time.sleep(min(0.2, self._backoff))
                return
            del self._pending[sink]
        self._backoff = self.interval
        self._retry_at = 0.0

    def _store(self, sink, entries):
        items = [item for item, _ in entries]
        size = sum(s for _, s in entries)
        try:
            rows = sink.prepare(items)
            sink.store(rows)
        except DatabaseError as e:
            if is_connection_error(e):
                raise
            self._store_one_by_one(sink, items)
        self.stored += len(items)
        self._out_bytes += size

    def _store_one_by_one(self, sink, items):
        """A bad row must not take its batch down: isolate it, count it, report it."""
        for item in items:
            try:
                sink.store(sink.prepare([item]))
            except DatabaseError as e:
                if is_connection_error(e):
                    raise
                self.failed += 1
                self.stored -= 1
                self._note_error("dropped a row for %s: %s" % (sink.name, e))

    def _note_error(self, message):
        if message != self.last_error:
            report(message)
        self.last_error = message

    def _give_up_pending(self):
        lost = sum(len(v) for v in self._pending.values())
        if lost:
            self.dropped += lost
            self._pending.clear()
        for marker in self._waiting_markers:
            marker.event.set()
        self._waiting_markers = []

    def _report_loss(self):
        if self.dropped > self._reported_drop:
            report("%d status/log rows could not be stored (last error: %s)"
                   % (self.dropped - self._reported_drop, self.last_error))
            self._reported_drop = self.dropped

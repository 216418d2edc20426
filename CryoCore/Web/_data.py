"""What the web server reads, through the reading layer only (no SQL here).

Every method is synchronous and runs in a worker thread (the app calls them with
``anyio.to_thread``).  Readers come from one small pool per service; a database
that does not exist yet reads as empty ("no data yet") and is looked for again on
the next call, so the server picks data up when a writer creates it.
"""
from __future__ import absolute_import, division, print_function

import contextlib
import math
import threading

from CryoCore.Core._exceptions import DatabaseError
from CryoCore.Core._log_reader import LogReader
from CryoCore.Core._read_db import NoSuchDatabase
from CryoCore.Core._status_reader import StatusReader, UnknownParameter

POOL_SIZE = 3           # reader connections per service (the server's one reader pool)
MAX_LOG_ROWS = 10000    # most log rows one request returns


class NotFound(LookupError):
    """An unknown channel, parameter, version or config path (HTTP 404)."""


class _Pool(object):
    """Up to `size` readers of one kind, lent to one thread at a time."""

    def __init__(self, make, size):
        self._make = make
        self._free = []
        self._sem = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def reader(self):
        self._sem.acquire()
        try:
            with self._lock:
                reader = self._free.pop() if self._free else None
            if reader is None:
                reader = self._make()
            try:
                yield reader
            except (DatabaseError, EnvironmentError):
                reader.close()  # lost or missing database: the next call starts afresh
                raise
            with self._lock:
                self._free.append(reader)
        finally:
            self._sem.release()

    def call(self, fn, empty):
        """``fn(reader)`` with a lent reader; `empty` when the database does not exist."""
        try:
            with self.reader() as reader:
                return fn(reader)
        except NoSuchDatabase:
            return empty

    def close(self):
        with self._lock:
            readers, self._free = self._free, []
        for reader in readers:
            reader.close()


def number(text):
    """`text` as a finite float, or None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if not (math.isnan(value) or math.isinf(value)) else None


def json_value(text):
    """A stored value for JSON rows: a number when it is one, else the text."""
    value = number(text)
    return text if value is None else value


class Data(object):
    """Status and log reads for the web server."""

    def __init__(self, db_cfg=None, pool_size=POOL_SIZE):
        self.db_cfg = db_cfg or None
        self._status = _Pool(lambda: StatusReader(self.db_cfg), pool_size)
        self._logs = _Pool(lambda: LogReader(self.db_cfg), pool_size)

    def close(self):
        self._status.close()
        self._logs.close()

    # -- status -----------------------------------------------------------------
    def _status_call(self, fn, empty):
        return self._status.call(fn, empty)

    def channels(self):
        """[{"channel", "parameters": [names]}] in name order."""
        def read(reader):
            out = {}
            for channel in reader.channels():
                out[channel] = []
            for channel, name in reader.parameters():
                out.setdefault(channel, []).append(name)
            return [{"channel": c, "parameters": out[c]} for c in sorted(out)]
        return self._status_call(read, [])

    def param(self, text):
        """(channel, name) of ``Channel:name`` text; NotFound if unknown."""
        if ":" not in text:
            raise ValueError("param must be Channel:name, not %r" % text)
        try:
            found = self._status_call(lambda r: r.select([text]), [])
        except UnknownParameter:
            found = []
        if not found:
            raise NotFound("no such parameter %s" % text)
        return found[0]

    def latest(self, channel=None):
        """The newest value of every parameter (of `channel`), grids and the newest id."""
        def read(reader):
            channels = None
            if channel is not None:
                if channel not in reader.channels():
                    raise NotFound("no such channel %s" % channel)
                channels = [channel]
            values = [{"channel": c, "name": n, "timestamp": ts, "value": v, "expires": e}
                      for c, n, ts, v, e in reader.values_at(None, channels)]
            grids = [{"channel": c, "name": n, "timestamp": ts, "cells": cells}
                     for c, n, ts, cells in reader.grids_at(None, channels)]
            return {"values": values, "grids": grids, "max_id": reader.max_id() or 0,
                    "database": True}
        if channel is not None:
            return self._status_call(read, None) or _no_channel(channel)
        return self._status_call(read, {"values": [], "grids": [], "max_id": 0,
                                        "database": False})

    def buckets(self, param, since, until, n):
        return self._status_call(lambda r: r.buckets(param, since, until, n), [])

    def history_chunks(self, params, since, until, chunk=5000):
        """Lists of at most `chunk` history rows (a generator, streamed)."""
        try:
            with self._status.reader() as reader:
                rows = []
                for row in reader.history(params, since, until):
                    rows.append(row)
                    if len(rows) >= chunk:
                        yield rows
                        rows = []
                if rows:
                    yield rows
        except NoSuchDatabase:
            return

    def status_max_id(self):
        return self._status_call(lambda r: r.max_id() or 0, None)

    def grid_max_id(self):
        """The newest 2-D row id (None: no database)."""
        return self._status_call(lambda r: r.max_id2d(), None)

    def grids(self):
        return self._status_call(lambda r: [
            {"channel": c, "name": n, "timestamp": ts, "cells": cells}
            for c, n, ts, cells in r.grids_at(None)], [])

    def status_changes(self, after_id):
        """(new max id, rows (id, ts, channel, name, value, expires)) after `after_id`;
        None: no database."""
        return self._status_call(lambda r: r.changes_since(after_id, expires=True), None)

    # -- logs -------------------------------------------------------------------
    def _log_call(self, fn, empty):
        return self._logs.call(fn, empty)

    def logs(self, since=None, level=None, logger=None, module=None, text=None, limit=200,
             after_id=None):
        """The newest `limit` log rows matching the filters, oldest first."""
        limit = min(limit or 200, MAX_LOG_ROWS)
        return self._log_call(lambda r: r.rows(
            since=since, level=level, loggers=[logger] if logger else None,
            modules=[module] if module else None, text=text or None, limit=limit,
            after_id=after_id), [])

    def log_facets(self):
        return self._log_call(lambda r: {"loggers": r.loggers(), "modules": r.modules()},
                              {"loggers": [], "modules": []})

    def log_max_id(self):
        return self._log_call(lambda r: r.max_id() or 0, None)


def _no_channel(channel):
    raise NotFound("no such channel %s" % channel)

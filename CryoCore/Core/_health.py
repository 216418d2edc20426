"""The writer's own status values, as rows of the ``CryoCore`` status channel.

Written straight into the status tables (the same rows the Status service
writes) by the writer's store thread once the database takes rows again:
``queued``, ``spooled``, ``dropped``, ``failed`` and ``last_error``.  A
program may replace ``BackgroundWriter.health_reporter`` with its own.
"""
from __future__ import absolute_import, division, print_function

import time

from .InternalDB import connect
from ._status_ids import STATUS_COLUMNS, _Ids, status_row

CHANNEL = "CryoCore"
FIELDS = ("queued", "spooled", "dropped", "failed", "last_error")


class StatusChannel(object):
    """callable(stats): store the changed fields as status rows of channel `CryoCore`."""

    def __init__(self, settings=None, channel=CHANNEL):
        self.settings = settings
        self.channel = channel
        self._ids = None  # the status sinks' id cache (creates the tables on first use)
        self._last = {}

    def __call__(self, stats):
        if self._ids is None:
            self._ids = _Ids(connect("CryoCore-health", "status", self.settings))
        ids = self._ids
        now = time.time()
        values = dict((name, str(stats.get(name))[:2048]) for name in FIELDS)
        rows = []
        for name in FIELDS:
            if self._last.get(name) == values[name]:
                continue
            rows.append(status_row(now, ids.param((self.channel, name)), values[name], None))
        if rows:
            ids.db._insert_many("status", STATUS_COLUMNS, rows)
            self._last.update(values)

"""The writer's own status values, as rows of the ``CryoCore`` status channel.

Written straight into the status tables (the same rows the Status service
writes) by the writer's store thread once the database takes rows again:
``queued``, ``spooled``, ``dropped``, ``failed`` and ``last_error``.  A
program may replace ``BackgroundWriter.health_reporter`` with its own.
"""
from __future__ import absolute_import, division, print_function

import time

from . import _schema
from .InternalDB import connect

CHANNEL = "CryoCore"
FIELDS = ("queued", "spooled", "dropped", "failed", "last_error")


class StatusChannel(object):
    """callable(stats): store the changed fields as status rows of channel `CryoCore`."""

    def __init__(self, settings=None, channel=CHANNEL):
        self.settings = settings
        self.channel = channel
        self._db = None
        self._ids = {}
        self._last = {}

    def _database(self):
        if self._db is None:
            db = connect("CryoCore-health", "status", self.settings)
            _schema.ensure(db, "status")
            self._db = db
        return self._db

    def _paramid(self, db, name):
        if name not in self._ids:
            db._execute("INSERT IGNORE INTO status_channel (name) VALUES (%s)", (self.channel,))
            chanid = db._execute("SELECT chanid FROM status_channel WHERE name = %s",
                                 (self.channel,)).fetchone()[0]
            db._execute("INSERT IGNORE INTO status_parameter (name, chanid) VALUES (%s, %s)",
                        (name, chanid))
            paramid = db._execute("SELECT paramid FROM status_parameter WHERE chanid = %s "
                                  "AND name = %s", (chanid, name)).fetchone()[0]
            self._ids[name] = (paramid, chanid)
        return self._ids[name]

    def __call__(self, stats):
        db = self._database()
        now = time.time()
        rows = []
        for name in FIELDS:
            value = str(stats.get(name))[:2048]
            if self._last.get(name) == value:
                continue
            paramid, chanid = self._paramid(db, name)
            rows.append((now, paramid, chanid, value, None))
        if rows:
            db._insert_many("status", ("timestamp", "paramid", "chanid", "value", "expires"),
                            rows)
            for name in FIELDS:
                self._last[name] = str(stats.get(name))[:2048]

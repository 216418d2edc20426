"""One sync of a field database to a ground database: connections, the two lanes
(latest values ahead of the backlog) and the config copy, one round at a time.

``Sync.step()`` does one round and raises ``DatabaseError`` when either side fails; the
caller then ``close()``s, backs off and steps again, which reconnects and reloads every
position from the ground (what the ground committed is the truth).
"""
from __future__ import absolute_import, division, print_function

import time

from . import _schema, _settings
from ._exceptions import SettingsError
from ._sync import ROW_TABLES, TABLES, TableCopy, latest_rows, source_id
from ._sync_config import ConfigCopy
from ._sync_link import BatchSizer, Meter
from ._sync_position import Position

ALL_TABLES = ROW_TABLES + ("config",)
CONFIG_EVERY = 5.0   # seconds between looks at the field's config versions


def ground_settings(path):
    """Settings per service ("config", "status", "log") of the ground database named by
    settings file `path`, alone (the local settings files do not leak into it).  Protocol
    compression is on unless the file says ``"db_compress": false``."""
    data = _settings._read_file(path)
    if data is None:
        raise SettingsError("cannot read settings file %s: no such file" % path)
    out = {}
    for service in _settings.SERVICES:
        s = dict(_settings.DEFAULTS, db_compress=True)
        plain = dict((k, v) for k, v in data.items() if not k.startswith("override_"))
        override = data.get("override_" + service) or {}
        s.update(plain)
        s.update(override)
        named = set(plain) | set(override)
        if not s.get("db_type"):
            s["db_type"] = "mysql" if named & set(("db_host", "db_user", "db_name")) else "sqlite"
        if s["db_type"] not in ("mysql", "sqlite"):
            raise SettingsError("%s: db_type must be 'mysql' or 'sqlite'" % path)
        if s["db_type"] == "sqlite" and not s.get("db_path"):
            raise SettingsError("%s: a SQLite ground database needs db_path" % path)
        s["ssl"] = s.get("ssl") or {}   # {} so the local files' ssl cannot fill it in
        out[service] = s
    return out


def _service(table):
    return "config" if table == "config" else TABLES[table].service


class Sync(object):
    """Copy `tables` of the field (settings per service) to the ground as `source`."""

    def __init__(self, field, ground, source, tables=ALL_TABLES, max_kbps=None, latest=(),
                 latest_every=5.0, gap_timeout=None, batch_target=1.0):
        self.field_settings, self.ground_settings = field, ground
        self.source, self.tables = source, tuple(tables)
        for table in self.tables:
            svc = _service(table)
            if _settings.describe(field[svc]) == _settings.describe(ground[svc]):
                raise SettingsError("--to names the field's own %s database (%s)"
                                    % (svc, _settings.describe(ground[svc])))
        self.meter = Meter(max_kbps)
        self.latest, self.latest_every = tuple(latest), latest_every
        self.gap_timeout = gap_timeout
        if latest:
            batch_target = min(batch_target, latest_every / 3.0)
        start = 50 if max_kbps else 500   # on a capped link, learn the bytes per row first
        self.sizers = dict((t, BatchSizer(batch_target, start)) for t in ROW_TABLES)
        self.copied = dict((t, 0) for t in ROW_TABLES)
        self.latest_sent = 0
        self.copies = self.config = None
        self._dbs = {}
        self._next_latest = self._next_config = 0.0
        self._latest_ids = set()

    # -- connections ---------------------------------------------------------------------
    def _db(self, side, service):
        from .InternalDB import mysql
        key = (side, service)
        if key not in self._dbs:
            settings = (self.field_settings if side == "field" else self.ground_settings)[service]
            self._dbs[key] = mysql("DbSync-%s-%s" % (side, service), config=settings)
            if side == "ground" and not self.meter.wrap(self._dbs[key]):
                raise SettingsError("--max-kbps: cannot meter this MySQL driver's socket")
        return self._dbs[key]

    def connect(self):
        """Open both sides, prepare the ground and load every position from it."""
        copies, sources = {}, {}
        for table in self.tables:
            if table == "config":
                continue
            spec = TABLES[table]
            ground = self._db("ground", spec.service)
            if spec.service not in sources:
                _schema.ensure_sync(ground, spec.service)
                sources[spec.service] = source_id(ground, self.source)
            copies[table] = TableCopy(spec, self._db("field", spec.service), ground,
                                      sources[spec.service], self.gap_timeout)
        self.config = None
        if "config" in self.tables:
            self.config = ConfigCopy(self._db("field", "config"), self._db("ground", "config"),
                                     self.source)
        self.copies = copies

    def close(self):
        """Drop every connection and what was only in memory (after a failure)."""
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()
        self.copies = None
        for sizer in self.sizers.values():
            sizer.failed()

    # -- rounds --------------------------------------------------------------------------
    def step(self, clock=time.time):
        """One round: the latest values if due, one batch per table, the config if due.
        Returns the number of rows copied."""
        if self.copies is None:
            self.connect()
        for (side, _), db in self._dbs.items():
            if side == "ground":
                self.meter.wrap(db)   # InternalDB may have reconnected by itself
        if self.latest and "status" in self.copies and clock() >= self._next_latest:
            self._next_latest = clock() + self.latest_every
            self._send_latest()
        done = 0
        for table, copy in sorted(self.copies.items()):
            sizer = self.sizers[table]
            n = sizer.size(self.meter.max_batch_bytes(sizer.target))
            t0, before = clock(), self.meter.total
            k = copy.step(n)
            sizer.done(k, clock() - t0, self.meter.total - before, full=k >= n)
            self.copied[table] += k
            done += k
        if self.config is not None and clock() >= self._next_config:
            self._next_config = clock() + CONFIG_EVERY
            self.config.step()
        return done

    def _send_latest(self):
        copy = self.copies["status"]
        self._latest_ids = set(i for i in self._latest_ids if not copy.position.covers(i))
        rows = [r for r in latest_rows(copy.field, self.latest, copy)
                if r[0] not in self._latest_ids]
        copy.send(rows)
        self._latest_ids.update(r[0] for r in rows)
        self.latest_sent += len(rows)

    def caught_up(self):
        """Whether every table's copy reached the field's newest row of the last round."""
        return self.copies is not None and all(
            c.last_max is None or (c.position.last_id >= c.last_max and not c.position.pending)
            for c in self.copies.values())

    def lag(self):
        """table -> (last copied id, lag rows, lag seconds)."""
        if self.copies is None:
            self.connect()
        return dict((t, (c.position.last_id,) + c.lag()) for t, c in self.copies.items())

    def problems(self):
        """Rows and config the ground could not take (name clashes), as lines of text."""
        out = []
        for table, copy in sorted((self.copies or {}).items()):
            if copy.skipped:
                out.append(u"%s: %d rows skipped (%s)" % (table, copy.skipped, u"; ".join(
                    copy.names.clashes[-3:]) if copy.names else u""))
        if self.config is not None:
            out.extend(self.config.problems[-3:])
        return out


def report(field, ground, source, tables=ROW_TABLES):
    """What ``--status`` prints, without creating anything on either side: one dict per
    source and table stored in the ground (``lag_rows``/``lag_s`` for `source` only, from
    the field) and this source's last error as published on the field."""
    from ._sync import find_source, lag, load_position, positions
    from .InternalDB import mysql
    out, opened = [], []
    try:
        for service in ("status", "log"):
            names = [t for t in tables if t in TABLES and TABLES[t].service == service]
            if not names:
                continue
            g = mysql("DbSync-status", config=ground[service])
            f = mysql("DbSync-status", config=field[service])
            opened.extend([g, f])
            mine = find_source(g, source)
            for name, table, last_id, updated in positions(g):
                if table in names and name != source:
                    out.append({"source": name, "table": table, "last_id": last_id,
                                "updated": updated, "lag_rows": None, "lag_s": None})
            for table in names:
                pos = load_position(g, mine, table) if mine is not None else None
                rows, seconds = lag(f, TABLES[table], pos or Position())
                out.append({"source": source, "table": table,
                            "last_id": pos.last_id if pos else None,
                            "updated": _updated(g, mine, table), "lag_rows": rows,
                            "lag_s": seconds})
        error = _last_error(field["status"])
    finally:
        for db in opened:
            db.close()
    return sorted(out, key=lambda r: (r["source"] != source, r["source"], r["table"])), error


def _last_error(settings):
    """This sync's last error as published on channel CryoCore.Sync (the reading layer)."""
    from ._read_db import NoSuchDatabase
    from ._status_reader import StatusReader
    reader = StatusReader(db_cfg=settings, name="DbSync-status")
    try:
        return reader.last_values([(CHANNEL, "last_error")]).get(
            (CHANNEL, "last_error"), (None, None, None))[1]
    except NoSuchDatabase:
        return None
    finally:
        reader.close()


def _updated(ground, source, table):
    if source is None:
        return None
    row = ground._execute("SELECT updated FROM cc_sync_position WHERE source = %s AND tbl = %s",
                          (source, table)).fetchone()
    return row[0] if row else None


CHANNEL = "CryoCore.Sync"

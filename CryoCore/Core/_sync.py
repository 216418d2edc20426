"""Field to ground (issue 17): copy status, status2d and log rows of one CryoCore database
(the field) into another (the ground), each row exactly once, in id order as far as
commits allow, resumable at any moment.

Rows are read from the field in id order and written to the ground's ordinary tables with
the ground's own channel and parameter ids (matched by name), plus their source and field
id under a unique key.  Each batch is one ground transaction that also stores the new
position (``_sync_position``), so a kill or a lost connection either stores a batch and
its position or neither; before inserting, the batch's field ids already on the ground
(the latest-values lane, a commit in doubt) are left out.
"""
from __future__ import absolute_import, division, print_function

import time

from . import _schema
from ._compat import to_text
from ._exceptions import DatabaseError
from ._sync_position import Position


class TableSpec(object):
    """How one table travels: field columns (id first), ground columns, the row's time."""

    def __init__(self, name, service, columns, time_column, params=None):
        self.name, self.service = name, service
        self.columns = columns               # field columns after the id
        self.time_column = time_column
        self.params = params                  # the parameter table (status tables)

    @property
    def select(self):
        return "SELECT id, %s FROM %s" % (", ".join(self.columns), self.name)


TABLES = {
    "status": TableSpec("status", "status", ("timestamp", "paramid", "chanid", "value", "aux",
                                             "expires"), "timestamp", "status_parameter"),
    "status2d": TableSpec("status2d", "status", ("timestamp", "paramid", "chanid", "posx",
                                                 "posy", "value", "expires"), "timestamp",
                          "status_parameter2d"),
    "log": TableSpec("log", "log", ("message", "level", "time", "msecs", "line", "func",
                                    "module", "logger"), "time"),
}
ROW_TABLES = ("status", "status2d", "log")


def source_id(db, name):
    """The id of source `name` in ground `db` (created if new)."""
    rows = db._execute("SELECT id, name FROM cc_sync_source WHERE name = %s", (name,)).fetchall()
    if not rows:
        db._execute("INSERT IGNORE INTO cc_sync_source (name) VALUES (%s)", (name,))
        rows = db._execute("SELECT id, name FROM cc_sync_source WHERE name = %s",
                           (name,)).fetchall()
    exact = [r for r in rows if to_text(r[1]) == name]
    if not exact:
        raise DatabaseError("source name %r clashes with source %r on the ground (the server "
                            "compares names without case)" % (name, to_text(rows[0][1])))
    return exact[0][0]


def find_source(db, name):
    """The id of source `name` in `db`, or None (no such source, or not a ground database)."""
    if not _schema.has_table(db, "cc_sync_source"):
        return None
    rows = db._execute("SELECT id, name FROM cc_sync_source WHERE name = %s", (name,)).fetchall()
    exact = [r[0] for r in rows if to_text(r[1]) == name]
    return exact[0] if exact else None


class Names(object):
    """Field parameter ids -> ground (paramid, chanid), by channel and parameter name.

    A name the ground server takes for a different existing one (MySQL compares without
    case and trailing spaces) maps to None: its rows are counted as skipped, never mixed
    into the other one's rows.
    """

    def __init__(self, field, ground, spec):
        self.field, self.ground, self.spec = field, ground, spec
        self._map = {}
        self._channels = {}
        self.clashes = []

    def resolve(self, paramids):
        missing = sorted(set(p for p in paramids if p not in self._map))
        for i in range(0, len(missing), 500):
            self._resolve(missing[i:i + 500])
        return self._map

    def _resolve(self, paramids):
        sizes = ", p.sizex, p.sizey" if self.spec.name == "status2d" else ""
        rows = self.field._execute(
            "SELECT p.paramid, c.name, p.name%s FROM %s p JOIN status_channel c "
            "ON c.chanid = p.chanid WHERE p.paramid IN (%s)"
            % (sizes, self.spec.params, ",".join(["%s"] * len(paramids))), paramids).fetchall()
        known = set()
        for row in rows:
            known.add(row[0])
            channel, name = to_text(row[1]), to_text(row[2])
            chanid = self._channel(channel)
            target = None
            if chanid is not None:
                target = self._parameter(chanid, channel, name, row[3:] if sizes else None)
            self._map[row[0]] = target
        for p in paramids:
            if p not in known:  # a row whose parameter is gone: nothing to name it by
                self._map[p] = None
                self.clashes.append(u"parameter id %s of %s has no name" % (p, self.spec.name))

    def _channel(self, channel):
        if channel not in self._channels:
            db = self.ground
            sql = "SELECT chanid, name FROM status_channel WHERE name = %s"
            rows = db._execute(sql, (channel,)).fetchall()
            if not rows:
                db._execute("INSERT IGNORE INTO status_channel (name) VALUES (%s)", (channel,))
                rows = db._execute(sql, (channel,)).fetchall()
            exact = [r[0] for r in rows if to_text(r[1]) == channel]
            if not exact:
                self.clashes.append(u"channel %r clashes with %r on the ground"
                                    % (channel, to_text(rows[0][1]) if rows else None))
            self._channels[channel] = exact[0] if exact else None
        return self._channels[channel]

    def _parameter(self, chanid, channel, name, size):
        db, table = self.ground, self.spec.params
        sql = "SELECT paramid, name FROM %s WHERE chanid = %%s AND name = %%s" % table
        rows = db._execute(sql, (chanid, name)).fetchall()
        if not rows:
            if size is None:
                db._execute("INSERT IGNORE INTO %s (name, chanid) VALUES (%%s, %%s)" % table,
                            (name, chanid))
            else:
                db._execute("INSERT IGNORE INTO %s (name, chanid, sizex, sizey) "
                            "VALUES (%%s, %%s, %%s, %%s)" % table, (name, chanid) + tuple(size))
            rows = db._execute(sql, (chanid, name)).fetchall()
        exact = [r[0] for r in rows if to_text(r[1]) == name]
        if not exact:
            self.clashes.append(u"parameter %r of channel %r clashes with %r on the ground"
                                % (name, channel, to_text(rows[0][1]) if rows else None))
            return None
        if size is not None:
            db._execute("UPDATE %s SET sizex = %%s, sizey = %%s WHERE paramid = %%s AND "
                        "(sizex IS NULL OR sizey IS NULL OR sizex < %%s OR sizey < %%s)" % table,
                        (size[0], size[1], exact[0], size[0], size[1]))
        return (exact[0], chanid)


class TableCopy(object):
    """Copy one table of one source: ``step(n)`` moves at most `n` rows."""

    def __init__(self, spec, field, ground, source, timeout=None):
        self.spec, self.field, self.ground, self.source = spec, field, ground, source
        self.names = Names(field, ground, spec) if spec.params else None
        self.skipped = 0
        row = ground._execute("SELECT last_id, pending FROM cc_sync_position "
                              "WHERE source = %s AND tbl = %s", (source, spec.name)).fetchone()
        if row is None:
            ground._execute("INSERT IGNORE INTO cc_sync_position (source, tbl, last_id, pending) "
                            "VALUES (%s, %s, 0, '[]')", (source, spec.name))
            row = (0, "[]")
        kwargs = {} if timeout is None else {"timeout": timeout}
        self.position = Position.load(row[0], to_text(row[1]), **kwargs)
        self.field_ok = _schema.has_table(field, spec.name)
        self.last_max = None
        # The largest field id of this source on the ground: new rows above it need no
        # look-up (the unique key stays the last guard).
        self.ground_top = ground._execute("SELECT MAX(cc_field_id) FROM %s WHERE cc_source = %%s"
                                          % spec.name, (source,)).fetchone()[0] or 0

    def field_max_id(self):
        if not self.field_ok:
            self.field_ok = _schema.has_table(self.field, self.spec.name)
            if not self.field_ok:
                return None
        return self.field._execute("SELECT MAX(id) FROM %s" % self.spec.name).fetchone()[0]

    def step(self, n, clock=time.time):
        """Copy up to `n` rows (one ground transaction); returns the number of rows read."""
        pos = self.position
        self.last_max = self.field_max_id()
        pos.mark(clock(), self.last_max)
        if self.last_max is None:
            return 0
        filled = self._fetch_gaps(pos.pending)
        new = []
        if not pos.is_full():
            new = self.field._execute(self.spec.select + " WHERE id > %s ORDER BY id LIMIT %s",
                                      (pos.last_id, int(n))).fetchall()
        last_id, pending = pos.advance([r[0] for r in new], [r[0] for r in filled], clock())
        if not new and not filled and last_id == pos.last_id and pending == pos.pending:
            return 0
        self._store(filled + new, last_id, pending, [r[0] for r in filled])
        pos.adopt(last_id, pending)
        return len(filled) + len(new)

    def _fetch_gaps(self, pending):
        rows = []
        for i in range(0, len(pending), 100):
            part = pending[i:i + 100]
            cond = " OR ".join(["(id BETWEEN %s AND %s)"] * len(part))
            params = [v for first, last, _ in part for v in (first, last)]
            rows.extend(self.field._execute(self.spec.select + " WHERE " + cond + " ORDER BY id",
                                            params).fetchall())
        return rows

    def send(self, rows):
        """Store `rows` (field rows, not necessarily in order) without moving the position:
        the latest-values lane.  Rows already on the ground are left out."""
        if rows:
            self._store(sorted(rows), None, None, [r[0] for r in rows])

    def _store(self, rows, last_id, pending, listed_ids):
        """One transaction: the rows not yet on the ground, and the position."""
        ground_rows = self._ground_rows(rows)
        table = self.spec.name
        columns = self._ground_columns()
        with self.ground._transaction():
            have = self._on_ground(rows, listed_ids)
            todo = [g for f, g in zip(rows, ground_rows) if g is not None and f[0] not in have]
            _insert(self.ground, table, columns, todo)
            if last_id is not None:
                self.ground._execute(
                    "UPDATE cc_sync_position SET last_id = %s, pending = %s, updated = %s "
                    "WHERE source = %s AND tbl = %s",
                    (last_id, self.position.dump(pending), time.time(), self.source, table))
        self.ground_top = max([self.ground_top] + [r[0] for r in rows])
        self.skipped += sum(1 for g in ground_rows if g is None)

    def _on_ground(self, rows, listed_ids):
        """Field ids of `rows` already stored for this source."""
        have = set()
        if not rows:
            return have
        base = "SELECT cc_field_id FROM %s WHERE cc_source = %%s AND " % self.spec.name
        listed = set(listed_ids)
        ranged = [r[0] for r in rows if r[0] not in listed]
        if ranged and ranged[-1] > self.ground_top and ranged[0] <= self.ground_top:
            ranged = [i for i in ranged if i <= self.ground_top]
        if ranged and ranged[0] <= self.ground_top:
            have.update(r[0] for r in self.ground._execute(
                base + "cc_field_id BETWEEN %s AND %s", (self.source, ranged[0], ranged[-1])))
        listed = sorted(listed)
        for i in range(0, len(listed), 500):
            part = listed[i:i + 500]
            have.update(r[0] for r in self.ground._execute(
                base + "cc_field_id IN (%s)" % ",".join(["%s"] * len(part)),
                [self.source] + part))
        return have

    def _ground_columns(self):
        return self.spec.columns + ("cc_source", "cc_field_id")

    def _ground_rows(self, rows):
        """Field rows as ground rows (None where the ground has no place for it)."""
        if self.names is None:
            return [tuple(r[1:]) + (self.source, r[0]) for r in rows]
        ids = self.names.resolve([r[2] for r in rows])
        out = []
        for r in rows:
            target = ids.get(r[2])
            if target is None:
                out.append(None)
            else:
                out.append((r[1], target[0], target[1]) + tuple(r[4:]) + (self.source, r[0]))
        return out

    def lag(self):
        """(rows, seconds) this table's ground copy is behind (see ``lag``)."""
        return lag(self.field, self.spec, self.position)


def lag(field, spec, pos):
    """(rows, seconds) the ground is behind the field: field rows not yet copied, and the
    time between the newest field row and the last copied one."""
    if not _schema.has_table(field, spec.name):
        return 0, 0.0
    rows = field._execute("SELECT COUNT(*), MAX(%s) FROM %s WHERE id > %%s"
                          % (spec.time_column, spec.name), (pos.last_id,)).fetchone()
    count = int(rows[0] or 0) + sum(
        int(field._execute("SELECT COUNT(*) FROM %s WHERE id BETWEEN %%s AND %%s"
                           % spec.name, (first, last)).fetchone()[0] or 0)
        for first, last, _ in pos.pending[:100])
    if not count or rows[1] is None:
        return count, 0.0
    copied = field._execute("SELECT %s FROM %s WHERE id <= %%s ORDER BY id DESC LIMIT 1"
                            % (spec.time_column, spec.name), (pos.last_id,)).fetchone()
    return count, max(0.0, float(rows[1]) - float(copied[0] if copied and copied[0] else 0))


#: Rows and (estimated) bytes per INSERT: fewer, larger statements than InternalDB's
#: _insert_many, since every statement is a round trip on a slow link.  Well below the
#: 4 MiB max_allowed_packet of older servers.
INSERT_ROWS = 20000
INSERT_BYTES = 1 << 21


def _insert(db, table, columns, rows):
    if not rows:
        return
    from .InternalDB import SQLITE_MAX_VARIABLES, _chunks
    per = SQLITE_MAX_VARIABLES // len(columns) if db.is_sqlite else INSERT_ROWS
    one = "(" + ",".join(["%s"] * len(columns)) + ")"
    head = "INSERT INTO %s (%s) VALUES " % (table, ",".join(columns))
    for chunk in _chunks(rows, per, INSERT_BYTES):
        db._execute(head + ",".join([one] * len(chunk)), [v for row in chunk for v in row])


def latest_rows(field, channels, copy):
    """The newest status row (by id: whole rows with their field ids, which the reading
    layer's values_at does not give) of each parameter of `channels` that the ground lacks."""
    out = []
    for channel in channels:
        chan = field._execute("SELECT chanid FROM status_channel WHERE name = %s",
                              (channel,)).fetchall()
        for (chanid,) in chan:
            for (paramid,) in field._execute("SELECT paramid FROM status_parameter "
                                             "WHERE chanid = %s", (chanid,)).fetchall():
                row = field._execute(copy.spec.select + " WHERE paramid = %s "
                                     "ORDER BY id DESC LIMIT 1", (paramid,)).fetchone()
                if row is not None and not copy.position.covers(row[0]):
                    out.append(row)
    return out


def positions(ground):
    """Every (source name, table, last id, updated) stored in `ground` (a ground database)."""
    if not _schema.has_table(ground, "cc_sync_position"):
        return []
    return [(to_text(r[0]), to_text(r[1]), r[2], r[3]) for r in ground._execute(
        "SELECT s.name, p.tbl, p.last_id, p.updated FROM cc_sync_position p "
        "JOIN cc_sync_source s ON s.id = p.source ORDER BY s.name, p.tbl").fetchall()]


def load_position(ground, source, table):
    """The stored Position of `table` for source id `source` (None if never copied)."""
    row = ground._execute("SELECT last_id, pending FROM cc_sync_position "
                          "WHERE source = %s AND tbl = %s", (source, table)).fetchone()
    return None if row is None else Position.load(row[0], to_text(row[1]))


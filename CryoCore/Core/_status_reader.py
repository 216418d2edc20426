"""Reading status back: names, history (raw rows or time buckets), values at a moment.

``StatusReader`` is the one place new tools ask the status database
anything; it never creates or alters the database or its tables.  Names come
back as native ``str``, values as the stored text, times as epoch seconds.

History is streamed per parameter in chunks, in ``(timestamp, id)`` order,
along the ``status(paramid, timestamp)`` index (``status_param_time``, which
writers add in the background; without it the same queries run, slower).
A value counts as a number when it is decimal text (``-1``, ``2.5``,
``1e-3``; ``NUMBER`` below): ``True``, ``nan`` or ``12 V`` are counted
but are not numbers.

On a ground database that DbSync feeds, ``source=NAME`` on the history methods
(``history``, ``buckets``, ``time_range``, ``values_at``, ``last_values``) keeps
only the rows copied from that field source (``cc_source``); an unknown name, or a
database without sources, raises ``UnknownSource``.
"""
from __future__ import absolute_import, division, print_function

import heapq
import re

from . import _read_db, _schema
from ._compat import PY2, integer_types, to_text
from ._read_db import NoSuchDatabase  # noqa: F401  (part of this module's API)

#: What a numeric value looks like (the same test in SQL, REGEXP, and in Python).
NUMBER = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
_NUMBER = re.compile(NUMBER)
#: Rows fetched per query while streaming.
CHUNK = 5000
#: Ids per ``IN (...)`` list.
IN_CHUNK = 500
_TABLES = ("status_channel", "status_parameter", "status")
# A LIMIT no range reaches: the database computes each row's number once (a derived table
# with LIMIT is materialized, not merged into the GROUP BY that refers to it six times).
_MATERIALIZE = (1 << 63) - 1


class UnknownParameter(ValueError):
    """A ``channel:param`` (or word) that names no status parameter."""


class UnknownSource(ValueError):
    """A source name no rows here came from (or a database DbSync never wrote)."""


def source_id(db, name, table="status"):
    """The id of DbSync source `name` whose rows `table` holds; UnknownSource if there is
    no such source or the table has no source column (a database DbSync never wrote)."""
    name = to_text(name)
    if not _schema.has_sync_columns(db, table):
        raise UnknownSource(u"no source '%s' here: this database holds no rows copied by "
                            u"DbSync (%s has no cc_source column)" % (name, table))
    known = dict((to_text(n), i) for i, n in db._execute(
        "SELECT id, name FROM cc_sync_source").fetchall())
    if name not in known:
        raise UnknownSource(u"no such source '%s' (sources here: %s)"
                            % (name, u", ".join(sorted(known)) or u"none"))
    return known[name]


def is_number(text):
    """Whether stored text counts as a number for buckets (the SQL test, in Python)."""
    return text is not None and _NUMBER.search(to_text(text)) is not None


def native(text):
    """Names as the platform's ``str`` (UTF-8 bytes on 2.7)."""
    text = to_text(text)
    return text.encode("utf-8") if PY2 else text


def _key(channel, name):
    return (to_text(channel), to_text(name))


def _marks(n):
    return ",".join(["%s"] * n)


def _chunks(items, size=IN_CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


class StatusReader(_read_db.Reader):
    """Read-only access to the status database (settings: status service, `db_cfg` wins)."""

    SERVICE = "status"

    def __init__(self, db_cfg=None, name="StatusReader"):
        _read_db.Reader.__init__(self, db_cfg, name)
        self._tables = False
        self._params = None   # (channel, name) text -> [paramid, ...]
        self._by_id = None    # paramid -> (channel, name) text
        self._chanids = None  # channel text -> chanid
        self._sources = {}    # (source name text, table) -> id in cc_sync_source

    # -- connection ---------------------------------------------------------
    def _q(self, sql, params=()):
        return self.db._execute(sql, params).fetchall()

    def has_tables(self):
        """Whether the database holds CryoCore's status tables (checked until they appear)."""
        if not self._tables:
            db = self.db
            self._tables = all(_schema.has_table(db, t) for t in _TABLES)
        return self._tables

    def check_source(self, source):
        """Raise UnknownSource unless `source` (None: every row) is a DbSync source here."""
        self._source(source)

    def _source(self, source, column="cc_source", table="status"):
        """(" AND column = %s", [id]) keeping rows of `source` (None: ("", []))."""
        if source is None:
            return "", []
        key = (to_text(source), table)
        if key not in self._sources:
            self._sources[key] = source_id(self.db, source, table)
        return " AND %s = %%s" % column, [self._sources[key]]

    # -- names --------------------------------------------------------------
    def _load_names(self):
        params, by_id, chanids = {}, {}, {}
        if self.has_tables():
            for chanid, name in self._q("SELECT chanid, name FROM status_channel"):
                chanids[to_text(name)] = chanid
            for paramid, channel, name in self._q(
                    "SELECT p.paramid, c.name, p.name FROM status_parameter p "
                    "JOIN status_channel c ON c.chanid = p.chanid"):
                key = _key(channel, name)
                params.setdefault(key, []).append(paramid)
                by_id[paramid] = key
        self._params, self._by_id, self._chanids = params, by_id, chanids

    def _names(self, refresh=False):
        if refresh or self._params is None:
            self._load_names()
        return self._params

    def _name_of(self, paramid):
        """(channel, name) text of `paramid`, reloading the names once if it is new."""
        key = self._by_id.get(paramid) if self._by_id is not None else None
        if key is None:
            self._load_names()
            key = self._by_id.get(paramid, (u"?", u"#%s" % paramid))
        return key

    def _ids(self, params):
        """Paramids of each ``(channel, name)``; UnknownParameter for one that does not exist."""
        out = []
        for p in params:
            channel, name = p
            key = _key(channel, name)
            ids = self._names().get(key) or self._names(refresh=True).get(key)
            if not ids:
                raise UnknownParameter("unknown status parameter %s:%s" % key)
            out.append((key, ids))
        return out

    def _paramids_of_channels(self, channels):
        wanted = set(to_text(c) for c in channels)
        names = self._names(refresh=True)
        return [i for key, ids in names.items() if key[0] in wanted for i in ids]

    def channels(self):
        """Sorted channel names."""
        self._names(refresh=True)
        return [native(c) for c in sorted(self._chanids)]

    def parameters(self, channel=None):
        """Sorted ``(channel, name)`` of every (1-D) parameter, or of one channel's."""
        names = self._names(refresh=True)
        keys = sorted(k for k in names if channel is None or k[0] == to_text(channel))
        return [(native(c), native(n)) for c, n in keys]

    def select(self, words):
        """``(channel, name)`` for each word: ``channel:param`` exactly, any other word
        every parameter whose ``channel:param`` contains it (name order); duplicates dropped.

        UnknownParameter (a ValueError) names a word that matches nothing.
        """
        names = self._names(refresh=True)
        ordered = sorted(names)
        out, seen = [], set()
        for word in words:
            w = to_text(word)
            if u":" in w:
                hits = [(w[:i], w[i + 1:]) for i, ch in enumerate(w)
                        if ch == u":" and (w[:i], w[i + 1:]) in names]
                if not hits:
                    raise UnknownParameter("unknown status parameter %s" % w)
            else:
                hits = [k for k in ordered if w in u"%s:%s" % k]
                if not hits:
                    raise UnknownParameter("no status parameter matches %r" % w)
            for key in hits:
                if key not in seen:
                    seen.add(key)
                    out.append((native(key[0]), native(key[1])))
        return out

    # -- history --------------------------------------------------------------
    def history(self, params, start=None, end=None, source=None):
        """Rows ``(timestamp, channel, name, value)`` of `params` with start <= t < end,
        in time order (ties by row id), streamed in chunks of CHUNK rows per parameter.
        An unknown parameter or source raises here, before the first row is asked for."""
        resolved = self._ids(params)
        only = self._source(source)
        streams, names = [], []
        for key, ids in resolved:
            for paramid in ids:
                streams.append(self._stream(paramid, len(names), start, end, only))
                names.append((native(key[0]), native(key[1])))
        return self._merged(streams, names)

    @staticmethod
    def _merged(streams, names):
        for ts, _id, index, value in heapq.merge(*streams):
            channel, name = names[index]
            yield ts, channel, name, value

    def _stream(self, paramid, index, start, end, only=("", [])):
        """(timestamp, id, index, value) of one paramid, keyset-paged along the index
        (`only`: the source condition)."""
        last = None
        while True:
            conds, args = ["paramid = %s" + only[0]], [paramid] + only[1]
            if last is not None:
                conds.append("timestamp >= %s AND (timestamp > %s OR id > %s)")
                args.extend([last[0], last[0], last[1]])
            elif start is not None:
                conds.append("timestamp >= %s")
                args.append(start)
            else:
                conds.append("timestamp IS NOT NULL")
            if end is not None:
                conds.append("timestamp < %s")
                args.append(end)
            rows = self._q("SELECT timestamp, id, value FROM status WHERE %s "
                           "ORDER BY timestamp, id LIMIT %%s" % " AND ".join(conds),
                           args + [CHUNK])
            for ts, row_id, value in rows:
                yield ts, row_id, index, to_text(value)
            if len(rows) < CHUNK:
                return
            last = rows[-1][:2]

    def buckets(self, param, start, end, n, source=None):
        """The n equal time buckets of [start, end) of one ``(channel, name)``, computed by
        the database: a dict per non-empty bucket with t0, t1, count (every row), numeric
        (rows that are numbers), min, max, mean, first, last (of the numbers; None if none)."""
        start, end = float(start), float(end)
        if not isinstance(n, integer_types) or isinstance(n, bool) or n < 1:
            raise ValueError("buckets needs a whole number of buckets >= 1, not %r" % (n,))
        if not end > start:
            raise ValueError("buckets needs start < end, not %r >= %r" % (start, end))
        [(key, ids)] = self._ids([param])
        only, sid = self._source(source)
        span = end - start
        p = _marks(len(ids))
        sql = ("SELECT g.b, g.cnt, g.nnum, g.mn, g.mx, g.av, "
               "(SELECT f.value FROM status f WHERE f.paramid IN (%s)%s AND f.timestamp = g.ft "
               "AND f.value REGEXP %%s ORDER BY f.id LIMIT 1), "
               "(SELECT l.value FROM status l WHERE l.paramid IN (%s)%s AND l.timestamp = g.lt "
               "AND l.value REGEXP %%s ORDER BY l.id DESC LIMIT 1) "
               "FROM (SELECT r.b AS b, COUNT(*) AS cnt, COUNT(r.num) AS nnum, MIN(r.num) AS mn, "
               "MAX(r.num) AS mx, AVG(r.num) AS av, "
               "MIN(CASE WHEN r.num IS NULL THEN NULL ELSE r.ts END) AS ft, "
               "MAX(CASE WHEN r.num IS NULL THEN NULL ELSE r.ts END) AS lt "
               "FROM (SELECT FLOOR((timestamp - %%s) * %%s / %%s) AS b, timestamp AS ts, "
               "CASE WHEN CAST(value AS BINARY) REGEXP %%s THEN CAST(value AS DOUBLE) END AS num "
               "FROM status WHERE paramid IN (%s)%s AND timestamp >= %%s AND timestamp < %%s "
               "LIMIT %d) r GROUP BY r.b) g ORDER BY g.b"
               % (p, self._source(source, "f.cc_source")[0], p,
                  self._source(source, "l.cc_source")[0], p, only, _MATERIALIZE))
        ids = list(ids) + sid  # each IN (...) is followed by the source condition
        args = ids + [NUMBER] + ids + [NUMBER] + [start, n, span, NUMBER] + ids + [start, end]
        out = []
        for b, cnt, nnum, mn, mx, av, first, last in self._q(sql, args):
            b = min(int(b), n - 1)  # a time a rounding error puts at `end` stays in the last
            t1 = end if b == n - 1 else start + span * (b + 1) / n
            row = {"t0": start + span * b / n, "t1": t1,
                   "count": int(cnt), "numeric": int(nnum),
                   "min": _float(mn), "max": _float(mx), "mean": _float(av),
                   "first": _float(first), "last": _float(last)}
            if out and out[-1]["t0"] == row["t0"]:
                row = _merge(out.pop(), row)
            out.append(row)
        return out

    def time_range(self, params, start=None, end=None, source=None):
        """``(first, last)`` timestamps of the rows of `params` with start <= t < end
        (None bounds: open), or ``(None, None)`` when there are none.  One query per
        paramid, so each is answered from the ``(paramid, timestamp)`` index."""
        only, bounds = self._source(source)
        conds = ["paramid = %s" + only]
        if start is not None:
            conds.append("timestamp >= %s")
            bounds.append(start)
        if end is not None:
            conds.append("timestamp < %s")
            bounds.append(end)
        sql = "SELECT MIN(timestamp), MAX(timestamp) FROM status WHERE " + " AND ".join(conds)
        firsts, lasts = [], []
        for _, group in self._ids(params):
            for paramid in group:
                first, last = self._q(sql, [paramid] + bounds)[0]
                if first is not None:
                    firsts.append(float(first))
                    lasts.append(float(last))
        return (min(firsts), max(lasts)) if firsts else (None, None)

    # -- moments --------------------------------------------------------------
    def values_at(self, t=None, channels=None, source=None):
        """``(channel, name, timestamp, value, expires)``: each parameter's last row with
        timestamp <= t (t None: its newest), sorted by channel, name; none yet: left out."""
        if not self.has_tables():
            return []
        only = self._source(source, "s2.cc_source")
        paramids = None if channels is None else self._paramids_of_channels(channels)
        if paramids is not None and not paramids:
            return []
        best = self._last_rows(paramids, t, only)
        return [(native(k[0]), native(k[1]), v[0], v[2], v[3]) for k, v in sorted(best.items())]

    def last_values(self, params, t=None, source=None):
        """``{(channel, name): (timestamp, value, expires)}`` of each of `params` by t
        (t None: newest); parameters that do not exist (yet) or have no row are left out."""
        if not self.has_tables():
            return {}
        only = self._source(source, "s2.cc_source")
        names = self._names()
        if any(_key(*p) not in names for p in params):
            names = self._names(refresh=True)
        wanted = dict((_key(*p), p) for p in params)
        paramids = [i for key in wanted for i in names.get(key, ())]
        if not paramids:
            return {}
        best = self._last_rows(paramids, t, only)
        return dict((wanted[k], (v[0], v[2], v[3])) for k, v in best.items() if k in wanted)

    def _last_rows(self, paramids, t, only=("", [])):
        """{(channel, name) text: (timestamp, id, value, expires)} of the newest row by t
        of each paramid (all parameters if `paramids` is None; `only`: the source
        condition on s2)."""
        cond, args = (("s2.timestamp <= %s", [t]) if t is not None
                      else ("s2.timestamp IS NOT NULL", []))
        cond, args = cond + only[0], args + only[1]
        best = {}
        for chunk in ([None] if paramids is None else _chunks(paramids)):
            where = "" if chunk is None else " WHERE p.paramid IN (%s)" % _marks(len(chunk))
            sql = ("SELECT x.paramid, s.timestamp, s.id, s.value, s.expires FROM "
                   "(SELECT p.paramid AS paramid, (SELECT s2.id FROM status s2 "
                   "WHERE s2.paramid = p.paramid AND %s "
                   "ORDER BY s2.timestamp DESC, s2.id DESC LIMIT 1) AS lid "
                   "FROM status_parameter p%s) x JOIN status s ON s.id = x.lid" % (cond, where))
            for paramid, ts, row_id, value, expires in self._q(sql, args + list(chunk or [])):
                key = self._name_of(paramid)
                if key not in best or (ts, row_id) > best[key][:2]:  # duplicate names
                    best[key] = (ts, row_id, to_text(value), expires)
        return best

    def grids_at(self, t=None, channels=None):
        """2-D values at t: ``(channel, name, timestamp, cells)`` sorted by channel, name;
        ``cells[x][y]`` is the cell's last value by then (None: never set), laid out as
        ``Status2DElement.get_value()``, sized as the grid is stored now; `timestamp` is that
        of the newest cell."""
        if not _schema.has_table(self.db, "status2d") or not _schema.has_table(
                self.db, "status_parameter2d"):
            return []
        wanted = None if channels is None else set(to_text(c) for c in channels)
        grids = {}
        for paramid, channel, name, sx, sy in self._q(
                "SELECT p.paramid, c.name, p.name, p.sizex, p.sizey FROM status_parameter2d p "
                "JOIN status_channel c ON c.chanid = p.chanid"):
            if wanted is None or to_text(channel) in wanted:
                grids[paramid] = (_key(channel, name), sx or 0, sy or 0)
        if not grids:
            return []
        cond, args = ("timestamp <= %s", [t]) if t is not None else ("timestamp IS NOT NULL", [])
        cells = {}  # paramid -> {(x, y): (ts, id, value)}
        for chunk in _chunks(grids):
            sql = ("SELECT s.paramid, s.posx, s.posy, s.timestamp, s.id, s.value FROM status2d s "
                   "JOIN (SELECT paramid, posx, posy, MAX(timestamp) AS mt FROM status2d "
                   "WHERE %s AND paramid IN (%s) GROUP BY paramid, posx, posy) m "
                   "ON s.paramid = m.paramid AND s.posx = m.posx AND s.posy = m.posy "
                   "AND s.timestamp = m.mt" % (cond, _marks(len(chunk))))
            for paramid, x, y, ts, row_id, value in self._q(sql, args + list(chunk)):
                grid = cells.setdefault(paramid, {})
                if (x, y) not in grid or (ts, row_id) > grid[(x, y)][:2]:
                    grid[(x, y)] = (ts, row_id, value)
        out = []
        for paramid, found in cells.items():
            key, sx, sy = grids[paramid]
            sx = max([sx] + [x + 1 for x, _ in found])
            sy = max([sy] + [y + 1 for _, y in found])
            grid = [[None] * sy for _ in range(sx)]
            for (x, y), (_, _, value) in found.items():
                grid[x][y] = value
            newest = max(v[0] for v in found.values())
            out.append((native(key[0]), native(key[1]), newest, grid))
        return sorted(out, key=lambda g: _key(g[0], g[1]))

    # -- live -------------------------------------------------------------------
    def max_id(self):
        """The highest status row id (0 when empty)."""
        if not self.has_tables():
            return 0
        return self._q("SELECT MAX(id) FROM status")[0][0] or 0

    def max_id2d(self):
        """The highest 2-D status row id (0 when there is none): it grows when a grid changes."""
        if not _schema.has_table(self.db, "status2d"):
            return 0
        return self._q("SELECT MAX(id) FROM status2d")[0][0] or 0

    def changes_since(self, row_id, params=None, limit=CHUNK, expires=False):
        """``(new_max_id, rows)``: rows ``(id, timestamp, channel, name, value)`` with
        id > row_id (of `params` if given), by id, at most `limit`; pass new_max_id next time.
        With `expires` each row also ends with its ``expires`` (live views mark stale values)."""
        top = self.max_id()
        if top <= row_id:
            return row_id, []
        conds, args = ["id > %s", "id <= %s"], [row_id, top]
        if params is not None:
            ids = [i for _, group in self._ids(params) for i in group]
            conds.append("paramid IN (%s)" % _marks(len(ids)))
            args.extend(ids)
        rows = self._q("SELECT id, timestamp, paramid, value, expires FROM status WHERE %s "
                       "ORDER BY id LIMIT %%s" % " AND ".join(conds), args + [limit])
        out = []
        for row_id_, ts, paramid, value, expiry in rows:
            key = self._name_of(paramid)
            row = (row_id_, ts, native(key[0]), native(key[1]), to_text(value))
            out.append(row + (expiry,) if expires else row)
        new_max = out[-1][0] if len(out) >= limit else top
        return new_max, out


def _float(v):
    return None if v is None else float(v)


def _merge(a, b):
    """Two bucket dicts of one time bucket as one (a before b in time)."""
    out = dict(a)
    out["count"] = a["count"] + b["count"]
    out["numeric"] = a["numeric"] + b["numeric"]
    nums = [x for x in (a, b) if x["numeric"]]
    if nums:
        out["min"] = min(x["min"] for x in nums)
        out["max"] = max(x["max"] for x in nums)
        out["mean"] = sum(x["mean"] * x["numeric"] for x in nums) / out["numeric"]
        out["first"], out["last"] = nums[0]["first"], nums[-1]["last"]
    out["t1"] = b["t1"]
    return out


#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""TailStatus: View and follow status values.

Each row is ``<ctime> [<channel>] <name> = <value>`` (2-D cells as
``<name>[x,y] = <value>``), oldest first.  Positional filters: ``channel:name``
matches exactly, any other word matches anywhere in channel, name or value;
a row is shown when it matches any of them.
"""
from __future__ import absolute_import, division, print_function

import io
import os
import sys
import time

if __package__ in (None, ""):  # run as ./CryoCore/Tools/TailStatus.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore.Core._compat import to_text  # noqa: E402
from CryoCore.Tools import _common  # noqa: E402

DEFAULT_ROWS = 200
FOLLOW_BATCH = 5000  # rows per poll while following; the rest come on the next poll
LOOKBACK = 1000      # ids below the start of -f that may still commit late

# STRAIGHT_JOIN (MySQL; removed for SQLite): read status by id first and look the names up,
# never the other way round (a temporary table and a sort of the whole table).
_SELECT = {
    "status": ("SELECT STRAIGHT_JOIN s.id, s.timestamp, c.name, p.name, s.value FROM status s "
               "JOIN status_parameter p ON p.paramid = s.paramid "
               "JOIN status_channel c ON c.chanid = s.chanid"),
    "status2d": ("SELECT STRAIGHT_JOIN s.id, s.timestamp, c.name, p.name, s.value, s.posx, s.posy "
                 "FROM status2d s JOIN status_parameter2d p ON p.paramid = s.paramid "
                 "JOIN status_channel c ON c.chanid = s.chanid"),
}


def build_parser():
    parser = _common.make_parser("TailStatus.py", "View and follow status values.")
    parser.add_argument("filters", nargs="*", metavar="FILTER",
                        help="channel:name (exact) or a word found anywhere in the row "
                        "(a word reads the rows until enough match: slow on a big table "
                        "where it is rare; channel:name and --channel are not)"
                        ).completer = _complete_filters
    parser.add_argument("-n", dest="rows", type=int, default=DEFAULT_ROWS,
                        help="show the last N rows (default %d)" % DEFAULT_ROWS)
    parser.add_argument("-a", "--all", action="store_true", help="show all rows")
    parser.add_argument("-f", "--follow", action="store_true", help="keep showing new rows")
    parser.add_argument("--since", "-s", help="only rows since T: epoch, -SECONDS, "
                        "30s/10m/2h/1d or ctime text")
    parser.add_argument("--channel", action="append", default=[],
                        help="only this channel (repeatable)").completer = _complete_channels
    parser.add_argument("--list-channels", action="store_true", help="list the channels")
    parser.add_argument("--source", help="only rows DbSync copied from this field source")
    parser.add_argument("--clear-all", action="store_true",
                        help="delete every status value (asks first)")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask (--clear-all)")
    parser.add_argument("--timeseries", metavar="FILE", help="write the history of the "
                        "FILTER parameters as CSV to FILE (- for stdout): Time,channel:param,...")
    parser.add_argument("--fill", action="store_true",
                        help="--timeseries: empty cells get the last known value")
    parser.add_argument("--until", help="--timeseries: only rows before T (as --since)")
    return parser


def _open(args):
    """The status database as it is: a viewer never creates or alters it (a missing
    database is an error; one without the status tables yet shows nothing)."""
    from CryoCore.Core import InternalDB
    return InternalDB.mysql("TailStatus", config=_common.db_settings(args, "status"),
                            create=False)


def _has_tables(db, follow, stop=None):
    """Whether the status tables exist; with `follow`, wait until a program creates them."""
    from CryoCore.Core import _schema
    while not _schema.has_tables(db, "status"):
        if not follow or (stop is not None and stop()):
            return False
        time.sleep(0.25)
    return True


# -- queries ------------------------------------------------------------------
class _Match(object):
    """The filters as a test on fetched rows: SQL only narrows (MySQL's `=`, IN and LIKE
    ignore case, accents and trailing spaces; SQLite's LIKE stops at NUL); this decides."""

    def __init__(self, args, since):
        self.since = since
        self.channels = set(_common.stored_form(c) for c in args.channel)
        self.exact, self.words = [], []
        for word in (_common.stored_form(w) for w in args.filters):
            if ":" in word:
                self.exact.extend((word[:i], word[i + 1:]) for i, ch in enumerate(word)
                                  if ch == ":")
            else:
                self.words.append(word.lower())

    def __call__(self, row):
        ts, channel, name = row[1], to_text(row[2]), to_text(row[3])
        if self.since is not None and (ts is None or ts < self.since):
            return False
        if self.channels and channel not in self.channels:
            return False
        if not self.exact and not self.words:
            return True
        if (channel, name) in self.exact:
            return True
        hay = [channel.lower(), name.lower(), to_text(row[4]).lower()]
        return any(w in h for w in self.words for h in hay)


_PARAMETERS = {"status": "status_parameter", "status2d": "status_parameter2d"}


def _where_names(args, since):
    """SQL conditions by name, shared by both tables (columns prefixed s/c/p): for
    following, where channels and parameters made after the start must match too (the
    rows read are only the new ones)."""
    return _where(None, None, args, since)


_LIKE_WORD = ("(c.name LIKE %s ESCAPE '|' OR p.name LIKE %s ESCAPE '|' "
              "OR CAST(s.value AS CHAR) LIKE %s ESCAPE '|')")


def _ids_in(column, ids):
    """``column IN (ids)`` (``1 = 0`` for none) and its parameters."""
    if not ids:
        return "1 = 0", []
    return "%s IN (%s)" % (column, ",".join(["%s"] * len(ids))), list(ids)


def _channel_ids(db, names):
    """The ids of the channels the database takes for `names` (_Match decides exactly)."""
    cond, params = _ids_in("name", names)
    return sorted(set(r[0] for r in db._execute("SELECT chanid FROM status_channel WHERE "
                                                + cond, params).fetchall()))


def _where(db, table, args, since):
    """SQL conditions and parameters for `table` (columns prefixed s/c/p).  Channels and
    channel:name are looked up in the small tables first and given as ids, so the big
    table is read by its own indexes, never joined the wrong way round.  With `db` None:
    by name instead (see _where_names)."""
    conds, params = _common.source_condition(args)
    if since is not None:
        conds.append("s.timestamp >= %s")
        params.append(since)
    if args.channel:
        names = [_common.stored_form(c) for c in args.channel]
        if db is None:
            cond, ids = "c.name IN (%s)" % ",".join(["%s"] * len(names)), names
        else:
            cond, ids = _ids_in("s.chanid", _channel_ids(db, names))
        conds.append(cond)
        params.extend(ids)
    alternatives = []
    words = [_common.stored_form(w) for w in args.filters]
    if any(ord(c) > 127 for w in words if ":" not in w for c in w):
        return conds, params  # LIKE folds case for ASCII only: _Match alone decides
    for word in words:
        if ":" in word:  # channel:name, exact; try every split (names may hold ':')
            splits = [(word[:i], word[i + 1:]) for i, ch in enumerate(word) if ch == ":"]
            if db is None:
                for split in splits:
                    alternatives.append("(c.name = %s AND p.name = %s)")
                    params.extend(split)
            else:
                cond, ids = _ids_in("s.paramid", _param_ids(db, table, splits))
                alternatives.append(cond)
                params.extend(ids)
        else:
            alternatives.append(_LIKE_WORD)
            params.extend([u"%" + _common.like_escape(word) + u"%"] * 3)
    if alternatives:
        conds.append("(" + " OR ".join(alternatives) + ")")
    return conds, params


def _param_ids(db, table, splits):
    """Sorted ids of `table`'s parameters named by any (channel, name) of `splits`."""
    ids = set()
    for channel, name in splits:
        ids.update(r[0] for r in db._execute(
            "SELECT p.paramid FROM %s p JOIN status_channel c ON c.chanid = "
            "p.chanid WHERE c.name = %%s AND p.name = %%s" % _PARAMETERS[table],
            (channel, name)).fetchall())
    return sorted(ids)


def _fetch(db, table, conds, params, after=None, upto=None, last=None):
    conds, params = list(conds), list(params)
    if after is not None:
        conds.append("s.id > %s")
        params.append(after)
    if upto is not None:
        conds.append("s.id <= %s")
        params.append(upto)
    sql = _SELECT[table] + (" WHERE " + " AND ".join(conds) if conds else "")
    if last is not None:
        rows = db._execute(sql + " ORDER BY s.id DESC LIMIT %s", params + [last]).fetchall()
        rows.reverse()
        return rows
    return db._execute(sql + " ORDER BY s.id LIMIT %s", params + [FOLLOW_BATCH]).fetchall()


def _max_id(db, table):
    return db._execute("SELECT MAX(id) FROM %s" % table).fetchone()[0] or 0


# -- output -------------------------------------------------------------------
def _format(row, use_colour):
    """One display line; `row` is a 1-D or 2-D row as _SELECT returns them."""
    ts, channel, name, value = row[1], to_text(row[2]), to_text(row[3]), to_text(row[4])
    if len(row) > 5:
        name = "%s[%s,%s]" % (name, row[5], row[6])
    stamp = time.ctime(ts) if ts is not None else "-"
    if not use_colour:
        return "%s [%s] %s = %s" % (stamp, channel, name, value)
    c = _common.colour
    return "%s [%s] %s = %s" % (c(stamp, "grey"), c(channel, "cyan"), c(name, "bold"),
                                c(value, "green"))


def _by_time(rows):
    return sorted(rows, key=lambda r: (r[1] is None, r[1] or 0))


def _write(lines, out):
    """Write `lines` (any iterable, even a long generator) a thousand at a time."""
    chunk = []
    for line in lines:
        chunk.append(to_text(line) + u"\n")
        if len(chunk) >= 1000:
            _common.write(u"".join(chunk), out)
            chunk = []
    _common.write(u"".join(chunk), out)


def _last(db, table, conds, params, upto, n, match):
    """The last `n` matching rows with id <= upto, paging back past rows SQL let through."""
    rows = []
    while len(rows) < n:
        page = max(n, 1000)
        batch = _fetch(db, table, conds, params, upto=upto, last=page)
        rows = [r for r in batch if match(r)] + rows
        if len(batch) < page:
            break
        upto = batch[0][0] - 1
    return rows[-n:]


def _show(db, args, since, out, use_colour, stop=None):
    where = dict((table, _where(db, table, args, since)) for table in _SELECT)
    match = _Match(args, since)
    tops = dict((t, _max_id(db, t)) for t in _SELECT)
    rows = []
    if args.rows > 0:
        for table in _SELECT:
            rows.extend(_last(db, table, where[table][0], where[table][1], tops[table],
                              args.rows, match))
        rows = _by_time(rows)[-args.rows:]
    _write([_format(r, use_colour) for r in rows], out)
    if args.follow:
        _follow(db, _where_names(args, since), tops, match, out, use_colour, stop)
    return 0


def _follow(db, where, tops, match, out, use_colour, stop=None):
    """Show new rows of both tables as they commit (late commits too, see _follow).

    Rows committed when we started are "known"; the followers look back
    LOOKBACK ids below the start, so a row whose transaction was still open
    then (an id below the highest committed one) is shown when it commits.
    """
    from CryoCore.Tools._follow import follow
    follow(lambda: _followers(db, where, tops), match,
           lambda rows: _write([_format(r, use_colour) for r in _by_time(rows)], out),
           "TailStatus", stop)


def _followers(db, where, tops):
    from CryoCore.Tools._follow import IdFollower
    followers = []
    for table in _SELECT:
        base = max(0, tops[table] - LOOKBACK)
        conds, params = where
        known = set(r[0] for r in _fetch(db, table, conds, params, after=base,
                                         upto=tops[table]))
        fetch = (lambda after, t=table, k=known:
                 [r for r in _fetch(db, t, where[0], where[1], after=after) if r[0] not in k])
        followers.append(IdFollower(fetch, start_after=base))
    return followers


# -- commands -------------------------------------------------------------------
def _channels(db):
    return [r[0] for r in db._execute("SELECT name FROM status_channel ORDER BY name")]


def _clear_all(db, args, out):
    _common.confirm("Delete every status value in %s?" % db.describe(), args.yes)
    # DELETE, not TRUNCATE: MariaDB enforces the original's REFERENCES.  Channels and
    # parameters stay: running programs keep their cached ids.
    n = db._execute("DELETE FROM status").rowcount
    n2 = db._execute("DELETE FROM status2d").rowcount
    out.write("Deleted %d status and %d 2-D status rows\n" % (n, n2))
    return 0


def main(argv=None, out=None, stop=None):
    """TailStatus entry point; returns the exit status."""
    parser = build_parser()
    _common.autocomplete(parser)
    args = parser.parse_args(argv)
    out = out or sys.stdout
    args.rows = _common.check_rows(args.rows)  # SQL LIMIT takes 64-bit numbers
    if args.all:
        args.rows = _common.MAX_ROWS
    since = _common.parse_since(args.since) if args.since else None  # fails before the DB
    if args.timeseries:
        return _timeseries(args, since, out)
    db = _open(args)
    follow = args.follow and not (args.list_channels or args.clear_all)
    if not _has_tables(db, follow, stop):
        return 0  # no CryoCore status tables yet: nothing to show or delete
    _common.resolve_source(db, args)
    if args.list_channels:
        _write(_channels(db), out)
        return 0
    if args.clear_all:
        return _clear_all(db, args, out)
    return _show(db, args, since, out, _common.use_colour(args, out), stop)


def _timeseries(args, since, out):
    """--timeseries FILE: the history of the selected parameters as CSV (reads only)."""
    from CryoCore.Core._status_reader import StatusReader
    from CryoCore.Tools import _timeseries
    until = _common.parse_since(args.until) if args.until else None
    reader = StatusReader(db_cfg=_common.db_settings(args, "status"))
    source = _common.source_name(args)
    try:
        params = reader.select(args.filters) if args.filters else reader.parameters()
        reader.check_source(source)  # before a file is made
        lines = _timeseries.rows(reader, params, since, until, args.fill, source)
        if args.timeseries == "-":
            _write(lines, out)
            return 0
        with io.open(args.timeseries, "w", encoding="utf-8", newline="") as f:
            for line in lines:
                f.write(line + u"\n")
    finally:
        reader.close()
    return 0


# -- completion -------------------------------------------------------------------
def _completion_db(parsed_args):
    from CryoCore.Core import InternalDB
    return InternalDB.mysql("TailStatus", config=_common.db_settings(parsed_args, "status"),
                            create=False)


def _complete_channels(prefix, parsed_args, **kwargs):
    try:
        return [c for c in _channels(_completion_db(parsed_args)) if c.startswith(prefix)]
    except Exception:  # completion must never print a traceback into the shell
        return []


def _complete_filters(prefix, parsed_args, **kwargs):
    try:
        db = _completion_db(parsed_args)
        if ":" not in prefix:
            return [c + ":" for c in _channels(db) if c.startswith(prefix)]
        names = db._execute("SELECT c.name, p.name FROM status_parameter p JOIN status_channel c "
                            "ON c.chanid = p.chanid UNION SELECT c.name, p.name FROM "
                            "status_parameter2d p JOIN status_channel c ON c.chanid = p.chanid")
        full = sorted("%s:%s" % (c, n) for c, n in names)
        return [f for f in full if f.startswith(prefix)]
    except Exception:  # completion must never print a traceback into the shell
        return []


console_main = _common.entry_point(main)

if __name__ == "__main__":
    console_main()

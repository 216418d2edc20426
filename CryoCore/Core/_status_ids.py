"""Channel and parameter ids of the status tables, and the columns the writer fills.

Used by the status sinks (writer thread) and by the writer's own health rows.
"""
from __future__ import absolute_import, division, print_function

from . import _schema
from ._compat import to_text
from ._exceptions import DatabaseError

#: The columns the writer fills (``_schema`` creates the tables; id, aux and the writer's
#: sequence columns are the others).  Rows are built by status_row / status2d_row only.
STATUS_COLUMNS = ("timestamp", "paramid", "chanid", "value", "expires")
STATUS2D_COLUMNS = ("timestamp", "paramid", "chanid", "posx", "posy", "value", "expires")


def status_row(timestamp, ids, text, expires):
    """A row of ``status`` in STATUS_COLUMNS order; `ids` is ``(paramid, chanid)``."""
    return (timestamp, ids[0], ids[1], text, expires)


def status2d_row(timestamp, ids, x, y, value, expires):
    """A row of ``status2d`` in STATUS2D_COLUMNS order; `ids` starts ``paramid, chanid``."""
    return (timestamp, ids[0], ids[1], x, y, value, expires)


class _Ids(object):
    """Channel and parameter ids of one database, cached (writer thread only)."""

    def __init__(self, db, on_ready=None):
        self.db = db
        self.ready = False
        self.on_ready = on_ready  # called with the db settings once the tables exist
        self.channels = {}
        self.params = {}    # (channel, name) -> (paramid, chanid)
        self.params2d = {}  # (channel, name) -> [paramid, chanid, sizex, sizey]
        self.refused = {}   # (what, params) -> the clash error (no queries for it again)

    def forget(self):
        """Drop cached ids (another program deleted channels or parameters)."""
        self.channels.clear()
        self.params.clear()
        self.params2d.clear()
        self.refused.clear()

    def _ensure(self):
        if not self.ready:
            _schema.ensure(self.db, "status")
            self.ready = True
            if self.on_ready is not None:
                self.on_ready(self.db.settings)

    def _exact(self, select, params):
        """The row whose name (its last column) is exactly params[0]: MySQL's `=` also
        matches names differing in case, accents or trailing spaces."""
        for row in self.db._execute(select, params).fetchall():
            if to_text(row[-1]) == params[0]:
                return row
        return None

    def _select_or_insert(self, select, insert, params, what):
        refused = self.refused.get((what, params))
        if refused is not None:
            raise refused
        row = self._exact(select, params)
        if row is None:
            # No UNIQUE index in an original database: select first so we never duplicate;
            # INSERT IGNORE covers another process winning the race where the index exists.
            self.db._execute(insert, params)
            row = self._exact(select, params)
            if row is None:  # the unique index took it for a near-namesake: refuse
                others = [to_text(r[-1]) for r in self.db._execute(select, params).fetchall()]
                refused = self.refused[(what, params)] = DatabaseError(
                    "status %s %r clashes with existing %s in %s: the database does not tell "
                    "names apart that differ only in case, accents or trailing spaces; its "
                    "values are not stored" % (what, params[0], ", ".join(repr(o) for o in others),
                                               self.db.describe()))
                raise refused
        return row

    def channel(self, name):
        chanid = self.channels.get(name)
        if chanid is None:
            self._ensure()
            row = self._select_or_insert(
                "SELECT chanid, name FROM status_channel WHERE name=%s",
                "INSERT IGNORE INTO status_channel (name) VALUES (%s)", (name,), "channel")
            chanid = self.channels[name] = row[0]
        return chanid

    def param(self, key):
        ids = self.params.get(key)
        if ids is None:
            chanid = self.channel(key[0])
            row = self._select_or_insert(
                "SELECT paramid, name FROM status_parameter WHERE name=%s AND chanid=%s",
                "INSERT IGNORE INTO status_parameter (name, chanid) VALUES (%s, %s)",
                (key[1], chanid), "parameter")
            ids = self.params[key] = (row[0], chanid)
        return ids

    def param2d(self, key, sizex, sizey):
        ids = self.params2d.get(key)
        if ids is None:
            chanid = self.channel(key[0])
            row = self._select_or_insert(
                "SELECT paramid, sizex, sizey, name FROM status_parameter2d "
                "WHERE name=%s AND chanid=%s",
                "INSERT IGNORE INTO status_parameter2d (name, chanid) VALUES (%s, %s)",
                (key[1], chanid), "2-D parameter")
            ids = self.params2d[key] = [row[0], chanid, row[1] or 0, row[2] or 0]
        if sizex != ids[2] or sizey != ids[3]:  # new, or the grid grew
            self.db._execute("UPDATE status_parameter2d SET sizex=%s, sizey=%s WHERE paramid=%s",
                             (sizex, sizey, ids[0]))
            ids[2], ids[3] = sizex, sizey
        return ids

"""Reading the config history: the tree of a version at time T, changes, diffs, pruning.

`tree_at` rebuilds a version as it was from ``config_history`` (the last row of each
config row at or before T) into a VersionCache, the structure the live cache uses, so
every reader (views, ConfigTool's list/get/serialize) shows a past tree unchanged.
`PastStore` serves such trees to ``Config.Configuration`` as a read-only store.
"""
from __future__ import absolute_import, division, print_function

import datetime
import time

from . import _config_history as H
from . import _config_cache
from ._compat import to_text
from ._exceptions import ConfigException

SET_ANY = ("baseline", "add", "set", "copy")


class NoHistory(ConfigException):
    """A time before the config history begins (nothing is known about it)."""


class ReadOnlyConfig(ConfigException):
    """A write to a view of the past."""


def _text(v):
    if isinstance(v, bytearray):
        v = bytes(v)
    return to_text(v)


def has_history(db):
    from . import _schema
    return _schema.has_table(db, H.TABLE)


def begin(db):
    """(time history begins, whether the tree was empty then), or (None, False)."""
    if not has_history(db):
        return None, False
    row = db._execute("SELECT time, value FROM config_history WHERE config_id = 0 AND "
                      "op = 'begin' ORDER BY time DESC LIMIT 1").fetchone()
    if row is None:
        return None, False
    return float(row[0]), _text(row[1]) == "empty"


def check_time(db, t):
    """None if `t` is covered by the history; else a note for before it (the tree was
    empty then) or NoHistory (nothing is known before it)."""
    start, empty = begin(db)
    if start is None:
        raise NoHistory("this config database has no history yet")
    if t < start:
        if not empty:
            raise NoHistory("no history before %s" % time.ctime(start))
        return "no configuration existed before %s: the tree was empty" % time.ctime(start)
    if t > time.time():
        return "%s is in the future: showing the current tree" % time.ctime(t)
    return None


def state_rows(db, version, t):
    """[(config_id, parent, name, value, datatype, comment, time)] of `version` at `t`."""
    # Two plain steps on the cc_at index: the time of each config row's last change by t
    # (the version as a range, so MariaDB reads one index entry per config row: a loose
    # index scan), then those rows by all three columns.  MySQL is told the index: with
    # the statistics of a freshly filled table it scanned the table instead (minutes).
    force = "" if db.is_sqlite else " FORCE INDEX (cc_at)"
    last = db._execute(
        "SELECT version, config_id, MAX(time) FROM config_history%s WHERE version >= %%s AND "
        "version <= %%s AND time <= %%s GROUP BY version, config_id" % force,
        (version, version, t)).fetchall()
    # config ids are unique across versions: the exact version is checked here, once
    keys = [(int(r[1]), r[2]) for r in last if _text(r[0]) == version and int(r[1]) != 0]
    times = dict(keys)
    best = {}
    for i in range(0, len(keys), H.BATCH):
        chunk = keys[i:i + H.BATCH]
        params = [version]
        for cid, at in chunk:
            params += [cid, at]
        for r in db._execute(
                "SELECT id, config_id, parent, name, op, value, datatype, comment "
                "FROM config_history%s WHERE version = %%s AND (config_id, time) IN (%s)"
                % (force, ",".join(["(%s, %s)"] * len(chunk))), params).fetchall():
            cid = int(r[1])
            if cid not in best or r[0] > best[cid][0]:
                best[cid] = r
    return [(cid, int(r[2] or 0), _text(r[3]), _text(r[5]), _text(r[6]) or "string",
             _text(r[7]), float(times[cid])) for cid, r in best.items() if _text(r[4]) in SET_ANY]


def tree_at(db, version, t):
    """A VersionCache of `version` as it was at `t` (epoch seconds)."""
    vc = _config_cache.VersionCache(version)
    vc.id = -1  # not a live version: never written
    nodes = {}
    newest = None
    for cid, parent, name, text, datatype, comment, when in state_rows(db, version, t):
        node = _config_cache.Node(cid, parent, name, text, datatype, comment, None)
        node.modified = when  # epoch seconds, as readers use it (no datetime per row)
        nodes[cid] = node
        if newest is None or when > newest:
            newest = when
    vc.nodes = nodes
    vc.max_lm = None if newest is None else datetime.datetime.fromtimestamp(newest)
    vc._rebuild()
    vc.from_copy = None
    return vc


def changes(db, version, root="", since=None):
    """History rows of `version` at and under path `root`, oldest first: dicts with time,
    op, path, value/datatype/comment after and old_* before, user, host, program."""
    sql = ("SELECT time, op, path, value, datatype, comment, old_value, old_datatype, "
           "old_comment, user, host, program, version, id FROM config_history "
           "WHERE version = %s AND config_id <> 0")
    params = [version]
    if since is not None:
        sql += " AND time >= %s"
        params.append(since)
    if root:
        sql += " AND (path = %s OR path LIKE %s ESCAPE '|')"
        params += [root, _like_prefix(root)]
    sql += " ORDER BY time, id"
    out = []
    for r in db._execute(sql, params).fetchall():
        path = _text(r[2]) or ""
        if _text(r[12]) != version or (root and not (path == root or path.startswith(root + "."))):
            continue  # the database narrows without regard to case; we decide exactly
        out.append({"time": float(r[0]), "op": _text(r[1]), "path": path,
                    "value": _text(r[3]), "datatype": _text(r[4]), "comment": _text(r[5]),
                    "old_value": _text(r[6]), "old_datatype": _text(r[7]),
                    "old_comment": _text(r[8]), "user": _text(r[9]), "host": _text(r[10]),
                    "program": _text(r[11])})
    return out


def _like_prefix(path):
    return path.replace("|", "||").replace("%", "|%").replace("_", "|_") + ".%"


def prune(db, before):
    """Forget history before `before`, keeping what rebuilds the tree at `before` (the
    last row of each config row before it, unless a removal); returns rows deleted."""
    deleted = 0
    with db._transaction():
        keep = set(int(r[0]) for r in db._execute(
            "SELECT h.id FROM config_history h JOIN (SELECT config_id, MAX(time) AS t FROM "
            "config_history WHERE time < %s AND config_id <> 0 GROUP BY config_id) m ON "
            "h.config_id = m.config_id AND h.time = m.t WHERE h.op IN ('baseline', 'add', "
            "'set', 'copy')", (before,)).fetchall())
        ids = [int(r[0]) for r in db._execute("SELECT id FROM config_history WHERE time < %s",
                                               (before,)).fetchall()]
        ids = [i for i in ids if i not in keep]
        for i in range(0, len(ids), H.BATCH):
            chunk = ids[i:i + H.BATCH]
            deleted += db._execute("DELETE FROM config_history WHERE id IN (%s)"
                                   % ",".join(["%s"] * len(chunk)), chunk).rowcount
        db._execute("DELETE FROM config_history WHERE config_id = 0 AND op = 'begin'")
        db._insert_many(H.TABLE, H._COLUMNS, [
            (before, "", 0, None, None, None, "begin", None, None, None, None, None, None)
            + H.who() + ("begin",)])
    return deleted


class PastStore(object):
    """A read-only stand-in for the config Store: versions as they were at `t`, read
    through `db` (a config Store's connection, or a viewer's that never creates)."""

    def __init__(self, db, t):
        self.db = db
        self.at = t
        self.note = check_time(self.db, t)
        self.versions = {}

    def version(self, name, create=True):
        vc = self.versions.get(name)
        if vc is None:
            vc = self.versions[name] = tree_at(self.db, name, self.at)
        return vc

    def version_exists(self, name):
        return bool(self.version(name).nodes)

    def _refuse(self, *args, **kwargs):
        raise ReadOnlyConfig("this is the configuration as it was at %s: it cannot be changed"
                             % time.ctime(self.at))

    set = add = set_comment = remove = put_many = _refuse
    add_version = delete_version = copy_version = _refuse

    def add_callback(self, *args):
        return 0  # the past does not change: the callback is never called

    def del_callback(self, cid):
        return False

    def list_versions(self):
        rows = self.db._execute("SELECT DISTINCT version FROM config_history WHERE "
                                "config_id <> 0 AND time <= %s", (self.at,)).fetchall()
        out = []
        for (name,) in rows:
            vc = self.version(_text(name))
            if vc.nodes:
                out.append((vc.name, "", time.ctime(_config_cache.epoch(vc.max_lm))))
        return sorted(out)


def epoch_of(at):
    """Epoch seconds of `at`: a number, or time text (``parse_time``'s forms)."""
    if isinstance(at, (int, float)) and not isinstance(at, bool):
        return float(at)
    from ._timeparse import parse_time
    return parse_time(to_text(at))

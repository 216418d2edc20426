"""The append-only config history: every change, who made it, and the tree at any time.

Table ``config_history`` (both backends) holds one row per change of one config row:
its state after the change (``value``, ``datatype``, ``comment``; NULL after a removal),
the state before it (``old_*``), the time (epoch seconds), who (``user``, ``host``,
``program``) and ``op``: ``baseline`` (the tree when the table was made), ``add``,
``set``, ``remove``, ``copy`` (added by a version copy), ``drop`` (removed with its
version, or replaced by a copy).  A row with ``config_id`` 0 and op ``begin`` marks the
time from which the history is complete.

CryoCore records its own writes in the transaction of the change.  Writes by other
programs (the original's tools on a shared MySQL database) are recorded by database
triggers where the account may create them, else by the config poller, once
(``UNIQUE(config_id, cc_key)``, the key being the row's ``last_modified`` text).
A program writing for someone else (the web server for its logged-in user) wraps the
write in ``acting_as(user, host, program)``.
"""
from __future__ import absolute_import, division, print_function

import datetime
import getpass
import hashlib
import os
import contextlib
import socket
import sys
import threading
import time
import uuid

from . import InternalDB
from ._compat import one_line, to_text
from ._exceptions import DatabaseError, is_connection_error

TABLE = "config_history"
BATCH = 500   # ids per IN (...) list
_COLUMNS = ("time", "version", "config_id", "parent", "path", "name", "op", "value", "datatype",
            "comment", "old_value", "old_datatype", "old_comment", "user", "host", "program",
            "cc_key")

# The columns after the id, the same on both backends (the id and the indexes differ).
_COLUMNS_DDL = """time DOUBLE NOT NULL,
    version VARCHAR(128) NOT NULL,
    config_id INTEGER NOT NULL,
    parent INTEGER,
    path TEXT,
    name VARCHAR(128),
    op VARCHAR(16) NOT NULL,
    value VARCHAR(256),
    datatype VARCHAR(16),
    comment TEXT,
    old_value VARCHAR(256),
    old_datatype VARCHAR(16),
    old_comment TEXT,
    user VARCHAR(128),
    host VARCHAR(255),
    program VARCHAR(255),
    cc_key VARCHAR(64) NOT NULL"""

_MYSQL_TABLE = """CREATE TABLE IF NOT EXISTS config_history (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    %s,
    UNIQUE KEY cc_once (config_id, cc_key),
    INDEX cc_at (version, config_id, time)
) CHARACTER SET utf8mb4""" % _COLUMNS_DDL
# cc_at serves the tree at T (last row per config_id up to T, then that row by all three
# columns) and a version's changes.  No index on time alone: the planner would join the
# rows back by time, and one transaction's rows (a baseline, an import) share one time.

_SQLITE_TABLE = [
    """CREATE TABLE IF NOT EXISTS config_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    %s,
    UNIQUE(config_id, cc_key))""" % _COLUMNS_DDL,
    "CREATE INDEX IF NOT EXISTS config_history_at ON config_history(version, config_id, time)",
]

# Triggers record what other programs change; CryoCore's own connections set @cc_writer
# (it records its writes itself, with the user, host and program the database cannot see).
_PATH_OF = ("CONCAT_WS('.', (SELECT h.path FROM config_history h WHERE h.config_id = %s.parent "
            "AND h.config_id <> 0 LIMIT 1), %s.name)")
_KEY = ("CONCAT('m:', NEW.last_modified, ':', LEFT(MD5(CONCAT_WS('|', "
        "IF(NEW.value IS NULL, 'N', CONCAT('T', NEW.value)), "
        "IF(NEW.datatype IS NULL, 'N', CONCAT('T', NEW.datatype)), "
        "IF(NEW.comment IS NULL, 'N', CONCAT('T', NEW.comment)))), 12))")
_WHO = "SUBSTRING_INDEX(USER(), '@', 1), SUBSTRING_INDEX(USER(), '@', -1), 'SQL'"
_TRIGGERS = {
    "cc_history_insert": """CREATE TRIGGER cc_history_insert AFTER INSERT ON config
        FOR EACH ROW BEGIN IF @cc_writer IS NULL THEN
        INSERT IGNORE INTO config_history (%s) VALUES (UNIX_TIMESTAMP(NOW(6)),
          (SELECT v.name FROM config_version v WHERE v.id = NEW.version), NEW.id, NEW.parent,
          %s, NEW.name, 'add', NEW.value, NEW.datatype, NEW.comment, NULL, NULL, NULL, %s,
          %s);
        END IF; END""" % (", ".join(_COLUMNS), _PATH_OF % ("NEW", "NEW"), _WHO, _KEY),
    "cc_history_update": """CREATE TRIGGER cc_history_update AFTER UPDATE ON config
        FOR EACH ROW BEGIN IF @cc_writer IS NULL AND NOT (BINARY NEW.value <=> BINARY OLD.value
          AND NEW.datatype <=> OLD.datatype AND BINARY NEW.comment <=> BINARY OLD.comment) THEN
        INSERT IGNORE INTO config_history (%s) VALUES (UNIX_TIMESTAMP(NOW(6)),
          (SELECT v.name FROM config_version v WHERE v.id = NEW.version), NEW.id, NEW.parent,
          %s, NEW.name, 'set', NEW.value, NEW.datatype, NEW.comment, OLD.value, OLD.datatype,
          OLD.comment, %s, %s);
        END IF; END""" % (", ".join(_COLUMNS), _PATH_OF % ("NEW", "NEW"), _WHO, _KEY),
    "cc_history_delete": """CREATE TRIGGER cc_history_delete AFTER DELETE ON config
        FOR EACH ROW BEGIN IF @cc_writer IS NULL THEN
        INSERT IGNORE INTO config_history (%s) VALUES (UNIX_TIMESTAMP(NOW(6)),
          (SELECT v.name FROM config_version v WHERE v.id = OLD.version), OLD.id, OLD.parent,
          %s, OLD.name, 'remove', NULL, NULL, NULL, OLD.value, OLD.datatype, OLD.comment, %s,
          'r');
        END IF; END""" % (", ".join(_COLUMNS), _PATH_OF % ("OLD", "OLD"), _WHO),
}


_acting = threading.local()


@contextlib.contextmanager
def acting_as(user, host, program):
    """Within the block, config writes made by this thread are recorded as made by
    (user, host, program) instead of this process's account (e.g. a web user)."""
    before = getattr(_acting, "who", None)
    _acting.who = (to_text(user), to_text(host), to_text(program))
    try:
        yield
    finally:
        _acting.who = before


def who():
    """(user, host, program) of this process."""
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry (containers): the uid is still someone
        user = "uid%d" % os.getuid() if hasattr(os, "getuid") else "?"
    program = os.path.basename(sys.argv[0] or "") if sys.argv else ""
    return to_text(user), to_text(socket.gethostname()), to_text(program or "python")


def key_of(last_modified, value, datatype, comment):
    """The dedup key of a change: the row's last_modified as MySQL shows it, and a digest
    of what it holds (the triggers compute the same)."""
    if isinstance(last_modified, datetime.datetime):
        when = last_modified.strftime("%Y-%m-%d %H:%M:%S.%f")
    else:
        when = to_text(last_modified)
    held = u"|".join(u"N" if v is None else u"T" + _text(v) for v in (value, datatype, comment))
    return "m:%s:%s" % (when, hashlib.md5(held.encode("utf-8")).hexdigest()[:12])


def _text(v):
    if isinstance(v, bytearray):
        v = bytes(v)
    return to_text(v)


def _paths(rows, known=None):
    """{id: full path} of config rows (id, parent, name, ...), using `known` {id: path}."""
    known = dict(known or {})
    by_id = dict((r[0], r) for r in rows)
    out = {}

    def path_of(i, depth=0):
        if i == 0 or depth > 200:
            return ""
        if i in out:
            return out[i]
        if i in known:
            return known[i]
        row = by_id.get(i)
        if row is None:
            return None
        base = path_of(row[1] or 0, depth + 1)
        if base is None:
            return None
        p = base + "." + _text(row[2]) if base else _text(row[2])
        out[i] = p
        return p
    for r in rows:
        path = path_of(r[0])
        if path is not None:
            out[r[0]] = path
    return out


class Recorder(object):
    """Writes the history of one config database (used by the config Store)."""

    def __init__(self, db):
        self.db = db
        self.ready = False
        self.triggers = False   # MySQL triggers record other programs' writes
        self._who = who()

    # -- the table ------------------------------------------------------------
    def ensure(self):
        """Create the table (with a baseline of the current tree) and, on MySQL, the
        triggers if the account may; idempotent.  An account that may not create the
        table works on without history (said once on stderr)."""
        from . import _schema
        try:
            existed = _schema.has_table(self.db, TABLE)
            if not existed:
                if self.db.is_sqlite:
                    self.db._init_sqls(_SQLITE_TABLE)
                else:
                    self.db._init_sqls([_MYSQL_TABLE])
                self.baseline()
        except DatabaseError as e:
            if is_connection_error(e):
                raise
            InternalDB.report("config history: cannot create %s (%s): config changes are not "
                              "recorded" % (TABLE, one_line(e)))
            return
        if not self.db.is_sqlite:
            self.triggers = self._ensure_triggers(say=not existed)
        self.ready = True

    def _ensure_triggers(self, say):
        """Whether our triggers are on `config` (created if missing and allowed); `say`:
        report a refusal on stderr (once per database: when the table is made)."""
        have = set(_text(r[0]) for r in self.db._execute(
            "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = "
            "DATABASE() AND event_object_table = 'config'").fetchall())
        missing = [n for n in sorted(_TRIGGERS) if n not in have]
        for name in missing:
            try:
                self.db._execute(_TRIGGERS[name])
            except DatabaseError as e:
                if is_connection_error(e):
                    raise
                if getattr(e, "errno", None) == 1359:  # already exists: another process
                    continue
                if say:
                    InternalDB.report(
                        "config history: cannot create database triggers (%s): changes by "
                        "other programs are recorded by a running CryoCore program's config "
                        "poller" % one_line(e))
                return False
        return True

    def baseline(self):
        """Record the current tree of every version, and the time history begins."""
        now = time.time()
        with self.db._transaction():
            self._begin_writer()
            versions = self.db._execute("SELECT id, name FROM config_version").fetchall()
            count = 0
            for vid, vname in versions:
                rows = self.db._execute("SELECT id, parent, name, value, datatype, comment "
                                        "FROM config WHERE version = %s", (vid,)).fetchall()
                paths = _paths(rows)
                out = [self._row(now, _text(vname), r, paths.get(r[0]), "baseline", None, "b")
                       for r in rows]
                count += len(out)
                self.db._insert_many(TABLE, _COLUMNS, out, prefix="INSERT IGNORE INTO")
            self.db._insert_many(TABLE, _COLUMNS, [
                (now, "", 0, None, None, None, "begin", "empty" if not count else None, None,
                 None, None, None, None) + self._who + ("begin",)], prefix="INSERT IGNORE INTO")

    def _row(self, t, version, row, path, op, old, key, who=None):
        """A history row: `row` is (id, parent, name, value, datatype, comment) after the
        change (None for a removal), `old` (value, datatype, comment) before it."""
        cid, parent, name = row[0], row[1], _text(row[2])
        new = (None, None, None) if op in ("remove", "drop") else (
            _text(row[3]), _text(row[4]) or "string", _text(row[5]))
        old = tuple(old) if old else (None, None, None)
        who = who or getattr(_acting, "who", None) or self._who
        return (t, version, cid, parent, path, name, op) + new + old + tuple(who) + (key,)

    def _key(self, last_modified, value, datatype, comment):
        """Our own change's key.  SQLite is shared by CryoCore programs only, which record
        their writes themselves: a key of its own (its millisecond last_modified could make
        two quick changes look alike)."""
        if self.db.is_sqlite:
            return "w:" + uuid.uuid4().hex
        return key_of(last_modified, value, datatype, comment)

    def _begin_writer(self):
        if not self.db.is_sqlite:
            self.db._execute("SET @cc_writer = 1")  # our triggers leave our writes to us

    # -- CryoCore's own writes (inside the change's transaction) ---------------------
    def begin(self):
        """Call first in a write transaction."""
        if self.ready:
            self._begin_writer()

    def record(self, vc, touched, deleted):
        """Record the rows `touched` (inserted or updated) and `deleted` by a write to the
        version cached in `vc` (whose nodes still hold the state before the write)."""
        if not self.ready or (not touched and not deleted):
            return
        now = time.time()
        out = []
        rows = self._config_rows(list(touched))
        known = dict(vc.path_of)
        paths = _paths(rows, known)
        for r in rows:
            cid = int(r[0])
            old = vc.nodes.get(cid)
            new = (_text(r[3]), _text(r[4]) or "string", _text(r[5]))
            if old is not None and (old.text, old.datatype, old.comment) == new:
                continue  # a folder the write passed through
            out.append(self._row(now, vc.name, r, paths.get(cid), "add" if old is None else "set",
                                 None if old is None else (old.text, old.datatype, old.comment),
                                 self._key(r[6], *new)))
        unknown = [i for i in deleted if i not in vc.nodes]
        found = self._known_paths(unknown)
        for cid in deleted:
            old = vc.nodes.get(cid)
            if old is None:
                path = found.get(cid)
                row, before = (cid, None, path.rpartition(".")[2] if path else None), None
            else:
                path = vc.path_of.get(cid)
                row, before = (cid, old.parent, old.name), (old.text, old.datatype, old.comment)
            out.append(self._row(now, vc.name, row, path, "remove", before, "r"))
        self.db._insert_many(TABLE, _COLUMNS, out, prefix="INSERT IGNORE INTO")

    def _config_rows(self, ids):
        out = []
        for i in range(0, len(ids), BATCH):
            chunk = ids[i:i + BATCH]
            out.extend(self.db._execute(
                "SELECT id, parent, name, value, datatype, comment, last_modified FROM config "
                "WHERE id IN (%s)" % ",".join(["%s"] * len(chunk)), chunk).fetchall())
        return out

    def _known_paths(self, ids):
        out = {}
        for i in range(0, len(ids), BATCH):
            chunk = ids[i:i + BATCH]
            for cid, path in self.db._execute(
                    "SELECT config_id, path FROM config_history WHERE config_id IN (%s)"
                    % ",".join(["%s"] * len(chunk)), chunk).fetchall():
                if path is not None:
                    out[int(cid)] = _text(path)
        return out

    def version_rows(self, vid):
        return self.db._execute("SELECT id, parent, name, value, datatype, comment, "
                                "last_modified FROM config WHERE version = %s ORDER BY id",
                                (vid,)).fetchall()

    def record_version(self, vid, version, op):
        """Record every row of version id `vid`: op "drop" before its rows are deleted
        (version deleted, or replaced by a copy), "copy" after a copy inserted them."""
        if not self.ready:
            return
        now = time.time()
        rows = self.version_rows(vid)
        paths = _paths(rows)
        out = []
        for r in rows:
            old = None if op == "copy" else (_text(r[3]), _text(r[4]) or "string", _text(r[5]))
            out.append(self._row(now, version, r, paths.get(r[0]), op, old,
                                 "r" if op == "drop" else self._key(r[6], *r[3:6])))
        self.db._insert_many(TABLE, _COLUMNS, out, prefix="INSERT IGNORE INTO")

    # -- what the poller sees (other programs' writes, where no trigger records them) ------
    @property
    def watching(self):
        """Whether the poller must record the changes it sees."""
        return self.ready and not self.db.is_sqlite and not self.triggers

    def seen(self, vc, pairs, gone):
        """Record changes by another program: `pairs` of (old node or None, new node),
        `gone` nodes.  Once: a change some program recorded already is skipped."""
        now = time.time()
        who = (u"?", u"?", u"other program (seen by %s on %s)" % (self._who[2], self._who[1]))
        rows = []
        paths = _paths([(n.id, n.parent, n.name) for _, n in pairs], vc.path_of)
        for old, node in pairs:
            if old is not None and (old.text, old.datatype, old.comment) == (
                    node.text, node.datatype, node.comment):
                continue
            path = paths.get(node.id)
            t = node.modified if node.modified is not None else now
            rows.append(self._row(t, vc.name, (node.id, node.parent, node.name, node.text,
                                               node.datatype, node.comment), path,
                                  "add" if old is None else "set",
                                  None if old is None else (old.text, old.datatype, old.comment),
                                  key_of(node.last_modified, node.text, node.datatype,
                                         node.comment), who))
        for old in gone:
            rows.append(self._row(now, vc.name, (old.id, old.parent, old.name),
                                  vc.path_of.get(old.id), "remove",
                                  (old.text, old.datatype, old.comment), "r", who))
        if rows:
            self.db._insert_many(TABLE, _COLUMNS, rows, prefix="INSERT IGNORE INTO")


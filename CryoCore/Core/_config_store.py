"""The config database behind an in-process cache, kept fresh by one poller thread.

Reads only touch the cache (plain dicts swapped atomically).  Writers and the
poller serialize on the store lock, write to the database in a transaction,
then re-read what they touched and diff it into the cache; the diff yields
the callback events, fired after the lock is released.  The poller reads rows
whose ``last_modified`` is recent (with a look-back for late commits) and
compares ``COUNT(*)``/``SUM(id)`` per version to see deletions.
"""
from __future__ import absolute_import, division, print_function

import calendar
import contextlib
import datetime
import os
import random
import threading
import time

from . import InternalDB, _config_history, _config_io, _config_lkg, _runtime, _schema
from . import _config_types as T
from ._compat import one_line, to_text
from ._config_cache import ROOT_NODE, ConfigParameter, Node, VersionCache, epoch  # noqa: F401
from ._exceptions import (ConfigValueError, DatabaseError, IntegrityException,
                          NoSuchVersionException, VersionAlreadyExistsException,
                          is_connection_error)

POLL_INTERVAL = 0.2     # seconds between polls: changes elsewhere show within 1 s
LOOK_BACK = 2.0         # seconds of last_modified re-read for rows committed late
FULL_RELOAD_EVERY = 30.0  # seconds: safety net reload of every cached version
MAX_BACKOFF = 1.0       # seconds between polls while the database is unreachable
WRITE_ATTEMPTS = 10     # a write that lost a race (duplicate key, deadlock) is run again,
RACE_PAUSE = 0.02       # after a random pause of up to this many seconds times the attempt
# MySQL errors meaning "another transaction got there first": run the write again.
_RACE_ERRNOS = (1062, 1213, 1205)   # duplicate key, deadlock, lock wait timeout
_COLUMNS = "id, parent, name, value, datatype, comment, last_modified"
# SQLite's last_modified is local-time text of the writer's zone: cc_modified (epoch
# seconds, set by triggers) is what changes are found by.  MySQL sessions run in UTC.
_SQLITE_COLUMNS = _COLUMNS + ", cc_modified"


def utc_epoch(dt):
    """Epoch seconds of a naive UTC datetime (None stays None)."""
    if dt is None:
        return None
    return calendar.timegm(dt.utctimetuple()) + dt.microsecond / 1e6


def _text(v):
    if isinstance(v, bytearray):
        v = bytes(v)
    return to_text(v)


def _as_datetime(raw):
    if raw is None or isinstance(raw, datetime.datetime):
        return raw
    text = _text(raw)
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


class Store(object):
    """One config database: version caches, writes, the poller, callbacks."""

    def __init__(self, db_cfg=None, name="Config"):
        self.db = InternalDB.mysql(name, config=db_cfg, service="config")
        self.db.time_zone = "+00:00"  # change times compared in UTC, whatever the zones
        self._lock = threading.RLock()
        self._pid = os.getpid()  # a forked child never stops or saves the parent's store
        self._schema_ok = False
        self.history = _config_history.Recorder(self.db)  # every change, kept
        self._polling = False  # the poller records other programs' changes it sees
        self.copies = _config_lkg.Copies(self)  # last-known-good copies of the versions
        try:
            self._ensure_schema()
        except DatabaseError as e:  # unreachable: load_version may serve a saved copy
            if not is_connection_error(e):
                raise
            self.copies.note_down(e)
        self.versions = {}      # name -> VersionCache
        self._callbacks = {}    # id -> (VersionCache, path, fn, args, config)
        self._cb_lock = threading.Lock()  # not the store lock: firing never waits on the DB
        self._next_cb = 1
        self._stop = threading.Event()
        self._thread = None
        self._last_full = time.time()
        self._polled_at = {}    # version name -> database time of its last poll
        self._poll_error = None
        _runtime.on_shutdown("config", self.stop)

    # -- loading (and start-up without the database) ------------------------------
    def _ensure_schema(self):
        if not self._schema_ok:
            _schema.ensure(self.db, "config")
            self.history.ensure()
            self._schema_ok = True

    @contextlib.contextmanager
    def _reaching(self, doing=None):
        """Turn "database unreachable" errors into one clear message."""
        try:
            yield
        except DatabaseError as e:
            if is_connection_error(e):
                raise _config_lkg.unreachable(self.db, e, doing)
            raise

    def load_version(self, name, create=True):
        """Load version `name`'s whole tree from the database into the cache.

        This is the one place a version is read in full.  A last-known-good copy
        is saved after it succeeds; when the database is unreachable the copy is
        served instead, until the poller finds the database again.
        """
        _check_version_name(name)
        events = []
        # just failed to connect: a hung server would make every version wait again
        vc = self.copies.serve(name, required=False) if self.copies.recently_down() else None
        if vc is None:
            try:
                vc, events = self._load_live(name, create, fire_new=False)
            except DatabaseError as e:
                if not is_connection_error(e):
                    raise
                self.copies.note_down(e)
                vc = self.copies.serve(name)
        self._start()
        self._fire(events)
        self.copies.save()
        return vc

    def _load_live(self, name, create, fire_new):
        with self._lock:
            self._ensure_schema()
            vc = self.versions.get(name) or VersionCache(name)
            row = self._version_row(name)
            if row is None:
                if not create:
                    raise NoSuchVersionException("no such version %s" % T.show(name))
                self._insert_version(name)
                row = self._version_row(name)
            if vc.nodes and vc.id != row[0]:  # a copy of another incarnation: ids differ
                self._apply(vc, [], full=True, fire_new=False)
                vc.max_modified = None
            vc.id, vc.device, vc.comment = row[0], _text(row[1]), _text(row[2])
            events = self._apply(vc, self._rows(vc.id), full=True, fire_new=fire_new)
            was_copy, vc.from_copy = vc.from_copy, None
            self.versions[name] = vc
            pending, vc.pending = vc.pending, []
        self.copies.note_up(name if was_copy else None)
        for path, value, datatype in pending:  # set_default calls made while offline
            events += self.set(vc, path, value, datatype=datatype, create=True,
                               only_missing=True, _fire=False) or []
        return vc, events

    @property
    def offline(self):
        """Whether some version is served from its last-known-good copy."""
        return any(vc.from_copy for vc in list(self.versions.values()))

    def save_copies(self):
        """Write the last-known-good copy of every live version that changed since."""
        self.copies.save()

    def version(self, name, create=True):
        """The cache of version `name` (loaded on first use)."""
        vc = self.versions.get(name)
        if vc is not None and vc.id is not None:
            return vc
        return self.load_version(name, create)

    def _version_row(self, name):
        """(id, device, comment) of version `name` exactly (MySQL's `=` ignores case)."""
        for row in self.db._execute("SELECT id, device, comment, name FROM config_version "
                                    "WHERE name = %s", (name,)).fetchall():
            if _text(row[3]) == name:
                return row[:3]
        return None

    def _insert_version(self, name, comment=None, device=None):
        _check_version_name(name)
        self.db._execute("INSERT IGNORE INTO config_version (name, device, comment) "
                         "VALUES (%s, %s, %s)", (name, device, comment))
        if self._version_row(name) is None:
            others = [_text(r[0]) for r in self.db._execute(
                "SELECT name FROM config_version WHERE name = %s", (name,)).fetchall()]
            raise _clash("version name", name, others)

    def _columns(self):
        return _SQLITE_COLUMNS if self.db.is_sqlite else _COLUMNS

    def _rows(self, vid, since=None, ids=None):
        """Rows of version `vid`; `since` (epoch seconds): only those changed since then."""
        sql = "SELECT %s FROM config WHERE version = %%s" % self._columns()
        params = [vid]
        if since is not None:
            if self.db.is_sqlite:
                sql += " AND cc_modified >= %s"
                params.append(since)
            else:
                sql += " AND last_modified >= %s"
                params.append(datetime.datetime.utcfromtimestamp(since))
        if ids is not None:
            if not ids:
                return []
            sql += " AND id IN (%s)" % ",".join(["%s"] * len(ids))
            params.extend(ids)
        return self.db._execute(sql, params).fetchall()

    def _db_now(self):
        """SQL for the database's clock in epoch seconds (the clock change times use)."""
        return _schema.SQLITE_EPOCH if self.db.is_sqlite else "UNIX_TIMESTAMP(NOW(6))"

    def _modified(self, row):
        """Epoch seconds of a row's last change: SQLite's cc_modified (else its local
        last_modified text), MySQL's UTC last_modified, a saved copy's own figure."""
        if len(row) > 7 and row[7] is not None:
            return float(row[7])
        lm = _as_datetime(row[6])
        return epoch(lm) if self.db.is_sqlite else utc_epoch(lm)

    # -- diffing rows into the cache -------------------------------------------
    def _apply(self, vc, rows, full=False, deleted=(), fire_new=True):
        """Diff `rows` (and `deleted` ids; with `full`, absent ids) into `vc`; returns events."""
        nodes = dict(vc.nodes)
        changed, replaced, structure = [], [], False
        seen = set()
        for r in rows:
            lm = _as_datetime(r[6])
            node = Node(int(r[0]), int(r[1] or 0), _text(r[2]), _text(r[3]), _text(r[4]) or "string",
                        _text(r[5]), lm, self._modified(r))
            seen.add(node.id)
            if node.modified is not None and (vc.max_modified is None
                                              or node.modified > vc.max_modified):
                vc.max_modified = node.modified
            old = nodes.get(node.id)
            if node.same(old):
                if old.modified != node.modified:
                    nodes[node.id] = node
                    replaced.append(node)
                continue
            if old is None or old.parent != node.parent or old.name != node.name:
                structure = True
            nodes[node.id] = node
            replaced.append(node)
            if old is not None or node.datatype != "folder" or node.comment:
                changed.append(node)
        gone = [i for i in nodes if i not in seen] if full else [i for i in deleted if i in nodes]
        for i in gone:
            del nodes[i]
            structure = True
        if not replaced and not gone:
            return []
        if self._polling and self.history.watching:
            self.history.seen(vc, [(vc.nodes.get(n.id), n) for n in replaced],
                              [vc.nodes[i] for i in gone if i in vc.nodes])
        vc.nodes = nodes
        if structure:
            vc._rebuild()
        else:
            paths = dict(vc.paths)
            for node in replaced:
                if node.id in vc.path_of:
                    paths[vc.path_of[node.id]] = node
            vc.paths = paths
        if changed or gone:
            vc.generation += 1
        if not fire_new:
            return []
        return [(vc, vc.path_of[node.id], node) for node in changed if node.id in vc.path_of]

    def refresh_ids(self, vc, ids, deleted=()):
        """Re-read rows `ids` of `vc` after a write; returns events."""
        return self._apply(vc, self._rows(vc.id, ids=list(ids)), deleted=deleted)

    def reload(self, vc):
        """Full diff of `vc` against the database (deletions included); returns events."""
        row = self._version_row(vc.name)
        if row is None or row[0] != vc.id:
            # deleted (or deleted and made anew): the old ids mean nothing now
            vc.id = row[0] if row else None
            events = self._apply(vc, [], full=True)
            if row is None:
                vc.max_modified = None
                return events
        return self._apply(vc, self._rows(vc.id), full=True)

    # -- the poller --------------------------------------------------------------
    def _start(self):
        if self._thread is not None or self._stop.is_set() or _runtime.api_stop_event.is_set():
            return
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="CryoCore-ConfigPoller")
            self._thread.daemon = True
            self._thread.start()

    @property
    def stopped(self):
        """Whether stop() ran (a stopped store's cache no longer follows the database)."""
        return self._stop.is_set()

    def stop(self):
        """Stop the poller (the cache stays readable)."""
        self._stop.set()
        if self._pid != os.getpid():  # forked: the poller and its connection are the parent's
            return
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(5.0)
        self.save_copies()
        self.db.close()  # writes still work: a later statement reconnects

    def _run(self):
        delay = POLL_INTERVAL
        while not self._stop.wait(delay):
            try:
                self.poll()
                if self._poll_error:
                    InternalDB.report("config database reachable again")
                self._poll_error, delay = None, POLL_INTERVAL
            except Exception as e:  # keep serving the cache; report once, back off
                if is_connection_error(e):
                    self.copies.note_down(e)
                msg = one_line(e)
                if msg != self._poll_error:
                    InternalDB.report("config poller: %s" % msg)
                self._poll_error, delay = msg, min(delay * 2, MAX_BACKOFF)

    def poll(self):
        """One round: pick up changes by other processes and fire their callbacks."""
        events = []
        with self._lock, self._seeing():
            self._ensure_schema()
            for vc in list(self.versions.values()):
                if vc.from_copy:  # the database is back: go live, fire what differs
                    events += self._load_live(vc.name, True, fire_new=True)[1]
            full = time.time() - self._last_full > FULL_RELOAD_EVERY
            if full:
                self._last_full = time.time()
            current = dict((_text(n), i) for i, n in
                           self.db._execute("SELECT id, name FROM config_version").fetchall())
            for vc in list(self.versions.values()):
                if current.get(vc.name) != vc.id or full:
                    events += self.reload(vc)
                    continue
                if vc.id is None:
                    continue
                # rows changed since the last poll (by the database's clock), with a
                # look-back for late commits: once a bulk write is older than that, an
                # idle poll reads no rows at all
                mark = self._polled_at.get(vc.name, vc.max_modified)
                if mark is not None:
                    events += self._apply(vc, self._rows(vc.id, since=mark - LOOK_BACK))
                count, idsum, now = self.db._execute(
                    "SELECT COUNT(*), COALESCE(SUM(id), 0), %s FROM config WHERE version = %%s"
                    % self._db_now(), (vc.id,)).fetchone()
                self._polled_at[vc.name] = float(now)
                if int(count) != len(vc.nodes) or int(idsum) != vc.idsum:
                    events += self.reload(vc)
            self.copies.note_up()
        self.copies.save()
        self._fire(events)

    @contextlib.contextmanager
    def _seeing(self):
        self._polling = True
        try:
            yield
        finally:
            self._polling = False

    # -- callbacks ---------------------------------------------------------------
    def add_callback(self, vc, path, fn, args, config):
        with self._cb_lock:
            cid = self._next_cb
            self._next_cb += 1
            self._callbacks[cid] = (vc, path, fn, args, config)
        return cid

    def del_callback(self, cid):
        with self._cb_lock:
            return self._callbacks.pop(cid, None) is not None

    def _fire(self, events):
        if not events or not self._callbacks:
            return
        with self._cb_lock:
            callbacks = list(self._callbacks.values())
        for vc, path, node in events:
            for cvc, cpath, fn, args, config in callbacks:
                if cvc is not vc or not (cpath == "" or path == cpath or
                                         path.startswith(cpath + ".")):
                    continue
                try:
                    fn(ConfigParameter(config, vc, node, path), *args)
                except Exception as e:  # a user's callback must not kill the poller
                    InternalDB.report("config callback %r for %s failed: %r" % (fn, path, e))

    # -- writes --------------------------------------------------------------------
    def _find(self, vid, parent, name):
        """The row named exactly `name` under `parent` (MySQL's `=` ignores case, accents
        and trailing spaces: such near-namesakes are not it)."""
        for row in self._namesakes(vid, parent, name):
            if _text(row[2]) == name:
                return row
        return None

    def _namesakes(self, vid, parent, name):
        return self.db._execute("SELECT %s FROM config WHERE version = %%s AND parent = %%s "
                                "AND name = %%s" % self._columns(), (vid, parent, name)).fetchall()

    def _refuse_namesakes(self, vid, parent, name, what):
        """Before inserting `name`: a name the database takes for it is refused clearly;
        `name` itself there now means another process was first (the write is rerun)."""
        names = [_text(r[2]) for r in self._namesakes(vid, parent, name)]
        if name in names:
            raise _LostRace(name)
        if names:
            raise _clash(what, name, names)

    def _insert(self, vid, parent, name, text, datatype, comment):
        """INSERT a config row; a name the database takes for another is refused clearly."""
        self._refuse_namesakes(vid, parent, name, "parameter name")
        return self.db._execute("INSERT INTO config (version, parent, name, value, datatype, "
                                "comment) VALUES (%s, %s, %s, %s, %s, %s)",
                                (vid, parent, name, text, datatype, comment)).lastrowid

    def _resolve(self, vid, parts, touched=None):
        """The row at `parts` in the database, or None; with `touched`, the ids of the
        rows on the way are added to it (another process may have made them)."""
        row, parent = None, 0
        for part in parts:
            row = self._find(vid, parent, part)
            if row is None:
                return None
            parent = row[0]
            if touched is not None:
                touched.add(parent)
        return row

    def _folders(self, vid, parts, touched):
        """Make the folders `parts` exist; returns the id of the last (0 for none)."""
        parent = 0
        for part in parts:
            row = self._find(vid, parent, part)
            if row is None:
                self._refuse_namesakes(vid, parent, part, "folder name")
                self.db._execute("INSERT IGNORE INTO config (version, parent, name, datatype) "
                                 "VALUES (%s, %s, %s, 'folder')", (vid, parent, part))
                row = self._find(vid, parent, part)
                if row is None:  # ignored for a row still uncommitted elsewhere
                    raise _LostRace(part)
            elif (_text(row[4]) or "string") != "folder":
                raise ConfigValueError("%s is a parameter, not a folder: it cannot hold %s"
                                       % (".".join(parts[:parts.index(part) + 1]),
                                          ".".join(parts)))
            parent = row[0]
            touched.add(parent)
        return parent

    def _refuse_value_on_folder(self, vid, row, datatype, path):
        """A folder with parameters under it never becomes a value."""
        if datatype != "folder" and (_text(row[4]) or "string") == "folder" and \
                self.db._execute("SELECT id FROM config WHERE version = %s AND parent = %s "
                                 "LIMIT 1", (vid, row[0])).fetchall():
            raise ConfigValueError("%s is a folder with parameters under it: it cannot hold "
                                   "a value" % path)

    def write(self, vc, fn, fire=True):
        """Run `fn(vid, touched_ids, deleted_ids)` in a transaction, then update cache and fire.

        With `fire` False the events are returned instead of fired."""
        touched, deleted = set(), set()
        events = []
        with self._lock, self._reaching("the change was not stored"):
            if vc.from_copy:  # never write with ids from a copy: go live first
                if self.copies.recently_down():  # fail fast: a hung server holds the lock
                    raise self.copies.down_error()
                events += self._load_live(vc.name, True, fire_new=True)[1]
            if vc.id is None:
                raise NoSuchVersionException("version %s was deleted" % T.show(vc.name))
            for attempt in range(WRITE_ATTEMPTS):
                touched, deleted = set(), set()
                try:
                    # READ COMMITTED: a row another process committed meanwhile is seen
                    with self.db._transaction(isolation="READ COMMITTED"):
                        self.history.begin()
                        result = fn(vc.id, touched, deleted)
                        self.history.record(vc, touched, deleted)
                    break
                except DatabaseError as e:
                    if attempt == WRITE_ATTEMPTS - 1 or not _lost_race(e):
                        raise
                    # apart, so processes starting together do not deadlock again in step
                    time.sleep(random.uniform(0, RACE_PAUSE * (attempt + 1)))
            events += self.refresh_ids(vc, touched, deleted)
        if not fire:
            return events
        self._fire(events)
        return result

    def add(self, vc, path, value, datatype=None, comment=None):
        parts = T.check_path(path)
        datatype = T.check_datatype(datatype or T.guess_python(value))
        typed, text = T.prepare(value, datatype, path)
        comment = T.check_comment(comment, path)

        def do(vid, touched, deleted):
            parent = self._folders(vid, parts[:-1], touched)
            if self._find(vid, parent, parts[-1]) is not None:
                raise T.ParameterExistsException("parameter %s already exists" % path)
            touched.add(self._insert(vid, parent, parts[-1], text, datatype, comment))
        return self.write(vc, do)

    def set(self, vc, path, value, datatype=None, check=True, create=False, comment=None,
            only_missing=False, _fire=True):
        """Set (or with `create`, add); `only_missing` is set_default: never change a value."""
        parts = T.check_path(path)
        if datatype is not None:
            T.check_datatype(datatype)
        comment = T.check_comment(comment, path)
        if only_missing and vc.from_copy and self.copies.set_default(vc, parts, value, datatype):
            return None

        def do(vid, touched, deleted):
            # set_default of a row another process made: bring it (and its folders) into
            # the cache now, so that the caller reads what it just defaulted
            row = self._resolve(vid, parts, touched if only_missing else None)
            if row is None:
                if not create:
                    raise _config_io.missing(path, vc.name)
                dt = datatype or T.guess_python(value)
                typed, text = T.prepare(value, dt, path)
                parent = self._folders(vid, parts[:-1], touched)
                touched.add(self._insert(vid, parent, parts[-1], text, dt, comment))
                return
            if only_missing:
                return
            old_dt = _text(row[4]) or "string"
            dt = datatype or (old_dt if check else T.guess_python(value))
            self._refuse_value_on_folder(vid, row, dt, path)
            typed, text = T.prepare(value, dt, path)
            new_comment = _text(row[5]) if comment is None else comment
            if text == _text(row[3]) and dt == old_dt and new_comment == _text(row[5]):
                return  # nothing changed: no write, no callback
            self.db._execute("UPDATE config SET value = %s, datatype = %s, comment = %s "
                             "WHERE id = %s", (text, dt, new_comment, row[0]))
            touched.add(row[0])
        return self.write(vc, do, fire=_fire)

    def set_comment(self, vc, path, comment):
        parts = T.check_path(path)
        comment = T.check_comment(comment, path)

        def do(vid, touched, deleted):
            row = self._resolve(vid, parts)
            if row is None:
                raise _config_io.missing(path, vc.name)
            if _text(row[5]) != comment:
                self.db._execute("UPDATE config SET comment = %s WHERE id = %s", (comment, row[0]))
                touched.add(row[0])
        return self.write(vc, do)

    def remove(self, vc, path):
        parts = T.check_path(path)

        def do(vid, touched, deleted):
            row = self._resolve(vid, parts)
            if row is None:
                raise _config_io.missing(path, vc.name)
            ids, frontier = [row[0]], [row[0]]
            while frontier:
                marks = ",".join(["%s"] * len(frontier))
                kids = [r[0] for r in self.db._execute(
                    "SELECT id FROM config WHERE version = %%s AND parent IN (%s)" % marks,
                    [vid] + frontier).fetchall()]
                ids.extend(kids)
                frontier = kids
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                self.db._execute("DELETE FROM config WHERE id IN (%s)"
                                 % ",".join(["%s"] * len(chunk)), chunk)
            deleted.update(ids)
        return self.write(vc, do)

    def put_many(self, vc, items, overwrite=False):
        """Write (path, value, datatype, comment) items atomically (deserialize, import).

        An existing parameter holding another value is a conflict unless
        `overwrite`; a conflict changes nothing.  Returns how many parameters (not
        folders) were created or changed.
        """
        prepared = []
        for path, value, datatype, comment in items:
            T.check_path(path)
            T.check_datatype(datatype)
            typed, text = T.prepare(value, datatype, path)
            prepared.append((path, text, datatype, T.check_comment(comment, path)))

        def one_by_one(vid, touched, deleted):
            changed = 0
            for path, text, datatype, comment in prepared:
                parts = T.split_path(path)
                parent = self._folders(vid, parts[:-1], touched)
                row = self._find(vid, parent, parts[-1])
                if row is None:
                    touched.add(self._insert(vid, parent, parts[-1], text, datatype, comment))
                    changed += datatype != "folder"
                    continue
                old = (_text(row[3]), _text(row[4]), _text(row[5]))
                self._refuse_value_on_folder(vid, row, datatype, path)
                if datatype == "folder" and old[1] == "folder":
                    new = (None, "folder", comment if comment is not None else old[2])
                else:
                    new = (text, datatype, comment if comment is not None else old[2])
                if new == old:
                    continue
                if not overwrite:
                    raise T.ParameterExistsException(
                        "parameter %s already exists with value %s (use overwrite)"
                        % (path, T.show(old[0])))
                self.db._execute("UPDATE config SET value = %s, datatype = %s, comment = %s "
                                 "WHERE id = %s", new + (row[0],))
                touched.add(row[0])
                changed += datatype != "folder"
            return changed

        def batched(vid, touched, deleted):
            return _Batch(self, vid, touched, overwrite).run(prepared)
        paths = [item[0] for item in prepared]
        if len(set(paths)) == len(paths):  # (a path given twice: one by one, in order)
            try:
                return self.write(vc, batched)
            except _OneByOne:  # a name the database takes for another: find which, clearly
                pass
        return self.write(vc, one_by_one)

    # -- versions ------------------------------------------------------------------
    def list_versions(self):
        with self._reaching():
            self._ensure_schema()
            latest = "MAX(c.cc_modified)" if self.db.is_sqlite else "NULL"
            rows = self.db._execute(
                "SELECT v.name, v.comment, MAX(c.last_modified), %s FROM config_version v "
                "LEFT JOIN config c ON c.version = v.id GROUP BY v.id, v.name, v.comment "
                "ORDER BY v.name" % latest).fetchall()
        out = []
        for name, comment, lm, modified in rows:
            t = self._modified((None,) * 6 + (lm, modified))
            out.append((_text(name), _text(comment), time.ctime(t) if t is not None else ""))
        return out

    def version_exists(self, name):
        with self._reaching():
            self._ensure_schema()
            return self._version_row(name) is not None

    def add_version(self, name, comment=None, device=None):
        _check_version_name(name)
        with self._lock, self._reaching():
            self._ensure_schema()
            if self._version_row(name) is not None:
                raise VersionAlreadyExistsException("version %s already exists" % T.show(name))
            self._insert_version(name, comment, device)

    def delete_version(self, name):
        if name == "default":
            raise IntegrityException("version 'default' cannot be deleted")
        with self._lock, self._reaching():
            self._ensure_schema()
            row = self._version_row(name)
            if row is None:
                raise NoSuchVersionException("no such version %s" % T.show(name))
            with self.db._transaction():
                self.history.begin()
                self.history.record_version(row[0], name, "drop")
                self.db._execute("DELETE FROM config WHERE version = %s", (row[0],))
                self.db._execute("DELETE FROM config_version WHERE id = %s", (row[0],))
            vc = self.versions.get(name)
            events = self.reload(vc) if vc is not None else []
        self._fire(events)

    def copy_version(self, source, target, overwrite=False):
        """Deep copy of version `source` into `target` (created if missing)."""
        _check_version_name(target)
        with self._lock, self._reaching():
            self._ensure_schema()
            src = self._version_row(source)
            if src is None:
                raise NoSuchVersionException("no such version %s" % T.show(source))
            if source == target:
                raise IntegrityException("cannot copy version %s onto itself" % T.show(source))
            with self.db._transaction():
                self.history.begin()
                dst = self._version_row(target)
                if dst is None:
                    self._insert_version(target)
                    dst = self._version_row(target)
                count = self.db._execute("SELECT COUNT(*) FROM config WHERE version = %s",
                                         (dst[0],)).fetchone()[0]
                if count and not overwrite:
                    raise IntegrityException("version %s already has %d parameters (use overwrite)"
                                             % (T.show(target), count))
                self.history.record_version(dst[0], target, "drop")
                self.db._execute("DELETE FROM config WHERE version = %s", (dst[0],))
                rows = self.db._execute("SELECT id, parent, name, value, datatype, comment FROM "
                                        "config WHERE version = %s", (src[0],)).fetchall()
                kids = {}
                for r in rows:
                    kids.setdefault(r[1] or 0, []).append(r)
                stack = [(0, 0)]
                while stack:
                    old_parent, new_parent = stack.pop()
                    for r in kids.get(old_parent, ()):
                        new = self.db._execute(
                            "INSERT INTO config (version, parent, name, value, datatype, comment)"
                            " VALUES (%s, %s, %s, %s, %s, %s)",
                            (dst[0], new_parent, r[2], r[3], r[4], r[5])).lastrowid
                        stack.append((r[0], new))
                self.history.record_version(dst[0], target, "copy")
            vc = self.versions.get(target)
            events = self.reload(vc) if vc is not None else []
        self._fire(events)


class _OneByOne(Exception):
    """A batched write met a duplicate key: redo it one row at a time (exact errors)."""


class _Batch(object):
    """put_many in a few statements: the version's rows read once, the new rows of each
    depth inserted with one multi-row INSERT; the same checks as one row at a time."""

    def __init__(self, store, vid, touched, overwrite):
        self.store, self.db, self.vid = store, store.db, vid
        self.touched, self.overwrite = touched, overwrite
        self.rows = {}      # (parent, name) -> [id, parent, name, value, datatype, comment]
        self.kids = set()   # ids that have children
        for r in self.db._execute("SELECT id, parent, name, value, datatype, comment FROM "
                                  "config WHERE version = %s", (vid,)).fetchall():
            row = [int(r[0]), int(r[1] or 0), _text(r[2]), _text(r[3]), _text(r[4]) or "string",
                   _text(r[5])]
            self.rows[(row[1], row[2])] = row
            self.kids.add(row[1])

    def run(self, prepared):
        wanted = {}  # path -> (text, datatype, comment), None for a folder made on the way
        for path, text, datatype, comment in prepared:
            parts = T.split_path(path)
            for i in range(1, len(parts)):
                wanted.setdefault(".".join(parts[:i]), None)
            wanted[path] = (text, datatype, comment)
        ids, changed = {"": 0}, 0
        by_depth = {}
        for path in wanted:
            by_depth.setdefault(path.count("."), []).append(path)
        for depth in sorted(by_depth):
            new = []
            for path in by_depth[depth]:
                parent_path, _, name = path.rpartition(".")
                parent = ids[parent_path]
                row, item = self.rows.get((parent, name)), wanted[path]
                if row is None:
                    text, datatype, comment = item or (None, "folder", None)
                    new.append((self.vid, parent, name, text, datatype, comment))
                    changed += datatype != "folder"
                    continue
                ids[path] = row[0]
                changed += self._existing(path, row, item)
            if new:
                self._insert(new, ids, by_depth[depth])
        return changed

    def _existing(self, path, row, item):
        """Check (and update) an existing row; returns 1 if a parameter changed."""
        if item is None:  # a folder on the way
            if row[4] != "folder":
                raise ConfigValueError("%s is a parameter, not a folder: it cannot hold what "
                                       "is under it" % path)
            self.touched.add(row[0])
            return 0
        text, datatype, comment = item
        old = (row[3], row[4], row[5])
        if datatype != "folder" and old[1] == "folder" and row[0] in self.kids:
            raise ConfigValueError("%s is a folder with parameters under it: it cannot hold "
                                   "a value" % path)
        if datatype == "folder" and old[1] == "folder":
            new = (None, "folder", comment if comment is not None else old[2])
        else:
            new = (text, datatype, comment if comment is not None else old[2])
        if new == old:
            return 0
        if not self.overwrite:
            raise T.ParameterExistsException("parameter %s already exists with value %s (use "
                                             "overwrite)" % (path, T.show(old[0])))
        self.db._execute("UPDATE config SET value = %s, datatype = %s, comment = %s "
                         "WHERE id = %s", new + (row[0],))
        self.touched.add(row[0])
        return datatype != "folder"

    def _insert(self, new, ids, paths):
        try:
            self.db._insert_many("config", ("version", "parent", "name", "value", "datatype",
                                            "comment"), new)
        except DatabaseError as e:
            if _lost_race(e):  # a namesake in the database's eyes, or another writer
                raise _OneByOne()
            raise
        parents = sorted(set(r[1] for r in new))
        for i in range(0, len(parents), 500):  # the ids the new rows got
            chunk = parents[i:i + 500]
            for r in self.db._execute(
                    "SELECT id, parent, name, value, datatype, comment FROM config WHERE "
                    "version = %%s AND parent IN (%s)" % ",".join(["%s"] * len(chunk)),
                    [self.vid] + chunk).fetchall():
                key = (int(r[1] or 0), _text(r[2]))
                if key not in self.rows:
                    self.rows[key] = [int(r[0]), key[0], key[1], _text(r[3]),
                                      _text(r[4]) or "string", _text(r[5])]
                self.kids.add(key[0])
        for path in paths:
            parent_path, _, name = path.rpartition(".")
            row = self.rows.get((ids[parent_path], name))
            if path not in ids:
                if row is None:  # stored under a name the database folds: find it clearly
                    raise _OneByOne()
                ids[path] = row[0]
                self.touched.add(row[0])


class _LostRace(DatabaseError):
    """Another process created this row while our write ran: run the write again."""

    def __init__(self, name):
        DatabaseError.__init__(self, "another process kept creating %s at the same time; "
                               "try again" % T.show(name))


def _lost_race(e):
    """Whether `e` means a concurrent writer won (the write may be rerun)."""
    return (isinstance(e, _LostRace) or getattr(e, "errno", None) in _RACE_ERRNOS
            or "UNIQUE constraint failed" in str(e))


def _clash(what, name, others):
    """The error for a name the database compares equal to an existing, different one."""
    return ConfigValueError(
        "%s %s clashes with existing %s: the database does not tell names apart that differ "
        "only in case, accents or trailing spaces" % (what, T.show(name),
                                                     ", ".join(T.show(o) for o in others)))


def _check_version_name(name):
    name = T.valid_text(name, "version name")
    if not name or len(name) > T.MAX_NAME or any(ord(c) < 32 for c in name):
        raise ConfigValueError("bad version name %s (1-%d characters, no control characters)"
                               % (T.show(name), T.MAX_NAME))

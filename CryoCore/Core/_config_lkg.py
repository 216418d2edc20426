"""Last-known-good copies of config versions, for start-up without the config database.

After every successful full load (and whenever the cache changed since the last
copy) the config store writes the version's whole tree to
``~/.cryocore/config-lkg/<settings fingerprint>/<version>.json`` (directory
0700, file 0600, written to a temporary file and renamed).  When the database
is unreachable at start-up the store reads that copy instead.  The settings key
``config_lkg_dir`` moves the directory; ``false`` or ``""`` turns copies off.
"""
from __future__ import absolute_import, division, print_function

import contextlib
import hashlib
import json
import os
import tempfile
import time

from ._compat import PY2, makedirs_private, to_text
from ._settings import fingerprint

FORMAT = 1
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")

#: Whether stores write copies and serve them when the database is unreachable.  The
#: config tools, which show and change the database itself, turn this off.
use_copies = True


@contextlib.contextmanager
def database_only():
    """Within: stores made here never read or write copies (the tools show the database)."""
    global use_copies
    serving, use_copies = use_copies, False
    try:
        yield
    finally:
        use_copies = serving


RECENTLY_DOWN = 5.0  # seconds: after a failed connect, serve copies without waiting again


class Copies(object):
    """The copies side of one config store: saving, serving, and offline set_default."""

    def __init__(self, store):
        self.store = store
        self.enabled = use_copies  # a tool's store never writes or serves copies
        self._saved = {}           # version name -> generation of its last copy
        self._save_error = None
        self._local_id = 0         # ids (negative) of nodes set_default made while offline
        self._down = None          # (when, error) of the last failed connect, until one works

    @property
    def settings(self):
        return self.store.db.settings

    # -- reachability ----------------------------------------------------------------
    def note_down(self, error):
        self._down = (time.time(), error)

    def note_up(self, live_again=None):
        """The database answered (`live_again`: a version that was served from its copy)."""
        self._down = None
        if live_again is not None:
            self._saved.pop(live_again, None)
            announce_live(self.store.db, live_again)

    def recently_down(self):
        down = self._down
        return down is not None and time.time() - down[0] < RECENTLY_DOWN

    def down_error(self):
        """The last connect failure (a DatabaseError marked as a connection error)."""
        return self._down[1] if self._down else unreachable(self.store.db, None)

    # -- serving -----------------------------------------------------------------------
    def serve(self, name, required=True):
        """Serve the copy of version `name` from the cache; without one raise the last
        connect error clearly (or return None unless `required`)."""
        from ._config_cache import VersionCache
        store = self.store
        copy = load(self.settings, name) if self.enabled else None
        error = self._down[1] if self._down else None
        if copy is None:
            if not required:
                return None
            raise unreachable(store.db, error)
        with store._lock:
            vc = store.versions.get(name)
            if vc is not None and vc.id is not None:
                return vc
            vc = VersionCache(name)
            v = copy["version"]
            vc.id, vc.device, vc.comment = v.get("id"), v.get("device"), v.get("comment")
            store._apply(vc, copy["rows"], full=True, fire_new=False)
            vc.from_copy = copy["path"]
            store.versions[name] = vc
        announce_copy(store.db, name, copy, error)
        return vc

    def set_default(self, vc, parts, value, datatype):
        """set_default while serving a copy: keep it in the cache, store it when live.

        Returns False when the version is live after all (write normally).
        """
        from . import _config_types as T
        from ._config_cache import Node
        with self.store._lock:
            if not vc.from_copy:
                return False
            path = ".".join(parts)
            if path in vc.paths:
                return True
            dt = datatype or T.guess_python(value)
            typed, text = T.prepare(value, dt, path)
            rows, parent = [], 0
            for i, part in enumerate(parts):
                node = vc.paths.get(".".join(parts[:i + 1]))
                if node is None:
                    self._local_id -= 1
                    last = i == len(parts) - 1
                    node = Node(self._local_id, parent, part, text if last else None,
                                dt if last else "folder", None, None)
                    rows.append((node.id, node.parent, node.name, node.text, node.datatype,
                                 None, None))
                parent = node.id
            self.store._apply(vc, rows, fire_new=False)
            vc.pending.append((path, value, datatype))
            return True

    # -- saving --------------------------------------------------------------------------
    def save(self):
        """Write the copy of every live version that changed since its last copy."""
        if not self.enabled:
            return
        for vc in list(self.store.versions.values()):
            generation = vc.generation
            if vc.id is None or vc.from_copy or self._saved.get(vc.name) == generation:
                continue
            try:
                save(self.settings, vc)
            except (IOError, OSError, ValueError) as e:  # never break a program over a copy
                msg = " ".join(to_text(str(e)).split())
                if msg != self._save_error:
                    from .InternalDB import report
                    report("cannot save last-known-good config copy: %s" % msg)
                self._save_error = msg
                continue
            self._saved[vc.name] = generation


def default_dir():
    return os.path.join(os.path.expanduser("~"), ".cryocore", "config-lkg")


def directory(settings):
    """The directory of this database's copies, or None when copies are turned off."""
    where = settings.get("config_lkg_dir", None)
    if where is None:
        where = default_dir()
    if not where:
        return None
    return os.path.join(os.path.expanduser(to_text(where)), fingerprint(settings))


def file_name(version):
    """A file name for `version` (any text): safe characters kept, the rest %XX-escaped."""
    out = []
    for ch in to_text(version):
        if ch in _SAFE:
            out.append(ch)
        else:
            raw = ch.encode("utf-8") if PY2 else ch.encode("utf-8", "surrogatepass")
            out.extend("%%%02X" % b for b in bytearray(raw))
    name = "".join(out)
    if len(name) > 200:  # file names are limited to 255 bytes
        name = name[:120] + "~" + hashlib.sha256(name.encode("ascii")).hexdigest()[:32]
    return name + ".json"


def path(settings, version):
    d = directory(settings)
    return None if d is None else os.path.join(d, file_name(version))


def _makedirs(d):
    makedirs_private(d)


def save(settings, vc):
    """Write the copy of version cache `vc`; returns its path (None when turned off)."""
    target = path(settings, vc.name)
    if target is None:
        return None
    nodes = vc.nodes  # a dict the store swaps, never mutates: a consistent snapshot
    data = {
        "format": FORMAT,
        "saved": time.time(),
        "database": _describe(settings),
        "version": {"name": vc.name, "id": vc.id, "device": vc.device, "comment": vc.comment},
        "nodes": [[n.id, n.parent, n.name, n.text, n.datatype, n.comment,
                   n.last_modified.strftime(_TIME_FORMAT) if n.last_modified else None,
                   n.modified]
                  for n in nodes.values()],
    }
    raw = json.dumps(data, sort_keys=True).encode("ascii")
    d = os.path.dirname(target)
    _makedirs(d)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=d)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.rename(tmp, target)  # atomic: readers see the old copy or the new one
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:  # already renamed or gone
            pass
        raise
    return target


def load(settings, version):
    """The saved copy of `version` as a dict (None if there is none or it is unreadable).

    Returns ``{"path", "saved", "version": {...}, "rows": [(id, parent, name,
    value, datatype, comment, last_modified text), ...]}``.
    """
    where = path(settings, version)
    if where is None:
        return None
    try:
        with open(where, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
        if data.get("format") != FORMAT or data["version"]["name"] != to_text(version):
            return None
        rows = [tuple(r) for r in data["nodes"]]
    except (IOError, OSError, ValueError, KeyError, TypeError):
        return None
    return {"path": where, "saved": data.get("saved"), "version": data["version"], "rows": rows}


def _describe(settings):
    from ._settings import describe
    try:
        return describe(settings)
    except KeyError:
        return None


# -- messages ---------------------------------------------------------------------------
def _reason(db, error):
    """The driver's words of `error`, without our own prefixes and the SQL text."""
    if error is None:
        return "no answer"
    text = " ".join(to_text(str(error)).split())
    where = db.describe()
    for prefix in ("cannot reach the config database %s: " % where,
                   "cannot connect to %s: " % where, "%s: " % where):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if text.endswith("]") and " [" in text:
        text = text[:text.rindex(" [")]
    return text


def unreachable(db, error, doing=None):
    """A DatabaseError saying clearly that the config database cannot be reached."""
    from ._exceptions import DatabaseError
    message = "cannot reach the config database %s" % db.describe()
    if error is not None:
        message += ": %s" % _reason(db, error)
    if doing:
        message += " (%s)" % doing
    err = DatabaseError(message)
    err.connection_error = True
    err.original = getattr(error, "original", error)
    return err


def announce_copy(db, version, copy, error):
    """Say (stderr, and the log service) that `version` runs from its saved copy."""
    saved = copy.get("saved")
    when = time.ctime(saved) if isinstance(saved, (int, float)) else "an unknown time"
    _tell("warning", "config database %s unreachable (%s): running version '%s' from its "
          "last-known-good copy of %s (%s); live values follow when the database returns"
          % (db.describe(), _reason(db, error), version, when, copy["path"]))


def announce_live(db, version):
    _tell("info", "config database %s reachable again: version '%s' is live"
          % (db.describe(), version))


LOGGER = "CryoCore.Config"


def _tell(level, message):
    """One line on stderr (seen at once) and a record in the log database (kept)."""
    from .InternalDB import report
    report(message)
    try:
        from ._log_service import get_log
        getattr(get_log(LOGGER), level)(message)
    except Exception as e:  # the log service must never keep the config from loading
        report("cannot log through %s: %s" % (LOGGER, e))

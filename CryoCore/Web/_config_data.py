"""The config tree for the web server, through the Config store (no SQL here).

The store (``Config._store_for``) creates the config tables when it starts, so it is
only opened once a read-only probe has found them: a viewer never creates anything.
Versions are never created either (``create=False``).
"""
from __future__ import absolute_import, division, print_function

import threading
import time

from CryoCore.Core import Config, _config_history, _config_io, _config_store, _read_db, _schema
from CryoCore.Core import _config_types as T
from CryoCore.Core._exceptions import NoSuchParameterException, NoSuchVersionException

from ._data import NotFound

PROBE_EVERY = 2.0  # seconds between looks for config tables that do not exist yet


class _ViewStore(_config_store.Store):
    """A config store that creates and alters nothing: its tables were found by a read-only
    probe, and the config history table (with its baseline and triggers) is left to writers."""

    def _ensure_schema(self):
        self._schema_ok = True


class ConfigData(object):
    """Read (and, for logged-in users of a --read-write server, set) config values.

    A read-only server reads through a store that never creates anything; a --read-write
    server is a writer and uses the process's ordinary store (it records the history)."""

    def __init__(self, db_cfg=None, writable=False):
        self.db_cfg = db_cfg or None
        self.writable = writable
        self._store = None
        self._probed = 0.0
        self._lock = threading.Lock()

    def _find_store(self):
        """The config store, or None while the database has no config tables."""
        with self._lock:
            if self._store is not None and not self._store.stopped:
                return self._store
            if time.time() - self._probed < PROBE_EVERY:
                return None
            self._probed = time.time()
            try:
                db = _read_db.open_db("config", self.db_cfg, name="Web-config-probe")
            except _read_db.NoSuchDatabase:
                return None
            try:
                if not all(_schema.has_table(db, t) for t in ("config_version", "config")):
                    return None
            finally:
                db.close()
            if self.writable:
                self._store = Config._store_for(self.db_cfg)
            else:
                self._store = _ViewStore(self.db_cfg, name="Web-config")
            return self._store

    def close(self):
        with self._lock:
            store, self._store = self._store, None
        if store is not None and not self.writable:
            store.stop()

    def _version(self, store, name):
        try:
            return store.version(name, create=False)
        except NoSuchVersionException:
            raise NotFound("no such version %s" % name)

    def default_version(self, store):
        """The version programs use: default.default_version (as API.get_config)."""
        try:
            node = store.version("default", create=False).paths.get("default_version")
        except NoSuchVersionException:
            return "default"
        if node is not None and node.datatype != "folder" and node.value not in (None, ""):
            return u"%s" % (node.value,)
        return "default"

    def tree(self, version=None, root=None):
        """{"version", "versions", "root", "tree"}: the subtree at `root` of `version`."""
        store = self._find_store()
        if store is None:
            return {"version": version, "versions": [], "root": root or "", "tree": None,
                    "database": False}
        version = version or self.default_version(store)
        vc = self._version(store, version)
        path = T.join("", root) if root else ""
        node = vc.lookup_id(path)
        if node is None:
            raise NotFound("no such parameter %s (version %s)" % (root, version))
        return {"version": vc.name, "versions": [v[0] for v in store.list_versions()],
                "root": path, "tree": _config_io.node_dict(vc, node), "database": True}

    @staticmethod
    def has_history_support():
        """Whether this CryoCore keeps a config history (the time-travel work)."""
        try:
            from CryoCore.Core import _config_past  # noqa: F401
        except ImportError:
            return False
        return True

    def changes(self, version=None, root=None, since=None):
        """{"version", "root", "since", "changes": [...]}: the config history of `version`
        at and under `root` since `since`, oldest first (empty without a history table)."""
        from CryoCore.Core import _config_past
        store = self._find_store()
        if store is None:
            return {"version": version, "root": root or "", "since": since, "changes": []}
        version = version or self.default_version(store)
        self._version(store, version)
        rows = []
        if _config_past.has_history(store.db):
            rows = _config_past.changes(store.db, version, root or "", since)
        return {"version": version, "root": root or "", "since": since, "changes": rows}

    def set(self, version, path, value, author):
        """Set an existing parameter, type-checked as ConfigTool's quick-hand; its new node.
        `author` (user, host, program) is who the config history records."""
        store = self._find_store()
        if store is None:
            raise NotFound("no config database yet")
        vc = self._version(store, version or self.default_version(store))
        try:
            with _config_history.acting_as(*author):
                store.set(vc, path, value, check=True)
        except NoSuchParameterException as e:
            raise NotFound(str(e))
        node = vc.lookup_id(T.join("", path))
        return {"version": vc.name, "path": path, "value": node.value,
                "datatype": node.datatype, "last_modified": node.modified}

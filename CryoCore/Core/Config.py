"""Config service: a hierarchical, versioned parameter tree stored in the database.

``API.get_config(name, version)`` gives a ``NamedConfiguration`` rooted at
`name`.  Reads come from an in-process cache that a poller thread keeps within
a second of the database; writes go to the database at once, update the cache
and fire the callbacks registered with ``add_callback``.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import threading

from . import _config_io, _runtime
from . import _config_types as T
from ._compat import string_types, to_text
from ._config_cache import ConfigParameter
from ._config_store import Store
from ._config_types import ParameterExistsException  # noqa: F401
from ._exceptions import (ConfigException, ConfigValueError, IntegrityException,  # noqa: F401
                          NoSuchParameterException, NoSuchVersionException,
                          VersionAlreadyExistsException)

__all__ = ["Configuration", "NamedConfiguration", "ConfigParameter", "get_config",
           "ConfigException", "ConfigValueError", "IntegrityException", "NoSuchParameterException",
           "NoSuchVersionException", "VersionAlreadyExistsException", "ParameterExistsException"]


class Configuration(object):
    """The configuration of one version, seen from `root` (None: the whole tree).

    Paths are dotted and relative to `root`; ``root.`` at the start is absolute.
    """

    def __init__(self, stop_event=None, version="default", root=None, db_cfg=None, **_ignored):
        self._store = _ignored.get("_store") or _store_for(db_cfg)
        self._root = T.join("", root) if root else ""
        if self._root:
            T.check_path(self._root, "root")
        self._prefix = self._root + "." if self._root else ""
        if not _ignored.get("_exact"):  # the tools' -v default names "default" itself
            version = _resolve_version(self._store, version)
        self._vc = self._store.version("default" if version is None else to_text(version))

    # -- reading (cache only) ----------------------------------------------------
    def _abs(self, name):
        return T.join(self._root, name)

    def _target(self, name):
        """The absolute path a write goes to; an empty name is refused (not the view's root)."""
        if name is None or name == "":
            raise ConfigValueError("empty parameter name: a parameter name is needed")
        return self._abs(name)

    def __getitem__(self, name):
        """The typed value at `name`, or None if missing or a folder."""
        if name[:4] != "root":
            node = self._vc.paths.get(self._prefix + name)
        else:
            node = self._vc.lookup_id(T.join(self._root, name))
        return None if node is None else node.value

    def __setitem__(self, name, value):
        """Create, or set with the type guessed from the Python value (as the original)."""
        self.set(name, value, check=False, create=True)

    def __contains__(self, name):
        return self._vc.lookup_id(self._abs(name)) is not None

    def get(self, name, version=None):
        """The ConfigParameter at `name` (None: the view's root); NoSuchParameterException."""
        path = self._abs(name)
        vc = self._vc if version is None else self._store.version(version, create=False)
        node = vc.lookup_id(path)
        if node is None:
            raise _config_io.missing(path, vc.name)
        return ConfigParameter(self, vc, node, path)

    def keys(self, name=None):
        """The names of the children of `name` (default: the view's root)."""
        node = self._vc.lookup_id(self._abs(name))
        if node is None:
            return []
        return sorted(self._vc.children.get(node.id, {}))

    def require(self, names):
        """Raise NoSuchParameterException naming the first of `names` that is missing."""
        if isinstance(names, string_types):
            names = [names]
        for name in names:
            if self._vc.lookup_id(self._abs(name)) is None:
                raise _config_io.missing(self._abs(name), self._vc.name)

    def search(self, partial):
        """Parameters and folders of the whole version whose name contains `partial`."""
        partial = to_text(partial).lower()
        vc = self._vc
        return [ConfigParameter(self, vc, vc.paths[p], p) for p in sorted(vc.paths)
                if partial in vc.paths[p].name.lower()]

    def last_updated(self):
        """Epoch seconds of the latest change in this version (None if empty)."""
        return self._vc.max_modified

    def generation(self):
        """A number that changes whenever this version's tree changes (deletions too)."""
        return self._vc.generation

    def get_version(self):
        return self._vc.name

    # -- writing ------------------------------------------------------------------
    def set_default(self, name, value, datatype=None):
        """Create `name` with `value` unless it exists; never changes an existing value."""
        self._store.set(self._vc, self._target(name), value, datatype=datatype, create=True,
                        only_missing=True)

    def add(self, path, value=None, datatype=None, comment=None):
        """Create a parameter (folders as needed); ParameterExistsException if it exists."""
        self._store.add(self._vc, self._target(path), value, datatype, comment)

    def set(self, path, value, check=True, create=False, datatype=None, comment=None):
        """Set an existing parameter (type-checked unless `check` is False or `datatype` given)."""
        self._store.set(self._vc, self._target(path), value, datatype=datatype, check=check,
                        create=create, comment=comment)

    def set_comment(self, path, comment):
        self._store.set_comment(self._vc, self._target(path), comment)

    def remove(self, path):
        """Remove a parameter or folder and everything under it."""
        self._store.remove(self._vc, self._target(path))

    # -- callbacks ------------------------------------------------------------------
    def add_callback(self, names, func, *args):
        """Call ``func(param, *args)`` when a parameter in `names` (or under it) changes.

        `names` is a name or a list of names (None: everything in this view).
        Returns an id for ``del_callback``.
        """
        if names is None or isinstance(names, string_types):
            names = [names]
        ids = [self._store.add_callback(self._vc, self._abs(n), func, args, self) for n in names]
        if len(ids) == 1:
            return ids[0]
        return _MultiId(ids)

    def del_callback(self, callback_id):
        """Forget a callback registered with add_callback."""
        ids = callback_id.ids if isinstance(callback_id, _MultiId) else [callback_id]
        for i in ids:
            self._store.del_callback(i)

    # -- versions ---------------------------------------------------------------------
    def list_versions(self):
        """[(name, comment, last modified as ctime text)] of every version."""
        return self._store.list_versions()

    def add_version(self, version, comment=None, device=None):
        """Create an empty version; VersionAlreadyExistsException if it exists."""
        self._store.add_version(version, comment, device)

    def set_version(self, version, create=False):
        """Switch this object to `version` (NoSuchVersionException unless `create`)."""
        self._vc = self._store.version(version, create=create)

    def delete_version(self, version):
        """Delete a version and all its parameters (not "default")."""
        self._store.delete_version(version)

    def copy_configuration(self, source_version, target_version, overwrite=False):
        """Deep copy of a version's tree; fails if the target has parameters unless `overwrite`
        (which replaces the target's tree)."""
        self._store.copy_version(source_version, target_version, overwrite)

    # -- serialize / import --------------------------------------------------------------
    def serialize(self, path=None):
        """The subtree at `path` as the original's JSON text."""
        full = self._abs(path)
        node = self._vc.lookup_id(full)
        if node is None:
            raise _config_io.missing(full, self._vc.name)
        return _config_io.serialize(self._vc, full, node)

    def deserialize(self, serialized, root="", overwrite=False):
        """Add the serialized tree under `root` by its top node's name (atomic); returns
        the number of parameters created or changed (folders not counted)."""
        base = self._abs(root or None)
        if base:
            T.check_path(base, "root")
        items = _config_io.parse_serialized(serialized, base)
        return self._store.put_many(self._vc, items, overwrite)

    def import_xml(self, data, root="", overwrite=False):
        """Import ``<configuration>`` XML (elements without children are parameters, an
        empty one holds empty text); returns the number of parameters created or changed."""
        base = self._abs(root or None)
        items = _config_io.parse_xml(data, base)
        return self._store.put_many(self._vc, items, overwrite)


class NamedConfiguration(Configuration):
    """The configuration rooted at `name` (what ``API.get_config`` returns)."""

    def __init__(self, name=None, version="default", db_cfg=None, **kwargs):
        Configuration.__init__(self, None, version=version, root=name, db_cfg=db_cfg, **kwargs)

    def __repr__(self):
        return "<NamedConfiguration %s (version %s)>" % (self._root or T.ROOT, self._vc.name)


class _MultiId(object):
    """The id add_callback returns for several names at once."""

    def __init__(self, ids):
        self.ids = ids


def _resolve_version(store, version):
    """"default" (or None) means the version named by default.default_version."""
    if version in (None, "default"):
        node = store.version("default").paths.get("default_version")
        if node is not None and node.datatype != "folder" and node.value not in (None, ""):
            return to_text(node.value)
        return "default"
    return to_text(version)


# -- the process's stores and views ------------------------------------------------------
_lock = threading.RLock()
_stores = {}    # settings key -> Store
_configs = {}   # (name, version, settings key) -> NamedConfiguration
_state = {"pid": os.getpid()}


def _store_for(db_cfg=None):
    key = json.dumps(db_cfg, sort_keys=True, default=str) if db_cfg else ""
    with _lock:
        if _state["pid"] != os.getpid():  # forked: the parent's poller is not ours
            _state["pid"] = os.getpid()
            _stores.clear()
            _configs.clear()
        store = _stores.get(key)
        if store is None or store.stopped:
            store = _stores[key] = Store(db_cfg)
        return store


def get_config(name=None, version="default", db_cfg=None, at=None, exact=False):
    """The NamedConfiguration rooted at `name` of `version` (same arguments, same object).

    With `at` (epoch seconds or time text): a new read-only view of the tree as it was
    then, from the config history (writes raise ConfigException).  With `exact` (the
    tools' explicit ``-v``), "default" is the version named "default", not the one its
    ``default_version`` parameter names."""
    store = _store_for(db_cfg)
    if at is not None:
        from . import _config_past
        past = _config_past.PastStore(store.db, _config_past.epoch_of(at))
        return NamedConfiguration(name, version, db_cfg, _store=past, _exact=bool(exact))
    key = (name or None, version or "default", store, bool(exact))
    with _lock:
        cfg = _configs.get(key)
        if cfg is None:
            cfg = _configs[key] = NamedConfiguration(name, version, db_cfg, _store=store,
                                                     _exact=bool(exact))
        elif cfg._vc.id is None:  # its version was deleted: unknown versions are created
            cfg._vc = store.version(cfg._vc.name)
        return cfg


def _forget():
    with _lock:
        stores = list(_stores.values())
        _stores.clear()
        _configs.clear()
    for store in stores:
        store.stop()


_runtime.on_reset(_forget)

"""The cached config tree: rows (Node), one version's tree (VersionCache), and the
ConfigParameter a reader or a callback gets."""
from __future__ import absolute_import, division, print_function

import time

from . import _config_types as T
from ._exceptions import ConfigValueError


def epoch(dt):
    """Epoch seconds of a naive local datetime (None stays None)."""
    if dt is None:
        return None
    return time.mktime(dt.timetuple()) + dt.microsecond / 1e6


class Node(object):
    """One cached row: `value` is typed, `text` what the column holds."""
    __slots__ = ("id", "parent", "name", "text", "value", "datatype", "comment", "last_modified",
                 "modified")

    def __init__(self, id, parent, name, text, datatype, comment, last_modified, modified=None):
        self.id, self.parent, self.name = id, parent, name
        self.text, self.datatype, self.comment = text, datatype, comment
        self.value = T.from_db(text, datatype)
        self.last_modified = last_modified  # a naive datetime, as the database gave it
        # the same in epoch seconds (given by the store; else read as local time)
        self.modified = epoch(last_modified) if modified is None else modified

    def same(self, other):
        return (other is not None and self.parent == other.parent and self.name == other.name
                and self.text == other.text and self.datatype == other.datatype
                and self.comment == other.comment)


ROOT_NODE = Node(0, None, T.ROOT, None, "folder", None, None)


class VersionCache(object):
    """The cached tree of one version.  Readers use `paths` (full path -> Node)."""

    def __init__(self, name):
        self.name = name
        self.id = None
        self.device = self.comment = None
        self.nodes = {}      # id -> Node
        self.children = {}   # parent id -> {name: id}
        self.paths = {}      # full path -> Node (no "root." prefix)
        self.path_of = {}    # id -> full path
        self.idsum = 0
        self.max_modified = None  # epoch seconds of the latest change seen
        self.generation = 0  # bumped on every change (ConfigUI redraws on it)
        self.from_copy = None  # path of the last-known-good copy while serving it
        self.pending = []    # set_default calls made while serving a copy

    def _rebuild(self):
        children = {}
        for node in self.nodes.values():
            children.setdefault(node.parent, {})[node.name] = node.id
        paths, path_of = {}, {}
        stack = [(0, "")]
        while stack:
            pid, base = stack.pop()
            for name, nid in children.get(pid, {}).items():
                path = base + "." + name if base else name
                if nid in path_of:  # a cycle in a damaged table: ignore
                    continue
                paths[path], path_of[nid] = self.nodes[nid], path
                stack.append((nid, path))
        self.children, self.paths, self.path_of = children, paths, path_of
        self.idsum = sum(self.nodes)

    def lookup_id(self, path):
        if path == "":
            return ROOT_NODE
        return self.paths.get(path)


class ConfigParameter(object):
    """One parameter or folder as it was when read: attributes ``id``, ``name``,
    ``value`` (typed), ``datatype``, ``comment``, ``last_modified`` (epoch
    seconds), ``children`` (list of ConfigParameter), ``path`` and ``version``."""

    def __init__(self, config, vc, node, path):
        self._config = config
        self._vc = vc
        self._load(node)
        self.path = path
        self.version = vc.name

    def _load(self, node):
        self.id = node.id
        self.parent = node.parent
        self.name = node.name
        self.value = node.value
        self.datatype = node.datatype
        self.comment = node.comment
        self.last_modified = node.modified

    @property
    def children(self):
        vc = self._vc
        kids = vc.children.get(self.id, {})
        out = []
        for name in sorted(kids):
            node = vc.nodes.get(kids[name])
            if node is not None:
                path = self.path + "." + name if self.path else name
                out.append(ConfigParameter(self._config, vc, node, path))
        return out

    def get_value(self):
        return self.value

    def get_name(self):
        return self.name

    def get_full_path(self):
        """The dotted path from the root (without ``root.``; the root itself is "root")."""
        return self.path or T.ROOT

    def set_value(self, value, datatype=None, check=True, commit=True):
        """Store a new value; with `check` it must fit the type unless `datatype` is given."""
        if not self.path:
            raise ConfigValueError("the root folder holds no value")
        if not commit:
            dt = datatype or (self.datatype if check else T.guess_python(value))
            self.value, self.datatype = T.convert(value, dt, self.path), dt
            return
        self._config._store.set(self._vc, self.path, value, datatype=datatype, check=check)
        self._refresh()

    def set_comment(self, comment, commit=True):
        """Store a new comment."""
        if not commit:
            self.comment = comment
            return
        self._config._store.set_comment(self._vc, self.path, comment)
        self._refresh()

    def _refresh(self):
        node = self._vc.paths.get(self.path)
        if node is not None:
            self._load(node)

    def __str__(self):
        return "%s = %s" % (self.get_full_path(), self.value)

    def __repr__(self):
        return "<ConfigParameter %s=%r (%s)>" % (self.get_full_path(), self.value, self.datatype)

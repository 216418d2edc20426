"""ConfigTool's time-travel commands: history, diff, restore, and the --at views.

The trees of the past come from ``Config.get_config(..., at=T)`` (the config history);
the present is the live tree.  Output lines use ConfigTool's ``path = value`` form.
"""
from __future__ import absolute_import, division, print_function

import sys
import time

from CryoCore.Core import Config, _config_past
from CryoCore.Core import _config_types as T
from CryoCore.Core._compat import PY2
from CryoCore.Tools import _common

ARROW = "->"


def at_time(text, what="--at"):
    """Epoch seconds of a --at/--to/--since argument (one line error if unreadable)."""
    try:
        return _common.parse_since(text)
    except ValueError as e:  # the shared parser's message names the text
        raise _common.ToolError("%s: %s" % (what, e))


def past_config(db_cfg, version, t):
    """The read-only root view of `version` ("default": default_version then) at `t`;
    a note on stderr for a time before the history or in the future."""
    cfg = Config.get_config(None, version or "default", db_cfg, at=t)
    note = cfg._store.note
    if note:
        sys.stderr.write("Note: %s\n" % note)
    return cfg


def tree(cfg, root=None):
    """{path: (value text, datatype, comment)} of `cfg` at and under `root`."""
    out = {}
    if root and root not in cfg:
        return out
    stack = [cfg.get(root)]
    while stack:
        p = stack.pop()
        if p.path:
            out[p.path] = (T.value_text(p.value) if p.datatype != "folder" else None,
                           p.datatype, p.comment)
        stack.extend(p.children)
    return out


def compare(before, after):
    """Lines describing the change from tree `before` to tree `after` (path order):
    ``+ path = value``, ``- path = value``, ``~ path: old -> new``.  Folders are shown
    only when empty (otherwise their parameters say it)."""
    def shown(paths, side):
        return [p for p in paths if side[p][1] != "folder"
                or not any(q.startswith(p + ".") for q in paths)]
    added = shown([p for p in after if p not in before], after)
    removed = shown([p for p in before if p not in after], before)
    changed = [p for p in after if p in before and before[p] != after[p]]
    lines = [(p, "+ %s" % _state(p, after[p])) for p in added]
    lines += [(p, "- %s" % _state(p, before[p])) for p in removed]
    lines += [(p, "~ %s: %s" % (p, _change(before[p], after[p]))) for p in changed]
    return [line for _, line in sorted(lines)]


def _state(path, node):
    value, datatype, comment = node
    if datatype == "folder":
        return "%s (folder)" % path
    return "%s = %s" % (path, value)


def _change(old, new):
    parts = []
    if old[:2] != new[:2]:
        if old[1] != new[1]:
            parts.append("%s (%s) %s %s (%s)" % (_v(old), old[1], ARROW, _v(new), new[1]))
        else:
            parts.append("%s %s %s" % (_v(old), ARROW, _v(new)))
    if (old[2] or "") != (new[2] or ""):
        parts.append("comment %s %s %s" % (T.show(old[2] or ""), ARROW, T.show(new[2] or "")))
    return "; ".join(parts) or "unchanged"


def _v(node):
    return "(folder)" if node[1] == "folder" else node[0]


# -- history ---------------------------------------------------------------------------
def history_line(row, base=None):
    """One change: time, who, path, old -> new (with `base`, the path relative to it,
    none for `base` itself)."""
    who = "%s@%s %s" % (row["user"] or "?", row["host"] or "?", row["program"] or "?")
    old = (_hv(row["old_value"], row["old_datatype"]), row["old_datatype"], row["old_comment"])
    new = (_hv(row["value"], row["datatype"]), row["datatype"], row["comment"])
    op = row["op"]
    if op in ("add", "copy", "baseline"):
        what = "%s %s %s" % ({"add": "(added)", "copy": "(version copy)",
                              "baseline": "(baseline)"}[op], ARROW, _v(new))
        if new[2]:
            what += "; comment %s" % T.show(new[2])
    elif op in ("remove", "drop"):
        what = "%s %s %s" % (_v(old), ARROW, "(removed)" if op == "remove"
                             else "(removed with its version)")
    else:
        what = _change(old, new)
    path = row["path"] or "?"
    if base is not None:
        path = path[len(base) + 1:] if path.startswith(base + ".") else (
            "" if path == base else path)
    return "%s  %s  %s%s" % (time.ctime(row["time"]), who, path + ": " if path else "", what)


def _hv(text, datatype):
    if text is None or datatype is None:
        return text
    return T.value_text(T.from_db(text, datatype))


def cmd_history(args, words, cfg, emit):
    """history [PATH] [--since T] | history --prune-before T [--yes]"""
    store = cfg._store
    if args.prune_before:
        return _prune(args, store)
    if len(words) > 1:
        raise _common.ToolError("usage: ConfigTool.py history [PATH] [--since T]")
    root = _root(words[0] if words else None)
    since = at_time(args.since, "--since") if args.since else None
    rows = _config_past.changes(store.db, cfg.get_version(), root, since)
    if not rows and root and root not in cfg:
        raise _common.ToolError("no history of %s in version %s" % (T.show(root),
                                                                    T.show(cfg.get_version())))
    for row in rows:
        emit(history_line(row))


def _prune(args, store):
    before = at_time(args.prune_before, "--prune-before")
    if before > time.time():
        raise _common.ToolError("--prune-before %s is in the future" % time.ctime(before))
    question = ("Forget the config history before %s (the tree at that time is kept)? [y/N] "
                % time.ctime(before))
    _confirm(args, question, "--prune-before")
    n = _config_past.prune(store.db, before)
    sys.stderr.write("Pruned %d history rows before %s\n" % (n, time.ctime(before)))


def _root(word):
    if word in (None, "", T.ROOT):
        return ""
    return T.join("", word)


# -- diff and restore ------------------------------------------------------------------
def cmd_diff(args, words, cfg, emit):
    """diff [ROOT] --at T1 [--to T2]"""
    if not args.at:
        raise _common.ToolError("usage: ConfigTool.py diff [ROOT] --at T1 [--to T2]")
    root = _root(words[0] if words else None)
    version = cfg.get_version()
    before = tree(past_config(_db(args), version, at_time(args.at)), root)
    if args.to:
        after = tree(past_config(_db(args), version, at_time(args.to, "--to")), root)
    else:
        after = tree(cfg, root)
    for line in compare(before, after):
        emit(line)


def cmd_restore(args, words, cfg, emit):
    """restore [ROOT] --at T [--yes]: make the tree under ROOT what it was at T."""
    if not args.at:
        raise _common.ToolError("usage: ConfigTool.py restore [ROOT] --at T [--yes]")
    root = _root(words[0] if words else None)
    t = at_time(args.at)
    target = tree(past_config(_db(args), cfg.get_version(), t), root)
    current = tree(cfg, root)
    lines = compare(current, target)
    if not lines:
        sys.stderr.write("Nothing to restore: %s is as it was at %s\n"
                         % (root or T.ROOT, time.ctime(t)))
        return
    for line in lines:
        emit(line)
    _confirm(args, "Restore %s (version %s) as it was at %s? [y/N] "
             % (root or T.ROOT, cfg.get_version(), time.ctime(t)), "restore")
    n = restore(cfg, current, target)
    sys.stderr.write("Restored %d parameters of %s as they were at %s\n"
                     % (n, root or T.ROOT, time.ctime(t)))


def restore(cfg, current, target):
    """Ordinary writes making `cfg`'s tree `current` equal `target`; returns how many
    paths changed.  Removals first (a folder takes its subtree), then one atomic write
    of every added or changed value, then comments that must become empty."""
    store, vc = cfg._store, cfg._vc
    swap = set(p for p in target if p in current and
               (current[p][1] == "folder") != (target[p][1] == "folder"))
    removed = sorted(p for p in current if p not in target or p in swap)
    gone = []
    for p in removed:
        if not any(p.startswith(g + ".") for g in gone):
            store.remove(vc, p)
            gone.append(p)
    current = dict((p, v) for p, v in current.items()
                   if not any(p == g or p.startswith(g + ".") for g in gone))
    items = []
    for p in sorted(target):
        value, datatype, comment = target[p]
        if current.get(p) == target[p]:
            continue
        typed = None if datatype == "folder" else T.from_db(value, datatype)
        items.append((p, typed, datatype, comment))
    if items:
        store.put_many(vc, items, overwrite=True)
    for p in sorted(target):
        if target[p][2] is None and vc.paths.get(p) is not None and vc.paths[p].comment:
            store.set_comment(vc, p, None)
    return len(set(removed) | set(i[0] for i in items))


def _confirm(args, question, what):
    if args.yes:
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise _common.ToolError("%s changes the database: give --yes (no terminal to ask on)"
                                % what)
    prompt = raw_input if PY2 else input  # noqa: F821
    try:
        answer = prompt(question).strip().lower()
    except EOFError:
        answer = ""
    if answer not in ("y", "yes"):
        raise _common.ToolError("cancelled: nothing changed")


def _db(args):
    return _common.db_flags(args) or None

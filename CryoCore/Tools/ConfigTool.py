#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""ConfigTool: Command-line access to the configuration.

  ConfigTool.py get P | set P V | add P [V] | remove P | list [P...] | versions
  ConfigTool.py delete version -v NAME | serialize [P] | deserialize [ROOT] [FILE|-]
  ConfigTool.py import FILE.xml | P=V (type-checked) | WORD (show P, else search)
  ConfigTool.py history [P] [--since T] | list/get/serialize P --at T
  ConfigTool.py diff [ROOT] --at T1 [--to T2] | restore [ROOT] --at T [--yes]
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

if __package__ in (None, ""):  # run as ./CryoCore/Tools/ConfigTool.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore.Core import Config  # noqa: E402
from CryoCore.Core import _config_lkg  # noqa: E402
from CryoCore.Core import _config_types as T  # noqa: E402
from CryoCore.Core._compat import PY2, to_text  # noqa: E402
from CryoCore.Core._exceptions import ConfigException, DatabaseError, SettingsError  # noqa: E402
from CryoCore.Tools import _common, _config_timeline  # noqa: E402

COMMANDS = ("get", "set", "add", "remove", "list", "versions", "delete", "serialize",
            "deserialize", "import", "history", "diff", "restore")
_PATH_COMMANDS = ("get", "set", "add", "remove", "list", "serialize", "history", "diff",
                  "restore")


def build_parser():
    parser = _common.make_parser(
        "ConfigTool.py", "Command-line access to the CryoCore configuration. Commands: "
        "get P, set P V, add P [V], remove P, list [P...], versions, delete version -v NAME, "
        "serialize [P], deserialize [ROOT] [FILE|-], import FILE.xml; P=V sets with a type "
        "check; any other word shows that parameter or searches for it. The config history: "
        "history [P] [--since T], list/get/serialize --at T, diff [ROOT] --at T1 [--to T2], "
        "restore [ROOT] --at T [--yes], history --prune-before T.")
    words = parser.add_argument("words", nargs="*", metavar="COMMAND|PATH|P=V",
                                help="a command and its arguments, P=V, or a word to look up")
    words.completer = complete
    parser.add_argument("-v", "--version", dest="version", default=None,
                        help="configuration version (default: the one the default_version "
                        "parameter names; -v default is the version 'default' itself)"
                        ).completer = complete_versions
    parser.add_argument("--create", action="store_true", help="create an unknown version")
    parser.add_argument("--neg", action="store_true", help="make the numeric value negative")
    parser.add_argument("--overwrite", action="store_true",
                        help="deserialize/import: replace values that exist")
    _timeline_options(parser)
    return parser


def _parse(parser, argv):
    """Options may come between positional words (``list -v test Camera``)."""
    args, extra = parser.parse_known_args(argv)
    for word in extra:
        if word.startswith("-") and not _is_number(word):
            parser.error("unrecognized arguments: %s" % " ".join(extra))
    args.words = [to_text(w) for w in args.words + extra]
    return args


def _is_number(text):
    return T.guess_text(text) in ("integer", "double")


def _db_cfg(args):
    return _common.db_flags(args) or None


def _emit(line=""):
    _common.write(to_text(line) + u"\n")


def _is_terminal():
    return sys.stdin.isatty() and sys.stdout.isatty()


def _ask(question):
    prompt = raw_input if PY2 else input  # noqa: F821
    try:
        return prompt(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _timeline_options(parser):
    group = parser.add_argument_group("time travel (the config history)")
    group.add_argument("--at", metavar="T", help="list/get/serialize: the tree as it was at T; "
                       "diff: from T; restore: back to T (epoch, -SECONDS, 10m, ctime, ISO 8601)")
    group.add_argument("--to", metavar="T", help="diff: to T (default: now)")
    group.add_argument("--since", metavar="T", help="history: changes since T")
    group.add_argument("--prune-before", dest="prune_before", metavar="T",
                       help="history: forget changes before T (the tree at T is kept)")
    group.add_argument("--yes", action="store_true", help="restore/prune: do not ask")


def _open_config(args, check_version=True):
    """The root view of the chosen version; an unknown one needs --create or a yes.
    With --at: the read-only view of the tree as it was then."""
    db_cfg = _db_cfg(args)
    version = args.version
    if getattr(args, "at", None):
        return _config_timeline.past_config(db_cfg, version,
                                            _config_timeline.at_time(args.at))
    if version and version != "default" and check_version:
        store = Config._store_for(db_cfg)
        if not store.version_exists(version) and not args.create:
            if not (_is_terminal() and _ask("Version '%s' does not exist. Create it? [y/N] "
                                            % version)):
                raise _common.ToolError("no such version '%s' (use --create to create it)"
                                        % version)
    # an explicit -v default is the version "default" itself (so that default_version
    # can always be changed back); without -v, the version default_version names
    return Config.get_config(None, version or "default", db_cfg, exact=bool(version))


def _neg(args, text):
    if not args.neg:
        return text
    if not _is_number(text):
        raise _common.ToolError("--neg needs a numeric value, not %s" % T.show(text))
    return text[1:] if text.startswith("-") else "-" + text.lstrip("+")


def _lines(param):
    """``path = value`` for `param` (unless a folder) and every parameter under it."""
    out = []
    if param.datatype != "folder":
        out.append("%s = %s" % (param.get_full_path(), T.value_text(param.value)))
    for child in param.children:
        out.extend(_lines(child))
    return out


def _need(words, n, usage):
    if len(words) < n:
        raise _common.ToolError("usage: ConfigTool.py %s" % usage)


# -- commands -----------------------------------------------------------------------
def cmd_get(args, words):
    _need(words, 1, "get PATH...")
    cfg = _open_config(args)
    for path in words:
        p = cfg.get(path)
        _emit("value: %s" % T.value_text(p.value))
        _emit("datatype: %s" % p.datatype)
        _emit("version: %s" % p.version)
        _emit("last_modified: %s" % (time.ctime(p.last_modified) if p.last_modified else ""))
        _emit("comment: %s" % (p.comment or ""))


def cmd_set(args, words):
    _need(words, 2, "set PATH VALUE")
    value, _ = T.from_text(_neg(args, " ".join(words[1:])), words[0])
    _open_config(args).set(words[0], value, check=False)


def cmd_add(args, words):
    _need(words, 1, "add PATH [VALUE]")
    cfg = _open_config(args)
    if len(words) == 1:
        cfg.add(words[0], None, datatype="folder")
        return
    value, datatype = T.from_text(_neg(args, " ".join(words[1:])), words[0])
    cfg.add(words[0], value, datatype)


def cmd_remove(args, words):
    _need(words, 1, "remove PATH...")
    cfg = _open_config(args)
    for path in words:
        cfg.remove(path)


def cmd_list(args, words):
    cfg = _open_config(args)
    for path in words or [None]:
        for line in _lines(cfg.get(path)):
            _emit(line)


def cmd_versions(args, words):
    if words:
        raise _common.ToolError("usage: ConfigTool.py versions (no arguments, not %s)"
                                % " ".join(words))
    cfg = _open_config(args, check_version=False)
    for name, comment, modified in cfg.list_versions():
        _emit(("%-20s %-24s %s" % (name, modified or "-", comment or "")).rstrip())


def cmd_delete(args, words):
    if not words or words[0] != "version":
        raise _common.ToolError("usage: ConfigTool.py delete version -v NAME")
    name = words[1] if len(words) > 1 else args.version
    if not name:
        raise _common.ToolError("delete version needs the version: -v NAME")
    Config.get_config(None, "default", _db_cfg(args)).delete_version(name)
    _emit("Deleted version %s" % name)


def cmd_serialize(args, words):
    cfg = _open_config(args)
    _emit(cfg.serialize(words[0] if words else None))


def _read(name, binary=False):
    try:
        if name == "-":
            data = sys.stdin.read()
            if binary and not PY2 and isinstance(data, str):
                data = data.encode("utf-8")
            return data
        with open(name, "rb") as f:
            data = f.read()
        return data if binary else data.decode("utf-8")
    except (IOError, OSError) as e:
        raise _common.ToolError("cannot read %s: %s" % (name, getattr(e, "strerror", None) or e))
    except UnicodeDecodeError as e:
        raise _common.ToolError("%s is not UTF-8 text: %s" % (name, e))


def cmd_deserialize(args, words):
    if len(words) > 2:
        raise _common.ToolError("usage: ConfigTool.py deserialize [ROOT] [FILE|-]")
    if len(words) == 2:
        root, source = words
    elif len(words) == 1 and (words[0] == "-" or os.path.isfile(words[0])):
        root, source = "", words[0]
    else:
        root, source = (words[0] if words else ""), "-"
    text = _read(source)
    n = _open_config(args).deserialize(text, root, overwrite=args.overwrite)
    sys.stderr.write("Deserialized %s\n" % _changed(n))


def cmd_import(args, words):
    _need(words, 1, "import FILE.xml")
    data = _read(words[0], binary=True)
    n = _open_config(args).import_xml(data, overwrite=args.overwrite)
    sys.stderr.write("Imported %s\n" % _changed(n))


def _changed(n):
    """What an import changed, counted in parameters (folders are not counted)."""
    if n == 0:
        return "0 parameters (nothing changed)"
    return "%d parameter%s" % (n, "" if n == 1 else "s")


def quick_set(args, word):
    """``P=V``: set an existing parameter, checking V against its type."""
    path, value = word.split("=", 1)
    if not path:
        raise _common.ToolError("quick-hand needs PATH=VALUE, got %s" % T.show(word))
    cfg = _open_config(args)
    if path not in cfg:
        raise _common.ToolError("no such parameter %s (use add to create it)" % path)
    cfg.set(path, _neg(args, value), check=True)


def look_up(args, word):
    """The parameter `word` and everything under it, else every parameter whose name
    contains it and every parameter under a folder whose name contains it."""
    cfg = _open_config(args)
    if word in cfg:
        lines = _lines(cfg.get(word))
    else:
        lines, shown = [], set()
        for p in cfg.search(word):
            for line in _lines(p):
                if line not in shown:
                    shown.add(line)
                    lines.append(line)
    if not lines:
        raise _common.ToolError("no parameter matches %s" % T.show(word))
    for line in lines:
        _emit(line)


def _timeline(command):
    def run(args, words):
        at, args.at = args.at, None  # history/diff/restore start from the live tree
        cfg = _open_config(args)
        args.at = at
        command(args, words, cfg, _emit)
    return run


_HANDLERS = {"get": cmd_get, "set": cmd_set, "add": cmd_add, "remove": cmd_remove,
             "list": cmd_list, "versions": cmd_versions, "delete": cmd_delete,
             "serialize": cmd_serialize, "deserialize": cmd_deserialize, "import": cmd_import,
             "history": _timeline(_config_timeline.cmd_history),
             "diff": _timeline(_config_timeline.cmd_diff),
             "restore": _timeline(_config_timeline.cmd_restore)}


def main(argv=None):
    """Run ConfigTool with `argv` (default sys.argv[1:]); returns the exit status."""
    with _config_lkg.database_only():  # the database itself, never a last-known-good copy
        return _main(argv)


def _main(argv):
    parser = build_parser()
    _common.autocomplete(parser)
    args = _parse(parser, sys.argv[1:] if argv is None else argv)
    _common.apply_db_flags(args)
    words = args.words
    if not words:
        parser.print_help()
        return 1
    if words[0] in _HANDLERS:
        _HANDLERS[words[0]](args, words[1:])
        return 0
    for word in words:
        if "=" in word:
            quick_set(args, word)
        else:
            look_up(args, word)
    return 0


# -- completion -------------------------------------------------------------------------
def path_completions(cfg, prefix):
    """Complete a dotted path one level at a time: children of the part before the last dot.

    A child that has children of its own ends in "." so the next Tab goes a level deeper.
    """
    prefix = to_text(prefix or "")
    base, _, partial = prefix.rpartition(".")
    if base and base not in cfg:
        return []
    out = []
    for name in cfg.keys(base or None):
        if name.startswith(partial):
            path = base + "." + name if base else name
            out.append(path + "." if cfg.keys(path) else path)
    return out


def complete(prefix, parsed_args=None, **_kwargs):
    """argcomplete completer of the positional words."""
    words = list(getattr(parsed_args, "words", None) or [])
    if words and words[0] == "delete":
        return [w for w in ("version",) if w.startswith(prefix)] if len(words) == 1 else []
    if words and (words[0] not in _PATH_COMMANDS or len(words) > 1):
        return []
    if "=" in prefix:
        return []
    try:
        cfg = Config.get_config(None, getattr(parsed_args, "version", None) or "default",
                                _db_cfg(parsed_args) if parsed_args is not None else None)
        paths = path_completions(cfg, prefix)
        # A lone folder would get a space appended by the shell: offer its children instead,
        # so the common prefix "Folder." is inserted and the next level is listed.
        while len(paths) == 1 and paths[0].endswith("."):
            deeper = path_completions(cfg, paths[0])
            if not deeper:
                break
            paths = deeper
    except (ConfigException, DatabaseError, SettingsError) as e:
        _warn_completion(e)
        paths = []
    if not words:
        return [c for c in COMMANDS if c.startswith(prefix)] + paths
    return paths


def complete_versions(prefix, parsed_args=None, **_kwargs):
    """argcomplete completer of -v: the versions in the database."""
    try:
        db_cfg = _db_cfg(parsed_args) if parsed_args is not None else None
        names = [v[0] for v in Config._store_for(db_cfg).list_versions()]
    except (ConfigException, DatabaseError, SettingsError) as e:
        _warn_completion(e)
        return []
    return [n for n in names if n.startswith(prefix or "")]


def _warn_completion(e):
    try:
        import argcomplete
        argcomplete.warn("ConfigTool completion: %s" % e)
    except ImportError:
        sys.stderr.write("ConfigTool completion: %s\n" % e)


console_main = _common.entry_point(main)

if __name__ == "__main__":
    console_main()

#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""Snapshot: the whole system as it was at one moment, in one report.

  Snapshot.py --at T [--window 30s] [-v VERSION] [ROOT|CHANNEL ...] [--format text|json]

The config tree as of T (from the config history; default: the version that
``default_version`` named at T), the last value of every status parameter at T with
its age, and the log rows within the window around T.  A word narrows what it names:
a config path (that subtree), a status channel, a logger; with words, each part shows
only what they name.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import sys
import time

if __package__ in (None, ""):  # run as ./CryoCore/Tools/Snapshot.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore.Core import Config, _config_past, _read_db  # noqa: E402
from CryoCore.Core import _config_types as T  # noqa: E402
from CryoCore.Core._compat import PY2, to_text  # noqa: E402
from CryoCore.Core._exceptions import ConfigException, DatabaseError  # noqa: E402
from CryoCore.Core._log_reader import LogReader  # noqa: E402
from CryoCore.Core._status_reader import StatusReader  # noqa: E402
from CryoCore.Tools import _common  # noqa: E402
from CryoCore.Tools.TailLog import format_row  # noqa: E402

DEFAULT_WINDOW = "30s"


def build_parser():
    parser = _common.make_parser(
        "Snapshot.py", "The system as it was at time T: the config tree then, the last value "
        "of every status parameter with its age, and the log rows around T.")
    parser.add_argument("words", nargs="*", metavar="ROOT|CHANNEL",
                        help="narrow to these config subtrees, status channels or loggers")
    parser.add_argument("--at", metavar="T", default=None,
                        help="the moment (default now): epoch, -SECONDS, 10m, ctime or ISO 8601")
    parser.add_argument("--window", metavar="D", default=DEFAULT_WINDOW,
                        help="log rows within D of T (default %s; 30s, 5m, or seconds)"
                        % DEFAULT_WINDOW)
    parser.add_argument("-v", "--version", dest="version", default=None,
                        help="config version (default: the one default_version named at T)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--source", metavar="NAME",
                        help="status and log rows DbSync copied from this field source only")
    return parser


def _seconds(text):
    """A duration: plain seconds or 30s/10m/2h/1d."""
    raw = (text or "").strip()
    try:
        value = float(raw)
    except ValueError:
        now = time.time()
        try:
            value = now - _common.parse_since(raw, now=now) if raw[-1:].isalpha() else -1
        except (ValueError, _common.ToolError):
            value = -1
    if not value >= 0 or value == float("inf"):
        raise _common.ToolError("--window: cannot read %r as a duration (30s, 5m, 2h, or "
                                "seconds)" % (text,))
    return value


# -- the three parts -------------------------------------------------------------------
def config_part(db_cfg, t, version, words):
    """{"version", "note", "parameters": {path: value}} (and the words it knew)."""
    out = {"version": None, "note": None, "parameters": {}}
    try:
        db = _read_db.open_db("config", db_cfg, "Snapshot-config")
    except DatabaseError as e:
        out["note"] = "config: %s" % e
        return out, set()
    try:
        past = _config_past.PastStore(db, t)
    except ConfigException as e:
        out["note"] = "config: %s" % e
        return out, set()
    cfg = Config.NamedConfiguration(None, version or "default", _store=past)
    out["version"], out["note"] = cfg.get_version(), past.note
    roots = [w for w in words if w in cfg]
    for root in (roots if words else [None]):
        stack = [cfg.get(root)]
        while stack:
            p = stack.pop()
            if p.datatype != "folder":
                out["parameters"][p.path] = p.value
            stack.extend(p.children)
    return out, set(roots)


def status_part(db_cfg, t, words, source=None):
    """[{"channel", "name", "value", "timestamp", "age"}] at t, and the words it knew."""
    reader = StatusReader(db_cfg)
    try:
        channels = set(to_text(c) for c in reader.channels())
        wanted = [w for w in words if w in channels]
        rows = reader.values_at(t, wanted if words else None, source)
    except _read_db.NoSuchDatabase:
        return [], set()
    finally:
        reader.close()
    return [{"channel": to_text(c), "name": to_text(n), "value": v, "timestamp": ts,
             "age": t - ts} for c, n, ts, v, _ in rows], set(wanted)


def log_part(db_cfg, t, window, words, source=None):
    """Log rows (dicts) in [t - window, t + window], and the words it knew as loggers."""
    reader = LogReader(db_cfg)
    try:
        loggers = set(to_text(n) for n in reader.loggers())
        wanted = [w for w in words if w in loggers]
        rows = reader.rows(since=t - window, until=t + window,
                           loggers=wanted if words else None, source=source)
    except _read_db.NoSuchDatabase:
        return [], set()
    finally:
        reader.close()
    return rows, set(wanted)


def snapshot(db_cfg, t, window=30.0, version=None, words=(), source=None):
    """The report as a JSON-able dict: {"at", "config", "status", "logs"} (`source`: the
    status and log rows DbSync copied from that field source only)."""
    words = [to_text(w) for w in words]
    config, in_config = config_part(db_cfg, t, version, words)
    status, in_status = status_part(db_cfg, t, words, source)
    logs, in_logs = log_part(db_cfg, t, window, words, source)
    unknown = [w for w in words if w not in in_config | in_status | in_logs]
    if unknown:
        raise _common.ToolError("%s names no config path, status channel or logger at %s"
                                % (T.show(unknown[0]), time.ctime(t)))
    return {"at": t, "config": config, "status": status, "logs": logs}


def text_lines(report, w):
    """The report as the text lines people read (`w`: the log window, seconds)."""
    t = report["at"]
    config = report["config"]
    out = ["CryoCore snapshot at %s (%.3f)" % (time.ctime(t), t), ""]
    out.append("== Config (version %s)" % (config["version"] or "?"))
    if config["note"]:
        out.append("Note: %s" % config["note"])
    for path in sorted(config["parameters"]):
        out.append("%s = %s" % (path, T.value_text(config["parameters"][path])))
    out += ["", "== Status (the last value at that time, and how old it was then)"]
    for s in report["status"]:
        out.append("[%s] %s = %s  (%s old)" % (s["channel"], s["name"], s["value"],
                                               _age(s["age"])))
    out += ["", "== Log (%s to %s)" % (time.ctime(t - w), time.ctime(t + w))]
    for r in report["logs"]:
        out.append(format_row((r["id"], r["time"], r["level"], r["module"], r["line"],
                               r["logger"], r["message"])))
    return out


def _age(seconds):
    if seconds < 120:
        return "%.1f s" % seconds
    if seconds < 7200:
        return "%.1f min" % (seconds / 60)
    if seconds < 172800:
        return "%.1f h" % (seconds / 3600)
    return "%.1f d" % (seconds / 86400)


def _emit(line):
    line = _common.terminal_safe(to_text(line))
    if PY2:  # pragma: no cover - 2.7 pipes want bytes
        line = line.encode(getattr(sys.stdout, "encoding", None) or "utf-8", "replace")
        sys.stdout.write(line + b"\n")
    else:
        sys.stdout.write(line + "\n")


def main(argv=None):
    """Run Snapshot with `argv` (default sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    _common.autocomplete(parser)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    _common.apply_db_flags(args)
    t = _common.parse_since(args.at) if args.at else time.time()
    window = _seconds(args.window)
    source = _common.source_name(args)
    report = snapshot(_common.db_flags(args) or None, t, window, args.version, args.words,
                      source)
    if args.format == "json":
        _emit(json.dumps(report, sort_keys=True, default=to_text))
    else:
        for line in text_lines(report, window):
            _emit(line)
    return 0


def console_main():
    """Console-script entry point."""
    _common.console(main)


if __name__ == "__main__":
    console_main()

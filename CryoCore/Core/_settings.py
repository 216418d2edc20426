"""Database settings: JSON files merged key by key, overrides per service (spec section 2).

Merge order, later wins: built-in defaults, ``~/.cryoconfig``, ``./.config``
(skipped when it is a directory), the file named by ``$CRYOCORE_CONFIG``, then
what the program passes to ``API.set_config_db`` (or tool ``--db_*`` flags).
``override_config`` / ``override_status`` / ``override_log`` apply to that
service only, merged the same way.
"""
from __future__ import absolute_import, division, print_function

import hashlib
import json
import os
import stat
import sys
import threading

from ._exceptions import SettingsError

SERVICES = ("config", "status", "log")

DEFAULTS = {
    "db_name": "cryocore",
    "db_host": "localhost",
    "db_user": "cc",
    "db_password": "",
    "db_compress": False,
    "ssl": None,
    "db_type": None,
    "db_port": 3306,
    "db_path": None,
    "db_timeout": 10,
}

# Keys accepted by API.set_config_db (the original's plus ours).
DB_KEYS = ("db_host", "db_user", "db_password", "db_name", "db_type", "db_port", "db_path")
# Keys of ours that set_config_db also takes (documented in README), and override_* dicts.
_EXTRA_KEYS = ("db_timeout", "ssl", "db_compress")

# Keys that make a settings file mean "use MySQL" when db_type is not given.
_MYSQL_HINTS = ("db_host", "db_user", "db_name")

_lock = threading.Lock()
_explicit = {}
_warned = set()


def default_sqlite_path():
    """The embedded database: ``~/.cryocore/cryocore.db``."""
    return os.path.join(os.path.expanduser("~"), ".cryocore", "cryocore.db")


def settings_files():
    """The settings files in merge order (those that may exist)."""
    files = [os.path.join(os.path.expanduser("~"), ".cryoconfig")]
    if not os.path.isdir(".config"):
        files.append(os.path.abspath(".config"))
    env = os.environ.get("CRYOCORE_CONFIG")
    if env:
        files.append(env)
    return files


def _read_file(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except IOError as e:  # also OSError on Python 3
        if getattr(e, "errno", None) == 2 and path != os.environ.get("CRYOCORE_CONFIG"):
            return None
        raise SettingsError("cannot read settings file %s: %s" % (path, e.strerror or e))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise SettingsError("settings file %s is not valid JSON: %s" % (path, e))
    if not isinstance(data, dict):
        raise SettingsError("settings file %s must hold a JSON object" % path)
    _warn_if_exposed(path, data)
    return data


def _warn_if_exposed(path, data):
    """Warn once when a file holding a password is readable by group or others."""
    if not _holds_password(data) or path in _warned:
        return
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        _warned.add(path)
        sys.stderr.write("CryoCore: warning: %s holds a password and is readable by others "
                         "(chmod 600 %s)\n" % (path, path))


def _holds_password(data):
    if data.get("db_password"):
        return True
    return any(isinstance(v, dict) and v.get("db_password") for v in data.values())


def merge(base, update):
    """Merge `update` into a copy of `base`; ``override_*`` dicts merge key by key."""
    out = dict(base)
    for key, value in update.items():
        if key.startswith("override_") and isinstance(value, dict):
            merged = dict(out.get(key) or {})
            merged.update(value)
            out[key] = merged
        else:
            out[key] = value
    return out


def load_file_settings():
    """Every settings file merged in order (without the built-in defaults)."""
    merged = {}
    for path in settings_files():
        data = _read_file(path)
        if data is not None:
            merged = merge(merged, data)
    return merged


def set_explicit(settings):
    """API.set_config_db: validate and remember settings that win over every file."""
    if not isinstance(settings, dict):
        raise SettingsError("set_config_db takes a dict, not %r" % (settings,))
    unknown = sorted(k for k in settings if k not in DB_KEYS and k not in _EXTRA_KEYS
                     and not k.startswith("override_"))
    if unknown:
        raise SettingsError("unknown settings key(s) for set_config_db: %s (allowed: %s, "
                            "override_*)" % (", ".join(unknown), ", ".join(DB_KEYS + _EXTRA_KEYS)))
    with _lock:
        _explicit.update(settings)


def clear_explicit():
    """Forget what set_config_db was given (API.reset, tests)."""
    with _lock:
        _explicit.clear()


def _layer(merged, named, layer, service):
    """Apply one layer (its plain keys, then its override for `service`)."""
    plain = dict((k, v) for k, v in layer.items() if not k.startswith("override_"))
    merged.update(plain)
    named.update(plain.keys())
    if service is not None:
        override = layer.get("override_" + service) or {}
        merged.update(override)
        named.update(override.keys())


def get_settings(service=None, extra=None):
    """The effective settings for `service` ("config", "status", "log" or None).

    Files (with their ``override_<service>``), then ``set_config_db``, then
    `extra` (tool flags), later wins.  The result always has ``db_type``
    ("mysql" or "sqlite") and, for SQLite, ``db_path``.
    """
    if service is not None and service not in SERVICES:
        raise SettingsError("unknown service %r (one of %s)" % (service, ", ".join(SERVICES)))
    named = set()  # keys some layer gave: db_host/db_user/db_name there mean MySQL
    out = dict(DEFAULTS)
    _layer(out, named, load_file_settings(), service)
    with _lock:
        explicit = dict(_explicit)
    _layer(out, named, explicit, service)
    if extra:
        _layer(out, named, dict((k, v) for k, v in extra.items() if v is not None), None)
    if not out.get("db_type"):
        out["db_type"] = "mysql" if any(h in named for h in _MYSQL_HINTS) else "sqlite"
    if out["db_type"] not in ("mysql", "sqlite"):
        raise SettingsError("db_type must be 'mysql' or 'sqlite', not %r" % (out["db_type"],))
    if out["db_type"] == "sqlite" and not out.get("db_path"):
        out["db_path"] = default_sqlite_path()
    try:
        out["db_port"] = int(out.get("db_port") or 3306)
    except (TypeError, ValueError):
        raise SettingsError("db_port must be a number, not %r" % (out.get("db_port"),))
    return out


def describe(settings):
    """A short human description of where a service's data lives (no password)."""
    if settings["db_type"] == "sqlite":
        return "sqlite:%s" % settings["db_path"]
    return "mysql://%s@%s:%s/%s" % (settings["db_user"], settings["db_host"],
                                    settings["db_port"], settings["db_name"])


def fingerprint(settings):
    """A short hash naming the database `settings` point at (never the password).

    The one name of "the same database": spools (whose rows belong where) and
    last-known-good config copies (whose tree it is) both use it.
    """
    if settings.get("db_type") == "sqlite":
        key = ["sqlite", os.path.abspath(settings.get("db_path") or "")]
    else:
        key = ["mysql", settings.get("db_host"), int(settings.get("db_port") or 3306),
               settings.get("db_user"), settings.get("db_name")]
    raw = json.dumps(key, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:24]

"""Units of status parameters from config, read without creating or changing anything.

A parameter's unit is the config value ``<channel>.units.<param>`` (e.g.
``Camera.units.temperature = degC``) in the version that ``default_version`` names
(as ``API.get_config``).  Plots group axes by it, netCDF export writes it as ``units``.
"""
from __future__ import absolute_import, division, print_function

from ._compat import to_text
from ._exceptions import DatabaseError


def lookup(params, db_cfg=None):
    """``{(channel, param): unit}`` for the `params` that have one; {} when there is no
    config database (or no such tables): units are a nicety, never an error."""
    from ._read_db import open_db
    try:
        db = open_db("config", db_cfg)
    except DatabaseError:
        return {}
    try:
        return _lookup(db, params)
    except DatabaseError:  # no config tables: nothing to look up
        return {}
    finally:
        db.close()


def _lookup(db, params):
    version = _version_id(db, "default")
    if version is None:
        return {}
    named = _value(db, version, ["default_version"])
    if named and named != "default":
        version = _version_id(db, named) or version
    found = {}
    for channel, name in params:
        unit = _value(db, version, channel.split(".") + ["units", name])
        if unit:
            found[(channel, name)] = unit
    return found


def _version_id(db, name):
    for vid, vname in db._execute("SELECT id, name FROM config_version WHERE name = %s",
                                  (name,)).fetchall():
        if to_text(vname) == name:  # MySQL's = ignores case and trailing spaces
            return vid
    return None


def _value(db, version, parts):
    """The value of the config node at path `parts` (None if missing or a folder)."""
    parent, row = 0, None
    for part in parts:
        row = None
        for nid, nname, value, datatype in db._execute(
                "SELECT id, name, value, datatype FROM config WHERE version = %s AND "
                "parent = %s AND name = %s", (version, parent, part)).fetchall():
            if to_text(nname) == part:
                row = (nid, value, to_text(datatype))
        if row is None:
            return None
        parent = row[0]
    return None if row[2] == "folder" else to_text(row[1])

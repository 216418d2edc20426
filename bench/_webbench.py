"""Shared set-up of the web dashboard benches (not a benchmark itself): a server
subprocess over a scratch backend, a headless Chromium, and fast bulk history rows."""
from __future__ import absolute_import, division, print_function

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import _web  # noqa: E402  (tests/_web.py: Server, Browser)


class Env(object):
    """What tests/_web.Server needs of a backend: the environment for its subprocess."""

    def __init__(self, settings_file):
        self.settings_file = settings_file

    def env(self):
        env = dict(os.environ)
        env["CRYOCORE_CONFIG"] = self.settings_file
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        return env


def server(backend, *args):
    return _web.Server(Env(backend.settings_file), *args)


def browser():
    return _web.Browser()


def bulk_history(channel, name, start, n, step=1.0, value=None):
    """`n` rows of one parameter, `step` seconds apart from `start`, stored with one
    multi-row INSERT per batch through InternalDB (the API makes the ids first)."""
    import math
    from CryoCore import API
    from CryoCore.Core import InternalDB
    from CryoCore.Core._runtime import writer
    API.get_status(channel)[name] = 0  # creates tables, channel and parameter ids
    writer().flush(30)
    db = InternalDB.mysql("bench-bulk", service="status")
    chanid, paramid = db._execute(
        "SELECT p.chanid, p.paramid FROM status_parameter p JOIN status_channel c "
        "ON c.chanid = p.chanid WHERE c.name = %s AND p.name = %s", (channel, name)).fetchone()
    value = value or (lambda i: "%.3f" % (20 + 5 * math.sin(i / 3600.0) + (i % 17) / 10.0))
    batch = []
    for i in range(n):
        batch.append((start + i * step, paramid, chanid, value(i)))
        if len(batch) == 20000:
            db._insert_many("status", ("timestamp", "paramid", "chanid", "value"), batch)
            batch = []
    db._insert_many("status", ("timestamp", "paramid", "chanid", "value"), batch)
    db.close()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]

"""Field-proofing (issue 11): many real processes at once, and forked children."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import time

import pytest

from CryoCore import API

PROCESSES = 20
ROUNDS = 4  # new top folders raced for, one after the other (a race may be missed once)

# Every child imports first, then waits for the common start time, so that they really
# create the tables, the default version and the shared folders at the same moment.
RACER = r"""
import sys, time
from CryoCore import API
start, i, rounds = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for r in range(rounds):
    name = "SysN%d.Module%d" % (r, i) if i % 2 == 0 else "SysN%d.Shared" % r
    time.sleep(max(0, start + r - time.time()))
    cfg = API.get_config(name)
    cfg.set_default("enabled", True)
    cfg.set_default("rate", 10)
    print("%s %r %r" % (name, cfg["enabled"], cfg["rate"]))
API.shutdown()
"""


def _rows_by_path(backend):
    """{full path: number of rows} over the default version, by plain SQL."""
    rows = backend.sql("SELECT c.id, c.parent, c.name FROM config c JOIN config_version v "
                       "ON v.id = c.version WHERE v.name = 'default'")
    by_id = dict((r[0], (r[1], r[2])) for r in rows)

    def path(i):
        parent, name = by_id[i]
        return name if not parent else path(parent) + "." + name
    counts = {}
    for i in by_id:
        counts[path(i)] = counts.get(path(i), 0) + 1
    return counts


def test_get_or_create_race_free_on_an_empty_database(backend):
    """20 processes starting at once on an empty database: no error, one row per path."""
    start = time.time() + 4.0
    procs = [subprocess.Popen([sys.executable, "-c", RACER, repr(start), str(i), str(ROUNDS)],
                              env=backend.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in range(PROCESSES)]
    results = [p.communicate() + (p.returncode,) for p in procs]
    failures = [(rc, err.decode()) for out, err, rc in results if rc != 0 or err.strip()]
    assert failures == []
    for out, _, _ in results:
        lines = out.decode().splitlines()
        assert len(lines) == ROUNDS and all(l.split()[1:] == ["True", "10"] for l in lines)
    expected = set()
    for r in range(ROUNDS):
        top = "SysN%d" % r
        expected.update([top, top + ".Shared", top + ".Shared.enabled", top + ".Shared.rate"])
        for i in range(0, PROCESSES, 2):
            module = "%s.Module%d" % (top, i)
            expected.update([module, module + ".enabled", module + ".rate"])
    counts = _rows_by_path(backend)
    assert set(counts) == expected
    assert set(counts.values()) == set([1])
    assert backend.sql("SELECT COUNT(*) FROM config_version")[0][0] == 1

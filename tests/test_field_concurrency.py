"""Field-proofing (issue 11): many real processes at once, and forked children."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import time

import pytest

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


# The parent keeps its config, status and log connections open across forks; each child
# ends in one of the ways a real program's child does.
FORKER = r"""
import os, sys
from CryoCore import API
cfg = API.get_config("ForkT")
status = API.get_status("ForkT")
log = API.get_log("ForkT")
cfg["w"] = -1
ENDINGS = ["exit", "reset_exit", "use_exit", "exit"]
for i, ending in enumerate(ENDINGS):
    status["n"] = i           # maybe still queued in the parent when it forks
    log.info("parent %d", i)
    pid = os.fork()
    if pid == 0:
        if ending == "reset_exit":    # as the README advises for a child
            API.reset()
            os._exit(0)
        if ending == "use_exit":      # the child's own connections, then a normal exit
            API.get_config("ForkT")["child%d" % i] = i
            API.get_status("ForkChild")["x"] = i
            API.get_log("ForkChild").info("child %d", i)
        sys.exit(0)
    os.waitpid(pid, 0)
    cfg["w"] = i
    status["after"] = i
    log.info("after %d", i)
print(cfg["w"])
API.shutdown()
"""


@pytest.mark.smoke
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_exit_leaves_parent_connections_working(backend):
    """A forked child that exits never breaks or reuses the parent's connections."""
    proc = subprocess.Popen([sys.executable, "-c", FORKER], env=backend.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    assert (proc.returncode, err.decode()) == (0, "")
    assert out.decode().split() == ["3"]
    values = dict((r[0], r[1]) for r in backend.sql(
        "SELECT name, value FROM config WHERE name IN ('w', 'child2')"))
    assert values == {"w": "3", "child2": "2"}
    status = backend.sql("SELECT c.name, p.name, s.value FROM status s JOIN status_parameter p "
                         "ON p.paramid = s.paramid JOIN status_channel c ON c.chanid = s.chanid "
                         "WHERE c.name IN ('ForkT', 'ForkChild') ORDER BY s.id")
    assert sorted(status) == sorted(
        [("ForkT", "n", str(i)) for i in range(4)] + [("ForkT", "after", str(i)) for i in range(4)]
        + [("ForkChild", "x", "2")])
    messages = sorted(r[0] for r in backend.sql("SELECT message FROM log WHERE logger IN "
                                                "('ForkT', 'ForkChild')"))
    assert messages == sorted(["parent %d" % i for i in range(4)] +
                              ["after %d" % i for i in range(4)] + ["child 2"])

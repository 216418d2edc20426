"""Config across real processes: changes (deletions too) and callbacks within 1 s."""
from __future__ import absolute_import, division, print_function

import subprocess
import sys
import threading
import time

import pytest

from CryoCore import API

CHILD = """
import sys, time
import CryoCore
cfg = CryoCore.get_config("X")
%s
print(repr(time.time()))
CryoCore.API.shutdown()
"""


def child(backend, body):
    """Run `body` in a second Python process; returns the time its writes committed."""
    out = subprocess.check_output([sys.executable, "-c", CHILD % body], env=backend.env())
    return float(out.decode().strip().splitlines()[-1])


class Recorder(object):
    """A callback that records (time, value, comment) and sets an event."""

    def __init__(self):
        self.calls = []
        self.event = threading.Event()

    def __call__(self, param):
        self.calls.append((time.time(), param.get_value(), param.comment))
        self.event.set()

    def wait(self, timeout=3.0):
        ok = self.event.wait(timeout)
        self.event.clear()
        return ok


def wait_until(predicate, timeout=3.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return time.time()
        time.sleep(0.01)
    return None


@pytest.mark.smoke
def test_other_process_change_fires_within_1s(backend):
    """Another process's write fires this process's callback within 1 s."""
    cfg = API.get_config("X")
    cfg["speed"] = 1
    rec = Recorder()
    cfg.add_callback("speed", rec)
    written = child(backend, 'cfg["speed"] = 2')
    assert rec.wait()
    when, value, _ = rec.calls[-1]
    assert value == 2 and cfg["speed"] == 2
    assert when - written < 1.0


def test_several_writes_within_one_poll_fire_once_with_the_latest_value(backend):
    """Writes elsewhere between two polls fire once, with the latest; the look-back adds none."""
    cfg = API.get_config("X")
    cfg["speed"] = 0
    rec = Recorder()
    cfg.add_callback("speed", rec)
    with cfg._store._lock:  # the poller waits for this lock: no poll while the child writes
        child(backend, "for v in range(1, 6):\n    cfg['speed'] = v")
    assert rec.wait()
    time.sleep(3.0)  # longer than the look-back (LOOK_BACK 2 s): rows re-read, not re-fired
    assert [c[1] for c in rec.calls] == [5] and cfg["speed"] == 5


def test_comment_change_fires_and_noop_does_not(backend):
    """A comment change elsewhere fires the callback; a write that changed nothing does not."""
    cfg = API.get_config("X")
    cfg["speed"] = 1
    rec, sentinel = Recorder(), Recorder()
    cfg.add_callback("speed", rec)
    cfg.add_callback("sentinel", sentinel)
    child(backend, 'cfg["speed"] = 1\ncfg.set("speed", 1)\ncfg["sentinel"] = 1')
    assert sentinel.wait()
    assert rec.calls == []  # the write that changed nothing fired nothing
    written = child(backend, 'cfg.get("speed").set_comment("why")')
    assert rec.wait()
    assert rec.calls[-1][1:] == (1, "why") and rec.calls[-1][0] - written < 1.0


def test_deletions_and_new_parameters_visible_within_1s(backend):
    """Deletions and new parameters by another process show within 1 s."""
    cfg = API.get_config("X")
    cfg["a.b"] = 1
    cfg["keep"] = 1
    written = child(backend, 'cfg.remove("a")\ncfg["new.p"] = "x"')
    seen = wait_until(lambda: cfg["a.b"] is None and cfg["new.p"] == "x")
    assert seen is not None and seen - written < 1.0
    assert cfg.keys() == ["keep", "new"]


def test_version_deleted_elsewhere(backend):
    """A version deleted by another process empties this process's view within 1 s."""
    cfg = API.get_config("X", "v1")
    cfg["p"] = 1
    written = child(backend, 'cfg.delete_version("v1")')
    seen = wait_until(lambda: cfg["p"] is None)
    assert seen is not None and seen - written < 1.0


def test_raw_sql_update_by_an_original_style_writer(backend):
    """An UPDATE outside our API (the original's tools) is picked up too."""
    cfg = API.get_config("X")
    cfg["n"] = 1
    rec = Recorder()
    cfg.add_callback("n", rec)
    backend.sql("UPDATE config SET value = %s WHERE name = %s", ("5", "n"))
    assert rec.wait() and cfg["n"] == 5

"""API.get_status_listener: live values changed by another process within 1 s, and replay
of a past period with the original's Clock (values from rows a producer wrote)."""
from __future__ import absolute_import, division, print_function

import time

import pytest

from CryoCore import API
from CryoCore.Core.Status.StatusListener import Clock
from _status_rows import produce


def wait_value(listener, key, value, timeout):
    """Seconds until listener holds `value` for `key` (None if it never did)."""
    start = time.time()
    while time.time() - start < timeout:
        got = listener.get_last_value(*key)
        if got is not None and got["value"] == value:
            return time.time() - start
        time.sleep(0.02)
    return None


@pytest.mark.smoke
def test_live_listener_sees_another_process_within_a_second(backend, tmp_path):
    """A listener sees a producer's changes within 1 s, names not yet made too."""
    produce(backend, tmp_path, {"rows": [["Other", "y", 1, time.time()]]})  # the tables exist
    listener = API.get_status_listener()
    listener.add_monitors([("Live", "x"), ("Live", "never")])
    assert listener.get_last_value("Live", "x") is None
    for value in (5, 6):
        produce(backend, tmp_path, {"rows": [["Live", "x", value, time.time()]]})
        took = wait_value(listener, ("Live", "x"), str(value), 5.0)
        assert took is not None and took < 1.0, took
    got = listener.get_last_value("Live", "x")
    assert set(got) == {"channel", "name", "ts", "value"} and got["channel"] == "Live"
    assert listener.get_last_value("Live", "never") is None
    assert list(listener.get_last_values()) == [("Live", "x")]
    assert listener.get_last_values([("Other", "y")]) == {}  # not monitored
    API.shutdown()
    assert not listener.is_alive()


def test_replay_with_a_clock(backend, tmp_path):
    """With a Clock the values are those at clock.pos(), following it back and forth."""
    t0 = 1500000000.0
    rows = ([["Rep", "a", i, t0 + 2 * i] for i in range(6)]
            + [["Rep", "b", "x%d" % i, t0 + 3 * i + 1] for i in range(4)])
    produce(backend, tmp_path, {"rows": rows})
    clock = Clock(t0 - 1)
    clock.pause()
    listener = API.get_status_listener(clock)
    listener.add_monitors([("Rep", "a"), ("Rep", "b")])
    for pos in (t0 - 1, t0 + 4.5, t0 + 7, t0 + 100, t0 + 1):
        clock.set_pos(pos)
        clock.pause()
        want = {}
        for channel, name, value, ts in rows:
            if ts <= pos:
                want[(channel, name)] = str(value)
        deadline = time.time() + 3
        while time.time() < deadline:
            got = dict((k, v["value"]) for k, v in listener.get_last_values().items())
            if got == want:
                break
            time.sleep(0.05)
        assert got == want, pos
    listener.stop()


@pytest.mark.smoke
def test_clock_runs_from_its_start():
    """Clock.pos() starts at starttime and runs with real time (scaled by speed)."""
    clock = Clock(1000.0)
    first = clock.pos()
    assert 1000.0 <= first < 1000.5
    time.sleep(0.2)
    assert 1000.15 < clock.pos() < 1001.0
    clock.pause()
    held = clock.pos()
    time.sleep(0.1)
    assert clock.pos() == held
    clock.set_pos(50.0)
    clock.set_speed(10)
    clock.play()
    time.sleep(0.1)
    assert 50.5 < clock.pos() < 55.0

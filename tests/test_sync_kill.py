"""kill -9 of DbSync at random moments, 20+ times, while a producer writes: after a final
run the ground holds every field row exactly once."""
from __future__ import absolute_import, division, print_function

import random
import signal
import time

import pytest

from _sync import assert_equal_tables, drop, ground_mysql, ground_rows, produce, sync, sync_proc
from conftest import make_backend

KILLS = 22


@pytest.fixture
def field(tmp_path):
    backend, _ = make_backend("sqlite", tmp_path)
    return backend


@pytest.fixture
def ground(tmp_path):
    settings, path = ground_mysql(tmp_path)
    yield settings, path
    drop(settings)


def _copied(settings):
    """Log rows copied so far (0 before the sync made the ground's tables)."""
    try:
        return len(ground_rows(settings, "log", "k"))
    except Exception as e:  # the table is missing until the first run gets that far
        assert "exist" in str(e) or "Unknown column" in str(e), e
        return 0


def test_kill_9_at_random_moments_loses_and_doubles_nothing(field, ground):
    """22 SIGKILLs during large batches (and a producer writing) leave no gap, no double."""
    settings, path = ground
    produce(field, 12000, "big")          # a backlog: batches grow to thousands of rows
    writer = produce(field, 3000, "live", rate=400, wait=False)
    rng = random.Random(17)
    progress = []
    try:
        for _ in range(KILLS):
            proc = sync_proc(field, path, "--follow", "--source", "k")
            time.sleep(rng.uniform(0.25, 0.9))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
            progress.append(_copied(settings))
    finally:
        writer.wait()
    assert len(set(progress)) > KILLS // 2, progress   # the kills really hit a moving copy
    rc, out, err = sync(field, path, "--once", "--source", "k")
    assert rc == 0, err
    assert_equal_tables(field.settings, settings, "k")

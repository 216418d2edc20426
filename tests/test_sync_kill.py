"""kill -9 of DbSync at random moments, 20+ times, while a producer writes: after a final
run the ground holds every field row exactly once."""
from __future__ import absolute_import, division, print_function

import random
import signal
import sqlite3
import time

from _sync import (assert_equal_tables, field, ground, produce, raw, sync,  # noqa: F401
                   sync_proc)  # (field, ground: fixtures)

KILLS = 22


def fill(path, n):
    """Append `n` status and `n` log rows to the field SQLite file with plain SQL."""
    conn = sqlite3.connect(path)
    paramid, chanid = conn.execute("SELECT paramid, chanid FROM status_parameter").fetchone()
    now = time.time()
    conn.executemany("INSERT INTO status (timestamp, paramid, chanid, value) VALUES (?, ?, ?, ?)",
                     [(now + i * 1e-3, paramid, chanid, "v%d" % i) for i in range(n)])
    conn.executemany("INSERT INTO log (message, level, time, msecs, line, func, module, logger) "
                     "VALUES (?, 20, ?, 0, 1, 'f', 'm', 'fill')",
                     [("m%d" % i, now + i * 1e-3) for i in range(n)])
    conn.commit()
    conn.close()


def _copied(settings):
    """Log rows copied so far (0 before the sync made the ground's tables)."""
    try:
        return raw(settings, "SELECT COUNT(*) FROM log WHERE cc_source = "
                   "(SELECT id FROM cc_sync_source WHERE name = 'k')")[0][0]
    except Exception as e:  # the table is missing until the first run gets that far
        assert "exist" in str(e) or "Unknown column" in str(e), e
        return 0


def test_kill_9_at_random_moments_loses_and_doubles_nothing(field, ground):
    """22 SIGKILLs during large batches (and a producer writing) leave no gap, no double."""
    settings, path = ground
    produce(field, 50, "big")
    fill(field.settings["db_path"], 25000)  # a backlog: batches grow to thousands of rows
    writer = produce(field, 1500, "live", rate=100, wait=False)  # writes through the whole loop
    rng = random.Random(17)
    progress = []
    try:
        for _ in range(KILLS):
            proc = sync_proc(field, path, "--follow", "--source", "k")
            time.sleep(rng.uniform(0.3, 0.8))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
            progress.append(_copied(settings))
    finally:
        writer.wait()
    moving = sum(1 for a, b in zip(progress, progress[1:]) if b > a)
    assert moving >= KILLS // 3, progress  # a third of the kills at least hit a moving copy
    rc, out, err = sync(field, path, "--once", "--source", "k")
    assert rc == 0, err
    assert_equal_tables(field.settings, settings, "k")


def _wait_for_copies(settings, seen, timeout=30.0):
    """Wait until the ground holds more than `seen` status rows (the sync is copying)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            n = raw(settings, "SELECT COUNT(*) FROM status")[0][0]
        except Exception as e:  # server restarting, or the sync has not made its tables yet
            assert any(w in str(e).lower() for w in ("exist", "unknown database", "connect", "lost")), e
            n = 0
        if n > seen:
            return n
        time.sleep(0.1)
    raise AssertionError("the sync copied nothing past %d rows in %.0f s" % (seen, timeout))


def test_ground_server_killed_and_restarted(field, private_mariadb, tmp_path):
    """Ground killed -9 twice mid catch-up: the sync reconnects and the tables end equal."""
    from conftest import write_settings
    settings = dict(private_mariadb.settings("ground"), db_timeout=2)
    path = write_settings(tmp_path / "private.json", settings)
    produce(field, 15000, "srv")
    proc = sync_proc(field, path, "--follow", "--source", "srv", "--tables", "status,log")
    try:
        seen = 0
        for _ in range(2):
            seen = _wait_for_copies(settings, seen)  # kill in the middle of a catch-up
            private_mariadb.proc.kill()
            private_mariadb.proc.wait()
            private_mariadb.proc = None
            time.sleep(0.5)
            private_mariadb.start()
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait()
        err = proc.stderr.read().decode("utf-8")
        proc.stdout.close()
        proc.stderr.close()
        assert rc == 0, err
    assert "retrying" in err, err   # it did lose the server
    rc, out, err = sync(field, path, "--once", "--source", "srv", "--tables", "status,log")
    assert rc == 0, err
    assert_equal_tables(field.settings, settings, "srv", tables=("status", "log"))

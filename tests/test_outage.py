"""Issue 7 end to end: a private MariaDB stops, is killed under a producer, or hangs.

Producers are real processes (``tests/_producer.py``) writing status and log
rows into the real tables through the shared writer; the server is a private
``mariadbd`` this module starts, stops, pauses and resumes (spec section 8).
"""
from __future__ import absolute_import, division, print_function

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from CryoCore.Core import InternalDB

from _mariadb import start_private
from conftest import write_settings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PRODUCER = os.path.join(HERE, "_producer.py")


@pytest.fixture(scope="module")
def server():
    s = start_private()
    try:
        yield s
    finally:
        s.destroy()


class Setup(object):
    """Settings naming a fresh database on the private server, and a private spool."""

    def __init__(self, server, tmp_path):
        self.server = server
        self.spool_dir = str(tmp_path / "spool")
        self.settings = dict(server.settings("outage_%s" % uuid.uuid4().hex[:8]), db_timeout=2,
                             spool_dir=self.spool_dir, writer_retry_max=0.5)
        self.settings_file = write_settings(tmp_path / "settings.json", self.settings)
        self.out = str(tmp_path / "calls.json")

    def env(self):
        env = dict(os.environ)
        env["CRYOCORE_CONFIG"] = self.settings_file
        env["PYTHONPATH"] = os.pathsep.join([ROOT, HERE, env.get("PYTHONPATH", "")])
        return env

    def producer(self, rate, seconds, grace=30):
        p = subprocess.Popen([sys.executable, PRODUCER, str(rate), str(seconds), self.out,
                              str(grace)], env=self.env(), stdout=subprocess.PIPE,
                             universal_newlines=True)
        line = p.stdout.readline()
        assert line.startswith("ready"), line
        return p

    def rows(self, sql):
        db = InternalDB.mysql("check", config=self.settings)
        try:
            return db._execute(sql).fetchall()
        finally:
            db.close()

    def assert_all_arrived(self, n):
        """Rows 0..n-1 of status and log, each once, in the order they were handed over."""
        status = self.status_ks()
        log = self.log_ks()
        assert status == list(range(n)), _gaps(status, n)
        assert log == list(range(n)), _gaps(log, n)
        # every row carries its producer's sequence number
        assert self.rows("SELECT COUNT(*) FROM log WHERE cc_seq IS NULL") == [(0,)]
        assert self.rows("SELECT COUNT(*) FROM status s JOIN status_channel c ON "
                         "s.chanid = c.chanid WHERE c.name = 'outage' AND s.cc_seq IS NULL"
                         ) == [(0,)]
        left = [n for n in os.listdir(self.spool_dir) if n.endswith(".spool")] \
            if os.path.isdir(self.spool_dir) else []
        assert left == []

    def log_ks(self):
        """k of each ``m<k>`` row of the producers' logger, in id order."""
        return [int(r[0][1:]) for r in self.rows(
            "SELECT message FROM log WHERE logger = 'outage' ORDER BY id") if r[0] != "ready"]

    def status_ks(self):
        """Values of the producers' status parameter ``outage.k``, in id order."""
        return [int(r[0]) for r in self.rows(
            "SELECT s.value FROM status s JOIN status_channel c ON s.chanid = c.chanid "
            "JOIN status_parameter p ON s.paramid = p.paramid "
            "WHERE c.name = 'outage' AND p.name = 'k' ORDER BY s.id")]

    def calls(self):
        with open(self.out) as f:
            return json.load(f)


# What the README guarantees (measured on a quiet machine: 1.0-1.2x and under 1.5 ms; these
# bounds leave room for a loaded 2-CPU machine, yet a single database wait, at least the
# 2 s db_timeout here, or a caller doing the writer's work would break them).
P99_RATIO = 2.0
WORST_CALL = 0.1


def _gaps(got, n):
    missing = sorted(set(range(n)) - set(got))
    twice = len(got) - len(set(got))
    return "%d rows, %d missing (first %s), %d twice" % (len(got), len(missing), missing[:5],
                                                          twice)


def _p99(values):
    values = sorted(values)
    return values[int(len(values) * 0.99)]


def _median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2.0


def _p99_per_window(calls, spans, width=0.5):
    """p99 call time of each `width` s in `spans` (a burst of load elsewhere on the machine
    then spoils a window or two, not the comparison of the medians)."""
    out = []
    for start, end in spans:
        while start + width <= end:
            window = [dt for t, dt in zip(calls["t"], calls["dt"]) if start <= t < start + width]
            if len(window) >= 0.8 * width * 1000:
                out.append(_p99(window))
            start += width
    return out


def _us(values):
    return ", ".join("%.1f" % (v * 1e6) for v in values)


@pytest.fixture
def setup(server, tmp_path):
    if server.proc is None:
        server.start()
    server.resume()
    return Setup(server, tmp_path)


def test_stopped_server_loses_nothing_and_the_caller_does_not_notice(setup):
    """1,000 status + 1,000 log rows/s; the server stops for 10 s: all arrive, once, in order."""
    rate, seconds = 1000, 17.0
    p = setup.producer(rate, seconds)
    ready = time.time()
    time.sleep(3.5)  # healthy phase
    down = time.time()
    setup.server.stop()
    time.sleep(10.0)  # the outage the issue asks for
    setup.server.start()
    up = time.time()
    assert p.wait(60) == 0
    setup.assert_all_arrived(int(rate * seconds))
    calls = setup.calls()
    # healthy: before the outage, and after the writer caught up (same run, same machine)
    healthy = _p99_per_window(calls, [(ready + 0.5, down), (up + 1.0, ready + seconds)])
    outage = _p99_per_window(calls, [(down, up)])
    assert len(healthy) >= 8 and len(outage) >= 19
    ratio = _median(outage) / _median(healthy)
    print("p99 per 0.5 s, median: healthy %.1f us, outage %.1f us, ratio %.2f"
          % (_median(healthy) * 1e6, _median(outage) * 1e6, ratio))
    assert ratio < P99_RATIO, "p99 healthy %s us, during the outage %s us" % (
        _us(healthy), _us(outage))
    print("worst call %.2f ms" % (max(calls["dt"]) * 1e3))
    assert max(calls["dt"]) < WORST_CALL, "a call waited %.3f s" % max(calls["dt"])
    channel = dict(setup.rows(
        "SELECT p.name, s.value FROM status s JOIN status_parameter p ON s.paramid = p.paramid "
        "JOIN status_channel c ON s.chanid = c.chanid WHERE c.name = 'CryoCore' ORDER BY s.id"))
    assert "unreachable" in channel["last_error"]
    assert channel["dropped"] == "0"


def _handed_over(stdout):
    """``(k, time)`` of the producer's progress lines."""
    out = []
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            out.append((int(parts[0]), float(parts[1])))
    return out


def _replay(setup):
    """Another CryoCore program logs a line and stops: it stores the spools it finds."""
    script = ("from CryoCore import API\n"
              "API.get_log('next').info('started')\n"
              "API.shutdown()\n")
    subprocess.check_call([sys.executable, "-c", script], env=setup.env(), timeout=60)


def _kill_producer_during_outage(setup, down):
    """A producer at 1,000 rows/s; the server stops; `down` s later SIGKILL; server back.

    Returns the producer's stdout and the time of the kill."""
    p = setup.producer(1000, 30.0)
    time.sleep(0.5)
    setup.server.stop()
    time.sleep(down)
    p.send_signal(signal.SIGKILL)
    killed = time.time()
    out = p.communicate()[0]
    assert p.returncode == -signal.SIGKILL
    assert [n for n in os.listdir(setup.spool_dir) if n.endswith(".spool")]
    setup.server.start()
    return out, killed


def test_killed_producer_loses_at_most_its_last_half_second(setup):
    """SIGKILL mid-stream with the server down; the next program stores the spooled rows."""
    out, killed = _kill_producer_during_outage(setup, 1.5)
    _replay(setup)
    handed = [k for k, t in _handed_over(out) if t < killed - 0.5]
    assert handed[-1] > 1000
    status = setup.status_ks()
    log = setup.log_ks()
    for got in (status, log):
        assert got == list(range(len(got))), _gaps(got, len(got))  # in order, none twice
        assert len(got) > handed[-1], "only %d of the %d rows handed over before %.1f s" % (
            len(got), handed[-1] + 1, killed - 0.5)
    assert [n for n in os.listdir(setup.spool_dir) if n.endswith(".spool")] == []


def test_paused_server_does_not_stop_the_producer(setup):
    """SIGSTOP longer than the timeouts: the producer keeps its pace; after SIGCONT all arrive."""
    rate, seconds = 1000, 7.0
    p = setup.producer(rate, seconds)
    time.sleep(1.0)
    setup.server.pause()
    time.sleep(4.5)  # db_timeout is 2 s
    setup.server.resume()
    assert p.wait(60) == 0
    setup.assert_all_arrived(int(rate * seconds))
    calls = setup.calls()
    assert calls["t"][-1] - calls["t"][0] < seconds + 0.5  # it kept its pace
    print("worst call %.2f ms" % (max(calls["dt"]) * 1e3))
    assert max(calls["dt"]) < WORST_CALL, "a call waited %.3f s" % max(calls["dt"])


def test_shutdown_with_the_server_down_waits_the_grace_period_then_spools(setup, monkeypatch):
    """API.shutdown() gives up after shutdown_grace_period; the next start stores the rest."""
    from CryoCore import API
    monkeypatch.setenv("CRYOCORE_CONFIG", setup.settings_file)
    monkeypatch.setattr(API, "shutdown_grace_period", 1.0)
    status, log = API.get_status("outage"), API.get_log("outage")
    for k in range(500):
        status["k"] = k
        log.info("m%d", k)
    assert API.flush(10)
    setup.server.stop()
    for k in range(500, 1000):
        status["k"] = k
        log.info("m%d", k)
    start = time.time()
    API.shutdown()
    assert time.time() - start < 1.0 + 0.5
    assert len([n for n in os.listdir(setup.spool_dir) if n.endswith(".spool")]) == 2
    setup.server.start()
    API.reset()
    API.get_log("next").info("started")  # the next start: a library user
    API.shutdown()
    setup.assert_all_arrived(1000)


def test_a_tool_stores_the_spools_it_finds(setup):
    """The next CryoCore program may be a tool: TailLog stores what a dead producer spooled."""
    _kill_producer_during_outage(setup, 1.0)
    subprocess.check_call([sys.executable, os.path.join(ROOT, "CryoCore", "Tools", "TailLog.py"),
                           "-n", "1", "--bw"], env=setup.env(), timeout=60,
                          stdout=subprocess.DEVNULL)
    log = setup.log_ks()
    assert len(log) > 1000 and log == list(range(len(log)))
    assert [n for n in os.listdir(setup.spool_dir) if n.endswith(".spool")] == []

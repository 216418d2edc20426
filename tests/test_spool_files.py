"""The README's spool promises, from outside: 0700 directories and 0600 files without any
password, a dead process's spool stored by every tool, and the running program's rescan."""
from __future__ import absolute_import, division, print_function

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from CryoCore import API
from CryoCore.Core import _runtime, _spool

from conftest import ROOT, write_settings
from _pty_term import Term

SECRET = "s3cret-Pw-9f2c"

# A program that sets status values and logs while the database is locked, lets its writer
# spool them, and dies by SIGKILL: its spool is an orphan.
DYING = textwrap.dedent("""
    import os, sys, time
    from CryoCore import API
    tag = sys.argv[1]
    s = API.get_status("Dead")
    for i in range(3):
        s[tag] = i
    API.get_log("Dead").warning("last words of %s", tag)
    time.sleep(1.5)  # several writer ticks: what was not stored is on disk
    os.kill(os.getpid(), 9)
    """)


def spools(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(_spool.SUFFIX)) \
        if os.path.isdir(directory) else []


class Site(object):
    """A SQLite database, a spool directory and a settings file naming both."""

    def __init__(self, tmp_path):
        self.db = str(tmp_path / "cc.db")
        self.spool = str(tmp_path / "spool")
        self.settings = {"db_type": "sqlite", "db_path": self.db, "spool_dir": self.spool,
                         "db_timeout": 0.3}
        self.file = write_settings(tmp_path / "settings.json", self.settings)
        self.env = dict(os.environ, CRYOCORE_CONFIG=self.file, PYTHONPATH=ROOT)

    def sql(self, statement, params=()):
        """Plain sqlite3: the oracle."""
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute(statement, params).fetchall()
        finally:
            conn.close()

    def leave_dead_spool(self, tag):
        """Run DYING with the database write-locked; returns the orphan spool names."""
        before = set(spools(self.spool))
        lock = sqlite3.connect(self.db, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        try:
            p = subprocess.Popen([sys.executable, "-c", DYING, tag], env=self.env, cwd=ROOT,
                                 stderr=subprocess.PIPE)
            p.communicate()
            assert p.returncode == -signal.SIGKILL
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        left = sorted(set(spools(self.spool)) - before)
        assert left, "the dying program left no spool"
        return left

    def stored(self, tag):
        """What the database holds of the dying program `tag`: status values, log messages."""
        if not self.sql("SELECT name FROM sqlite_master WHERE name = 'status_parameter'"):
            return [], []
        values = [r[0] for r in self.sql(
            "SELECT s.value FROM status s JOIN status_parameter p ON s.paramid = p.paramid "
            "WHERE p.name = ? ORDER BY s.id", (tag,))]
        logs = [r[0] for r in self.sql("SELECT message FROM log WHERE message = ?",
                                       ("last words of %s" % tag,))] \
            if self.sql("SELECT name FROM sqlite_master WHERE name = 'log'") else []
        return values, logs


@pytest.fixture
def site(tmp_path):
    return Site(tmp_path)


def _run_tool(site, tool):
    path = os.path.join(ROOT, "CryoCore", "Tools", tool + ".py")
    if tool == "ConfigUI":  # a curses tool: in a terminal, q quits
        term = Term([sys.executable, path, "--bw"], site.env, cwd=ROOT)
        try:
            assert term.wait_raw(b"q quit"), term.raw
            term.send(u"q")
            assert term.wait_exit() == 0, term.raw
        finally:
            term.close()
        return
    argv = {"ConfigTool": ["versions"], "TailStatus": ["-n", "1"], "TailLog": ["-n", "1"]}
    p = subprocess.Popen([sys.executable, path] + argv[tool], env=site.env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    assert p.returncode == 0 and b"Traceback" not in err, err


@pytest.mark.parametrize("tool", ["ConfigTool", "ConfigUI", "TailStatus", "TailLog"])
def test_every_tool_stores_a_dead_programs_spool(site, tool):
    """Each tool stores the spool of a program that died, once, and removes the file."""
    left = site.leave_dead_spool(tool)
    assert site.stored(tool) == ([], [])
    _run_tool(site, tool)
    assert site.stored(tool) == (["0", "1", "2"], ["last words of %s" % tool])
    assert [n for n in left if n in spools(site.spool)] == []


def test_a_running_program_rescans_for_dead_spools(site, monkeypatch):
    """A program that is already running stores a spool that appears later, at its rescan."""
    monkeypatch.setenv("CRYOCORE_CONFIG", site.file)
    monkeypatch.setattr(_spool, "RESCAN_INTERVAL", 0.5)  # the README's "every minute"
    API.reset()
    API.get_status("Alive")["x"] = 1  # running: its writer made its first scan
    assert _runtime.writer().flush(10)
    left = site.leave_dead_spool("late")
    deadline = time.time() + 10
    while site.stored("late") != (["0", "1", "2"], ["last words of late"]):
        assert time.time() < deadline, site.stored("late")
        time.sleep(0.1)
    while [n for n in left if n in spools(site.spool)]:
        assert time.time() < deadline, spools(site.spool)
        time.sleep(0.1)


def test_files_cryocore_writes_are_private_and_hold_no_password(tmp_path, monkeypatch):
    """~/.cryocore: 0700 directories, 0600 spool and copies, no file holds the password."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    settings = {"db_type": "mysql", "db_host": "127.0.0.1", "db_port": 1, "db_name": "gone",
                "db_user": "cc", "db_password": SECRET, "db_timeout": 1,
                "override_config": {"db_type": "sqlite"}}  # the default ~/.cryocore/cryocore.db
    settings_file = write_settings(tmp_path / "settings.json", settings)
    monkeypatch.setenv("CRYOCORE_CONFIG", settings_file)
    monkeypatch.setattr(API, "shutdown_grace_period", 0.5)
    API.reset()
    cfg = API.get_config("Private")  # live SQLite config: a last-known-good copy is written
    cfg["fps"] = 20
    API.get_status("Private")["state"] = "spooled"  # status and log: server down, spooled
    API.get_log("Private").warning("spooled too")
    API.shutdown()
    top = str(home / ".cryocore")
    found = {"dirs": 0, "files": 0}
    for dirpath, dirnames, filenames in os.walk(top):
        assert stat.S_IMODE(os.stat(dirpath).st_mode) == 0o700, dirpath
        found["dirs"] += 1
        for name in filenames:
            path = os.path.join(dirpath, name)
            if dirpath != top:  # the spool and the copies; the SQLite files are in the 0700 top
                assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
            with open(path, "rb") as f:
                assert SECRET.encode() not in f.read(), path
            found["files"] += 1
    kinds = set(n.rsplit("-", 1)[-1] for n in spools(os.path.join(top, "spool")))
    assert kinds == {"status.spool", "log.spool"}
    assert os.listdir(os.path.join(top, "config-lkg"))  # the copy exists and was checked
    assert found["files"] >= 4, found

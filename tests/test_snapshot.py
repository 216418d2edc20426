# -*- coding: utf-8 -*-
"""Snapshot.py (issue 16): config, status and logs at one moment, in one report."""
from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys
import time

import pytest

from CryoCore import API
from CryoCore.Tools import Snapshot, _common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join("CryoCore", "Tools", "Snapshot.py")


def run(capsys, *argv):
    code = _common.run(Snapshot.main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def scenario():
    """Config, status and log changes around a moment T; returns (T, log time)."""
    cfg = API.get_config()
    cfg["Camera.fps"] = 20
    cfg["Gps.port"] = "/dev/ttyS0"
    status = API.get_status("Camera")
    now = time.time()
    t = now - 100
    status.new("state").set_value("idle", timestamp=t - 50)
    status.new("state").set_value("capturing", timestamp=t - 10)
    status.new("state").set_value("stopped", timestamp=t + 10)
    status.new("frames").set_value(7, timestamp=t - 3)
    API.get_status("Gps").new("fix").set_value("3d", timestamp=t + 5)  # none yet at T
    log = API.get_log("Camera")
    log.warning("before the snapshot")
    API.shutdown()
    # the config history is in real time: T for the config is "now" (after the writes);
    # status rows carry their own timestamps, logs the time they were made
    return t, now


def test_json_report_matches_what_was_written(backend, capsys):
    """--format json: config at T, each status value's last row by T with its age, logs."""
    t, now = scenario()
    at = time.time()
    time.sleep(0.05)
    API.get_config()["Camera.fps"] = 30  # after the moment we ask about
    API.shutdown()
    code, out, err = run(capsys, "--at", repr(at), "--window", "60", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert sorted(report) == ["at", "config", "logs", "status"]
    assert report["config"]["parameters"] == {"Camera.fps": 20, "Gps.port": "/dev/ttyS0"}
    assert report["config"]["version"] == "default"
    assert [(s["channel"], s["name"], s["value"]) for s in report["status"]] == [
        ("Camera", "frames", "7"), ("Camera", "state", "stopped"), ("Gps", "fix", "3d")]
    assert [round(s["age"], 3) for s in report["status"]] == [
        round(at - (t - 3), 3), round(at - (t + 10), 3), round(at - (t + 5), 3)]
    assert [(r["logger"], r["message"]) for r in report["logs"]] == [
        ("Camera", "before the snapshot")]


def test_status_at_an_earlier_moment_and_words(backend, capsys):
    """At T the last status rows by T; a channel word narrows every part to what it names."""
    t, now = scenario()
    code, out, err = run(capsys, "--at", repr(t), "--format", "json", "Camera")
    assert code == 0, err
    report = json.loads(out)
    assert [(s["name"], s["value"], round(s["age"], 3)) for s in report["status"]] == [
        ("frames", "7", 3.0), ("state", "capturing", 10.0)]
    assert report["logs"] == [] and report["config"]["parameters"] == {}
    assert "no configuration existed before" in report["config"]["note"]
    code, out, err = run(capsys, "--at", repr(now + 1), "--format", "json", "Gps")
    report = json.loads(out)
    assert report["config"]["parameters"] == {"Gps.port": "/dev/ttyS0"}
    assert [s["name"] for s in report["status"]] == ["fix"]
    code, out, err = run(capsys, "Nope")
    assert code == 1 and err.startswith("Error: 'Nope' names no config path, status channel")


@pytest.mark.smoke
def test_text_report_as_a_subprocess(backend):
    """The text report, from a real process: sections, values, ages, TailLog lines."""
    t, now = scenario()
    at = time.time()
    argv = [sys.executable, TOOL, "--at", repr(at), "--window", "1m"]
    p = subprocess.Popen(argv, cwd=ROOT, env=backend.env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out, err = p.communicate()
    assert p.returncode == 0, err
    lines = out.decode("utf-8").splitlines()
    assert lines[0] == "CryoCore snapshot at %s (%.3f)" % (time.ctime(at), at)
    i = lines.index("== Config (version default)")
    assert lines[i + 1:i + 3] == ["Camera.fps = 20", "Gps.port = /dev/ttyS0"]
    assert "[Camera] state = stopped  (%.1f s old)" % (at - t - 10) in lines
    log = [x for x in lines if x.endswith("before the snapshot")]
    assert len(log) == 1 and "[WARNING]" in log[0] and "[    Camera]" in log[0]


def test_never_creates_a_database(tmp_path, monkeypatch, capsys):
    """A viewer: a SQLite file that does not exist is not created."""
    from conftest import write_settings
    path = tmp_path / "none.db"
    monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(
        tmp_path / "s.json", {"db_type": "sqlite", "db_path": str(path)}))
    code, out, err = run(capsys, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == [] and report["logs"] == []
    assert "no such database" in report["config"]["note"]
    assert not path.exists()


def test_bad_window_and_time(backend, capsys):
    """Unreadable --window or --at: one Error line."""
    code, out, err = run(capsys, "--window", "soon")
    assert code == 1 and err.startswith("Error: --window: cannot read 'soon'")
    code, out, err = run(capsys, "--at", "yesterday-ish")
    assert code == 1 and err.startswith("Error: ") and "yesterday-ish" in err

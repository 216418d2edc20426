"""A program started with its config server down runs from the last-known-good copy
and switches to live values when the server returns (private MariaDB)."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from CryoCore.Core import InternalDB
from CryoCore.Core._exceptions import DatabaseError

from conftest import ROOT, write_settings

PROGRAM = textwrap.dedent('''
    import sys, threading
    from CryoCore import API
    cfg = API.get_config("Instrument")
    if sys.argv[1] == "first":
        cfg.set_default("rate", 10)
        cfg.set_default("mode", "fast")
        cfg.set_default("old", 1)
        API.shutdown()
        sys.exit(0)
    cfg.set_default("rate", 99)           # present in the copy: no database needed
    cfg.set_default("gain", 3)            # new while offline: stored once live
    print("start rate=%s mode=%s old=%s gain=%s" % (cfg["rate"], cfg["mode"], cfg["old"],
                                                   cfg["gain"]))
    try:
        cfg["rate"] = 11
    except Exception as e:
        print("write refused: %s" % e)
    seen, live = [], threading.Event()
    def changed(param):
        seen.append(param.get_full_path())
        if param.get_full_path() == "Instrument.rate":
            live.set()
    cfg.add_callback(None, changed)
    sys.stdout.flush()
    if not live.wait(30):
        print("never live")
        sys.exit(1)
    print("live rate=%s mode=%s old=%s seen=%s" % (cfg["rate"], cfg["mode"], cfg["old"],
                                                  ",".join(sorted(seen))))
    cfg["rate"] = 13
    API.shutdown()
''')


def _readline(proc, timeout=30.0):
    """One line of the program's stdout, or fail after `timeout` s (never hang the suite)."""
    box = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()))
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    assert box, "the program printed nothing within %s s" % timeout
    return box[0].decode()


@pytest.fixture
def server(private_mariadb):
    return private_mariadb


def test_program_starts_from_copy_and_goes_live(server, tmp_path):
    """A program starts from its 0600 copy while MariaDB is down and goes live after."""
    settings = dict(server.settings("lkgprog"), db_timeout=2)
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), PYTHONPATH=ROOT,
               CRYOCORE_CONFIG=write_settings(tmp_path / "settings.json", settings))
    script = str(tmp_path / "prog.py")
    with open(script, "w") as f:
        f.write(PROGRAM)
    subprocess.check_call([sys.executable, script, "first"], env=env, cwd=str(tmp_path),
                          timeout=60)
    copies = list((home / ".cryocore" / "config-lkg").glob("*/default.json"))
    assert len(copies) == 1
    assert oct(copies[0].stat().st_mode & 0o777) == oct(0o600)

    # changed behind the program's back, then the server goes away
    raw = InternalDB.mysql("raw", config=settings)
    raw._execute("UPDATE config SET value = '20' WHERE name = 'rate'")
    raw._execute("DELETE FROM config WHERE name = 'old'")
    raw.close()
    server.stop()

    prog = subprocess.Popen([sys.executable, script, "second"], env=env, cwd=str(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = _readline(prog)
        assert first.strip() == "start rate=10 mode=fast old=1 gain=3"
        refused = _readline(prog)
        assert refused.startswith("write refused: cannot reach the config database mysql://")
        assert "the change was not stored" in refused
        server.start()
        out, err = prog.communicate(timeout=60)
    finally:
        if prog.poll() is None:
            prog.kill()
            prog.wait()
    out, err = out.decode(), err.decode()
    assert prog.returncode == 0, (out, err)
    # live values; callbacks fired for what differs from the copy (rate, deleted old: None)
    assert "live rate=20 mode=fast old=None" in out, out
    seen = out.split("seen=")[1].split()[0].split(",")
    assert "Instrument.rate" in seen and "Instrument.mode" not in seen, seen
    assert "last-known-good copy" in err and "reachable again" in err, err
    assert "Traceback" not in err, err
    raw = InternalDB.mysql("raw", config=settings)
    values = dict(raw._execute("SELECT name, value FROM config WHERE name IN "
                               "('rate', 'gain')").fetchall())
    logged = raw._execute("SELECT logger, message FROM log WHERE logger = 'CryoCore.Config' "
                          "ORDER BY id").fetchall()
    raw.close()
    assert values == {"rate": "13", "gain": "3"}
    # logged while the server was down, stored once it returned
    assert "last-known-good copy" in logged[0][1] and "reachable again" in logged[-1][1], logged


def test_hung_server_costs_one_timeout_then_goes_live(server, tmp_path):
    """A paused (hung) server: one connect timeout, every version from its copy, live on resume."""
    from CryoCore import API
    settings = dict(server.settings("lkghung"), db_timeout=2,
                    config_lkg_dir=str(tmp_path / "lkg"))
    root = API.get_config(None, db_cfg=settings)
    root["default_version"] = "field"
    API.get_config("Cam", db_cfg=settings)["fps"] = 30   # version "field"
    API.reset()
    server.pause()
    try:
        start = time.time()
        cfg = API.get_config("Cam", db_cfg=settings)   # default -> field: two versions
        took = time.time() - start
        assert cfg.get_version() == "field" and cfg["fps"] == 30
        assert took < 3.9, "waited %.1f s: more than one connect timeout (2 s)" % took
        start = time.time()
        with pytest.raises(DatabaseError) as e:  # refused at once, not after a timeout
            cfg["fps"] = 31
        assert time.time() - start < 0.5 and "the change was not stored" in str(e.value)
        changed = threading.Event()
        cfg.add_callback("fps", lambda p: changed.set())
    finally:
        server.resume()
    raw = InternalDB.mysql("raw", config=settings)
    raw._execute("UPDATE config SET value = '25' WHERE name = 'fps'")
    raw.close()
    assert changed.wait(10.0), "never went live after the server resumed"
    assert cfg["fps"] == 25

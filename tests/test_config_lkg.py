"""Start-up without the config database: the last-known-good copy (issue 8)."""
from __future__ import absolute_import, division, print_function

import json
import os
import shutil
import stat
import subprocess
import sys
import threading

import pytest

from CryoCore import API
from CryoCore.Core import InternalDB, _config_lkg
from CryoCore.Core._exceptions import DatabaseError
from CryoCore.Tools import ConfigTool, _common

from conftest import ROOT, write_settings


def _copy_path(settings, version="default"):
    return _config_lkg.path(InternalDB.mysql("p", config=settings, service="config").settings,
                            version)


def _sqlite_settings(tmp_path):
    return {"db_type": "sqlite", "db_path": str(tmp_path / "db" / "cc.db"),
            "config_lkg_dir": str(tmp_path / "lkg")}


def _break_sqlite(settings):
    """Make the SQLite database unopenable: its path becomes a directory."""
    db_dir = os.path.dirname(settings["db_path"])
    os.rename(db_dir, db_dir + ".away")
    os.makedirs(settings["db_path"])


def _mend_sqlite(settings):
    db_dir = os.path.dirname(settings["db_path"])
    shutil.rmtree(db_dir)
    os.rename(db_dir + ".away", db_dir)


@pytest.mark.smoke
def test_sqlite_unopenable_starts_from_copy_and_returns(tmp_path, capsys):
    """A version loaded once is served from its copy while the database cannot be opened."""
    settings = _sqlite_settings(tmp_path)
    cfg = API.get_config("Cam", db_cfg=settings)
    cfg["fps"] = 30
    cfg["name"] = u"k\u00e5mera 'x' %s \\"
    API.reset()
    path = _copy_path(settings)
    assert os.path.isfile(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    _break_sqlite(settings)
    cfg = API.get_config("Cam", db_cfg=settings)
    assert cfg["fps"] == 30 and cfg["name"] == u"k\u00e5mera 'x' %s \\"
    assert "last-known-good copy" in capsys.readouterr().err
    with pytest.raises(DatabaseError) as e:
        cfg["fps"] = 31
    assert "cannot reach the config database" in str(e.value)
    assert cfg["fps"] == 30
    changed = threading.Event()
    cfg.add_callback("fps", lambda p: changed.set())
    _mend_sqlite(settings)
    raw = InternalDB.mysql("raw", config=settings)
    raw._execute("UPDATE config SET value = '25' WHERE name = 'fps'")
    raw.close()
    assert changed.wait(5.0), "no callback after the database came back"
    assert cfg["fps"] == 25
    cfg["fps"] = 24  # writes work again
    assert cfg["fps"] == 24


def test_no_copy_is_a_clear_error(tmp_path):
    """Without a copy, an unreachable config database is a one-line "cannot reach" error."""
    settings = _sqlite_settings(tmp_path)
    os.makedirs(settings["db_path"])
    with pytest.raises(DatabaseError) as e:
        API.get_config("Cam", db_cfg=settings)
    msg = str(e.value)
    assert msg.startswith("cannot reach the config database sqlite:"), msg


def test_copy_is_atomic_private_and_holds_no_password(tmp_path):
    """The copy is written whole (no temp file left), without password, keyed by database."""
    settings = dict(_sqlite_settings(tmp_path), db_password="s3cret-pw")
    cfg = API.get_config(None, db_cfg=settings)
    cfg["a.b"] = 1
    API.reset()
    path = _copy_path(settings)
    d = os.path.dirname(path)
    assert os.listdir(d) == ["default.json"], "temporary files left behind"
    with open(path) as f:
        text = f.read()
    assert "s3cret-pw" not in text
    data = json.loads(text)
    assert data["version"]["name"] == "default"
    assert sorted(r[2] for r in data["nodes"]) == ["a", "b"]
    # another password, same database: the same copy
    assert _copy_path(dict(settings, db_password="other")) == path


def test_copy_follows_changes_and_can_be_turned_off(tmp_path):
    """The copy follows later changes; config_lkg_dir false writes none."""
    settings = _sqlite_settings(tmp_path)
    cfg = API.get_config(None, db_cfg=settings)
    cfg["x"] = 1
    store = cfg._store
    store.save_copies()
    cfg["x"] = 2
    store.save_copies()
    with open(_copy_path(settings)) as f:
        assert [r[3] for r in json.load(f)["nodes"] if r[2] == "x"] == ["2"]
    API.reset()
    off = dict(settings, config_lkg_dir=False, db_path=str(tmp_path / "db2" / "cc.db"))
    API.get_config(None, db_cfg=off)["y"] = 1
    API.reset()
    assert _copy_path(off) is None
    assert sorted(os.listdir(str(tmp_path / "lkg"))) == [
        _config_lkg.fingerprint(InternalDB.mysql("p", config=settings).settings)]


@pytest.mark.parametrize("name", [u"../../etc/passwd", u"a/b", u"..", u"%2F", u"x" * 128,
                                  u"\u00e6\u00f8\u00e5 '; DROP TABLE config; --"])
def test_hostile_version_names_stay_in_the_copy_directory(tmp_path, name):
    """A hostile version name makes a short file name inside the copy directory."""
    settings = _sqlite_settings(tmp_path)
    cfg = API.get_config(None, version=name, db_cfg=settings)
    cfg["v"] = name
    API.reset()
    path = _copy_path(settings, name)
    assert os.path.dirname(path) == os.path.dirname(_copy_path(settings))
    assert len(os.path.basename(path)) < 255
    _break_sqlite(settings)
    assert API.get_config(None, version=name, db_cfg=settings)["v"] == name


def test_default_version_resolution_works_from_copies(tmp_path):
    """"default" -> default_version is resolved from the copy of version default."""
    settings = _sqlite_settings(tmp_path)
    API.get_config(None, db_cfg=settings)["default_version"] = "field"
    API.reset()
    API.get_config("Cam", db_cfg=settings)["fps"] = 12  # now resolves to "field"
    API.reset()
    _break_sqlite(settings)
    cfg = API.get_config("Cam", db_cfg=settings)
    assert cfg.get_version() == "field" and cfg["fps"] == 12


def test_configtool_never_serves_a_copy(tmp_path, monkeypatch, capsys):
    """ConfigTool never writes or serves a copy: an unreachable database is one Error: line."""
    settings = _sqlite_settings(tmp_path)
    monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(tmp_path / "s.json", settings))
    assert _common.run(ConfigTool.main, ["add", "Cam.fps", "30"]) == 0  # as a process does
    API.reset()
    assert not os.path.exists(_copy_path(settings)), "the tool wrote a copy"
    assert API.get_config("Cam")["fps"] == 30  # a program: writes the copy
    API.reset()
    assert os.path.exists(_copy_path(settings))
    _break_sqlite(settings)
    assert _common.run(ConfigTool.main, ["list"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Error: cannot reach the config database sqlite:")
    assert _config_lkg.use_copies  # programs in the same process still may
    proc = subprocess.run([sys.executable, "CryoCore/Tools/ConfigTool.py", "Cam.fps=31"],
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("Error: cannot reach the config database"), proc.stderr
    assert b"Traceback" not in proc.stderr


def test_set_default_offline_is_kept_and_stored_when_live(tmp_path):
    """Offline, set_default of a new name is kept in memory and stored once live."""
    settings = _sqlite_settings(tmp_path)
    API.get_config("Cam", db_cfg=settings)["fps"] = 30
    API.reset()
    _break_sqlite(settings)
    cfg = API.get_config("Cam", db_cfg=settings)
    cfg.set_default("fps", 5)       # exists in the copy: unchanged, no database needed
    cfg.set_default("new.deep", 7)  # new: served from the cache until the database returns
    assert cfg["fps"] == 30 and cfg["new.deep"] == 7 and cfg.keys("new") == ["deep"]
    _mend_sqlite(settings)
    cfg._store.poll()
    assert not cfg._store.offline
    assert cfg["new.deep"] == 7 and cfg.get("new.deep").id > 0
    raw = InternalDB.mysql("raw", config=settings)
    assert raw._execute("SELECT value FROM config WHERE name = 'deep'").fetchall() == [("7",)]
    raw.close()


def test_start_from_copy_is_logged_through_the_log_service(tmp_path, monkeypatch):
    """Starting from the copy is a WARNING of CryoCore.Config in the log database."""
    settings = _sqlite_settings(tmp_path)
    log_db = str(tmp_path / "log.db")
    monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(
        tmp_path / "s.json", dict(settings, override_log={"db_path": log_db})))
    API.get_config("Cam")["fps"] = 30
    API.reset()
    _break_sqlite(settings)
    assert API.get_config("Cam")["fps"] == 30
    API.shutdown()
    rows = InternalDB.mysql("log", config={"db_type": "sqlite", "db_path": log_db})._execute(
        "SELECT level, logger, message FROM log").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(30, "CryoCore.Config")]
    assert "last-known-good copy" in rows[0][2] and "'default'" in rows[0][2]


def test_configui_never_serves_a_copy(tmp_path, monkeypatch, capsys):
    """ConfigUI never serves a copy: an unreachable database is one Error: line."""
    from CryoCore.Tools import ConfigUI
    settings = _sqlite_settings(tmp_path)
    monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(tmp_path / "s.json", settings))
    API.get_config("Cam")["fps"] = 30
    API.reset()
    _break_sqlite(settings)
    assert _common.run(ConfigUI.main, []) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Error: cannot reach the config database sqlite:"), err

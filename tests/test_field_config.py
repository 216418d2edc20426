"""Field-proofing (issue 11): config behaviour a new installation hits in its first week."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, Lines, wait_exit

CONFIGTOOL = os.path.join(ROOT, "CryoCore", "Tools", "ConfigTool.py")

# A program that prints "<epoch> <value>" for every callback on Tz.a.
WATCHER = r"""
import sys, time
from CryoCore import API
cfg = API.get_config("Tz")
cfg.set_default("a", 0)
def seen(param):
    sys.stdout.write("%r %s\n" % (time.time(), param.get_value()))
    sys.stdout.flush()
cfg.add_callback("a", seen)
sys.stdout.write("ready\n")
sys.stdout.flush()
API.api_stop_event.wait(60)
"""


def _env(backend, tz):
    env = backend.env()
    env["TZ"] = tz
    return env


def configtool(backend, *argv, **kwargs):
    """Run ConfigTool.py; returns (exit status, stdout, stderr) as text."""
    env = kwargs.pop("env", None) or backend.env()
    proc = subprocess.Popen([sys.executable, CONFIGTOOL] + list(argv), env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, err = proc.communicate(kwargs.pop("stdin", b""))
    return proc.returncode, out.decode("utf-8"), err.decode("utf-8")


@pytest.mark.smoke
def test_change_detection_independent_of_writers_time_zone(backend):
    """Tools writing in UTC and New York both reach a New York program's callback in 1 s."""
    watcher = subprocess.Popen([sys.executable, "-c", WATCHER],
                               env=_env(backend, "America/New_York"), stdout=subprocess.PIPE)
    lines = Lines(watcher)
    try:
        assert lines.wait_for(lambda l: "ready" in l, 30)
        for tz, value in (("UTC", "8"), ("America/New_York", "9")):
            status, _, err = configtool(backend, "Tz.a=" + value, env=_env(backend, tz))
            assert (status, err) == (0, "")
            written = time.time()
            assert lines.wait_for(lambda l: any(x.endswith(" " + value) for x in l), 5), \
                "no callback for %s written with TZ=%s" % (value, tz)
            seen = [float(x.split()[0]) for x in lines.lines if x.endswith(" " + value)][0]
            assert seen - written < 1.0
    finally:
        watcher.terminate()
        wait_exit(watcher, 10)


# The SQLite config table as CryoCore made it before cc_modified existed.
_OLD_SQLITE_CONFIG = [
    "CREATE TABLE config_version (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "name VARCHAR(128) UNIQUE, device VARCHAR(128), comment TEXT)",
    "CREATE TABLE config (id INTEGER PRIMARY KEY AUTOINCREMENT, version INTEGER NOT NULL, "
    "last_modified TIMESTAMP DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now', 'localtime')), "
    "parent INTEGER NOT NULL DEFAULT 0, name VARCHAR(128) NOT NULL, value VARCHAR(256), "
    "datatype TEXT DEFAULT 'string', comment TEXT, UNIQUE(version, parent, name))",
    "CREATE TRIGGER config_touch AFTER UPDATE ON config FOR EACH ROW WHEN "
    "NEW.last_modified IS OLD.last_modified BEGIN UPDATE config SET last_modified = "
    "strftime('%Y-%m-%d %H:%M:%f', 'now', 'localtime') WHERE id = NEW.id; END",
    "INSERT INTO config_version (name) VALUES ('default')",
    "INSERT INTO config (version, parent, name, value, datatype) VALUES (1, 0, 'old', '1', "
    "'integer')",
]


def test_sqlite_config_table_of_an_earlier_version_gets_epoch_times(tmp_path, monkeypatch):
    """An older SQLite config table gains cc_modified; new and updated rows carry it."""
    import sqlite3
    from conftest import write_settings
    from CryoCore import API
    path = str(tmp_path / "old.db")
    conn = sqlite3.connect(path)
    for sql in _OLD_SQLITE_CONFIG:
        conn.execute(sql)
    conn.commit()
    monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(tmp_path / "s.json",
                                                         {"db_type": "sqlite", "db_path": path}))
    before = time.time()
    cfg = API.get_config(None)
    assert cfg["old"] == 1
    cfg["new"] = 2
    conn.execute("UPDATE config SET value = '5' WHERE name = 'old'")
    conn.commit()
    after = time.time()
    stamps = dict(conn.execute("SELECT name, cc_modified FROM config").fetchall())
    assert all(before - 0.01 <= stamps[n] <= after + 0.01 for n in ("old", "new"))
    conn.close()


@pytest.mark.smoke
def test_configtool_word_matching_a_folder_lists_what_is_under_it(backend):
    """`ConfigTool.py camera` lists what is under Instruments.Camera and matching names."""
    from CryoCore import API
    cfg = API.get_config(None)
    cfg["Instruments.Camera.fps"] = 30
    cfg["Instruments.Camera.Lens.focus"] = 1.5
    cfg["Instruments.Other.camera_id"] = "c1"
    cfg["Instruments.Other.gain"] = 2
    API.shutdown()
    status, out, err = configtool(backend, "camera")
    assert (status, err) == (0, "")
    assert sorted(out.splitlines()) == ["Instruments.Camera.Lens.focus = 1.5",
                                        "Instruments.Camera.fps = 30",
                                        "Instruments.Other.camera_id = c1"]


@pytest.mark.smoke
def test_tools_explicit_v_default_is_the_version_default_itself(backend):
    """Tools without -v use default_version; -v default names the literal version."""
    assert configtool(backend, "add", "default_version", "flight")[0] == 0
    assert configtool(backend, "add", "Cam.fps", "30")[0] == 0   # goes to flight
    status, out, err = configtool(backend, "get", "default_version", "-v", "default")
    assert (status, err) == (0, "") and "value: flight" in out.splitlines()
    rows = backend.sql("SELECT v.name FROM config c JOIN config_version v ON v.id = c.version "
                       "WHERE c.name = 'fps'")
    assert rows == [("flight",)]
    assert configtool(backend, "set", "default_version", "default", "-v", "default")[0] == 0
    status, out, err = configtool(backend, "get", "default_version")
    assert (status, err) == (0, "") and "value: default" in out.splitlines()
    assert configtool(backend, "list", "Cam", "-v", "default")[0] == 1  # not in default


def test_configui_explicit_v_default_is_the_version_default_itself(backend):
    """ConfigUI -v default opens version default; without -v the one default_version names."""
    import argparse
    from CryoCore import API
    from CryoCore.Tools import ConfigUI
    API.get_config(None)["default_version"] = "flight"
    API.reset()  # as a fresh ConfigUI process
    args = argparse.Namespace(version="default", create=False)
    assert ConfigUI.open_config(args).get_version() == "default"
    args.version = None
    assert ConfigUI.open_config(args).get_version() == "flight"
    assert API.get_config(None).get_version() == "flight"  # the API keeps the contract


@pytest.mark.smoke
def test_folders_and_values_never_mix(backend):
    """A value on a folder or a child of a parameter is refused (one Error line), no change."""
    from CryoCore import API
    from CryoCore.Core.Config import ConfigException
    cfg = API.get_config(None)
    cfg["Instruments.Camera.fps"] = 30
    cfg["Camera.fps"] = "thirty"
    API.shutdown()
    before = sorted(backend.sql("SELECT id, parent, name, value, datatype FROM config"))
    for argv in (["set", "Instruments", "5"], ["add", "Camera.fps.sub", "1"],
                 ["set", "Instruments.Camera", "x"], ["Instruments=5"]):
        status, out, err = configtool(backend, *argv)
        assert (status, out) == (1, "") and err.startswith("Error: ") and \
            len(err.splitlines()) == 1, (argv, err)
    assert sorted(backend.sql("SELECT id, parent, name, value, datatype FROM config")) == before
    API.reset()
    cfg = API.get_config(None)
    for write in (lambda: cfg.__setitem__("Instruments", 5),
                  lambda: cfg.set_default("Camera.fps.sub", 1),
                  lambda: cfg.deserialize('{"x": {"name": "fps", "datatype": "folder", '
                                          '"children": [{"name": "a", "value": 1, '
                                          '"datatype": "integer"}]}}', "Camera")):
        with pytest.raises(ConfigException):
            write()
    assert sorted(backend.sql("SELECT id, parent, name, value, datatype FROM config")) == before


XML7 = (b"<configuration><Cam><fps>30</fps><mode>auto</mode><empty></empty><short/>"
        b"<gain>1.5</gain></Cam><Top><on>true</on><blank>   </blank></Top></configuration>")


@pytest.mark.smoke
def test_xml_import_keeps_empty_elements_and_counts_what_changed(backend, tmp_path):
    """Empty XML elements become empty parameters; imports count what they changed."""
    path = tmp_path / "c.xml"
    path.write_bytes(XML7)
    status, _, err = configtool(backend, "import", str(path))
    assert (status, err) == (0, "Imported 7 parameters\n")
    rows = backend.sql("SELECT name, value, datatype FROM config WHERE datatype <> 'folder'")
    assert sorted(rows) == sorted([("fps", "30", "integer"), ("mode", "auto", "string"),
                                   ("empty", "", "string"), ("short", "", "string"),
                                   ("gain", "1.5", "double"), ("on", "True", "boolean"),
                                   ("blank", "", "string")])
    status, _, err = configtool(backend, "import", str(path))
    assert (status, err) == (0, "Imported 0 parameters (nothing changed)\n")
    status, text, _ = configtool(backend, "serialize", "Cam")
    status, _, err = configtool(backend, "deserialize", "Copy", "-", stdin=text.encode())
    assert (status, err) == (0, "Deserialized 5 parameters\n")
    status, _, err = configtool(backend, "deserialize", "Copy", "-", stdin=text.encode())
    assert (status, err) == (0, "Deserialized 0 parameters (nothing changed)\n")


def test_idle_poller_reads_no_rows_after_a_bulk_write(backend):
    """After a 2,000-parameter import and the look-back, an idle poller re-reads no rows."""
    import threading
    from CryoCore import API
    from CryoCore.Core import _config_store
    cfg = API.get_config("Bulk")
    xml = "<configuration>%s</configuration>" % "".join(
        "<p%d>%d</p%d>" % (i, i, i) for i in range(2000))
    assert cfg.import_xml(xml) == 2000
    store = cfg._store
    read = []
    lock = threading.Lock()
    original = store._rows

    def counting(vid, since=None, ids=None):
        rows = original(vid, since=since, ids=ids)
        if since is not None:
            with lock:
                read.append(len(rows))
        return rows
    store._rows = counting
    time.sleep(_config_store.LOOK_BACK + 1.0)  # the bulk write is older than the look-back
    with lock:
        del read[:]
    time.sleep(1.0)
    with lock:
        polls = list(read)
    assert len(polls) >= 2 and sum(polls) == 0, polls
    assert cfg["p1999"] == 1999


def test_import_of_2000_parameters_is_a_few_statements(backend, monkeypatch):
    """A 2,000-parameter import runs in a few batched statements; every row is there."""
    from CryoCore import API
    from CryoCore.Core import InternalDB
    cfg = API.get_config(None)
    cfg["Bench.f0.p0"] = 0  # some of it exists already, unchanged
    xml = "<configuration><Bench>%s</Bench></configuration>" % "".join(
        "<f%d>%s</f%d>" % (f, "".join("<p%d>%d</p%d>" % (i, i, i)
                                      for i in range(f * 50, f * 50 + 50)), f)
        for f in range(40))
    statements = []
    monkeypatch.setattr(InternalDB, "tracer", lambda sql, params: statements.append(sql))
    assert cfg.import_xml(xml) == 1999
    assert len(statements) < 40, len(statements)
    rows = backend.sql("SELECT c.name, c.value, f.name FROM config c JOIN config f "
                       "ON f.id = c.parent WHERE c.datatype = 'integer'")
    assert sorted(rows) == sorted(("p%d" % i, str(i), "f%d" % (i // 50)) for i in range(2000))
    assert cfg["Bench.f39.p1999"] == 1999


def test_batched_import_keeps_the_one_by_one_checks(backend):
    """Batched deserialize keeps the clash, folder and overwrite checks; nothing changes."""
    from CryoCore import API
    from CryoCore.Core.Config import ConfigException
    cfg = API.get_config(None)
    cfg["Cam.fps"] = 30
    cfg["Cam.Lens.zoom"] = 2
    before = sorted(backend.sql("SELECT id, parent, name, value, datatype FROM config"))

    def tree(**leaves):
        return ('{"Cam": {"name": "Cam", "datatype": "folder", "children": [%s]}}' % ", ".join(
            '{"name": "%s", "value": %s, "datatype": "integer"}' % kv for kv in leaves.items()))
    with pytest.raises(ConfigException):
        cfg.deserialize(tree(fps=31))                      # changed value, no overwrite
    with pytest.raises(ConfigException):
        cfg.deserialize(tree(Lens=5))                      # a value over a folder
    if backend.kind == "mysql":
        with pytest.raises(ConfigException) as e:
            cfg.deserialize(tree(FPS=30, other=1))         # MySQL folds FPS onto fps
        assert "clashes with existing 'fps'" in str(e.value)
    else:
        assert cfg.deserialize(tree(FPS=30, other=1)) == 2
        before = None
    if before is not None:
        assert sorted(backend.sql("SELECT id, parent, name, value, datatype FROM config")) == \
            before
    assert cfg.deserialize(tree(fps=31), overwrite=True) == 1 and cfg["Cam.fps"] == 31

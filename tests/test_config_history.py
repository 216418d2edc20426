# -*- coding: utf-8 -*-
"""Config history (issue 16): every change kept, the tree at T, diff, restore, prune."""
from __future__ import absolute_import, division, print_function

import json
import subprocess
import sys
import time

import pytest

from CryoCore import API
from CryoCore.Core._exceptions import ConfigException
from CryoCore.Tools import ConfigTool, _common
from conftest import Lines, mysql_connect, wait_exit

from test_configtool import tool


def run(capsys, *argv):
    """(exit status, stdout, stderr) of ConfigTool in-process."""
    code = _common.run(ConfigTool.main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def history(backend):
    """Every history row of config parameters, by plain SQL, oldest first."""
    return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in backend.sql(
        "SELECT version, path, op, value, datatype, old_value, program FROM config_history "
        "WHERE config_id <> 0 ORDER BY time, id")]


def moment():
    """A time strictly between the writes before and after it."""
    time.sleep(0.02)
    t = time.time()
    time.sleep(0.02)
    return t


def listing(capsys, *argv):
    code, out, err = run(capsys, "list", *argv)
    assert code == 0, err
    return out.splitlines()


@pytest.mark.smoke
def test_library_changes_kept_with_who(backend):
    """set, add, type change, remove, version copy and deletion each leave their row."""
    cfg = API.get_config("Cam")
    cfg["fps"] = 20
    cfg.set("fps", 25)
    cfg.set("fps", "fast", check=False)
    cfg["mode"] = "auto"
    cfg.remove("mode")
    cfg.copy_configuration("default", "flight")
    cfg.delete_version("flight")
    prog = sys.argv[0].rsplit("/", 1)[-1]
    assert history(backend) == [
        ("default", "Cam", "add", None, "folder", None, prog),
        ("default", "Cam.fps", "add", "20", "integer", None, prog),
        ("default", "Cam.fps", "set", "25", "integer", "20", prog),
        ("default", "Cam.fps", "set", "fast", "string", "25", prog),
        ("default", "Cam.mode", "add", "auto", "string", None, prog),
        ("default", "Cam.mode", "remove", None, None, "auto", prog),
        ("flight", "Cam", "copy", None, "folder", None, prog),
        ("flight", "Cam.fps", "copy", "fast", "string", None, prog),
        ("flight", "Cam", "drop", None, None, None, prog),
        ("flight", "Cam.fps", "drop", None, None, "fast", prog),
    ]
    import getpass
    import socket
    users = backend.sql("SELECT DISTINCT user, host FROM config_history WHERE config_id <> 0")
    assert [tuple(u) for u in users] == [(getpass.getuser(), socket.gethostname())]


def test_no_change_no_row_and_same_transaction(backend):
    """A write that changes nothing adds no row; a refused write adds none either."""
    cfg = API.get_config()
    cfg["a.b"] = 1
    before = history(backend)
    cfg.set("a.b", 1)
    with pytest.raises(ValueError):
        cfg.set("a.b", "x")  # refused by the type check: nothing stored
    assert history(backend) == before


def test_baseline_when_table_created_on_existing_tree(backend, capsys):
    """A tree that predates the history is its baseline; earlier times say so."""
    cfg = API.get_config()
    cfg["x.y"] = 5
    API.reset()
    backend.sql("DROP TABLE config_history")
    if backend.kind == "mysql":
        for name in ("cc_history_insert", "cc_history_update", "cc_history_delete"):
            backend.sql("DROP TRIGGER IF EXISTS %s" % name)
    t0 = time.time() - 1
    API.get_config()["x.z"] = 6
    rows = history(backend)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("x", "baseline", None), ("x.y", "baseline", "5"), ("x.z", "add", "6")]
    code, out, err = run(capsys, "list", "--at", "%f" % t0)
    assert code == 1 and err.startswith("Error: no history before ")


def test_at_and_diff_follow_a_scripted_sequence(backend, capsys):
    """list --at and diff between any two moments give exactly the expected trees."""
    cfg = API.get_config()
    moments = [moment()]
    cfg["Cam.fps"] = 20
    cfg["Cam.mode"] = "auto"
    moments.append(moment())
    cfg.set("Cam.fps", 25)
    cfg.add("Gps.port", "/dev/ttyUSB0")
    moments.append(moment())
    cfg.remove("Cam.mode")
    cfg.set("Cam.fps", "fast", check=False)
    moments.append(moment())
    cfg.copy_configuration("default", "flight")
    API.get_config(None, "flight")["Cam.fps"] = 1
    cfg.remove("Gps")
    moments.append(moment())
    expected = [[], ["Cam.fps = 20", "Cam.mode = auto"],
                ["Cam.fps = 25", "Cam.mode = auto", "Gps.port = /dev/ttyUSB0"],
                ["Cam.fps = fast", "Gps.port = /dev/ttyUSB0"], ["Cam.fps = fast"]]
    for t, tree in zip(moments, expected):
        assert listing(capsys, "--at", repr(t)) == tree
    assert listing(capsys, "-v", "flight", "--at", repr(moments[3])) == []
    assert listing(capsys, "-v", "flight", "--at", repr(moments[4])) == [
        "Cam.fps = 1", "Gps.port = /dev/ttyUSB0"]
    code, out, err = run(capsys, "diff", "--at", repr(moments[1]), "--to", repr(moments[3]))
    assert code == 0, err
    assert out.splitlines() == ["~ Cam.fps: 20 (integer) -> fast (string)",
                                "- Cam.mode = auto", "+ Gps.port = /dev/ttyUSB0"]
    code, out, err = run(capsys, "diff", "Gps", "--at", repr(moments[2]))
    assert out.splitlines() == ["- Gps.port = /dev/ttyUSB0"]


def test_get_and_serialize_at(backend, capsys):
    """get and serialize --at show the past in today's format."""
    cfg = API.get_config()
    cfg["A.speed"] = 1.5
    cfg.get("A.speed").set_comment("m/s")
    t = moment()
    cfg.set("A.speed", 3.0)
    code, out, err = run(capsys, "get", "A.speed", "--at", repr(t))
    lines = out.splitlines()
    assert code == 0 and lines[:3] == ["value: 1.5", "datatype: double", "version: default"]
    assert lines[4] == "comment: m/s"
    code, out, err = run(capsys, "serialize", "A", "--at", repr(t))
    data = json.loads(out)
    speed = data["A"]["children"][0]
    assert speed["value"] == 1.5 and speed["comment"] == "m/s"


@pytest.mark.smoke
def test_view_at_is_read_only_and_not_the_live_object(backend):
    """get_config(at=T) is a fresh view of the past; writes raise ConfigException."""
    cfg = API.get_config("Cam")
    cfg["fps"] = 20
    t = moment()
    cfg["fps"] = 30
    past = API.get_config("Cam", at=t)
    assert past is not cfg and past["fps"] == 20 and cfg["fps"] == 30
    with pytest.raises(ConfigException):
        past["fps"] = 5
    with pytest.raises(ConfigException):
        past.get("fps").set_value(5)
    assert API.get_config("Cam")["fps"] == 30
    assert API.get_config("Cam", at=time.time() + 3600)["fps"] == 30


def test_default_version_resolved_at_t(backend):
    """version "default" means the version default_version named at T."""
    API.get_config(None, "flight")["p"] = "flight value"
    API.get_config(None, "default")["p"] = "default value"
    t0 = moment()
    API.get_config(None, "default")["default_version"] = "flight"
    t1 = moment()
    assert API.get_config(None, at=t0)["p"] == "default value"
    assert API.get_config(None, at=t1)["p"] == "flight value"


def test_before_first_change_and_future(backend, capsys):
    """Before history began on an empty database: empty tree with a note; future: now."""
    cfg = API.get_config()
    cfg["p"] = 1
    start = float(backend.sql("SELECT MIN(time) FROM config_history")[0][0])
    code, out, err = run(capsys, "list", "--at", repr(start - 100))
    assert code == 0 and out == "" and "Note: no configuration existed before" in err
    code, out, err = run(capsys, "list", "--at", repr(time.time() + 3600))
    assert code == 0 and out == "p = 1\n" and "is in the future: showing the current" in err


def test_history_lines(backend, capsys):
    """history PATH: one line per change, oldest first: time, who, path, old -> new."""
    cfg = API.get_config()
    cfg["Cam.fps"] = 20
    cfg["Cam.fps"] = 25
    cfg["Other.x"] = 1
    t = moment()
    cfg.remove("Cam.fps")
    code, out, err = run(capsys, "history", "Cam.fps")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3, out
    assert [line.split("  ", 2)[2] for line in lines] == [
        "Cam.fps: (added) -> 20", "Cam.fps: 20 -> 25", "Cam.fps: 25 -> (removed)"]
    assert lines[0].split("  ")[1].split("@")[0]  # a user
    code, out, err = run(capsys, "history", "Cam", "--since", repr(t))
    assert [line.split("  ", 2)[2] for line in out.splitlines()] == ["Cam.fps: 25 -> (removed)"]


def test_prune_keeps_the_tree_at_t(backend, capsys):
    """--prune-before T forgets older rows, keeps what rebuilds T; earlier is refused."""
    cfg = API.get_config()
    for v in range(5):
        cfg["a"] = v
    cfg["gone"] = 1
    cfg.remove("gone")
    t = moment()
    cfg["a"] = 99
    code, out, err = run(capsys, "history", "--prune-before", repr(t))
    assert code == 1 and "--yes" in err
    code, out, err = run(capsys, "history", "--prune-before", repr(t), "--yes")
    assert code == 0, err
    assert [(r[1], r[2], r[3]) for r in history(backend)] == [("a", "set", "4"),
                                                             ("a", "set", "99")]
    assert listing(capsys, "--at", repr(t + 0.001)) == ["a = 4"]
    code, out, err = run(capsys, "list", "--at", repr(t - 1))
    assert code == 1 and err.startswith("Error: no history before ")


def test_restore_fires_callbacks_in_another_process(backend, capsys):
    """restore --at --yes: ordinary writes; a running program's callbacks fire."""
    cfg = API.get_config()
    cfg["Cam.fps"] = 20
    cfg.set("Cam.fps", 20, comment="frames")
    cfg["Cam.mode"] = "auto"
    t = moment()
    cfg["Cam.fps"] = 30
    cfg.remove("Cam.mode")
    cfg["Cam.extra"] = True
    API.shutdown()
    child = subprocess.Popen(
        [sys.executable, "-u", "-c",
         "from CryoCore import API\n"
         "import sys, time\n"
         "cfg = API.get_config('Cam')\n"
         "cfg.add_callback(None, lambda p: sys.stdout.write('%s=%s\\n' % (p.get_full_path(), "
         "p.get_value())))\n"
         "print('ready')\n"
         "time.sleep(20)\n"], env=backend.env(), stdout=subprocess.PIPE)
    lines = Lines(child)
    try:
        assert lines.wait_for(lambda ls: "ready" in ls, 20)
        API.reset()
        code, out, err = run(capsys, "restore", "Cam", "--at", repr(t), "--yes")
        assert code == 0, err
        assert out.splitlines() == ["- Cam.extra = True", "~ Cam.fps: 30 -> 20",
                                    "+ Cam.mode = auto"]
        assert lines.wait_for(lambda ls: "Cam.fps=20" in ls and "Cam.mode=auto" in ls, 5), \
            lines.lines
    finally:
        child.kill()
        wait_exit(child, 10)
    now = API.get_config("Cam")
    assert sorted(now.keys()) == ["fps", "mode"] and now["fps"] == 20
    assert now.get("fps").comment == "frames"
    assert listing(capsys, "Cam") == ["Cam.fps = 20", "Cam.mode = auto"]


def test_restore_asks_and_nothing_to_do(backend, capsys):
    """Without --yes and without a terminal restore changes nothing."""
    cfg = API.get_config()
    cfg["p"] = 1
    t = moment()
    cfg["p"] = 2
    code, out, err = run(capsys, "restore", "--at", repr(t))
    assert code == 1 and "--yes" in err and out == "~ p: 2 -> 1\n"
    assert API.get_config()["p"] == 2
    code, out, err = run(capsys, "restore", "--at", repr(time.time()), "--yes")
    assert code == 0 and out == "" and "Nothing to restore" in err


def test_configtool_subprocess_writes_have_its_name(backend):
    """A real ConfigTool process records itself as the program of its change."""
    assert tool(backend, "add", "Cam.fps", "30")[0] == 0
    code, out, err = tool(backend, "history")
    assert code == 0, err
    assert out.rstrip("\n").endswith("ConfigTool.py  Cam.fps: (added) -> 30")


def test_original_sql_update_is_recorded_by_the_trigger(backend):
    """MySQL: the original's own UPDATE ... SET value=... appears in history (trigger)."""
    if backend.kind != "mysql":
        pytest.skip("the original's tools only share MySQL databases")
    cfg = API.get_config()
    cfg["Cam.fps"] = 20
    conn = mysql_connect(backend.settings["db_name"])
    cur = conn.cursor()
    cur.execute("UPDATE config SET value='35', last_modified=NOW(6) WHERE name='fps'")
    cur.execute("DELETE FROM config WHERE name='fps'")
    conn.close()
    rows = backend.sql("SELECT path, op, value, old_value, program FROM config_history "
                       "WHERE config_id <> 0 ORDER BY time, id")
    assert [tuple(r) for r in rows][-2:] == [("Cam.fps", "set", "35", "20", "SQL"),
                                             ("Cam.fps", "remove", None, "35", "SQL")]
    # the trigger's key is the one a poller computes for the same change (recorded once)
    from CryoCore.Core._config_history import key_of
    key, = backend.sql("SELECT cc_key FROM config_history WHERE op = 'set' AND value = '35'")[0]
    conn = mysql_connect(backend.settings["db_name"])
    cur = conn.cursor()
    cur.execute("SELECT last_modified FROM config WHERE name = 'Cam'")
    lm = cur.fetchall()[0][0]
    cur.execute("UPDATE config SET comment = 'c' WHERE name = 'Cam'")
    cur.execute("SELECT last_modified, value, datatype, comment FROM config WHERE name = 'Cam'")
    row = cur.fetchall()[0]
    conn.close()
    assert lm != row[0]
    assert backend.sql("SELECT cc_key FROM config_history WHERE path = 'Cam' AND op = 'set'"
                       )[0][0] == key_of(*row)
    assert key.startswith("m:")


def test_without_trigger_rights_the_pollers_record_once(backend):
    """MySQL account without TRIGGER: two polling programs record a foreign change once."""
    if backend.kind != "mysql":
        pytest.skip("MySQL accounts only")
    db = backend.settings["db_name"]
    user = "cc_" + db[-12:]
    admin = mysql_connect()
    cur = admin.cursor()
    cur.execute("CREATE USER '%s'@'%%' IDENTIFIED BY 'pw'" % user)
    try:
        cur.execute("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, REFERENCES "
                    "ON `%s`.* TO '%s'@'%%'" % (db, user))
        settings = dict(backend.settings, db_user=user, db_password="pw")
        API.set_config_db(settings)
        API.get_config()["Cam.fps"] = 20
        assert backend.sql("SELECT COUNT(*) FROM information_schema.triggers WHERE "
                           "trigger_schema = %s", (db,))[0][0] == 0
        child = subprocess.Popen(
            [sys.executable, "-u", "-c",
             "from CryoCore import API\nimport json, sys, time\n"
             "API.set_config_db(json.loads(sys.argv[1]))\n"
             "cfg = API.get_config()\nprint('ready')\ntime.sleep(3)\nAPI.shutdown()\n",
             json.dumps(settings)], env=backend.env(), stdout=subprocess.PIPE)
        lines = Lines(child)
        assert lines.wait_for(lambda ls: "ready" in ls, 20)
        raw = mysql_connect(db)
        cur2 = raw.cursor()
        cur2.execute("UPDATE config SET value='35' WHERE name='fps'")
        time.sleep(0.01)
        cur2.execute("INSERT INTO config (version, parent, name, datatype) "
                     "VALUES (1, 0, 'New', 'folder')")
        cur2.execute("INSERT INTO config (version, parent, name, value, datatype) "
                     "VALUES (1, %s, 'x', '5', 'integer')", (cur2.lastrowid,))
        raw.close()
        wait_exit(child, 20)
        time.sleep(0.5)  # this process polls too
        rows = backend.sql("SELECT path, op, value, old_value FROM config_history "
                           "WHERE config_id <> 0 ORDER BY time, id")
        assert [tuple(r) for r in rows] == [("Cam", "add", None, None),
                                            ("Cam.fps", "add", "20", None),
                                            ("Cam.fps", "set", "35", "20"),
                                            ("New", "add", None, None),
                                            ("New.x", "add", "5", None)]
    finally:
        API.reset()
        cur.execute("DROP USER '%s'@'%%'" % user)
        admin.close()


def test_configui_save_is_recorded(backend):
    """A value saved in ConfigUI is a change in the history like any other."""
    from CryoCore.Tools import _configui_state as S
    from test_configui_state import goto, press
    API.get_config()["Cam.fps"] = 30
    state = S.UIState(API.get_config())
    goto(state, "Cam.fps")
    press(state, S.ENTER, S.CTRL_U, u"42", S.ENTER)
    assert history(backend)[-1][1:6] == ("Cam.fps", "set", "42", "integer", "30")


@pytest.mark.smoke
def test_at_takes_every_time_form(backend, capsys):
    """--at takes ISO 8601 and relative text; get_config(at=...) takes text too."""
    cfg = API.get_config()
    cfg["p"] = 1
    time.sleep(1.1)  # ISO text has whole seconds
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time()))
    time.sleep(0.05)
    cfg["p"] = 2
    assert listing(capsys, "--at", iso) == ["p = 1"]
    time.sleep(0.05)  # "-0.01" is 10 ms ago: after the change
    assert listing(capsys, "--at", "-0.01") == ["p = 2"]
    assert API.get_config(at=iso)["p"] == 1 and API.get_config(at="0s")["p"] == 2
    code, out, err = run(capsys, "list", "--at", "last tuesday")
    assert code == 1 and err.startswith("Error: ") and "last tuesday" in err
    with pytest.raises(ValueError):
        API.get_config(at="last tuesday")

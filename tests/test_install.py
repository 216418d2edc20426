"""Installation for real: Install/install.sh --demo in a fresh venv and HOME, then every
installed name (ConfigTool.py, ccconfig, ... and python -m CryoCore.Tools.X) with -h and
one real command on the demo's data, checked against the SQLite file read with sqlite3.

One install per run (about 15 s), shared by every test of this module.
"""
from __future__ import absolute_import, division, print_function

import json
import logging
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import (MYSQL_SERVER, ROOT, drop_mysql_database, mysql_connect,
                      new_mysql_database, require_mysql, write_settings)
from _pty_term import Term

TOOLS = {"ConfigTool": "ccconfig", "ConfigUI": "ccconfigui", "TailStatus": "ccstatus",
         "TailLog": "cclog", "StatusExport": "ccexport", "StatusPlot": "ccplot",
         "DbSync": "ccsync", "Snapshot": "ccsnapshot"}
# (tool, how it is started): the installed original-style name, the short name, python -m
NAMES = sorted([(t, t + ".py") for t in TOOLS] + [(t, s) for t, s in TOOLS.items()] +
               [(t, "-m") for t in TOOLS])

pytestmark = pytest.mark.skipif(sys.version_info[0] < 3, reason="python3 -m venv")


class Installed(object):
    """A fresh venv + HOME where install.sh --demo ran; runs installed names in it."""

    def __init__(self, base):
        self.venv = os.path.join(base, "venv")
        self.home = os.path.join(base, "home")
        os.makedirs(self.home)
        subprocess.check_call([sys.executable, "-m", "venv", self.venv])
        self.bin = os.path.join(self.venv, "bin")
        env = dict(os.environ, HOME=self.home, VIRTUAL_ENV=self.venv,
                   PATH=self.bin + os.pathsep + os.environ.get("PATH", ""))
        for key in ("PYTHONPATH", "CRYOCORE_CONFIG", "PYTHONHOME"):
            env.pop(key, None)
        self.env = env
        start = time.time()
        p = subprocess.Popen(["bash", os.path.join(ROOT, "Install", "install.sh"), "--demo"],
                             cwd=self.home, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        self.output = p.communicate()[0].decode("utf-8", "replace")
        self.code = p.returncode
        self.seconds = time.time() - start
        self.db = os.path.join(self.home, ".cryocore", "cryocore.db")

    def argv(self, tool, name, *args):
        if name == "-m":
            return [os.path.join(self.bin, "python"), "-m", "CryoCore.Tools." + tool] + list(args)
        return [os.path.join(self.bin, name)] + list(args)

    def run(self, tool, name, *args):
        p = subprocess.Popen(self.argv(tool, name, *args), cwd=self.home, env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate()
        return p.returncode, out.decode("utf-8"), err.decode("utf-8")

    def sql(self, statement):
        """Plain sqlite3 on the demo's database: the oracle."""
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute(statement).fetchall()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    inst = Installed(str(tmp_path_factory.mktemp("install")))
    assert inst.code == 0, inst.output
    return inst


def test_install_sh_demo_installs_and_shows_the_demo_data(installed):
    """install.sh --demo in a fresh venv and HOME: exit 0, the demo's rows in ~/.cryocore."""
    out = installed.output
    assert "Traceback" not in out and "Error" not in out, out
    for tool, short in TOOLS.items():
        assert os.access(os.path.join(installed.bin, tool + ".py"), os.X_OK)
        assert os.access(os.path.join(installed.bin, short), os.X_OK)
    fps = installed.sql("SELECT c.value FROM config c JOIN config p ON c.parent = p.id "
                        "WHERE c.name = 'fps' AND p.name = 'Camera'")
    assert fps == [("20",)] and "Instruments.Camera.fps = 20\n" in out
    last = installed.sql("SELECT message FROM log ORDER BY id DESC LIMIT 1")[0][0]
    assert "[    Camera] %s\n" % last in out
    assert installed.sql("SELECT COUNT(*) FROM status")[0][0] > 0
    print("install.sh --demo took %.1f s" % installed.seconds)


@pytest.mark.parametrize("tool,name", NAMES)
def test_installed_name_has_help(installed, tool, name):
    """Each installed name (and python -m) prints its usage for -h and exits 0."""
    code, out, err = installed.run(tool, name, "-h")
    assert code == 0 and err == "", err
    assert out.startswith("usage: ") and "--db_name" in out, out


def _ctime_line(timestamp, rest):
    return "%s %s" % (time.ctime(timestamp), rest)


@pytest.mark.parametrize("tool,name", [n for n in NAMES if n[0] != "ConfigUI"])
def test_installed_name_runs_a_real_command(installed, tool, name):
    """Each installed name of every tool but ConfigUI runs one real command on the demo."""
    if tool == "ConfigTool":
        code, out, err = installed.run(tool, name, "get", "Instruments.Camera.name")
        value = installed.sql("SELECT value FROM config WHERE name = 'name'")[0][0]
        assert code == 0 and out.splitlines()[0] == "value: %s" % value, (out, err)
    elif tool == "TailStatus":
        code, out, err = installed.run(tool, name, "--bw", "-n", "1", "--channel", "Camera")
        ts, param, value = installed.sql(
            "SELECT s.timestamp, p.name, s.value FROM status s JOIN status_parameter p "
            "ON s.paramid = p.paramid JOIN status_channel c ON s.chanid = c.chanid "
            "WHERE c.name = 'Camera' ORDER BY s.id DESC LIMIT 1")[0]
        assert code == 0 and out == _ctime_line(ts, "[Camera] %s = %s\n" % (param, value))
    elif tool == "StatusExport":
        code, out, err = installed.run(tool, name, "Camera:temperature")
        rows = installed.sql(
            "SELECT s.timestamp, s.value FROM status s JOIN status_parameter p "
            "ON s.paramid = p.paramid WHERE p.name = 'temperature' ORDER BY s.timestamp, s.id")
        assert len(rows) > 1 and code == 0, err
        assert out.splitlines() == ["timestamp,channel,parameter,value"] + [
            "%r,Camera,temperature,%s" % (ts, v) for ts, v in rows]
    elif tool == "DbSync":  # the demo's status rows to a fresh ground MariaDB database
        _sync_to_ground(installed, tool, name)
        return
    elif tool == "Snapshot":  # now: the last value of every status parameter
        code, out, err = installed.run(tool, name, "--format", "json")
        assert code == 0, err
        last = {}
        for channel, param, value in installed.sql(
                "SELECT c.name, p.name, s.value FROM status s JOIN status_parameter p "
                "ON s.paramid = p.paramid JOIN status_channel c ON s.chanid = c.chanid "
                "ORDER BY s.timestamp, s.id"):
            last[(channel, param)] = value
        shown = json.loads(out)["status"]
        assert sorted((s["channel"], s["name"], s["value"]) for s in shown) == \
            sorted((c, p, v) for (c, p), v in last.items())
    elif tool == "StatusPlot":  # install.sh installs no extra: the one-line hint
        code, out, err = installed.run(tool, name, "Camera:temperature", "-o", "t.png")
        assert code == 1 and out == "" and err.count("\n") == 1, err
        assert err.startswith("Error: ") and 'pip install "CryoCore[plot]"' in err, err
        assert not os.path.exists(os.path.join(installed.home, "t.png"))
        return
    else:
        code, out, err = installed.run(tool, name, "--bw", "-n", "1", "--logger", "Camera")
        t, level, module, line, message = installed.sql(
            "SELECT time, level, module, line, message FROM log WHERE logger = 'Camera' "
            "ORDER BY id DESC LIMIT 1")[0]
        assert code == 0 and out == _ctime_line(t, "[%7s][%20s (%4d)][    Camera] %s\n" % (
            logging.getLevelName(level), module, line, message)), out
    assert err == ""


def _sync_to_ground(installed, tool, name):
    require_mysql()
    ground = new_mysql_database("ccground")
    try:
        to = write_settings(os.path.join(installed.home, "ground-%s.json" % ground),
                            dict(MYSQL_SERVER, db_type="mysql", db_name=ground))
        code, out, err = installed.run(tool, name, "--to", to, "--source", "demo", "--once",
                                       "--tables", "status")
        assert code == 0, err
        want = installed.sql("SELECT timestamp, value FROM status ORDER BY timestamp, id")
        conn = mysql_connect(ground)
        try:
            cur = conn.cursor()
            cur.execute("SELECT timestamp, value FROM status ORDER BY timestamp, id")
            assert [tuple(r) for r in cur.fetchall()] == want
        finally:
            conn.close()
    finally:
        drop_mysql_database(ground)


@pytest.mark.parametrize("name", ["ConfigUI.py", "ccconfigui", "-m"])
def test_installed_configui_starts_in_a_terminal_and_quits(installed, name):
    """ConfigUI under each installed name draws the demo's tree in a pty and q quits it."""
    count = installed.sql("SELECT COUNT(*) FROM config WHERE datatype != 'folder'")[0][0]
    term = Term(installed.argv("ConfigUI", name, "--bw"), installed.env, cwd=installed.home)
    try:
        assert term.wait_raw(b"q quit"), term.raw
        assert ("%d parameters" % count).encode() in term.raw, term.raw
        term.send(u"q")
        assert term.wait_exit() == 0 and b"Traceback" not in term.raw
    finally:
        term.close()

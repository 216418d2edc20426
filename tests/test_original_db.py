# -*- coding: utf-8 -*-
"""Drop-in on an original CryoCore database: tables made with the original's own MySQL DDL
(InnoDB, utf8, inline REFERENCES, TIMESTAMP ON UPDATE) and filled the way the original
does, then read, written and followed by our library and tools; every check through the
plain driver."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import time

import pytest

from CryoCore import API
from CryoCore.Core import _runtime
from CryoCore.Tools import ConfigTool, TailLog, TailStatus, _common

from conftest import (ROOT, Lines, drop_mysql_database, mysql_connect, new_mysql_database,
                      require_mysql, wait_exit, write_settings)

# The original CryoCore's schema (spec section 2), as its services created it.
ORIGINAL_DDL = [
    """CREATE TABLE IF NOT EXISTS config_version (
        id INTEGER PRIMARY KEY AUTO_INCREMENT,
        name VARCHAR(128) UNIQUE,
        device VARCHAR(128),
        comment TEXT) ENGINE = INNODB DEFAULT CHARSET = utf8""",
    """CREATE TABLE IF NOT EXISTS config (
        id INTEGER PRIMARY KEY AUTO_INCREMENT,
        version INTEGER REFERENCES config_version(id) ON DELETE CASCADE,
        last_modified TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)
            ON UPDATE CURRENT_TIMESTAMP(6),
        parent INTEGER DEFAULT 0,
        name VARCHAR(128),
        value VARCHAR(256),
        datatype ENUM('boolean', 'integer', 'double', 'string', 'folder') DEFAULT 'string',
        comment TEXT,
        UNIQUE(version, parent, name)) ENGINE = INNODB DEFAULT CHARSET = utf8""",
    """CREATE TABLE IF NOT EXISTS status_channel (
        chanid INTEGER PRIMARY KEY AUTO_INCREMENT,
        name VARCHAR(180) UNIQUE) ENGINE = INNODB DEFAULT CHARSET = utf8""",
    """CREATE TABLE IF NOT EXISTS status_parameter (
        paramid INTEGER PRIMARY KEY AUTO_INCREMENT,
        name VARCHAR(180),
        chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
        UNIQUE(chanid, name)) ENGINE = INNODB DEFAULT CHARSET = utf8""",
    """CREATE TABLE IF NOT EXISTS status (
        id INTEGER PRIMARY KEY AUTO_INCREMENT,
        timestamp DOUBLE,
        paramid INTEGER REFERENCES status_parameter(paramid) ON DELETE CASCADE,
        chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
        value VARCHAR(2048),
        aux VARCHAR(2048),
        expires DOUBLE,
        INDEX(timestamp)) ENGINE = INNODB DEFAULT CHARSET = utf8""",
    """CREATE TABLE IF NOT EXISTS status_parameter2d (
        paramid INTEGER PRIMARY KEY AUTO_INCREMENT,
        name VARCHAR(128),
        chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
        sizex INTEGER,
        sizey INTEGER,
        UNIQUE(chanid, name)) ENGINE = INNODB DEFAULT CHARSET = utf8""",
    """CREATE TABLE IF NOT EXISTS status2d (
        id INTEGER PRIMARY KEY AUTO_INCREMENT,
        timestamp DOUBLE,
        paramid INTEGER REFERENCES status_parameter2d(paramid) ON DELETE CASCADE,
        chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
        posx INTEGER,
        posy INTEGER,
        value TINYINT UNSIGNED,
        expires DOUBLE,
        INDEX(timestamp)) ENGINE = INNODB DEFAULT CHARSET = utf8""",
    """CREATE TABLE IF NOT EXISTS log (
        id INTEGER PRIMARY KEY AUTO_INCREMENT,
        message TEXT,
        level INTEGER,
        time DOUBLE,
        msecs DOUBLE,
        line INTEGER,
        func VARCHAR(255),
        module VARCHAR(255),
        logger VARCHAR(255),
        INDEX(time)) ENGINE = INNODB DEFAULT CHARSET = utf8""",
    "INSERT IGNORE INTO config_version (name, comment) VALUES ('default', 'Default configuration')",
]
T0 = 1470130936.25  # Tue Aug  2 2016, as in the seed


class Original(object):
    """A MariaDB database with the original's tables and rows, and plain SQL on it."""

    def __init__(self, name):
        self.name = name
        self.conn = mysql_connect(name)

    def sql(self, statement, params=()):
        cur = self.conn.cursor()
        cur.execute(statement, params)
        return cur.fetchall() if cur.with_rows else cur.lastrowid

    # -- filling it the way the original's services do ---------------------------------
    def config(self, path, value, datatype):
        vid = self.sql("SELECT id FROM config_version WHERE name = 'default'")[0][0]
        parent = 0
        for folder in path.split(".")[:-1]:
            row = self.sql("SELECT id FROM config WHERE version = %s AND parent = %s AND "
                           "name = %s", (vid, parent, folder))
            parent = row[0][0] if row else self.sql(
                "INSERT INTO config (version, parent, name, datatype) VALUES "
                "(%s, %s, %s, 'folder')", (vid, parent, folder))
        return self.sql("INSERT INTO config (version, parent, name, value, datatype) VALUES "
                        "(%s, %s, %s, %s, %s)", (vid, parent, path.split(".")[-1], value,
                                                 datatype))

    def ids(self, channel, name):
        """The original looked up (or made) the channel and parameter ids first."""
        chan = self.sql("SELECT chanid FROM status_channel WHERE name = %s", (channel,))
        chanid = chan[0][0] if chan else self.sql(
            "INSERT INTO status_channel (name) VALUES (%s)", (channel,))
        par = self.sql("SELECT paramid FROM status_parameter WHERE chanid = %s AND name = %s",
                       (chanid, name))
        paramid = par[0][0] if par else self.sql(
            "INSERT INTO status_parameter (name, chanid) VALUES (%s, %s)", (name, chanid))
        return chanid, paramid

    def status(self, channel, name, value, when):
        chanid, paramid = self.ids(channel, name)
        return self.sql("INSERT INTO status (timestamp, paramid, chanid, value, expires) "
                        "VALUES (%s, %s, %s, %s, NULL)", (when, paramid, chanid, str(value)))

    def log(self, message, level, when, line, module, logger):
        return self.sql("INSERT INTO log (message, level, time, msecs, line, func, module, "
                        "logger) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        (message, level, when, (when % 1) * 1000, line, "run", module, logger))

    def columns(self, table):
        return [r[0] for r in self.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = %s ORDER BY ordinal_position", (self.name, table))]


@pytest.fixture
def original(tmp_path, monkeypatch):
    """The original's database with a small instrument's rows; our settings point at it."""
    require_mysql()
    name = new_mysql_database("ccorig")
    db = Original(name)
    try:
        db.sql("ALTER DATABASE `%s` CHARACTER SET utf8" % name)
        for statement in ORIGINAL_DDL:
            db.sql(statement)
        db.config("Instruments.Camera.fps", "30", "integer")
        db.config("Instruments.Camera.enabled", "True", "boolean")
        db.config("Instruments.Camera.exposure", "0.004", "double")
        db.config("Instruments.Camera.name", u"kamera æøå", "string")
        db.status("Camera", "state", "capturing", T0)
        db.status("Camera", "frames", 41, T0 + 1)
        db.log("Callback thread started", 20, T0, 132, "Status", "UnitTest")
        db.log(u"Camera æøå ready", 30, T0 + 2, 7, "camera", "Camera")
        settings = dict(require_settings(), db_type="mysql", db_name=name)
        db.settings = settings
        db.file = write_settings(tmp_path / "original.json", settings)
        monkeypatch.setenv("CRYOCORE_CONFIG", db.file)
        API.reset()
        yield db
    finally:
        API.reset()
        db.conn.close()
        drop_mysql_database(name)


def require_settings():
    from conftest import MYSQL_SERVER
    return dict(MYSQL_SERVER)


def tool(capsys, main, *argv):
    code = _common.run(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_original_config_is_read_and_written_in_place(original, capsys):
    """Our Config and ConfigTool read the original's rows and update them as it would."""
    code, out, _ = tool(capsys, ConfigTool.main, "list", "Instruments")
    assert code == 0 and out.splitlines() == [
        "Instruments.Camera.enabled = True", "Instruments.Camera.exposure = 0.004",
        "Instruments.Camera.fps = 30", u"Instruments.Camera.name = kamera æøå"]
    API.reset()  # the tool ran in this process and shut the API down
    cfg = API.get_config("Instruments.Camera")
    assert (cfg["fps"], cfg["enabled"], cfg["exposure"], cfg["name"]) == \
        (30, True, 0.004, u"kamera æøå")
    before = original.sql("SELECT last_modified FROM config WHERE name = 'fps'")[0][0]
    time.sleep(0.01)
    cfg["fps"] = 25
    cfg["enabled"] = False
    cfg.set_default("new", 1.5)
    assert original.sql("SELECT name, value, datatype FROM config WHERE name IN "
                        "('fps', 'enabled', 'new') ORDER BY name") == \
        [("enabled", "False", "boolean"), ("fps", "25", "integer"), ("new", "1.5", "double")]
    assert original.sql("SELECT last_modified FROM config WHERE name = 'fps'")[0][0] > before
    original.sql("UPDATE config SET value = '12' WHERE name = 'fps'")  # the original's tool
    deadline = time.time() + 2
    while cfg["fps"] != 12:
        assert time.time() < deadline, cfg["fps"]
        time.sleep(0.05)


def test_original_status_and_log_are_shown_and_extended(original, capsys):
    """TailStatus/TailLog show the original's rows; our writes reuse its ids and rows stay."""
    code, out, _ = tool(capsys, TailStatus.main, "--bw")
    assert code == 0 and out.splitlines() == [
        "%s [Camera] state = capturing" % time.ctime(T0),
        "%s [Camera] frames = 41" % time.ctime(T0 + 1)]
    code, out, _ = tool(capsys, TailLog.main, "--bw")
    assert code == 0 and out.splitlines() == [
        "%s [   INFO][              Status ( 132)][  UnitTest] Callback thread started"
        % time.ctime(T0),
        u"%s [WARNING][              camera (   7)][    Camera] Camera æøå ready"
        % time.ctime(T0 + 2)]
    API.reset()  # the tools ran in this process and shut the API down
    status = API.get_status("Camera")
    status["frames"] = 42
    status.new2d("pixels", (2, 2), 0).set_value((1, 0), 255)
    API.get_log("Camera").info(u"still here æøå")
    assert _runtime.writer().flush(20)
    chanid, paramid = original.ids("Camera", "frames")
    assert original.sql("SELECT chanid, paramid, value FROM status ORDER BY id") == [
        (chanid, original.ids("Camera", "state")[1], "capturing"), (chanid, paramid, "41"),
        (chanid, paramid, "42")]
    assert original.sql("SELECT c.name, p.name, p.sizex, p.sizey, s.posx, s.posy, s.value "
                        "FROM status2d s JOIN status_parameter2d p ON s.paramid = p.paramid "
                        "JOIN status_channel c ON s.chanid = c.chanid") == \
        [("Camera", "pixels", 2, 2, 1, 0, 255)]
    assert original.sql("SELECT message, level, module, logger FROM log ORDER BY id")[-1] == \
        (u"still here æøå", 20, "test_original_db", "Camera")
    # the spool's columns were added online, nullable; the original's rows and inserts work
    for table, first in (("status", "id"), ("status2d", "id"), ("log", "id")):
        columns = original.columns(table)
        assert columns[0] == first and columns[-2:] == ["cc_producer", "cc_seq"], columns
    assert original.sql("SELECT COUNT(*) FROM log WHERE cc_seq IS NULL") == [(2,)]
    original.log("the original still writes", 20, T0 + 3, 1, "orig", "Orig")
    assert original.sql("SELECT message FROM log WHERE logger = 'Orig'") == \
        [("the original still writes",)]


@pytest.mark.parametrize("which", ["TailStatus", "TailLog"])
def test_follow_shows_rows_the_original_inserts(original, which):
    """-f on the original's tables shows a row an original program inserts within a second."""
    path = os.path.join(ROOT, "CryoCore", "Tools", which + ".py")
    env = dict(os.environ, CRYOCORE_CONFIG=original.file, PYTHONPATH=ROOT)
    proc = subprocess.Popen([sys.executable, path, "--bw", "-f"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = Lines(proc)
    try:
        assert lines.wait_for(lambda ls: len(ls) >= 2, 10), lines.lines  # the first screen
        if which == "TailStatus":
            original.status("Camera", "state", "stopped", time.time())
            want = "[Camera] state = stopped"
        else:
            original.log("stopping", 20, time.time(), 9, "camera", "Camera")
            want = "[    Camera] stopping"
        inserted = time.time()
        assert lines.wait_for(lambda ls: any(l.endswith(want) for l in ls), 5), lines.lines
        assert time.time() - inserted < 1.5
    finally:
        proc.terminate()
        wait_exit(proc, 10)
        err = proc.stderr.read()
        lines.thread.join(5)
        proc.stdout.close()
        proc.stderr.close()
    assert b"Traceback" not in err, err


@pytest.mark.xfail(strict=True, reason="open bug: the server refuses 4-byte UTF-8 in the "
                   "original's utf8 (3-byte) columns, so such a status or log row is dropped "
                   "(reported on stderr, counted as failed) instead of kept with a visible "
                   "escape as the README promises for text the column cannot hold")
def test_four_byte_characters_on_the_original_utf8_tables_are_kept_visibly(original):
    """An emoji in status or log rows on the original's utf8 tables is kept escaped."""
    API.get_status("Camera")["mood"] = u"smile \U0001F600"
    API.get_log("Camera").info(u"log \U0001F600")
    assert _runtime.writer().flush(20)
    assert original.sql("SELECT s.value FROM status s JOIN status_parameter p ON "
                        "s.paramid = p.paramid WHERE p.name = 'mood'") == [(u"smile \\U0001f600",)]
    assert original.sql("SELECT message FROM log ORDER BY id DESC LIMIT 1") == \
        [(u"log \\U0001f600",)]

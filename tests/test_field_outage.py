"""Field-proofing (issue 11, item 12): what the user is told when the database is away."""
from __future__ import absolute_import, division, print_function

import glob
import os
import socket
import subprocess
import sys

import pytest

from conftest import MYSQL_SERVER, ROOT, mysql_connect, require_mysql, write_settings
from _mariadb import free_port

PRODUCER = r"""
from CryoCore import API
API.shutdown_grace_period = 1.0
API.get_log("Outage").info("kept 1")
API.get_status("Outage")["v"] = 1
API.get_log("Outage").info("kept 2")
API.shutdown()
"""


def _run(tmp_path, settings, code=PRODUCER, argv=()):
    """Run a program with its own HOME (so its spool directory) and settings file."""
    env = dict(os.environ, HOME=str(tmp_path), PYTHONPATH=ROOT)
    env["CRYOCORE_CONFIG"] = write_settings(tmp_path / "settings.json", settings)
    cmd = [sys.executable, "-c", code] if code else [sys.executable] + list(argv)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    return proc.returncode, out.decode(), err.decode()


def _spools(tmp_path):
    return glob.glob(str(tmp_path / ".cryocore" / "spool" / "*"))


@pytest.mark.smoke
@pytest.mark.parametrize("server", ["refusing", "silent"])
def test_shutdown_with_server_away_says_where_the_rows_were_left(tmp_path, server):
    """With the server refusing or hanging, shutdown() names the spool files with rows."""
    listener = None
    if server == "refusing":
        port = free_port()  # nothing listens there: connections are refused
    else:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)  # the kernel takes connections; no handshake ever comes
        port = listener.getsockname()[1]
    settings = {"db_type": "mysql", "db_host": "127.0.0.1", "db_port": port,
                "db_user": "root", "db_name": "cc_refused", "db_timeout": 10}
    try:
        status, _, err = _run(tmp_path, settings)
    finally:
        if listener is not None:
            listener.close()
    assert status == 0
    spools = _spools(tmp_path)
    assert spools
    left = [line for line in err.splitlines() if " left in " in line]
    assert left and all(any(path in line for line in left) for path in spools), err


def test_wrong_password_is_access_denied_once_and_rows_are_spooled(tmp_path):
    """A wrong password is reported once as access denied; the rows wait in the spool."""
    require_mysql()
    settings = dict(MYSQL_SERVER, db_type="mysql", db_name="cc_denied", db_password="wrong!",
                    db_timeout=2)
    status, _, err = _run(tmp_path, settings)
    assert status == 0
    denied = [line for line in err.splitlines() if "access denied" in line.lower()]
    assert len(denied) == 1, err
    assert "unreachable" not in err
    assert _spools(tmp_path)


def test_tool_replays_a_spool_for_the_port_of_its_db_port_flag(tmp_path, private_mariadb):
    """A tool stores rows spooled for the server its --db_port names."""
    server = private_mariadb
    conn = mysql_connect(server=server.server)
    conn.cursor().execute("CREATE DATABASE cc_port")
    conn.close()
    settings = dict(server.settings("cc_port"), db_timeout=2)
    server.stop()
    assert _run(tmp_path, settings)[0] == 0
    assert _spools(tmp_path)
    server.start()
    without_port = dict(settings)
    del without_port["db_port"]  # the tool's flag gives it
    status, _, err = _run(tmp_path, without_port, code=None, argv=[
        os.path.join(ROOT, "CryoCore", "Tools", "TailLog.py"), "--db_port", str(server.port)])
    assert status == 0, err
    conn = mysql_connect("cc_port", server=server.server)
    cur = conn.cursor()
    cur.execute("SELECT message FROM log ORDER BY id")
    assert [r[0] for r in cur.fetchall()] == ["kept 1", "kept 2"]
    conn.close()

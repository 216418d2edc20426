"""Fixtures: a real backend per test (temp SQLite file or a fresh MariaDB database)."""
from __future__ import absolute_import, division, print_function

import json
import os
import sys
import threading
import time
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from CryoCore import API  # noqa: E402
from CryoCore.Core import _settings  # noqa: E402

MYSQL_SERVER = {"db_host": os.environ.get("CC_TEST_MYSQL_HOST", "127.0.0.1"),
                "db_port": int(os.environ.get("CC_TEST_MYSQL_PORT", "3306")),
                "db_user": os.environ.get("CC_TEST_MYSQL_USER", "root"),
                "db_password": os.environ.get("CC_TEST_MYSQL_PASSWORD", "")}


def in_ci(value=None):
    """Whether we run in CI: `CI` set to anything but empty, 0, false, no or off."""
    value = os.environ.get("CI", "") if value is None else value
    return value.strip().lower() not in ("", "0", "false", "no", "off")


IN_CI = in_ci()


_run = {"smoke_only": False}


def pytest_configure(config):
    _run["smoke_only"] = config.getoption("markexpr") == "smoke"


def importorskip(name):
    """pytest.importorskip, except that in CI a missing test dependency fails the run.

    The smoke runs (``-m smoke``, Python 2.7 and 3.8) install only pytest: no smoke test
    needs these modules, so there the modules that do are skipped as usual."""
    if IN_CI and not _run["smoke_only"]:
        import importlib
        return importlib.import_module(name)
    return pytest.importorskip(name)
# The web dashboard is Python 3 only (its tests use async syntax).
collect_ignore_glob = ["test_web_*.py"] if sys.version_info[0] < 3 else []


def mysql_connect(database=None, server=None):
    """A raw mysql-connector connection to the test server (for set-up and plain SQL)."""
    import mysql.connector
    s = server or MYSQL_SERVER
    kwargs = dict(host=s["db_host"], port=s["db_port"], user=s["db_user"],
                  password=s["db_password"], use_pure=True, autocommit=True,
                  connection_timeout=5)
    if database:
        kwargs["database"] = database
    return mysql.connector.connect(**kwargs)


_mysql_state = {}


def mysql_available():
    if "ok" not in _mysql_state:
        try:
            mysql_connect().close()
            _mysql_state["ok"] = True
        except Exception as e:  # reported by require_mysql below
            _mysql_state["ok"] = False
            _mysql_state["why"] = str(e)
    return _mysql_state["ok"]


def require_mysql():
    """Skip without MariaDB locally; in CI (`CI` set, see in_ci) a missing server fails."""
    if not mysql_available():
        message = "MariaDB on %(db_host)s:%(db_port)s unreachable: " % MYSQL_SERVER
        message += _mysql_state.get("why", "")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def new_mysql_database(prefix="cctest"):
    name = "%s_%s" % (prefix, uuid.uuid4().hex[:12])
    conn = mysql_connect()
    conn.cursor().execute("CREATE DATABASE `%s` CHARACTER SET utf8mb4" % name)
    conn.close()
    return name


def drop_mysql_database(name, server=None):
    conn = mysql_connect(server=server)
    conn.cursor().execute("DROP DATABASE IF EXISTS `%s`" % name)
    conn.close()


class Backend(object):
    """One test database: its settings dict and the settings file that names it."""

    def __init__(self, kind, settings, settings_file):
        self.kind = kind
        self.settings = settings
        self.settings_file = settings_file

    def sql(self, statement, params=()):
        """Run plain SQL against the backend (``%s`` placeholders) and return rows."""
        from CryoCore.Core.InternalDB import mysql as DB
        db = DB("test-sql", config=self.settings)
        try:
            return db._execute(statement, params).fetchall()
        finally:
            db.close()

    def plain_sql(self, statement, params=()):
        """Run SQL through the plain driver (sqlite3 or mysql-connector), not InternalDB:
        an oracle for what CryoCore stored.  ``%s`` placeholders on both."""
        if self.kind == "sqlite":
            import sqlite3
            conn = sqlite3.connect(self.settings["db_path"])
            try:
                return [tuple(r) for r in conn.execute(statement.replace("%s", "?"), params)]
            finally:
                conn.close()
        conn = mysql_connect(self.settings["db_name"])
        try:
            cur = conn.cursor()
            cur.execute(statement, params)
            return [tuple(r) for r in cur.fetchall()]
        finally:
            conn.close()

    def env(self):
        """Environment for a subprocess that should use this backend."""
        env = dict(os.environ)
        env["CRYOCORE_CONFIG"] = self.settings_file
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        return env


def write_settings(path, settings):
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(settings, f)
    return str(path)


def make_backend(kind, tmp_path):
    if kind == "sqlite":
        settings = {"db_type": "sqlite", "db_path": str(tmp_path / "cryocore.db")}
        return Backend(kind, settings, write_settings(tmp_path / "settings.json", settings)), None
    require_mysql()
    name = new_mysql_database()
    settings = dict(MYSQL_SERVER, db_type="mysql", db_name=name)
    return Backend(kind, settings, write_settings(tmp_path / "settings.json", settings)), name


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory):
    """Never read or write the real ~/.cryoconfig or ~/.cryocore."""
    home = str(tmp_path_factory.mktemp("home"))
    old = os.environ.get("HOME")
    os.environ["HOME"] = home
    os.environ.pop("CRYOCORE_CONFIG", None)
    yield home
    if old is not None:
        os.environ["HOME"] = old


@pytest.fixture(params=["sqlite", "mysql"])
def backend(request, tmp_path, monkeypatch):
    """Each test gets a real backend of each kind; the API uses it through CRYOCORE_CONFIG."""
    b, dbname = make_backend(request.param, tmp_path)
    monkeypatch.setenv("CRYOCORE_CONFIG", b.settings_file)
    API.reset()
    try:
        yield b
    finally:
        API.reset()
        if dbname:
            drop_mysql_database(dbname)


@pytest.fixture(autouse=True)
def _api_clean():
    """Every test starts and ends with a fresh API and leaks no CryoCore thread."""
    API.reset()
    before = set(threading.enumerate())
    yield
    API.reset()
    _settings.clear_explicit()
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()
              and t.name.startswith("CryoCore")]
    for t in leaked:
        t.join(2.0)
    leaked = [t.name for t in leaked if t.is_alive()]
    assert not leaked, "threads leaked: %s" % leaked


@pytest.fixture
def private_mariadb():
    """A private mariadbd (own port and data directory) that a test may stop or pause."""
    from _mariadb import start_private
    server = start_private()
    try:
        yield server
    finally:
        server.destroy()


class Lines(object):
    """Collect a subprocess's stdout lines in a thread; wait for them with a deadline."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read)
        self.thread.daemon = True
        self.thread.start()
        proc.lines_reader = self.thread  # join it before closing stdout (2.7 raises IOError)

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            with self.cond:
                self.lines.append(raw.decode("utf-8").rstrip("\n"))
                self.cond.notify_all()

    def wait_for(self, predicate, timeout):
        """Whether `predicate(lines)` came true within `timeout` seconds."""
        deadline = time.time() + timeout
        with self.cond:
            while not predicate(self.lines):
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True


def wait_exit(proc, timeout):
    """Popen.wait with a timeout on Python 2.7 too; fails the test if it does not end."""
    deadline = time.time() + timeout
    while proc.poll() is None:
        assert time.time() < deadline, "process did not end within %s s" % timeout
        time.sleep(0.02)
    return proc.returncode

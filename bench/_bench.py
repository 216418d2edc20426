"""Shared set-up for the benchmarks in bench/ (not a benchmark itself).

Every bench needs the same scaffolding: a backend choice on the command line,
a temp directory, a scratch MariaDB database (or a temp SQLite file), the
CryoCore settings for it, sometimes a settings file that $CRYOCORE_CONFIG
points at, and the clean-up afterwards.  Typical use::

    import _bench

    args = _bench.parse_args(__doc__, ("-n", 1000, "calls per round"))  # + --mysql/--host/--port
    with _bench.scratch_backend(args, settings_file=True) as backend:
        API.set_config_db(backend.settings)  # or rely on $CRYOCORE_CONFIG
        ...

The MariaDB credentials come from the environment variables the tests use
(CC_TEST_MYSQL_HOST, CC_TEST_MYSQL_PORT, CC_TEST_MYSQL_USER,
CC_TEST_MYSQL_PASSWORD; default 127.0.0.1:3306, root, empty password); no
bench takes a password on the command line.  --host/--port override the
first two.  Works on Python 2.7 and 3.
"""
from __future__ import absolute_import, division, print_function

import argparse
import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


_clock = getattr(time, "perf_counter", time.time)


def best(fn, repeat):
    """The shortest of `repeat` runs of `fn()`, in seconds."""
    times = []
    for _ in range(repeat):
        start = _clock()
        fn()
        times.append(_clock() - start)
    return min(times)


def server():
    """The MariaDB server for benches: {"host", "port", "user", "password"} from CC_TEST_MYSQL_*."""
    return {"host": os.environ.get("CC_TEST_MYSQL_HOST", "127.0.0.1"),
            "port": int(os.environ.get("CC_TEST_MYSQL_PORT", "3306")),
            "user": os.environ.get("CC_TEST_MYSQL_USER", "root"),
            "password": os.environ.get("CC_TEST_MYSQL_PASSWORD", "")}


def add_backend_args(parser, mysql_only=False):
    """Add --mysql (unless `mysql_only`: then MariaDB is always used), --host and --port."""
    if mysql_only:
        parser.set_defaults(mysql=True)
    else:
        parser.add_argument("--mysql", action="store_true",
                            help="use a scratch MariaDB database instead of a temp SQLite file")
    srv = server()
    parser.add_argument("--host", default=srv["host"], help="MariaDB host (%(default)s)")
    parser.add_argument("--port", type=int, default=srv["port"], help="MariaDB port (%(default)s)")


def parse_args(doc, *sizes, **kw):
    """Parse a bench's command line: the backend flags plus integer size flags.

    `doc` is the bench's docstring (its first line is the description); each
    of `sizes` is ``(flag, default, help)``, e.g. ``("-n", 40, "changes")``;
    ``mysql_only=True`` as for `add_backend_args`.  Returns the parsed args.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    add_backend_args(parser, kw.pop("mysql_only", False))
    if kw:
        raise TypeError("unknown keyword arguments: %s" % sorted(kw))
    for flag, default, text in sizes:
        parser.add_argument(flag, type=int, default=default, help="%s (%%(default)s)" % text)
    return parser.parse_args()


def write_settings(directory, settings, name="settings.json"):
    """Write `settings` to `directory`/`name` (mode 600), point $CRYOCORE_CONFIG at it."""
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(settings, f)
    os.environ["CRYOCORE_CONFIG"] = path
    return path


class Backend(object):
    """What `scratch_backend` yields.

    kind: "sqlite" or "mysql"; tmp: the temp directory; settings: the CryoCore
    settings dict; settings_file: its path if one was written, else None;
    db_name: the scratch database (None for SQLite); label: "SQLite"/"MariaDB".
    """

    def __init__(self, kind, tmp, server):
        self.kind = kind
        self.tmp = tmp
        self.server = server
        self.settings_file = None
        self.db_name = None
        self.label = "MariaDB" if kind == "mysql" else "SQLite"
        if kind == "mysql":
            self.db_name = "ccbench_%s" % uuid.uuid4().hex[:10]
            self.settings = {"db_type": "mysql", "db_host": server["host"],
                             "db_port": server["port"], "db_user": server["user"],
                             "db_password": server["password"], "db_name": self.db_name}
        else:
            self.settings = {"db_type": "sqlite", "db_path": os.path.join(tmp, "bench.db")}

    def raw_connection(self, database=True, **kwargs):
        """A plain mysql-connector connection (pure, autocommit, utf8mb4) to the server.

        Connected to the scratch database unless `database` is False; `kwargs`
        override the connection arguments (e.g. ``autocommit=False``).
        """
        import mysql.connector
        kw = dict(host=self.server["host"], port=self.server["port"], user=self.server["user"],
                  password=self.server["password"], use_pure=True, autocommit=True,
                  charset="utf8mb4", collation="utf8mb4_general_ci")
        if database and self.db_name:
            kw["database"] = self.db_name
        kw.update(kwargs)
        return mysql.connector.connect(**kw)

    def _admin(self, sql):
        conn = self.raw_connection(database=False)
        try:
            conn.cursor().execute(sql % self.db_name)
        finally:
            conn.close()


@contextlib.contextmanager
def scratch_backend(backend, settings_file=False):
    """Context manager: a temp dir and a fresh backend, all removed afterwards.

    `backend` is "sqlite", "mysql" or the parsed arguments of a parser set up
    by `add_backend_args` (their --mysql/--host/--port decide).  For MariaDB a
    uniquely named database is created (utf8mb4) and dropped at the end.  With
    `settings_file` the settings are written to a file that $CRYOCORE_CONFIG
    points at (for this process and its children).  At the end:
    API.shutdown(), DROP DATABASE, the temp dir removed, $CRYOCORE_CONFIG
    restored.
    """
    srv = server()
    if isinstance(backend, str):
        kind = backend
    else:
        kind = "mysql" if backend.mysql else "sqlite"
        srv.update(host=backend.host, port=backend.port)
    if kind not in ("sqlite", "mysql"):
        raise ValueError("backend must be 'sqlite' or 'mysql', not %r" % (kind,))
    old_config = os.environ.get("CRYOCORE_CONFIG")
    tmp = tempfile.mkdtemp(prefix="ccbench-")
    b = Backend(kind, tmp, srv)
    created = False
    try:
        if b.db_name:
            b._admin("CREATE DATABASE `%s` CHARACTER SET utf8mb4")
            created = True
        if settings_file:
            b.settings_file = write_settings(tmp, b.settings)
        yield b
    finally:
        try:
            from CryoCore import API
            API.shutdown()
        finally:
            if created:
                b._admin("DROP DATABASE IF EXISTS `%s`")
            shutil.rmtree(tmp, ignore_errors=True)
            if old_config is None:
                os.environ.pop("CRYOCORE_CONFIG", None)
            else:
                os.environ["CRYOCORE_CONFIG"] = old_config

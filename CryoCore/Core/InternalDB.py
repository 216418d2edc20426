"""The one database layer: MySQL/MariaDB (mysql-connector-python) or embedded SQLite.

``mysql`` is the original's class name and subclassing surface: subclasses call
``self._execute(sql, params)`` with ``%s`` placeholders and ``self._init_sqls``
for idempotent schema set-up.  On SQLite the MySQL dialect that differs is
rewritten here, and nowhere else.
"""
from __future__ import absolute_import, division, print_function

import contextlib
import os
import re
import sqlite3
import sys
import threading
import time
import weakref

from . import _settings
from ._compat import PY2, makedirs_private, text_type, to_text
from ._exceptions import DatabaseError, NoSuchDatabase

# Driver error numbers meaning "the connection is gone; reconnect and retry".
_LOST_CONNECTION = (-1, 1927, 2003, 2006, 2013, 2055, 3024, 4031)  # 3024: read timeout
# Server errors meaning "wrong user, password or rights": no outage, a settings problem.
_ACCESS_DENIED = (1044, 1045, 1698)
# Driver errors about the statement or its values (e.g. text UTF-8 cannot encode), never
# about the connection, whatever their number.
_BAD_STATEMENT = ("ProgrammingError", "DataError", "IntegrityError", "NotSupportedError")
# Rows per multi-row INSERT, and bytes per statement (MySQL's packet limit is larger).
MAX_BATCH_ROWS = 1000
MAX_BATCH_BYTES = 1 << 20
SQLITE_MAX_VARIABLES = 999 if sqlite3.sqlite_version_info < (3, 32, 0) else 32766

tracer = None  # optional hook: tracer(sql, params) before every statement


class _Result(object):
    """What ``_execute`` returns: the rows already fetched, plus rowcount/lastrowid."""

    def __init__(self, rows, rowcount, lastrowid, description):
        self._rows = rows
        self._pos = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.description = description

    def fetchone(self):
        if self._pos >= len(self._rows):
            return None
        row = self._rows[self._pos]
        self._pos += 1
        return row

    def fetchall(self):
        rows = self._rows[self._pos:]
        self._pos = len(self._rows)
        return rows

    def __iter__(self):
        return iter(self.fetchall())


_SQLITE_REWRITES = [
    (re.compile(r"\bINSERT\s+IGNORE\b", re.I), "INSERT OR IGNORE"),
    (re.compile(r"\bAUTO_INCREMENT\b", re.I), "AUTOINCREMENT"),
    (re.compile(r"\bENGINE\s*=\s*\w+", re.I), ""),
    (re.compile(r"\b(DEFAULT\s+)?(CHARACTER\s+SET|CHARSET)\s*=?\s*\w+", re.I), ""),
    (re.compile(r"\bCOLLATE\s*=?\s*\w+", re.I), ""),
    (re.compile(r"\bON\s+UPDATE\s+CURRENT_TIMESTAMP(\(\d*\))?", re.I), ""),
    (re.compile(r"\bCURRENT_TIMESTAMP\(\d*\)", re.I), "CURRENT_TIMESTAMP"),
    (re.compile(r"\bUNSIGNED\b", re.I), ""),
    (re.compile(r"\bSELECT\s+STRAIGHT_JOIN\b", re.I), "SELECT"),  # SQLite: a hint it lacks
    (re.compile(r"\bAS\s+BINARY\)", re.I), "AS BLOB)"),  # CAST(x AS BINARY): bytes as they are
    (re.compile(r"\bINT(EGER)?\s+(NOT\s+NULL\s+)?PRIMARY\s+KEY\s+AUTOINCREMENT", re.I),
     "INTEGER PRIMARY KEY AUTOINCREMENT"),
]


_DIALECT_CACHE = {}      # statement -> its SQLite form (multi-row INSERTs repeat a lot)
_DIALECT_CACHE_MAX = 256
_DIALECT_CACHE_MAX_LEN = 65536


# An AUTO_INCREMENT column in any of MySQL's spellings (INT/BIGINT..., UNSIGNED, NOT NULL,
# PRIMARY KEY before or after AUTO_INCREMENT); SQLite wants exactly INTEGER PRIMARY KEY
# AUTOINCREMENT, and no separate PRIMARY KEY (col) for it.
_AUTO_COLUMN = re.compile(
    r"(?P<col>[`\"]?\w+[`\"]?)\s+(?:TINY|SMALL|MEDIUM|BIG)?INT(?:EGER)?(?:\s*\(\s*\d+\s*\))?"
    r"(?P<attrs>(?:\s+(?:UNSIGNED|SIGNED|NOT\s+NULL|NULL|PRIMARY\s+KEY|KEY|AUTO_INCREMENT))*)",
    re.I)


def _auto_increment_columns(sql):
    """CREATE TABLE: each AUTO_INCREMENT integer column becomes SQLite's rowid alias."""
    if not re.match(r"\s*CREATE\s+TABLE\b", sql, re.I) or "AUTO_INCREMENT" not in sql.upper():
        return sql
    columns = []

    def column(m):
        if "AUTO_INCREMENT" not in m.group("attrs").upper():
            return m.group(0)
        columns.append(m.group("col").strip("`\""))
        return "%s INTEGER PRIMARY KEY AUTOINCREMENT" % m.group("col")
    out = _AUTO_COLUMN.sub(column, sql)
    for name in columns:  # its separate PRIMARY KEY (col) constraint would be a second one
        out = re.sub(r",\s*PRIMARY\s+KEY\s*\(\s*[`\"]?%s[`\"]?\s*\)" % re.escape(name), "",
                     out, flags=re.I)
    return out


def sqlite_dialect(sql):
    """Rewrite the MySQL dialect our code and subclasses use into SQLite's."""
    out = _DIALECT_CACHE.get(sql)
    if out is not None:
        return out
    out = _auto_increment_columns(sql)
    for pattern, repl in _SQLITE_REWRITES:
        out = pattern.sub(repl, out)
    out = _placeholders(out)
    if len(sql) <= _DIALECT_CACHE_MAX_LEN and len(_DIALECT_CACHE) < _DIALECT_CACHE_MAX:
        _DIALECT_CACHE[sql] = out  # a plain dict: safe without a lock under the GIL
    return out


def _placeholders(sql):
    """``%s`` -> ``?`` outside string literals (``%%`` -> ``%``)."""
    out = []
    i, quote = 0, None
    while i < len(sql):
        c = sql[i]
        if quote:
            out.append(c)
            if c == quote:
                quote = None
        elif c in ("'", '"'):
            quote = c
            out.append(c)
        elif sql.startswith("%s", i):
            out.append("?")
            i += 1
        elif sql.startswith("%%", i):
            out.append("%")
            i += 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


class mysql(object):
    """A thread-safe connection to one service's database (either backend).

    `config` may be a settings dict (``db_*`` keys) that wins over the
    settings files; `service` ("config", "status", "log") picks the
    ``override_<service>`` settings.  One connection per instance, shared
    under a lock; results are fetched before the lock is released.
    """

    def __init__(self, name, config=None, can_log=True, db_name=None, ssl=None,
                 num_connections=3, min_conn_time=10, is_direct=False, service=None,
                 create=True):
        self.name = name
        # False for viewers: a database (or SQLite file) that does not exist raises
        # NoSuchDatabase instead of being created, and a SQLite file is opened as it is
        self.create = create
        self.service = service  # which service's settings (the spool records it)
        self.can_log = can_log
        extra = dict(config) if isinstance(config, dict) else {}
        if db_name:
            extra["db_name"] = db_name
        if ssl:
            extra["ssl"] = ssl
        self.settings = _settings.get_settings(service, extra or None)
        self.db_type = self.settings["db_type"]
        self.timeout = float(self.settings.get("db_timeout") or 10)
        self._lock = threading.RLock()
        self._conn = None
        self._in_transaction = False
        self._pid = os.getpid()
        self.time_zone = None  # MySQL session time zone (e.g. "+00:00"); None: the server's
        _instances.add(self)

    # -- description -------------------------------------------------
    def describe(self):
        """Where this database lives, without the password."""
        return _settings.describe(self.settings)

    @property
    def is_sqlite(self):
        return self.db_type == "sqlite"

    # -- connections -------------------------------------------------
    def _connect(self):
        if self.is_sqlite:
            return self._connect_sqlite()
        return self._connect_mysql()

    def _no_such_database(self):
        return NoSuchDatabase("no such database %s (viewers never create one)"
                              % self.describe())

    def _connect_sqlite(self):
        path = self.settings["db_path"]
        directory = os.path.dirname(os.path.abspath(path))
        if not self.create and not os.path.isfile(path):
            raise self._no_such_database()
        if not os.path.isdir(directory):
            makedirs_private(directory)  # private (parents too), as the spool and copies
        if not os.path.exists(path):  # made here: readable by its owner only
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        try:
            conn = sqlite3.connect(path, timeout=self.timeout, check_same_thread=False,
                                   isolation_level=None)
            conn.execute("PRAGMA busy_timeout=%d" % int(self.timeout * 1000))
            if self.create:  # a viewer leaves the file as it is (no switch to WAL)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as e:
            err = DatabaseError("cannot open SQLite database %s: %s" % (path, e))
            err.connection_error = True
            raise err
        if PY2:  # pragma: no cover
            conn.text_factory = lambda b: b.decode("utf-8", "replace")
        return conn

    def _mysql_args(self):
        s = self.settings
        args = dict(host=s["db_host"], port=int(s["db_port"]), user=s["db_user"],
                    password=s.get("db_password") or "", database=s["db_name"],
                    connection_timeout=max(1, int(self.timeout)), autocommit=True,
                    charset="utf8mb4", collation="utf8mb4_general_ci", use_unicode=True, use_pure=True,
                    get_warnings=False)
        if s.get("db_compress"):
            args["compress"] = True
        if self.time_zone:
            args["time_zone"] = self.time_zone
        if _driver_has("read_timeout"):  # a hung server must not hang us (newer drivers)
            args["read_timeout"] = args["write_timeout"] = max(1, int(round(self.timeout)))
        ssl = s.get("ssl") or {}
        if isinstance(ssl, dict) and ssl.get("enabled"):
            for ours, theirs in (("ca", "ssl_ca"), ("cert", "ssl_cert"), ("key", "ssl_key")):
                if ssl.get(ours):
                    args[theirs] = ssl[ours]
            # A CA is only worth giving if it is checked: verify unless "verify" is false
            # (mysql-connector alone would accept any server certificate).
            args["ssl_verify_cert"] = bool(ssl.get("verify", bool(ssl.get("ca"))))
            if ssl.get("verify_identity"):
                args["ssl_verify_identity"] = True
        else:
            args["ssl_disabled"] = True
        return args

    def _connect_mysql(self):
        try:
            import mysql.connector as driver
        except ImportError:
            raise DatabaseError("db_type is mysql but mysql-connector-python is not installed")
        args = self._mysql_args()
        try:
            try:
                return self._with_timeout(driver.connect(**args))
            except driver.errors.ProgrammingError as e:
                if getattr(e, "errno", None) != 1049:  # unknown database: create it
                    raise
                if not self.create:
                    raise self._no_such_database()
                name = args.pop("database")
                conn = driver.connect(**args)
                cur = conn.cursor()
                cur.execute("CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4"
                            % name.replace("`", "``"))
                cur.execute("USE `%s`" % name.replace("`", "``"))
                cur.close()
                return self._with_timeout(conn)
        except driver.errors.Error as e:
            denied = getattr(e, "errno", None) in _ACCESS_DENIED
            err = DatabaseError("%s %s: %s" % ("access denied to" if denied else
                                               "cannot connect to", self.describe(),
                                               _one_line(e)))
            err.connection_error = True  # rows wait (spooled) until the settings are right
            err.access_denied = denied
            raise err

    def _with_timeout(self, conn):
        """Older drivers (no read_timeout option, e.g. 8.0.23 on 2.7) drop the socket
        timeout after connecting: put it back, so a hung server cannot hang us."""
        if not _driver_has("read_timeout"):
            sock = getattr(conn, "_socket", None)
            if sock is not None and hasattr(sock, "set_connection_timeout"):
                sock.set_connection_timeout(self.timeout)
        return conn

    def _connection(self):
        if self._pid != os.getpid():  # forked: never share the parent's socket
            self._forked()
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _forked(self):
        """In a forked child: let go of the parent's connection without touching it (a
        close or a socket shutdown here would end the parent's session); the child
        connects anew on first use."""
        conn, self._conn = self._conn, None
        self._pid, self._in_transaction = os.getpid(), False
        if conn is not None:
            _abandon(conn)

    def close(self, wait=True):
        """Close the connection (a later statement reconnects); in a forked child the
        parent's connection is left alone.  With `wait` False, a connection another
        thread is using (e.g. waiting on a hung server) is left to that thread."""
        if self._pid != os.getpid():
            self._forked()
            return
        if not self._lock.acquire(wait):
            return
        try:
            conn, self._conn = self._conn, None
            if conn is not None:
                try:
                    conn.close()
                except Exception:  # a dead socket may refuse to close; it is gone anyway
                    pass
        finally:
            self._lock.release()

    # -- statements --------------------------------------------------
    def _execute(self, sql, params=None):
        """Run one statement with bound parameters; returns a fetched result."""
        if self.is_sqlite:
            sql = sqlite_dialect(sql)
        params = tuple(params) if params is not None else ()
        if tracer is not None:
            tracer(sql, params)
        with self._lock:
            retry = not self._in_transaction
            while True:
                conn = self._connection()
                try:
                    return self._run(conn, sql, params)
                except Exception as e:
                    if retry and self._is_lost_connection(e):
                        self.close()
                        retry = False
                        continue
                    raise self._translate(e, sql)

    def _run(self, conn, sql, params):
        cur = conn.cursor()
        try:
            cur.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
            return _Result(rows, cur.rowcount, cur.lastrowid, cur.description)
        finally:
            cur.close()

    def _is_lost_connection(self, e):
        if self.is_sqlite:
            return False
        if type(e).__name__ in _BAD_STATEMENT:  # the driver's own errors carry errno -1 too
            return False
        code = getattr(e, "errno", None)
        if code in _LOST_CONNECTION:
            return True
        return code is None and type(e).__name__ in ("InterfaceError", "OperationalError",
                                                      "ReadTimeoutError", "WriteTimeoutError")

    def _translate(self, e, sql):
        if isinstance(e, DatabaseError):
            return e
        err = DatabaseError("%s: %s [%s]" % (self.describe(), _one_line(e), sql[:200]))
        err.errno = getattr(e, "errno", None)
        err.original = e
        # "unreachable, retry later" as opposed to "this statement is bad"
        err.connection_error = self._is_lost_connection(e) or (
            isinstance(e, sqlite3.OperationalError) and "locked" in str(e))
        return err

    def _init_sqls(self, sqls):
        """Run idempotent schema statements (CREATE ... IF NOT EXISTS and the like)."""
        for sql in sqls:
            try:
                self._execute(sql)
            except DatabaseError as e:
                # MySQL has no CREATE INDEX IF NOT EXISTS before 10.1 / 8.0: tolerate dupes
                if getattr(e, "errno", None) in (1061, 1060, 1050) or "already exists" in str(e):
                    continue
                raise

    @contextlib.contextmanager
    def _transaction(self, isolation=None):
        """Run several statements atomically: ``with db._transaction(): ...``.

        `isolation` (MySQL only, e.g. "READ COMMITTED") lets a statement see rows other
        transactions committed after this one began (get-or-create; SQLite's BEGIN
        IMMEDIATE serializes writers anyway)."""
        with self._lock:
            if self._in_transaction:
                yield self
                return
            conn = self._connection()
            try:
                if self.is_sqlite:
                    conn.execute("BEGIN IMMEDIATE")
                elif isolation:
                    conn.start_transaction(isolation_level=isolation)
                else:
                    conn.start_transaction()
            except Exception as e:
                self.close()
                raise self._translate(e, "BEGIN")
            self._in_transaction = True
            try:
                yield self
                conn.commit()
            except BaseException:
                try:
                    conn.rollback()
                except Exception:  # connection already gone: the server rolled back
                    self.close()
                raise
            finally:
                self._in_transaction = False

    def _insert_many(self, table, columns, rows, prefix="INSERT INTO"):
        """Multi-row INSERT of `rows` in as few statements as the limits allow."""
        if not rows:
            return 0
        one = "(" + ",".join(["%s"] * len(columns)) + ")"
        head = "%s %s (%s) VALUES " % (prefix, table, ",".join(columns))
        per_stmt = MAX_BATCH_ROWS
        if self.is_sqlite:
            per_stmt = min(per_stmt, SQLITE_MAX_VARIABLES // len(columns))
        done = 0
        for chunk in _chunks(rows, per_stmt, MAX_BATCH_BYTES):
            params = [v for row in chunk for v in row]
            self._execute(head + ",".join([one] * len(chunk)), params)
            done += len(chunk)
        return done

    # Compatibility helpers the original's subclasses used.
    def get_timestamp(self):
        return time.time()


_instances = weakref.WeakSet()  # every mysql object: a forked child lets go of their sockets
_abandoned = []  # connections inherited through fork that could not be detached: never closed


def _abandon(conn):
    """Forget a connection inherited through fork without closing it: the MySQL socket
    is detached (so neither close() nor garbage collection can shut it down) and the
    child's copy of its descriptor closed; anything else is kept, unclosed, for good."""
    sock = getattr(getattr(conn, "_socket", None), "sock", None)
    try:
        os.close(sock.detach())
    except Exception:  # not a MySQL socket (SQLite), or it would not detach: keep it
        _abandoned.append(conn)


def _after_fork_in_child():
    """Every connection the parent had is its own: let go of them at once (a lock held
    by a parent's thread at fork time is replaced too)."""
    for db in list(_instances):
        db._lock = threading.RLock()
        db._forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _driver_has(option):
    """Whether mysql-connector-python accepts connection option `option`."""
    try:
        from mysql.connector import constants
    except ImportError:
        return False
    return option in getattr(constants, "DEFAULT_CONFIGURATION", {})


_SIZED = (bytes, text_type)  # values counted by their length; others as 8 bytes


def _chunks(rows, max_rows, max_bytes):
    chunk, size = [], 0
    for row in rows:
        row_size = sum(len(v) if isinstance(v, _SIZED) else 8 for v in row)
        if chunk and (len(chunk) >= max_rows or size + row_size > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(row)
        size += row_size
    if chunk:
        yield chunk


def _one_line(e):
    return " ".join(to_text(str(e)).split())


def connect(name, service, settings=None):
    """A database handle for one of our services (settings override the files)."""
    return mysql(name, config=settings, service=service)


def report(message):
    """Report a problem of the layer itself on stderr (never through the DB logger)."""
    try:
        sys.stderr.write("CryoCore: %s\n" % message)
        sys.stderr.flush()
    except Exception:  # stderr closed: nowhere left to report to
        pass

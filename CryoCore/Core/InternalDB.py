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

from . import _settings
from ._compat import PY2, text_type, to_text
from ._exceptions import DatabaseError

# Driver error numbers meaning "the connection is gone; reconnect and retry".
_LOST_CONNECTION = (-1, 1927, 2003, 2006, 2013, 2055, 3024, 4031)  # 3024: read timeout
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
    (re.compile(r"\bAS\s+BINARY\)", re.I), "AS BLOB)"),  # CAST(x AS BINARY): bytes as they are
    (re.compile(r"\bINT(EGER)?\s+(NOT\s+NULL\s+)?PRIMARY\s+KEY\s+AUTOINCREMENT", re.I),
     "INTEGER PRIMARY KEY AUTOINCREMENT"),
]


_DIALECT_CACHE = {}      # statement -> its SQLite form (multi-row INSERTs repeat a lot)
_DIALECT_CACHE_MAX = 256
_DIALECT_CACHE_MAX_LEN = 65536


def sqlite_dialect(sql):
    """Rewrite the MySQL dialect our code and subclasses use into SQLite's."""
    out = _DIALECT_CACHE.get(sql)
    if out is not None:
        return out
    out = sql
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
                 num_connections=3, min_conn_time=10, is_direct=False, service=None):
        self.name = name
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

    def _connect_sqlite(self):
        path = self.settings["db_path"]
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            os.makedirs(directory)
        try:
            conn = sqlite3.connect(path, timeout=self.timeout, check_same_thread=False,
                                   isolation_level=None)
            conn.execute("PRAGMA busy_timeout=%d" % int(self.timeout * 1000))
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
                name = args.pop("database")
                conn = driver.connect(**args)
                cur = conn.cursor()
                cur.execute("CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4"
                            % name.replace("`", "``"))
                cur.execute("USE `%s`" % name.replace("`", "``"))
                cur.close()
                return self._with_timeout(conn)
        except driver.errors.Error as e:
            err = DatabaseError("cannot connect to %s: %s" % (self.describe(), _one_line(e)))
            err.connection_error = True
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
            self._conn, self._pid = None, os.getpid()
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def close(self):
        """Close the connection (a later statement reconnects)."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                try:
                    conn.close()
                except Exception:  # a dead socket may refuse to close; it is gone anyway
                    pass

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
    def _transaction(self):
        """Run several statements atomically: ``with db._transaction(): ...``."""
        with self._lock:
            if self._in_transaction:
                yield self
                return
            conn = self._connection()
            try:
                if self.is_sqlite:
                    conn.execute("BEGIN IMMEDIATE")
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

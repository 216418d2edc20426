# -*- coding: utf-8 -*-
"""The Log service on both backends: rows, caller info, prefixes, bad input, no loss."""
from __future__ import absolute_import, division, print_function

import logging
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import CryoCore
from CryoCore import API
from CryoCore.Core import InternalDB, _runtime, _schema, loggingService
from CryoCore.Core._compat import PY2, text_type

from conftest import ROOT, write_settings

HERE = os.path.basename(__file__).rsplit(".", 1)[0]
TAILLOG = os.path.join(ROOT, "CryoCore", "Tools", "TailLog.py")


def rows(backend, where="", params=()):
    """Everything stored so far: (message, level, line, func, module, logger) by id."""
    assert API.flush(30)
    return [tuple(r) for r in backend.sql(
        "SELECT message, level, line, func, module, logger FROM log %s ORDER BY id" % where,
        params)]


def line_of(marker):
    """The line number of this file that contains `marker`."""
    with open(__file__.replace(".pyc", ".py")) as f:
        for number, text in enumerate(f, 1):
            if marker in text:
                return number
    raise AssertionError(marker)


# -- the seed's example, end to end with real processes -----------------------
SEED_EXAMPLE = u'''\
import CryoCore

log = CryoCore.API.get_log("MyModule")
log.debug("a debug message")
log.info("Information message")
log.warning("Something slightly bad happened")
log.error("Something very bad happened")
log.fatal("Something incredibly bad, like, insanely bad, occurred")
try:
    raise ValueError("the seed's ... made concrete")
except Exception:
    log.exception("I got an exception")
'''


@pytest.mark.smoke
def test_seed_example_as_a_script_then_taillog_shows_its_module_and_lines(backend, tmp_path):
    """Each row names the script's module and the line of its log call, as TailLog shows."""
    script = tmp_path / "seed_log_example.py"
    script.write_text(SEED_EXAMPLE)
    subprocess.check_call([sys.executable, str(script)], env=backend.env(), cwd=str(tmp_path))
    out = subprocess.check_output([sys.executable, TAILLOG, "--bw"], env=backend.env(),
                                  cwd=str(tmp_path)).decode("utf-8")
    lines = [l for l in out.splitlines() if "][    seed_log_example (" in l]
    expected = [(4, "DEBUG", "a debug message"), (5, "INFO", "Information message"),
                (6, "WARNING", "Something slightly bad happened"),
                (7, "ERROR", "Something very bad happened"),
                (8, "CRITICAL", "Something incredibly bad, like, insanely bad, occurred"),
                (12, "ERROR", "I got an exception")]
    assert len(lines) == len(expected)
    for line, (number, level, message) in zip(lines, expected):
        assert line.endswith("[%7s][    seed_log_example (%4d)][  MyModule] %s"
                             % (level, number, message))
    assert "ValueError: the seed's ... made concrete" in out
    assert "Traceback (most recent call last)" in out


# -- records -------------------------------------------------------------------
@pytest.mark.smoke
def test_record_columns_are_the_callers_own(backend):
    """message, level, time, msecs, line, func, module and logger of the caller."""
    log = API.get_log("UnitTest")
    before = time.time()
    log.info("hello %s", "world")  # MARK-plain
    stored = backend.sql("SELECT message, level, time, msecs, line, func, module, logger "
                         "FROM log") if API.flush(30) else []
    assert len(stored) == 1
    message, level, created, msecs, line, func, module, logger = stored[0]
    assert (message, level, line, func, module, logger) == (
        "hello world", logging.INFO, line_of("MARK-plain"),
        "test_record_columns_are_the_callers_own", HERE, "UnitTest")
    assert before - 1 <= created <= time.time() + 1
    assert 0 <= msecs < 1000


@pytest.mark.smoke
def test_logger_is_a_plain_logger_at_debug_not_propagating(backend):
    """get_log gives one plain Logger per name, level DEBUG, not propagating."""
    log = API.get_log("Plain")
    assert isinstance(log, logging.Logger)
    assert log.level == logging.DEBUG and log.propagate is False
    assert API.get_log("Plain") is log
    assert CryoCore.get_log("Plain") is log
    assert loggingService.getLoggingService("Plain") is log


@pytest.mark.smoke
def test_prefix_keeps_the_callers_line_and_takes_the_first_request(backend):
    """A prefix (text or callable) is prepended without adding a stack frame."""
    log = API.get_log("Pre", prefix="[cam 1] ")
    assert API.get_log("Pre", prefix="ignored ") is log
    counter = [0]

    def dynamic():
        counter[0] += 1
        return u"<%d> " % counter[0]

    dyn = API.get_log("Dyn", prefix=dynamic)
    log.warning("%d%% done", 50)  # MARK-prefix
    dyn.info("tick")  # MARK-callable
    log.info("100%")
    got = rows(backend)
    assert got[0] == (u"[cam 1] 50% done", logging.WARNING, line_of("MARK-prefix"),
                      "test_prefix_keeps_the_callers_line_and_takes_the_first_request",
                      HERE, "Pre")
    assert got[1][0] == u"<1> tick" and got[1][2] == line_of("MARK-callable")
    assert got[2][0] == u"[cam 1] 100%"


def test_prefix_with_percent_and_arguments(backend):
    """A % in the prefix is text, also when the message has %-arguments."""
    log = API.get_log("Pct", prefix="100% ")
    log.info("a %s", "b")
    log.info("plain")
    assert [r[0] for r in rows(backend)] == [u"100% a b", u"100% plain"]


@pytest.mark.smoke
def test_exception_and_exc_info_append_the_traceback(backend):
    """log.exception and exc_info=True store the message with the full traceback."""
    log = API.get_log("Exc")
    try:
        {}["missing"]
    except KeyError:
        log.exception("lookup failed")
        log.warning("again", exc_info=True)
    got = rows(backend)
    assert got[0][0].startswith(u"lookup failed\nTraceback (most recent call last):")
    assert u"KeyError: 'missing'" in got[0][0] and got[0][1] == logging.ERROR
    assert u"KeyError" in got[1][0] and got[1][1] == logging.WARNING


def test_stack_info_is_appended(backend):
    """stack_info=True stores the stack after the message (Python 3)."""
    if PY2:
        pytest.skip("stack_info is Python 3 only")
    API.get_log("Stack").info("where am I", stack_info=True)
    message = rows(backend)[0][0]
    assert message.startswith(u"where am I\nStack (most recent call last):")


@pytest.mark.smoke
def test_set_log_level_by_name_and_number(backend):
    """set_log_level by name or number applies to every logger, later ones too."""
    log = API.get_log("Lvl")
    API.set_log_level("warning")
    log.info("dropped")
    log.warning("kept")
    assert API.get_log("Later").level == logging.WARNING  # also loggers made afterwards
    API.set_log_level(logging.DEBUG)
    log.debug("back")
    assert [r[0] for r in rows(backend)] == [u"kept", u"back"]
    assert API.log_level_str["ERROR"] == logging.ERROR and API.log_level[logging.INFO] == "INFO"
    with pytest.raises(ValueError) as e:
        API.set_log_level("LOUD")
    assert "LOUD" in str(e.value)


def test_handlers_users_add_keep_working_and_reset_gives_a_fresh_handler(backend):
    """Users' own handlers keep working; after reset there is one db handler, not two."""
    log = API.get_log("UserH")
    seen = []

    class Collect(logging.Handler):
        def emit(self, record):
            seen.append(self.format(record))

    log.addHandler(Collect())
    log.info("one")
    assert [(r[0], r[4], r[5]) for r in rows(backend)] == [(u"one", HERE, "UserH")]
    API.reset()
    again = API.get_log("UserH")
    again.info("two")
    assert [r[0] for r in rows(backend)] == [u"one", u"two"]  # one db handler, not two
    assert seen == ["one", "two"]
    assert sum(isinstance(h, loggingService.DbHandler) for h in again.handlers) == 1


def test_a_logger_the_program_made_first_is_used_as_it_is(backend):
    """A logger the program made first is used as it is, with its caller's line."""
    own = logging.getLogger("MadeFirst")
    log = API.get_log("MadeFirst")
    assert log is own and log.propagate is False
    log.info("kept")  # MARK-own
    assert rows(backend)[0][:3] == (u"kept", logging.INFO, line_of("MARK-own"))


# -- bad input ------------------------------------------------------------------
def test_one_megabyte_message_is_truncated_with_a_marker(backend):
    """A 1 MiB message is cut to 64 KiB of UTF-8 with a marker; the next is intact."""
    log = API.get_log("Big")
    log.info(u"é" * (512 * 1024))  # 1 MiB in UTF-8
    log.info("after")
    got = rows(backend)
    assert len(got) == 2 and got[1][0] == u"after"
    message = got[0][0]
    assert message.endswith(u" [... truncated from 1048576 bytes]")
    assert len(message.encode("utf-8")) <= 65535
    assert message.startswith(u"é" * 1000)


def test_non_utf8_bytes_and_undecodable_text_are_stored(backend):
    """Bytes, surrogate-escaped text and emoji messages are stored, never dropped."""
    log = API.get_log("Bytes")
    log.info(b"caf\xe9 \xff")
    if not PY2:
        log.info(u"file \udcff.txt")  # os.fsdecode of a non-UTF-8 file name
    log.info(u"emoji \U0001F600 ok")
    got = [r[0] for r in rows(backend)]
    assert got[-1] == u"emoji \U0001F600 ok"
    assert u"caf" in got[0]
    if not PY2:
        assert got[0] == u"b'caf\\xe9 \\xff'"  # what logging itself makes of bytes
        assert got[1] == u"file \\udcff.txt"


@pytest.mark.smoke
def test_percent_mistakes_do_not_crash_and_keep_the_record(backend, tmp_path):
    """logging's own error report on stderr; the program goes on; the row is kept."""
    script = tmp_path / "fmt.py"
    script.write_text(textwrap.dedent(u"""
        from CryoCore import API
        log = API.get_log("Fmt")
        log.info("%d items", "many")
        log.info("%s and %s", "one")
        log.info("100% sure")  # no args: no formatting at all
        print("still running")
    """))
    proc = subprocess.Popen([sys.executable, str(script)], env=backend.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    assert proc.returncode == 0 and out.strip() == b"still running"
    assert err.count(b"Traceback") == 2 and b"fmt.py" in err  # logging.Handler.handleError
    got = [r[0] for r in backend.sql("SELECT message FROM log ORDER BY id")]
    assert got[0].startswith(u"%d items") and u"many" in got[0]
    assert got[1].startswith(u"%s and %s") and got[2] == u"100% sure"


def test_long_logger_module_and_function_names_are_clipped(backend):
    """A 400-character logger name is clipped to the column's 255."""
    name = "L" * 400
    API.get_log(name).info("x")
    got = rows(backend)
    assert got[0][5] == "L" * 255


# -- never lost, never blocking -------------------------------------------------------
@pytest.mark.smoke
def test_error_is_stored_at_once(backend):
    """ERROR wakes the writer: stored long before the writer's next interval."""
    _schema.ensure(InternalDB.mysql("t", config=backend.settings), "log")
    w = _runtime.writer()
    w.interval = 30
    log = API.get_log("Urgent")
    log.info("quiet")
    log.error("loud")
    deadline = time.time() + 10
    while time.time() < deadline:
        if backend.sql("SELECT COUNT(*) FROM log WHERE message = %s", ("loud",))[0][0]:
            break
        time.sleep(0.05)
    assert time.time() < deadline


def _count_in_subprocess(backend, tmp_path, code):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(code))
    start = time.time()
    subprocess.check_call([sys.executable, str(script)], env=backend.env(), cwd=str(tmp_path))
    return time.time() - start


@pytest.mark.smoke
def test_records_logged_just_before_shutdown_are_all_stored(backend, tmp_path):
    """2,000 records logged just before shutdown() are all stored, in order."""
    _count_in_subprocess(backend, tmp_path, u"""
        from CryoCore import API
        log = API.get_log("Burst")
        for i in range(2000):
            log.info("record %d", i)
        API.shutdown()
    """)
    got = backend.sql("SELECT message FROM log WHERE logger = %s ORDER BY id", ("Burst",))
    assert [r[0] for r in got] == ["record %d" % i for i in range(2000)]


def test_program_that_never_calls_shutdown_keeps_every_record(backend, tmp_path):
    """A program that never calls shutdown() still stores every record at exit."""
    took = _count_in_subprocess(backend, tmp_path, u"""
        from CryoCore import API
        log = API.get_log("NoShutdown")
        for i in range(2000):
            log.debug("record %d", i)
        log.critical("last words")
    """)
    got = backend.sql("SELECT COUNT(*), MAX(level) FROM log WHERE logger = %s",
                      ("NoShutdown",))
    assert tuple(got[0]) == (2001, logging.CRITICAL)
    assert took < 20


def test_threads_and_two_processes_logging_at_once_lose_nothing(backend, tmp_path):
    """Threads and two processes logging at once lose no record."""
    code = u"""
        import sys
        from CryoCore import API
        log = API.get_log("Proc" + sys.argv[1])
        for i in range(1500):
            log.info("p %d", i)
    """
    script = tmp_path / "proc.py"
    script.write_text(textwrap.dedent(code))
    procs = [subprocess.Popen([sys.executable, str(script), str(n)], env=backend.env(),
                              cwd=str(tmp_path)) for n in (1, 2)]

    def worker(n):
        log = API.get_log("Thread%d" % n)
        for i in range(1000):
            log.info("t %d", i)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.wait(60) for p in procs] == [0, 0]
    assert API.flush(30)
    counts = dict((r[0], (r[1], r[2])) for r in backend.sql(
        "SELECT logger, COUNT(*), COUNT(DISTINCT message) FROM log GROUP BY logger"))
    expected = dict(("Thread%d" % n, (1000, 1000)) for n in range(4))
    expected.update({"Proc1": (1500, 1500), "Proc2": (1500, 1500)})
    assert counts == expected


def test_unreachable_log_database_never_reaches_the_caller(tmp_path, monkeypatch, capsys):
    """The caller returns at once; the writer reports on stderr, not through the logger."""
    settings = {"db_type": "mysql", "db_host": "127.0.0.1", "db_port": 1, "db_name": "x",
                "db_timeout": 1}
    monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(tmp_path / "s.json", settings))
    monkeypatch.setattr(API, "shutdown_grace_period", 0.5)  # give up on the rows quickly
    API.reset()
    log = API.get_log("Down")
    start = time.time()
    for i in range(500):
        log.error("cannot store %d", i)
    assert time.time() - start < 1.0
    API.reset()
    err = capsys.readouterr().err
    assert "cannot connect" in err  # reported by the writer on stderr


# -- config on SQLite, logs on MariaDB ------------------------------------------------
def test_config_on_sqlite_with_logs_on_mariadb(tmp_path, monkeypatch):
    """override_log sends logs to MariaDB while config stays on SQLite."""
    from conftest import (MYSQL_SERVER, drop_mysql_database, new_mysql_database,
                          require_mysql)
    require_mysql()
    name = new_mysql_database()
    sqlite_path = str(tmp_path / "local.db")
    settings = {"db_type": "sqlite", "db_path": sqlite_path,
                "override_log": dict(MYSQL_SERVER, db_type="mysql", db_name=name)}
    monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(tmp_path / "s.json", settings))
    API.reset()
    try:
        assert API.get_config_db("log")["db_type"] == "mysql"
        cfg = API.get_config("MyModule")
        cfg.set_default("version", "1.2")
        API.get_log("Split").warning("version %s to MariaDB" % cfg["version"])
        API.shutdown()
        from conftest import mysql_connect
        conn = mysql_connect(name)
        cur = conn.cursor()
        cur.execute("SELECT message, logger FROM log")
        assert [tuple(r) for r in cur.fetchall()] == [("version 1.2 to MariaDB", "Split")]
        cur.execute("SHOW TABLES")
        assert [r[0] for r in cur.fetchall()] == ["log"]  # the config stayed local
        conn.close()
        import sqlite3
        local = sqlite3.connect(sqlite_path)
        tables = set(r[0] for r in local.execute("SELECT name FROM sqlite_master"))
        assert "config" in tables and "log" not in tables
        assert local.execute("SELECT value FROM config WHERE name = 'version'").fetchall() == \
            [("1.2",)]
        local.close()
    finally:
        API.reset()
        drop_mysql_database(name)


def test_text_type_messages_round_trip(backend):
    """Non-ASCII text messages come back as the same text type."""
    API.get_log("Text").info(u"Æøå %s", u"ß")
    got = rows(backend)[0][0]
    assert isinstance(got, text_type) and got == u"Æøå ß"



CALL_FORMS = u'''\
import logging, sys
from CryoCore import API
from CryoCore.Core import loggingService
PY3 = sys.version_info[0] >= 3
fast = API.get_log("fast")                      # only our handler: the short path on 3.x
assert (type(fast).__name__ == "_FastLogger") == PY3
slow = API.get_log("slow")
slow.addHandler(logging.NullHandler())          # another listener: logging's own path
pre = API.get_log("pre", prefix="P ")
plain = logging.getLogger("plain")              # a logger of the program's own
plain.propagate = False
plain.setLevel(logging.DEBUG)
plain.addHandler(loggingService.DbHandler())
def helper(log):
    log.info("v via helper", stacklevel=2)
def caller():
    for log in (fast, slow, pre, plain):
        log.info("a")
        log.log(logging.INFO, "b %s", "arg")
        log.warning("c %(k)s", {"k": "map"})
        try:
            1 / 0
        except Exception:
            log.exception("d")
        if PY3:
            log.info("e", stack_info=True)
            helper(log)
caller()
'''


@pytest.mark.smoke
def test_every_call_form_records_the_callers_line_on_both_paths(backend, tmp_path):
    """Short path, logging's path, prefix, a program's own logger: the caller's line."""
    script = tmp_path / "callers.py"
    script.write_text(CALL_FORMS)
    subprocess.check_call([sys.executable, str(script)], env=backend.env())
    source = CALL_FORMS.splitlines()

    def line(fragment):
        return [n for n, text in enumerate(source, 1) if fragment in text][0]

    lines = {"a": line('log.info("a")'), "b": line("log.log("), "c": line("log.warning("),
             "d": line("log.exception("), "e": line('log.info("e"'),
             "v": line("    helper(log)")}  # stacklevel=2 names the helper's caller
    got = backend.sql("SELECT logger, line, func, module, message FROM log ORDER BY id")
    per_logger = 6 if not PY2 else 4
    assert len(got) == 4 * per_logger
    for logger, line, func, module, message in got:
        letter = message[2:3] if logger == "pre" else message[:1]
        assert (logger, line, func, module) == (logger, lines[letter], "caller", "callers"), \
            message
    messages = [r[4] for r in got if r[0] == "pre"]
    assert messages[:3] == [u"P a", u"P b arg", u"P c map"]


def test_existing_table_with_other_column_sizes_is_respected(backend):
    """An existing MySQL table is used in place; messages fit its own column."""
    if backend.kind != "mysql":
        pytest.skip("SQLite columns have no size")
    backend.sql("""CREATE TABLE log (id INTEGER PRIMARY KEY AUTO_INCREMENT, message VARCHAR(100),
        level INTEGER, time DOUBLE, msecs DOUBLE, line INTEGER, func VARCHAR(255),
        module VARCHAR(255), logger VARCHAR(20)) CHARACTER SET utf8mb4""")
    API.get_log("AVeryLongLoggerNameIndeed").info(u"x" * 300)
    (message, _, _, _, _, logger), = rows(backend)
    assert logger == "AVeryLongLoggerNameI"
    assert len(message) <= 100 and message.endswith(u" [... truncated from 300 bytes]")


def test_user_without_create_rights_logs_into_an_existing_table(backend, tmp_path, monkeypatch):
    """An installation whose user may only read and insert still logs."""
    if backend.kind != "mysql":
        pytest.skip("MariaDB privileges")
    from conftest import mysql_connect
    _schema.ensure(InternalDB.mysql("t", config=backend.settings), "log")
    user = "cclog_%d" % os.getpid()
    root = mysql_connect()
    cur = root.cursor()
    cur.execute("CREATE USER '%s'@'%%' IDENTIFIED BY 'pw'" % user)
    try:
        cur.execute("GRANT SELECT, INSERT ON `%s`.* TO '%s'@'%%'"
                    % (backend.settings["db_name"], user))
        limited = dict(backend.settings, db_user=user, db_password="pw")
        monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(tmp_path / "l.json", limited))
        API.reset()
        API.get_log("Limited").info("stored anyway")
        API.shutdown()
        assert [r[0] for r in backend.sql("SELECT message FROM log")] == ["stored anyway"]
    finally:
        cur.execute("DROP USER '%s'@'%%'" % user)
        root.close()

# -*- coding: utf-8 -*-
"""TailLog on both backends: the exact line, selection, filters, grep, clear, follow."""
from __future__ import absolute_import, division, print_function

import argparse
import io
import os
import subprocess
import sys
import time

import pytest

from CryoCore.Core import InternalDB, _schema
from CryoCore.Tools import TailLog

from conftest import ROOT, Lines, wait_exit

TAILLOG = os.path.join(ROOT, "CryoCore", "Tools", "TailLog.py")
T0 = 1470130936.25  # Tue Aug  2 2016, as in the seed


def add(backend, rows):
    """Insert (message, level, time, line, module, logger) rows; returns the db handle."""
    db = InternalDB.mysql("test", config=backend.settings)
    _schema.ensure(db, "log")
    db._insert_many("log", ("message", "level", "time", "msecs", "line", "func", "module",
                            "logger"),
                    [(m, lv, t, 250.0, ln, "f", mod, lg) for m, lv, t, ln, mod, lg in rows])
    return db


def run(capsys, *argv):
    """main(argv) -> (exit code, stdout lines, stderr)."""
    code = TailLog.main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def run_edge(capsys, *argv):
    """Through _common.run, as the console script does (errors become one line)."""
    from CryoCore.Tools import _common
    code = _common.run(TailLog.main, list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def msgs(lines):
    return [l.rsplit("] ", 1)[1] for l in lines]


@pytest.mark.smoke
def test_bw_line_is_exactly_the_original_format(backend, capsys):
    """With --bw each row is exactly the original's line, long fields included."""
    add(backend, [("Callback thread started", 20, T0, 132, "Status", "UnitTest"),
                  ("fire!", 50, T0 + 1, 7, "a_rather_long_module_name_here", "LongLoggerName")])
    code, lines, _ = run(capsys, "--bw")
    assert code == 0
    assert lines == [
        "%s [   INFO][              Status ( 132)][  UnitTest] Callback thread started"
        % time.ctime(T0),
        "%s [CRITICAL][a_rather_long_module_name_here (   7)][LongLoggerName] fire!"
        % time.ctime(T0 + 1)]


def test_colour_by_level_only_on_a_terminal(backend):
    """Rows are coloured by level on a terminal only."""
    class Tty(object):
        def __init__(self):
            self.parts = []

        def isatty(self):
            return True

        def write(self, text):
            self.parts.append(text)

        def flush(self):
            return None

    rows = [(1, T0, 40, "m", 1, "l", "bad"), (2, T0, 20, "m", 2, "l", "fine")]
    args = TailLog.build_parser().parse_args([])
    tty = Tty()
    TailLog.Printer(args, tty).rows(rows)
    text = "".join(tty.parts)
    assert "\033[31m" in text and "bad" in text and "\033[32m" in text
    bw = Tty()
    TailLog.Printer(TailLog.build_parser().parse_args(["--bw"]), bw).rows(rows)
    assert "\033[" not in "".join(bw.parts)


def test_n_all_and_default_200(backend, capsys):
    """By default the last 200 rows, -n N the last N, -a all, oldest first."""
    add(backend, [("row %d" % i, 20, T0 + i, i, "m", "l") for i in range(250)])
    _, lines, _ = run(capsys, "--bw")
    assert msgs(lines) == ["row %d" % i for i in range(50, 250)]
    _, lines, _ = run(capsys, "--bw", "-n", "3")
    assert msgs(lines) == ["row 247", "row 248", "row 249"]
    _, lines, _ = run(capsys, "--bw", "-a")
    assert len(lines) == 250 and msgs(lines)[0] == "row 0"


def test_paging_through_all_rows(backend, capsys, monkeypatch):
    """-a reads a big table page by page without losing or repeating rows."""
    monkeypatch.setattr(TailLog, "PAGE_ROWS", 7)
    add(backend, [("row %d" % i, 20, T0 + i, i, "m", "l") for i in range(30)])
    _, lines, _ = run(capsys, "--bw", "-a")
    assert msgs(lines) == ["row %d" % i for i in range(30)]


def test_since_epoch_relative_and_ctime(backend, capsys):
    """--since takes epoch, negative seconds, ctime text and 10m/3h forms."""
    now = time.time()
    add(backend, [("old", 20, now - 7200, 1, "m", "l"), ("recent", 20, now - 30, 2, "m", "l")])
    assert msgs(run(capsys, "--bw", "-s", "10m")[1]) == ["recent"]
    assert msgs(run(capsys, "--bw", "--since", "-3600")[1]) == ["recent"]
    assert msgs(run(capsys, "--bw", "--since", "%f" % (now - 8000))[1]) == ["old", "recent"]
    assert msgs(run(capsys, "--bw", "--since", time.ctime(now - 60))[1]) == ["recent"]
    assert msgs(run(capsys, "--bw", "--since", "3h", "-n", "1")[1]) == ["recent"]


def test_level_module_logger_alone_and_together(backend, capsys):
    """--level, --module and --logger filter alone and together; repeats mean any."""
    add(backend, [("a", 10, T0, 1, "cam", "Camera"), ("b", 30, T0, 2, "cam", "Camera"),
                  ("c", 40, T0, 3, "gps", "Camera"), ("d", 40, T0, 4, "cam", "Other"),
                  ("e", 50, T0, 5, "gps", "Nav")])
    assert msgs(run(capsys, "--bw", "--level", "warning")[1]) == ["b", "c", "d", "e"]
    assert msgs(run(capsys, "--bw", "--level", "40")[1]) == ["c", "d", "e"]
    assert msgs(run(capsys, "--bw", "--module", "cam")[1]) == ["a", "b", "d"]
    assert msgs(run(capsys, "--bw", "--logger", "Camera")[1]) == ["a", "b", "c"]
    assert msgs(run(capsys, "--bw", "--module", "cam", "--logger", "Camera")[1]) == ["a", "b"]
    assert msgs(run(capsys, "--bw", "--module", "cam", "--logger", "Camera",
                    "--level", "WARN")[1]) == ["b"]
    assert msgs(run(capsys, "--bw", "--logger", "Nav", "--logger", "Other")[1]) == ["d", "e"]


@pytest.mark.smoke
def test_list_modules_and_loggers(backend, capsys):
    """--list modules and --list loggers print the distinct names, sorted."""
    add(backend, [("a", 10, T0, 1, "cam", "Camera"), ("b", 10, T0, 1, "gps", "Nav"),
                  ("c", 10, T0, 1, "cam", "Nav")])
    assert run(capsys, "--list", "modules")[1] == ["cam", "gps"]
    assert run(capsys, "--list", "loggers")[1] == ["Camera", "Nav"]


def test_keywords_match_any_of_them_literally(backend, capsys):
    """Keywords match any of them literally (% and _ too) in message, module, logger."""
    add(backend, [("disk 100% full", 30, T0, 1, "m", "l"), ("disk 1000 full", 30, T0, 2, "m", "l"),
                  ("temp_high", 30, T0, 3, "m", "l"), ("tempXhigh", 30, T0, 4, "m", "l"),
                  ("quiet", 20, T0, 5, "Sensor", "l")])
    assert msgs(run(capsys, "--bw", "100%")[1]) == ["disk 100% full"]
    assert msgs(run(capsys, "--bw", "temp_", "SENSOR")[1]) == ["temp_high", "quiet"]


def test_grep_with_context_and_separators(backend, capsys):
    """--grep with -C/-A/-B/-i shows matches with context and -- separators."""
    add(backend, [("line %d%s" % (i, " HIT" if i in (3, 4, 12) else ""), 20, T0, i, "m", "l")
                  for i in range(20)])
    _, lines, _ = run(capsys, "--bw", "--grep", r"HIT$", "-C", "1")
    assert [l if l == "--" else l.rsplit("] ", 1)[1] for l in lines] == [
        "line 2", "line 3 HIT", "line 4 HIT", "line 5", "--", "line 11", "line 12 HIT",
        "line 13"]
    _, lines, _ = run(capsys, "--bw", "--grep", "hit", "-i", "-C", "0")
    assert msgs([l for l in lines if l != "--"]) == ["line 3 HIT", "line 4 HIT", "line 12 HIT"]
    _, lines, _ = run(capsys, "--bw", "--grep", "line 19", "-B", "2", "-A", "0")
    assert msgs(lines) == ["line 17", "line 18", "line 19"]


@pytest.mark.smoke
def test_clear_all_asks_and_yes_skips(backend, capsys):
    """--clear-all refuses without a terminal unless --yes; --yes deletes every row."""
    db = add(backend, [("a", 10, T0, 1, "m", "l"), ("b", 10, T0, 1, "m", "l")])
    code, _, err = run_edge(capsys, "--clear-all")  # stdin is not a terminal under pytest
    assert code == 1 and err.startswith("Error: ") and "--yes" in err
    assert db._execute("SELECT COUNT(*) FROM log").fetchone()[0] == 2
    code, lines, _ = run(capsys, "--clear-all", "--yes")
    assert code == 0 and lines == ["Deleted 2 log rows"]
    assert db._execute("SELECT COUNT(*) FROM log").fetchone()[0] == 0


def test_clear_all_on_a_terminal_takes_no_for_an_answer(backend, capsys, monkeypatch):
    """On a terminal --clear-all deletes only after a yes."""
    db = add(backend, [("a", 10, T0, 1, "m", "l")])

    class Terminal(object):
        def __init__(self, answer):
            self.answer = answer

        def isatty(self):
            return True

        def readline(self):
            return self.answer

    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    code, _, err = run_edge(capsys, "--clear-all")
    assert code == 1 and "Delete all 1 log rows" in err and "nothing deleted" in err
    assert db._execute("SELECT COUNT(*) FROM log").fetchone()[0] == 1
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    assert run(capsys, "--clear-all")[0] == 0
    assert db._execute("SELECT COUNT(*) FROM log").fetchone()[0] == 0


def test_clear_all_reads_the_answer_from_a_pipe(backend, capsys, monkeypatch):
    """Without a terminal --clear-all takes its answer from standard input, as TailStatus."""
    db = add(backend, [("a", 10, T0, 1, "m", "l")])
    monkeypatch.setattr(sys, "stdin", io.StringIO(u"n\n"))
    assert run_edge(capsys, "--clear-all")[0] == 1
    assert db._execute("SELECT COUNT(*) FROM log").fetchone()[0] == 1
    monkeypatch.setattr(sys, "stdin", io.StringIO(u"y\n"))
    code, lines, err = run(capsys, "--clear-all")
    assert code == 0 and lines == ["Deleted 1 log rows"] and err == ""
    assert db._execute("SELECT COUNT(*) FROM log").fetchone()[0] == 0


@pytest.mark.smoke
@pytest.mark.parametrize("argv, fragment", [
    (["--level", "LOUD"], "unknown level 'LOUD'"),
    (["--since", "yesterday"], "cannot parse time 'yesterday'"),
    (["--grep", "("], "bad --grep pattern"),
    (["-n", "-5"], "-n takes a number >= 0"),
])
def test_bad_input_is_one_line_error_and_nothing_is_lost(backend, capsys, argv, fragment):
    """Bad flags are one Error line, exit 1, and delete nothing."""
    db = add(backend, [("keep me", 20, T0, 1, "m", "l")])
    code, lines, err = run_edge(capsys, *argv)
    assert code == 1 and lines == []
    assert err.startswith("Error: ") and fragment in err and err.count("\n") == 1
    assert db._execute("SELECT COUNT(*) FROM log").fetchone()[0] == 1


def test_empty_or_new_database_shows_nothing(backend, capsys):
    """A new empty database shows nothing and exits 0."""
    if backend.kind == "sqlite":  # a file that does not exist is an error (issue 11)
        open(backend.settings["db_path"], "a").close()
    assert run(capsys, "--bw") == (0, [], "")


def test_completion_of_logger_and_module_names(backend):
    """Logger, module and level names complete from the database ("_" literal)."""
    add(backend, [("a", 10, T0, 1, "camera_driver", "Camera"), ("b", 10, T0, 1, "cam_x", "Nav"),
                  ("c", 10, T0, 1, "gps", "CamLog")])
    parsed = argparse.Namespace(**dict((f, None) for f in TailLog._common.DB_FLAGS))
    loggers = TailLog._column_completer("logger")
    modules = TailLog._column_completer("module")
    assert sorted(loggers("Cam", parsed_args=parsed)) == ["CamLog", "Camera"]
    assert modules("cam_", parsed_args=parsed) == ["cam_x"]  # "_" is literal
    assert TailLog._choices_completer(TailLog.LEVELS)("wa") == ["WARNING"]


# -- real processes -------------------------------------------------------------
@pytest.mark.smoke
def test_help_and_subprocess_run(backend):
    """-h as a process lists --grep and --clear-all."""
    out = subprocess.check_output([sys.executable, TAILLOG, "-h"], env=backend.env())
    assert b"--grep" in out and b"--clear-all" in out


def test_closed_pipe_ends_quietly(backend):
    """A reader that closes the pipe after one line: exit 0, nothing on stderr."""
    add(backend, [("row %d" % i, 20, T0, i, "m", "l") for i in range(3000)])
    proc = subprocess.Popen([sys.executable, TAILLOG, "--bw", "-a"], env=backend.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert wait_exit(proc, 30) == 0
    assert b"row 0" in first and err == b""


class Follower(object):
    """TailLog -f in a subprocess; lines arrive on a background reader."""

    def __init__(self, backend, *argv):
        self.proc = subprocess.Popen([sys.executable, TAILLOG, "--bw", "-f"] + list(argv),
                                     env=backend.env(), stdout=subprocess.PIPE)
        self.output = Lines(self.proc)
        self.lines = self.output.lines

    def wait_for(self, text, timeout):
        """Whether a line ending in `text` arrived within `timeout` seconds."""
        return self.output.wait_for(lambda lines: any(l.endswith(text) for l in lines), timeout)

    def stop(self):
        self.proc.terminate()
        wait_exit(self.proc, 10)
        self.output.thread.join(5)


@pytest.mark.smoke
def test_follow_shows_a_new_row_within_a_second(backend):
    """-f shows each new row within a second, once, in order."""
    db = add(backend, [("before", 20, T0, 1, "m", "l")])
    f = Follower(backend)
    try:
        assert f.wait_for("before", 20)  # started and showed the first screen
        for i in range(3):
            start = time.time()
            db._execute("INSERT INTO log (message, level, time, line, module, logger) "
                        "VALUES (%s, 20, %s, 1, 'm', 'l')", ("new %d" % i, time.time()))
            assert f.wait_for("new %d" % i, 5)
            assert time.time() - start < 1.0
    finally:
        f.stop()
    assert [l.rsplit("] ", 1)[1] for l in f.lines] == ["before", "new 0", "new 1", "new 2"]


def test_follow_applies_filters(backend):
    """-f applies --level and --logger to new rows too."""
    add(backend, [("start", 40, T0, 1, "m", "l")])
    f = Follower(backend, "--level", "ERROR", "--logger", "l")
    try:
        assert f.wait_for("start", 20)
        add(backend, [("skip level", 20, T0, 1, "m", "l"), ("skip logger", 40, T0, 1, "m", "x"),
                      ("shown", 40, T0, 1, "m", "l")])
        assert f.wait_for("shown", 5)
    finally:
        f.stop()
    assert [l.rsplit("] ", 1)[1] for l in f.lines] == ["start", "shown"]


def test_follow_never_skips_a_late_commit(backend):
    """A row whose transaction commits after a row with a larger id is still shown."""
    if backend.kind != "mysql":
        pytest.skip("SQLite serialises writers: ids commit in order")
    from conftest import mysql_connect
    add(backend, [("start", 20, T0, 1, "m", "l")])
    f = Follower(backend)
    slow = mysql_connect(backend.settings["db_name"])
    fast = mysql_connect(backend.settings["db_name"])
    try:
        assert f.wait_for("start", 20)
        slow.autocommit = False
        cur = slow.cursor()
        cur.execute("START TRANSACTION")
        cur.execute("INSERT INTO log (message, level, time, line, module, logger) "
                    "VALUES ('late', 20, %s, 1, 'm', 'l')", (time.time(),))
        fast.cursor().execute("INSERT INTO log (message, level, time, line, module, logger) "
                              "VALUES ('early', 20, %s, 1, 'm', 'l')", (time.time(),))
        assert f.wait_for("early", 5)
        time.sleep(0.6)  # the follower polls past the uncommitted id a few times
        slow.commit()
        assert f.wait_for("late", 3)
    finally:
        f.stop()
        slow.close()
        fast.close()
    assert sorted(l.rsplit("] ", 1)[1] for l in f.lines) == ["early", "late", "start"]

"""Hostile log messages and logger names, and TailLog filters (--module, --logger, keywords)
with hostile text: stored and shown exactly; filters return only matching rows (issue 8)."""
from __future__ import absolute_import, division, print_function

import itertools
import logging
import time

import pytest

pytest.importorskip("hypothesis")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from CryoCore import API  # noqa: E402
from CryoCore.Core._log_sink import fit_message  # noqa: E402
from CryoCore.Tools import TailLog, _common  # noqa: E402

from _hostile import PROPERTY, argv_text, max_id, hostile_text, stored_text  # noqa: E402

_counter = itertools.count()


def _max_id(backend):
    return max_id(backend, "log", "log")


def _new_rows(backend, after):
    assert API.flush(30)
    return backend.sql("SELECT message, logger, module, level FROM log WHERE id > %s "
                       "ORDER BY id", (after,))


@PROPERTY
@given(messages=st.lists(hostile_text, min_size=1, max_size=4), logger=hostile_text)
def test_log_messages_and_logger_names_round_trip(backend, messages, logger):
    name = u"L%d %s" % (next(_counter), logger)
    start = _max_id(backend)
    log = API.get_log(name)
    for m in messages:
        log.warning(m)            # no arguments: % signs are text
    log.error(u"%s|%s", messages[0], 5)
    rows = _new_rows(backend, start)
    expected = [stored_text(m) for m in messages] + [stored_text(u"%s|5" % messages[0])]
    assert [r[0] for r in rows] == expected
    assert all(r[1] == stored_text(name)[:255] for r in rows)
    assert [r[3] for r in rows] == [logging.WARNING] * len(messages) + [logging.ERROR]


def test_very_long_message_is_truncated_with_a_marker(backend):
    start = _max_id(backend)
    API.get_log("long").info(u"\u00e9" * 70000)
    (message, _, _, _), = _new_rows(backend, start)
    assert message == fit_message(u"\u00e9" * 70000)
    assert message.endswith(u"[... truncated from 140000 bytes]")
    assert len(message.encode("utf-8")) <= 65535


# -- TailLog filters -------------------------------------------------------------------------
NAMES = [u"plain", u"it's", u'say "hi"', u"100%", u"a_b", u"a%b", u"back\\slash", u"pipe|x",
         u"DROP TABLE log", u"\u00e9t\u00e9", u"UPPER", u"upper", u"trailing ", u"\U0001F600"]


@pytest.fixture
def hostile_log(backend):
    """A log whose loggers, messages and module names are hostile text."""
    for i, name in enumerate(NAMES):
        API.get_log(name).info(u"msg %d of %s: %s" % (i, name, NAMES[-1 - i]))
    assert API.flush(30)
    rows = backend.sql("SELECT id, time, level, module, line, logger, message FROM log "
                       "ORDER BY id")
    backend.sql("UPDATE log SET module = logger")  # module names as hostile as loggers
    return [r[:3] + (r[5],) + r[4:] for r in rows]


def _taillog(capsys, argv):
    code = _common.run(TailLog.main, ["--bw", "-a"] + argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _expected(rows, modules=(), loggers=(), keywords=()):
    query = TailLog.Query(None, list(modules), list(loggers), None, list(keywords), None)
    return u"".join(TailLog.format_row(r) + u"\n" for r in rows if query.matches(r))


@PROPERTY
@given(word=st.one_of(argv_text, st.sampled_from(NAMES)))
def test_taillog_filters_with_hostile_text_return_only_matching(hostile_log, capsys, word):
    rows = hostile_log
    for flag, key in (("--module", "modules"), ("--logger", "loggers")):
        out = _taillog(capsys, [flag + "=" + word])
        assert out == _expected(rows, **{key: [stored_text(word)]}), (flag, word)
    if not word.startswith("-"):
        out = _taillog(capsys, ["--", word])
        assert out == _expected(rows, keywords=[stored_text(word)]), word


def test_logger_and_module_filters_are_exact_not_collation_equal(hostile_log, capsys):
    """MySQL compares 'upper' = 'UPPER' = 'upper ' ; the filter must not."""
    for name in (u"upper", u"UPPER", u"trailing ", u"trailing"):
        out = _taillog(capsys, ["--logger", name])
        loggers = set(line.split(u"][")[2].rsplit(u"]", 1)[0].strip() for line in
                      out.splitlines())
        assert out == _expected(hostile_log, loggers=[name])
        assert len(out.splitlines()) == (0 if name == u"trailing" else 1), (name, loggers)


def test_taillog_line_shows_hostile_message_exactly(backend, capsys):
    message = u"'; DROP TABLE log; -- 100% \\ \"q\" \U0001F600"
    API.get_log("evil").critical(message)
    assert API.flush(30)
    out = _taillog(capsys, ["--logger", "evil"])
    assert out.endswith(u"[      evil] %s\n" % message)
    assert time.ctime(time.time())[:10] in out

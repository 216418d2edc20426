"""Hostile log messages and logger names, and TailLog filters (--module, --logger, keywords)
with hostile text: stored and shown exactly; filters return only matching rows (issue 8)."""
from __future__ import absolute_import, division, print_function

import itertools
import logging
import re
import time

import pytest

from conftest import importorskip  # noqa: E402

importorskip("hypothesis")

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
    """Hostile messages and logger names are stored exactly; % in a message is text."""
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
    """A 140 kB message is cut to 64 KiB of UTF-8 with a visible truncation marker."""
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
    backend.sql("UPDATE log SET module = logger")  # module names as hostile as loggers
    assert backend.sql("SELECT COUNT(*) FROM log") == [(len(NAMES),)]


def _taillog(capsys, argv):
    code = _common.run(TailLog.main, ["--bw", "-a"] + argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _shown(out):
    """The numbers i of the rows ``msg i of ...`` that TailLog printed, in order."""
    return [int(m.group(1)) for m in (re.search(u"\\] msg (\\d+) of ", line)
                                      for line in out.splitlines()) if m]


def _expected(modules=(), loggers=(), keywords=()):
    """The README's filters in plain Python over the rows the fixture wrote: --module and
    --logger equal exactly (after the fixture's UPDATE, a row's module is its logger),
    keywords anywhere in message, module or logger, ignoring case."""
    out = []
    for i, name in enumerate(NAMES):
        message = u"msg %d of %s: %s" % (i, name, NAMES[-1 - i])
        if modules and name not in modules or loggers and name not in loggers:
            continue
        if keywords and not any(k.lower() in h.lower() for k in keywords
                                for h in (message, name, name)):
            continue
        out.append(i)
    return out


@PROPERTY
@given(word=st.one_of(argv_text, st.sampled_from(NAMES)))
def test_taillog_filters_with_hostile_text_return_only_matching(hostile_log, capsys, word):
    """TailLog --module, --logger and keywords show exactly the matching rows."""
    for flag, key in (("--module", "modules"), ("--logger", "loggers")):
        out = _taillog(capsys, [flag + "=" + word])
        assert _shown(out) == _expected(**{key: [stored_text(word)]}), (flag, word)
        assert len(out.splitlines()) == len(_shown(out))
    if not word.startswith("-"):
        out = _taillog(capsys, ["--", word])
        assert _shown(out) == _expected(keywords=[stored_text(word)]), word


def test_logger_and_module_filters_are_exact_not_collation_equal(hostile_log, capsys):
    """MySQL compares 'upper' = 'UPPER' = 'upper ' ; the filter must not."""
    for name in (u"upper", u"UPPER", u"trailing ", u"trailing"):
        out = _taillog(capsys, ["--logger", name])
        loggers = set(line.split(u"][")[2].rsplit(u"]", 1)[0].strip() for line in
                      out.splitlines())
        assert _shown(out) == _expected(loggers=[name])
        assert len(out.splitlines()) == (0 if name == u"trailing" else 1), (name, loggers)


def test_taillog_line_shows_hostile_message_exactly(backend, capsys):
    """TailLog prints an SQL-like, %, quote and emoji message exactly."""
    message = u"'; DROP TABLE log; -- 100% \\ \"q\" \U0001F600"
    API.get_log("evil").critical(message)
    assert API.flush(30)
    out = _taillog(capsys, ["--logger", "evil"])
    assert out.endswith(u"[      evil] %s\n" % message)
    assert time.ctime(time.time())[:10] in out

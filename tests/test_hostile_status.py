"""Hostile status names and values, and TailStatus filters (channel:name, words, --channel)
with hostile text: stored and shown exactly or refused clearly (issue 8)."""
from __future__ import absolute_import, division, print_function

import itertools

import pytest

from conftest import importorskip  # noqa: E402

importorskip("hypothesis")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from CryoCore import API  # noqa: E402
from CryoCore.Tools import TailStatus, _common  # noqa: E402

from _hostile import PROPERTY, argv_text, max_id, hostile_text, stored_text, utf8_ok  # noqa: E402

_counter = itertools.count()


def _max_id(backend):
    return max_id(backend, "status", "status")


def _rows(backend, after):
    assert API.flush(30)
    return backend.sql("SELECT c.name, p.name, s.value FROM status s JOIN status_parameter p "
                       "ON p.paramid = s.paramid JOIN status_channel c ON c.chanid = s.chanid "
                       "WHERE s.id > %s ORDER BY s.id", (after,))


@PROPERTY
@given(channel=hostile_text, name=hostile_text,
       values=st.lists(st.one_of(hostile_text, st.integers(), st.floats(allow_nan=False)),
                       min_size=1, max_size=4))
def test_status_values_round_trip_or_refused(backend, channel, name, values):
    """Hostile channel, name and values are stored exactly, or refused with ValueError."""
    chan = u"S%d|%s" % (next(_counter), channel)
    start = _max_id(backend)
    try:
        holder = API.get_status(chan)
        element = holder.new(name)
    except ValueError as e:  # empty, too long, or text UTF-8 cannot hold
        assert str(e)
        assert not (0 < len(chan) <= 180 and 0 < len(name) <= 180 and utf8_ok(chan)
                    and utf8_ok(name)), e
        return
    expected, last = [], object()
    for v in values:
        try:
            element.set_value(v)
        except ValueError as e:
            assert len(str(v)) > 2048 and "2048" in str(e)
            continue
        if type(v) is not type(last) or v != last:
            expected.append(stored_text(str(v)))
        last = v
        assert element.get_value() == v
    rows = _rows(backend, start)
    assert [r[2] for r in rows] == expected
    assert all((r[0], r[1]) == (chan, name) for r in rows)


def test_names_differing_only_in_case_are_kept_apart_or_refused(backend, capsys):
    """Case-only different names: apart on SQLite; on MariaDB refused and reported."""
    start = _max_id(backend)
    s = API.get_status("Cam")
    s["a"] = 1
    s["A"] = 2
    API.get_status("cam")["a"] = 3
    rows = _rows(backend, start)
    if backend.kind == "sqlite":
        assert rows == [("Cam", "a", "1"), ("Cam", "A", "2"), ("cam", "a", "3")]
    else:  # MySQL compares them equal: refused with a clear report, never mixed up
        assert rows == [("Cam", "a", "1")]
        err = capsys.readouterr().err
        assert "status parameter 'A' clashes with existing 'a'" in err
        assert "status channel 'cam' clashes with existing 'Cam'" in err


# -- TailStatus ---------------------------------------------------------------------------
NAMES = [u"plain", u"it's", u'say "hi"', u"100%", u"a_b", u"a%b", u"back\\slash", u"x!y",
         u"DROP TABLE status", u"\u00e9t\u00e9", u"UPPER", u"col:on", u"trailing ",
         u"\U0001F600"]


@pytest.fixture
def hostile_status(backend):
    for i, channel in enumerate(NAMES):
        holder = API.get_status(channel)
        holder[NAMES[-1 - i]] = u"v%d %s" % (i, NAMES[(i + 3) % len(NAMES)])
    assert API.flush(30)
    return [(channel, NAMES[-1 - i], u"v%d %s" % (i, NAMES[(i + 3) % len(NAMES)]))
            for i, channel in enumerate(NAMES)]


def _tailstatus(capsys, argv):
    code = _common.run(TailStatus.main, ["--bw", "-n", "1000"] + argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return [line.split(u" [", 1)[1] for line in out.splitlines()]


def _expected(rows, filters=(), channels=()):
    """The spec: channel:name exact, other words anywhere (ignoring case), --channel exact."""
    out = []
    for channel, name, value in rows:
        if channels and channel not in channels:
            continue
        if filters:
            ok = False
            for f in filters:
                if ":" in f:
                    ok = ok or any(f[:i] == channel and f[i + 1:] == name
                                   for i in range(len(f)) if f[i] == u":")
                else:
                    ok = ok or any(f.lower() in h.lower() for h in (channel, name, value))
            if not ok:
                continue
        out.append(u"%s] %s = %s" % (channel, name, value))
    return out


@PROPERTY
@given(word=st.one_of(argv_text, st.sampled_from(NAMES)),
       pair=st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)))
def test_tailstatus_filters_with_hostile_text_return_only_matching(hostile_status, capsys,
                                                                   word, pair):
    """TailStatus --channel, channel:name and words show exactly the matching rows."""
    rows = hostile_status
    stored = stored_text(word)
    assert _tailstatus(capsys, ["--channel=" + word]) == _expected(rows, channels=[stored])
    full = u"%s:%s" % pair
    assert _tailstatus(capsys, ["--", full]) == _expected(rows, filters=[full])
    if not word.startswith("-"):
        assert _tailstatus(capsys, ["--", word]) == _expected(rows, filters=[stored]), word

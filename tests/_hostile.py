"""Hostile text for property tests: quotes, percent signs, backslashes, SQL fragments,
very long and non-UTF-8 text (Python 3 only: hypothesis)."""
from __future__ import absolute_import, division, print_function

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from conftest import IN_CI

FRAGMENTS = [
    u"'", u'"', u"`", u"%", u"%s", u"%%", u"%(name)s", u"%d", u"\\", u"\\'", u"\\\\", u"?",
    u":name", u"$1", u"'; DROP TABLE config; --", u'" OR 1=1 --', u"') OR ('1'='1",
    u"*/ SELECT 1 /*", u"UNION SELECT * FROM log", u"\\0", u"\x00", u"\n", u"\r\n", u"\t",
    u"\x7f", u"\x1b[31m", u"\u00e9", u"\u00c6\u00d8\u00c5", u"\U0001F600", u"\u202e",
    u"\ufeff", u"\udcff", u"\ud800", u" ", u"  ", u".", u"..", u"root", u"root.", u"-",
    u"--", u"-f", u"=", u":", u"*", u"_", u"[", u"]", u"LIKE", u"ESCAPE", u"NULL",
]

# Plain text: any code point except lone surrogates (those come from FRAGMENTS).
_plain = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)

hostile_text = st.one_of(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), _plain), max_size=6).map(u"".join),
    st.text(max_size=40),                                    # anything, surrogates too
    st.text(st.sampled_from(u"a%_\\'\"x\u00e9\U0001F600"), min_size=120, max_size=3000),
)

# Text as a shell would hand it to a tool on Python 3 (non-UTF-8 bytes as surrogates).
argv_text = st.one_of(
    hostile_text,
    st.binary(max_size=30).map(lambda b: b.decode("utf-8", "surrogateescape")),
)


def utf8_ok(text):
    """Whether UTF-8 can hold `text` exactly (no lone surrogates)."""
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def stored_text(text):
    """What status values and log messages keep of `text`: itself when UTF-8 can hold it,
    else the same with visible backslash escapes."""
    return text if utf8_ok(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


# Modest example counts keep CI within budget; CI is derandomized (no flaky surprises).
PROPERTY = settings(max_examples=int(os.environ.get("CC_HYPOTHESIS_EXAMPLES", "30")),
                    deadline=None, database=None,
                    derandomize=IN_CI,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def max_id(backend, service, table):
    """The highest id in `table` (the service's tables created if missing): rows after it
    are the ones a test example wrote."""
    from CryoCore.Core import InternalDB, _schema
    db = InternalDB.mysql("t", config=backend.settings)
    _schema.ensure(db, service)
    db.close()
    return backend.sql("SELECT COALESCE(MAX(id), 0) FROM %s" % table)[0][0]

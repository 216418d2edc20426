"""parse_time: every documented time form, checked against time/calendar arithmetic."""
from __future__ import absolute_import, division, print_function

import calendar
import time

import pytest

from CryoCore.Core._timeparse import parse_time

NOW = 1800000000.0


@pytest.mark.smoke
def test_numbers_and_relative_forms():
    """Epoch (with decimals), negative seconds and 30s/10m/2h/1d/1w count from `now`."""
    assert parse_time("1470130000", NOW) == 1470130000.0
    assert parse_time("1470130000.25", NOW) == 1470130000.25
    assert parse_time("-60", NOW) == NOW - 60
    assert parse_time("-0.5", NOW) == NOW - 0.5
    for text, seconds in (("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400),
                          ("1w", 604800), ("1.5h", 5400), (" 2 h ", 7200)):
        assert parse_time(text, NOW) == NOW - seconds, text


@pytest.mark.smoke
def test_ctime_and_iso_forms():
    """ctime text and ISO 8601 are local time unless ISO names a zone."""
    local = time.mktime((2016, 8, 2, 11, 44, 23, 0, 0, -1))
    assert parse_time("Tue Aug  2 11:44:23 2016", NOW) == local
    assert parse_time("2016-08-02T11:44:23", NOW) == local
    assert parse_time("2016-08-02 11:44:23", NOW) == local
    assert parse_time("2016-08-02T11:44:23.25", NOW) == local + 0.25
    assert parse_time("2016-08-02T11:44", NOW) == local - 23
    assert parse_time("2016-08-02", NOW) == time.mktime((2016, 8, 2, 0, 0, 0, 0, 0, -1))
    utc = calendar.timegm((2026, 11, 29, 14, 3, 12, 0, 0, 0))
    assert parse_time("2026-11-29T14:03:12Z", NOW) == utc
    assert parse_time("2026-11-29T14:03:12.5z", NOW) == utc + 0.5
    assert parse_time("2026-11-29T14:03:12+01:00", NOW) == utc - 3600
    assert parse_time("2026-11-29T14:03:12-0530", NOW) == utc + 5.5 * 3600
    assert parse_time("2026-11-29 14:03:12+02", NOW) == utc - 7200


@pytest.mark.smoke
def test_garbage_raises_value_error_naming_the_text():
    """Text that is no time raises ValueError with the text in a one-line message."""
    for text in ("yesterday", "", "nan", "inf", "2026-13-01T00:00:00", "2026-02-30",
                 "10 parsecs", "Tue Aug 32 11:44:23 2016", "12:00"):
        with pytest.raises(ValueError) as info:
            parse_time(text, NOW)
        assert repr(text) in str(info.value) and "\n" not in str(info.value)

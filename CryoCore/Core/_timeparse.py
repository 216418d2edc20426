"""Time text to epoch seconds: the one parser behind every --since, --until and --at.

Accepted: epoch seconds (``1470130000.25``), a negative number (seconds ago),
``30s``/``10m``/``2h``/``1d``/``1w`` (that long ago), ctime text
(``Tue Aug  2 11:44:23 2016``, local time) and ISO 8601
(``2026-11-29T14:03:12``, ``2026-11-29 14:03:12.5``, ``2026-11-29``; local
time unless a zone is given: ``Z``, ``+01:00``, ``-0500``).
"""
from __future__ import absolute_import, division, print_function

import calendar
import datetime
import re
import time

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})"
                  r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
                  r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$", re.I)
_CTIME = "%a %b %d %H:%M:%S %Y"
FORMS = ("epoch seconds, -SECONDS, 30s/10m/2h/1d, ctime text like 'Tue Aug  2 11:44:23 2016' "
         "or ISO 8601 like 2026-11-29T14:03:12")


def parse_time(text, now=None):
    """Epoch seconds (float) from `text`; ValueError naming `text` if it is no time."""
    now = time.time() if now is None else now
    raw = " ".join((text or "").split())
    for parse in (_relative, _number, _iso, _ctime):
        t = parse(raw, now)
        if t is not None:
            return float(t)
    raise ValueError("cannot parse time %r: use %s" % (text, FORMS))


def _relative(raw, now):
    m = _RELATIVE.match(raw)
    return now - float(m.group(1)) * _UNITS[m.group(2)] if m else None


def _number(raw, now):
    try:
        value = float(raw)
    except ValueError:
        return None
    if value != value or abs(value) == float("inf"):  # nan and inf are no time
        return None
    return now + value if value < 0 else value


def _iso(raw, now):
    m = _ISO.match(raw)
    if not m:
        return None
    year, month, day, hour, minute, second = [int(g or 0) for g in m.groups()[:6]]
    fraction = float("0." + m.group(7)) if m.group(7) else 0.0
    try:
        datetime.datetime(year, month, day, hour, minute, second)  # refuses month 13 etc.
    except ValueError:
        return None
    fields = (year, month, day, hour, minute, second, 0, 0, -1)
    zone = m.group(8)
    if not zone:
        return time.mktime(fields) + fraction
    return calendar.timegm(fields) + fraction - _offset(zone)


def _offset(zone):
    """Seconds east of UTC of ``Z``, ``+01``, ``+0100`` or ``+01:00``."""
    if zone.upper() == "Z":
        return 0
    digits = zone[1:].replace(":", "")
    seconds = int(digits[:2]) * 3600 + int(digits[2:] or 0) * 60
    return -seconds if zone[0] == "-" else seconds


def _ctime(raw, now):
    try:
        return time.mktime(time.strptime(raw, _CTIME))
    except ValueError:
        return None

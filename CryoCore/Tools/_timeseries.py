"""``TailStatus.py --timeseries FILE``: status history as CSV, one row per moment.

Header ``Time,<channel:param>,...`` in the order the words select them; ``Time``
is epoch seconds as ``str(float)``.  Rows less than MERGE seconds after the
first timestamp of the current row join it (unless that parameter already has
a value there: then a new row starts, so no value is lost).  Cells of
parameters not updated at that moment are empty, or with `fill` hold the last
known value (also one from before `start`).  Rows are streamed from the reading
layer, never all in memory.
"""
from __future__ import absolute_import, division, print_function

from CryoCore.Core._compat import to_text

MERGE = 0.01  # seconds: rows closer than this to a row's first timestamp share it


def csv_cell(text):
    """`text` as one CSV cell (quoted when it holds a comma, quote or line break)."""
    text = to_text(text)
    if any(c in text for c in u',"\r\n'):
        return u'"%s"' % text.replace(u'"', u'""')
    return text


def rows(reader, params, start=None, end=None, fill=False, source=None):
    """Lines (text, no newline) of the CSV: the header, then one per moment (`source`:
    only rows DbSync copied from that field source)."""
    seed = {}
    if fill and start is not None:
        seed = dict((tuple(k), v[1])
                    for k, v in reader.last_values(params, start, source).items())
    return lines(reader.history(params, start, end, source), params, fill, seed)


def lines(history, params, fill=False, seed=None):
    """The CSV lines of `history` rows ``(timestamp, channel, name, value)`` in time order
    (the reading layer's, or StatusExport's resampled ones); `seed` maps ``(channel,
    name)`` to the value `fill` starts from."""
    yield u",".join([u"Time"] + [csv_cell(u"%s:%s" % (to_text(c), to_text(n))) for c, n in params])
    last = [None] * len(params)
    for i, p in enumerate(params):
        last[i] = (seed or {}).get(tuple(p))
    for row_t, cells in moments(history, params):
        yield _line(row_t, cells, last, fill)  # the original lost the last row


def moments(history, params):
    """``(t, cells)`` per row of the layout: cells hold one value (or None) per parameter.

    A row takes every value less than MERGE seconds after its first timestamp, unless
    that parameter already has a value in it (then a new row starts: no value is lost).
    """
    index = dict((tuple(p), i) for i, p in enumerate(params))
    row_t, cells = None, None
    for ts, channel, name, value in history:
        col = index[(channel, name)]
        if row_t is None or ts - row_t >= MERGE or cells[col] is not None:
            if row_t is not None:
                yield row_t, cells
            row_t, cells = ts, [None] * len(params)
        cells[col] = value
    if row_t is not None:
        yield row_t, cells


def _line(ts, cells, last, fill):
    out = [to_text(str(float(ts)))]
    for i, value in enumerate(cells):
        if value is not None:
            last[i] = value
        elif fill:
            value = last[i]
        out.append(u"" if value is None else csv_cell(value))
    return u",".join(out)

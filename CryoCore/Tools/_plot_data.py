"""What StatusPlot draws, before any drawing library: one Series per parameter from the
bucket query (about one bucket per pixel or terminal column), grouped into axes."""
from __future__ import absolute_import, division, print_function

from CryoCore.Tools import _common


class Series(object):
    """One parameter's buckets: x (bucket middle, epoch s), mean, min, max, count."""

    def __init__(self, param, buckets, unit=None):
        self.param = param
        self.unit = unit
        numeric = [b for b in buckets if b["min"] is not None]
        self.x = [(b["t0"] + b["t1"]) / 2.0 for b in numeric]
        self.mean = [b["mean"] for b in numeric]
        self.low = [b["min"] for b in numeric]
        self.high = [b["max"] for b in numeric]
        self.counts = [b.get("numeric", b["count"]) for b in numeric]
        self.rows = sum(b["count"] for b in buckets)

    @property
    def label(self):
        return "%s:%s" % self.param

    @property
    def bucketed(self):
        """Whether some bucket holds more than one value (then a min/max band shows)."""
        return any(c > 1 for c in self.counts)

    def __len__(self):
        return len(self.x)


def time_range(reader, params, since=None, until=None, source=None):
    """``[start, end)`` to plot: the given bounds, else the first/last stored row (of
    `source`, the DbSync field source, if given)."""
    reader.check_source(source)
    if since is not None and until is not None:
        return since, until
    first, last = reader.time_range(params, since, until, source)
    if first is None:
        raise _common.ToolError("no values of %s in that time range"
                                % ", ".join("%s:%s" % p for p in params))
    start = since if since is not None else first
    end = until if until is not None else _just_after(last)
    if end <= start:  # a single moment: show a minute around it
        start, end = start - 30.0, start + 30.0
    return start, end


def _just_after(t):
    """The smallest comfortable end that still includes a row at `t` in ``[start, end)``."""
    return t + max(abs(t) * 1e-12, 1e-6)


def series(reader, params, start, end, n, units=None, warn=None, source=None):
    """A Series per parameter that has numbers in range; the others are reported via
    `warn` when some are plotted, else the error says why there is nothing to plot."""
    out, skipped = [], []
    for p in params:
        s = Series(p, reader.buckets(p, start, end, n, source), (units or {}).get(p))
        (out if len(s) else skipped).append(s)
    names = ", ".join(s.label for s in skipped)
    if not out:
        rows = sum(s.rows for s in skipped)
        if not rows:
            raise _common.ToolError("no values of %s in that time range" % names)
        raise _common.ToolError("nothing to plot: no numeric values of %s in that range "
                                "(%d rows of text)" % (names, rows))
    for s in skipped:
        if warn is not None:
            warn("%s has no numeric values in that range (%d rows); not plotted"
                 % (s.label, s.rows))
    return out


def axes_groups(all_series):
    """Series grouped per axis: one axis per unit (in first-seen order), and one per
    parameter that has no unit."""
    groups, by_unit = [], {}
    for s in all_series:
        if s.unit:
            if s.unit not in by_unit:
                by_unit[s.unit] = []
                groups.append(by_unit[s.unit])
            by_unit[s.unit].append(s)
        else:
            groups.append([s])
    return groups

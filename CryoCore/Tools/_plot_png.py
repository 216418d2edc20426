"""StatusPlot's picture files (PNG, SVG) with matplotlib (the ``CryoCore[plot]`` extra).

One axis per unit (or per parameter without one), stacked, sharing a time axis in
local time; the mean per bucket as a line and, where a bucket holds several values,
a band from its min to its max; legends beside the axes, so they never cover data.
"""
from __future__ import absolute_import, division, print_function

import datetime
import time

DPI = 100
#: Share of the picture's width the plotting area gets (the bucket count follows it).
PLOT_SHARE = 0.8
MARKERS_BELOW = 60  # points per series: fewer get a marker on each point
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22"]


def buckets_for(width):
    """About one bucket per pixel of the plotting area."""
    return max(10, int(width * PLOT_SHARE))


def _epoch_to_num():
    import matplotlib.dates as mdates
    origin = mdates.date2num(datetime.datetime(1970, 1, 1, tzinfo=_utc()))
    return lambda xs: [origin + x / 86400.0 for x in xs]


def _utc():
    from dateutil import tz
    return tz.tzutc()


def zone_name(t):
    """The local zone's name and UTC offset at time `t`, for the axis label."""
    lt = time.localtime(t)
    offset = -(time.altzone if lt.tm_isdst > 0 else time.timezone)
    sign = "+" if offset >= 0 else "-"
    hhmm = "UTC%s%02d:%02d" % (sign, abs(offset) // 3600, abs(offset) % 3600 // 60)
    name = time.strftime("%Z", lt)
    if offset == 0 and name in ("", "UTC", "GMT"):
        return "UTC"
    return hhmm if not name else "%s, %s" % (name, hhmm)


def figure(groups, start, end, width, height, title=None):
    """A matplotlib Figure of the Series `groups` (a list of lists, one per axis)."""
    from dateutil import tz
    from matplotlib.figure import Figure
    import matplotlib.dates as mdates
    local = tz.tzlocal()
    to_num = _epoch_to_num()
    fig = Figure(figsize=(width / float(DPI), height / float(DPI)), dpi=DPI,
                 layout="constrained")
    axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False)[:, 0]
    colour = 0
    for ax, group in zip(axes, groups):
        for s in group:
            c = COLOURS[colour % len(COLOURS)]
            colour += 1
            x = to_num(s.x)
            if s.bucketed:
                ax.fill_between(x, s.low, s.high, color=c, alpha=0.3, linewidth=0,
                                label=u"%s min\u2013max" % s.label, gid="band:" + s.label)
            ax.plot(x, s.mean, color=c, linewidth=0.9 if s.bucketed else 1.2, gid="line:" + s.label,
                    marker="o" if len(s) < MARKERS_BELOW else None, markersize=3,
                    label=("%s (mean)" % s.label) if s.bucketed else s.label)
        unit = group[0].unit
        ax.set_ylabel(unit if unit else group[0].label)
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.margins(x=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  frameon=False, borderaxespad=0.0)
    locator = mdates.AutoDateLocator(tz=local, minticks=4, maxticks=10)
    last = axes[-1]
    last.xaxis.set_major_locator(locator)
    last.xaxis.set_major_formatter(time_formatter(locator, local))
    last.set_xlim(to_num([start, end]))
    last.set_xlabel("local time (%s)" % zone_name(start))
    fig.suptitle(title or default_title(groups, start, end))
    return fig


def time_formatter(locator, zone):
    """Tick labels as clock times at the ticks' own precision (``14:05``, ``14:05:30``),
    dates where the day changes, and the date of the range beside the axis."""
    import matplotlib.dates as mdates
    fmt = mdates.ConciseDateFormatter(locator, tz=zone)
    # levels: years, months, days, hours, minutes, seconds, microseconds
    fmt.formats = ["%Y", "%b %Y", "%b %d", "%H:%M", "%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
    fmt.zero_formats = ["", "%Y", "%b %Y", "%b %d", "%b %d %H:%M", "%H:%M", "%H:%M:%S"]
    fmt.offset_formats = ["", "%Y", "%Y-%m", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d"]
    return fmt


def default_title(groups, start, end):
    """The parameters and the range, e.g. ``A:x, B:y   2026-11-29 14:00 - 18:00``."""
    names = [s.label for g in groups for s in g]
    shown = ", ".join(names[:4]) + (" and %d more" % (len(names) - 4) if len(names) > 4 else "")
    a, b = time.localtime(start), time.localtime(end)
    second = "%H:%M:%S" if end - start < 600 else "%H:%M"
    last = time.strftime(second if a[:3] == b[:3] else "%Y-%m-%d " + second, b)
    return u"%s   %s \u2013 %s" % (shown, time.strftime("%Y-%m-%d " + second, a), last)


def save(fig, path):
    """Write `fig` to `path` (PNG or SVG by its ending) at exactly its pixel size."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI)

"""StatusPlot's chart in the terminal, drawn with plotext (the ``CryoCore[plot]`` extra).

Sized to the terminal; when stdout is not one, to ``$COLUMNS`` x ``$LINES`` (else
80x24) and without colour.  One line per parameter (the mean per column's bucket).
"""
from __future__ import absolute_import, division, print_function

import os
import re
import time

DEFAULT_SIZE = (80, 24)
Y_LABELS = 12  # columns the y tick labels and frame take
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def size(stream):
    """(columns, lines) to draw in: the terminal's, else $COLUMNS x $LINES, else 80x24."""
    env = []
    for name in ("COLUMNS", "LINES"):
        try:
            env.append(max(int(os.environ.get(name, "")), 10))
        except ValueError:
            env.append(None)
    try:
        if stream.isatty():
            return tuple(os.get_terminal_size(stream.fileno()))
    except (AttributeError, ValueError, OSError):
        pass
    return env[0] or DEFAULT_SIZE[0], env[1] or DEFAULT_SIZE[1]


def buckets_for(columns):
    """About one bucket per column of the plotting area."""
    return max(10, columns - Y_LABELS)


def _tick_label(t, span):
    fmt = "%H:%M:%S" if span < 600 else "%H:%M" if span < 86400 else "%m-%d %H:%M"
    return time.strftime(fmt, time.localtime(t))


MIN_PANEL_LINES = 8  # below this a panel per parameter is unreadable: one shared chart


def chart(all_series, start, end, columns, lines, colour=False, title=None):
    """The chart as text, at most `columns` x (`lines` - 1) (a line left for the prompt).

    One panel per parameter when the height allows (values of different sizes stay
    readable), else every parameter in one panel."""
    import plotext as plt
    height = max(lines - 1, 5)
    panels = [[s] for s in all_series]
    if len(panels) > 1 and height // len(panels) < MIN_PANEL_LINES:
        panels = [list(all_series)]
    plt.clf()
    plt.plot_size(columns, height)
    plt.theme("pro" if colour else "clear")
    if len(panels) > 1:
        plt.subplots(len(panels), 1)
    ticks = [start + (end - start) * i / 4.0 for i in range(5)]
    labels = [_tick_label(t, end - start) for t in ticks]
    for row, panel in enumerate(panels, 1):
        if len(panels) > 1:
            plt.subplot(row, 1)
            plt.theme("pro" if colour else "clear")
        for s in panel:
            plt.plot(s.x, s.mean, label=s.label[:columns // 3], marker="braille")
        plt.xlim(start, end)
        if row == len(panels):
            plt.xticks(ticks, labels)
        else:
            plt.xticks([], [])
        if row == 1:
            plt.title((title or ", ".join(s.label for s in all_series))[:max(columns - 4, 10)])
    text = plt.build()
    if not colour:
        text = _ANSI.sub("", text)
    out = [line.rstrip() for line in text.split("\n")]
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"

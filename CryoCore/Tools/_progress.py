"""A one-line progress bar on stderr for long exports: rows, rows/s and, when the time
range is known, how far through it the export is.  Shown only on a terminal."""
from __future__ import absolute_import, division, print_function

import sys
import time

BAR = 24
EVERY_ROWS = 2048    # rows between clock checks
EVERY_SECONDS = 0.25  # seconds between redraws
SHOW_AFTER = 1.0     # short exports draw nothing


def wanted(stream=None, data_stream=None):
    """Whether to draw: the bar's stream is a terminal that the data is not going to."""
    stream = stream or sys.stderr
    try:
        if not stream.isatty():
            return False
        return data_stream is None or not data_stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress(object):
    """Count rows passing through `wrap`; redraw at most every EVERY_SECONDS."""

    def __init__(self, stream=None, start=None, end=None, clock=time.time):
        self.stream = stream or sys.stderr
        self.start, self.end = start, end
        self.clock = clock
        self.began = clock()
        self.drawn = 0.0
        self.rows = 0
        self.shown = False

    def wrap(self, rows):
        """Yield `rows` unchanged, drawing the bar as they pass."""
        n = 0
        for row in rows:
            n += 1
            if n % EVERY_ROWS == 0:
                self.rows = n
                self.update(row[0])
            yield row
        self.rows = n
        self.finish()

    def line(self, ts=None):
        """The bar's text for the rows counted so far (the latest row at time `ts`)."""
        elapsed = max(self.clock() - self.began, 1e-9)
        text = "%s rows  %s rows/s" % (_thousands(self.rows), _thousands(self.rows / elapsed))
        if self.start is not None and self.end is not None and ts is not None \
                and self.end > self.start:
            frac = min(max((ts - self.start) / (self.end - self.start), 0.0), 1.0)
            filled = int(round(frac * BAR))
            text = "[%s%s] %3d%%  %s" % ("#" * filled, "-" * (BAR - filled), frac * 100, text)
        return text

    def update(self, ts):
        now = self.clock()
        if now - self.began < SHOW_AFTER or now - self.drawn < EVERY_SECONDS:
            return
        self.drawn = now
        self.shown = True
        self.stream.write("\r" + self.line(ts) + "\033[K")
        self.stream.flush()

    def finish(self):
        if self.shown:
            self.stream.write("\r" + self.line(self.end) + "\033[K\n")
            self.stream.flush()


def _thousands(n):
    return "{:,}".format(int(n))

"""The original's StatusListener: a thread keeping the last values of monitored parameters.

``API.get_status_listener(clock=None)`` starts one.  Live (no clock), a change
made by any process shows within a second; with a ``Clock`` it replays a past
period: the values are those at ``clock.pos()``, moving forward in time.
"""
from __future__ import absolute_import, division, print_function

import threading
import time

from .. import _runtime
from .._exceptions import DatabaseError
from .._status_reader import StatusReader

__all__ = ["Clock", "StatusListener"]

POLL_INTERVAL = 0.25  # seconds between looks at the database


class Clock(object):
    """The original's replay clock: ``pos()`` is `starttime` plus the (scaled) time since."""

    def __init__(self, starttime, speed=1.0):
        self._lock = threading.Lock()
        self._base = float(starttime)
        self._since = time.time()
        self.speed = float(speed)
        self._paused = False

    def pos(self):
        """The replayed moment (epoch seconds)."""
        with self._lock:
            if self._paused:
                return self._base
            return self._base + (time.time() - self._since) * self.speed

    def set_pos(self, t):
        """Jump to moment `t`."""
        with self._lock:
            self._base, self._since = float(t), time.time()

    def set_speed(self, speed):
        """Replay `speed` times as fast as real time (from the current position)."""
        now = self.pos()
        with self._lock:
            self._base, self._since, self.speed = now, time.time(), float(speed)

    def pause(self):
        now = self.pos()
        with self._lock:
            self._base, self._paused = now, True

    def play(self):
        with self._lock:
            self._since, self._paused = time.time(), False

    def is_paused(self):
        return self._paused


class StatusListener(threading.Thread):
    """Keeps the last value of each monitored ``(channel, name)`` (live, or at `clock`)."""

    def __init__(self, clock=None, stop_event=None, db_cfg=None, interval=POLL_INTERVAL):
        threading.Thread.__init__(self, name="CryoCore-status-listener")
        self.daemon = True
        self.clock = clock
        self.stop_event = stop_event or _runtime.api_stop_event
        self.interval = interval
        self._reader = StatusReader(db_cfg=db_cfg, name="StatusListener")
        self._lock = threading.Lock()
        self._monitors = []
        self._values = {}
        self._halt = threading.Event()
        self._wake = threading.Event()
        self.error = None  # the last database error (the listener keeps trying)

    def add_monitors(self, items):
        """Watch these ``(channel, name)`` pairs (ones that do not exist yet are fine)."""
        with self._lock:
            for channel, name in items:
                if (channel, name) not in self._monitors:
                    self._monitors.append((channel, name))
        self._wake.set()

    def get_last_value(self, channel, name):
        """``{"channel", "name", "ts", "value"}`` of a monitored parameter, or None."""
        with self._lock:
            found = self._values.get((channel, name))
        return dict(found) if found else None

    def get_last_values(self, items=None):
        """``{(channel, name): {"channel", "name", "ts", "value"}}`` of `items` (default: every
        monitored parameter) that have a value."""
        with self._lock:
            keys = list(self._monitors) if items is None else [tuple(i) for i in items]
            return dict((k, dict(self._values[k])) for k in keys if k in self._values)

    def refresh(self):
        """Read the monitored values now (the thread does this every `interval`)."""
        with self._lock:
            monitors = list(self._monitors)
        if not monitors:
            return
        t = self.clock.pos() if self.clock is not None else None
        found = self._reader.last_values(monitors, t)
        values = {}
        for key, (ts, value, _expires) in found.items():
            values[key] = {"channel": key[0], "name": key[1], "ts": ts, "value": value}
        with self._lock:
            if self.clock is not None:
                self._values = values  # replay may move back: values are those at pos()
            else:
                self._values.update(values)

    def run(self):
        try:
            while not (self._halt.is_set() or self.stop_event.is_set()):
                try:
                    self.refresh()
                    self.error = None
                except DatabaseError as e:  # unreachable, or no database yet: try again
                    self.error = e
                    self._reader.close()
                self._wake.wait(self.interval)
                self._wake.clear()
        finally:
            self._reader.close()

    def stop(self, timeout=5.0):
        """Stop the thread (``API.shutdown()`` does it too)."""
        self._halt.set()
        self._wake.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout)

    shutdown = stop

    def start(self):
        _runtime.on_shutdown("status listener", self.stop)
        threading.Thread.start(self)

"""The sync's side of a poor link: bytes metered on the socket, a rate cap over any
10 s window, batch sizes that adapt to the link, and reconnect back-off.
"""
from __future__ import absolute_import, division, print_function

import collections
import threading
import time

WINDOW = 10.0        # seconds: --max-kbps holds over any window this long
_HEADROOM = 0.85     # share of the window's budget we plan to use (replies come unasked)


class Meter(object):
    """Bytes sent and received on the ground connection, and the --max-kbps cap.

    ``wrap(db)`` puts a counting wrapper around the driver's socket (mysql-connector's
    pure-Python protocol); every send first waits until the bytes of the last
    ``WINDOW`` seconds plus this send fit in the budget.
    """

    def __init__(self, max_kbps=None, clock=time.time, sleep=time.sleep):
        self.budget = max_kbps * 1000.0 / 8 * WINDOW if max_kbps else None
        self.sent = self.received = 0
        self._events = collections.deque()   # (time, bytes) within the window
        self._in_window = 0
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()

    @property
    def total(self):
        return self.sent + self.received

    def wrap(self, db):
        """Meter `db`'s current connection (a no-op on SQLite or when already done).
        Returns False when a cap is asked for but the socket cannot be metered."""
        if db.is_sqlite:
            return True
        conn = db._connection()
        holder = getattr(conn, "_socket", None)
        sock = getattr(holder, "sock", None)
        if sock is None:
            return self.budget is None
        if not isinstance(sock, _MeteredSocket):
            holder.sock = _MeteredSocket(sock, self)
        return True

    def _count(self, n, outgoing):
        with self._lock:
            if outgoing:
                self.sent += n
            else:
                self.received += n
            if self.budget is not None:
                self._events.append((self._clock(), n))
                self._in_window += n

    def wait_for_room(self, n):
        """Sleep until `n` more bytes keep the last WINDOW seconds within the budget."""
        if self.budget is None:
            return
        limit = self.budget * _HEADROOM
        while True:
            with self._lock:
                now = self._clock()
                while self._events and self._events[0][0] <= now - WINDOW:
                    self._in_window -= self._events.popleft()[1]
                if not self._events or self._in_window + n <= limit:
                    return
                wait = self._events[0][0] + WINDOW - now
            self._sleep(max(0.01, min(wait, 1.0)))

    def max_batch_bytes(self):
        """The largest batch worth planning: a fifth of the window's budget."""
        return None if self.budget is None else self.budget * _HEADROOM / 5


class _MeteredSocket(object):
    """A socket that counts (and, for sends, paces) what passes through it."""

    def __init__(self, sock, meter):
        self._sock = sock
        self._meter = meter

    def sendall(self, data, *args):
        self._meter.wait_for_room(len(data))
        result = self._sock.sendall(data, *args)
        self._meter._count(len(data), True)
        return result

    def send(self, data, *args):
        self._meter.wait_for_room(len(data))
        n = self._sock.send(data, *args)
        self._meter._count(n, True)
        return n

    def recv(self, *args):
        data = self._sock.recv(*args)
        self._meter._count(len(data), False)
        return data

    def recv_into(self, buf, *args):
        n = self._sock.recv_into(buf, *args)
        self._meter._count(n, False)
        return n

    def __getattr__(self, name):
        return getattr(self._sock, name)


class BatchSizer(object):
    """Rows per batch: doubled while batches finish well inside `target` seconds, halved
    when one takes longer, quartered after an error; capped in bytes on a rate cap."""

    def __init__(self, target=1.0, start=500, low=20, high=20000):
        self.target, self.rows, self.low, self.high = target, start, low, high
        self.bytes_per_row = None

    def done(self, rows, seconds, wire_bytes=None, full=True):
        if rows and wire_bytes:
            per_row = wire_bytes / rows
            self.bytes_per_row = per_row if self.bytes_per_row is None else (
                0.7 * self.bytes_per_row + 0.3 * per_row)
        if seconds > self.target:
            self.rows = max(self.low, self.rows // 2)
        elif full and seconds < self.target / 2:
            self.rows = min(self.high, self.rows * 2)

    def failed(self):
        self.rows = max(self.low, self.rows // 4)

    def size(self, max_bytes=None):
        if max_bytes and self.bytes_per_row:
            return max(self.low, min(self.rows, int(max_bytes / self.bytes_per_row)))
        return self.rows


class Backoff(object):
    """Pauses between reconnect attempts: 0.5 s doubling up to `longest`."""

    def __init__(self, first=0.5, longest=30.0):
        self.first, self.longest = first, longest
        self.next = first

    def pause(self):
        wait, self.next = self.next, min(self.longest, self.next * 2)
        return wait

    def reset(self):
        self.next = self.first

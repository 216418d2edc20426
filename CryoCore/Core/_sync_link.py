"""The sync's side of a poor link: bytes metered on the socket, a rate cap over any
10 s window, batch sizes that adapt to the link, and reconnect back-off.
"""
from __future__ import absolute_import, division, print_function

import threading
import time

WINDOW = 10.0        # seconds: --max-kbps holds over any window this long
_HEADROOM = 0.85     # share of the window's budget we plan to use (replies come unasked)


class Meter(object):
    """Bytes sent and received on the ground connection, and the --max-kbps cap.

    ``wrap(db)`` puts a counting wrapper around the driver's socket (mysql-connector's
    pure-Python protocol).  The cap is a token bucket filled at `rate` bytes/s holding at
    most ``BURST`` seconds of it; every byte sent or received takes a token, and a send
    waits for its tokens.  So any window of T seconds carries at most
    ``rate * (T + BURST)`` bytes (plus one reply), here 85% + 2% of the --max-kbps budget
    (sends are cut into pieces no larger than the bucket)
    of a 10 s window: smooth, never a burst followed by a stall.  The driver's handshake
    happens before the socket can be wrapped: each new connection is charged
    ``HANDSHAKE`` bytes instead.
    """

    BURST = 0.25
    HANDSHAKE = 1500

    def __init__(self, max_kbps=None, clock=time.time, sleep=time.sleep):
        self.rate = max_kbps * 1000.0 / 8 * _HEADROOM if max_kbps else None
        self.budget = max_kbps * 1000.0 / 8 * WINDOW if max_kbps else None
        self.sent = self.received = 0
        self._clock, self._sleep = clock, sleep
        self._tokens = self.rate * self.BURST if self.rate else 0.0
        self._filled_at = clock()
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
            return self.rate is None
        if not isinstance(sock, _MeteredSocket):
            holder.sock = _MeteredSocket(sock, self)
            self._count(self.HANDSHAKE, True)
        return True

    def _refill(self):
        now = self._clock()
        self._tokens = min(self.rate * self.BURST,
                           self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now

    def _count(self, n, outgoing):
        with self._lock:
            if outgoing:
                self.sent += n
            else:
                self.received += n
            if self.rate is not None:
                self._refill()
                self._tokens -= n

    def wait_for_room(self, n):
        """Sleep until the bucket holds tokens for `n` bytes (``piece`` keeps sends within a
        full bucket)."""
        if self.rate is None:
            return
        while True:
            with self._lock:
                self._refill()
                need = min(n, self.rate * self.BURST)
                if self._tokens >= need:
                    return
                wait = (need - self._tokens) / self.rate
            self._sleep(max(0.005, min(wait, 1.0)))

    def piece(self, n):
        """The largest piece of an `n`-byte send to hand to the socket at once."""
        if self.rate is None:
            return max(1, n)
        return max(1, min(n, int(self.rate * self.BURST)))

    def max_batch_bytes(self, seconds=None):
        """The largest batch worth planning: `seconds` (default 2) of the capped rate."""
        if self.rate is None:
            return None
        return self.rate * (seconds or 2.0)


class _MeteredSocket(object):
    """A socket that counts (and, for sends, paces) what passes through it."""

    def __init__(self, sock, meter):
        self._sock = sock
        self._meter = meter

    def sendall(self, data, *args):
        """Send `data` in pieces no larger than the bucket, each when its tokens are there
        (a large packet sent at once would be a burst beyond the cap)."""
        view = memoryview(data)
        step = self._meter.piece(len(view))
        for i in range(0, len(view), step):
            piece = view[i:i + step]
            self._meter.wait_for_room(len(piece))
            self._sock.sendall(piece, *args)
            self._meter._count(len(piece), True)

    def send(self, data, *args):
        data = memoryview(data)[:self._meter.piece(len(data))]
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
    """Rows per batch.  A batch costs the link's round trips (latency: the quickest recent
    batch) plus its bytes; the size doubles while a full batch takes less than `target`
    seconds beyond that latency, halves when one takes more than twice, and is quartered
    after an error.  On a rate cap it is also capped in bytes."""

    def __init__(self, target=1.0, start=500, low=20, high=20000):
        self.target, self.rows, self.low, self.high = target, start, low, high
        self.bytes_per_row = None
        self.latency = None

    def done(self, rows, seconds, wire_bytes=None, full=True):
        if rows and wire_bytes:
            per_row = wire_bytes / rows
            self.bytes_per_row = per_row if self.bytes_per_row is None else (
                0.7 * self.bytes_per_row + 0.3 * per_row)
        if not rows:
            return
        self.latency = seconds if self.latency is None else min(seconds, self.latency * 1.05)
        if seconds > 2 * (self.target + self.latency):
            self.rows = max(self.low, self.rows // 2)
        elif full and seconds < self.target + self.latency:
            self.rows = min(self.high, self.rows * 2)

    def failed(self):
        self.rows = max(self.low, self.rows // 4)
        self.latency = None

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

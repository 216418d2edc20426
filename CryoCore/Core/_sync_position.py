"""Which field ids of one table the ground holds: the follow logic of the tools
(``Tools/_follow.py``'s IdFollower: never skip a row that commits out of id order, give
up on a gap after a timeout) kept as data, so that it can be stored in the ground database
in the same transaction as the rows it covers.

Every id <= ``last_id`` is copied or known never to come, except the ``pending`` ranges
``[first, last, since]``: gaps seen at ``since`` that a late commit may still fill.  A gap
is given up `timeout` seconds after it was first seen, or as soon as an id above it is
known to have been visible `timeout` seconds ago (ids are handed out in time order, so a
transaction holding a smaller id was open then; after `timeout` it has committed or never
will).  The second rule lets a catch-up over a table full of old holes move on at once.
"""
from __future__ import absolute_import, division, print_function

import bisect
import collections
import json

GAP_TIMEOUT = 10.0   # seconds a field transaction may stay open (db_timeout's default)
MAX_PENDING = 2000   # gaps awaited at once; beyond this no new rows are fetched


class Position(object):
    """The copy position of one table; ``advance`` computes the next one, ``adopt`` takes
    it once the ground has committed it."""

    def __init__(self, last_id=0, pending=(), timeout=GAP_TIMEOUT):
        self.last_id = int(last_id or 0)
        self.pending = [list(p) for p in pending]
        self.timeout = timeout
        self._marks = collections.deque()   # (time, largest id visible at that time)
        self._final_below = 0

    @classmethod
    def load(cls, last_id, pending_text, timeout=GAP_TIMEOUT):
        pending = json.loads(pending_text) if pending_text else []
        return cls(last_id, pending, timeout)

    def dump(self, pending=None):
        """The pending gaps as stored text."""
        return json.dumps(self.pending if pending is None else pending, separators=(",", ":"))

    def mark(self, now, max_id):
        """Record that `max_id` was the largest committed field id at time `now`."""
        if max_id is not None:
            self._marks.append((now, int(max_id)))
        while self._marks and self._marks[0][0] <= now - self.timeout:
            self._final_below = max(self._final_below, self._marks.popleft()[1])

    def is_full(self):
        return len(self.pending) >= MAX_PENDING

    def advance(self, new_ids, filled_ids, now):
        """(last_id, pending) after copying rows `new_ids` (ascending, all > last_id) and
        `filled_ids` (ids that filled pending gaps)."""
        filled = sorted(filled_ids)
        pending = []
        for first, last, since in self.pending:
            lo = bisect.bisect_left(filled, first)
            hi = bisect.bisect_right(filled, last)
            cur = first
            for i in filled[lo:hi]:
                if cur <= i - 1:
                    pending.append([cur, i - 1, since])
                cur = i + 1
            if cur <= last:
                pending.append([cur, last, since])
        prev = self.last_id
        for i in new_ids:
            if i > prev + 1:
                pending.append([prev + 1, i - 1, now])
            prev = max(prev, i)
        pending = [p for p in pending
                   if now - p[2] < self.timeout and p[1] >= self._final_below]
        return prev, pending

    def adopt(self, last_id, pending):
        self.last_id, self.pending = last_id, pending

    def covers(self, field_id):
        """Whether `field_id` is copied or given up (not awaited, not ahead)."""
        if field_id > self.last_id:
            return False
        return not any(first <= field_id <= last for first, last, _ in self.pending)

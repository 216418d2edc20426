"""Follow tables by id without skipping rows that commit out of id order (spec 6, 8).

``follow`` is the tools' one follow loop (TailLog -f, TailStatus -f): it polls
``IdFollower``s and keeps following across a database restart.

``id > last_seen`` polling skips a row whose transaction commits after a row
with a larger id.  ``IdFollower`` keeps a floor below which every id has been
seen (or given up on), re-queries from that floor, and only gives up on a gap
after `gap_timeout` seconds (rolled-back inserts and deleted rows leave gaps
that never fill).
"""
from __future__ import absolute_import, division, print_function

import bisect
import sys
import time

POLL_INTERVAL = 0.25
GAP_TIMEOUT = 5.0
RETRY_INTERVAL = 1.0


def follow(start, keep, show, name, stop=None, interval=POLL_INTERVAL, retry=RETRY_INTERVAL):
    """Show new rows until `stop()` is true (never, by default: Ctrl-C ends a tool).

    `start()` returns the followers (called again until it works); each poll's
    rows for which `keep(row)` is true go to ``show(rows)``.  When the database
    goes away the loop says so once on stderr (``<name>: <error>; retrying``),
    retries every `retry` seconds and says ``<name>: reconnected`` when it is back.
    """
    from CryoCore.Core._exceptions import DatabaseError, is_connection_error
    followers, lost = None, False
    while stop is None or not stop():
        try:
            if followers is None:
                followers = start()
            rows = []
            for f in followers:
                rows.extend(row for row in f.poll() if keep(row))
        except DatabaseError as e:
            if not is_connection_error(e):
                raise
            if not lost:
                sys.stderr.write("%s: %s; retrying\n" % (name, e))
                sys.stderr.flush()
                lost = True
            time.sleep(retry)
            continue
        if lost:
            sys.stderr.write("%s: reconnected\n" % name)
            sys.stderr.flush()
            lost = False
        if rows:
            show(rows)
        else:
            time.sleep(interval)


class IdFollower(object):
    """Yield each row once, in id order as far as commits allow.

    `fetch(after_id)` returns the rows with ``id > after_id`` ordered by id,
    with the id at ``row[0]``.  `start_after` is the last id already shown.
    """

    def __init__(self, fetch, start_after=0, gap_timeout=GAP_TIMEOUT, clock=time.time):
        self.fetch = fetch
        self.floor = start_after or 0
        self.gap_timeout = gap_timeout
        self._clock = clock
        self._seen = []         # sorted ids above the floor already yielded
        self._gap_since = {}    # missing id -> when we first noticed it

    def poll(self):
        """The rows not yet yielded (possibly empty)."""
        rows = self.fetch(self.floor)
        new = []
        for row in rows:
            i = row[0]
            if i <= self.floor:
                continue
            pos = bisect.bisect_left(self._seen, i)
            if pos < len(self._seen) and self._seen[pos] == i:
                continue
            self._seen.insert(pos, i)
            self._gap_since.pop(i, None)
            new.append(row)
        self._advance()
        return new

    def _advance(self):
        """Raise the floor over seen ids and over gaps older than gap_timeout."""
        now = self._clock()
        while self._seen:
            nxt = self._seen[0]
            if nxt == self.floor + 1:
                self.floor = nxt
                self._seen.pop(0)
                continue
            # ids floor+1 .. nxt-1 are missing: wait for them a while, then give up
            first_missing = self.floor + 1
            since = self._gap_since.setdefault(first_missing, now)
            if now - since < self.gap_timeout:
                break
            self._gap_since = dict((k, v) for k, v in self._gap_since.items() if k > nxt)
            self.floor = nxt
            self._seen.pop(0)

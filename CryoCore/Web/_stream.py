"""Live updates: one poller for the whole server, fanned out to every SSE client.

While at least one client listens, the hub asks the reading layer for new status and
log rows every `interval` seconds (in a worker thread) and hands each batch to every
client's queue.  Status rows are followed with a look-back (``IdFollower``) so rows
that commit out of id order are not skipped.  A client too slow to keep up is sent
``reset`` (reload your snapshot) instead of being allowed to grow without bound.
"""
from __future__ import absolute_import, division, print_function

import asyncio
import json
import time

import anyio

from CryoCore.Tools._follow import IdFollower

INTERVAL = 0.25          # seconds between polls while someone listens
QUEUE_EVENTS = 200       # events a client may lag behind before it gets `reset`
HEARTBEAT = 15.0         # seconds between keep-alive comments
MAX_ROWS = 5000          # rows per poll and kind; the rest come on the next poll


def sse(event, data):
    """One server-sent event."""
    return "event: %s\ndata: %s\n\n" % (event, json.dumps(data, separators=(",", ":")))


class Hub(object):
    """Polls once for everybody; each subscriber gets an asyncio.Queue of SSE texts."""

    def __init__(self, data, limiter, interval=INTERVAL):
        self.data = data
        self.limiter = limiter
        self.interval = interval
        self.clients = set()
        self._task = None
        self._status = None     # IdFollower, None until a status database is seen
        self._logs = None       # IdFollower over log rows, None until a log database is seen
        self.polls = 0
        self._missing = set()  # kinds whose database did not exist at a poll
        self._grid_top = None   # the newest 2-D row id at the last poll

    def subscribe(self):
        queue = asyncio.Queue(QUEUE_EVENTS)
        self.clients.add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        return queue

    def unsubscribe(self, queue):
        self.clients.discard(queue)

    async def stop(self):
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass  # stopping: whatever the last poll was doing no longer matters

    async def _run(self):
        self._status = self._logs = self._grid_top = None  # earlier rows: in the snapshots
        self._missing = set()
        while self.clients:
            started = time.time()
            try:
                events = await anyio.to_thread.run_sync(self._poll, limiter=self.limiter)
            except Exception as e:  # the database went away: tell clients, keep trying
                events = [sse("problem", {"message": " ".join(str(e).split())})]
            for text in events:
                self.publish(text)
            await asyncio.sleep(max(0.05, self.interval - (time.time() - started)))

    def publish(self, text):
        for queue in list(self.clients):
            try:
                queue.put_nowait(text)
            except asyncio.QueueFull:  # too slow: drop its backlog, it reloads a snapshot
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(sse("reset", {"why": "too slow"}))

    def _poll(self):
        """The SSE texts of one poll (runs in a worker thread)."""
        self.polls += 1
        events = []
        if self._status is None:
            self._status = self._follower(self.data.status_max_id, self._status_rows, "status")
        if self._status is not None:
            rows = self._status.poll()
            if rows:
                events.append(sse("status", [list(r) for r in rows]))
        top2d = self.data.grid_max_id()
        if top2d is not None and self._grid_top is not None and top2d != self._grid_top:
            events.append(sse("grids", self.data.grids()))
        self._grid_top = top2d
        if self._logs is None:
            self._logs = self._follower(self.data.log_max_id, self._log_rows, "logs")
        if self._logs is not None:
            rows = self._logs.poll()
            if rows:
                events.append(sse("logs", [r[1] for r in rows]))
        return events

    def _follower(self, max_id, fetch, what):
        """An IdFollower from the newest row (earlier rows are in the clients' snapshots),
        or from the first row of a database that did not exist when the clients loaded."""
        top = max_id()
        if top is None:
            self._missing.add(what)
            return None
        return IdFollower(fetch, 0 if what in self._missing else top)

    def _log_rows(self, after_id):
        return [(r["id"], r) for r in self.data.logs(after_id=after_id, limit=MAX_ROWS)]

    def _status_rows(self, after_id):
        found = self.data.status_changes(after_id)
        if found is None:
            return []
        return list(found[1])[:MAX_ROWS]

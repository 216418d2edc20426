"""A fault-injecting TCP proxy for the sync tests (Python 3, asyncio, in a thread).

    proxy = FaultProxy(("127.0.0.1", 3306)).start()
    proxy.port                       # connect here instead
    proxy.delay = 0.05               # seconds added to every chunk, each direction
    proxy.rate = 32000               # bytes/s cap per direction (None: no cap)
    proxy.drop()                     # cut every open connection now
    proxy.hang = True                # accept and hold connections, forward nothing
    proxy.events                     # [(time, bytes, "up"|"down")] of forwarded data
    proxy.stop()
"""
from __future__ import absolute_import, division, print_function

import asyncio
import threading
import time


class FaultProxy(object):
    def __init__(self, target):
        self.target = target
        self.delay = 0.0
        self.rate = None
        self.hang = False
        self.events = []
        self.connections = 0
        self.port = None
        self._writers = set()
        self._loop = None
        self._thread = None
        self._ready = threading.Event()

    # -- control (from the test's thread) ---------------------------------------------
    def start(self):
        self._thread = threading.Thread(target=self._run, name="faultproxy")
        self._thread.daemon = True
        self._thread.start()
        assert self._ready.wait(5), "proxy did not start"
        return self

    def stop(self):
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def drop(self):
        """Close every open connection (both sides) at once."""
        self._loop.call_soon_threadsafe(self._drop_all)

    def bytes_in_window(self, seconds=10.0):
        """The largest number of bytes forwarded (both directions) in any window."""
        events = sorted(self.events)
        best, total, lo = 0, 0, 0
        for t, n, _ in events:
            total += n
            while events[lo][0] <= t - seconds:
                total -= events[lo][1]
                lo += 1
            best = max(best, total)
        return best

    # -- the loop -------------------------------------------------------------------------
    def _run(self):
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._drop_all()
            self._loop.run_until_complete(asyncio.sleep(0.05))
            self._loop.close()

    def _drop_all(self):
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _client(self, reader, writer):
        self.connections += 1
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.add(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer, "up"),
                             self._pipe(up_reader, writer, "down"),
                             return_exceptions=True)
        for w in (writer, up_writer):
            w.close()
            self._writers.discard(w)

    async def _pipe(self, reader, writer, direction):
        try:
            while True:
                data = await reader.read(16384)
                if not data:
                    break
                while self.hang:
                    await asyncio.sleep(0.05)
                if self.delay:
                    await asyncio.sleep(self.delay)
                if self.rate:
                    await asyncio.sleep(len(data) / float(self.rate))
                if writer not in self._writers:
                    break
                writer.write(data)
                self.events.append((time.time(), len(data), direction))
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

"""The background writer that Status and Log share (style example 4), with store and forward.

Producers only append to a deque (``put``: no lock, no I/O).  Two daemon
threads do the rest:

- the *writer* thread wakes every ``interval / 2.5`` seconds, moves what was
  handed over into per-sink lanes (numbering each item: the producer's
  sequence), and writes to the on-disk spool (see ``_spool``) every item that
  is still not stored one tick after it was taken, so a process killed with
  SIGKILL loses at most what it handed over in the last ``interval`` seconds.
  It never talks to the database, so it never hangs on one;
- the *store* thread stores batches (one multi-row INSERT per table, in one
  transaction), replays spools in order before newer rows, reconnects with
  backoff, and replays spools left by dead processes.

Rows of tables with the ``cc_producer``/``cc_seq`` columns carry the
producer's id and sequence number, so a replay never stores a row twice.
``flush()`` waits until everything handed over before it is stored;
``stop(timeout)`` drains, and leaves what the database did not take by the
deadline in the spool for the next CryoCore program.  Errors never reach the
caller and are reported on stderr, never through the database logger.
"""
from __future__ import absolute_import, division, print_function

import collections
import os
import struct
import threading
import time

from . import _schema, _spool
from .InternalDB import report
from ._exceptions import DatabaseError
from ._sink import Sink, is_connection_error  # noqa: F401 (Sink is this module's API too)

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024
DEFAULT_INTERVAL = 0.5
MAX_BACKOFF = 2.0
BATCH_ITEMS = 5000        # items per store transaction
RECENT_BYTES = 8 << 20    # spooled lines also kept in memory for our own replay
HEALTH_INTERVAL = 1.0     # report the CryoCore channel at most this often
LOSS_REPORT_INTERVAL = 5.0


class _Marker(object):
    """Put in the queue by flush(); set once everything before it is stored (`stored`
    True), or when the writer stops with rows left in the spool (`stored` False)."""
    __slots__ = ("event", "stored")

    def __init__(self):
        self.event = threading.Event()
        self.stored = False


def new_producer_id():
    """A random positive 62-bit id for one writer's rows."""
    return struct.unpack(">Q", os.urandom(8))[0] >> 2


class _Lane(object):
    """One sink's rows on their way: spool first, then in flight, then memory (oldest first)."""

    def __init__(self, sink, producer, spool=None, orphan=False):
        self.sink = sink
        self.producer = producer
        self.spool = spool          # SpoolFile (ours or adopted) or None
        self.orphan = orphan        # adopted from a dead process: replay only
        self.mem = collections.deque()  # [seq, item, size, tick]
        self.inflight = []          # taken by the store thread from mem
        self.inflight_spooled = 0   # how many of inflight (a prefix) are in the spool too
        self.spooled = 0            # our items in the spool not yet replayed
        self.skip_through = 0       # spool entries up to this seq are already stored
        self.replayed_seq = 0
        self.sequenced = None
        self.prepared = False       # sink.prepare() ran once (it may add the sequence columns)
        self.down_until = 0.0
        self.backoff = 0.0
        self.left_reported = False  # "left in <spool>" said already (at stop)
        # (start, end, seq, item) of lines we spooled ourselves, so a replay of our own
        # spool need not read and decode them back (bounded; the file stays the truth)
        self.recent = collections.deque()
        self.recent_bytes = 0

    def first_unstored(self):
        """A lower bound of the lowest seq not yet stored (None: all stored)."""
        if self.spool is not None and self.spool.pending():
            return max(self.replayed_seq, self.skip_through) + 1
        if self.inflight:
            return self.inflight[0][0]
        if self.mem:
            return self.mem[0][0]
        return None

    def idle(self):
        return self.first_unstored() is None


class BackgroundWriter(object):
    """Store what producers hand over, spooling to disk when the database is away.

    `spool_dir` None keeps rows in memory only (bounded by `max_bytes`);
    ``_runtime.writer()`` passes the configured spool directory.
    """

    def __init__(self, max_bytes=DEFAULT_MAX_BYTES, interval=DEFAULT_INTERVAL,
                 name="CryoCore-writer", spool_dir=None,
                 spool_max_bytes=DEFAULT_SPOOL_MAX_BYTES, retry_max=MAX_BACKOFF,
                 health_reporter=None):
        self.max_bytes = max_bytes
        self.interval = interval
        self.name = name
        self.spool_dir = spool_dir
        self.spool_max_bytes = spool_max_bytes
        self.retry_max = retry_max
        #: callable(stats) run in the store thread after the database took rows again
        self.health_reporter = health_reporter
        self.producer = new_producer_id()
        self._tick_seconds = max(0.01, interval / 2.5)  # two ticks + work < interval
        self._queue = collections.deque()
        self._sources = []  # (sink, deque) that producers append a sink's items to directly
        self._wake = threading.Event()   # wakes the writer thread
        self._work = threading.Event()   # wakes the store thread
        self._lock = threading.Lock()    # lanes and spools; background threads only
        self._stopping = False
        self._quit = False
        self._storer_releases = False
        self._thread = None
        self._storer = None
        self._start_lock = threading.Lock()
        self._in_bytes = 0    # producers add (approximate under contention: never too high)
        self._out_bytes = 0   # the writer adds what left memory
        self._lanes = collections.OrderedDict()  # sink -> _Lane
        self._orphans = []
        self._markers = []    # (marker, last seq before it)
        self._seq = 0
        self._tick = 0
        self._spool_used = None
        self._finder = _spool.OrphanFinder(spool_dir) if spool_dir else None
        self.stored = 0
        self.dropped = 0
        self.failed = 0
        self.last_error = None
        self._reported_drop = 0
        self._loss_reported_at = 0.0
        self._troubled = False  # the database was away: report the CryoCore channel
        self._health_key = None
        self._health_at = 0.0
        self._stop_deadline = None

    # -- producer side (never blocks, never raises) ------------------------
    def put(self, sink, item, size=64, urgent=False):
        """Hand `item` to `sink`; `urgent` wakes the writer now (log ERROR)."""
        if self._in_bytes - self._out_bytes > self.max_bytes or self._stopping and \
                self._thread is None:
            self.dropped += 1
            return False
        self._in_bytes += size
        self._queue.append((sink, item, size))
        if self._thread is None:
            self._start()
        if urgent:
            self._wake.set()
        return True

    def add_source(self, sink):
        """A deque for `sink`'s items: producers append to it directly (no accounting in
        the caller: the writer sizes each item with ``sink.admit(item)``, which may also
        refuse it, e.g. a repeated value).  Drained before the shared queue, so flush()
        covers what was appended before it."""
        source = collections.deque()
        with self._start_lock:
            self._sources = self._sources + [(sink, source)]
        if self._thread is None:
            self._start()
        return source

    def _source_items(self):
        return sum(len(q) for _, q in self._sources)

    def queued_bytes(self):
        return max(0, self._in_bytes - self._out_bytes)

    def close_connections(self):
        """Close the connections of every sink this writer stored for (after stop(): a
        MySQL socket left to interpreter teardown prints a traceback; they reopen on use)."""
        with self._lock:
            sinks = set(lane.sink for lane in list(self._lanes.values()) + self._orphans)
        stuck = self._storer is not None and self._storer.is_alive()
        for sink in sinks:  # one the store thread still waits on is closed when it is back
            sink.db.close(wait=not stuck)

    def stats(self):
        """Counters: queued (in memory), spooled (on disk), stored, dropped, failed, last error."""
        with self._lock:
            lanes = list(self._lanes.values())
            queued = len(self._queue) + self._source_items() + sum(len(l.mem) + len(l.inflight) - l.inflight_spooled
                                            for l in lanes)
            spooled = sum(l.spooled for l in lanes)
        return {"queued": queued, "spooled": spooled, "stored": self.stored,
                "dropped": self.dropped, "failed": self.failed, "last_error": self.last_error,
                "queued_bytes": self.queued_bytes(), "spool_bytes": self._spool_used or 0}

    def flush(self, timeout=None):
        """Wait until everything handed over before this call is stored.

        Returns False if `timeout` passed first (e.g. the database is down), or if
        the writer stopped meanwhile and left rows in the spool.
        """
        if self._thread is None and not self._queue:
            return True
        marker = _Marker()
        self._queue.append((None, marker, 0))
        if self._thread is None:
            self._start()
        self._wake.set()
        return marker.event.wait(timeout) and marker.stored

    def start_replay(self):
        """Start the threads now if spools of dead processes wait in the spool directory."""
        if self.spool_dir and self._thread is None and _spool.orphans(self.spool_dir):
            self._start()

    def rescan_spools(self):
        """Look for spools of dead processes again, also those passed over for want of
        settings (the settings changed, e.g. by a tool's --db_* flags)."""
        if self._finder is None:
            return
        self._finder.forget()
        if self._thread is None:
            self.start_replay()
        else:
            self._work.set()

    def stop(self, timeout=None):
        """Drain and join (at most `timeout` s); what is left stays in the spool. Idempotent."""
        self._stop_deadline = self._deadline(timeout)
        self._stopping = True
        if self._thread is None:
            if not self._queue and not self._source_items():
                return
            self._start()
        self._wake.set()
        self._thread.join(None if timeout is None else timeout + 2.0)
        if self._thread.is_alive():  # only a hanging disk gets here
            self.dropped += len(self._queue) + self._source_items()
        self._report_loss()

    def wait_released(self, timeout):
        """After stop(): wait (at most `timeout` s) until the store thread has let go of
        the spools (it may still be in a database call when stop() returns)."""
        storer = self._storer
        if storer is not None and storer is not threading.current_thread():
            storer.join(timeout)

    def _deadline(self, timeout):
        return None if timeout is None else time.time() + timeout

    def _expired(self):
        return self._stop_deadline is not None and time.time() >= self._stop_deadline

    def _start(self):
        with self._start_lock:
            if self._thread is not None:
                return
            storer = threading.Thread(target=self._store_loop, name=self.name + "-store")
            storer.daemon = True
            self._storer = storer
            t = threading.Thread(target=self._run, name=self.name)
            t.daemon = True
            self._thread = t
            storer.start()
            t.start()

    # -- writer thread: memory -> lanes -> spool; never touches the database -------
    def _run(self):
        while True:
            self._wake.wait(0.05 if self._stopping else self._tick_seconds)
            self._wake.clear()
            try:
                with self._lock:
                    self._tick_locked()
                self._work.set()
                self._report_loss_if_due()
            except Exception as e:  # the writer must never die: report and go on
                self._note_error("writer error: %s" % e)
            if self._stopping and (self._expired() or self._done()):
                self._finish()
                return

    def _tick_locked(self):
        self._tick += 1
        self._drain_locked()
        if self.spool_dir is not None:
            now = time.time()
            for lane in self._lanes.values():
                if lane.down_until > now or self._expired():
                    self._spool_locked(lane)
                else:  # one tick in memory is all an unstored row gets
                    self._spool_locked(lane, before_tick=self._tick)
        self._check_markers_locked()

    def _drain_locked(self):
        lanes = self._lanes
        for sink, source in self._sources:  # first: a flush marker below covers them
            if not source:
                continue
            lane = lanes.get(sink)
            if lane is None:
                lane = lanes[sink] = _Lane(sink, self.producer)
            popleft, admit, mem, tick = source.popleft, sink.admit, lane.mem, self._tick
            seq, taken, dropped = self._seq, 0, 0
            room = self.max_bytes - (self._in_bytes - self._out_bytes)
            for _ in range(len(source)):  # what is there now: producers keep appending
                item = popleft()
                size = admit(item)
                if size is None:
                    continue
                if taken > room:  # the memory bound: counted, reported, never silent
                    dropped += 1
                    continue
                taken += size
                seq += 1
                mem.append([seq, item, size, tick])
            self._seq = seq
            self._in_bytes += taken
            self.dropped += dropped
        popleft, queue = self._queue.popleft, self._queue
        while queue:
            sink, item, size = popleft()
            if sink is None:
                self._markers.append((item, self._seq))
                continue
            lane = lanes.get(sink)
            if lane is None:
                lane = lanes[sink] = _Lane(sink, self.producer)
            self._seq += 1
            lane.mem.append([self._seq, item, size, self._tick])

    def _spool_locked(self, lane, before_tick=None):
        """Write the lane's oldest unstored items (in flight first) to its spool file.

        `before_tick`: only those taken before that tick.  On failure (full,
        unwritable) they stay in memory, where ``put`` bounds them.
        """
        if self.spool_dir is None:
            return False
        entries = lane.inflight[lane.inflight_spooled:]
        inflight = len(entries)
        entries.extend(lane.mem)
        if before_tick is not None:  # (ticks only grow along the lane)
            entries = [e for e in entries if e[3] < before_tick]
        if not entries:
            return True
        try:
            room = self._spool_room(lane)
        except (IOError, OSError) as e:
            return self._spool_failed(lane, e)
        chunks, bad, used, take = [], 0, 0, 0
        for entry in entries:  # the longest prefix that fits (in flight: all or nothing)
            try:
                line = _spool.encode(entry[0], entry[1])
            except (TypeError, ValueError) as e:
                line = b""
                bad += 1
                self._note_error("%s: item %r cannot be spooled (%s): dropped"
                                 % (lane.sink.name, entry[1], e))
            if used + len(line) > room:
                break
            used += len(line)
            chunks.append(line)
            take += 1
        if take < len(entries):
            self._note_error("spool %s is full (%d bytes): rows wait in memory"
                             % (self.spool_dir, self.spool_max_bytes))
        if not take:
            return False
        try:
            self._write_spool(lane, b"".join(chunks))
        except (IOError, OSError) as e:
            return self._spool_failed(lane, e)
        self._remember_locked(lane, entries[:take], chunks, used)
        self.failed += bad
        lane.spooled += take - bad
        for entry in entries[:take]:
            self._out_bytes += entry[2]
            entry[2] = 0
        lane.inflight_spooled += min(take, inflight)
        for _ in range(take - inflight):
            lane.mem.popleft()
        return take == len(entries)

    def _remember_locked(self, lane, entries, lines, used):
        """Keep what we just spooled in memory too (up to RECENT_BYTES of spool lines)."""
        if lane.orphan or lane.recent_bytes + used > RECENT_BYTES:
            return
        recent, pos = lane.recent, lane.spool.size - used
        for entry, line in zip(entries, lines):
            if line:  # an item that could not be encoded is not in the file
                recent.append((pos, pos + len(line), entry[0], entry[1]))
                pos += len(line)
        lane.recent_bytes += used

    def _recent_locked(self, lane):
        """The next spool entries from memory, as ``spool.read()`` would give them, if
        memory holds them from the replay position on: ``(entries, end)``, else None."""
        recent, pos = lane.recent, lane.spool.pos
        while recent and recent[0][0] < pos:
            start, stop = recent.popleft()[:2]
            lane.recent_bytes -= stop - start
        if not recent or recent[0][0] != pos:
            return None
        entries, end = [], pos
        for start, stop, seq, item in recent:
            if start != end or len(entries) >= _spool.READ_ITEMS:
                break
            entries.append((seq, item))
            end = stop
        return entries, end

    def _spool_failed(self, lane, e):
        self._note_error("cannot spool rows for %s in %s: %s"
                         % (lane.sink.name, self.spool_dir, e))
        return False

    def _spool_room(self, lane):
        """Bytes the spool bound leaves for `lane` (a new file needs room for its header)."""
        if self._spool_used is None:
            self._spool_used = _spool.directory_bytes(self.spool_dir)
        header = 0 if lane.spool is not None else 1024
        return self.spool_max_bytes - self._spool_used - header

    def _write_spool(self, lane, data):
        if not data:
            return
        if lane.spool is None:
            lane.spool = _spool.SpoolFile.create(self.spool_dir,
                                                 _spool.header_for(lane.sink, lane.producer))
            self._spool_used += lane.spool.size
        lane.spool.append(data)
        self._spool_used += len(data)

    def _check_markers_locked(self):
        if not self._markers:
            return
        lows = [l.first_unstored() for l in self._lanes.values()]
        lows = [x for x in lows if x is not None]
        low = min(lows) if lows else None
        keep = []
        for marker, target in self._markers:
            if low is None or target < low:
                marker.stored = True
                marker.event.set()
            else:
                keep.append((marker, target))
        self._markers = keep

    def _done(self):
        with self._lock:
            if self._queue or self._source_items() or \
                    self._finder is not None and self._finder.scanned_at is None:
                return False  # (spools of dead processes not even looked for yet)
            if not all(l.idle() for l in self._lanes.values()):
                return False
            now = time.time()  # spools of dead processes: only while their database answers
            return all(l.idle() or l.down_until > now for l in self._orphans)

    def _finish(self):
        """Stop: spool (or count) what is left, stop the store thread, release the spools."""
        with self._lock:
            self._drain_locked()
            self._quit = True
            for lane in self._lanes.values():
                self._spool_locked(lane)
                lost = len(lane.mem) + len(lane.inflight) - lane.inflight_spooled
                if lost:
                    self.dropped += lost
                    lane.mem.clear()
        self._work.set()
        remaining = None
        if self._stop_deadline is not None:
            remaining = max(0.0, self._stop_deadline - time.time())
        self._storer.join(remaining)
        with self._lock:
            if self._storer.is_alive():  # stuck in a database call: it releases when back,
                self._storer_releases = True  # so a late commit is never replayed too
                self._report_left_locked()  # say now where rows wait: we may exit first
            else:
                self._release_spools_locked()
            for marker, _ in self._markers:
                marker.event.set()
            self._markers = []

    def _report_left_locked(self):
        for lane in self._lanes.values():
            spool = lane.spool
            if spool is not None and not spool.closed and spool.pending():
                self._say_left(lane)

    def _say_left(self, lane):
        if not lane.left_reported:
            lane.left_reported = True
            report("%d row(s) for %s left in %s: the next CryoCore program stores them"
                   % (lane.spooled, lane.spool.header.get("db"), lane.spool.path))

    def _release_spools_locked(self):
        for lane in list(self._lanes.values()) + self._orphans:
            self._release_spool(lane)

    def _release_spool(self, lane):
        spool = lane.spool
        if spool is None or spool.closed:
            return
        while spool.pending():  # entries stored after they were spooled: not for replay
            entries, end, _ = spool.read(through_seq=lane.skip_through)
            if not entries:
                break
            spool.advance(end)
        left = spool.pending()
        if left and not lane.orphan:
            self._say_left(lane)
        spool.close(remove=not left)

    def _report_loss_if_due(self):
        if self.dropped > self._reported_drop and \
                time.time() - self._loss_reported_at >= LOSS_REPORT_INTERVAL:
            self._report_loss()

    def _report_loss(self):
        if self.dropped > self._reported_drop:
            self._loss_reported_at = time.time()
            report("%d status/log rows could not be stored (last error: %s)"
                   % (self.dropped - self._reported_drop, self.last_error))
            self._reported_drop = self.dropped

    def _note_error(self, message):
        if message != self.last_error:
            report(message)
        self.last_error = message

    # -- store thread: lanes and spools -> database ---------------------------
    def _store_loop(self):
        while not self._quit:
            self._work.wait(self._tick_seconds)
            self._work.clear()
            try:
                self._scan_if_due()
                progress = True
                while progress and not self._quit:
                    progress = False
                    for lane in self._all_lanes():
                        if lane.down_until <= time.time() and self._service(lane):
                            progress = True
                    if progress:
                        self._report_health_if_due()
            except Exception as e:  # never die; do not spin on a persistent error
                self._note_error("writer error: %s" % e)
                self._work.wait(self._tick_seconds)
        with self._lock:
            if self._storer_releases:
                self._release_spools_locked()

    def _all_lanes(self):
        with self._lock:
            return list(self._lanes.values()) + list(self._orphans)

    def _service(self, lane):
        """Store one batch of `lane` (its spool first); True if something was stored."""
        with self._lock:
            if self._quit:
                return False
            if lane.spool is not None and not lane.spool.closed and lane.spool.pending():
                cached = self._recent_locked(lane)
                if cached is None:
                    entries, end, bad = lane.spool.read()
                else:
                    (entries, end), bad = cached, 0
                replay = True
            elif lane.mem:
                n = min(len(lane.mem), BATCH_ITEMS)
                lane.inflight = [lane.mem.popleft() for _ in range(n)]
                lane.inflight_spooled = 0
                entries, end, bad, replay = lane.inflight, None, 0, False
            else:
                return False
            skip = lane.skip_through
        todo = [e for e in entries if e[0] > skip] if replay else entries
        counted = len(todo)
        try:
            self._check_sequenced(lane)
            if replay and lane.sequenced and todo:
                todo = self._not_yet_stored(lane, todo)
            stored = self._store_entries(lane, todo)
        except Exception as e:  # unreachable (or a persistent error): keep the rows, retry later
            self._went_down(lane, e, replay)
            return False
        with self._lock:
            if lane.spool is not None and lane.spool.closed:
                return True
            if replay:
                self._replayed_locked(lane, entries, counted, end, bad)
            else:
                for entry in lane.inflight:
                    self._out_bytes += entry[2]
                    entry[2] = 0
                if lane.inflight_spooled:  # stored after all: skip them in the spool
                    lane.skip_through = lane.inflight[-1][0]
                    lane.spooled = max(0, lane.spooled - lane.inflight_spooled)
                lane.inflight = []
                lane.inflight_spooled = 0
            self.stored += stored
            lane.backoff = 0.0
            self._check_markers_locked()
        return True

    def _replayed_locked(self, lane, entries, counted, end, bad):
        spool = lane.spool
        if spool.closed:
            return
        spool.advance(end)
        lane.spooled = max(0, lane.spooled - counted)
        if entries:
            lane.replayed_seq = max(lane.replayed_seq, entries[-1][0])
        if bad:
            self.failed += bad
            self._note_error("%d unreadable line(s) in %s skipped" % (bad, spool.path))
        if spool.pending():
            return
        if lane.orphan:
            self._spool_used = max(0, (self._spool_used or 0) - spool.size)
            spool.close(remove=True)
            self._orphans.remove(lane)
        else:
            self._spool_used = max(0, (self._spool_used or 0) - (spool.size - spool.header_end))
            spool.reset()
            lane.recent.clear()
            lane.recent_bytes = 0
            lane.spooled = 0

    def _went_down(self, lane, e, replay):
        lane.sink.db.close()  # a timed-out connection may be out of step: never reuse it
        self._troubled = True
        with self._lock:
            if getattr(e, "access_denied", False):  # said once; retried slowly, rows kept
                self._note_error("%s: access denied (check db_user and db_password in the "
                                 "settings); rows wait in the spool until it is let in: %s"
                                 % (lane.sink.db.describe(), e))
                lane.backoff = self.retry_max
            else:
                what = "unreachable" if is_connection_error(e) else "refused rows"
                self._note_error("%s %s, will retry: %s" % (lane.sink.db.describe(), what, e))
            lane.backoff = min(self.retry_max, max(self._tick_seconds, lane.backoff * 2))
            lane.down_until = time.time() + lane.backoff
            if replay or self._quit:
                return
            # what is not in the spool yet goes back in front of memory, in order
            lane.mem.extendleft(reversed(lane.inflight[lane.inflight_spooled:]))
            lane.inflight = []
            lane.inflight_spooled = 0
            self._spool_locked(lane)

    def _check_sequenced(self, lane):
        """Whether the lane's rows get the sequence columns (asked again while its table
        does not exist: prepare() may create it)."""
        if lane.sequenced is None:
            sink = lane.sink
            if sink.sequenced is not None:
                lane.sequenced = bool(sink.sequenced)
            elif _schema.has_sequence_columns(sink.db, sink.table):
                lane.sequenced = True
            elif lane.prepared and _schema.has_table(sink.db, sink.table):
                lane.sequenced = False  # only after prepare(), which may add the columns
        return lane.sequenced

    def _not_yet_stored(self, lane, entries):
        """Drop entries whose (producer, seq) is in the table already (a replay after a crash)."""
        sink = lane.sink
        rows = sink.db._execute(
            "SELECT cc_seq FROM %s WHERE cc_producer = %%s AND cc_seq BETWEEN %%s AND %%s"
            % sink.table, (lane.producer, entries[0][0], entries[-1][0])).fetchall()
        done = set(r[0] for r in rows)
        return [e for e in entries if e[0] not in done] if done else entries

    def _store_entries(self, lane, entries):
        """Store entries in one transaction; a bad row is isolated, counted and reported."""
        if not entries:
            return 0
        try:
            self._store_rows(lane, entries)
            return len(entries)
        except DatabaseError as e:
            if is_connection_error(e):
                raise
        except Exception:  # a bug or bad value in prepare(): find the culprit below
            pass
        stored = 0
        for entry in entries:  # a bad row must not take its batch down
            try:
                self._store_rows(lane, [entry])
                stored += 1
            except DatabaseError as e:
                if is_connection_error(e):
                    raise
                self._bad_row(lane, e)
            except Exception as e:
                self._bad_row(lane, e)
        return stored

    def _bad_row(self, lane, e):
        self.failed += 1
        self._note_error("dropped a row for %s: %s" % (lane.sink.name, e))

    def _store_rows(self, lane, entries):
        sink = lane.sink
        items = [e[1] for e in entries]
        rows = sink.prepare(items)
        lane.prepared = True
        if lane.sequenced is None:
            self._check_sequenced(lane)
        with sink.db._transaction():
            if lane.sequenced and len(rows) == len(items):
                sink._seqs = (lane.producer, [e[0] for e in entries])
            try:
                sink.store(rows)
            finally:
                sink._seqs = None

    # -- spools of dead processes ---------------------------------------------
    def _scan_if_due(self):
        finder = self._finder
        if finder is None or not finder.due():
            return
        with self._lock:
            known = set(l.spool.path for l in list(self._lanes.values()) + self._orphans
                        if l.spool is not None)
        for spool, sink in finder.scan(known, lambda: self._quit):
            with self._lock:
                if self._quit:
                    spool.close()
                    return
                self._orphans.append(_Lane(sink, spool.header["producer"], spool=spool,
                                           orphan=True))

    # -- the CryoCore channel -------------------------------------------------------
    def _report_health_if_due(self):
        """After the database took rows: report queued/spooled/dropped/last error if changed."""
        if self.health_reporter is None:
            return
        if not (self.dropped or self.failed or self._troubled):
            return
        now = time.time()
        if now - self._health_at < HEALTH_INTERVAL:
            return
        stats = self.stats()
        key = (stats["queued"], stats["spooled"], stats["dropped"], stats["failed"],
               stats["last_error"])
        if key == self._health_key:
            return
        self._health_at = now
        try:
            self.health_reporter(stats)
            self._health_key = key
        except Exception as e:  # the status database may still be away: next time
            report("cannot report the CryoCore status channel: %s" % e)


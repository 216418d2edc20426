"""The background writer's on-disk spool: store and forward while the database is away.

One spool file holds the items of one sink of one writer (process).  Its first
line is a JSON header naming the target: sink class, table, columns, service,
the database's description and a fingerprint of its settings (never the
password), and the producer id.  Each further line is ``[seq, item]``.

The owner holds an exclusive ``flock`` on the file while it lives; a file that
nobody holds is an orphan (its process died or stopped with the database
down), replayed by the next CryoCore program on the machine with *its* current
settings of that service, if they still name the same database.  How far the
replay got is kept in a ``.pos`` file beside it; the sequence columns make a
replay that is cut short and repeated store nothing twice.
"""
from __future__ import absolute_import, division, print_function

import errno
import importlib
import json
import os
import socket
import time

from . import _settings
from ._settings import fingerprint  # noqa: F401 (spool headers name their database)
from ._compat import PY2, makedirs_private, to_text

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: ownership by pid only
    fcntl = None

FORMAT = 1
SUFFIX = ".spool"
RESCAN_INTERVAL = 60.0  # look for spools of dead processes this often
READ_BYTES = 1 << 20
READ_ITEMS = 2000


def default_dir():
    """``~/.cryocore/spool``."""
    return os.path.join(os.path.expanduser("~"), ".cryocore", "spool")


def configured_dir(settings):
    """The spool directory from settings (``spool_dir``; ``""`` or false disables)."""
    value = settings.get("spool_dir", None)
    if value is None:
        return default_dir()
    if not value:
        return None
    return os.path.abspath(os.path.expanduser(value))


def settings_for(header):
    """This program's settings that name the header's database, or None.

    The service the writer wrote for is tried first, then the others: the
    password (not in the spool) comes from these settings.
    """
    wanted = header.get("fingerprint")
    candidates = [header.get("service")] + list(_settings.SERVICES) + [None]
    for service in candidates:
        try:
            settings = _settings.get_settings(service)
        except Exception:  # unusable settings files: another candidate may do
            continue
        if fingerprint(settings) == wanted:
            return settings
    return None


def _plain(value):
    """JSON for what is not a plain value: as the status table stores it, ``str(value)``."""
    if isinstance(value, bytes):  # Python 3 bytes
        return value.decode("utf-8", "replace")
    return to_text(str(value))


# One encoder for every line: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=True, default=_plain)


def encode(seq, item):
    """One spool line (bytes); ValueError when `item` cannot be written (Python 2 bytes
    that are not UTF-8, a circular structure)."""
    line = _ENCODER.encode([seq, item])
    if not PY2:
        line = line.encode("ascii")
    return line + b"\n"


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def decode(line):
    """``(seq, item)`` from a spool line (JSON arrays become tuples)."""
    seq, item = json.loads(line.decode("ascii") if not PY2 else line)
    return seq, _tuples(item)


def header_for(sink, producer):
    """The first line of a spool file for `sink`'s rows from `producer`."""
    db = sink.db
    return {"format": FORMAT, "producer": producer, "pid": os.getpid(), "created": time.time(),
            "sink": sink_path(sink), "table": sink.table, "columns": list(sink.columns),
            "name": sink.name, "service": getattr(db, "service", None), "db": db.describe(),
            "fingerprint": fingerprint(db.settings)}


def sink_path(sink):
    """``module:Class`` of a sink, for the header (the replayer imports it)."""
    cls = type(sink)
    return "%s:%s" % (cls.__module__, getattr(cls, "__qualname__", cls.__name__))


def load_sink(header, db):
    """Rebuild the header's sink around `db` through its ``from_spool`` classmethod."""
    module, _, name = header["sink"].partition(":")
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj.from_spool(db, header["table"], header["columns"], header.get("name"))


def _lock(f):
    """Take the exclusive lock without waiting; False if another holder has it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except (IOError, OSError) as e:
        if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise


class SpoolFile(object):
    """One spool file, held (locked) by this process: append, read on, advance."""

    def __init__(self, path, f, header, header_end):
        self.path = path
        self._f = f
        self.header = header
        self.header_end = header_end
        self.pos = header_end
        self.size = os.fstat(f.fileno()).st_size
        self.closed = False

    @classmethod
    def create(cls, directory, header):
        """A new file for `header`, locked before it becomes visible to scanners."""
        makedirs_private(directory)  # log messages and values: the user's only
        name = "%s-%d-%x-%s" % (socket.gethostname().split(".")[0] or "host", os.getpid(),
                                header["producer"], header["table"])
        tmp = os.path.join(directory, "." + name + ".tmp")
        path = os.path.join(directory, name + SUFFIX)
        n = 0
        while os.path.exists(path):
            n += 1
            path = os.path.join(directory, "%s-%d%s" % (name, n, SUFFIX))
        f = os.fdopen(os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600), "w+b")
        _lock(f)
        head = json.dumps(header, sort_keys=True).encode("utf-8") + b"\n"
        f.write(head)
        f.flush()
        os.rename(tmp, path)
        return cls(path, f, header, len(head))

    @classmethod
    def adopt(cls, path):
        """Take over an orphan: None if its owner lives (locked) or it vanished."""
        try:
            f = open(path, "r+b")
        except (IOError, OSError) as e:
            if e.errno == errno.ENOENT:
                return None
            raise
        try:
            if not _lock(f):
                f.close()
                return None
            if os.fstat(f.fileno()).st_nlink == 0:  # replayed and removed meanwhile
                f.close()
                return None
            first = f.readline()
            if not first.endswith(b"\n"):
                raise ValueError("no header line")
            header = json.loads(first.decode("utf-8"))
            if header.get("format") != FORMAT:
                raise ValueError("unknown spool format %r" % header.get("format"))
        except Exception:
            f.close()
            raise
        spool = cls(path, f, header, len(first))
        spool.pos = max(spool.header_end, min(spool._saved_pos(), spool.size))
        return spool

    # -- writing ---------------------------------------------------------
    def append(self, data):
        """Append encoded lines (one write, so a killed process leaves whole lines)."""
        self._f.seek(0, os.SEEK_END)
        self._f.write(data)
        self._f.flush()
        self.size += len(data)

    # -- reading ---------------------------------------------------------
    def pending(self):
        return self.pos < self.size

    def read(self, max_items=READ_ITEMS, through_seq=None):
        """Up to `max_items` entries from the replay position: ``(entries, end, bad)``.

        Only whole lines are returned; `bad` counts lines that could not be
        decoded (a torn last line of a full disk, say): they are skipped.
        `through_seq` stops before the first entry with a higher seq.
        """
        self._f.seek(self.pos)
        data = self._f.read(min(READ_BYTES, self.size - self.pos))
        if b"\n" not in data:  # one line longer than READ_BYTES: take all of it
            data += self._f.read(self.size - self.pos - len(data))
        at_eof = self.pos + len(data) >= self.size
        entries, bad, used = [], 0, 0
        for line in data.splitlines(True):
            if not line.endswith(b"\n"):
                if at_eof:  # a torn last line (killed mid-write, disk full): skip it
                    used += len(line)
                    bad += 1
                break
            try:
                entry = decode(line)
            except (ValueError, TypeError):
                bad += 1
                used += len(line)
                continue
            if through_seq is not None and entry[0] > through_seq:
                break
            used += len(line)
            entries.append(entry)
            if len(entries) >= max_items:
                break
        return entries, self.pos + used, bad

    def advance(self, end):
        """Everything before `end` is stored: remember it (also on disk, for a crash)."""
        self.pos = end
        try:
            with open(self.path + ".pos", "w") as f:
                f.write("%d\n" % end)
        except (IOError, OSError):  # only costs a dedup query after a crash
            pass

    def _saved_pos(self):
        try:
            with open(self.path + ".pos") as f:
                return int(f.read().strip() or 0)
        except (IOError, OSError, ValueError):
            return 0

    def reset(self):
        """Fully replayed: drop the lines, keep the header (the file stays ours)."""
        self._f.truncate(self.header_end)
        self._f.flush()
        self.size = self.pos = self.header_end
        self._remove_pos()

    def _remove_pos(self):
        try:
            os.remove(self.path + ".pos")
        except OSError:
            pass

    def close(self, remove=False):
        """Release the file; `remove` deletes it (only when nothing is left to replay)."""
        if self.closed:
            return
        self.closed = True
        if remove:
            try:
                os.remove(self.path)
            except OSError:
                pass
            self._remove_pos()
        self._f.close()  # releases the lock


def orphans(directory):
    """Paths of spool files in `directory`, oldest first (whether held or not)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    paths = [os.path.join(directory, n) for n in names if n.endswith(SUFFIX)]
    stamped = []
    for p in paths:
        try:
            stamped.append((os.path.getmtime(p), p))
        except OSError:
            continue
    return [p for _, p in sorted(stamped)]


def directory_bytes(directory):
    """Bytes used by spool files in `directory` (for the disk bound)."""
    total = 0
    for p in orphans(directory):
        try:
            total += os.path.getsize(p)
        except OSError:
            continue
    return total


def quarantine(path):
    """Rename an unreadable spool file so it is not tried again; keep it for a human."""
    target = "%s.bad-%d" % (path, int(time.time()))
    try:
        os.rename(path, target)
    except OSError:
        return None
    return target


_reported = set()


class OrphanFinder(object):
    """Finds spools of dead processes in a directory and rebuilds their sinks to replay them."""

    def __init__(self, directory):
        self.directory = directory
        self.scanned_at = None
        self._unusable = set()  # not ours to replay (other database, unknown sink)
        self._dbs = {}          # settings fingerprint -> InternalDB

    def due(self):
        return self.scanned_at is None or time.time() - self.scanned_at >= RESCAN_INTERVAL

    def forget(self):
        """Scan again at the next chance, spools passed over before included."""
        self._unusable = set()
        self.scanned_at = None

    def scan(self, known, stop):
        """``(spool, sink)`` for each orphan not in `known` that this program can replay.

        `scanned_at` is set only once every orphan was handed over: until then the writer
        counts the scan as not done and does not finish (else a shutdown racing the scan
        would leave spools it had just found).
        """
        started = time.time()
        for path in orphans(self.directory):
            if path in known or path in self._unusable or stop():
                continue
            found = self._open(path)
            if found is not None:
                yield found
        self.scanned_at = started

    def _open(self, path):
        from .InternalDB import mysql, report
        try:
            spool = SpoolFile.adopt(path)
        except (IOError, OSError) as e:
            self._unusable.add(path)
            report("cannot open spool %s: %s" % (path, e))
            return None
        except Exception as e:
            report("unreadable spool %s (%s): moved to %s" % (path, e, quarantine(path)))
            return None
        if spool is None:
            return None
        header = spool.header
        settings = settings_for(header)
        if settings is None:  # another database (other settings): left, quietly, for its users
            self._unusable.add(path)
            spool.close()
            return None
        try:
            key = fingerprint(settings)
            if key not in self._dbs:
                self._dbs[key] = mysql("CryoCore-replay", config=settings)
            return spool, load_sink(header, self._dbs[key])
        except Exception as e:
            self._unusable.add(path)
            spool.close()
            if path not in _reported:  # once per process, not once per writer
                _reported.add(path)
                report("cannot replay spool %s: %s" % (path, e))
            return None

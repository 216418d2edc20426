#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""DbSync: copy this machine's CryoCore database to a ground database, every row once.

Reads the local (field) database from the usual settings and ``--db_*`` flags and writes
the ground database named by the ``--to`` settings file: status, status2d and log rows in
id order, exactly once, resumable after any kill or lost link; config versions as ground
versions SOURCE and SOURCE.<version>.  See README, "Field to ground".
"""
from __future__ import absolute_import, division, print_function

import io
import os
import signal
import socket
import sys
import time

if __package__ in (None, ""):  # run as ./CryoCore/Tools/DbSync.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore.Core._compat import PY2, one_line, to_text  # noqa: E402
from CryoCore.Tools import _common  # noqa: E402

POLL = 0.5          # seconds between rounds when nothing was new (--follow)
PUBLISH_EVERY = 5.0  # seconds between updates of channel CryoCore.Sync (--follow)


def _parser():
    parser = _common.make_parser("DbSync.py", "Copy this CryoCore database to a ground "
                                 "database over a poor link, every row exactly once.")
    parser.add_argument("--to", required=True, metavar="SETTINGS.json",
                        help="settings file naming the ground database (mode 0600)")
    parser.add_argument("--source", default=None,
                        help="name of this field machine on the ground (default: host name)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="catch up, then stop (default)")
    mode.add_argument("--follow", "-f", action="store_true", help="keep copying new rows")
    mode.add_argument("--status", action="store_true",
                      help="show per source and table: last copied id, lag, last error")
    parser.add_argument("--tables", default="status,status2d,log,config",
                        help="comma-separated, of status,status2d,log,config (default all)")
    parser.add_argument("--max-kbps", type=float, default=None, metavar="N",
                        help="at most N kbit/s on the link over any 10 s window")
    parser.add_argument("--latest", default=None, metavar="CHANNEL[,CHANNEL]",
                        help="send the newest values of these channels ahead of the backlog")
    parser.add_argument("--latest-every", type=float, default=5.0, metavar="SECONDS",
                        help="period of --latest (default 5)")
    return parser


def _options(args):
    from CryoCore.Core._sync_run import ALL_TABLES
    tables = [t.strip() for t in args.tables.split(",") if t.strip()]
    bad = [t for t in tables if t not in ALL_TABLES]
    if bad or not tables:
        raise _common.ToolError("--tables: unknown table %r (use %s)"
                                % (bad[0] if bad else args.tables, ",".join(ALL_TABLES)))
    if args.max_kbps is not None and not 0 < args.max_kbps < 1e9:
        raise _common.ToolError("--max-kbps must be a positive number")
    if not 0.05 <= args.latest_every <= 86400:
        raise _common.ToolError("--latest-every must be between 0.05 and 86400 seconds")
    latest = [c for c in (args.latest or "").split(",") if c]
    source = to_text(args.source) if args.source is not None else to_text(socket.gethostname())
    if not source or len(source) > 180 or any(ord(c) < 32 for c in source):
        raise _common.ToolError("--source must be 1-180 characters without control characters")
    return tables, latest, source


def main(argv=None, out=None):
    parser = _parser()
    _common.autocomplete(parser)
    args = parser.parse_args(argv)
    out = out or sys.stdout
    tables, latest, source = _options(args)
    _common.apply_db_flags(args)
    from CryoCore.Core import _sync_run
    field = dict((s, _common.db_settings(args, s)) for s in ("config", "status", "log"))
    ground = _sync_run.ground_settings(args.to)
    if args.status:
        return _show_status(_sync_run.report(field, ground, source, tables), out)
    sync = _sync_run.Sync(field, ground, source, tables, max_kbps=args.max_kbps, latest=latest,
                          latest_every=args.latest_every)
    return _Loop(sync, args.follow, out).run()


class _Loop(object):
    """Rounds until caught up (--once) or stopped (--follow), reconnecting with back-off."""

    def __init__(self, sync, follow, out):
        from CryoCore.Core._sync_link import Backoff
        self.sync, self.follow, self.out = sync, follow, out
        self.backoff = Backoff()
        self.stopped = False
        self.last_error = u""
        self.progress = _Progress(sys.stderr) if not follow and _common.isatty(sys.stderr) else None
        self._next_publish = 0.0

    def run(self):
        from CryoCore.Core._exceptions import DatabaseError, is_connection_error
        signal.signal(signal.SIGTERM, self._stop)
        started, published_final = time.time(), False
        while not self.stopped:
            try:
                done = self.sync.step()
                self.backoff.reset()
                if self.progress is not None:
                    self.progress.update(self.sync)
                if self.follow and time.time() >= self._next_publish:
                    self._publish()
                if done:
                    continue
                if not self.follow and self.sync.caught_up():
                    if published_final:
                        break
                    self._publish(final=True)   # its rows travel in the last round
                    published_final = True
                    continue
                time.sleep(POLL)
            except DatabaseError as e:
                if not self.follow and not is_connection_error(e):
                    raise
                self._failed(e)
            except (IOError, OSError, EOFError) as e:  # a socket the driver did not translate
                if not self.follow:  # (the ground server killed mid-packet): said, retried
                    raise
                self._failed(e)
        if self.progress is not None:
            self.progress.clear()
        if not self.follow:
            copied = dict((t, n) for t, n in self.sync.copied.items() if t in self.sync.tables)
            _write(self.out, u"copied %d rows (%s) in %.1f s\n" % (
                sum(copied.values()), u", ".join(u"%s %d" % kv for kv in sorted(copied.items())),
                time.time() - started))
        for line in self.sync.problems():
            _write(sys.stderr, u"DbSync: %s\n" % line)
        return 0

    def _stop(self, signum, frame):
        self.stopped = True

    def _failed(self, e):
        self.last_error = u"%s %s" % (time.strftime("%Y-%m-%d %H:%M:%S"), one_line(e))
        _write(sys.stderr, u"DbSync: %s (retrying)\n" % one_line(e))
        self.sync.close()
        self._publish(error_only=True)
        deadline = time.time() + self.backoff.pause()
        while not self.stopped and time.time() < deadline:
            time.sleep(0.05)

    def _publish(self, final=False, error_only=False):
        """This sync's state as status values of channel CryoCore.Sync (local database)."""
        from CryoCore import API
        from CryoCore.Core._sync_run import CHANNEL
        self._next_publish = time.time() + PUBLISH_EVERY
        status = API.get_status(CHANNEL)
        status["source"] = self.sync.source
        if self.last_error:
            status["last_error"] = self.last_error
        if not error_only:
            for table, (last_id, rows, seconds) in sorted(self.sync.lag().items()):
                status["%s.last_id" % table] = last_id
                status["%s.lag_rows" % table] = rows
                status["%s.lag_s" % table] = round(seconds, 1)
        if final:  # store them now, so that the last round copies them
            from CryoCore.Core import _runtime
            _runtime.writer().flush(30)


class _Progress(object):
    """``[#####.....]  45%  12,345/27,000 rows  8,100 rows/s  ETA 0:00:02`` on a terminal,
    one line that fits its width (a wrapped line could not be redrawn in place)."""

    def __init__(self, stream):
        self.stream = stream
        self.total = None
        self.started = time.time()
        self._shown = 0.0

    def update(self, sync, force=False):
        now = time.time()
        if not force and now - self._shown < 0.2:
            return
        self._shown = now
        done = sum(sync.copied.values())
        if self.total is None:
            self.total = done + sum(rows for _, rows, _ in sync.lag().values())
        total = max(self.total, done, 1)
        rate = done / max(now - self.started, 1e-6)
        left = (total - done) / rate if rate > 0 else 0
        text = u" %3d%%  %s/%s rows  %s rows/s  ETA %s" % (
            100 * done // total, _n(done), _n(total), _n(int(rate)), _clock(left))
        width = max(0, min(30, _columns(self.stream) - len(text) - 3))
        fill = int(width * done / total)
        bar = u"[%s%s]" % (u"#" * fill, u"." * (width - fill)) if width >= 5 else u""
        _write(self.stream, u"\r%s%s\033[K" % (bar, text))
        self.stream.flush()

    def clear(self):
        _write(self.stream, u"\r\033[K")
        self.stream.flush()


def _columns(stream):
    """The terminal's width (80 when it cannot be asked)."""
    try:
        import fcntl
        import struct
        import termios
        rows_cols = struct.unpack("hh", fcntl.ioctl(stream.fileno(), termios.TIOCGWINSZ, b"1234"))
        return rows_cols[1] or 80
    except (ImportError, IOError, OSError, ValueError, AttributeError):
        return 80


def _n(number):
    return u"{:,}".format(number)


def _clock(seconds):
    seconds = int(seconds)
    return u"%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


def _show_status(result, out):
    rows, error = result
    head = (u"source", u"table", u"last id", u"lag rows", u"lag s", u"updated")
    lines = [head]
    for r in rows:
        lines.append((r["source"], r["table"], _dash(r["last_id"]), _dash(r["lag_rows"]),
                      u"-" if r["lag_s"] is None else u"%.1f" % r["lag_s"],
                      u"-" if not r["updated"] else time.strftime(
                          "%Y-%m-%d %H:%M:%S", time.localtime(r["updated"]))))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for line in lines:
        _write(out, _common.terminal_safe(u"  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths))).rstrip() + u"\n", out))
    _write(out, _common.terminal_safe(u"last error: %s\n" % (error or u"-"), out))
    return 0


def _write(stream, text):
    """Write text (2.7 files take UTF-8 bytes)."""
    if PY2 and not isinstance(stream, io.TextIOBase):
        text = text.encode("utf-8")
    stream.write(text)
    stream.flush()


def _dash(value):
    return u"-" if value is None else to_text(value)


def console_main():
    _common.console(main)


if __name__ == "__main__":
    console_main()

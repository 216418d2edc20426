#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""TailLog: View and follow logs.

Shows the last rows of the ``log`` table (``-n``, ``-a``, ``--since``),
filtered by level, module, logger, keywords or a regular expression, and
follows new rows with ``-f``.  With ``--bw`` each row is exactly
``"%s [%7s][%20s (%4s)][%10s] %s" % (ctime, level, module, line, logger, message)``.
"""
from __future__ import absolute_import, division, print_function

import collections
import logging
import os
import re
import sys
import time

if __package__ in (None, ""):  # run as ./CryoCore/Tools/TailLog.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore.Core import InternalDB, _schema  # noqa: E402
from CryoCore.Core._compat import to_text  # noqa: E402
from CryoCore.Tools import _common  # noqa: E402
from CryoCore.Tools._follow import IdFollower, follow  # noqa: E402

DEFAULT_LINES = 200
PAGE_ROWS = 5000
LINE_FORMAT = "%s [%7s][%20s (%4s)][%10s] %s"
_SELECT = "SELECT id, time, level, module, line, logger, message FROM log"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LEVEL_COLOURS = ((logging.CRITICAL, "magenta"), (logging.ERROR, "red"),
                  (logging.WARNING, "yellow"), (logging.INFO, "green"), (0, "grey"))


def build_parser():
    parser = _common.make_parser("TailLog.py", "View and follow CryoCore logs.")
    parser.add_argument("-n", dest="lines", type=int, default=None, metavar="N",
                        help="show the last N rows (default %d)" % DEFAULT_LINES)
    parser.add_argument("-f", "--follow", action="store_true", help="keep showing new rows")
    parser.add_argument("-a", "--all", action="store_true", help="show all rows")
    parser.add_argument("-s", "--since", metavar="T",
                        help="rows since T: epoch, -SECONDS, 30s/10m/2h/1d or ctime text")
    parser.add_argument("--level", metavar="L", help="minimum level (name or number)"
                        ).completer = _choices_completer(LEVELS)
    parser.add_argument("--module", action="append", metavar="M",
                        help="only this module (file name without .py); repeatable"
                        ).completer = _column_completer("module")
    parser.add_argument("--logger", action="append", metavar="L",
                        help="only this logger; repeatable").completer = _column_completer("logger")
    parser.add_argument("--list", choices=("modules", "loggers"),
                        help="list the module or logger names and exit")
    parser.add_argument("--grep", metavar="REGEX",
                        help="only rows whose line matches REGEX, with context lines")
    parser.add_argument("-i", "--ignore-case", action="store_true", help="--grep ignores case")
    parser.add_argument("-C", "--context", type=int, default=None, metavar="N",
                        help="--grep context rows before and after (default 2)")
    parser.add_argument("-A", "--after", type=int, default=None, metavar="N",
                        help="--grep context rows after")
    parser.add_argument("-B", "--before", type=int, default=None, metavar="N",
                        help="--grep context rows before")
    parser.add_argument("--source", help="only rows DbSync copied from this field source")
    parser.add_argument("--clear-all", action="store_true", help="delete every log row (asks)")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask (--clear-all)")
    parser.add_argument("keywords", nargs="*",
                        help="only rows whose message, module or logger contains any of "
                        "these (reads the rows until enough match: slow on a big table where "
                        "they are rare; --level, --logger, --module and --since are not)")
    return parser


def main(argv=None):
    parser = build_parser()
    _common.autocomplete(parser)
    args = parser.parse_args(argv)
    query = Query.from_args(args)
    db = _open(args)
    if not _has_table(db, args.follow and not (args.clear_all or args.list)):
        return 0  # no CryoCore log table yet: nothing to show or delete
    _common.resolve_source(db, args)
    query.extra = _common.source_condition(args, "cc_source")
    if args.clear_all:
        return _clear_all(db, args)
    if args.list:
        column = args.list[:-1]  # modules -> module, loggers -> logger
        for (name,) in db._execute("SELECT DISTINCT %s FROM log ORDER BY %s" % (column, column)):
            if name is not None:
                _write(u"%s\n" % to_text(name))
        return 0
    printer = Printer(args)
    last_id = query.show(db, printer)
    if args.follow:
        _follow(db, query, printer, last_id)
    return 0


def _open(args):
    """The log database as it is: a viewer never creates or alters it (a missing database
    is an error; one without the log table yet shows nothing)."""
    return InternalDB.mysql("TailLog", config=_common.db_settings(args, "log"), create=False)


def _has_table(db, follow):
    """Whether the log table exists; with `follow`, wait until a program creates it."""
    while not _schema.has_tables(db, "log"):
        if not follow:
            return False
        time.sleep(0.25)
    return True


def _clear_all(db, args):
    count = db._execute("SELECT COUNT(*) FROM log").fetchone()[0]
    _common.confirm("Delete all %d log rows in %s?" % (count, db.describe()), args.yes)
    deleted = db._execute("DELETE FROM log").rowcount
    _write(u"Deleted %d log rows\n" % max(deleted, 0))
    return 0


def parse_level(text):
    """A level name (any case) or number; anything else is a ToolError."""
    raw = (text or "").strip()
    if re.match(r"^-?[0-9]+$", raw):  # ASCII digits only (str.isdigit() takes superscripts)
        return max(-_common.MAX_ROWS, min(int(raw), _common.MAX_ROWS))  # fits any column
    name = raw.upper()
    if name == "WARN":
        name = "WARNING"
    if name == "FATAL":
        name = "CRITICAL"
    if name in LEVELS:
        return getattr(logging, name)
    raise _common.ToolError("unknown level %r: use a number or one of %s"
                            % (text, ", ".join(LEVELS)))


class Query(object):
    """Which rows to show: SQL for the first screen, the same test in Python when following."""

    def __init__(self, level=None, modules=None, loggers=None, since=None, keywords=None,
                 lines=DEFAULT_LINES):
        self.level = level
        self.modules = [_common.stored_form(m) for m in modules or []]
        self.loggers = [_common.stored_form(name) for name in loggers or []]
        self.since = since
        self.keywords = [_common.stored_form(k) for k in (keywords or []) if k]
        self.lines = lines  # None: every row

    @classmethod
    def from_args(cls, args):
        level = parse_level(args.level) if args.level is not None else None
        since = _common.parse_since(args.since) if args.since is not None else None
        lines = _common.check_rows(args.lines)
        if lines is None and not args.all and since is None:
            lines = DEFAULT_LINES
        if args.all and args.lines is None:
            lines = None
        return cls(level, args.module, args.logger, since, args.keywords, lines)

    extra = ([], [])  # conditions from outside the filters (--source)

    def where(self):
        clauses, params = list(self.extra[0]), list(self.extra[1])
        if self.level is not None:
            clauses.append("level >= %s")
            params.append(self.level)
        for column, values in (("module", self.modules), ("logger", self.loggers)):
            if values:
                clauses.append("%s IN (%s)" % (column, ",".join(["%s"] * len(values))))
                params.extend(values)
        if self.since is not None:
            clauses.append("time >= %s")
            params.append(self.since)
        if self.keywords and all(_ascii(word) for word in self.keywords):
            # LIKE ignores ASCII case on both backends (and more on MySQL): a superset of
            # matches(), which has the last word.  Other text is matched in Python only.
            any_of = []
            for word in self.keywords:
                pattern = u"%" + _common.like_escape(word) + u"%"
                for column in ("message", "module", "logger"):
                    any_of.append("%s LIKE %%s ESCAPE '|'" % column)
                    params.append(pattern)
            clauses.append("(" + " OR ".join(any_of) + ")")
        return clauses, params

    def matches(self, row):
        """The where() test on a fetched row (id, time, level, module, line, logger, message)."""
        _, created, level, module, _, logger, message = row
        if self.level is not None and (level is None or level < self.level):
            return False
        if self.modules and module not in self.modules:
            return False
        if self.loggers and logger not in self.loggers:
            return False
        if self.since is not None and (created is None or created < self.since):
            return False
        if self.keywords:
            hay = [to_text(v or u"").lower() for v in (message, module, logger)]
            return any(k.lower() in h for k in self.keywords for h in hay)
        return True

    def show(self, db, printer):
        """Print the first screen; returns the highest id of the table seen before it.

        SQL narrows the rows (MySQL's comparisons ignore case, accents and trailing
        spaces); matches() decides, so only matching rows are shown on either backend.
        """
        top = db._execute("SELECT MAX(id) FROM log").fetchone()[0] or 0
        clauses, params = self.where()
        clauses.append("id <= %s")
        params.append(top)
        where = " WHERE " + " AND ".join(clauses)
        if self.lines is not None:
            shown, before = [], top + 1
            while len(shown) < self.lines:  # page back until enough rows match
                page = max(self.lines, 1000)
                rows = db._execute(_SELECT + where + " AND id < %s ORDER BY id DESC LIMIT %s",
                                   params + [before, page]).fetchall()
                shown.extend(row for row in rows if self.matches(row))
                if len(rows) < page:
                    break
                before = rows[-1][0]
            printer.rows(reversed(shown[:self.lines]))
            return top
        after = 0
        while True:  # page by id: -a on a big table never holds it all in memory
            rows = db._execute(_SELECT + where + " AND id > %s ORDER BY id LIMIT %s",
                               params + [after, PAGE_ROWS]).fetchall()
            printer.rows(row for row in rows if self.matches(row))
            if len(rows) < PAGE_ROWS:
                return top
            after = rows[-1][0]


def _ascii(text):
    return all(ord(c) < 128 for c in text)


def _follow(db, query, printer, last_id, stop=None):
    """Show new rows as they commit (IdFollower looks back over late commits)."""
    def fetch(after):
        return db._execute(_SELECT + " WHERE id > %s ORDER BY id LIMIT %s",
                           (after, PAGE_ROWS)).fetchall()

    follow(lambda: [IdFollower(fetch, start_after=last_id)], query.matches, printer.rows,
           "TailLog", stop)


class Printer(object):
    """Formats rows (colour by level on a terminal) and applies --grep with context."""

    def __init__(self, args, stream=None):
        self.stream = stream
        self.colour = _common.use_colour(args, stream or sys.stdout)
        self.grep = None
        if args.grep is not None:
            try:
                self.grep = re.compile(args.grep, re.I if args.ignore_case else 0)
            except re.error as e:
                raise _common.ToolError("bad --grep pattern %r: %s" % (args.grep, e))
            context = 2 if args.context is None else args.context
            before = context if args.before is None else args.before
            after = context if args.after is None else args.after
            if min(before, after) < 0:
                raise _common.ToolError("context lines must be 0 or more")
            before, after = min(before, _common.MAX_ROWS), min(after, _common.MAX_ROWS)
            self._before = collections.deque(maxlen=before or None) if before else None
            self._after_n = after
            self._after_left = 0
            self._printed_any = False
            self._gap = False

    def rows(self, rows):
        out = []
        for row in rows:
            line = format_row(row)
            if self.grep is None:
                out.append(self._paint(line, row[2]))
            else:
                self._grep_one(line, row[2], out)
        if out:
            _write(u"".join(out), self.stream)

    def _grep_one(self, line, level, out):
        if self.grep.search(line):
            if self._printed_any and self._gap:  # rows were left out since the last shown
                out.append(u"--\n")
            if self._before:
                out.extend(self._before)
                self._before.clear()
            out.append(self._paint(line, level))
            self._after_left = self._after_n
            self._printed_any, self._gap = True, False
        elif self._after_left > 0:
            out.append(self._paint(line, level))
            self._after_left -= 1
        else:
            if self._before is not None:
                if len(self._before) == self._before.maxlen:
                    self._gap = True
                self._before.append(self._paint(line, level))
            else:
                self._gap = True

    def _paint(self, line, level):
        if self.colour:
            for threshold, name in _LEVEL_COLOURS:
                if (level or 0) >= threshold:
                    return _common.colour(line, name) + u"\n"
        return line + u"\n"


def level_name(level):
    if level is None:
        return u"?"
    name = logging.getLevelName(int(level))
    return to_text(name)


def format_row(row):
    """One row as the original's line (without the newline)."""
    _, created, level, module, line, logger, message = row
    ctime = time.ctime(created) if created is not None else u"?"
    return LINE_FORMAT % (to_text(ctime), level_name(level), to_text(module or u""),
                          u"" if line is None else line, to_text(logger or u""),
                          to_text(message if message is not None else u""))


def _write(text, stream=None):
    _common.write(text, stream)


# -- completion ---------------------------------------------------------------
def _choices_completer(choices):
    def complete(prefix, **kwargs):
        return [c for c in choices if c.lower().startswith((prefix or "").lower())]
    return complete


def _column_completer(column):
    """Complete names from the log table of the database the other flags name."""
    def complete(prefix, parsed_args=None, **kwargs):
        try:
            db = InternalDB.mysql("TailLog", config=_common.db_settings(parsed_args, "log"),
                                  create=False)
            rows = db._execute("SELECT DISTINCT %s FROM log WHERE %s LIKE %%s ESCAPE '|' "
                               "ORDER BY %s LIMIT 500" % (column, column, column),
                               (_common.like_escape(to_text(prefix or u"")) + u"%",)).fetchall()
            db.close()
        except Exception as e:  # completion must never print a traceback into the shell
            _completion_warning(e)
            return []
        return [to_text(r[0]) for r in rows if r[0] is not None]
    return complete


def _completion_warning(e):
    try:
        import argcomplete
        argcomplete.warn("cannot complete from the log database: %s" % (e,))
    except Exception:  # no argcomplete or no tty to warn on: quietly no completions
        return


console_main = _common.entry_point(main)

if __name__ == "__main__":
    console_main()

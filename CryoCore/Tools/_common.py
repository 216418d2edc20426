"""What every tool shares: --db_* flags, --bw/colour, --since parsing, error edges.

Each tool is ``main(argv=None) -> int`` over a parser from ``make_parser``;
``run(main)`` turns library errors into one ``Error: ...`` line and exit 1,
and ends quietly on Ctrl-C and on a closed pipe (``TailLog.py | head``).
"""
from __future__ import absolute_import, division, print_function

import argparse
import errno
import io
import os
import re
import sys

from CryoCore.Core import _settings, _timeparse
from CryoCore.Core._compat import PY2, to_text
from CryoCore.Core._exceptions import ConfigException, DatabaseError, SettingsError

DB_FLAGS = ("db_name", "db_user", "db_host", "db_password", "db_type", "db_path", "db_port")
#: Larger row counts and numbers from the command line are clamped to this (SQL takes 64 bits).
MAX_ROWS = 1 << 62


class ToolError(Exception):
    """A user error in a tool: printed as one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
    """Bad flags are one ``Error: ...`` line and exit 1, as every other user error."""

    def error(self, message):
        raise ToolError("%s (see %s -h)" % (message, self.prog))


def make_parser(prog, description):
    """An argparse parser with the shared --db_* and --bw flags."""
    parser = _Parser(prog=prog, description=description)
    group = parser.add_argument_group("database (override settings files)")
    for flag in DB_FLAGS:
        kwargs = {"dest": flag, "default": None}
        if flag == "db_type":
            kwargs["choices"] = ("mysql", "sqlite")
        if flag == "db_port":
            kwargs["type"] = int
        if flag == "db_password":
            kwargs["help"] = "only for compatibility: prefer a settings file (mode 0600)"
        group.add_argument("--" + flag, **kwargs)
    parser.add_argument("--bw", action="store_true", help="no colours")
    return parser


_PASSWORD_FLAG_WARNING = ("CryoCore: warning: --db_password is visible to other users in the "
                          "process list; put db_password in a settings file (chmod 600)\n")
_warned_password_flag = []


def warn_password_flag(args):
    """Warn once that a password given on the command line is visible in `ps`."""
    if (getattr(args, "db_password", None) and not _warned_password_flag
            and not os.environ.get("_ARGCOMPLETE")):
        _warned_password_flag.append(True)
        sys.stderr.write(_PASSWORD_FLAG_WARNING)


def check_rows(n, flag="-n"):
    """A row count from the command line: >= 0 (clamped to what SQL takes)."""
    if n is not None and n < 0:
        raise ToolError("%s takes a number >= 0, not %d" % (flag, n))
    return None if n is None else min(n, MAX_ROWS)


def db_flags(args):
    """The --db_* flags given in `args`, as settings (flags not given are left out)."""
    return dict((f, getattr(args, f)) for f in DB_FLAGS if getattr(args, f, None) is not None)


def db_settings(args, service):
    """Effective settings for `service` with the tool's --db_* flags winning (for the
    whole process: spools left for that database are stored too)."""
    apply_db_flags(args)
    return _settings.get_settings(service, db_flags(args))


def apply_db_flags(args):
    """Make the --db_* flags win for every service in this process, and look again for
    spools left by dead programs: one for the database the flags name is stored too."""
    warn_password_flag(args)
    flags = db_flags(args)
    if flags:
        _settings.set_explicit(flags)
        if not os.environ.get("_ARGCOMPLETE"):
            from CryoCore.Core import _runtime
            _runtime.replay_spools(rescan=True)


def autocomplete(parser):
    """Wire argcomplete when it is installed (it is optional) and the shell is completing
    (it sets _ARGCOMPLETE): every other start skips importing it (~20 ms)."""
    if not os.environ.get("_ARGCOMPLETE"):
        return
    try:
        import argcomplete
    except ImportError:
        return
    argcomplete.autocomplete(parser)


# -- colour ---------------------------------------------------------------
COLOURS = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35",
           "cyan": "36", "grey": "90", "bold": "1"}


def use_colour(args, stream=None):
    """Colour only on a terminal and without --bw."""
    stream = stream or sys.stdout
    return not getattr(args, "bw", False) and hasattr(stream, "isatty") and stream.isatty()


def colour(text, name, enabled=True):
    if not enabled or name not in COLOURS:
        return text
    return "\033[%sm%s\033[0m" % (COLOURS[name], text)


# Control characters a terminal would act on (clear the screen, move the cursor, set the
# title...), except newline and tab; colour sequences (ESC [ digits m) pass.
_CONTROL = re.compile(u"\x1b(?!\\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]")


def terminal_safe(text, stream=None):
    """`text` for `stream`: on a terminal, control characters from the data become visible
    escapes (``\\x1b``); to a pipe or file it is unchanged (exact)."""
    stream = stream or sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return text
    return _CONTROL.sub(lambda m: u"\\x%02x" % ord(m.group()), text)


def write(text, stream=None):
    """Write `text` to `stream` (default stdout) and flush: the one way tools print.

    On a terminal, control characters from the data become visible escapes
    (terminal_safe); characters the stream's encoding cannot hold become
    backslash escapes instead of an error; 2.7 files that take bytes get UTF-8.
    """
    stream = stream or sys.stdout
    text = terminal_safe(to_text(text), stream)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    if PY2 and not isinstance(stream, io.TextIOBase):  # pragma: no cover - 2.7 byte files
        stream.write(text.encode(encoding, "backslashreplace" if encoding.lower() != "utf-8"
                                 else "replace"))
    else:
        try:
            stream.write(text)
        except UnicodeEncodeError:  # a terminal or pipe that cannot show some characters
            stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    flush = getattr(stream, "flush", None)  # a minimal file-like object may only write
    if flush is not None:
        flush()


def confirm(question, yes=False):
    """Go on only if the user agrees: `yes` (--yes) skips the question; on a terminal
    `question` is asked on stderr; otherwise the answer is read from standard input
    (``echo y | TailLog.py --clear-all``).  Anything but y/yes is a ToolError."""
    if yes:
        return
    if isatty(sys.stdin):
        write(u"%s [y/N] " % question, sys.stderr)
    try:
        answer = sys.stdin.readline()
    except (IOError, OSError, ValueError):  # no readable stdin (closed, detached): no answer
        answer = u""
    if to_text(answer).strip().lower() not in (u"y", u"yes"):
        raise ToolError("nothing deleted (answer y, or add --yes to skip the question)")


def isatty(stream):
    """Whether `stream` is a terminal (False for a closed or replaced stream)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def stored_form(text):
    """Filter text in the form the services store it: lone surrogates (undecodable argv
    bytes) become visible backslash escapes, so a filter matches the rows they are in."""
    text = to_text(text)
    return text if PY2 else text.encode("utf-8", "backslashreplace").decode("utf-8")


def like_escape(text):
    """`text` as a LIKE pattern matching itself, for ``LIKE %s ESCAPE '|'``."""
    return text.replace(u"|", u"||").replace(u"%", u"|%").replace(u"_", u"|_")


# -- --source (rows DbSync copied to a ground database) ---------------------------
def source_name(args):
    """``--source`` in the form the sync stored it (None when not given)."""
    source = getattr(args, "source", None)
    return stored_form(source) if source is not None else None


def resolve_source(db, args):
    """Look up ``args.source`` in `db` once (``args.source_id``; None if no such source)."""
    if getattr(args, "source", None) is not None:
        from CryoCore.Core._sync import find_source
        args.source_id = find_source(db, source_name(args))


def source_condition(args, column="s.cc_source"):
    """([conditions], [params]) keeping only rows of ``args.source``."""
    if getattr(args, "source", None) is None:
        return [], []
    if getattr(args, "source_id", None) is None:
        return ["1 = 0"], []
    return [column + " = %s"], [args.source_id]


# -- time -----------------------------------------------------------------
def parse_since(text, now=None):
    """Epoch seconds from `text` (see ``CryoCore.Core._timeparse``); ToolError if no time."""
    try:
        return _timeparse.parse_time(text, now)
    except ValueError as e:
        raise ToolError(str(e))


def add_range_flags(parser):
    """``--since``/``-s`` and ``--until``/``-u`` of the history tools (read by time_range)."""
    parser.add_argument("--since", "-s", metavar="T",
                        help="from T: epoch, -SECONDS, 30s/10m/2h/1d, ctime or ISO 8601 text")
    parser.add_argument("--until", "-u", metavar="T", help="up to (not including) T")


def time_range(args):
    """``(since, until)`` epoch seconds from ``args.since``/``args.until`` (None: open);
    ToolError for text that is no time or an --until not after --since."""
    since = parse_since(args.since) if args.since is not None else None
    until = parse_since(args.until) if args.until is not None else None
    if since is not None and until is not None and until <= since:
        raise ToolError("--until (%s) must be after --since (%s)" % (args.until, args.since))
    return since, until


# -- the edge ---------------------------------------------------------------
def run(main, argv=None):
    """Call ``main(argv)``; translate errors to one line and an exit status.

    Spools that dead CryoCore processes left are stored in the background meanwhile.
    """
    try:
        from CryoCore.Core import _runtime
        _runtime.replay_spools()
        return main(argv) or 0
    except KeyboardInterrupt:
        return 130
    except IOError as e:  # BrokenPipeError is an IOError/OSError on both Pythons
        if getattr(e, "errno", None) == errno.EPIPE:
            _silence_stdout()
            return 0
        return _error(e)
    except (ToolError, ConfigException, DatabaseError, SettingsError, ValueError) as e:
        return _error(e)
    finally:
        _stop_services()


def _error(e):
    message = " ".join(_text_of(e).split()) or e.__class__.__name__
    write(u"Error: %s\n" % message, sys.stderr)
    return 1


def _text_of(e):
    """The message of `e` as text (Python 2.7 messages may be unicode or UTF-8 bytes)."""
    if PY2:
        try:
            return unicode(e)  # noqa: F821
        except UnicodeError:
            return str(e).decode("utf-8", "replace")
    return str(e)


def _silence_stdout():
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # no real stdout to redirect: nothing will be flushed to it either


def _stop_services():
    from CryoCore import API
    try:
        API.shutdown()
    except Exception as e:  # report, but never turn a tool's result into a traceback
        sys.stderr.write("CryoCore: shutdown: %s\n" % e)


def entry_point(main):
    """A tool's ``console_main``: ``sys.exit(run(main))`` (the console scripts call it)."""
    def console_main():
        """Console-script entry point."""
        sys.exit(run(main))
    return console_main



def console(main):
    """Run `main` as a console script (``entry_point(main)()``; tools written before
    entry_point call this from their own ``console_main``)."""
    entry_point(main)()

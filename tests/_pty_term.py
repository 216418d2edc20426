"""A program in a pseudo-terminal, for end-to-end tests of curses tools (2.7-friendly).

``Term(argv, env)`` forks the program on a pty of the given size.  Output is
kept raw (``term.raw``) and, when pyte is installed, fed to a pyte screen
(``term.lines()``, ``term.reverse_rows()``).  Waits poll the pty with a
deadline; nothing sleeps a fixed time.
"""
from __future__ import absolute_import, division, print_function

import errno
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time

try:
    import pyte
except ImportError:  # the 2.7 smoke run has no pyte: raw output only
    pyte = None

# what an xterm sends once curses switched it to keypad-transmit mode
KEYS = {"UP": b"\x1bOA", "DOWN": b"\x1bOB", "RIGHT": b"\x1bOC", "LEFT": b"\x1bOD",
        "HOME": b"\x1bOH", "END": b"\x1bOF", "PGUP": b"\x1b[5~", "PGDN": b"\x1b[6~",
        "ALT_RIGHT": b"\x1b[1;3C", "ALT_LEFT": b"\x1b[1;3D", "ENTER": b"\r", "ESC": b"\x1b",
        "BACKSPACE": b"\x7f", "CTRL_U": b"\x15", "CTRL_C": b"\x03"}


if pyte is not None:
    class _Screen(pyte.Screen):
        """pyte's screen plus what ncurses sends an xterm-256color and pyte 0.8 lacks:
        scroll up/down (CSI n S, CSI n T) and repeat the last character (CSI n b)."""
        _last = u" "

        def draw(self, data):
            if data:
                self._last = data[-1]
            pyte.Screen.draw(self, data)

        def repeat(self, count=1, **_kwargs):
            self.draw(self._last * (count or 1))

        def scroll_up(self, count=1, **_kwargs):
            self._at_top(self.delete_lines, count)

        def scroll_down(self, count=1, **_kwargs):
            self._at_top(self.insert_lines, count)

        def _at_top(self, operation, count):
            x, y = self.cursor.x, self.cursor.y
            self.cursor.y = self.margins.top if self.margins else 0
            operation(count or 1)
            self.cursor.x, self.cursor.y = x, y

    class _Stream(pyte.ByteStream):
        csi = dict(pyte.ByteStream.csi, S="scroll_up", T="scroll_down", b="repeat")


def _set_size(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Term(object):
    """`argv` running in a `cols` x `rows` pseudo-terminal."""

    def __init__(self, argv, env, cols=80, rows=24, cwd=None, term="xterm-256color"):
        env = dict(env, TERM=term, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal, then become the program
            try:
                # a shell without job control starts background jobs with SIGINT ignored,
                # and an ignored SIGINT stays ignored across exec: a user's Ctrl-C is not
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _set_size(0, cols, rows)
                if cwd:
                    os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd, self.status = pid, fd, None
        self.raw = b""
        self.screen = _Screen(cols, rows) if pyte else None
        self.stream = _Stream(self.screen) if pyte else None

    # -- output ------------------------------------------------------------------
    def _pump(self, timeout):
        """Read what is there (waiting up to `timeout`); False at end of output."""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError as e:
            if e.errno == errno.EIO:  # the program closed the terminal
                return False
            raise
        if not data:
            return False
        self.raw += data
        if self.stream is not None:
            self.stream.feed(data)
        return True

    def text(self):
        return u"\n".join(self.lines())

    def lines(self):
        return list(self.screen.display)

    def reverse_rows(self):
        """The screen rows drawn in reverse video from the first column (the cursor row)."""
        out = []
        for y in range(self.screen.lines):
            line = self.screen.buffer[y]
            if line[0].reverse and line[self.screen.columns // 2].reverse:
                out.append(self.screen.display[y])
        return out

    def wait_for(self, what, timeout=5.0):
        """Wait until `what` (screen text, or a predicate of this Term) holds; returns it."""
        deadline = time.time() + timeout
        check = what if callable(what) else (lambda t: what in t.text())
        while True:
            if check(self):
                return True
            left = deadline - time.time()
            if left <= 0 or not self._pump(min(left, 0.1)):
                return check(self)

    def wait_raw(self, data, timeout=5.0):
        """Wait until the raw output holds `data` (bytes); for runs without pyte."""
        deadline = time.time() + timeout
        while data not in self.raw:
            left = deadline - time.time()
            if left <= 0 or not self._pump(min(left, 0.1)):
                break
        return data in self.raw

    # -- input ---------------------------------------------------------------------
    def send(self, *keys):
        """Send key names (see KEYS) or text."""
        for key in keys:
            data = KEYS.get(key)
            if data is None:
                data = key.encode("utf-8") if not isinstance(key, bytes) else key
            os.write(self.fd, data)

    def resize(self, cols, rows):
        """Resize the terminal (the program gets SIGWINCH)."""
        _set_size(self.fd, cols, rows)
        if self.screen is not None:
            self.screen.resize(rows, cols)

    # -- the end ---------------------------------------------------------------------
    def wait_exit(self, timeout=5.0):
        """The program's exit status (reading its last output); None if it still runs."""
        deadline = time.time() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._pump(0):  # what it wrote last (terminal restore)
                    pass
                self.status = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
                break
            if time.time() > deadline:
                return None
            self._pump(0.05)
        return self.status

    def close(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError as e:
                if e.errno != errno.ESRCH:
                    raise
            os.waitpid(self.pid, 0)
            self.status = -signal.SIGKILL
        os.close(self.fd)

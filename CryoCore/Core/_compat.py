"""Small Python 2.7 / 3.x compatibility helpers (text vs bytes at the DB boundary)."""
from __future__ import absolute_import, division, print_function

import sys

PY2 = sys.version_info[0] == 2

if PY2:  # pragma: no cover - exercised by the 2.7 smoke run
    text_type = unicode  # noqa: F821
    string_types = (str, unicode)  # noqa: F821
    integer_types = (int, long)  # noqa: F821
else:
    text_type = str
    string_types = (str,)
    integer_types = (int,)


def to_text(value, errors="replace"):
    """Return `value` as text; bytes are decoded as UTF-8 (bad bytes replaced)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors)
    if isinstance(value, text_type):
        return value
    return text_type(value)


def one_line(e):
    """The message of exception `e` as one line of text (never raises: repr at worst)."""
    try:
        return u" ".join(to_text(e).split())
    except UnicodeError:  # 2.7: a byte-string message that is not ASCII
        return to_text(repr(e))


def utf8_len(text):
    """Length of `text` in UTF-8 bytes."""
    return len(text.encode("utf-8", "replace"))


def makedirs_private(path):
    """Create `path` and any missing parents with mode 0700 (Python 3's os.makedirs gives
    the parents the umask's mode).  Directories that exist, or that another process makes
    meanwhile, are left as they are."""
    import errno
    import os
    missing = []
    path = os.path.abspath(path)
    while not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
        except OSError as e:
            if e.errno != errno.EEXIST or not os.path.isdir(d):
                raise

"""Config names, paths, datatypes: guessing, type checks, and the stored text form.

Values are stored as text the original CryoCore reads back: booleans as
``True``/``False``, numbers as their Python ``repr``.
"""
from __future__ import absolute_import, division, print_function

import re

from ._compat import PY2, integer_types, string_types, text_type, to_text, utf8_len
from ._exceptions import ConfigValueError, IntegrityException

DATATYPES = ("boolean", "integer", "double", "string", "folder")
MAX_NAME = 128        # config.name VARCHAR(128)
MAX_DEPTH = 100       # levels of a path: deeper trees would exhaust the stack of the tools
MAX_VALUE = 256       # config.value VARCHAR(256), in characters
MAX_COMMENT_BYTES = 65535  # config.comment TEXT
ROOT = "root"

_INT_RE = re.compile(r"^[+-]?[0-9]+\Z")  # ASCII digits; \Z: no trailing newline
_DOUBLE_RE = re.compile(r"^[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?\Z")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


class ParameterExistsException(IntegrityException):
    """``add`` of a parameter that already exists (or a conflicting import)."""


def show(value):
    """repr() for messages, without Python 2's u'' prefix on text."""
    if isinstance(value, string_types):
        return "'%s'" % to_text(value).replace("\\", "\\\\").replace("'", "\\'")
    return repr(value)


def valid_text(value, what):
    """`value` as text the database can hold exactly: bytes must be UTF-8, and text may not
    hold what UTF-8 cannot encode (lone surrogates); ConfigValueError otherwise."""
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigValueError("%s is not UTF-8 text: %r" % (what, bytes(value)[:60]))
    text = to_text(value)
    if not PY2:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ConfigValueError("%s holds characters UTF-8 cannot store: %s" % (
                what, text[:60].encode("utf-8", "backslashreplace").decode("ascii", "replace")))
    return text


# -- names and paths ---------------------------------------------------------
def check_name(name):
    """Refuse a name that is empty, too long, dotted or holds control characters."""
    if not isinstance(name, string_types):
        raise ConfigValueError("parameter name %r is not text" % (name,))
    name = valid_text(name, "parameter name")
    if not name:
        raise ConfigValueError("empty parameter name (paths may not have empty parts)")
    if len(name) > MAX_NAME:
        raise ConfigValueError("parameter name %s is %d characters long (at most %d)"
                               % (show(name[:40] + "..."), len(name), MAX_NAME))
    if "." in name:
        raise ConfigValueError("parameter name %s holds a dot" % show(name))
    for c in name:
        if ord(c) < 32 or 127 <= ord(c) < 160:
            raise ConfigValueError("parameter name %s holds a control character" % show(name))
    return name


def split_path(path):
    """``"a.b.c"`` -> ``["a", "b", "c"]`` (a leading ``root.`` already removed)."""
    if not path:
        return []
    return path.split(".")


def join(base, name):
    """The absolute path (no ``root.`` prefix) of `name` seen from the view rooted at `base`.

    `name` starting with ``root.`` (or being ``root``) is absolute.
    """
    if name is None or name == "":
        return base
    name = to_text(name)
    if name == ROOT:
        return ""
    if name.startswith(ROOT + "."):
        return name[len(ROOT) + 1:]
    return base + "." + name if base else name


def check_path(path, what="path"):
    """Validate every part of an absolute path; returns its parts."""
    parts = split_path(path)
    if not parts:
        raise ConfigValueError("empty %s: a parameter name is needed" % what)
    if len(parts) > MAX_DEPTH:
        raise ConfigValueError("%s %s has %d levels (at most %d)"
                               % (what, show(path[:60] + "..."), len(parts), MAX_DEPTH))
    for part in parts:
        check_name(part)
    return parts


# -- datatypes -----------------------------------------------------------------
def guess_python(value):
    """The datatype of a Python value: bool, int, float, else string."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, integer_types):
        return "integer"
    if isinstance(value, float):
        return "double"
    return "string"


def guess_text(text):
    """The datatype of text from a tool, a file or an import."""
    if text is None:
        return "string"
    low = text.lower()
    if low in ("true", "false"):
        return "boolean"
    if _INT_RE.match(text):
        return "integer"
    if _DOUBLE_RE.match(text):
        return "double"
    return "string"


def from_text(text, path="value"):
    """Typed Python value from text, with the datatype guessed (tools, files)."""
    datatype = guess_text(text)
    return convert(text, datatype, path), datatype


def check_datatype(datatype):
    if datatype not in DATATYPES:
        raise ConfigValueError("unknown datatype %s (one of %s)"
                               % (show(datatype), ", ".join(DATATYPES)))
    return datatype


def convert(value, datatype, path):
    """`value` as a Python value of `datatype`; ConfigValueError if it does not fit."""
    check_datatype(datatype)
    if datatype == "folder":
        if value is None:
            return None
        raise ConfigValueError("%s is a folder and holds no value (got %s)" % (path, show(value)))
    if value is None:
        return None
    if datatype == "string":
        return valid_text(value, "value for %s" % path) if not isinstance(value, bool) \
            else text_type(value)
    if datatype == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, integer_types) and value in (0, 1):
            return bool(value)
        if isinstance(value, string_types):
            low = value.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
        raise _mismatch(path, value, datatype)
    if datatype == "integer":
        if isinstance(value, integer_types) and not isinstance(value, bool):
            return value
        if isinstance(value, string_types) and _INT_RE.match(value.strip()):
            return int(value.strip())
        raise _mismatch(path, value, datatype)
    # double
    if isinstance(value, float):
        return value
    if isinstance(value, integer_types) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, string_types):
        s = value.strip()
        if _DOUBLE_RE.match(s) or s.lower() in ("inf", "-inf", "+inf", "nan"):
            return float(s)
    raise _mismatch(path, value, datatype)


def _mismatch(path, value, datatype):
    return ConfigValueError("value %s does not fit parameter %s of type %s"
                            % (show(value), path, datatype))


# -- stored text -----------------------------------------------------------------
def to_db(value, datatype, path):
    """The column text of a typed value (None stays NULL); too long is refused."""
    if value is None or datatype == "folder":
        return None
    if datatype == "boolean":
        text = "True" if value else "False"
    elif datatype == "integer":
        text = "%d" % value
    elif datatype == "double":
        text = repr(float(value))
    else:
        text = to_text(value)
    if len(text) > MAX_VALUE:
        raise ConfigValueError("value for %s is %d characters long (the column holds %d): %s"
                               % (path, len(text), MAX_VALUE, show(text[:40] + "...")))
    return text


def value_text(value):
    """The text the tools show (and ConfigUI edits) for a typed value: "" for None and
    folders, ``repr`` for doubles (it reads back the same), True/False for booleans."""
    if value is None:
        return u""
    if isinstance(value, float):
        return to_text(repr(value))
    return to_text(value)


def check_comment(comment, path):
    if comment is None:
        return None
    comment = valid_text(comment, "comment for %s" % path)
    if utf8_len(comment) > MAX_COMMENT_BYTES:
        raise ConfigValueError("comment for %s is longer than %d bytes" % (path, MAX_COMMENT_BYTES))
    return comment


def from_db(text, datatype):
    """The typed value of a stored row (tolerant: what the original wrote reads back)."""
    if text is None or datatype == "folder":
        return None
    text = to_text(text)
    if datatype == "boolean":
        return text.strip().lower() in ("true", "1")
    if datatype == "integer":
        try:
            return int(text)
        except ValueError:
            try:
                return int(float(text))
            except ValueError:
                return text
    if datatype == "double":
        try:
            return float(text)
        except ValueError:
            return text
    return text


def prepare(value, datatype, path):
    """Check and convert: (typed value, column text)."""
    typed = convert(value, datatype, path)
    return typed, to_db(typed, datatype, path)

"""Hostile config names, values and comments, serialize/deserialize and ConfigTool words:
stored and shown exactly, or refused with ConfigValueError; never an SQL error (issue 8)."""
from __future__ import absolute_import, division, print_function

import itertools
import json
import math
import re

import pytest

from conftest import importorskip  # noqa: E402

importorskip("hypothesis")

from hypothesis import assume, example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from CryoCore import API  # noqa: E402
from CryoCore.Core import _config_types as T  # noqa: E402
from CryoCore.Core._config_store import Store  # noqa: E402
from CryoCore.Core._exceptions import ConfigValueError  # noqa: E402
from CryoCore.Tools import ConfigTool, _common  # noqa: E402

from _hostile import PROPERTY, argv_text, hostile_text, utf8_ok  # noqa: E402

_counter = itertools.count()

values = st.one_of(
    hostile_text, st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.binary(max_size=20), st.none())


def _fresh_value(backend, path):
    """The value as a new store reads it from the database (not this process's cache)."""
    store = Store(backend.settings)
    try:
        node = store.version("default").paths.get(path)
        return None if node is None else (node.value, node.datatype, node.comment)
    finally:
        store.stop()


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and type(a) == type(b)


def _expected(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


# -- the README's rules in plain Python (the oracle: nothing from CryoCore) ---------------
def _control(c):
    return ord(c) < 32 or 127 <= ord(c) < 160


def _name_ok(part):
    """README: names of 1-128 characters without dots or control characters, UTF-8."""
    return 1 <= len(part) <= 128 and "." not in part and utf8_ok(part) and \
        not any(_control(c) for c in part)


def _path_ok(top, name):
    """Whether `name` seen from the view `top` is a valid path of at most 100 levels."""
    if name == "root" or name.startswith("root."):
        path = name[5:]
    else:
        path = top + "." + name if top else name
    parts = path.split(".")
    return len(parts) <= 100 and all(_name_ok(p) for p in parts)


def _text_form(value):
    """The text the original stores for a Python value (booleans True/False, numbers repr)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return repr(value) if isinstance(value, float) else u"%s" % (value,)


def _value_ok(value):
    """README: values up to 256 characters of UTF-8 text (None is no value)."""
    if value is None:
        return True
    if isinstance(value, bytes):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return False
    text = _text_form(value)
    return utf8_ok(text) and len(text) <= 256


def _typed(text):
    """Spec section 3: true/false -> boolean, integer literal -> integer, decimal or
    exponent literal -> double, else string."""
    if text.lower() in (u"true", u"false"):
        return text.lower() == u"true", "boolean"
    if re.match(u"[+-]?[0-9]+\\Z", text):
        return int(text), "integer"
    if re.match(u"[+-]?([0-9]+\\.[0-9]*|\\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?\\Z", text):
        return float(text), "double"
    return text, "string"


def _clash_refusal(backend, error):
    """MariaDB compares names without case/accents/trailing spaces: such refusals are right."""
    return backend.kind == "mysql" and "clashes with existing" in str(error)


@PROPERTY
@given(name=hostile_text, value=values, comment=st.one_of(st.none(), hostile_text))
def test_set_get_round_trip_or_refused(backend, name, value, comment):
    """A hostile name, value and comment are stored exactly, or refused as the README says."""
    top = "P%d" % next(_counter)
    cfg = API.get_config(top)
    try:
        cfg.add(name, value, comment=comment)
    except ConfigValueError as e:
        assert str(e)  # the documented error, with a message
        assert top not in API.get_config(None)  # nothing stored, not even a folder
        valid = _path_ok(top, name) and _value_ok(value) and utf8_ok(comment or u"")
        assert not valid or _clash_refusal(backend, e), ("valid input refused", name, value, e)
        return
    # accepted: the name was a valid dotted path and everything is valid UTF-8
    assert _path_ok(top, name) and _value_ok(value), ("invalid input accepted", name, value)
    assert all(utf8_ok(x) for x in (name, comment or u"") if x is not None)
    expected = _expected(value)
    assert _same(cfg[name], expected), (cfg[name], expected)
    stored = _fresh_value(backend, T.join(top, name))
    assert stored is not None and _same(stored[0], expected) and stored[2] == comment
    assert stored[1] == (T.guess_python(value) if value is not None else "string")


@PROPERTY
@given(names=st.lists(hostile_text, min_size=1, max_size=4),
       value=st.one_of(hostile_text, st.integers(), st.floats(), st.booleans()))
def test_set_default_and_item_assignment_never_raise_anything_else(backend, names, value):
    """set_default and cfg[x] = v store hostile text exactly or raise ConfigValueError."""
    cfg = API.get_config("Q%d" % next(_counter))
    for name in names:
        try:
            cfg.set_default(name, value)
            cfg[name] = value
        except ConfigValueError:
            continue
        assert _same(cfg[name], value)


@PROPERTY
@given(tree=st.dictionaries(hostile_text, st.one_of(hostile_text, st.integers(),
                                                    st.floats(), st.booleans()),
                            min_size=1, max_size=5))
def test_serialize_deserialize_round_trip(backend, tree):
    """A tree of hostile names and values survives serialize then deserialize unchanged."""
    n = next(_counter)
    cfg = API.get_config(None)
    src = "S%d" % n
    kept = {}
    for name, value in tree.items():
        try:
            cfg.add(src + ".sub." + name, value)
        except ConfigValueError:
            continue
        kept[name] = value
    if not kept:
        return
    text = cfg.serialize(src + ".sub")
    json.loads(text)  # pure JSON text (NaN/Infinity as Python writes them)
    cfg.deserialize(text, "D%d" % n)
    for name, value in kept.items():
        assert _same(cfg["D%d.sub.%s" % (n, name)], value)
        assert cfg.get("D%d.sub.%s" % (n, name)).datatype == cfg.get(src + ".sub." + name).datatype


@PROPERTY
@given(text=st.one_of(hostile_text, st.binary(max_size=60).map(
    lambda b: b.decode("latin-1"))), root=hostile_text)
def test_deserialize_of_garbage_is_refused_clearly(backend, text, root):
    """Garbage given to deserialize is refused with ConfigValueError and adds no row."""
    cfg = API.get_config(None)
    before = backend.sql("SELECT COUNT(*) FROM config")
    try:
        cfg.deserialize(text, root)
    except ConfigValueError as e:
        assert str(e)
        assert backend.sql("SELECT COUNT(*) FROM config") == before  # nothing half-imported
        return
    # accepted: it must be the documented JSON object; garbage never adds rows
    parsed = json.loads(text)
    assert isinstance(parsed, dict), text
    if not [k for k in parsed if k != "version"]:
        assert backend.sql("SELECT COUNT(*) FROM config") == before


# -- ConfigTool ----------------------------------------------------------------------------
def _tool(capsys, argv):
    try:
        code = _common.run(ConfigTool.main, argv)
    except SystemExit as e:  # argparse refusing an option-like word: usage + one error line
        code = e.code
        out, err = capsys.readouterr()
        assert code == 2 and err.strip().splitlines()[-1].startswith("ConfigTool.py: error: ")
        return code, out, err
    out, err = capsys.readouterr()
    assert code in (0, 1), (argv, code, err)
    assert "Traceback" not in err
    if code == 1:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return code, out, err


@PROPERTY
@given(name=argv_text, value=argv_text)
@example(name=u"digits", value=u"\u0663")   # an Arabic-Indic 3 is text, not the integer 3
@example(name=u"newline", value=u"5\n")     # not the integer 5
@example(name=u"double", value=u"1.5\n")
def test_configtool_add_get_and_quick_hand(backend, capsys, name, value):
    """ConfigTool add/get/P=V store hostile arguments exactly, typed per spec, or refuse."""
    top = "T%d" % next(_counter)
    path = top + "." + name
    code, out, err = _tool(capsys, ["add", "--", path, value])
    valid = _path_ok("", path) and _value_ok(value) and not path.startswith("root")
    if code != 0:
        assert not valid, ("valid input refused", path, value, err)
        return
    assert valid, ("invalid input accepted", path, value)
    expected, datatype = _typed(value)
    cfg = API.get_config(None)
    assert _same(cfg[path], expected)
    code, out, err = _tool(capsys, ["get", "--", path])
    lines = out.split("\n")
    assert code == 0 and "datatype: %s" % datatype in lines
    if "\n" not in value:
        assert lines[0] == "value: %s" % T.value_text(expected)
    if "=" not in name:  # quick-hand: the path ends at the first "="
        code, out, err = _tool(capsys, ["--", "%s=%s" % (path, value)])  # same value fits
        assert code == 0, err


HTREE = [u"plain", u"it's", u'say "hi"', u"100%", u"back\\slash", u"a_b", u"a%b",
         u"DROP TABLE config", u"\u00e9t\u00e9", u"UPPER"]


@pytest.fixture
def hostile_tree(backend):
    """Parameters H.<name> = i for hostile names; returns the names."""
    cfg = API.get_config(None)
    for i, name in enumerate(HTREE):
        cfg.add(u"H.%s" % name, i)
    return HTREE


@PROPERTY
@given(word=st.one_of(argv_text, st.sampled_from(
    HTREE + [u"%", u"'", u"_", u"\\", u"e", u"H", u"root", u"root.H", u"H.100%", u"h.plain"])))
def test_configtool_keyword_filter_returns_only_matching(hostile_tree, capsys, word):
    """ConfigTool's bare-word look-up shows exactly the matching parameters."""
    assume("=" not in word and word not in ConfigTool.COMMANDS)
    code, out, err = _tool(capsys, ["--", word])
    names = hostile_tree
    path = word[5:] if word.startswith("root.") else ("" if word == "root" else word)
    if path in ("", "H"):   # the root or the folder: everything under it
        expected = ["H.%s = %d" % (n, i) for i, n in enumerate(names)]
    elif path.startswith("H.") and path[2:] in names:
        expected = ["H.%s = %d" % (path[2:], names.index(path[2:]))]
    else:                   # every parameter whose name contains the word, ignoring case
        expected = ["H.%s = %d" % (n, i) for i, n in enumerate(names)
                    if word.lower() in n.lower()]
    assert sorted(out.split("\n")[:-1]) == sorted(expected) if expected else out == ""
    assert code == (0 if expected else 1)


@PROPERTY
@given(version=hostile_text)
def test_hostile_version_names_exact_or_refused(backend, version):
    """Hostile version names are kept exactly, or refused by the README's rules."""
    valid = 1 <= len(version) <= 128 and utf8_ok(version) and not any(ord(c) < 32 for c in version)
    try:
        cfg = API.get_config(None, version=version)
    except ConfigValueError as e:
        assert str(e)
        assert not valid or _clash_refusal(backend, e), ("valid version refused", version, e)
        return
    assert valid, ("invalid version accepted", version)
    assert cfg.get_version() == version
    cfg["v"] = 1
    assert version in [v[0] for v in cfg.list_versions()]
    if version != "default":
        cfg.delete_version(version)


def test_version_names_differing_in_case_only(backend):
    """SQLite keeps them apart; MySQL compares them equal: refused, never mixed up."""
    API.get_config(None, version="Field")["x"] = 1
    try:
        other = API.get_config(None, version="FIELD")
    except ConfigValueError as e:
        assert backend.kind == "mysql" and "clashes with existing 'Field'" in str(e)
        return
    assert backend.kind == "sqlite" and other["x"] is None
